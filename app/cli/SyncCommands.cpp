// Team sync: remote set | show | publish, clone, sync, conflicts, resolve. The rules (what is
// trusted, how a rebase re-checks) are core's; these commands only reach the server and show.
#include "Commands.h"
#include "Presenters.h"
#include "sopvault/core/Links.h"

#include <fmt/format.h>

#include <filesystem>

namespace sopvault::cli {
namespace {

Result<std::string> remoteUrl(const core::Session& s)
{
    SOPVAULT_TRY(info, s.remote());
    if (info.url.empty()) {
        return usage("This vault has no server; point it at one with 'sopvault-cli remote set "
                     "URL' (or clone a team vault with 'sopvault-cli clone').");
    }
    return info.url;
}

void addRemote(CLI::App& app, Runner& r, SyncOptions& o)
{
    auto* remoteCmd = app.add_subcommand("remote", "The team server this vault syncs with")
                          ->require_subcommand(1);

    auto* set = remoteCmd->add_subcommand("set", "Point this vault at a PostgreSQL server");
    set->add_option("URL", o.url,
                    "a libpq connection URI with no password in it (secrets via "
                    "$SOPVAULT_DB_PASSWORD, PGPASSFILE or a service file)")
        ->required();
    set->footer("Example: sopvault-cli --user olivia remote set "
                "'postgresql://olivia@db.example/sopvault?sslmode=verify-full'");
    r.withSession(
        set,
        [&r, &o](core::Session& s) -> Result<void> {
            SOPVAULT_CHECK(refusePasswordInUrl(o.url));
            SOPVAULT_CHECK(s.setRemote(o.url));
            r.emit({{{"url", remote::displayUrl(o.url)}, {"vault_id", s.vaultId()}},
                    say("This vault (id {}) now syncs with {}. A new team vault goes up with "
                        "'sopvault-cli remote publish'; every command syncs from now on.",
                        s.vaultId(), remote::displayUrl(o.url))});
            return {};
        },
        SyncMode::Manual);

    auto* show = remoteCmd->add_subcommand("show", "The server, the last sync, records waiting "
                                                   "to be pushed, the fingerprint");
    show->add_option("--at", o.at,
                     "the fingerprint this replica verified at position N (to compare with a "
                     "colleague's at the same position)")
        ->check(CLI::PositiveNumber);
    show->footer("Example: sopvault-cli --user tom remote show --at 82\nTwo people whose "
                 "replicas show the same fingerprint at the same position saw the same history "
                 "up to it (every command adds its own audit entry, so compare at one position).");
    r.withSession(show, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(info, s.remote());
        if (o.at) {
            SOPVAULT_TRY(fingerprint, s.fingerprintAt(*o.at));
            info.position = *o.at;
            info.fingerprint = std::move(fingerprint);
        }
        r.emit(presentRemote(info, remote::displayUrl(info.url),
                             info.vaultId.empty() ? s.vaultId() : info.vaultId));
        return {};
    });

