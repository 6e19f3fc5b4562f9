// Runs of a SOP's checklist: start, steps and finish as signed records of the review and flag
// log (RunRules.cpp checks them), read back into a run, and its evidence as a ticket note.
#include "sopvault/core/Runs.h"

#include "sopvault/core/Markdown.h"
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "ExportFiles.h"
#include "RunRules.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace sopvault::core {

using namespace detail;

namespace {

constexpr std::size_t kMaxRunNoteBytes = 4000;

Result<void> validateRunField(std::string_view what, std::string_view text)
{
    const bool control = std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
    if (text.size() > kMaxRunFieldBytes || !isValidUtf8(text) || control) {
        return fail(ErrorCode::Usage,
                    fmt::format("A {} must be one line of UTF-8 text of at most {} bytes.", what,
                                kMaxRunFieldBytes));
    }
    return {};
}

Result<void> validateRunNote(std::string_view text)
{
    if (text.size() > kMaxRunNoteBytes || !isValidUtf8(text)) {
        return fail(ErrorCode::Usage, fmt::format("A step's note must be UTF-8 text of at most {} "
                                                  "bytes.",
                                                  kMaxRunNoteBytes));
    }
    return {};
}

// Notes and step titles on one line of a ticket note, whatever a person typed.
std::string oneLine(std::string_view text)
{
    std::string out;
    for (char c : text) {
        out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    return out;
}

std::string shortHash(const std::string& hex)
{
    return hex.substr(0, 16);
}

std::string finishedLine(const RunInfo& run)
{
    return run.finished ? fmt::format("{} by {}", formatTime(*run.finished), run.finishedBy)
                        : std::string("not finished");
}

std::string stepLine(const RunStepInfo& s)
{
    std::string line = fmt::format("{}. [{}] {}", s.n, stepStateName(s.state), oneLine(s.text));
    if (s.state != StepState::Open) {
        line += fmt::format(" ({}, {})", s.by, s.time ? formatTime(*s.time) : std::string());
    }
    if (!s.note.empty()) {
        line += fmt::format(": {}", oneLine(s.note));
    }
    return line;
}

std::string tally(const RunInfo& run)
{
    return fmt::format("{} done, {} skipped, {} open of {}", run.count(StepState::Done),
                       run.count(StepState::Skipped), run.count(StepState::Open), run.steps.size());
}

std::string newerNote(const RunInfo& run)
{
    return run.newerVersion()
               ? fmt::format("The SOP has a newer version ({}) than this run's.", run.headVersion)
               : std::string();
}

std::string textEvidence(const RunInfo& run)
{
    std::string out = fmt::format("Run of \"{}\" version {} ({})\n", oneLine(run.title),
                                  run.version, shortHash(run.versionHash));
    out += fmt::format("Ticket: {}\nClient: {}\n", oneLine(run.ticket), oneLine(run.client));
    out += fmt::format("Started: {} by {}\nFinished: {}\n", formatTime(run.started), run.startedBy,
                       finishedLine(run));
    if (run.newerVersion()) {
        out += newerNote(run) + "\n";
    }
    out += fmt::format("Steps: {}\n", tally(run));
    for (const RunStepInfo& s : run.steps) {
        out += stepLine(s) + "\n";
    }
    return out;
}

std::string markdownEvidence(const RunInfo& run, std::string_view watermark)
{
    std::string out;
    if (!watermark.empty()) {
        out += fmt::format("> {}\n\n", watermark);
    }
    out += fmt::format("# Run: {}\n\n", oneLine(run.title));
    out += fmt::format("- SOP: {} (version {}, {})\n", oneLine(run.title), run.version,
                       run.versionHash);
    out += fmt::format("- Ticket: {}\n- Client: {}\n", oneLine(run.ticket), oneLine(run.client));
    out += fmt::format("- Started: {} by {}\n- Finished: {}\n", formatTime(run.started),
                       run.startedBy, finishedLine(run));
    if (run.newerVersion()) {
        out += fmt::format("- Note: {}\n", newerNote(run));
    }
    out += fmt::format("\n## Steps ({})\n\n", tally(run));
    for (const RunStepInfo& s : run.steps) {
        out += fmt::format("- {}\n", stepLine(s));
    }
    if (!watermark.empty()) {
        out += fmt::format("\n> {}\n", watermark);
    }
    return out;
}

std::string htmlEvidence(const RunInfo& run, std::string_view watermark)
{
    const std::string mark = watermark.empty() ? std::string()
                                               : fmt::format("<div class=\"watermark\">{}</div>\n",
                                                             escapeHtml(watermark));
    std::string rows;
    for (const RunStepInfo& s : run.steps) {
        rows += fmt::format(
            "<tr class=\"{0}\"><td>{1}</td><td>{2}</td><td>{0}</td><td>{3}</td><td>{4}</td>"
            "<td>{5}</td></tr>\n",
            stepStateName(s.state), s.n, escapeHtml(s.text), escapeHtml(s.by),
            s.time ? formatTime(*s.time) : std::string(), escapeHtml(s.note));
    }
    const std::string newer =
        run.newerVersion() ? fmt::format("<p class=\"newer\">{}</p>\n", newerNote(run)) : "";
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n<title>Run: {0}</title>\n<style>"
        "body {{ font-family: sans-serif; max-width: 48em; margin: 2em auto; }} "
        "th, td {{ border: 1px solid #c8ccd1; padding: 0.3em 0.6em; text-align: left; }} "
        "table {{ border-collapse: collapse; }} .watermark {{ font-size: 0.8em; color: #6b7280; "
        "border: 1px solid #d1d5db; padding: 0.4em 0.8em; margin: 1em 0; }}</style>\n"
        "</head>\n<body>\n{1}<h1>Run: {0}</h1>\n<dl>\n"
        "<dt>SOP</dt><dd>{0} (version {2}, {3})</dd>\n<dt>Ticket</dt><dd>{4}</dd>\n"
        "<dt>Client</dt><dd>{5}</dd>\n<dt>Started</dt><dd>{6} by {7}</dd>\n"
        "<dt>Finished</dt><dd>{8}</dd>\n</dl>\n{9}<h2>Steps ({10})</h2>\n<table>\n"
        "<tr><th>#</th><th>Step</th><th>State</th><th>By</th><th>When</th><th>Note</th></tr>\n"
        "{11}</table>\n{1}</body>\n</html>\n",
        escapeHtml(run.title), mark, run.version, run.versionHash, escapeHtml(run.ticket),
        escapeHtml(run.client), formatTime(run.started), escapeHtml(run.startedBy),
        escapeHtml(finishedLine(run)), newer, tally(run), rows);
}

// The run `id` among the SOPs this person may view: the SOP and the start's event.
Result<std::pair<const SopRecordState*, const EventState*>> findRun(const Engine& e, const Id& id)
{
    SOPVAULT_CHECK(e.requireSoundEvents(nullptr));
    for (const auto& [sopId, sop] : e.state().sops) {
        if (const EventState* start = runStart(sop, id)) {
            SOPVAULT_TRY(visible, e.viewableSop(sopId));
            SOPVAULT_CHECK(e.requireSoundEvents(visible));
            return std::pair{visible, start};
        }
    }
    // The run may be one a damaged record hides.
    for (const auto& [sopId, sop] : e.state().sops) {
        if (!sop.eventProblem.empty() && e.policy().allows(e.me(), Right::View, sop.collection)) {
            SOPVAULT_CHECK(e.requireSoundEvents(&sop));
        }
    }
    return fail(ErrorCode::NotFound,
                fmt::format("There is no run {} of a SOP you can see.", toHex(id)));
}

Result<std::uint32_t> stepNumber(std::string_view text)
{
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n == 0) {
        return fail(ErrorCode::Integrity, "A run step names no step.");
    }
    return n;
}

