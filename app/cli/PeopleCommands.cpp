// People and who may do what: user, owner, role, collection, grant, ungrant, access.
#include "Commands.h"
#include "Password.h"
#include "Presenters.h"

#include "sopvault/remote/Server.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sopvault::cli {
namespace {

struct ServerRoleRemoval
{
    std::string role;
    bool removed = false;
    TerminalText said; // one line: what happened, or what is left to do
};

// The convention of docs/cli.md: a person's database role is their vault user name in lower
// case, unless --db-role names it.
std::string dbRoleOf(const PeopleOptions& o)
{
    if (!o.dbRole.empty()) {
        return o.dbRole;
    }
    std::string role = o.user;
    std::ranges::transform(role, role.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return role;
}

// After the vault's own removal (which stands whatever happens here): the leaver's server role
// goes too when the caller's connection may administer roles. It is a member's connection as a
// rule, so a refusal is expected and answered with the one command that is left to run.
ServerRoleRemoval removeServerRole(Runner& r, const PeopleOptions& o)
{
    ServerRoleRemoval out{dbRoleOf(o), false, {}};
    const auto leftToDo = [&out](std::string_view why) {
        return say("{}; ask the database administrator to run: sopvault-cli server "
                   "remove-member {} --admin URL",
                   why, out.role);
    };
    // The administrator's URL when given (its secret from libpq's own files, never argv), else
    // the owner's own member connection.
    std::optional<remote::Connection> adminConnection;
    remote::Connection* connection = nullptr;
    if (!o.adminUrl.empty()) {
        auto opened = remote::Connection::open(o.adminUrl);
        if (!opened) {
            out.said = leftToDo(opened.error().error.message);
            return out;
        }
        adminConnection.emplace(std::move(*opened));
        connection = &*adminConnection;
    } else if (remote::PgServer* server = r.reachedServer(); server != nullptr) {
        connection = &server->connection();
    } else {
        out.said = leftToDo(r.globals().offline ? "The server was not contacted (--offline)"
                                                : "The server could not be reached");
        return out;
    }
    auto removed = remote::removeMember(*connection, out.role);
    if (removed) {
        out.removed = true;
        out.said = say("Database role {}: no more logins, out of {} vault(s), {} session(s) "
                       "ended.",
                       out.role, removed->vaults, removed->terminated);
    } else if (removed.error().fault == remote::Fault::NotFound) {
        out.said = say("The server has no database role {}; if theirs has another name, remove "
                       "it with 'sopvault-cli server remove-member NAME --admin URL'.",
                       out.role);
    } else if (removed.error().fault == remote::Fault::Denied) {
        out.said = leftToDo("Your database login may not administer roles");
    } else {
        out.said = leftToDo(removed.error().error.message);
    }
    return out;
}

void addUsers(CLI::App& app, Runner& r, PeopleOptions& o)
{
    auto* user = app.add_subcommand("user", "Users")->require_subcommand(1);
    auto* userAdd = user->add_subcommand("add", "Owner: add a user");
    userAdd->add_option("NAME", o.user)->required();
    addKdfOption(userAdd, o.kdf);
    userAdd->footer("Example: SOPVAULT_NEW_PASSWORD=... sopvault-cli --user olivia user add tom");
    r.withSession(userAdd, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(o.kdf));
        SOPVAULT_TRY(pw, readNewPassword(o.user));
        SOPVAULT_CHECK(s.addUser(o.user, pw, profile));
        r.emit(
            {{{"user", o.user}},
             say("Added user {}. Until they choose their own password (the desktop asks at their "
                 "first unlock; here, 'passwd'), the one you chose opens their keys.",
                 o.user)});
        return {};
    });
    r.withSession(user->add_subcommand("list", "List users"),
                  [&r](core::Session& s) -> Result<void> {
                      r.emit(presentUsers(s.users()));
                      return {};
                  });
    auto* userRemove = user->add_subcommand("remove", "Owner: remove a user and rotate keys; "
                                                      "with a server, their database role too");
    userRemove->add_option("NAME", o.user)->required();
    userRemove->add_option("--db-role", o.dbRole,
                           "their database role on the server (else NAME lower-cased)");
    userRemove->add_option("--admin", o.adminUrl,
                           "a database administrator's URL that removes that role (no password "
                           "in it: libpq's password or service file)");
    userRemove->footer(
        "Example: sopvault-cli --user olivia user remove tom\nWith a server, your connection "
        "also revokes the role when it may administer roles (or --admin URL does); otherwise "
        "the line printed says what the database administrator must run.");
    r.withSession(userRemove, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_CHECK(s.removeUser(o.user, r.progress("Rotating collection keys:")));
        SOPVAULT_TRY(info, s.remote());
        json doc = {{"user", o.user}, {"removed", true}};
        TerminalText text = say("Removed {}; every collection key they held was rotated.", o.user);
        if (!info.url.empty() || !o.adminUrl.empty()) {
            const auto role = removeServerRole(r, o);
            doc["db_role"] = role.role;
            doc["db_role_removed"] = role.removed;
            text += say("\n{}", role.said);
        }
        r.emit({std::move(doc), std::move(text)});
        return {};
    });

    auto* owner = app.add_subcommand("owner", "Owners")->require_subcommand(1);
    auto* ownerAdd = owner->add_subcommand("add", "Owner: make another user an owner");
    ownerAdd->add_option("NAME", o.user)->required();
    r.withSession(ownerAdd, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_CHECK(s.addOwner(o.user));
        r.emit({{{"owner", o.user}}, say("{} is now an owner.", o.user)});
        return {};
    });
}

