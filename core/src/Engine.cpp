// The write paths and key handling of an unlocked vault: every act becomes a record that is
// checked by the same rules as replay, written in one transaction with its audit entry, and
// only then applied to the in-memory state.
#include "Engine.h"

#include "LocalState.h"
#include "Validation.h"

#include <fmt/format.h>

namespace sopvault::core::detail {

using crypto::Bytes;

// One secure buffer per thread for the data key of the version being read or written: a
// sodium_malloc per version (mmap, mprotect, mlock, and their undoing) cost more than the
// decryption itself. It is wiped as soon as the version is done.
class ScratchKey
{
public:
    ScratchKey()
    {
        thread_local crypto::SecureBuffer buffer;
        if (buffer.empty()) {
            if (auto b = crypto::SecureBuffer::allocate(crypto::kKeySize)) {
                buffer = std::move(*b);
            }
        }
        m_buffer = &buffer;
    }
    ~ScratchKey() { crypto::wipe(m_buffer->span()); }
    ScratchKey(const ScratchKey&) = delete;
    ScratchKey& operator=(const ScratchKey&) = delete;

    [[nodiscard]] Result<crypto::SecureBuffer*> get() const
    {
        if (m_buffer->empty()) {
            return fail(ErrorCode::Failed, "Secure memory for a key could not be allocated.");
        }
        return m_buffer;
    }

private:
    crypto::SecureBuffer* m_buffer = nullptr;
};

Result<void> Engine::requireSound() const
{
    if (adminSound) {
        return {};
    }
    return fail(ErrorCode::Integrity,
                "The vault's administration log failed verification, so nothing may be "
                "changed; run 'verify' to see what is wrong and restore from a backup.");
}

Result<Record> Engine::makeRecord(RecordKind kind, std::uint64_t position,
                                  const crypto::Hash32& prev, Bytes payload, const Id& recordId)
{
    Record rec;
    rec.header.vault = state.vaultId;
    rec.header.recordId = recordId;
    rec.header.kind = kind;
    rec.header.position = position;
    rec.header.prev = prev;
    rec.header.signer = me;
    rec.header.time = clock->now();
    rec.header.adminCount = state.adminCount;
    rec.payload = std::move(payload);
    rec.body = encodeBody(rec.header, rec.payload);
    SOPVAULT_TRY(signature, crypto::sign(signKeys.secretKey, rec.body));
    rec.signature = signature;
    return rec;
}

Result<void> Engine::appendAuditInTransaction(const AuditNote& note)
{
    if (note.action.empty() || batch != nullptr) {
        return {}; // part of a batch (an import) that is audited as one act
    }
    // The audit head is read inside the write transaction: other people's clients append too.
    SOPVAULT_TRY(head, file.head(Chain::Audit));
    const auto [position, prev] = head;
    AuditPayload payload;
    payload.action = note.action;
    if (note.hasTarget) {
        payload.target = crypto::toBytes(note.target);
    }
    const AuditDetail& d = note.detail;
    if (!d.title.empty() || !d.ticket.empty() || !d.note.empty()) {
        SOPVAULT_TRY(sealed, crypto::sealTo(state.auditKey, encode(d)));
        payload.sealedDetail = std::move(sealed);
    }
    SOPVAULT_TRY(rec, makeRecord(RecordKind::AuditEvent, position, prev, encode(payload)));
    SOPVAULT_CHECK(file.append(Chain::Audit, rec));
    state.auditCount = position + 1;
    state.auditHead = rec.hash();
    state.auditHashes.resize(position);
    state.auditHashes.push_back(state.auditHead);
    return {};
}

namespace {

std::unexpected<Error> notRecorded(const std::filesystem::path& file, const Error& why)
{
    return fail(ErrorCode::Failed,
                fmt::format("The vault was updated, but this machine's record of it ({}) could "
                            "not be written: {}. Until it is, an older copy of the vault put in "
                            "its place would not be noticed here; make that folder writable (or "
                            "free some space) and open the vault again.",
                            file.parent_path().string(), why.message));
}

} // namespace

Result<void> Engine::saveLocalState() const
{
    // Inside a batch nothing is committed yet, and after a failed reload memory may be ahead:
    // marks must never run ahead of the file.
    if (!stateKey || batch != nullptr || !adminSound) {
        return {};
    }
    if (auto ok = saveMarks(statePath, *stateKey, state, headsGeneration, savedHeads); !ok) {
        return notRecorded(statePath, ok.error());
    }
    return {};
}

Result<void> Engine::saveCache() const
{
    if (!cacheKey || !cacheBehind || batch != nullptr || !adminSound) {
        return {};
    }
    // List lines only of what this person may still view (not of what they lost since).
    HeadSummaries viewable;
    for (const auto& [id, line] : heads) {
        auto sop = state.sops.find(id);
        if (sop != state.sops.end() && policy().allows(me, Right::View, sop->second.collection)) {
            viewable.emplace(id, line);
        }
    }
    if (auto ok = detail::saveCache(cachePath, *cacheKey, cacheOf(state, viewable)); !ok) {
        return fail(ErrorCode::Failed,
                    fmt::format("The vault is unlocked, but this machine's verified cache of it "
                                "({}) could not be written: {}. Every later unlock will check the "
                                "whole vault again; make that folder writable or free some space.",
                                cachePath.parent_path().string(), ok.error().message));
    }
    cacheBehind = false;
    return {};
}

Result<SopContent> Engine::headLine(const Id& sopId, const SopRecordState& sop) const
{
    if (!sop.problem.empty() || sop.versions.empty()) {
        return fail(ErrorCode::Integrity, sop.problem);
    }
    const crypto::Hash32& hash = sop.versions.back().hash;
    if (auto known = heads.find(sopId); known != heads.end() && known->second.first == hash) {
        return known->second.second;
    }
    SOPVAULT_TRY(content, readContent(sopId, sop.versions.back().version));
    rememberHead(sopId, hash, content);
    return heads.at(sopId).second;
}

void Engine::rememberHead(const Id& sopId, const crypto::Hash32& hash, SopContent content) const
{
    crypto::wipe(content.body);
    content.body.clear();
    content.body.shrink_to_fit();
    content.message.clear();
    heads[sopId] = {hash, std::move(content)};
    cacheBehind = true;
}

Result<void> Engine::audit(const AuditNote& note)
{
    SOPVAULT_CHECK(requireSound());
    SOPVAULT_TRY(tx, file.beginWrite());
    SOPVAULT_CHECK(appendAuditInTransaction(note));
    SOPVAULT_CHECK(tx.commit());
    return saveLocalState();
}

Result<void> Engine::commitAdmin(RecordKind kind, Bytes payload, const AuditNote& note,
                                 const std::function<Result<void>(VaultFile&)>& extra)
{
    SOPVAULT_CHECK(requireSound());
    SOPVAULT_TRY(rec, makeRecord(kind, state.adminCount, state.adminHead, std::move(payload)));
    // The same rules replay applies: a client cannot write what other clients would reject.
    SOPVAULT_TRY(change, checkAdmin(state, rec));

    std::optional<storage::WriteTransaction> own;
    if (batch == nullptr) {
        SOPVAULT_TRY(tx, file.beginWrite());
        own.emplace(std::move(tx));
    }
    SOPVAULT_TRY(count, file.adminCount());
    if (count != state.adminCount) {
        return fail(ErrorCode::Busy, "Someone else changed the vault's administration since it "
                                     "was unlocked; unlock again and retry.");
    }
    SOPVAULT_CHECK(file.append(Chain::Admin, rec));
    if (extra) {
        SOPVAULT_CHECK(extra(file));
    }
    applyAdmin(state, rec, change);
    if (auto ok = appendAuditInTransaction(note); !ok) {
        // The in-memory state ran ahead of a write that will roll back: replay again.
        adminSound = false;
        return ok;
    }
    if (own) {
        if (auto ok = own->commit(); !ok) {
            adminSound = false;
            return fail(ok.error().code, ok.error().message + " Unlock again before retrying.");
        }
    }
    return saveLocalState();
}

const crypto::SecureBuffer* Engine::keyFor(const Id& collection) const
{
    auto c = state.collections.find(collection);
    if (c == state.collections.end()) {
        return nullptr;
    }
    auto k = keys.find({collection, c->second.epoch});
    return k == keys.end() ? nullptr : &k->second;
}

std::string Engine::pathOf(const Id& collection) const
{
    auto it = paths.find(collection);
    return it == paths.end() ? std::string("(hidden collection)") : it->second;
}

Result<Id> Engine::collectionByPath(std::string_view path) const
{
    SOPVAULT_TRY(normal, normalisePath(path));
    for (const auto& [id, p] : paths) {
        if (p == normal) {
            return id;
        }
    }
    return fail(ErrorCode::NotFound,
                fmt::format("There is no collection '{}' that you can see; 'collection list' "
                            "shows them.",
                            path));
}

std::string Engine::userName(const Id& id) const
{
    const UserState* u = state.user(id);
    return u == nullptr ? toHex(id) : u->name;
}

void Engine::openKeys()
{
    auto commitmentMatches = [&](const Id& collection, std::uint32_t epoch,
                                 const crypto::SecureBuffer& key) {
        auto c = state.collections.find(collection);
        if (c == state.collections.end() || !c->second.commitments.contains(epoch)) {
            return false;
        }
        auto commitment = keyCommitment(key, state.vaultId, collection, epoch);
        return commitment &&
               crypto::constantTimeEqual(*commitment, c->second.commitments.at(epoch));
    };
    for (const KeyShare& share : state.shares) {
        if (share.recipient != me) {
            continue;
        }
        const std::string where =
            fmt::format("key of collection {} (epoch {})", toHex(share.collection), share.epoch);
        auto key = crypto::openSealed(boxKeys, share.sealedKey);
        if (!key) {
            problems.push_back({where, "it cannot be opened with your key"});
            continue;
        }
        if (!commitmentMatches(share.collection, share.epoch, *key)) {
            problems.push_back({where, "it does not match the collection's key commitment "
                                       "(an injected or substituted key); it was rejected"});
            continue;
        }
        keys.insert_or_assign({share.collection, share.epoch}, std::move(*key));
    }
    // Older epochs: each epoch's key carries the one before it.
    for (const auto& [id, c] : state.collections) {
        for (std::uint32_t epoch = c.epoch; epoch > 0; --epoch) {
            auto newer = keys.find({id, epoch});
            auto previous = c.previousKeys.find(epoch);
            if (newer == keys.end() || previous == c.previousKeys.end() ||
                keys.contains({id, epoch - 1})) {
                continue;
            }
            auto key = crypto::openSecret(newer->second, previous->second,
                                          previousKeyAd(state.vaultId, id, epoch));
            if (!key || !commitmentMatches(id, epoch - 1, *key)) {
                problems.push_back(
                    {fmt::format("key of collection {} (epoch {})", toHex(id), epoch - 1),
                     "the previous key carried by the newer epoch is damaged"});
                continue;
            }
            keys.insert_or_assign({id, epoch - 1}, std::move(*key));
        }
    }
    if (auto sealed = state.sealedAuditSecrets.find(me); sealed != state.sealedAuditSecrets.end()) {
        auto secret = crypto::openSealed(boxKeys, sealed->second);
        auto pub = secret ? crypto::boxPublicKeyOf(*secret) : Result<crypto::BoxPublicKey>{};
        if (secret && pub && *pub == state.auditKey) {
            auditSecret = std::move(*secret);
        } else {
            problems.push_back({"audit key", "your copy of the audit key cannot be opened or does "
                                             "not match the vault's"});
        }
    }
    for (const auto& [id, c] : state.collections) {
        // Names are encrypted under the collection's first key, reached through the chain.
        auto first = keys.find({id, 0U});
        if (first == keys.end()) {
            continue;
        }
        auto path =
            crypto::open(first->second, c.encryptedPath, collectionPathAd(state.vaultId, id));
        if (!path) {
            problems.push_back({fmt::format("collection {}", toHex(id)),
                                "its name cannot be decrypted: " + path.error().message});
            continue;
        }
        paths[id] = std::string(crypto::asText(*path));
    }
    // A child's path must extend its parent's: a renamed or moved name is tampering.
    for (const auto& [id, path] : paths) {
        const Id parent = state.collections.at(id).parent;
        auto p = paths.find(parent);
        if (p != paths.end() && path.rfind(p->second + "/", 0) != 0) {
            problems.push_back({fmt::format("collection {}", toHex(id)),
                                "its name does not lie under its parent's"});
        }
    }
}

Result<void> Engine::reload()
{
    auto result = replay(file);
    if (!result) {
        // Memory may still hold what was rolled back: refuse writes, save no marks or cache.
        adminSound = false;
        return std::unexpected(result.error());
    }
    ReplayResult replayed = std::move(*result);
    state = std::move(replayed.state);
    headsGeneration += 1;
    adminSound = replayed.adminSound;
    problems.clear();
    for (auto& p : replayed.problems) {
        problems.push_back({std::move(p.record), std::move(p.problem)});
    }
    paths.clear();
    openKeys();
    searchIndex.reset();
    return {};
}

Result<Rotation> Engine::rotate(const Id& collection, const Id& revoked)
{
    const crypto::SecureBuffer* current = keyFor(collection);
    if (current == nullptr) {
        return fail(
            ErrorCode::Denied,
            fmt::format("You hold no key for {}, so you cannot rotate it.", pathOf(collection)));
    }
    Rotation r;
    r.collectionId = collection;
    r.epoch = state.collections.at(collection).epoch + 1;
    SOPVAULT_TRY(key, crypto::randomKey());
    SOPVAULT_TRY(commitment, keyCommitment(key, state.vaultId, collection, r.epoch));
    r.commitment = std::move(commitment);
    SOPVAULT_TRY(previous, crypto::seal(key, current->span(),
                                        previousKeyAd(state.vaultId, collection, r.epoch)));
    r.previousKey = std::move(previous);
    bool mine = false;
    for (const Id& u : rotationRecipients(state, collection, revoked)) {
        SOPVAULT_TRY(sealed, crypto::sealTo(state.users.at(u).boxKey, key.span()));
        r.shares.push_back({collection, r.epoch, u, std::move(sealed)});
        mine = mine || u == me;
    }
    if (mine) {
        // Kept aside until the record commits (keepRotatedKeys).
        pendingKeys.insert_or_assign({collection, r.epoch}, std::move(key));
    }
    return r;
}

void Engine::keepRotatedKeys(const std::vector<Rotation>& rotations)
{
    for (const Rotation& r : rotations) {
        auto k = pendingKeys.find({r.collectionId, r.epoch});
        if (k != pendingKeys.end()) {
            keys.insert_or_assign(k->first, std::move(k->second));
        }
    }
    pendingKeys.clear();
}

RevocationMarks Engine::marksNow(const std::set<Id>* collections) const
{
    RevocationMarks m;
    for (const auto& [id, sop] : state.sops) {
        if (collections == nullptr || collections->contains(sop.collection)) {
            m.heads.emplace_back(id, sop.versions.size());
        }
    }
    m.eventCount = state.eventCount;
    m.auditCount = state.auditCount;
    return m;
}

Result<const SopRecordState*> Engine::viewableSop(const Id& sopId) const
{
    auto it = state.sops.find(sopId);
    // A SOP damaged before any version could say where it belongs is shown to owners.
    const bool ownerSeesUnplaced =
        it != state.sops.end() && isZero(it->second.collection) && policy().isOwner(me);
    if (it == state.sops.end() ||
        (!ownerSeesUnplaced && !policy().allows(me, Right::View, it->second.collection))) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no SOP {} that you can see.", toHex(sopId)));
    }
    if (!it->second.problem.empty()) {
        return fail(ErrorCode::Integrity,
                    fmt::format("SOP {} failed verification ({}); run 'verify' and restore "
                                "from a backup.",
                                toHex(sopId), it->second.problem));
    }
    return &it->second;
}

