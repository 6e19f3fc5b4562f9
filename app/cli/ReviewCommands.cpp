// Reviews and flags: sop flag, flags, resolve; review due, signoff, history, report.
#include "Commands.h"
#include "Presenters.h"

#include <fmt/format.h>

#include <algorithm>

namespace sopvault::cli {
namespace {

// After a list that marked SOPs whose review and flag records failed verification: the
// command still fails (exit 5), so a script never reads a partial list as complete.
template <typename List>
Result<void> damagedReviewLog(const List& list, std::string_view what)
{
    const auto damaged = static_cast<std::size_t>(
        std::count_if(list.begin(), list.end(), [](const auto& x) { return x.damaged; }));
    if (damaged == 0) {
        return {};
    }
    return fail(ErrorCode::Integrity,
                fmt::format("The {} of {} SOP(s) cannot be trusted because their review and "
                            "flag records failed verification; run 'verify'.",
                            what, damaged));
}

void addFlags(CLI::App& sop, Runner& r, ReviewOptions& o)
{
    auto* flag = sop.add_subcommand("flag", "Say a SOP is wrong or stale (KCS)");
    flag->add_option("SOP", o.sop)->required();
    flag->add_option("--comment", o.comment, "what is wrong")->required();
    flag->footer("Example: sopvault-cli --user tom sop flag \"Monthly patching\" --comment "
                 "\"step 3 names the old WSUS server\"");
    r.withSession(flag, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_TRY(flagId, s.flag(id, o.comment));
        r.emit({{{"id", core::toHex(flagId)}, {"sop", core::toHex(id)}},
                say("Flagged; editors will see it (flag {}).", core::toHex(flagId))});
        return {};
    });

    auto* flags = sop.add_subcommand("flags", "Open flags on the SOPs you may view");
    flags->add_flag("--all", o.allFlags, "include resolved flags");
    r.withSession(flags, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(list, s.flags(!o.allFlags));
        r.emit(presentFlags(list));
        return damagedReviewLog(list, "flags");
    });

    auto* resolve = sop.add_subcommand("resolve", "Editors: resolve a flag with a note");
    resolve->add_option("FLAG", o.flag, "flag id (from 'sop flags')")->required();
    resolve->add_option("--note", o.comment, "what was done")->required();
    r.withSession(resolve, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, core::idFromHex(o.flag));
        SOPVAULT_CHECK(s.resolveFlag(id, o.comment));
        r.emit({{{"id", o.flag}, {"resolved", true}}, say("Flag resolved.")});
        return {};
    });
}

void addReviewDue(CLI::App& review, Runner& r, ReviewOptions& o)
{
    auto* due = review.add_subcommand("due", "Due, due-soon and overdue SOPs you may review");
    auto* within = due->add_option("--within", o.within, "list what is due within DAYS");
    due->footer("Example: sopvault-cli --user rita --as-of 2027-03-01 review due");
    r.withSession(due, [&r, &o, within](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(asOf, r.asOf(s));
        std::optional<std::uint32_t> w;
        if (within->count() > 0) {
            w = o.within;
        }
        SOPVAULT_TRY(list, s.reviewsDue(asOf, w));
        r.emit(presentReviewsDue(list, asOf));
        return damagedReviewLog(list, "review status");
    });
}

void addSignoffs(CLI::App& review, Runner& r, ReviewOptions& o)
{
    auto* signoff = review.add_subcommand("signoff", "Approve or request changes to a SOP");
    signoff->add_option("SOP", o.sop)->required();
    signoff->add_option("--decision", o.decision, "approved|changes-requested")->required();
    signoff->add_option("--comment", o.comment);
    signoff->footer("Example: sopvault-cli --user rita review signoff \"Monthly patching\" "
                    "--decision approved --comment \"checked against the new WSUS\"");
    r.withSession(signoff, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(d, core::parseDecision(o.decision));
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_CHECK(s.signOff(id, d, o.comment));
        r.emit({{{"id", core::toHex(id)}, {"decision", o.decision}},
                say("Signed off: {}.", o.decision)});
        return {};
    });

    auto* history = review.add_subcommand("history", "Sign-offs of a SOP");
    history->add_option("SOP", o.sop)->required();
    r.withSession(history, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_TRY(list, s.reviewHistory(id));
        r.emit(presentReviewHistory(list));
        return {};
    });

    auto* report = review.add_subcommand("report", "What was signed off in a quarter, what was "
                                                   "missed");
    report->add_option("--quarter", o.quarter, "YYYY-QN")->required();
    report->footer("Example: sopvault-cli --user olivia review report --quarter 2027-Q1");
    r.withSession(report, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(asOf, r.asOf(s));
        SOPVAULT_TRY(rows, s.quarterReport(o.quarter, asOf));
        r.emit(presentQuarterReport(rows, o.quarter));
        return {};
    });
}

} // namespace

void addReviewCommands(CLI::App& app, CLI::App& sop, Runner& r, ReviewOptions& o)
{
    addFlags(sop, r, o);
    auto* review = app.add_subcommand("review", "Quarterly reviews")->require_subcommand(1);
    addReviewDue(*review, r, o);
    addSignoffs(*review, r, o);
}

} // namespace sopvault::cli
