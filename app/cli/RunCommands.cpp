// Runs of a SOP's checklist for a ticket: run start, step, finish, show, list, export.
#include "Commands.h"
#include "Presenters.h"

#include <fmt/format.h>

namespace sopvault::cli {
namespace {

void addStartAndStep(CLI::App& run, Runner& r, RunOptions& o)
{
    auto* start = run.add_subcommand("start", "Run the SOP's checklist; prints the run id");
    start->add_option("SOP", o.sop, "id or exact title")->required();
    start->add_option("--ticket", o.ticket, "the ticket this run is for (e.g. T-4821)");
    start->add_option("--client", o.client, "the client this run is for");
    start->footer("Example: sopvault-cli --user tom run start \"New user setup\" --ticket T-4821 "
                  "--client Acme");
    r.withSession(start, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(sop, s.resolveSop(o.sop));
        SOPVAULT_TRY(id, s.startRun(sop, o.ticket, o.client));
        r.emit(presentRunStarted(id));
        return {};
    });

    auto* step = run.add_subcommand("step", "Tick (or skip) step N of a run");
    step->add_option("RUN", o.run, "run id (from 'run start' or 'run list')")->required();
    step->add_option("N", o.step, "the step's number (1 is the checklist's first item)")
        ->required();
    auto* done = step->add_flag("--done", o.done, "the step was done");
    auto* skip = step->add_flag("--skip", o.skip, "the step was skipped");
    done->excludes(skip);
    step->add_option("--note", o.note, "what was found or why it was skipped");
    step->footer("Example: sopvault-cli --user tom run step 3f2a... 2 --done --note \"licence "
                 "E3 assigned\"");
    r.withSession(step, [&r, &o](core::Session& s) -> Result<void> {
        if (o.done == o.skip) {
            return usage("Say whether the step was done (--done) or skipped (--skip).");
        }
        SOPVAULT_TRY(id, core::idFromHex(o.run));
        const auto state = o.done ? core::StepState::Done : core::StepState::Skipped;
        SOPVAULT_CHECK(s.runStep(id, o.step, state, o.note));
        r.emit({{{"id", o.run}, {"n", o.step}, {"state", core::stepStateName(state)}},
                say("Step {} {}.", o.step, core::stepStateName(state))});
        return {};
    });
}

void addFinishShowList(CLI::App& run, Runner& r, RunOptions& o)
{
    auto* finish = run.add_subcommand("finish", "Finish a run: a signed record of its steps");
    finish->add_option("RUN", o.run, "run id")->required();
    r.withSession(finish, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, core::idFromHex(o.run));
        SOPVAULT_CHECK(s.finishRun(id));
        r.emit({{{"id", o.run}, {"finished", true}}, say("Run finished.")});
        return {};
    });

    auto* show = run.add_subcommand("show", "A run: its version, ticket, client and each step "
                                            "(who, when, state, note)");
    show->add_option("RUN", o.run, "run id")->required();
    r.withSession(show, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, core::idFromHex(o.run));
        SOPVAULT_TRY(info, s.run(id));
        r.emit(presentRun(info));
        return {};
    });

    auto* list = run.add_subcommand("list", "Runs of the SOPs you may view, oldest first");
    list->add_flag("--open", o.openOnly, "only runs not finished");
    list->add_option("--sop", o.sop, "only runs of this SOP (id or exact title)");
    list->add_option("--ticket", o.ticket, "only runs for this ticket");
    r.withSession(list, [&r, &o](core::Session& s) -> Result<void> {
        core::RunFilter filter;
        filter.openOnly = o.openOnly;
        filter.ticket = o.ticket;
        if (!o.sop.empty()) {
            SOPVAULT_TRY(sop, s.resolveSop(o.sop));
            filter.sop = sop;
        }
        SOPVAULT_TRY(runs, s.runs(filter));
        r.emit(presentRuns(runs));
        return {};
    });
}

void addRunExport(CLI::App& run, Runner& r, RunOptions& o)
{
    auto* exportCmd = run.add_subcommand("export", "The evidence for the ticket, watermarked "
                                                   "(who did which step when, which version)");
    exportCmd->add_option("RUN", o.run, "run id")->required();
    exportCmd->add_option("--format", o.format, "md|html")->required();
    exportCmd->add_option("--out", o.out, "a new file")->required();
    exportCmd->footer("Example: sopvault-cli --user tom run export 3f2a... --format md --out "
                      "T-4821.md");
    r.withSession(exportCmd, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, core::idFromHex(o.run));
        SOPVAULT_TRY(kind, core::parseExportFormat(o.format));
        SOPVAULT_CHECK(s.exportRun(id, kind, o.out));
        r.emit({{{"id", o.run}, {"out", o.out}, {"format", o.format}},
                say("Wrote the run's evidence to {}.", o.out)});
        return {};
    });
}

} // namespace

void addRunCommands(CLI::App& app, Runner& r, RunOptions& o)
{
    auto* run = app.add_subcommand("run", "Runs of a SOP's checklist for a ticket");
    run->require_subcommand(1);
    addStartAndStep(*run, r, o);
    addFinishShowList(*run, r, o);
    addRunExport(*run, r, o);
}

} // namespace sopvault::cli
