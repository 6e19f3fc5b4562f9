// What a person may do here, asked before an action is offered (Vault.h, "questions the front
// ends ask"), and collection paths created parents first. The answers use the rules the actions
// enforce, so a menu never offers what the action would refuse.
#include "Engine.h"
#include "Validation.h"

namespace sopvault::core {

using namespace detail;

bool Session::may(Right right, const Id& collection) const
{
    const Engine& e = *m_engine;
    return e.policy().allows(e.me(), right, collection);
}

Abilities Session::abilities() const
{
    const Engine& e = *m_engine;
    Abilities out;
    const bool owner = isOwner();
    out.administer = owner;
    for (const auto& [id, collection] : e.state().collections) {
        const Rights rights = e.policy().rights(e.me(), id);
        out.createSops = out.createSops || rights.has(Right::Edit);
        out.administer = out.administer || rights.has(Right::Manage);
    }
    out.importFolders = owner || out.createSops;
    return out;
}

bool Session::mayRestore(const Id& sopId) const
{
    const Engine& e = *m_engine;
    auto sop = e.viewableSop(sopId);
    return sop && e.policy().allows(e.me(), Right::Edit, (*sop)->collection);
}

bool Session::mayImportInto(std::string_view collection) const
{
    const Engine& e = *m_engine;
    auto path = normalisePath(collection);
    if (!path) {
        return false;
    }
    if (auto existing = e.collectionByPath(*path)) {
        return e.policy().allows(e.me(), Right::Edit, *existing);
    }
    if (isOwner()) {
        return true;
    }
    // Creating below an existing collection needs manage there; above it, only owners create.
    // The new collections inherit the ancestor's grants, so adding SOPs needs edit there too.
    for (std::string above = parentPath(*path); !above.empty(); above = parentPath(above)) {
        if (auto found = e.collectionByPath(above)) {
            return e.policy().allows(e.me(), Right::Manage, *found) &&
                   e.policy().allows(e.me(), Right::Edit, *found);
        }
    }
    return false;
}

Result<Id> Session::ensureCollectionPath(std::string_view rawPath,
                                         std::vector<std::string>* created)
{
    SOPVAULT_TRY(path, normalisePath(rawPath));
    std::string partial;
    std::string_view rest(path);
    Id id{};
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        partial += (partial.empty() ? "" : "/") + std::string(rest.substr(0, slash));
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (auto existing = m_engine->collectionByPath(partial)) {
            id = *existing;
            continue;
        }
        SOPVAULT_TRY(added, addCollection(partial));
        id = added;
        if (created != nullptr) {
            created->push_back(partial);
        }
    }
    return id;
}

} // namespace sopvault::core
