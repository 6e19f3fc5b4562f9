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
    json doc = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& g : grants) {
        doc.push_back(
            {{"role", g.role}, {"collection", g.collection}, {"rights", g.rights.names()}});
        rows.push_back({g.role, g.collection, g.rights.toString()});
    }
    return {{{"user", user}, {"owner", owner}, {"grants", doc}},
            say("{}{}\n{}", user, owner ? say(" (owner)") : TerminalText(),
                rows.empty() ? say("No grants.") : table({"ROLE", "COLLECTION", "RIGHTS"}, rows))};
}

Output presentUsers(const std::vector<core::UserInfo>& users)
{
    Output out{json::array(), {}};
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : users) {
        out.doc.push_back({{"user", u.name},
                           {"owner", u.owner},
                           {"removed", u.removed},
                           {"fingerprint", u.fingerprint},
                           {"id", core::toHex(u.id)}});
        rows.push_back({u.name, u.owner ? "owner" : (u.removed ? "removed" : ""), u.fingerprint});
    }
    out.text = table({"USER", "OWNER", "KEY FINGERPRINT"}, rows);
    return out;
}

Output presentRoles(const std::vector<core::RoleDefinition>& roles)
{
    Output out{json::array(), {}};
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : roles) {
        out.doc.push_back(
            {{"role", r.name}, {"rights", r.rights.names()}, {"built_in", r.builtIn}});
        rows.push_back({r.name, r.rights.toString(), r.builtIn ? "built-in" : "custom"});
    }
    out.text = table({"ROLE", "RIGHTS", "KIND"}, rows);
    return out;
}

Output presentRole(std::string_view name, core::Rights rights)
{
    return {{{"role", name}, {"rights", rights.names()}},
            say("Role {} = {}.", name, rights.toString())};
}

Output presentCollections(const std::vector<core::CollectionInfo>& collections)
{
    Output out{json::array(), {}};
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : collections) {
        out.doc.push_back({{"id", core::toHex(c.id)},
                           {"path", c.path},
                           {"readable", c.readable},
                           {"rights", c.rights.names()}});
        rows.push_back({c.path, c.rights.toString(), core::toHex(c.id)});
    }
    out.text = table({"COLLECTION", "YOUR RIGHTS", "ID"}, rows);
    return out;
}

Output presentAccess(const std::vector<core::GrantInfo>& grants)
{
    Output out{json::array(), {}};
    std::vector<std::vector<std::string>> rows;
    for (const auto& g : grants) {
        out.doc.push_back({{"user", g.user},
                           {"role", g.role},
                           {"collection", g.collection},
                           {"rights", g.rights.names()}});
        rows.push_back({g.user, g.role, g.collection, g.rights.toString()});
    }
    out.text = table({"USER", "ROLE", "GRANTED ON", "RIGHTS"}, rows);
    return out;
}

} // namespace sopvault::cli