    auto* publish = remoteCmd->add_subcommand(
        "publish", "Owners: upload this vault to an empty vault on the server");
    publish->add_option("URL", o.url, "set this remote first (else the one already set)");
    publish->footer("Example: sopvault-cli --user olivia remote publish\nThe database "
                    "administrator first gives your role the vault id ('server add-member ... "
                    "--vault-id ID'); 'remote show' prints it.");
    r.withSession(
        publish,
        [&r, &o](core::Session& s) -> Result<void> {
            if (!o.url.empty()) {
                SOPVAULT_CHECK(refusePasswordInUrl(o.url));
            }
            std::string url = o.url;
            if (url.empty()) {
                SOPVAULT_TRY(current, remoteUrl(s));
                url = std::move(current);
            }
            SOPVAULT_TRY(server, r.server(url));
            SOPVAULT_TRY(report, s.publish(*server, url));
            SOPVAULT_TRY(after, s.remote());
            r.emit(presentSync(report, after));
            return {};
        },
        SyncMode::Manual);
}

void addClone(CLI::App& app, Runner& r, SyncOptions& o)
{
    auto* clone = app.add_subcommand("clone", "A new machine: fetch a vault from the server into "
                                              "--vault PATH, verify it and unlock it");
    clone->add_option("URL", o.url, "the server: a libpq connection URI with no password in it")
        ->required();
    clone->add_option("VAULT_ID", o.vaultId, "the vault's id (its owner's 'remote show')")
        ->required();
    clone->footer("Example: sopvault-cli --user tom --vault ~/tom.sopvault clone "
                  "'postgresql://tom@db.example/sopvault' 3f2a...\nCompare the owner key "
                  "fingerprint it prints with the owner before you trust the vault.");
    r.plain(clone, [&r, &o]() -> Result<void> {
        SOPVAULT_CHECK(refusePasswordInUrl(o.url));
        // Who unlocks it is asked before anything is fetched, not after.
        SOPVAULT_TRY(user, r.actingUser());
        const auto path = r.vaultPath();
        if (std::filesystem::exists(path)) {
            return usage(fmt::format("There is already a vault at {}; clone into a new file "
                                     "with --vault PATH.",
                                     path.string()));
        }
        SOPVAULT_TRY(server, r.server(o.url));
        SOPVAULT_TRY(cloned, core::cloneVault(*server, o.url, o.vaultId, path,
                                              r.progress("Fetching records:")));
        SOPVAULT_TRY(session, r.openSession());
        r.emit(presentClone(cloned, path, session->ownerFingerprint()));
        return {};
    });
}

void addSync(CLI::App& app, Runner& r, SyncOptions& o)
{
    auto* sync = app.add_subcommand("sync", "Pull, verify, push; conflicts listed, exit 7 when "
                                            "any is left");
    sync->footer("Example: sopvault-cli --user tom sync");
    r.withSession(
        sync,
        [&r](core::Session& s) -> Result<void> {
            SOPVAULT_TRY(url, remoteUrl(s));
            SOPVAULT_TRY(server, r.server(url));
            SOPVAULT_TRY(report, s.sync(*server));
            SOPVAULT_TRY(after, s.remote());
            r.emit(presentSync(report, after));
            if (!report.conflicts.empty()) {
                return fail(ErrorCode::Busy,
                            fmt::format("{} SOP edit(s) of yours met another edit and are "
                                        "left; see 'sopvault-cli conflicts' and settle each "
                                        "with 'sopvault-cli resolve'.",
                                        report.conflicts.size()));
            }
            return {};
        },
        SyncMode::Manual);

    auto* conflicts = app.add_subcommand("conflicts", "SOP edits of yours that met another edit "
                                                      "of the same version");
    conflicts->add_option("SOP", o.sop, "show your side of this SOP's conflict (id or title)");
    conflicts->footer("Example: sopvault-cli --user tom conflicts \"Reset a password\"");
    r.withSession(conflicts, [&r, &o](core::Session& s) -> Result<void> {
        if (o.sop.empty()) {
            SOPVAULT_TRY(list, s.conflicts());
            r.emit(presentConflicts(list));
            return {};
        }
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_CHECK(requireTerminalOrExport(s, id));
        SOPVAULT_TRY(view, s.conflictingEdit(id));
        r.emit(presentSop(view, view.body, core::sopLink(s.vaultId(), id)));
        return {};
    });

    auto* resolve = app.add_subcommand("resolve", "Settle a conflict: keep mine (a new version on "
                                                  "top), theirs, or a merge from --file");
    resolve->add_option("SOP", o.sop, "id or exact title")->required();
    resolve->add_option("--keep", o.keep, "mine|theirs")
        ->required()
        ->check(CLI::IsMember({"mine", "theirs"}));
    resolve->add_option("--file", o.file, "with --keep mine: a merged body (Markdown) instead");
    resolve->footer("Example: sopvault-cli --user tom resolve \"Reset a password\" --keep mine "
                    "--file merged.md");
    r.withSession(resolve, [&r, &o](core::Session& s) -> Result<void> {
        if (o.keep == "theirs" && !o.file.empty()) {
            return usage("--file is a merge kept as your version: use it with --keep mine.");
        }
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        std::optional<std::string> merged;
        core::Keep keep = o.keep == "mine" ? core::Keep::Mine : core::Keep::Theirs;
        if (!o.file.empty()) {
            SOPVAULT_TRY(body, readBody(o.file));
            merged = std::move(body);
            keep = core::Keep::Merged;
        }
        SOPVAULT_TRY(version, s.resolve(id, keep, std::move(merged)));
        const std::string kept = keep == core::Keep::Merged ? "merged" : o.keep;
        r.emit({{{"id", core::toHex(id)}, {"kept", kept}, {"version", version}},
                keep == core::Keep::Theirs
                    ? say("Kept theirs; the SOP stays at version {}.", version)
                    : say("Kept {} as version {}.",
                          keep == core::Keep::Merged ? "the merge" : "yours", version)});
        return {};
    });
}

} // namespace

void addSyncCommands(CLI::App& app, Runner& r, SyncOptions& o)
{
    addRemote(app, r, o);
    addClone(app, r, o);
    addSync(app, r, o);
}

} // namespace sopvault::cli
