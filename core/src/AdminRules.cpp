// The administration log's record kinds, one rule each (decode, check against the state at
// the record's point in the log and its signer, apply), and the table replay dispatches through.
#include "Replay.h"
#include "Rules.h"
#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace sopvault::core::detail {

std::unexpected<Error> bad(std::string message)
{
    return fail(ErrorCode::Integrity, std::move(message));
}

std::unexpected<Error> unauthorised(std::string message)
{
    return fail(ErrorCode::Denied, std::move(message));
}

Result<void> verifySignature(const crypto::SignPublicKey& key, const Record& rec)
{
    if (!crypto::verify(key, rec.body, rec.signature)) {
        return bad("its signature does not match its signer's key");
    }
    return {};
}

namespace {

// --- what several rules share ---------------------------------------------------------------

// Every share must go to `recipients` for collections in `allowed`, and every (collection,
// recipient) pair in `required` must be covered. `adding`: a collection the record itself
// creates (at epoch 0), which the state does not hold yet.
Result<void> checkShares(const State& st, const std::vector<KeyShare>& shares,
                         const std::set<std::pair<Id, Id>>& required,
                         const std::set<Id>& allowedCollections, const Id* adding = nullptr)
{
    std::set<std::pair<Id, Id>> seen;
    for (const KeyShare& s : shares) {
        const bool added = adding != nullptr && *adding == s.collection;
        auto c = st.collections.find(s.collection);
        if (!allowedCollections.contains(s.collection) || (!added && c == st.collections.end())) {
            return bad("it carries a key for a collection it does not concern");
        }
        if (s.epoch != (added ? 0U : c->second.epoch)) {
            return bad("it carries a key of a superseded epoch");
        }
        if (st.user(s.recipient) == nullptr || st.user(s.recipient)->removed) {
            return bad("it carries a key for an unknown or removed person");
        }
        if (s.sealedKey.empty()) {
            return bad("it carries an empty key");
        }
        seen.insert({s.collection, s.recipient});
    }
    for (const auto& need : required) {
        if (!seen.contains(need)) {
            return bad("it leaves a person who may view a collection without its key");
        }
    }
    return {};
}

// Shares that may go to one person only (a new owner, a grantee).
Result<void> checkSharesFor(const std::vector<KeyShare>& shares, const Id& user, const char* who)
{
    for (const auto& s : shares) {
        if (s.recipient != user) {
            return bad(fmt::format("it carries a key for someone other than {}", who));
        }
    }
    return {};
}

// The rotations of a revocation must move exactly `needed` to the next epoch, with a
// commitment, the previous key, and the new key for everyone who may still view.
Result<void> checkRotations(const State& st, const std::vector<Rotation>& rotations,
                            const std::vector<Id>& needed, const Id& revoked)
{
    std::set<Id> remaining(needed.begin(), needed.end());
    for (const Rotation& r : rotations) {
        auto c = st.collections.find(r.collectionId);
        if (c == st.collections.end() || remaining.erase(r.collectionId) == 0) {
            return bad("it rotates a collection key it has no reason to rotate");
        }
        if (r.epoch != c->second.epoch + 1 || r.commitment.size() != 32 || r.previousKey.empty()) {
            return bad("it rotates a collection key without a new epoch, commitment or the "
                       "previous key");
        }
        std::set<Id> recipients;
        for (const KeyShare& share : r.shares) {
            if (share.collection != r.collectionId || share.epoch != r.epoch ||
                share.recipient == revoked || share.sealedKey.empty()) {
                return bad("it gives a rotated key to the wrong person or collection");
            }
            recipients.insert(share.recipient);
        }
        for (const Id& u : rotationRecipients(st, r.collectionId, revoked)) {
            if (!recipients.contains(u)) {
                return bad("it leaves a person who may view a collection without its new key");
            }
        }
    }
    if (!remaining.empty()) {
        return bad("it takes away view without rotating the collection key");
    }
    return {};
}

void applyRotations(State& st, const std::vector<Rotation>& rotations)
{
    for (const Rotation& r : rotations) {
        CollectionState& c = st.collections.at(r.collectionId);
        c.epoch = r.epoch;
        c.commitments[r.epoch] = r.commitment;
        c.previousKeys[r.epoch] = r.previousKey;
        st.shares.insert(st.shares.end(), r.shares.begin(), r.shares.end());
    }
}

Revocation revocationOf(const State& st, const Id& user, const RevocationMarks& marks)
{
    Revocation rev;
    rev.position = st.adminCount;
    rev.user = user;
    rev.heads.insert(marks.heads.begin(), marks.heads.end());
    rev.eventCount = marks.eventCount;
    rev.auditCount = marks.auditCount;
    return rev;
}

Result<void> requireOwner(const AdminContext& c, const char* what)
{
    if (!c.signer->owner) {
        return bad(fmt::format("{} by someone who is not an owner", what));
    }
    return {};
}

// --- the rules, one per kind ----------------------------------------------------------------

struct GenesisRule
{
    using Payload = GenesisPayload;
    static constexpr auto decode = decodeGenesis;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        if (p.userId != c.record.header.signer) {
            return bad("the genesis is not signed by the owner it names");
        }
        if (!validateName("user", p.name)) {
            return bad("the genesis names an invalid owner");
        }
        return c.verify(p.signKey);
    }
    static void apply(State& st, const Record& rec, const Payload& p)
    {
        st.haveGenesis = true;
        st.genesisOwner = p.userId;
        st.vaultId = rec.header.vault;
        st.auditKey = p.auditKey;
        st.users[p.userId] = UserState{p.userId, p.name, p.signKey, p.boxKey, true};
        st.userByName[p.name] = p.userId;
        st.sealedAuditSecrets[p.userId] = p.sealedAuditSecret;
        st.recoveryKey = p.recoveryKey;
        st.recoveryWrap = p.recoveryWrap;
    }
};

