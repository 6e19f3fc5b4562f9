// Review vocabulary: schedules and their status, sign-offs, flags and the quarter report.
// Every date is computed from a Clock or an explicit as-of time, never the wall clock.
#pragma once

#include "sopvault/core/Types.h"

#include <optional>
#include <string>
#include <vector>

namespace sopvault::core {

enum class ReviewDecision : std::uint8_t
{
    Approved = 1,
    ChangesRequested = 2
};
[[nodiscard]] std::string_view decisionName(ReviewDecision d);
[[nodiscard]] Result<ReviewDecision> parseDecision(std::string_view name);

enum class ReviewStatus
{
    Ok,
    DueSoon,
    Due,
    Overdue
};
[[nodiscard]] std::string_view statusName(ReviewStatus s);

// Due date = last approval (or creation) + interval. Whole UTC days: due on the due day,
// overdue from the day after, due-soon within `dueSoonDays` before it.
[[nodiscard]] Timestamp reviewDueAt(Timestamp base, std::uint32_t intervalDays);
[[nodiscard]] ReviewStatus reviewStatus(Timestamp due, Timestamp asOf, std::uint64_t dueSoonDays);

struct ReviewItem
{
    Id id{};
    std::string title;
    std::string collection;
    Timestamp due = 0;
    ReviewStatus status = ReviewStatus::Ok;
    std::string reviewer; // user, "@role", or empty (anyone with review)
    std::uint64_t headVersion = 0;
    std::optional<std::uint64_t> lastApprovedVersion;
    bool changedSinceReview = false;
    std::size_t openFlags = 0;
    // A review or flag record of this SOP failed verification: its status is unknown (`status`
    // and `due` mean nothing); `problem` says what failed.
    bool damaged = false;
    std::string problem;
    // Not a review: this person must attest they read the current version by `due`
    // (Attestations.h); `headVersion` is that version.
    bool attestation = false;
};

struct ReviewRecord
{
    std::uint64_t version = 0;
    std::string reviewer;
    ReviewDecision decision = ReviewDecision::Approved;
    std::string comment;
    Timestamp time = 0;
};

struct FlagInfo
{
    Id id{};
    Id sop{};
    std::string sopTitle;
    std::string collection;
    std::uint64_t version = 0;
    std::string author;
    Timestamp time = 0;
    std::string comment;
    bool resolved = false;
    std::string resolvedBy; // a person, or empty when a new version resolved it
    std::string resolution; // their note, or "resolved by version N"
    // Stands for a SOP whose review and flag records failed verification: its flags cannot be
    // listed (`problem` says why; only `sop`, `sopTitle` and `collection` are set).
    bool damaged = false;
    std::string problem;
};

enum class QuarterRowKind
{
    Due,    // a due date that fell in the quarter, and what became of it
    Signoff // a sign-off made in the quarter, whatever was due
};
[[nodiscard]] std::string_view quarterRowKindName(QuarterRowKind kind); // "due" or "signoff"

// One row of the quarter report: a due date in the quarter (with the approval that met it), or a
// sign-off made in the quarter (with the due date in force when it was made).
struct QuarterRow
{
    Id sop{};
    std::string title;
    std::string collection;
    Timestamp due = 0;
    // Due rows: "signed-off", "late", "missed" or "pending". Sign-off rows: the decision,
    // "approved" or "changes-requested".
    std::string outcome;
    std::string signedBy;
    std::optional<Timestamp> signedAt;
    std::optional<std::uint64_t> version;
    QuarterRowKind kind = QuarterRowKind::Due;
    std::optional<ReviewDecision> decision; // of the sign-off (the approval, on a due row)
};

// "2027-Q1" -> [start, end) in UTC.
struct Quarter
{
    Timestamp start = 0;
    Timestamp end = 0;
};
[[nodiscard]] Result<Quarter> parseQuarter(std::string_view text);

} // namespace sopvault::core