Result<Record> readVerified(const std::optional<StoredRecord>& stored,
                            const crypto::Hash32& verified, std::string_view what)
{
    if (!stored) {
        return fail(ErrorCode::Integrity, fmt::format("{} disappeared from the file after it was "
                                                      "verified; run 'verify'.",
                                                      what));
    }
    SOPVAULT_TRY(rec, decodeRecord(stored->body, stored->signature));
    // The row must be the very record replay verified, not one swapped in since.
    if (rec.hash() != verified) {
        return fail(ErrorCode::Integrity, fmt::format("{} changed in the file after it was "
                                                      "verified; run 'verify'.",
                                                      what));
    }
    return rec;
}

Result<Record> Engine::readVersion(const Id& sopId, const VersionState& v,
                                   std::string_view what) const
{
    SOPVAULT_TRY(stored, file.version({sopId, v.version}));
    return readVerified(stored, v.hash, what);
}

Result<SopContent> Engine::readContent(const Id& sopId, std::uint64_t version) const
{
    SOPVAULT_TRY(sop, viewableSop(sopId));
    if (version == 0 || version > sop->versions.size()) {
        return fail(ErrorCode::NotFound, fmt::format("SOP {} has no version {} (it has {}).",
                                                     toHex(sopId), version, sop->versions.size()));
    }
    SOPVAULT_TRY(rec, readVersion(sopId, sop->versions[version - 1], "A SOP version"));
    SOPVAULT_TRY(payload, decodeSopVersion(rec.payload));
    if (!state.collections.contains(payload.collectionId)) {
        return fail(ErrorCode::Denied, "You hold no key for this SOP's collection.");
    }
    return openVersion(rec, payload);
}

