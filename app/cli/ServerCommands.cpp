// `server init | add-member | remove-member`: an administrator's connection (--admin URL, its
// password from $SOPVAULT_DB_PASSWORD or libpq's own files) applies the schema and manages roles.
#include "Commands.h"

#include "HumanText.h"
#include "Password.h"
#include "sopvault/remote/Server.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>

namespace sopvault::cli {
namespace {

using json = nlohmann::json;

// The administrator's connection: never a password in the URL (Connection refuses one).
Result<remote::Connection> connectAdmin(const std::string& url)
{
    auto password = takeSecretFromEnv("SOPVAULT_DB_PASSWORD");
    if (password && !*password) {
        return std::unexpected(password->error());
    }
    const crypto::SecureBuffer* secret = password && !(*password)->empty() ? &**password : nullptr;
    return remote::asResult(remote::Connection::open(url, secret));
}

// The new member's password: $SOPVAULT_NEW_DB_PASSWORD, else a prompt asked twice; none at all
// with --no-password (peer or trust authentication, or client certificates).
Result<std::optional<crypto::SecureBuffer>> newMemberPassword(const ServerOptions& o)
{
    auto fromEnv = takeSecretFromEnv("SOPVAULT_NEW_DB_PASSWORD");
    if (o.noPassword) {
        return std::optional<crypto::SecureBuffer>();
    }
    if (fromEnv) {
        if (!*fromEnv) {
            return std::unexpected(fromEnv->error());
        }
        if ((*fromEnv)->empty()) {
            return fail(ErrorCode::Usage, "SOPVAULT_NEW_DB_PASSWORD is empty.");
        }
        return std::optional<crypto::SecureBuffer>(std::move(**fromEnv));
    }
    const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0) {
        return fail(ErrorCode::Usage,
                    "No password for the new member: set SOPVAULT_NEW_DB_PASSWORD, run on a "
                    "terminal, or pass --no-password when the server authenticates the role "
                    "another way (peer, certificates).");
    }
    ::close(tty);
    // The vault's new-password variable is not this role's: only the prompt may answer here.
    ::unsetenv("SOPVAULT_NEW_PASSWORD");
    SOPVAULT_TRY(typed, readNewPassword(o.name));
    return std::optional<crypto::SecureBuffer>(std::move(typed));
}

// Names for a sentence, each escaped by say().
TerminalText listOrNone(const std::vector<std::string>& items)
{
    TerminalText out;
    for (const auto& item : items) {
        out = out.str().empty() ? say("{}", item) : say("{}, {}", out, item);
    }
    return out.str().empty() ? say("none") : out;
}

Result<void> init(const Runner& r, const ServerOptions& o)
{
    SOPVAULT_TRY(admin, connectAdmin(o.admin));
    SOPVAULT_TRY(report, remote::asResult(remote::applyMigrations(admin)));
    r.emit({{{"schema_version", report.after},
             {"previous_version", report.before},
             {"applied", report.applied}},
            report.applied.empty()
                ? say("The server schema is at version {}; nothing to apply.", report.after)
                : say("The server schema is at version {} (was {}); applied {}.", report.after,
                      report.before, listOrNone(report.applied))});
    return {};
}

Result<void> addMember(const Runner& r, const ServerOptions& o)
{
    SOPVAULT_TRY(password, newMemberPassword(o));
    SOPVAULT_TRY(admin, connectAdmin(o.admin));
    SOPVAULT_TRY(report, remote::asResult(remote::addMember(
                             admin, o.name, password ? &*password : nullptr, o.vaults)));
    r.emit(
        {{{"member", o.name},
          {"created", report.created},
          {"password", password.has_value()},
          {"vaults", report.vaults}},
         say("{} database role {}{}; its vaults: {}.",
             report.created ? say("Created the") : say("Updated the"), o.name,
             password ? say(" with a new password") : TerminalText(), listOrNone(report.vaults))});
    return {};
}

Result<void> removeMember(const Runner& r, const ServerOptions& o)
{
    SOPVAULT_TRY(admin, connectAdmin(o.admin));
    SOPVAULT_TRY(report, remote::asResult(remote::removeMember(admin, o.name)));
    r.emit({{{"member", o.name},
             {"vaults_removed", report.vaults},
             {"sessions_ended", report.terminated}},
            say("Removed {}: no more logins, out of {} vault(s), {} open session(s) ended. "
                "Its records stay; rotate the vault's keys with 'user remove' as well.",
                o.name, report.vaults, report.terminated)});
    return {};
}

} // namespace

void addServerCommands(CLI::App& app, Runner& r, ServerOptions& options)
{
    ServerOptions* o = &options;
    auto* server = app.add_subcommand("server", "Database administrators: the team server "
                                                "(PostgreSQL)")
                       ->require_subcommand(1);
    const std::string adminHelp = "a libpq URL of an administrator's connection, with no "
                                  "password in it (else $SOPVAULT_DB_PASSWORD, PGPASSFILE or a "
                                  "service file)";

    auto* init = server->add_subcommand("init", "Create or update the schema and the member "
                                                "group role (idempotent)");
    init->add_option("--admin", o->admin, adminHelp)->required();
    init->footer(
        "Example: sopvault-cli server init --admin postgresql://postgres@db.example/sopvault");
    r.plain(init, [&r, o] { return cli::init(r, *o); });

    auto* add = server->add_subcommand("add-member", "A database login role for a person, in the "
                                                     "member group (password from "
                                                     "$SOPVAULT_NEW_DB_PASSWORD or a prompt)");
    add->add_option("NAME", o->name, "the role name: lower-case letters, digits, _")->required();
    add->add_option("--admin", o->admin, adminHelp)->required();
    add->add_option("--vault-id", o->vaults,
                    "a vault id the member may read and append to "
                    "(repeatable; the vault is created on the server "
                    "when new)");
    add->add_flag("--no-password", o->noPassword,
                  "no password: the server authenticates the role another way (peer, "
                  "certificates)");
    add->footer("Example: SOPVAULT_NEW_DB_PASSWORD=... sopvault-cli server add-member tom "
                "--vault-id 3f2a... --admin postgresql://postgres@db.example/sopvault");
    r.plain(add, [&r, o] { return cli::addMember(r, *o); });

    auto* remove = server->add_subcommand("remove-member", "Revoke a member's role, refuse its "
                                                           "logins and end its sessions");
    remove->add_option("NAME", o->name, "the member's role name")->required();
    remove->add_option("--admin", o->admin, adminHelp)->required();
    remove->footer("Example: sopvault-cli server remove-member tom --admin "
                   "postgresql://postgres@db.example/sopvault");
    r.plain(remove, [&r, o] { return cli::removeMember(r, *o); });
}

} // namespace sopvault::cli
