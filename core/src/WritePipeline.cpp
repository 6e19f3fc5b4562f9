// Building, checking, committing and applying records: a client cannot write what other
// clients' replay would reject, and memory never runs ahead of what the file committed.
#include "WritePipeline.h"

#include <fmt/format.h>

namespace sopvault::core::detail {

using crypto::Bytes;

namespace {

// How long audit entries alone (views, searches) may stay out of this machine's record.
constexpr auto kSeenLag = std::chrono::seconds(30);

std::unexpected<Error> notRecorded(const std::filesystem::path& file, const Error& why)
{
    return fail(ErrorCode::Failed,
                fmt::format("The vault was updated, but this machine's record of it ({}) could "
                            "not be written: {}. Until it is, an older copy of the vault put in "
                            "its place would not be noticed here; make that folder writable (or "
                            "free some space) and open the vault again.",
                            file.parent_path().string(), why.message));
}

// Extends a chain in memory by the record just committed at `position`.
void extendChain(std::uint64_t position, const crypto::Hash32& hash, std::uint64_t& count,
                 crypto::Hash32& head, std::vector<crypto::Hash32>& hashes)
{
    count = position + 1;
    head = hash;
    hashes.resize(position);
    hashes.push_back(head);
}

} // namespace

Result<void> requireSoundEvents(const State& state, const SopRecordState* sop)
{
    if (!state.eventLogProblem.empty()) {
        return fail(ErrorCode::Integrity,
                    fmt::format("The review and flag log failed verification ({}), so no SOP's "
                                "review status or flags can be trusted and nothing is added to "
                                "it; run 'verify' and restore the vault from a backup.",
                                state.eventLogProblem));
    }
    if (sop != nullptr && !sop->eventProblem.empty()) {
        return fail(ErrorCode::Integrity,
                    fmt::format("A review or flag record of this SOP failed verification ({}), "
                                "so its review status and flags cannot be trusted and nothing "
                                "is added to them; run 'verify' and restore the vault from a "
                                "backup.",
                                sop->eventProblem));
    }
    return {};
}

Result<void> WritePipeline::requireSound() const
{
    if (m_sound) {
        return {};
    }
    return fail(ErrorCode::Integrity,
                "The vault's administration log failed verification, so nothing may be "
                "changed; run 'verify' to see what is wrong and restore from a backup.");
}

Result<Record> WritePipeline::makeRecord(RecordKind kind, std::uint64_t position,
                                         const crypto::Hash32& prev, Bytes payload,
                                         const Id& recordId)
{
    Record rec;
    rec.header.vault = m_state.vaultId;
    rec.header.recordId = recordId;
    rec.header.kind = kind;
    rec.header.position = position;
    rec.header.prev = prev;
    rec.header.signer = m_keys.me();
    rec.header.time = m_clock->now();
    rec.header.adminCount = m_state.adminCount;
    rec.payload = std::move(payload);
    rec.body = encodeBody(rec.header, rec.payload);
    SOPVAULT_TRY(signature, crypto::sign(m_keys.signKeys().secretKey, rec.body));
    rec.signature = signature;
    return rec;
}

Result<std::optional<storage::WriteTransaction>> WritePipeline::ownTransaction()
{
    std::optional<storage::WriteTransaction> own;
    if (m_batch == nullptr) {
        SOPVAULT_TRY(tx, m_file.beginWrite());
        own.emplace(std::move(tx));
    }
    return own;
}

Result<void> WritePipeline::appendAuditInTransaction(const AuditNote& note)
{
    if (note.action.empty() || m_batch != nullptr) {
        return {}; // part of a batch (an import) that is audited as one act
    }
    // The audit head is read inside the write transaction: other people's clients append too.
    SOPVAULT_TRY(head, m_file.head(Chain::Audit));
    AuditPayload payload;
    payload.action = note.action;
    if (note.hasTarget) {
        payload.target = crypto::toBytes(note.target);
    }
    const AuditDetail& d = note.detail;
    if (!d.title.empty() || !d.ticket.empty() || !d.note.empty()) {
        SOPVAULT_TRY(sealed, crypto::sealTo(m_state.auditKey, encode(d)));
        payload.sealedDetail = std::move(sealed);
    }
    SOPVAULT_TRY(rec, makeRecord(RecordKind::AuditEvent, head.next, head.hash, encode(payload)));
    SOPVAULT_CHECK(m_file.append(Chain::Audit, rec));
    extendChain(head.next, rec.hash(), m_state.auditCount, m_state.auditHead, m_state.auditHashes);
    return {};
}

Result<void> WritePipeline::recordSeen() const
{
    // Inside a batch nothing is committed yet, and after a failed reload memory may be ahead:
    // marks must never run ahead of the file.
    if (!m_trust.attached() || m_batch != nullptr || !m_sound) {
        return {};
    }
    if (auto ok = m_trust.saveMarks(m_state); !ok) {
        return notRecorded(m_trust.marksPath(), ok.error());
    }
    m_seenBehind = false;
    m_seenSaved = std::chrono::steady_clock::now();
    return {};
}

Result<void> WritePipeline::flushSeen() const
{
    return m_seenBehind ? recordSeen() : Result<void>{};
}

Result<void> WritePipeline::audit(const AuditNote& note)
{
    SOPVAULT_CHECK(requireSound());
    SOPVAULT_TRY(tx, m_file.beginWrite());
    SOPVAULT_CHECK(appendAuditInTransaction(note));
    SOPVAULT_CHECK(tx.commit());
    // Saving the record is two more fsyncs (the file, its folder) on every view and search.
    // Left behind by a few audit entries it is still sound (marks may lag the file, never run
    // ahead of it); a crash in between loses only the detection of a cut of those entries.
    m_seenBehind = true;
    if (std::chrono::steady_clock::now() - m_seenSaved < kSeenLag) {
        return {};
    }
    return recordSeen();
}

Result<void> WritePipeline::commitAdmin(RecordKind kind, Bytes payload, const AuditNote& note,
                                        const std::function<Result<void>(VaultFile&)>& extra)
{
    SOPVAULT_CHECK(requireSound());
    SOPVAULT_TRY(rec, makeRecord(kind, m_state.adminCount, m_state.adminHead, std::move(payload)));
    // The same rules replay applies: a client cannot write what other clients would reject.
    SOPVAULT_TRY(change, checkAdmin(m_state, rec));

    SOPVAULT_TRY(own, ownTransaction());
    SOPVAULT_TRY(count, m_file.adminCount());
    if (count != m_state.adminCount) {
        return fail(ErrorCode::Busy, "Someone else changed the vault's administration since it "
                                     "was unlocked; unlock again and retry.");
    }
    SOPVAULT_CHECK(m_file.append(Chain::Admin, rec));
    if (extra) {
        SOPVAULT_CHECK(extra(m_file));
    }
    applyAdmin(m_state, rec, change);
    if (auto ok = appendAuditInTransaction(note); !ok) {
        // The in-memory state ran ahead of a write that will roll back: replay again.
        m_sound = false;
        return ok;
    }
    if (own) {
        if (auto ok = own->commit(); !ok) {
            m_sound = false;
            return fail(ok.error().code, ok.error().message + " Unlock again before retrying.");
        }
    }
    return recordSeen();
}

Result<Record> WritePipeline::sealVersion(const Id& sopId, const Id& collection,
                                          const SopContent& content, std::uint64_t version,
                                          const crypto::Hash32& prev)
{
    const crypto::SecureBuffer* collectionKey = m_keys.current(m_state, collection);
    const std::uint32_t epoch = m_state.collections.at(collection).epoch;
    const ScratchKey scratch;
    SOPVAULT_TRY(dataKey, scratch.get());
    crypto::randomBytes(dataKey->span());
    SOPVAULT_TRY(wrapped,
                 crypto::seal(*collectionKey, dataKey->span(),
                              dataKeyAd(m_state.vaultId, collection, epoch, sopId, version)));
    Bytes plain = encode(content);
    SOPVAULT_TRY(padded, crypto::pad(plain, kPadBlock));
    crypto::wipe(plain);
    auto sealed = crypto::seal(*dataKey, padded,
                               contentAd(m_state.vaultId, collection, sopId, version, prev));
    crypto::wipe(padded);
    if (!sealed) {
        return std::unexpected(sealed.error());
    }
    SopVersionPayload payload{sopId, collection, epoch, std::move(wrapped), std::move(*sealed)};
    return makeRecord(RecordKind::SopVersion, version, prev, encode(payload));
}

Result<void> WritePipeline::storeVersion(const Id& sopId, const Record& rec, const AuditNote& note,
                                         std::vector<AttachmentBlob>& blobs)
{
    const std::uint64_t version = rec.header.position;
    SOPVAULT_TRY(own, ownTransaction());
    SOPVAULT_TRY(stored, m_file.versionCount(sopId));
    if (stored != version - 1) {
        return fail(ErrorCode::Busy, "This SOP was changed by someone else since you opened it; "
                                     "reload it and apply your edit again.");
    }
    if (version > 1) {
        const VersionState& base = m_state.sops.at(sopId).versions.back();
        SOPVAULT_CHECK(m_file.verifiedVersion({sopId, base.version}, base.hash,
                                              "The SOP version this change builds on"));
    }
    for (AttachmentBlob& blob : blobs) {
        blob.sopId = sopId;
        blob.firstVersion = version;
        SOPVAULT_CHECK(m_file.putBlob(blob));
    }
    SOPVAULT_CHECK(m_file.appendVersion(sopId, rec));
    SOPVAULT_CHECK(appendAuditInTransaction(note));
    if (own) {
        SOPVAULT_CHECK(own->commit());
    }
    return {};
}

Result<std::uint64_t> WritePipeline::writeVersion(const Id& sopId, const Id& collection,
                                                  const SopContent& content, const AuditNote& note,
                                                  std::vector<AttachmentBlob> blobs)
{
    SOPVAULT_CHECK(requireSound());
    SOPVAULT_CHECK(AccessPolicy(m_state).require(m_keys.me(), Right::Edit, collection));
    if (m_keys.current(m_state, collection) == nullptr) {
        return fail(ErrorCode::Denied, "You hold no key for this collection.");
    }
    std::uint64_t version = 1;
    crypto::Hash32 prev{};
    if (auto it = m_state.sops.find(sopId);
        it != m_state.sops.end() && !it->second.versions.empty()) {
        version = it->second.versions.back().version + 1;
        prev = it->second.versions.back().hash;
    }
    SOPVAULT_TRY(rec, sealVersion(sopId, collection, content, version, prev));
    // The rules every reader applies, except re-checking the signature just made with this
    // person's own key (checked against their public key at unlock).
    SOPVAULT_TRY(checked, checkVersion(m_state, rec, SignatureCheck::Skip));
    SOPVAULT_CHECK(storeVersion(sopId, rec, note, blobs));
    applyVersion(m_state, rec, checked);
    m_trust.headsMoved();
    auto recorded = recordSeen();
    m_trust.rememberHead(sopId, m_state.sops.at(sopId).versions.back().hash, content);
    if (m_onVersion) {
        m_onVersion(sopId, content);
    }
    if (!recorded) {
        return std::unexpected(recorded.error());
    }
    return version;
}

// The new record chains to the log this session verified, never to rows it has not seen.
Result<void> WritePipeline::requireEventHead(const ChainHead& head) const
{
    if (head.next == m_state.eventCount && head.hash == m_state.eventHead) {
        return {};
    }
    return head.next > m_state.eventCount
               ? fail(ErrorCode::Busy, "Someone else added a review or flag record since "
                                       "the vault was opened; open it again and retry.")
               : fail(ErrorCode::Integrity,
                      "The review and flag log in the file is not the one verified when "
                      "the vault was opened (records were removed or changed); run "
                      "'verify'.");
}

Result<Id> WritePipeline::writeEvent(RecordKind kind, const Id& sopId, std::uint64_t version,
                                     std::uint8_t decision, const Id& flagId, std::string_view text,
                                     const AuditNote& note)
{
    SOPVAULT_CHECK(requireSound());
    const SopRecordState& sop = m_state.sops.at(sopId);
    SOPVAULT_CHECK(requireSoundEvents(m_state, &sop));
    const crypto::SecureBuffer* key = m_keys.current(m_state, sop.collection);
    if (key == nullptr) {
        return fail(ErrorCode::Denied, "You hold no key for this SOP's collection.");
    }
    EventPayload p;
    p.sopId = sopId;
    p.collectionId = sop.collection;
    p.epoch = m_state.collections.at(sop.collection).epoch;
    p.version = version;
    p.versionHash = sop.versions.at(version - 1).hash;
    p.decision = decision;
    p.flagId = flagId;

    SOPVAULT_TRY(tx, m_file.beginWrite());
    const VersionState& base = sop.versions.at(version - 1);
    SOPVAULT_CHECK(m_file.verifiedVersion({sopId, base.version}, base.hash,
                                          "The SOP version this change builds on"));
    SOPVAULT_TRY(head, m_file.head(Chain::Events));
    SOPVAULT_CHECK(requireEventHead(head));
    // The record id is part of the text's associated data, so it is chosen first.
    const Id recordId = randomId();
    SOPVAULT_TRY(sealed, crypto::seal(*key, crypto::asBytes(text),
                                      eventTextAd(m_state.vaultId, p.collectionId, p.epoch, sopId,
                                                  recordId)));
    p.encryptedText = std::move(sealed);
    SOPVAULT_TRY(rec, makeRecord(kind, head.next, head.hash, encode(p), recordId));
    SOPVAULT_TRY(checked, checkEvent(m_state, rec));
    SOPVAULT_CHECK(m_file.append(Chain::Events, rec, sopId));
    SOPVAULT_CHECK(appendAuditInTransaction(note));
    SOPVAULT_CHECK(tx.commit());
    applyEvent(m_state, rec, checked);
    extendChain(head.next, rec.hash(), m_state.eventCount, m_state.eventHead, m_state.eventHashes);
    SOPVAULT_CHECK(recordSeen());
    return recordId;
}

Result<std::optional<std::string>> WritePipeline::resign(Chain chain, const Record& old)
{
    Record rec;
    rec.header = old.header;
    switch (chain) {
    case Chain::Admin:
        rec.header.position = m_state.adminCount;
        rec.header.prev = m_state.adminHead;
        break;
    case Chain::Audit:
        rec.header.position = m_state.auditCount;
        rec.header.prev = m_state.auditHead;
        break;
    case Chain::Events:
        rec.header.position = m_state.eventCount;
        rec.header.prev = m_state.eventHead;
        break;
    }
    rec.header.adminCount = m_state.adminCount;
    rec.payload = old.payload;
    rec.body = encodeBody(rec.header, rec.payload);
    SOPVAULT_TRY(signature, crypto::sign(m_keys.signKeys().secretKey, rec.body));
    rec.signature = signature;
    const auto dropped = [&](const Error& why) -> std::optional<std::string> {
        return fmt::format("Your {} of {} was dropped: on the server's newer history {}",
                           kindName(old.header.kind), formatTime(old.header.time), why.message);
    };
    switch (chain) {
    case Chain::Admin: {
        auto change = checkAdmin(m_state, rec, SignatureCheck::Skip);
        if (!change) {
            return dropped(change.error());
        }
        SOPVAULT_CHECK(m_file.append(Chain::Admin, rec));
        applyAdmin(m_state, rec, *change);
        return std::optional<std::string>{};
    }
    case Chain::Audit: {
        if (auto ok = checkAudit(m_state, rec, rec.header.position, rec.header.prev); !ok) {
            return dropped(ok.error());
        }
        SOPVAULT_CHECK(m_file.append(Chain::Audit, rec));
        extendChain(rec.header.position, rec.hash(), m_state.auditCount, m_state.auditHead,
                    m_state.auditHashes);
        return std::optional<std::string>{};
    }
    case Chain::Events:
        break;
    }
    auto checked = checkEvent(m_state, rec);
    if (!checked) {
        return dropped(checked.error());
    }
    SOPVAULT_CHECK(m_file.append(Chain::Events, rec, checked->sopId));
    applyEvent(m_state, rec, *checked);
    extendChain(rec.header.position, rec.hash(), m_state.eventCount, m_state.eventHead,
                m_state.eventHashes);
    return std::optional<std::string>{};
}

} // namespace sopvault::core::detail
