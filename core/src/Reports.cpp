// Coverage and usage (product.md feature 18): a PSA ticket export read as categories and
// counts, matched to SOPs by tag; views and runs per SOP counted from the audit log.
#include "sopvault/core/Reports.h"
#include "sopvault/core/Vault.h"

#include "ImportText.h"
#include "RunRules.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace sopvault::core {

using namespace detail;

namespace {

// The column names of the common PSAs' ticket exports (HaloPSA, Autotask, ConnectWise, Syncro,
// Kaseya BMS, Freshdesk), normalised by columnKey; the first present is taken.
constexpr std::array kCategoryColumns{
    "category",     "ticket category", "category 1",    "issue type",
    "problem type", "ticket type",     "request type",  "type",
    "subtype",      "sub-issue type",  "sub issue type"};
constexpr std::array kCountColumns{"count",
                                   "tickets",
                                   "ticket count",
                                   "# of tickets",
                                   "number of tickets",
                                   "total tickets",
                                   "total",
                                   "volume",
                                   "#"};

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

// A header cell compared without case, blanks at the ends, or the difference between '_' and
// ' ' ("Issue_Type", " issue type").
std::string columnKey(std::string_view cell)
{
    std::string out;
    for (char c : lower(trimBlank(cell))) {
        const char k = c == '_' ? ' ' : c;
        if (k != ' ' || (!out.empty() && out.back() != ' ')) {
            out.push_back(k);
        }
    }
    return out;
}

// The delimiter of the header line: the most frequent of ',', ';' and tab outside quotes.
char delimiterOf(std::string_view text)
{
    std::map<char, int> seen;
    bool quoted = false;
    for (char c : text) {
        if (c == '\n') {
            break;
        }
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == ',' || c == ';' || c == '\t')) {
            seen[c] += 1;
        }
    }
    char best = ',';
    int most = 0;
    for (auto [c, n] : seen) {
        if (n > most) {
            best = c;
            most = n;
        }
    }
    return best;
}

// RFC 4180 records: quoted cells may hold the delimiter, doubled quotes and line breaks.
std::vector<std::vector<std::string>> csvRows(std::string_view text, char delimiter)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell.push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == delimiter) {
            row.push_back(std::move(cell));
            cell.clear();
        } else if (c == '\n') {
            row.push_back(std::move(cell));
            cell.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else if (c != '\r') {
            cell.push_back(c);
        }
    }
    if (!cell.empty() || !row.empty()) {
        row.push_back(std::move(cell));
        rows.push_back(std::move(row));
    }
    std::erase_if(rows, [](const std::vector<std::string>& r) {
        return std::all_of(r.begin(), r.end(),
                           [](const std::string& c) { return trimBlank(c).empty(); });
    });
    return rows;
}

template <std::size_t N>
std::optional<std::size_t> findColumn(const std::vector<std::string>& keys,
                                      const std::array<const char*, N>& names)
{
    for (const char* name : names) {
        auto it = std::find(keys.begin(), keys.end(), name);
        if (it != keys.end()) {
            return static_cast<std::size_t>(it - keys.begin());
        }
    }
    return std::nullopt;
}

} // namespace

