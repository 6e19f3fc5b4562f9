// Replay: rebuilds the vault's state from its records, accepting each record only if its
// signature, chain position and signer's rights at that point in the log all hold.
#include "Replay.h"

#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>
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
// recipient) pair in `required` must be covered.
Result<void> checkShares(const State& st, const std::vector<KeyShare>& shares,
                         const std::set<std::pair<Id, Id>>& required,
                         const std::set<Id>& allowedCollections)
{
    std::set<std::pair<Id, Id>> seen;
    for (const KeyShare& s : shares) {
        auto c = st.collections.find(s.collection);
        if (!allowedCollections.contains(s.collection) || c == st.collections.end()) {
            return bad("it carries a key for a collection it does not concern");
        }
        if (s.epoch != c->second.epoch) {
            return bad("it carries a key of a superseded epoch");
        }
        if (st.user(s.recipient) == nullptr) {
            return bad("it carries a key for an unknown person");
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

} // namespace

std::string describe(const char* log, std::uint64_t position)
{
    return fmt::format("{} #{}", log, position);
}

Result<AdminChange> checkAdmin(const State& st, const Record& rec)
{
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
        SOPVAULT_CHECK(verifySignature(p.signKey, rec));
        return AdminChange{std::move(p)};
    }
    if (!st.haveGenesis) {
        return bad("the administration log does not start with a genesis record");
    }
    if (h.vault != st.vaultId) {
        return bad("it belongs to a different vault");
    }
    const UserState* signer = st.user(h.signer);
    if (signer == nullptr) {
        return bad("it is signed by someone who is not a member at that point");
    }
    SOPVAULT_CHECK(verifySignature(signer->signKey, rec));
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
        if (target == nullptr || target->owner || p.sealedAuditSecret.empty()) {
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
        // checkShares looks the collection up in the state, which does not hold it yet.
        State with = st;
        with.collections[p.collectionId] = CollectionState{p.collectionId, p.parentId, {}, {}, 0};
        SOPVAULT_CHECK(checkShares(with, p.shares, required, {p.collectionId}));
        return AdminChange{std::move(p)};
    }
    case RecordKind::Grant:
    case RecordKind::Ungrant: {
        SOPVAULT_TRY(p, decodeGrant(rec.payload));
        if (st.user(p.userId) == nullptr || !st.collections.contains(p.collectionId)) {
            return bad("it names an unknown user or collection");
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
            return AdminChange{std::move(p)};
        }
        if (exists) {
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
                CollectionState c{p.collectionId, p.parentId, p.encryptedPath, {}, 0};
                c.commitments[0] = p.commitment;
                st.collections[p.collectionId] = std::move(c);
                st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
            } else if constexpr (std::is_same_v<T, GrantPayload>) {
                const GrantState g{p.userId, p.role, p.collectionId};
                if (rec.header.kind == RecordKind::Grant) {
                    st.grants.push_back(g);
                    st.shares.insert(st.shares.end(), p.shares.begin(), p.shares.end());
                } else {
                    std::erase(st.grants, g);
                }
            }
        },
        change);
    st.adminCount += 1;
    st.adminHead = rec.hash();
}

Result<SopVersionPayload> checkVersion(const State& st, const Record& rec)
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
    if (signer == nullptr) {
        return bad("it is signed by someone who is not a member");
    }
    SOPVAULT_CHECK(verifySignature(signer->signKey, rec));
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
                                        rec.header.time, rec.header.adminCount, p.collectionId});
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

struct PendingVersion
{
    Id rowSop{};
    std::uint64_t rowVersion = 0;
    Result<Record> record;
};

void markDamaged(ReplayResult& out, const Id& sopId, std::uint64_t version, std::string why)
{
    SopRecordState& sop = out.state.sops[sopId];
    sop.id = sopId;
    if (sop.problem.empty()) {
        sop.problem = why;
    }
    out.problems.push_back({fmt::format("SOP {} version {}", toHex(sopId), version),
                            std::move(why)});
}

void processVersion(ReplayResult& out, PendingVersion& pending)
{
    out.sopVersions += 1;
    if (!pending.record) {
        markDamaged(out, pending.rowSop, pending.rowVersion, pending.record.error().message);
        return;
    }
    const Record& rec = *pending.record;
    auto payload = checkVersion(out.state, rec);
    if (payload && (payload->sopId != pending.rowSop || rec.header.position != pending.rowVersion)) {
        payload = bad("it is stored under another SOP or version than it says");
    }
    if (!payload) {
        markDamaged(out, pending.rowSop, pending.rowVersion, payload.error().message);
        return;
    }
    applyVersion(out.state, rec, *payload);
}

} // namespace

