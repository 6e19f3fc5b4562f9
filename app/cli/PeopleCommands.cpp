// People and who may do what: user, owner, role, collection, grant, ungrant, access.
#include "Commands.h"
#include "Password.h"
#include "Presenters.h"

#include <fmt/format.h>

namespace sopvault::cli {
namespace {

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
        r.emit({{{"user", o.user}}, say("Added user {}.", o.user)});
        return {};
    });
    r.withSession(user->add_subcommand("list", "List users"),
                  [&r](core::Session& s) -> Result<void> {
                      r.emit(presentUsers(s.users()));
                      return {};
                  });
    auto* userRemove = user->add_subcommand("remove", "Owner: remove a user and rotate keys");
    userRemove->add_option("NAME", o.user)->required();
    userRemove->footer("Example: sopvault-cli --user olivia user remove tom");
    r.withSession(userRemove, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_CHECK(s.removeUser(o.user, r.progress("Rotating collection keys:")));
        r.emit({{{"user", o.user}, {"removed", true}},
                say("Removed {}; every collection key they held was rotated.", o.user)});
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
