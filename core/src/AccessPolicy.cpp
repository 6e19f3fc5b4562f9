// Rights resolution over the replayed state: grants reach down the collection tree, owners
// hold everything, anything not granted is denied.
#include "sopvault/core/AccessPolicy.h"

#include "State.h"

#include <fmt/format.h>

#include <algorithm>

namespace sopvault::core {

const std::vector<RoleDefinition>& builtInRoles()
{
    static const std::vector<RoleDefinition> roles{
        {"owner", Rights::all(), true},
        {"editor", Rights{Right::View, Right::Edit}, true},
        {"reviewer", Rights{Right::View, Right::Review}, true},
        {"technician", Rights{Right::View}, true},
    };
    return roles;
}

namespace detail {

std::optional<Rights> State::roleRights(std::string_view role) const
{
    for (const auto& r : builtInRoles()) {
        if (r.name == role) {
            return r.rights;
        }
    }
    if (auto it = customRoles.find(std::string(role)); it != customRoles.end()) {
        return it->second;
    }
    return std::nullopt;
}

bool State::isWithin(const Id& collection, const Id& ancestor) const
{
    Id current = collection;
    // The tree is acyclic by construction (a parent exists before its child); the bound is a
    // guard against a damaged state, not a rule.
    for (std::size_t depth = 0; depth <= collections.size(); ++depth) {
        if (current == ancestor) {
            return true;
        }
        auto it = collections.find(current);
        if (it == collections.end() || isZero(it->second.parent)) {
            return false;
        }
        current = it->second.parent;
    }
    return false;
}

std::vector<Id> State::subtree(const Id& root) const
{
    std::vector<Id> out;
    for (const auto& [id, c] : collections) {
        if (isWithin(id, root)) {
            out.push_back(id);
        }
    }
    return out;
}

const UserState* State::user(const Id& id) const
{
    auto it = users.find(id);
    return it == users.end() ? nullptr : &it->second;
}

const UserState* State::userNamed(std::string_view name) const
{
    auto it = userByName.find(std::string(name));
    return it == userByName.end() ? nullptr : user(it->second);
}

} // namespace detail

bool AccessPolicy::isOwner(const Id& user) const
{
    const auto* u = m_state->user(user);
    return u != nullptr && u->owner;
}

Rights AccessPolicy::rights(const Id& user, const Id& collection) const
{
    if (m_state->user(user) == nullptr || !m_state->collections.contains(collection)) {
        return {};
    }
    if (isOwner(user)) {
        return Rights::all();
    }
    Rights out;
    for (const auto& g : m_state->grants) {
        if (g.user == user && m_state->isWithin(collection, g.collection)) {
            out |= m_state->roleRights(g.role).value_or(Rights{});
        }
    }
    return out;
}

Result<void> AccessPolicy::require(const Id& user, Right right, const Id& collection) const
{
    if (allows(user, right, collection)) {
        return {};
    }
    return fail(ErrorCode::Denied,
                fmt::format("You do not have the '{}' right on this collection; ask an owner "
                            "or a manager of it for a grant.",
                            rightName(right)));
}

Result<void> AccessPolicy::requireOwner(const Id& user, std::string_view what) const
{
    if (isOwner(user)) {
        return {};
    }
    return fail(ErrorCode::Denied, fmt::format("Only an owner may {}.", what));
}

Result<void> AccessPolicy::requireManage(const Id& user, const Id& collection) const
{
    if (allows(user, Right::Manage, collection)) {
        return {};
    }
    return fail(ErrorCode::Denied, "Only an owner, or someone with 'manage' on this collection, "
                                   "may change its grants or add collections under it.");
}

std::vector<AccessPolicy::Holder> AccessPolicy::holders(const Id& collection) const
{
    std::vector<Holder> out;
    for (const auto& [id, u] : m_state->users) {
        if (u.owner) {
            out.push_back({id, "owner", Id{}, Rights::all()});
        }
    }
    for (const auto& g : m_state->grants) {
        if (m_state->isWithin(collection, g.collection)) {
            out.push_back(
                {g.user, g.role, g.collection, m_state->roleRights(g.role).value_or(Rights{})});
        }
    }
    return out;
}

std::vector<Id> AccessPolicy::viewers(const Id& collection) const
{
    std::vector<Id> out;
    for (const auto& [id, u] : m_state->users) {
        if (allows(id, Right::View, collection)) {
            out.push_back(id);
        }
    }
    return out;
}

} // namespace sopvault::core