struct UserAddedRule
{
    using Payload = UserAddedPayload;
    static constexpr auto decode = decodeUserAdded;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_CHECK(requireOwner(c, "a user was added"));
        if (!validateName("user", p.name) || c.state.userNamed(p.name) != nullptr ||
            c.state.user(p.userId) != nullptr) {
            return bad("it adds a user whose name or id is invalid or taken");
        }
        return {};
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        st.users[p.userId] = UserState{p.userId, p.name, p.signKey, p.boxKey, false};
        st.userByName[p.name] = p.userId;
    }
};

struct OwnerAddedRule
{
    using Payload = OwnerAddedPayload;
    static constexpr auto decode = decodeOwnerAdded;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_CHECK(requireOwner(c, "an owner was added"));
        const UserState* target = c.state.user(p.userId);
        if (target == nullptr || target->owner || target->removed || p.sealedAuditSecret.empty()) {
            return bad("it makes an unknown user or an existing owner an owner");
        }
        // An owner holds every collection's key.
        std::set<std::pair<Id, Id>> required;
        std::set<Id> allowed;
        for (const auto& [id, col] : c.state.collections) {
            required.insert({id, p.userId});
            allowed.insert(id);
        }
        SOPVAULT_CHECK(checkSharesFor(p.shares, p.userId, "the new owner"));
        return checkShares(c.state, p.shares, required, allowed);
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        st.users[p.userId].owner = true;
        st.sealedAuditSecrets[p.userId] = p.sealedAuditSecret;
        st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
    }
};

// What defining and removing a role both require.
Result<void> checkCustomRole(const AdminContext& c, const RolePayload& p)
{
    SOPVAULT_CHECK(requireOwner(c, "a role was changed"));
    const bool builtIn = std::any_of(builtInRoles().begin(), builtInRoles().end(),
                                     [&](const auto& r) { return r.name == p.name; });
    if (!validateName("role", p.name) || builtIn) {
        return bad("it changes a built-in or invalid role");
    }
    return {};
}

struct RoleDefinedRule
{
    using Payload = RolePayload;
    static constexpr auto decode = decodeRole;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_CHECK(checkCustomRole(c, p));
        if (c.state.customRoles.contains(p.name) || p.rights.empty()) {
            return bad("it defines a role that exists or has no rights");
        }
        return {};
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        st.customRoles[p.name] = p.rights;
    }
};

struct RoleRemovedRule
{
    using Payload = RolePayload;
    static constexpr auto decode = decodeRole;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_CHECK(checkCustomRole(c, p));
        const bool inUse = std::any_of(c.state.grants.begin(), c.state.grants.end(),
                                       [&](const auto& g) { return g.role == p.name; });
        if (!c.state.customRoles.contains(p.name) || inUse) {
            return bad("it removes a role that does not exist or is still granted");
        }
        return {};
    }
    static void apply(State& st, const Record&, const Payload& p) { st.customRoles.erase(p.name); }
};

