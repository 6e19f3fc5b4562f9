// Replay: rebuilds the vault's state from its records, accepting each record only if its
// signature, chain position and signer's rights at that point in the log all hold.
#include "Replay.h"

#include "LocalState.h"
#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <set>

namespace sopvault::core::detail {
namespace {

std::unexpected<Error> bad(std::string message)
{
    return fail(ErrorCode::Integrity, std::move(message));
}

Result<void> verifySignature(const crypto::SignPublicKey& key, const Record& rec)
{
    if (!crypto::verify(key, rec.body, rec.signature)) {
        return bad("its signature does not match its signer's key");
    }
    return {};
}

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

} // namespace

std::string describe(const char* log, std::uint64_t position)
{
    return fmt::format("{} #{}", log, position);
}

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

Result<AdminChange> checkAdmin(const State& st, const Record& rec, SignatureCheck signature)
{
    auto checkSignature = [&](const crypto::SignPublicKey& key) -> Result<void> {
        return signature == SignatureCheck::Verify ? verifySignature(key, rec) : Result<void>{};
    };
    const RecordHeader& h = rec.header;
    if (!isAdminKind(h.kind)) {
        return bad("it is not an administration record");
    }
    if (h.position != st.adminCount || h.adminCount != st.adminCount) {
        return bad("it is out of order in the administration log");
    }
    if (h.prev != st.adminHead) {
        return bad("it does not chain to the entry before it (reordered, removed or inserted "
                   "entries)");
    }
    if (h.kind == RecordKind::Genesis) {
        if (st.haveGenesis || h.position != 0) {
            return bad("a second genesis record");
        }
        SOPVAULT_TRY(p, decodeGenesis(rec.payload));
        if (p.userId != h.signer) {
            return bad("the genesis is not signed by the owner it names");
        }
        if (!validateName("user", p.name)) {
            return bad("the genesis names an invalid owner");
        }
        SOPVAULT_CHECK(checkSignature(p.signKey));
        return AdminChange{std::move(p)};
    }
    if (!st.haveGenesis) {
        return bad("the administration log does not start with a genesis record");
    }
    if (h.vault != st.vaultId) {
        return bad("it belongs to a different vault");
    }
    const UserState* signer = st.user(h.signer);
    if (signer == nullptr || signer->removed) {
        return bad("it is signed by someone who is not a member at that point");
    }
    SOPVAULT_CHECK(checkSignature(signer->signKey));
    const AccessPolicy policy(st);

    switch (h.kind) {
    case RecordKind::UserAdded: {
        SOPVAULT_TRY(p, decodeUserAdded(rec.payload));
        if (!signer->owner) {
            return bad("a user was added by someone who is not an owner");
        }
        if (!validateName("user", p.name) || st.userNamed(p.name) != nullptr ||
            st.user(p.userId) != nullptr) {
            return bad("it adds a user whose name or id is invalid or taken");
        }
        return AdminChange{std::move(p)};
    }
    case RecordKind::OwnerAdded: {
        SOPVAULT_TRY(p, decodeOwnerAdded(rec.payload));
        if (!signer->owner) {
            return bad("an owner was added by someone who is not an owner");
        }
        const UserState* target = st.user(p.userId);
        if (target == nullptr || target->owner || target->removed || p.sealedAuditSecret.empty()) {
            return bad("it makes an unknown user or an existing owner an owner");
        }
        std::set<std::pair<Id, Id>> required;
        std::set<Id> allowed;
        for (const auto& [id, c] : st.collections) {
            required.insert({id, p.userId});
            allowed.insert(id);
        }
        for (const auto& s : p.shares) {
            if (s.recipient != p.userId) {
                return bad("it carries a key for someone other than the new owner");
            }
        }
        SOPVAULT_CHECK(checkShares(st, p.shares, required, allowed));
        return AdminChange{std::move(p)};
    }
    case RecordKind::RoleDefined:
    case RecordKind::RoleRemoved: {
        SOPVAULT_TRY(p, decodeRole(rec.payload));
        if (!signer->owner) {
            return bad("a role was changed by someone who is not an owner");
        }
        const bool builtIn = std::any_of(builtInRoles().begin(), builtInRoles().end(),
                                         [&](const auto& r) { return r.name == p.name; });
        if (!validateName("role", p.name) || builtIn) {
            return bad("it changes a built-in or invalid role");
        }
        const bool exists = st.customRoles.contains(p.name);
        if (h.kind == RecordKind::RoleDefined && (exists || p.rights.empty())) {
            return bad("it defines a role that exists or has no rights");
        }
        if (h.kind == RecordKind::RoleRemoved) {
            const bool inUse = std::any_of(st.grants.begin(), st.grants.end(),
                                           [&](const auto& g) { return g.role == p.name; });
            if (!exists || inUse) {
                return bad("it removes a role that does not exist or is still granted");
            }
        }
        return AdminChange{std::move(p)};
    }
    case RecordKind::CollectionAdded: {
        SOPVAULT_TRY(p, decodeCollectionAdded(rec.payload));
        if (st.collections.contains(p.collectionId) || isZero(p.collectionId)) {
            return bad("it adds a collection whose id is taken");
        }
        if (isZero(p.parentId)) {
            if (!signer->owner) {
                return bad("a top-level collection was added by someone who is not an owner");
            }
        } else {
            if (!st.collections.contains(p.parentId)) {
                return bad("it adds a collection under one that does not exist");
            }
            if (!policy.requireManage(h.signer, p.parentId)) {
                return bad("a collection was added by someone without 'manage' on its parent");
            }
        }
        if (p.commitment.size() != 32 || p.encryptedPath.empty()) {
            return bad("it lacks a key commitment or a name");
        }
        // The new collection inherits its parent's grants: everyone who may view the parent
        // (and every owner) must receive its key.
        std::set<std::pair<Id, Id>> required;
        for (const auto& [id, u] : st.users) {
            if (u.owner || (!isZero(p.parentId) && policy.allows(id, Right::View, p.parentId))) {
                required.insert({p.collectionId, id});
            }
        }
        SOPVAULT_CHECK(checkShares(st, p.shares, required, {p.collectionId}, &p.collectionId));
        return AdminChange{std::move(p)};
    }
    case RecordKind::UserRemoved: {
        SOPVAULT_TRY(p, decodeUserRemoved(rec.payload));
        if (!signer->owner) {
            return bad("a user was removed by someone who is not an owner");
        }
        const UserState* target = st.user(p.userId);
        if (target == nullptr || target->removed) {
            return bad("it removes an unknown or already removed user");
        }
        const auto owners = std::count_if(st.users.begin(), st.users.end(),
                                          [](const auto& u) { return u.second.owner; });
        if (target->owner && owners < 2) {
            return bad("it removes the last owner");
        }
        SOPVAULT_CHECK(
            checkRotations(st, p.rotations, collectionsToRotate(st, p.userId, nullptr), p.userId));
        return AdminChange{std::move(p)};
    }
    case RecordKind::Setting: {
        SOPVAULT_TRY(p, decodeSetting(rec.payload));
        if (!signer->owner) {
            return bad("a setting was changed by someone who is not an owner");
        }
        const bool known = (p.key == kDueSoonSetting && p.value <= 365) ||
                           (p.key == kAlarmViewsSetting && p.value >= 1 && p.value <= 100000) ||
                           (p.key == kAlarmMinutesSetting && p.value >= 1 && p.value <= 10080);
        if (!known) {
            return bad("it changes an unknown setting or sets an out-of-range value");
        }
        return AdminChange{std::move(p)};
    }
    case RecordKind::Grant:
    case RecordKind::Ungrant: {
        SOPVAULT_TRY(p, decodeGrant(rec.payload));
        if (st.user(p.userId) == nullptr || st.user(p.userId)->removed ||
            !st.collections.contains(p.collectionId)) {
            return bad("it names an unknown or removed user, or an unknown collection");
        }
        if (!policy.requireManage(h.signer, p.collectionId)) {
            return bad("a grant was changed by someone who is neither an owner nor a manager of "
                       "the collection");
        }
        const auto role = st.roleRights(p.role);
        if (!role || p.role == "owner") {
            return bad("it names an unknown role, or grants 'owner' on a collection");
        }
        const GrantState g{p.userId, p.role, p.collectionId};
        const bool exists = std::find(st.grants.begin(), st.grants.end(), g) != st.grants.end();
        if (h.kind == RecordKind::Ungrant) {
            if (!exists || !p.shares.empty()) {
                return bad("it removes a grant that does not exist");
            }
            SOPVAULT_CHECK(
                checkRotations(st, p.rotations, collectionsToRotate(st, p.userId, &g), p.userId));
            return AdminChange{std::move(p)};
        }
        if (exists || !p.rotations.empty()) {
            return bad("it repeats an existing grant");
        }
        std::set<std::pair<Id, Id>> required;
        std::set<Id> allowed;
        for (const Id& c : st.subtree(p.collectionId)) {
            allowed.insert(c);
            if (role->has(Right::View) && !policy.allows(p.userId, Right::View, c)) {
                required.insert({c, p.userId});
            }
        }
        for (const auto& s : p.shares) {
            if (s.recipient != p.userId) {
                return bad("it carries a key for someone other than the grantee");
            }
        }
        SOPVAULT_CHECK(checkShares(st, p.shares, required, allowed));
        return AdminChange{std::move(p)};
    }
    default:
        return bad("it is not an administration record");
    }
}

void applyAdmin(State& st, const Record& rec, const AdminChange& change)
{
    std::visit(
        [&](const auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, GenesisPayload>) {
                st.haveGenesis = true;
                st.genesisOwner = p.userId;
                st.vaultId = rec.header.vault;
                st.auditKey = p.auditKey;
                st.users[p.userId] = UserState{p.userId, p.name, p.signKey, p.boxKey, true};
                st.userByName[p.name] = p.userId;
                st.sealedAuditSecrets[p.userId] = p.sealedAuditSecret;
                st.recoveryKey = p.recoveryKey;
                st.recoveryWrap = p.recoveryWrap;
            } else if constexpr (std::is_same_v<T, UserAddedPayload>) {
                st.users[p.userId] = UserState{p.userId, p.name, p.signKey, p.boxKey, false};
                st.userByName[p.name] = p.userId;
            } else if constexpr (std::is_same_v<T, OwnerAddedPayload>) {
                st.users[p.userId].owner = true;
                st.sealedAuditSecrets[p.userId] = p.sealedAuditSecret;
                st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
            } else if constexpr (std::is_same_v<T, RolePayload>) {
                if (rec.header.kind == RecordKind::RoleDefined) {
                    st.customRoles[p.name] = p.rights;
                } else {
                    st.customRoles.erase(p.name);
                }
            } else if constexpr (std::is_same_v<T, CollectionAddedPayload>) {
                CollectionState c{p.collectionId, p.parentId, p.encryptedPath, {}, {}, 0};
                c.commitments[0] = p.commitment;
                st.collections[p.collectionId] = std::move(c);
                st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
            } else if constexpr (std::is_same_v<T, SettingPayload>) {
                if (p.key == kDueSoonSetting) {
                    st.dueSoonDays = p.value;
                } else if (p.key == kAlarmViewsSetting) {
                    st.alarmViews = p.value;
                } else {
                    st.alarmMinutes = p.value;
                }
            } else if constexpr (std::is_same_v<T, GrantPayload>) {
                const GrantState g{p.userId, p.role, p.collectionId};
                if (rec.header.kind == RecordKind::Grant) {
                    st.grants.push_back(g);
                    st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
                } else {
                    Revocation rev = revocationOf(st, p.userId, p.marks);
                    for (const Id& c : st.subtree(p.collectionId)) {
                        rev.collections.insert(c);
                    }
                    std::erase(st.grants, g);
                    applyRotations(st, p.rotations);
                    st.revocations.push_back(std::move(rev));
                }
            } else if constexpr (std::is_same_v<T, UserRemovedPayload>) {
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
        },
        change);
    st.adminCount += 1;
    st.adminHead = rec.hash();
    st.adminHashes.push_back(st.adminHead);
}

Result<SopVersionPayload> checkVersion(const State& st, const Record& rec, SignatureCheck signature)
{
    const RecordHeader& h = rec.header;
    if (h.kind != RecordKind::SopVersion) {
        return bad("it is not a SOP version");
    }
    if (h.vault != st.vaultId) {
        return bad("it belongs to a different vault");
    }
    if (h.adminCount > st.adminCount) {
        return bad("it refers to administration records this file does not hold");
    }
    SOPVAULT_TRY(p, decodeSopVersion(rec.payload));
    auto c = st.collections.find(p.collectionId);
    if (c == st.collections.end()) {
        return bad("it belongs to an unknown collection");
    }
    auto sop = st.sops.find(p.sopId);
    if (h.position == 1) {
        if (sop != st.sops.end() || h.prev != crypto::Hash32{}) {
            return bad("it claims to be the first version of a SOP that already has one");
        }
    } else {
        if (sop == st.sops.end() || sop->second.versions.empty()) {
            return bad("its earlier versions are missing");
        }
        if (!sop->second.problem.empty()) {
            return bad("it follows a damaged version");
        }
        const VersionState& last = sop->second.versions.back();
        if (h.position != last.version + 1 || h.prev != last.hash) {
            return bad("it does not chain to the version before it (rolled back, replaced or "
                       "reordered)");
        }
        if (h.adminCount < last.adminCount || p.collectionId != sop->second.collection) {
            return bad("it contradicts the version before it");
        }
    }
    if (p.epoch != c->second.epoch) {
        return bad("it is encrypted under a superseded collection key");
    }
    const UserState* signer = st.user(h.signer);
    if (signer == nullptr || signer->removed) {
        return bad("it is signed by someone who is not a member (or was removed)");
    }
    if (signature == SignatureCheck::Verify) {
        SOPVAULT_CHECK(verifySignature(signer->signKey, rec));
    }
    if (!AccessPolicy(st).allows(h.signer, Right::Edit, p.collectionId)) {
        return bad(fmt::format("it was signed by {}, who did not have 'edit' on its collection "
                               "at that point",
                               signer->name));
    }
    return p;
}

void applyVersion(State& st, const Record& rec, const SopVersionPayload& p)
{
    SopRecordState& sop = st.sops[p.sopId];
    sop.id = p.sopId;
    sop.collection = p.collectionId;
    sop.versions.push_back(VersionState{rec.header.position, rec.hash(), rec.header.signer,
                                        rec.header.time, rec.header.adminCount, p.collectionId,
                                        p.epoch});
}

Result<EventPayload> checkEvent(const State& st, const Record& rec)
{
    const RecordHeader& h = rec.header;
    if (!isEventKind(h.kind) || h.vault != st.vaultId) {
        return bad("it is not a review or flag record of this vault");
    }
    if (h.adminCount > st.adminCount) {
        return bad("it refers to administration records this file does not hold");
    }
    SOPVAULT_TRY(p, decodeEvent(rec.payload));
    auto sop = st.sops.find(p.sopId);
    if (sop == st.sops.end() || !sop->second.problem.empty() ||
        sop->second.collection != p.collectionId) {
        return bad("it concerns a SOP that is unknown, damaged or in another collection");
    }
    if (p.version == 0 || p.version > sop->second.versions.size() ||
        sop->second.versions[p.version - 1].hash != p.versionHash) {
        return bad("it is not bound to a version of its SOP");
    }
    auto c = st.collections.find(p.collectionId);
    if (c == st.collections.end() || p.epoch != c->second.epoch) {
        return bad("its text is encrypted under a superseded collection key");
    }
    const UserState* signer = st.user(h.signer);
    if (signer == nullptr || signer->removed) {
        return bad("it is signed by someone who is not a member (or was removed)");
    }
    SOPVAULT_CHECK(verifySignature(signer->signKey, rec));
    const AccessPolicy policy(st);
    switch (h.kind) {
    case RecordKind::Signoff:
        if (p.decision != 1 && p.decision != 2) {
            return bad("it records an unknown review decision");
        }
        if (!policy.allows(h.signer, Right::Review, p.collectionId)) {
            return bad(fmt::format("it is a sign-off by {}, who did not have 'review' on the "
                                   "SOP's collection at that point",
                                   signer->name));
        }
        break;
    case RecordKind::Flag:
        if (!policy.allows(h.signer, Right::View, p.collectionId) || p.encryptedText.empty()) {
            return bad("it is a flag by someone who could not view the SOP, or has no comment");
        }
        break;
    default: {
        const auto& events = sop->second.events;
        const bool open = std::any_of(events.begin(), events.end(),
                                      [&](const EventState& e) {
                                          return e.kind == RecordKind::Flag && e.id == p.flagId;
                                      }) &&
                          std::none_of(events.begin(), events.end(), [&](const EventState& e) {
                              return e.kind == RecordKind::FlagResolved && e.flagId == p.flagId;
                          });
        if (!open) {
            return bad("it resolves a flag that does not exist or is already resolved");
        }
        if (!policy.allows(h.signer, Right::Edit, p.collectionId)) {
            return bad("it resolves a flag but its signer did not have 'edit' at that point");
        }
        break;
    }
    }
    return p;
}

void applyEvent(State& st, const Record& rec, const EventPayload& p)
{
    st.sops[p.sopId].events.push_back(EventState{
        rec.header.recordId, rec.header.kind, rec.header.signer, rec.header.time, p.version,
        p.decision, p.flagId, rec.hash(), rec.header.adminCount, rec.header.position});
}

Result<void> checkAudit(const State& st, const Record& rec, std::uint64_t position,
                        const crypto::Hash32& prev)
{
    const RecordHeader& h = rec.header;
    if (h.kind != RecordKind::AuditEvent || h.vault != st.vaultId) {
        return bad("it is not an audit entry of this vault");
    }
    if (h.position != position || h.prev != prev) {
        return bad("it does not chain to the entry before it (reordered, removed or inserted "
                   "entries)");
    }
    const UserState* signer = st.user(h.signer);
    if (signer == nullptr) {
        return bad("it is signed by someone who is not a member");
    }
    SOPVAULT_CHECK(verifySignature(signer->signKey, rec));
    SOPVAULT_TRY(payload, decodeAudit(rec.payload));
    (void)payload;
    return {};
}

namespace {

// A SOP version or a review/flag event waiting for its point in the administration log.
struct Pending
{
    bool isEvent = false;
    Id rowSop{};
    std::uint64_t rowPosition = 0; // version number, or position in sop_events
    // Where in the administration log its signer wrote it; the largest value when its header
    // cannot be read, so it goes last.
    std::uint64_t adminCount = 0;
    // Events: the record. Versions: an empty record until processed (bodies are read one at a
    // time so memory does not hold the whole vault), or the error that made its header unread.
    Result<Record> record;
    // A version taken from the verified cache: its row is not read at all.
    const VersionState* cached = nullptr;
};

void markDamaged(ReplayResult& out, const Id& sopId, std::uint64_t version, std::string why,
                 const Result<Record>* record = nullptr)
{
    SopRecordState& sop = out.state.sops[sopId];
    sop.id = sopId;
    // Where it claims to belong, so the people who may view that collection see it is damaged.
    if (isZero(sop.collection) && record != nullptr && *record) {
        if (auto p = decodeSopVersion((*record)->payload);
            p && out.state.collections.contains(p->collectionId)) {
            sop.collection = p->collectionId;
        }
    }
    if (sop.problem.empty()) {
        sop.problem = why;
    }
    out.problems.push_back(
        {fmt::format("SOP {} version {}", toHex(sopId), version), std::move(why)});
}

// A version this person verified before (its entry hash commits to the chain before it): the
// checks that depend on the state it follows still run, the signature and hash do not.
Result<void> checkCachedVersion(const State& st, const Id& sopId, const VersionState& v)
{
    auto c = st.collections.find(v.collection);
    if (c == st.collections.end() || v.epoch != c->second.epoch) {
        return bad("it belongs to an unknown collection or a superseded collection key");
    }
    auto sop = st.sops.find(sopId);
    if (v.version == 1) {
        if (sop != st.sops.end()) {
            return bad("it claims to be the first version of a SOP that already has one");
        }
    } else if (sop == st.sops.end() || sop->second.versions.empty() ||
               !sop->second.problem.empty() ||
               sop->second.versions.back().version + 1 != v.version ||
               v.adminCount < sop->second.versions.back().adminCount ||
               sop->second.collection != v.collection) {
        return bad("it does not follow the version before it");
    }
    const UserState* signer = st.user(v.author);
    if (signer == nullptr || signer->removed) {
        return bad("it is signed by someone who is not a member (or was removed)");
    }
    if (!AccessPolicy(st).allows(v.author, Right::Edit, v.collection)) {
        return bad(fmt::format("it was signed by {}, who did not have 'edit' on its collection "
                               "at that point",
                               signer->name));
    }
    return {};
}

void processVersion(ReplayResult& out, Pending& pending, storage::Statement& load,
                    const ReplayOptions& options)
{
    out.sopVersions += 1;
    if (pending.cached != nullptr) {
        out.cachedVersions += 1;
        if (auto ok = checkCachedVersion(out.state, pending.rowSop, *pending.cached); !ok) {
            markDamaged(out, pending.rowSop, pending.rowPosition, ok.error().message);
            return;
        }
        SopRecordState& sop = out.state.sops[pending.rowSop];
        sop.id = pending.rowSop;
        sop.collection = pending.cached->collection;
        sop.versions.push_back(*pending.cached);
        return;
    }
    if (pending.record) {
        load.bind(1, crypto::ByteView(pending.rowSop))
            .bind(2, static_cast<std::int64_t>(pending.rowPosition));
        auto row = load.step();
        pending.record = !row   ? Result<Record>(std::unexpected(row.error()))
                         : *row ? decodeRecord(load.columnView(0), load.columnView(1))
                                : Result<Record>(bad("it disappeared while the vault was read"));
        load.reset();
    }
    // Done with the body either way: keep memory to one version at a time.
    struct Release
    {
        Pending& p;
        ~Release()
        {
            if (p.record) {
                p.record = Record{};
            }
        }
    } release{pending};
    if (!pending.record) {
        markDamaged(out, pending.rowSop, pending.rowPosition, pending.record.error().message);
        return;
    }
    const Record& rec = *pending.record;
    auto payload = checkVersion(out.state, rec);
    if (payload &&
        (payload->sopId != pending.rowSop || rec.header.position != pending.rowPosition)) {
        payload = bad("it is stored under another SOP or version than it says");
    }
    if (!payload) {
        markDamaged(out, pending.rowSop, pending.rowPosition, payload.error().message,
                    &pending.record);
        return;
    }
    applyVersion(out.state, rec, *payload);
    if (options.onVersion) {
        options.onVersion(rec, *payload);
    }
}

// A review or flag record that failed: the SOPs it is stored under and claims to concern lose
// their trusted review status (fail closed, like a version chain); when neither is a SOP of
// this vault, nobody can tell whose status it changed, so the whole log is untrusted.
void eventFailed(ReplayResult& out, const Id& rowSop, const Result<Record>& record,
                 std::uint64_t position, const std::string& why)
{
    const std::string where = describe("review or flag record", position);
    out.problems.push_back({where, why});
    std::vector<Id> concerned{rowSop};
    if (record) {
        if (auto p = decodeEvent(record->payload); p && p->sopId != rowSop) {
            concerned.push_back(p->sopId);
        }
    }
    bool known = false;
    for (const Id& id : concerned) {
        auto sop = out.state.sops.find(id);
        if (sop == out.state.sops.end()) {
            continue;
        }
        known = true;
        if (sop->second.eventProblem.empty()) {
            sop->second.eventProblem = fmt::format("{}: {}", where, why);
        }
    }
    if (!known && out.state.eventLogProblem.empty()) {
        out.state.eventLogProblem = fmt::format("{}: {}", where, why);
    }
}

void processEvent(ReplayResult& out, Pending& pending)
{
    auto payload = pending.record ? checkEvent(out.state, *pending.record)
                                  : Result<EventPayload>(std::unexpected(pending.record.error()));
    if (payload && payload->sopId != pending.rowSop) {
        payload = bad("it is stored under another SOP than it says");
    }
    if (!payload) {
        eventFailed(out, pending.rowSop, pending.record, pending.rowPosition,
                    payload.error().message);
        return;
    }
    applyEvent(out.state, *pending.record, *payload);
}

// A revoked person's versions and review records that claim an earlier point in the log than
// their revocation must be among what existed at the revocation; anything else was written
// afterwards and backdated.
void enforceRevocations(ReplayResult& out)
{
    State& st = out.state;
    for (const Revocation& rev : st.revocations) {
        const std::string who = st.users.at(rev.user).name;
        for (auto& [id, sop] : st.sops) {
            if (!rev.everywhere && !rev.collections.contains(sop.collection)) {
                continue;
            }
            const auto head = rev.heads.find(id);
            const std::uint64_t limit = head == rev.heads.end() ? 0 : head->second;
            for (const VersionState& v : sop.versions) {
                if (sop.problem.empty() && v.author == rev.user && v.adminCount <= rev.position &&
                    v.version > limit) {
                    sop.problem = fmt::format("version {} was signed by {} after their rights "
                                              "were revoked (administration record #{})",
                                              v.version, who, rev.position);
                    out.problems.push_back(
                        {fmt::format("SOP {} version {}", toHex(id), v.version), sop.problem});
                }
            }
            std::erase_if(sop.events, [&](const EventState& e) {
                const bool late = e.author == rev.user && e.adminCount <= rev.position &&
                                  e.position >= rev.eventCount;
                if (late) {
                    const std::string where = describe("review or flag record", e.position);
                    const std::string why =
                        fmt::format("it was signed by {} after their rights were revoked", who);
                    out.problems.push_back({where, why});
                    if (sop.eventProblem.empty()) {
                        sop.eventProblem = fmt::format("{}: {}", where, why);
                    }
                }
                return late;
            });
        }
    }
}

constexpr auto kUnreadable = std::numeric_limits<std::uint64_t>::max();

// Reads a hash-chained log (audit or events) in position order, checking positions and chain
// links; `each` sees every stored row, its decoded record and the problem found so far (if any).
template <typename Each>
Result<void> walkChain(const VaultFile& file, Chain chain, const char* what, std::uint64_t& count,
                       crypto::Hash32& head, std::vector<crypto::Hash32>& hashes, Each each)
{
    crypto::Hash32 prev{};
    std::uint64_t expected = 0;
    SOPVAULT_CHECK(file.readLog(chain, 0, [&](LogRow& row) -> Result<void> {
        auto rec = decodeRecord(row.body, row.signature);
        Result<void> link{};
        if (!rec) {
            link = std::unexpected(rec.error());
        } else if (row.position != expected || rec->header.position != row.position) {
            link = bad(fmt::format("the {} has a gap or a misplaced entry here", what));
        } else if (rec->header.prev != prev) {
            link = bad("it does not chain to the entry before it (reordered, removed or "
                       "inserted entries)");
        }
        // Taken before `each`, which may move the record away.
        const crypto::Hash32 hash = rec ? rec->hash() : crypto::Hash32{};
        each(row, rec, link);
        expected = row.position + 1;
        if (rec || hash != crypto::Hash32{}) {
            prev = hash;
        }
        hashes.push_back(hash);
        return {};
    }));
    count = expected;
    head = prev;
    return {};
}

// A version waits at the point of the administration log its header names; one whose header
// cannot be read goes last, and damages its SOP rather than the replay.
void addPending(std::vector<Pending>& pending, const VersionKey& key,
                const Result<RecordHeader>& header)
{
    Pending p;
    p.rowSop = key.sopId;
    p.rowPosition = key.version;
    p.adminCount = header ? header->adminCount : kUnreadable;
    p.record = header ? Result<Record>(Record{}) : Result<Record>(std::unexpected(header.error()));
    pending.push_back(std::move(p));
}

// Without a cache: every version row, its header read straight from the row.
Result<void> pendVersionRows(const VaultFile& file, ReplayResult& out,
                             std::vector<Pending>& pending)
{
    return file.eachVersionBody([&](const VersionKey& key, crypto::ByteView body) {
        out.versionRows.emplace_back(key.sopId, key.version);
        addPending(pending, key, decodeHeader(body));
    });
}

// With a cache: only which versions exist (the primary key's index; verify checks it agrees
// with the rows), read whole first, then the header of those the cache does not hold.
Result<void> pendIndexedVersions(const VaultFile& file, VersionReader& reader,
                                 const VerifiedCache& cache, std::vector<Pending>& pending)
{
    SOPVAULT_TRY(keys, file.versionKeys());
    for (const VersionKey& key : keys) {
        if (auto c = cache.sops.find(key.sopId);
            c != cache.sops.end() && key.version >= 1 && key.version <= c->second.versions.size()) {
            Pending p;
            p.rowSop = key.sopId;
            p.rowPosition = key.version;
            p.cached = &c->second.versions[key.version - 1];
            p.adminCount = p.cached->adminCount;
            p.record = Record{};
            pending.push_back(std::move(p));
            continue;
        }
        addPending(pending, key, reader.header(key));
    }
    return {};
}

// The review and flag log: each record waits for its point in the administration log; a broken
// link is a problem of the log (reported after the administration log's own).
Result<void> pendEvents(const VaultFile& file, ReplayResult& out, std::vector<Pending>& pending,
                        std::vector<ReplayProblem>& chainProblems)
{
    return walkChain(
        file, Chain::Events, "review and flag log", out.state.eventCount, out.state.eventHead,
        out.state.eventHashes,
        [&](const LogRow& row, Result<Record>& rec, const Result<void>& link) {
            out.eventRecords += 1;
            if (!link) {
                const std::string where = describe("review or flag record", row.position);
                chainProblems.push_back({where, link.error().message});
                if (out.state.eventLogProblem.empty()) {
                    out.state.eventLogProblem = fmt::format("{}: {}", where, link.error().message);
                }
                return;
            }
            const std::uint64_t adminCount = rec ? rec->header.adminCount : kUnreadable;
            pending.push_back(
                Pending{true, row.sopId, row.position, adminCount, std::move(rec), nullptr});
        });
}

// The versions and events waiting, replayed in administration-log order: each at the point
// where its signer wrote it, so rights are checked against the log as it was then.
class PendingQueue
{
public:
    explicit PendingQueue(std::vector<Pending> pending) : m_pending(std::move(pending))
    {
        // Sorted by index: a Pending is large, and a vault has one per version. An undecodable
        // record goes last, after the versions that really came before it.
        m_order.resize(m_pending.size());
        std::iota(m_order.begin(), m_order.end(), std::size_t{0});
        std::stable_sort(m_order.begin(), m_order.end(), [&](std::size_t i, std::size_t j) {
            const Pending& a = m_pending[i];
            const Pending& b = m_pending[j];
            return std::tuple(a.adminCount, a.isEvent, a.rowPosition) <
                   std::tuple(b.adminCount, b.isEvent, b.rowPosition);
        });
    }