void addRoles(CLI::App& app, Runner& r, PeopleOptions& o)
{
    auto* role = app.add_subcommand("role", "Roles")->require_subcommand(1);
    r.withSession(role->add_subcommand("list", "List roles"),
                  [&r](core::Session& s) -> Result<void> {
                      r.emit(presentRoles(s.roles()));
                      return {};
                  });
    auto* roleAdd = role->add_subcommand("add", "Owner: define a custom role");
    roleAdd->add_option("NAME", o.role)->required();
    roleAdd->add_option("--rights", o.rights, "view,edit,export,review,manage")->required();
    roleAdd->footer("Example: sopvault-cli --user olivia role add lead --rights view,edit,export");
    r.withSession(roleAdd, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(rights, core::Rights::parse(o.rights));
        SOPVAULT_CHECK(s.defineRole(o.role, rights));
        r.emit(presentRole(o.role, rights));
        return {};
    });
    auto* roleRemove = role->add_subcommand("remove", "Owner: remove a custom role");
    roleRemove->add_option("NAME", o.role)->required();
    r.withSession(roleRemove, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_CHECK(s.removeRole(o.role));
        r.emit({{{"role", o.role}}, say("Removed role {}.", o.role)});
        return {};
    });
}

void addCollections(CLI::App& app, Runner& r, PeopleOptions& o)
{
    auto* collection = app.add_subcommand("collection", "Collections")->require_subcommand(1);
    auto* collectionAdd = collection->add_subcommand("add", "Add a collection (owner, or manage "
                                                            "on the parent)");
    collectionAdd->add_option("PATH", o.collection)->required();
    collectionAdd->footer("Example: sopvault-cli --user olivia collection add Clients/Acme");
    r.withSession(collectionAdd, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.addCollection(o.collection));
        r.emit({{{"id", core::toHex(id)}, {"path", o.collection}},
                say("Added collection {}.", o.collection)});
        return {};
    });
    r.withSession(collection->add_subcommand("list", "List collections"),
                  [&r](core::Session& s) -> Result<void> {
                      r.emit(presentCollections(s.collections()));
                      return {};
                  });
}

void addGrants(CLI::App& app, Runner& r, PeopleOptions& o)
{
    for (const bool isGrant : {true, false}) {
        auto* cmd = app.add_subcommand(isGrant ? "grant" : "ungrant",
                                       isGrant ? "Grant USER a ROLE on COLLECTION"
                                               : "Take a ROLE on COLLECTION from USER");
        cmd->add_option("USER", o.user)->required();
        cmd->add_option("ROLE", o.role)->required();
        cmd->add_option("COLLECTION", o.collection)->required();
        cmd->footer(fmt::format("Example: sopvault-cli --user olivia {} tom technician Clients",
                                isGrant ? "grant" : "ungrant"));
        r.withSession(cmd, [&r, &o, isGrant](core::Session& s) -> Result<void> {
            SOPVAULT_CHECK(isGrant ? s.grant(o.user, o.role, o.collection)
                                   : s.ungrant(o.user, o.role, o.collection));
            r.emit({{{"user", o.user}, {"role", o.role}, {"collection", o.collection}},
                    say("{} {} {} on {}.", isGrant ? "Granted" : "Ungranted", o.user, o.role,
                        o.collection)});
            return {};
        });
    }
    auto* access = app.add_subcommand("access", "Who may do what on a SOP or collection");
    access->add_option("TARGET", o.target)->required();
    r.withSession(access, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(list, s.access(o.target));
        r.emit(presentAccess(list));
        return {};
    });
}

} // namespace

void addPeopleCommands(CLI::App& app, Runner& r, PeopleOptions& o)
{
    addUsers(app, r, o);
    addRoles(app, r, o);
    addCollections(app, r, o);
    addGrants(app, r, o);
}

} // namespace sopvault::cli
