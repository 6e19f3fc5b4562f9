// The rules of run records (kinds 50-52, in the review and flag log): what replay and the write
// path check, and the encoding of the encrypted text each run record carries.
#pragma once

#include "State.h"

#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core::detail {

// The audit log's actions for runs (Runs.cpp writes them; Reports.cpp counts the starts).
inline constexpr std::string_view kAuditRunStart = "run-start";
inline constexpr std::string_view kAuditRunStep = "run-step";
inline constexpr std::string_view kAuditRunFinish = "run-finish";

// A run start (its payload's version and hash are the run's version), a step (flagId: the run;
// decision: 1 done, 2 skipped) or a finish (flagId: the run). Every run record is signed by a
// member who may view the SOP; steps and the finish by the run's starter or an owner, on a run
// that is not finished, against the run's version.
[[nodiscard]] Result<void> checkRunRecord(const State& state, const Record& record,
                                          const EventPayload& payload, const SopRecordState& sop,
                                          const UserState& signer);

// The run start of `run` among a SOP's events, or null.
[[nodiscard]] const EventState* runStart(const SopRecordState& sop, const Id& run);
[[nodiscard]] bool runFinished(const SopRecordState& sop, const Id& run);

// The fields of a run record's text (start: ticket, client; step: number, note; finish: the hex
// entry hashes of the run's steps in log order), each as "<length>:<bytes>" so any text fits.
[[nodiscard]] std::string packRunText(const std::vector<std::string>& fields);
// `integrity` if the text is not such a list of exactly `count` fields (0: any number).
[[nodiscard]] Result<std::vector<std::string>> unpackRunText(std::string_view text,
                                                             std::size_t count);

} // namespace sopvault::core::detail
