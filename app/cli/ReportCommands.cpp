// Coverage and usage: report coverage --categories FILE.csv, report usage [--since D].
#include "Commands.h"
#include "Presenters.h"

namespace sopvault::cli {

void addReportCommands(CLI::App& app, Runner& r, ReportOptions& o)
{
    auto* report =
        app.add_subcommand("report", "Ticket coverage and SOP usage")->require_subcommand(1);
    auto* coverage = report->add_subcommand(
        "coverage", "PSA ticket categories against the SOPs tagged for them");
    coverage
        ->add_option("--categories", o.categories,
                     "CSV export: Category,Count or one row per ticket")
        ->required();
    coverage->footer("The header row names the columns: the category as Category, Ticket "
                     "Category, Issue Type, Problem Type, Ticket Type, Request Type, Type or "
                     "Subtype; the count (optional: without one, each row is a ticket) as Count, "
                     "Tickets, Ticket Count, Number of Tickets, Total or Volume. Case, spaces and "
                     "'_' do not matter; ',', ';' and tab all work. A category is matched to the "
                     "SOPs tagged with it; it is covered by a published SOP approved in review "
                     "and not overdue.\nExample: sopvault-cli --user olivia report coverage "
                     "--categories tickets.csv");
    r.withSession(coverage, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(csv, readBody(o.categories));
        SOPVAULT_TRY(asOf, r.asOf(s));
        SOPVAULT_TRY(rows, s.coverage(csv, asOf));
        r.emit(presentCoverage(rows));
        return {};
    });
    auto* usage = report->add_subcommand("usage", "Owners: views and runs per SOP, and stale or "
                                                  "flagged SOPs still used");
    usage->add_option("--since", o.since, "YYYY-MM-DD");
    usage->footer("Example: sopvault-cli --user olivia report usage --since 2027-01-01");
    r.withSession(usage, [&r, &o](core::Session& s) -> Result<void> {
        std::optional<core::Timestamp> since;
        if (!o.since.empty()) {
            SOPVAULT_TRY(t, core::parseDate(o.since));
            since = t;
        }
        SOPVAULT_TRY(asOf, r.asOf(s));
        SOPVAULT_TRY(rows, s.usage(since, asOf));
        r.emit(presentUsage(rows));
        return {};
    });
}

} // namespace sopvault::cli
