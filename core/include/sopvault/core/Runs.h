// Runs of a SOP's checklist for a ticket (product.md feature 15): the steps of the exact version
// a run started on, each done or skipped by someone at a time, and the evidence that reads as a
// ticket note. The records are in the vault file's review and flag log (docs/architecture.md).
#pragma once

#include "sopvault/core/Types.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

enum class StepState : std::uint8_t
{
    Open = 0,
    Done = 1,
    Skipped = 2,
};
// "open", "done", "skipped".
[[nodiscard]] std::string_view stepStateName(StepState state);

struct RunStepInfo
{
    std::uint32_t n = 0; // 1-based, in document order
    std::string text;    // the task-list item's text in the run's version
    StepState state = StepState::Open;
    std::string by; // empty while open
    std::optional<Timestamp> time;
    std::string note;
};

struct RunInfo
{
    Id id{};
    Id sop{};
    std::string title; // of the run's version
    std::string collection;
    std::uint64_t version = 0;
    std::string versionHash; // hex of the version's entry hash
    // The SOP's newest version readers are shown: above `version` when the SOP changed since.
    std::uint64_t headVersion = 0;
    std::string ticket;
    std::string client;
    std::string startedBy;
    Timestamp started = 0;
    std::optional<Timestamp> finished;
    std::string finishedBy;
    std::vector<RunStepInfo> steps;

    [[nodiscard]] bool newerVersion() const { return headVersion > version; }
    [[nodiscard]] std::size_t count(StepState state) const;
};

struct RunSummary
{
    Id id{};
    Id sop{};
    std::string title; // the SOP's newest title
    std::uint64_t version = 0;
    std::string ticket;
    std::string client;
    std::string startedBy;
    Timestamp started = 0;
    std::optional<Timestamp> finished;
    std::size_t done = 0;
    std::size_t skipped = 0;
};

struct RunFilter
{
    bool openOnly = false;
    std::optional<Id> sop;
    std::string ticket; // exact; empty: any
};

// The evidence of a run as a ticket note: SOP title, version, ticket, client, started, finished,
// then each step with its state, who, when and the note. Plain text (for a clipboard; it holds
// no SOP text beyond the step titles), Markdown or a standalone HTML page; the exports carry the
// watermark line above and below.
enum class EvidenceFormat
{
    Text,
    Markdown,
    Html,
};
[[nodiscard]] std::string runEvidence(const RunInfo& run, EvidenceFormat format,
                                      std::string_view watermark = {});

// Ticket references and client names: at most 200 bytes of UTF-8 without control characters.
inline constexpr std::size_t kMaxRunFieldBytes = 200;

} // namespace sopvault::core
