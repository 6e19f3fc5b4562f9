// Presenters for the vault and its people: the created vault, who one is, users, roles,
// collections and grants (see Presenters.h).
#include "Presenters.h"

namespace sopvault::cli {

Output presentCreatedVault(const core::CreatedVault& created, std::string_view owner,
                           const std::filesystem::path& path)
{
    // The only time the recovery code is shown; it leaves secure memory only here.
    const std::string code(created.recoveryCode.view());
    return {{{"vault_id", created.vaultId},
             {"owner", owner},
             {"recovery_code", code},
             {"owner_fingerprint", created.ownerFingerprint},
             {"path", path.string()}},
            say("Created vault {} at {}\nOwner: {}\nOwner key fingerprint: {}\n\n"
                "Recovery code (shown once; write it down and keep it safe, it can "
                "set a new password for an owner):\n\n    {}\n",
                created.vaultId, path.string(), owner, created.ownerFingerprint, code)};
}

Output presentIdentity(std::string_view user, bool owner,
                       const std::vector<core::GrantInfo>& grants)
{
    const Output list = listOutput(
        grants, {"ROLE", "COLLECTION", "RIGHTS"},
        [](const core::GrantInfo& g) -> json {
            return {{"role", g.role}, {"collection", g.collection}, {"rights", g.rights.names()}};
        },
        [](const core::GrantInfo& g) -> std::vector<std::string> {
            return {g.role, g.collection, g.rights.toString()};
        });
    return {{{"user", user}, {"owner", owner}, {"grants", list.doc}},
            say("{}{}\n{}", user, owner ? say(" (owner)") : TerminalText(),
                grants.empty() ? say("No grants.") : list.text)};
}

Output presentUsers(const std::vector<core::UserInfo>& users)
{
    return listOutput(
        users, {"USER", "OWNER", "KEY FINGERPRINT"},
        [](const core::UserInfo& u) -> json {
            return {{"user", u.name},
                    {"owner", u.owner},
                    {"removed", u.removed},
                    {"fingerprint", u.fingerprint},
                    {"id", core::toHex(u.id)}};
        },
        [](const core::UserInfo& u) -> std::vector<std::string> {
            return {u.name, u.owner ? "owner" : (u.removed ? "removed" : ""), u.fingerprint};
        });
}

Output presentRoles(const std::vector<core::RoleDefinition>& roles)
{
    return listOutput(
        roles, {"ROLE", "RIGHTS", "KIND"},
        [](const core::RoleDefinition& r) -> json {
            return {{"role", r.name}, {"rights", r.rights.names()}, {"built_in", r.builtIn}};
        },
        [](const core::RoleDefinition& r) -> std::vector<std::string> {
            return {r.name, r.rights.toString(), r.builtIn ? "built-in" : "custom"};
        });
}

Output presentRole(std::string_view name, core::Rights rights)
{
    return {{{"role", name}, {"rights", rights.names()}},
            say("Role {} = {}.", name, rights.toString())};
}

Output presentCollections(const std::vector<core::CollectionInfo>& collections)
{
    return listOutput(
        collections, {"COLLECTION", "YOUR RIGHTS", "ID"},
        [](const core::CollectionInfo& c) -> json {
            return {{"id", core::toHex(c.id)},
                    {"path", c.path},
                    {"readable", c.readable},
                    {"rights", c.rights.names()}};
        },
        [](const core::CollectionInfo& c) -> std::vector<std::string> {
            return {c.path, c.rights.toString(), core::toHex(c.id)};
        });
}

Output presentAccess(const std::vector<core::GrantInfo>& grants)
{
    return listOutput(
        grants, {"USER", "ROLE", "GRANTED ON", "RIGHTS"},
        [](const core::GrantInfo& g) -> json {
            return {{"user", g.user},
                    {"role", g.role},
                    {"collection", g.collection},
                    {"rights", g.rights.names()}};
        },
        [](const core::GrantInfo& g) -> std::vector<std::string> {
            return {g.user, g.role, g.collection, g.rights.toString()};
        });
}

} // namespace sopvault::cli
