// The sopvault-cli command table: the global options, one registration call per domain, the
// parse, and the one place where a run ends (its exit code, its error line). Rules live in
// core; the commands only parse, read passwords and present what core returns.
#include "Cli.h"

#include "Commands.h"
#include "Runner.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <exception>

namespace sopvault::cli {
namespace {

// Every option value of a run, owned by run(): each domain binds its commands to its own part.
struct Options
{
    Globals globals;
    VaultOptions vault;
    PeopleOptions people;
    SopOptions sop;
    ReviewOptions review;
    AttestOptions attest;
    ReportOptions report;
    RunOptions run;
    SearchOptions search;
    TransferOptions transfer;
    AuditOptions audit;
    ServerOptions server;
    SyncOptions sync;
};

// The registration order is the order of `--help` (and so of docs/cli.md).
void addCommands(CLI::App& app, Runner& r, Options& o)
{
    addVaultCommands(app, r, o.vault);
    addPeopleCommands(app, r, o.people);
    CLI::App* sop = addSopCommands(app, r, o.sop);
    addReviewCommands(app, *sop, r, o.review);
    addAttestCommands(app, r, o.attest);
    addReportCommands(app, r, o.report);
    addRunCommands(app, r, o.run);
    addSearchCommands(app, r, o.search);
    addTransferCommands(app, r, o.transfer);
    addAuditCommands(app, r, o.audit);
    addSyncCommands(app, r, o.sync);
    addServerCommands(app, r, o.server);
}

int parseAndExecute(int argc, char** argv, Runner& runner, Options& o)
{
    CLI::App app{"sopvault-cli: the SOP Vault command line. Passwords come from "
                 "$SOPVAULT_PASSWORD_FILE, $SOPVAULT_PASSWORD or a prompt, never from arguments.",
                 "sopvault-cli"};
    app.set_version_flag("--version", std::string("sopvault-cli ") + SOPVAULT_VERSION);
    app.add_option("--vault", o.globals.vault,
                   "vault file (else $SOPVAULT_VAULT, else the XDG data dir)");
    app.add_option("--user", o.globals.user, "who acts (else $SOPVAULT_USER)");
    app.add_flag("--json", o.globals.json, "print exactly one JSON document");
    app.add_option("--as-of", o.globals.asOf, "review commands: evaluate as of YYYY-MM-DD");
    app.add_flag("--offline", o.globals.offline,
                 "do not contact the server; work on the local replica");
    app.require_subcommand(1);
    app.fallthrough();
    addCommands(app, runner, o);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return runner.report(Error{ErrorCode::Usage, std::string(e.what()) + " (see --help)"});
    }
    return runner.execute();
}

} // namespace

int run(int argc, char** argv)
{
    Options options;
    Runner runner(options.globals);
    // Nothing may end the process with std::terminate (exit 134): a library that throws (JSON,
    // the file system, an allocation) ends the command with exit 1 and the usual one line.
    try {
        return parseAndExecute(argc, argv, runner, options);
    } catch (const std::exception& e) {
        return runner.report(Error{
            ErrorCode::Failed, fmt::format("An unexpected internal error stopped the command ({}); "
                                           "run 'verify' if it was meant to change the vault.",
                                           e.what())});
    } catch (...) {
        return runner.report(Error{ErrorCode::Failed,
                                   "An unexpected internal error stopped the command; "
                                   "run 'verify' if it was meant to change the vault."});
    }
}

} // namespace sopvault::cli