struct CollectionAddedRule
{
    using Payload = CollectionAddedPayload;
    static constexpr auto decode = decodeCollectionAdded;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        const State& st = c.state;
        if (st.collections.contains(p.collectionId) || isZero(p.collectionId)) {
            return bad("it adds a collection whose id is taken");
        }
        if (isZero(p.parentId)) {
            SOPVAULT_CHECK(requireOwner(c, "a top-level collection was added"));
        } else if (!st.collections.contains(p.parentId)) {
            return bad("it adds a collection under one that does not exist");
        } else if (!AccessPolicy(st).requireManage(c.record.header.signer, p.parentId)) {
            return bad("a collection was added by someone without 'manage' on its parent");
        }
        if (p.commitment.size() != 32 || p.encryptedPath.empty()) {
            return bad("it lacks a key commitment or a name");
        }
        std::set<std::pair<Id, Id>> required;
        for (const Id& u : newCollectionRecipients(st, p.parentId)) {
            required.insert({p.collectionId, u});
        }
        return checkShares(st, p.shares, required, {p.collectionId}, &p.collectionId);
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        CollectionState c{p.collectionId, p.parentId, p.encryptedPath, {}, {}, 0};
        c.commitments[0] = p.commitment;
        st.collections[p.collectionId] = std::move(c);
        st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
    }
};

// What a grant and an ungrant both require: a live person, a collection the signer manages,
// a role that exists and is not 'owner'. Gives the role's rights.
Result<Rights> checkGrantTarget(const AdminContext& c, const GrantPayload& p)
{
    const State& st = c.state;
    if (st.user(p.userId) == nullptr || st.user(p.userId)->removed ||
        !st.collections.contains(p.collectionId)) {
        return bad("it names an unknown or removed user, or an unknown collection");
    }
    if (!AccessPolicy(st).requireManage(c.record.header.signer, p.collectionId)) {
        return bad("a grant was changed by someone who is neither an owner nor a manager of "
                   "the collection");
    }
    const auto role = st.roleRights(p.role);
    if (!role || p.role == "owner") {
        return bad("it names an unknown role, or grants 'owner' on a collection");
    }
    return *role;
}

bool holdsGrant(const State& st, const GrantPayload& p)
{
    const GrantState g{p.userId, p.role, p.collectionId};
    return std::find(st.grants.begin(), st.grants.end(), g) != st.grants.end();
}

struct GrantRule
{
    using Payload = GrantPayload;
    static constexpr auto decode = decodeGrant;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_TRY(rights, checkGrantTarget(c, p));
        if (holdsGrant(c.state, p) || !p.rotations.empty()) {
            return bad("it repeats an existing grant");
        }
        std::set<std::pair<Id, Id>> required;
        for (const Id& col : grantKeyCollections(c.state, p.userId, rights, p.collectionId)) {
            required.insert({col, p.userId});
        }
        const auto subtree = c.state.subtree(p.collectionId);
        SOPVAULT_CHECK(checkSharesFor(p.shares, p.userId, "the grantee"));
        return checkShares(c.state, p.shares, required, {subtree.begin(), subtree.end()});
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        st.grants.push_back(GrantState{p.userId, p.role, p.collectionId});
        st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
    }
};

struct UngrantRule
{
    using Payload = GrantPayload;
    static constexpr auto decode = decodeGrant;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_CHECK(checkGrantTarget(c, p));
        if (!holdsGrant(c.state, p) || !p.shares.empty()) {
            return bad("it removes a grant that does not exist");
        }
        const GrantState g{p.userId, p.role, p.collectionId};
        return checkRotations(c.state, p.rotations, collectionsToRotate(c.state, p.userId, &g),
                              p.userId);
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        Revocation rev = revocationOf(st, p.userId, p.marks);
        for (const Id& c : st.subtree(p.collectionId)) {
            rev.collections.insert(c);
        }
        std::erase(st.grants, GrantState{p.userId, p.role, p.collectionId});
        applyRotations(st, p.rotations);
        st.revocations.push_back(std::move(rev));
    }
};