Result<void> requireRunner(const Engine& e, const RunInfo& run, const EventState& start)
{
    if (start.author != e.me() && !e.policy().isOwner(e.me())) {
        return fail(ErrorCode::Denied,
                    fmt::format("Only the person who started this run ({}) and the owners may "
                                "change it; nothing was changed.",
                                run.startedBy));
    }
    if (run.finished) {
        return fail(ErrorCode::Failed, fmt::format("Run {} was finished on {}; it cannot change.",
                                                   toHex(run.id), formatTime(*run.finished)));
    }
    return {};
}

AuditNote runNote(std::string action, const RunInfo& run, std::string text)
{
    AuditNote n{std::move(action), run.sop, true, {}};
    n.detail.title = run.title;
    n.detail.ticket = run.ticket;
    n.detail.note = fmt::format("run {}{}{}", toHex(run.id), text.empty() ? "" : ": ", text);
    return n;
}

} // namespace

std::string_view stepStateName(StepState state)
{
    switch (state) {
    case StepState::Done:
        return "done";
    case StepState::Skipped:
        return "skipped";
    case StepState::Open:
        break;
    }
    return "open";
}

std::size_t RunInfo::count(StepState state) const
{
    return static_cast<std::size_t>(std::count_if(
        steps.begin(), steps.end(), [&](const RunStepInfo& s) { return s.state == state; }));
}

std::string runEvidence(const RunInfo& run, EvidenceFormat format, std::string_view watermark)
{
    switch (format) {
    case EvidenceFormat::Markdown:
        return markdownEvidence(run, watermark);
    case EvidenceFormat::Html:
        return htmlEvidence(run, watermark);
    case EvidenceFormat::Text:
        break;
    }
    return textEvidence(run);
}