Result<std::vector<TicketCategory>> parseTicketCategories(std::string_view csv)
{
    if (csv.starts_with("\xEF\xBB\xBF")) {
        csv.remove_prefix(3);
    }
    const auto rows = csvRows(csv, delimiterOf(csv));
    if (rows.empty()) {
        return fail(ErrorCode::Usage, "The ticket export is empty: it needs a header row (for "
                                      "example 'Category,Count') and a row per category or "
                                      "ticket.");
    }
    std::vector<std::string> keys;
    std::vector<std::string> shown;
    for (const std::string& cell : rows.front()) {
        keys.push_back(columnKey(cell));
        shown.push_back(fmt::format("'{}'", trimBlank(cell)));
    }
    const auto category = findColumn(keys, kCategoryColumns);
    if (!category) {
        return fail(ErrorCode::Usage,
                    fmt::format("Cannot tell which column holds the ticket category; the columns "
                                "are {}. Name it 'Category' (or 'Issue Type', 'Type', 'Problem "
                                "Type'), with a 'Count' column or one row per ticket.",
                                fmt::join(shown, ", ")));
    }
    const auto count = findColumn(keys, kCountColumns);
    std::vector<TicketCategory> out;
    std::map<std::string, std::size_t> byKey; // lower-cased category -> index in out
    for (std::size_t line = 1; line < rows.size(); ++line) {
        const auto& row = rows[line];
        const std::string name =
            *category < row.size() ? std::string(trimBlank(row[*category])) : std::string();
        std::uint64_t tickets = 1;
        if (count) {
            const std::string_view text =
                *count < row.size() ? trimBlank(row[*count]) : std::string_view();
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), tickets);
            if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
                return fail(ErrorCode::Usage,
                            fmt::format("Row {} of the ticket export: the count '{}' is not a "
                                        "whole number.",
                                        line + 1, text));
            }
        }
        if (name.empty()) {
            continue;
        }
        auto [it, added] = byKey.try_emplace(lower(name), out.size());
        if (added) {
            out.push_back({name, 0});
        }
        out[it->second].tickets += tickets;
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.tickets > b.tickets; });
    return out;
}

Result<std::vector<CoverageRow>> Session::coverage(std::string_view csv, Timestamp asOf) const
{
    SOPVAULT_TRY(categories, parseTicketCategories(csv));
    SOPVAULT_TRY(sops, listSops());
    std::vector<CoverageRow> out;
    for (const TicketCategory& c : categories) {
        CoverageRow row{c.category, c.tickets, {}, false};
        const std::string key = lower(c.category);
        for (const SopSummary& s : sops) {
            const bool tagged = std::any_of(s.tags.begin(), s.tags.end(),
                                            [&](const std::string& t) { return lower(t) == key; });
            if (!tagged || s.damaged || s.state == SopState::Archived) {
                continue;
            }
            CoveredSop covered{s.id, s.title, s.state,
                               reviewStatus(s.reviewDue, asOf, dueSoonDays()), false};
            if (!s.reviewDamaged) {
                SOPVAULT_TRY(history, reviewHistory(s.id));
                const bool approved =
                    std::any_of(history.begin(), history.end(), [](const ReviewRecord& r) {
                        return r.decision == ReviewDecision::Approved;
                    });
                covered.reviewed = approved && covered.reviewStatus != ReviewStatus::Overdue;
            }
            row.covered = row.covered || (covered.reviewed && s.state == SopState::Published);
            row.sops.push_back(std::move(covered));
        }
        out.push_back(std::move(row));
    }
    return out;
}

Result<std::vector<UsageRow>> Session::usage(std::optional<Timestamp> since, Timestamp asOf) const
{
    AuditFilter filter;
    filter.since = since;
    SOPVAULT_TRY(entries, audit(filter));                                  // owners only
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts; // id hex -> views, runs
    for (const AuditEntry& a : entries) {
        if (a.action == "view") {
            counts[a.target].first += 1;
        } else if (a.action == kAuditRunStart) {
            counts[a.target].second += 1;
        }
    }
    SOPVAULT_TRY(sops, listSops());
    SOPVAULT_TRY(open, flags(true));
    std::vector<UsageRow> out;
    for (const SopSummary& s : sops) {
        UsageRow row;
        row.id = s.id;
        row.title = s.title;
        if (auto it = counts.find(toHex(s.id)); it != counts.end()) {
            row.views = it->second.first;
            row.runs = it->second.second;
        }
        row.reviewStatus = reviewStatus(s.reviewDue, asOf, dueSoonDays());
        row.openFlags = static_cast<std::size_t>(std::count_if(
            open.begin(), open.end(), [&](const FlagInfo& f) { return f.sop == s.id; }));
        row.staleButUsed = row.views + row.runs > 0 &&
                           (row.reviewStatus == ReviewStatus::Overdue || row.openFlags > 0);
        out.push_back(std::move(row));
    }
    std::stable_sort(out.begin(), out.end(), [](const UsageRow& a, const UsageRow& b) {
        return a.views + a.runs > b.views + b.runs;
    });
    return out;
}

} // namespace sopvault::core
