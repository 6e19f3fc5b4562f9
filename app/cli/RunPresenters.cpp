// Presenters for runs: a started run, one run with its steps, and the list (see Presenters.h).
#include "Presenters.h"

namespace sopvault::cli {

Output presentRunStarted(const core::Id& id)
{
    return {{{"id", core::toHex(id)}}, say("{}\n", core::toHex(id))};
}

Output presentRun(const core::RunInfo& run)
{
    json steps = json::array();
    for (const core::RunStepInfo& s : run.steps) {
        steps.push_back({{"n", s.n},
                         {"text", s.text},
                         {"state", core::stepStateName(s.state)},
                         {"by", s.by},
                         {"time", s.time ? json(core::formatTime(*s.time)) : json()},
                         {"note", s.note}});
    }
    json doc = {{"id", core::toHex(run.id)},
                {"sop", core::toHex(run.sop)},
                {"title", run.title},
                {"version", run.version},
                {"version_hash", run.versionHash},
                {"newer_version", run.newerVersion() ? json(run.headVersion) : json()},
                {"ticket", run.ticket},
                {"client", run.client},
                {"started_by", run.startedBy},
                {"started", core::formatTime(run.started)},
                {"finished_by", run.finishedBy},
                {"finished", run.finished ? json(core::formatTime(*run.finished)) : json()},
                {"steps", steps}};
    return {doc, TerminalText::block(core::runEvidence(run, core::EvidenceFormat::Text))};
}

Output presentRuns(const std::vector<core::RunSummary>& runs)
{
    Output out = listOutput(
        runs, {"SOP", "VER", "TICKET", "CLIENT", "BY", "STARTED", "STEPS", "STATE", "RUN"},
        [](const core::RunSummary& x) -> json {
            return {{"id", core::toHex(x.id)},
                    {"sop", core::toHex(x.sop)},
                    {"title", x.title},
                    {"version", x.version},
                    {"ticket", x.ticket},
                    {"client", x.client},
                    {"started_by", x.startedBy},
                    {"started", core::formatTime(x.started)},
                    {"finished", x.finished ? json(core::formatTime(*x.finished)) : json()},
                    {"done", x.done},
                    {"skipped", x.skipped}};
        },
        [](const core::RunSummary& x) -> std::vector<std::string> {
            return {x.title,
                    std::to_string(x.version),
                    x.ticket,
                    x.client,
                    x.startedBy,
                    core::formatTime(x.started),
                    std::to_string(x.done) + " done, " + std::to_string(x.skipped) + " skipped",
                    x.finished ? "finished" : "open",
                    core::toHex(x.id)};
        });
    if (runs.empty()) {
        out.text = say("No runs.");
    }
    return out;
}

} // namespace sopvault::cli