Result<RunInfo> Session::loadRun(const Id& id) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(found, findRun(e, id));
    const auto [sop, start] = found;
    SOPVAULT_TRY(startText, e.readEventText(*sop, *start));
    SOPVAULT_TRY(startFields, unpackRunText(startText, 2));
    SOPVAULT_TRY(content, e.readContent(sop->id, start->version));
    RunInfo run;
    run.id = id;
    run.sop = sop->id;
    run.title = content.title;
    run.collection = e.pathOf(sop->collection);
    run.version = start->version;
    run.versionHash = crypto::toHex(sop->versions.at(start->version - 1).hash);
    const VersionState* shown = sop->shownVersion();
    run.headVersion = shown != nullptr ? shown->version : start->version;
    run.ticket = std::move(startFields[0]);
    run.client = std::move(startFields[1]);
    run.startedBy = e.userName(start->author);
    run.started = start->time;
    std::uint32_t n = 0;
    for (const std::string& text : checklistSteps(content.body)) {
        run.steps.push_back(RunStepInfo{++n, text, StepState::Open, {}, {}, {}});
    }
    std::vector<Id> stepIds;
    for (const EventState& ev : sop->events) {
        if (ev.flagId != id || !isRunKind(ev.kind)) {
            continue;
        }
        SOPVAULT_TRY(text, e.readEventText(*sop, ev));
        if (ev.kind == RecordKind::RunStep) {
            SOPVAULT_TRY(fields, unpackRunText(text, 2));
            SOPVAULT_TRY(step, stepNumber(fields[0]));
            if (step > run.steps.size() || run.steps[step - 1].state != StepState::Open) {
                return fail(ErrorCode::Integrity,
                            fmt::format("Run {} records step {} twice or beyond its checklist; "
                                        "run 'verify'.",
                                        toHex(id), step));
            }
            RunStepInfo& s = run.steps[step - 1];
            s.state = static_cast<StepState>(ev.decision);
            s.by = e.userName(ev.author);
            s.time = ev.time;
            s.note = std::move(fields[1]);
            stepIds.push_back(ev.id);
        } else {
            SOPVAULT_TRY(fields, unpackRunText(text, 0));
            std::vector<Id> bound;
            for (const std::string& hex : fields) {
                SOPVAULT_TRY(step, idFromHex(hex));
                bound.push_back(step);
            }
            if (bound != stepIds) {
                return fail(ErrorCode::Integrity,
                            fmt::format("Run {}'s finish does not name the steps recorded; run "
                                        "'verify'.",
                                        toHex(id)));
            }
            run.finished = ev.time;
            run.finishedBy = e.userName(ev.author);
        }
    }
    return run;
}

Result<Id> Session::startRun(const Id& sopId, std::string_view ticket, std::string_view client)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.requireSoundEvents(sop));
    SOPVAULT_CHECK(validateRunField("ticket reference", ticket));
    SOPVAULT_CHECK(validateRunField("client name", client));
    const VersionState* shown = sop->shownVersion();
    if (shown == nullptr) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no SOP {} that you can see.", toHex(sopId)));
    }
    SOPVAULT_TRY(content, e.readContent(sopId, shown->version));
    const auto steps = checklistSteps(content.body);
    if (steps.empty()) {
        return fail(ErrorCode::Usage,
                    fmt::format("\"{}\" has no checklist (no \"- [ ]\" items), so there is "
                                "nothing to run; nothing was started.",
                                content.title));
    }
    RunInfo run;
    run.sop = sopId;
    run.title = content.title;
    run.ticket = std::string(ticket);
    AuditNote note = runNote(std::string(kAuditRunStart), run, {});
    note.detail.note = fmt::format("version {}, {} steps{}{}", shown->version, steps.size(),
                                   client.empty() ? "" : ", client ", client);
    return e.writes().writeEvent(RecordKind::RunStarted, sopId, shown->version, 0, Id{},
                                 packRunText({std::string(ticket), std::string(client)}), note);
}

Result<void> Session::runStep(const Id& runId, std::uint32_t n, StepState state,
                              std::string_view note)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(found, findRun(e, runId));
    SOPVAULT_TRY(run, loadRun(runId));
    SOPVAULT_CHECK(requireRunner(e, run, *found.second));
    if (state == StepState::Open) {
        return fail(ErrorCode::Usage, "A step is recorded as done or skipped.");
    }
    if (n == 0 || n > run.steps.size()) {
        return fail(ErrorCode::Usage,
                    fmt::format("This run has steps 1 to {}; there is no step {} (nothing was "
                                "changed).",
                                run.steps.size(), n));
    }
    if (run.steps[n - 1].state != StepState::Open) {
        return fail(ErrorCode::Failed,
                    fmt::format("Step {} is already {} (by {}); nothing was "
                                "changed.",
                                n, stepStateName(run.steps[n - 1].state), run.steps[n - 1].by));
    }
    SOPVAULT_CHECK(validateRunNote(note));
    AuditNote audit = runNote(std::string(kAuditRunStep), run,
                              fmt::format("step {} {}", n, stepStateName(state)));
    SOPVAULT_TRY(written,
                 e.writes().writeEvent(RecordKind::RunStep, run.sop, run.version,
                                       static_cast<std::uint8_t>(state), runId,
                                       packRunText({std::to_string(n), std::string(note)}), audit));
    (void)written;
    return {};
}

