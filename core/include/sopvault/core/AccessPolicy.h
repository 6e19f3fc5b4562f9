// The one place that decides who may do what: every read, edit, export, review and
// administration call in core asks this policy (and replay asks it of every record's signer).
#pragma once

#include "sopvault/core/Types.h"

#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

namespace detail {
struct State;
}

// Built-in roles (product.md, "Access model"). `owner` is vault-wide and is given with
// `owner add`, never by a grant on a collection.
struct RoleDefinition
{
    std::string name;
    Rights rights;
    bool builtIn = false;
};
[[nodiscard]] const std::vector<RoleDefinition>& builtInRoles();

class AccessPolicy
{
public:
    explicit AccessPolicy(const detail::State& state) : m_state(&state) {}

    [[nodiscard]] bool isOwner(const Id& user) const;
    // The union of the user's grants on the collection and every collection above it; owners
    // hold every right everywhere.
    [[nodiscard]] Rights rights(const Id& user, const Id& collection) const;
    [[nodiscard]] bool allows(const Id& user, Right right, const Id& collection) const
    {
        return rights(user, collection).has(right);
    }
    // `denied` with a sentence naming the right and the collection, or nothing.
    [[nodiscard]] Result<void> require(const Id& user, Right right, const Id& collection) const;
    [[nodiscard]] Result<void> requireOwner(const Id& user, std::string_view what) const;
    // Grants and sub-collections under `collection`: owners, or `manage` there.
    [[nodiscard]] Result<void> requireManage(const Id& user, const Id& collection) const;

    // Who holds what on a collection, grant by grant (owners listed with role "owner").
    struct Holder
    {
        Id user{};
        std::string role;
        Id grantedOn{};
        Rights rights;
    };
    [[nodiscard]] std::vector<Holder> holders(const Id& collection) const;
    // Users who may view the collection: owners and holders of a role with `view`.
    [[nodiscard]] std::vector<Id> viewers(const Id& collection) const;

private:
    const detail::State* m_state;
};

} // namespace sopvault::core
