// Who receives a collection key: one answer for the code that writes a key share or a
// rotation (Session, Engine) and for the rules that check them (AdminRules.cpp).
#include "Replay.h"

namespace sopvault::core::detail {

std::vector<Id> collectionsToRotate(const State& st, const Id& user, const GrantState* without)
{
    const AccessPolicy policy(st);
    std::vector<Id> out;
    for (const auto& [id, c] : st.collections) {
        if (!policy.allows(user, Right::View, id)) {
            continue;
        }
        if (without == nullptr) {
            out.push_back(id);
            continue;
        }
        if (!st.isWithin(id, without->collection) || policy.isOwner(user)) {
            continue;
        }
        Rights remaining;
        for (const auto& g : st.grants) {
            if (g.user == user && !(g == *without) && st.isWithin(id, g.collection)) {
                remaining |= st.roleRights(g.role).value_or(Rights{});
            }
        }
        if (!remaining.has(Right::View)) {
            out.push_back(id);
        }
    }
    return out;
}

std::vector<Id> rotationRecipients(const State& st, const Id& collection, const Id& revoked)
{
    std::vector<Id> out;
    for (const Id& u : AccessPolicy(st).viewers(collection)) {
        if (u != revoked) {
            out.push_back(u);
        }
    }
    return out;
}

std::vector<Id> newCollectionRecipients(const State& st, const Id& parent)
{
    const AccessPolicy policy(st);
    std::vector<Id> out;
    for (const auto& [id, u] : st.users) {
        if (u.owner || (!isZero(parent) && policy.allows(id, Right::View, parent))) {
            out.push_back(id);
        }
    }
    return out;
}

std::vector<Id> grantKeyCollections(const State& st, const Id& user, Rights rights,
                                    const Id& collection)
{
    std::vector<Id> out;
    if (!rights.has(Right::View)) {
        return out;
    }
    const AccessPolicy policy(st);
    for (const Id& c : st.subtree(collection)) {
        if (!policy.allows(user, Right::View, c)) {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace sopvault::core::detail