    // Replays everything written at or before `adminCount`.
    void upTo(std::uint64_t adminCount, ReplayResult& out, VersionReader* reader,
              const ReplayOptions& options)
    {
        while (m_next < m_order.size() && m_pending[m_order[m_next]].adminCount <= adminCount) {
            Pending& p = m_pending[m_order[m_next++]];
            if (p.isEvent) {
                processEvent(out, p);
            } else {
                processVersion(out, p, reader->statement(), options);
            }
        }
    }

    // What is left refers to administration records the file does not hold (or was unreadable).
    void failRest(ReplayResult& out)
    {
        for (; m_next < m_order.size(); ++m_next) {
            const Pending& p = m_pending[m_order[m_next]];
            const std::string why = p.adminCount != kUnreadable
                                        ? "it refers to administration records this file does "
                                          "not hold"
                                        : p.record.error().message;
            if (p.isEvent) {
                eventFailed(out, p.rowSop, p.record, p.rowPosition, why);
            } else {
                out.sopVersions += 1;
                markDamaged(out, p.rowSop, p.rowPosition, why);
            }
        }
    }

private:
    std::vector<Pending> m_pending;
    std::vector<std::size_t> m_order;
    std::size_t m_next = 0;
};

// Checks one stored administration record at `expected`, the next position the log needs.
Result<AdminChange> checkStoredAdmin(const State& state, const LogRow& row,
                                     const Result<Record>& rec, std::uint64_t expected,
                                     const ReplayOptions& options)
{
    if (!rec) {
        return std::unexpected(rec.error());
    }
    // A record this replay's caller has just verified, byte for byte (same entry hash).
    const bool verifiedBefore = options.verifiedAdmin != nullptr &&
                                row.position < options.verifiedAdmin->size() &&
                                (*options.verifiedAdmin)[row.position] == rec->hash();
    auto change =
        checkAdmin(state, *rec, verifiedBefore ? SignatureCheck::Skip : SignatureCheck::Verify);
    if (change && row.position != expected) {
        change = bad("the administration log has a gap before it");
    }
    if (change && crypto::toBytes(rec->header.recordId) != row.recordId) {
        change = bad("it is stored under another id than it says");
    }
    return change;
}

// The administration log, in order, with the waiting records replayed at their points; after
// the first bad record the rest are counted, not trusted.
Result<void> replayAdmin(const VaultFile& file, ReplayResult& out, PendingQueue& queue,
                         VersionReader* reader, const ReplayOptions& options)
{
    std::uint64_t expected = 0;
    SOPVAULT_CHECK(file.readLog(Chain::Admin, 0, [&](LogRow& row) -> Result<void> {
        out.adminRecords += 1;
        if (!out.adminSound) {
            return {}; // the chain is already broken before it
        }
        queue.upTo(expected, out, reader, options);
        auto rec = decodeRecord(row.body, row.signature);
        auto change = checkStoredAdmin(out.state, row, rec, expected, options);
        if (!change) {
            out.problems.push_back(
                {describe("administration record", row.position), change.error().message});
            out.adminSound = false;
            return {};
        }
        applyAdmin(out.state, *rec, *change);
        expected += 1;
        return {};
    }));
    if (out.adminRecords == 0) {
        out.adminSound = false;
        out.problems.push_back(
            {"administration log", "it is empty: the genesis record is missing"});
    }
    if (!out.adminSound && out.adminRecords > out.state.adminCount + 1) {
        out.problems.push_back(
            {"administration log",
             fmt::format("{} later records were not applied because the log is broken",
                         out.adminRecords - out.state.adminCount - 1)});
    }
    return {};
}

// The audit log: unlock only needs its head to append; verify checks every entry.
Result<void> walkAudit(const VaultFile& file, ReplayResult& out, const ReplayOptions& options)
{
    return walkChain(
        file, Chain::Audit, "audit log", out.state.auditCount, out.state.auditHead,
        out.state.auditHashes,
        [&](const LogRow& row, Result<Record>& rec, const Result<void>& link) {
            out.auditRecords += 1;
            if (!options.checkAuditLog) {
                return;
            }
            Result<void> ok = link;
            if (ok) {
                ok = checkAudit(out.state, *rec, row.position, rec->header.prev);
            }
            for (const Revocation& rev : out.state.revocations) {
                if (ok && rev.everywhere && rec->header.signer == rev.user &&
                    row.position >= rev.auditCount) {
                    ok = bad("it was signed by a removed user after their removal");
                }
            }
            if (!ok) {
                out.problems.push_back({describe("audit entry", row.position), ok.error().message});
            }
        });
}

} // namespace

Result<std::vector<std::pair<Id, std::uint64_t>>> indexedVersions(storage::Database& db)
{
    VaultFile file(std::move(db));
    auto keys = file.versionKeys();
    db = std::move(file).release();
    if (!keys) {
        return std::unexpected(keys.error());
    }
    std::vector<std::pair<Id, std::uint64_t>> out;
    out.reserve(keys->size());
    for (const VersionKey& k : *keys) {
        out.emplace_back(k.sopId, k.version);
    }
    return out;
}

Result<ReplayResult> replay(const VaultFile& file, const ReplayOptions& options)
{
    ReplayResult out;
    std::vector<Pending> pending;
    std::vector<ReplayProblem> chainProblems;
    std::optional<VersionReader> reader;
    if (!options.administrationOnly) {
        SOPVAULT_TRY(made, file.versionReader());
        reader.emplace(std::move(made));
        if (options.cache == nullptr) {
            SOPVAULT_CHECK(pendVersionRows(file, out, pending));
        } else {
            SOPVAULT_CHECK(pendIndexedVersions(file, *reader, *options.cache, pending));
        }
        SOPVAULT_CHECK(pendEvents(file, out, pending, chainProblems));
    }
    VersionReader* versions = reader ? &*reader : nullptr;
    PendingQueue queue(std::move(pending));
    SOPVAULT_CHECK(replayAdmin(file, out, queue, versions, options));
    queue.upTo(out.state.adminCount, out, versions, options);
    queue.failRest(out);
    out.problems.insert(out.problems.end(), chainProblems.begin(), chainProblems.end());
    enforceRevocations(out);
    if (!options.administrationOnly) {
        SOPVAULT_CHECK(walkAudit(file, out, options));
    }
    return out;
}

Result<ReplayResult> replay(storage::Database& db, const ReplayOptions& options)
{
    VaultFile file(std::move(db));
    auto result = replay(file, options);
    db = std::move(file).release();
    return result;
}

} // namespace sopvault::core::detail