Result<void> Session::finishRun(const Id& runId)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(found, findRun(e, runId));
    SOPVAULT_TRY(run, loadRun(runId));
    SOPVAULT_CHECK(requireRunner(e, run, *found.second));
    std::vector<std::string> steps;
    for (const EventState& ev : found.first->events) {
        if (ev.kind == RecordKind::RunStep && ev.flagId == runId) {
            steps.push_back(toHex(ev.id));
        }
    }
    AuditNote audit = runNote(std::string(kAuditRunFinish), run, tally(run));
    SOPVAULT_TRY(written, e.writes().writeEvent(RecordKind::RunFinished, run.sop, run.version, 0,
                                                runId, packRunText(steps), audit));
    (void)written;
    return {};
}

Result<RunInfo> Session::run(const Id& runId)
{
    SOPVAULT_TRY(run, loadRun(runId));
    SOPVAULT_CHECK(m_engine->writes().audit(runNote("run-view", run, {})));
    return run;
}

Result<std::string> Session::runEvidenceText(const Id& runId)
{
    SOPVAULT_TRY(run, loadRun(runId));
    SOPVAULT_CHECK(m_engine->writes().audit(runNote("run-evidence", run, "as text")));
    return runEvidence(run, EvidenceFormat::Text);
}

Result<void> Session::exportRun(const Id& runId, ExportFormat format,
                                const std::filesystem::path& out)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(run, loadRun(runId));
    SOPVAULT_CHECK(checkExport(run.sop));
    std::error_code ec;
    if (std::filesystem::exists(out, ec)) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} already exists; choose another path (nothing was written).",
                                out.string()));
    }
    const std::string mark = watermarkText(e, run.collection, run.version, e.clock().now());
    const bool html = format == ExportFormat::Html;
    const std::string doc =
        runEvidence(run, html ? EvidenceFormat::Html : EvidenceFormat::Markdown, mark);
    SOPVAULT_CHECK(
        e.writes().audit(runNote("run-export", run, html ? "evidence as html" : "evidence as md")));
    return writeNewFile(out, doc);
}

Result<std::vector<RunSummary>> Session::runs(const RunFilter& filter) const
{
    const Engine& e = *m_engine;
    SOPVAULT_CHECK(e.requireSoundEvents(nullptr));
    std::vector<RunSummary> out;
    for (const auto& [id, sop] : e.state().sops) {
        if (!sop.readable() || !e.policy().allows(e.me(), Right::View, sop.collection) ||
            (filter.sop && *filter.sop != id)) {
            continue;
        }
        SOPVAULT_CHECK(e.requireSoundEvents(&sop));
        for (const EventState& ev : sop.events) {
            if (ev.kind != RecordKind::RunStarted) {
                continue;
            }
            RunSummary r;
            r.id = ev.id;
            r.sop = id;
            r.version = ev.version;
            r.startedBy = e.userName(ev.author);
            r.started = ev.time;
            for (const EventState& s : sop.events) {
                if (s.flagId != ev.id) {
                    continue;
                }
                if (s.kind == RecordKind::RunStep) {
                    (s.decision == static_cast<std::uint8_t>(StepState::Done) ? r.done
                                                                              : r.skipped)++;
                } else if (s.kind == RecordKind::RunFinished) {
                    r.finished = s.time;
                }
            }
            if (filter.openOnly && r.finished) {
                continue;
            }
            SOPVAULT_TRY(text, e.readEventText(sop, ev));
            SOPVAULT_TRY(fields, unpackRunText(text, 2));
            r.ticket = std::move(fields[0]);
            r.client = std::move(fields[1]);
            if (!filter.ticket.empty() && r.ticket != filter.ticket) {
                continue;
            }
            SOPVAULT_TRY(head, e.headLine(id, sop));
            r.title = head.title;
            out.push_back(std::move(r));
        }
    }
    std::sort(out.begin(), out.end(), [](const RunSummary& a, const RunSummary& b) {
        return std::tie(a.started, a.id) < std::tie(b.started, b.id);
    });
    return out;
}

} // namespace sopvault::core
