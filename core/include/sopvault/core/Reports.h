// Coverage and usage (product.md feature 18): a PSA's ticket categories against the SOPs tagged
// for them, and how much each SOP is read and run, from the audit log.
#pragma once

#include "sopvault/core/Reviews.h"
#include "sopvault/core/Types.h"

#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

// A ticket export read: each category and its number of tickets, most tickets first.
struct TicketCategory
{
    std::string category;
    std::uint64_t tickets = 0;
};
// Reads a CSV with a header row: a category column and a count column, or one row per ticket
// with a category column (the usual column names of the common PSAs; see docs/cli.md). `usage`
// naming the columns found when it cannot tell which is which, or naming the line of a bad
// count.
[[nodiscard]] Result<std::vector<TicketCategory>> parseTicketCategories(std::string_view csv);

struct CoveredSop
{
    Id id{};
    std::string title;
    SopState state = SopState::Draft;
    ReviewStatus reviewStatus = ReviewStatus::Ok;
    bool reviewed = false; // approved at least once and not overdue
};

struct CoverageRow
{
    std::string category;
    std::uint64_t tickets = 0;
    std::vector<CoveredSop> sops; // the SOPs tagged with the category (case ignored)
    bool covered = false;         // one of them is published and reviewed
};

struct UsageRow
{
    Id id{};
    std::string title;
    std::uint64_t views = 0;
    std::uint64_t runs = 0;
    ReviewStatus reviewStatus = ReviewStatus::Ok;
    std::size_t openFlags = 0;
    // Used (read or run) while overdue for review or flagged: the SOPs to fix first.
    bool staleButUsed = false;
};

} // namespace sopvault::core