Result<ReplayResult> replay(storage::Database& db, bool checkAuditLog)
{
    ReplayResult out;

    // SOP versions are replayed interleaved with the administration log, each at the point
    // where its signer wrote it, so its rights are checked against the log as it was then.
    SOPVAULT_TRY(versions, db.prepare("SELECT sop_id, version, body, signature FROM sop_versions"));
    std::vector<PendingVersion> pending;
    for (;;) {
        SOPVAULT_TRY(row, versions.step());
        if (!row) {
            break;
        }
        PendingVersion v{{}, static_cast<std::uint64_t>(versions.columnInt(1)),
                         decodeRecord(versions.columnBytes(2), versions.columnBytes(3))};
        const auto sopBytes = versions.columnBytes(0);
        if (sopBytes.size() == v.rowSop.size()) {
            std::copy(sopBytes.begin(), sopBytes.end(), v.rowSop.begin());
        }
        pending.push_back(std::move(v));
    }
    auto adminCountOf = [](const PendingVersion& v) {
        return v.record ? v.record->header.adminCount : 0;
    };
    std::stable_sort(pending.begin(), pending.end(), [&](const auto& a, const auto& b) {
        return std::pair(adminCountOf(a), a.rowVersion) < std::pair(adminCountOf(b), b.rowVersion);
    });
    std::size_t next = 0;
    auto versionsUpTo = [&](std::uint64_t adminCount) {
        while (next < pending.size() && adminCountOf(pending[next]) <= adminCount) {
            processVersion(out, pending[next++]);
        }
    };

    SOPVAULT_TRY(admin, db.prepare("SELECT position, record_id, body, signature FROM admin_log "
                                   "ORDER BY position"));
    std::uint64_t expected = 0;
    for (;;) {
        SOPVAULT_TRY(row, admin.step());
        if (!row) {
            break;
        }
        out.adminRecords += 1;
        if (!out.adminSound) {
            continue; // counted, not trusted: the chain is already broken before it
        }
        versionsUpTo(expected);
        const auto position = static_cast<std::uint64_t>(admin.columnInt(0));
        const std::string where = describe("administration record", position);
        auto rec = decodeRecord(admin.columnBytes(2), admin.columnBytes(3));
        Result<AdminChange> change = rec ? checkAdmin(out.state, *rec)
                                         : Result<AdminChange>(std::unexpected(rec.error()));
        if (change && position != expected) {
            change = bad("the administration log has a gap before it");
        }
        if (change && crypto::toBytes(rec->header.recordId) != admin.columnBytes(1)) {
            change = bad("it is stored under another id than it says");
        }
        if (!change) {
            out.problems.push_back({where, change.error().message});
            out.adminSound = false;
            continue;
        }
        applyAdmin(out.state, *rec, *change);
        expected += 1;
    }
    if (out.adminRecords == 0) {
        out.adminSound = false;
        out.problems.push_back({"administration log", "it is empty: the genesis record is "
                                                      "missing"});
    }
    if (!out.adminSound && out.adminRecords > out.state.adminCount + 1) {
        out.problems.push_back(
            {"administration log",
             fmt::format("{} later records were not applied because the log is broken",
                         out.adminRecords - out.state.adminCount - 1)});
    }
    versionsUpTo(out.state.adminCount);
    for (; next < pending.size(); ++next) {
        out.sopVersions += 1;
        markDamaged(out, pending[next].rowSop, pending[next].rowVersion,
                    "it refers to administration records this file does not hold");
    }

    // The audit log: unlock only needs its head to append; verify checks every entry.
    SOPVAULT_TRY(audit, db.prepare("SELECT position, body, signature FROM audit_log "
                                   "ORDER BY position"));
    crypto::Hash32 prev{};
    std::uint64_t auditExpected = 0;
    for (;;) {
        SOPVAULT_TRY(row, audit.step());
        if (!row) {
            break;
        }
        out.auditRecords += 1;
        const auto position = static_cast<std::uint64_t>(audit.columnInt(0));
        auto rec = decodeRecord(audit.columnBytes(1), audit.columnBytes(2));
        if (checkAuditLog) {
            auto ok = rec ? checkAudit(out.state, *rec, auditExpected, prev)
                          : Result<void>(std::unexpected(rec.error()));
            if (ok && position != auditExpected) {
                ok = bad("the audit log has a gap before it");
            }
            if (!ok) {
                out.problems.push_back({describe("audit entry", position), ok.error().message});
            }
        }
        auditExpected = position + 1;
        if (rec) {
            prev = rec->hash();
        }
    }
    out.state.auditCount = auditExpected;
    out.state.auditHead = prev;
    return out;
}

} // namespace sopvault::core::detail