Result<SopContent> Engine::openVersion(const Record& rec, const SopVersionPayload& payload) const
{
    const Id& sopId = payload.sopId;
    const std::uint64_t version = rec.header.position;
    auto key = keys.find({payload.collectionId, payload.epoch});
    if (key == keys.end()) {
        return fail(ErrorCode::Denied, "You hold no key for this SOP's collection.");
    }
    const ScratchKey scratch;
    SOPVAULT_TRY(dataKey, scratch.get());
    SOPVAULT_CHECK(crypto::openSecretInto(
        key->second, payload.wrappedKey,
        dataKeyAd(state.vaultId, payload.collectionId, payload.epoch, sopId, version), *dataKey));
    SOPVAULT_TRY(padded, crypto::open(*dataKey, payload.ciphertext,
                                      contentAd(state.vaultId, payload.collectionId, sopId, version,
                                                rec.header.prev)));
    SOPVAULT_TRY(size, crypto::unpaddedSize(padded, kPadBlock));
    auto content = decodeSopContent(crypto::ByteView(padded).first(size));
    crypto::wipe(padded);
    return content;
}

Result<std::uint64_t> Engine::writeVersion(const Id& sopId, const Id& collection,
                                           const SopContent& content, const AuditNote& note)
{
    SOPVAULT_CHECK(requireSound());
    SOPVAULT_CHECK(policy().require(me, Right::Edit, collection));
    const crypto::SecureBuffer* collectionKey = keyFor(collection);
    if (collectionKey == nullptr) {
        return fail(ErrorCode::Denied, "You hold no key for this collection.");
    }
    const std::uint32_t epoch = state.collections.at(collection).epoch;
    std::uint64_t version = 1;
    crypto::Hash32 prev{};
    if (auto it = state.sops.find(sopId); it != state.sops.end() && !it->second.versions.empty()) {
        version = it->second.versions.back().version + 1;
        prev = it->second.versions.back().hash;
    }
    const ScratchKey scratch;
    SOPVAULT_TRY(dataKey, scratch.get());
    crypto::randomBytes(dataKey->span());
    SOPVAULT_TRY(wrapped,
                 crypto::seal(*collectionKey, dataKey->span(),
                              dataKeyAd(state.vaultId, collection, epoch, sopId, version)));
    Bytes plain = encode(content);
    SOPVAULT_TRY(padded, crypto::pad(plain, kPadBlock));
    crypto::wipe(plain);
    auto sealed =
        crypto::seal(*dataKey, padded, contentAd(state.vaultId, collection, sopId, version, prev));
    crypto::wipe(padded);
    if (!sealed) {
        return std::unexpected(sealed.error());
    }
    SopVersionPayload payload{sopId, collection, epoch, std::move(wrapped), std::move(*sealed)};
    SOPVAULT_TRY(rec, makeRecord(RecordKind::SopVersion, version, prev, encode(payload)));
    // The rules every reader applies, except re-checking the signature just made with this
    // person's own key (checked against their public key at unlock).
    SOPVAULT_TRY(checked, checkVersion(state, rec, SignatureCheck::Skip));

    std::optional<storage::WriteTransaction> own;
    if (batch == nullptr) {
        SOPVAULT_TRY(tx, file.beginWrite());
        own.emplace(std::move(tx));
    }
    SOPVAULT_TRY(stored, file.versionCount(sopId));
    if (stored != version - 1) {
        return fail(ErrorCode::Busy, "This SOP was changed by someone else since you opened it; "
                                     "reload it and apply your edit again.");
    }
    if (version > 1) {
        SOPVAULT_CHECK(readVersion(sopId, state.sops.at(sopId).versions.back(),
                                   "The SOP version this change builds on"));
    }
    SOPVAULT_CHECK(file.appendVersion(sopId, rec));
    SOPVAULT_CHECK(appendAuditInTransaction(note));
    if (own) {
        SOPVAULT_CHECK(own->commit());
    }
    applyVersion(state, rec, checked);
    headsGeneration += 1;
    auto recorded = saveLocalState();
    rememberHead(sopId, state.sops.at(sopId).versions.back().hash, content);
    if (searchIndex && !searchIndex->put(sopId, content)) {
        searchIndex.reset(); // rebuilt on the next search rather than answering stale
    }
    if (!recorded) {
        return std::unexpected(recorded.error());
    }
    return version;
}

} // namespace sopvault::core::detail
