// Presenters for attestations and templates: who still has to read what by when, and the
// templates new SOPs start from (see Presenters.h).
#include "Presenters.h"

namespace sopvault::cli {

Output presentAttestations(const std::vector<core::AttestationStatus>& rows)
{
    Output out = listOutput(
        rows, {"TITLE", "VER", "USER", "ROLE", "DUE", "ATTESTED", "ID"},
        [](const core::AttestationStatus& a) -> json {
            return {{"sop", core::toHex(a.sop)},
                    {"title", a.title},
                    {"version", a.version},
                    {"user", a.user},
                    {"role", a.role},
                    {"due", core::formatDate(a.due)},
                    {"attested", a.attested ? json(core::formatTime(*a.attested)) : json()},
                    {"overdue", a.overdue}};
        },
        [](const core::AttestationStatus& a) -> std::vector<std::string> {
            return {a.title,
                    std::to_string(a.version),
                    a.user,
                    a.role,
                    core::formatDate(a.due),
                    a.attested ? core::formatDate(*a.attested) : (a.overdue ? "OVERDUE" : "no"),
                    core::toHex(a.sop)};
        });
    if (rows.empty()) {
        out.text = say("No one is required to read these SOPs.");
    }
    return out;
}

Output presentTemplates(const std::vector<core::TemplateInfo>& templates)
{
    return listOutput(
        templates, {"NAME", "SOURCE", "COLLECTION"},
        [](const core::TemplateInfo& t) -> json {
            return {{"name", t.name},
                    {"source", core::templateSourceName(t.source)},
                    {"collection", t.collection}};
        },
        [](const core::TemplateInfo& t) -> std::vector<std::string> {
            return {t.name, std::string(core::templateSourceName(t.source)), t.collection};
        });
}

Output presentCoverage(const std::vector<core::CoverageRow>& rows)
{
    Output out = listOutput(
        rows, {"CATEGORY", "TICKETS", "COVERED", "SOPS"},
        [](const core::CoverageRow& c) -> json {
            json sops = json::array();
            for (const core::CoveredSop& s : c.sops) {
                sops.push_back({{"id", core::toHex(s.id)},
                                {"title", s.title},
                                {"state", core::stateName(s.state)},
                                {"review_status", core::statusName(s.reviewStatus)},
                                {"reviewed", s.reviewed}});
            }
            return {{"category", c.category},
                    {"tickets", c.tickets},
                    {"covered", c.covered},
                    {"sops", std::move(sops)}};
        },
        [](const core::CoverageRow& c) -> std::vector<std::string> {
            std::string titles;
            for (const core::CoveredSop& s : c.sops) {
                titles += (titles.empty() ? "" : "; ") + s.title;
            }
            return {c.category, std::to_string(c.tickets), c.covered ? "yes" : "NO", titles};
        });
    if (rows.empty()) {
        out.text = say("The export lists no ticket categories.");
    }
    return out;
}

Output presentUsage(const std::vector<core::UsageRow>& rows)
{
    return listOutput(
        rows, {"TITLE", "VIEWS", "RUNS", "REVIEW", "FLAGS", "STALE BUT USED", "ID"},
        [](const core::UsageRow& u) -> json {
            return {{"id", core::toHex(u.id)},
                    {"title", u.title},
                    {"views", u.views},
                    {"runs", u.runs},
                    {"review_status", core::statusName(u.reviewStatus)},
                    {"open_flags", u.openFlags},
                    {"stale_but_used", u.staleButUsed}};
        },
        [](const core::UsageRow& u) -> std::vector<std::string> {
            return {u.title,
                    std::to_string(u.views),
                    std::to_string(u.runs),
                    std::string(core::statusName(u.reviewStatus)),
                    u.openFlags > 0 ? std::to_string(u.openFlags) : "",
                    u.staleButUsed ? "yes" : "",
                    core::toHex(u.id)};
        });
}

} // namespace sopvault::cli