struct SettingRule
{
    using Payload = SettingPayload;
    static constexpr auto decode = decodeSetting;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_CHECK(requireOwner(c, "a setting was changed"));
        const bool known = (p.key == kDueSoonSetting && p.value <= 365) ||
                           (p.key == kAlarmViewsSetting && p.value >= 1 && p.value <= 100000) ||
                           (p.key == kAlarmMinutesSetting && p.value >= 1 && p.value <= 10080) ||
                           ((p.key == kAttachmentFileSetting || p.key == kAttachmentSopSetting) &&
                            p.value >= 1 && p.value <= kMaxAttachmentCapMb);
        if (!known) {
            return bad("it changes an unknown setting or sets an out-of-range value");
        }
        return {};
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        if (p.key == kDueSoonSetting) {
            st.dueSoonDays = p.value;
        } else if (p.key == kAlarmViewsSetting) {
            st.alarmViews = p.value;
        } else if (p.key == kAttachmentFileSetting) {
            st.attachmentFileMb = p.value;
        } else if (p.key == kAttachmentSopSetting) {
            st.attachmentSopMb = p.value;
        } else {
            st.alarmMinutes = p.value;
        }
    }
};

struct UserRemovedRule
{
    using Payload = UserRemovedPayload;
    static constexpr auto decode = decodeUserRemoved;
    static Result<void> check(const AdminContext& c, const Payload& p)
    {
        SOPVAULT_CHECK(requireOwner(c, "a user was removed"));
        const UserState* target = c.state.user(p.userId);
        if (target == nullptr || target->removed) {
            return bad("it removes an unknown or already removed user");
        }
        const auto owners = std::count_if(c.state.users.begin(), c.state.users.end(),
                                          [](const auto& u) { return u.second.owner; });
        if (target->owner && owners < 2) {
            return bad("it removes the last owner");
        }
        return checkRotations(c.state, p.rotations, collectionsToRotate(c.state, p.userId, nullptr),
                              p.userId);
    }
    static void apply(State& st, const Record&, const Payload& p)
    {
        Revocation rev = revocationOf(st, p.userId, p.marks);
        rev.everywhere = true;
        UserState& u = st.users.at(p.userId);
        u.removed = true;
        u.owner = false;
        std::erase_if(st.grants, [&](const GrantState& gs) { return gs.user == p.userId; });
        st.sealedAuditSecrets.erase(p.userId);
        applyRotations(st, p.rotations);
        st.revocations.push_back(std::move(rev));
    }
};

// --- the table --------------------------------------------------------------------------------

template <typename Rule>
Result<AdminChange> checkWith(const AdminContext& c)
{
    SOPVAULT_TRY(p, Rule::decode(c.record.payload));
    SOPVAULT_CHECK(Rule::check(c, p));
    return AdminChange{std::move(p)};
}

template <typename Rule>
void applyWith(State& st, const Record& rec, const AdminChange& change)
{
    Rule::apply(st, rec, std::get<typename Rule::Payload>(change));
}

template <typename Rule>
constexpr AdminRule ruleOf(RecordKind kind)
{
    return AdminRule{kind, &checkWith<Rule>, &applyWith<Rule>};
}

// Indexed by kind - 1: the administration kinds are numbered 1 to 10 (Records.h).
constexpr std::array kAdminRules{
    ruleOf<GenesisRule>(RecordKind::Genesis),
    ruleOf<UserAddedRule>(RecordKind::UserAdded),
    ruleOf<OwnerAddedRule>(RecordKind::OwnerAdded),
    ruleOf<RoleDefinedRule>(RecordKind::RoleDefined),
    ruleOf<RoleRemovedRule>(RecordKind::RoleRemoved),
    ruleOf<CollectionAddedRule>(RecordKind::CollectionAdded),
    ruleOf<GrantRule>(RecordKind::Grant),
    ruleOf<UngrantRule>(RecordKind::Ungrant),
    ruleOf<SettingRule>(RecordKind::Setting),
    ruleOf<UserRemovedRule>(RecordKind::UserRemoved),
};

constexpr bool tableInKindOrder()
{
    for (std::size_t i = 0; i < kAdminRules.size(); ++i) {
        if (static_cast<std::size_t>(kAdminRules[i].kind) != i + 1) {
            return false;
        }
    }
    return true;
}
static_assert(tableInKindOrder(), "kAdminRules must list the administration kinds in order");

} // namespace

const AdminRule* adminRule(RecordKind kind)
{
    if (kind == RecordKind::TemplateAdded) {
        return &templateRule();
    }
    const auto index = static_cast<std::size_t>(kind);
    if (!isAdminKind(kind) || index < 1 || index > kAdminRules.size()) {
        return nullptr;
    }
    return &kAdminRules[index - 1];
}

} // namespace sopvault::core::detail
