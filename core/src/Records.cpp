// Canonical encodings of records, payloads, associated data and key commitments.
#include "Records.h"

#include <cstring>

namespace sopvault::core::detail {

using crypto::Bytes;
using crypto::ByteView;
using crypto::CanonicalReader;
using crypto::CanonicalWriter;

namespace {

Result<Bytes> readBytes(CanonicalReader& r)
{
    SOPVAULT_TRY(raw, r.bytes());
    return crypto::toBytes(raw);
}

// Lists carry their count first; a count larger than what remains is caught by the reader.
constexpr std::uint32_t kMaxListItems = 1U << 20;

void writeShares(CanonicalWriter& w, const std::vector<KeyShare>& shares)
{
    w.u32(static_cast<std::uint32_t>(shares.size()));
    for (const KeyShare& s : shares) {
        w.bytes(s.collection).u32(s.epoch).bytes(s.recipient).bytes(s.sealedKey);
    }
}

Result<std::vector<KeyShare>> readShares(CanonicalReader& r)
{
    SOPVAULT_TRY(count, r.u32());
    if (count > kMaxListItems) {
        return fail(ErrorCode::Integrity, "Malformed record: too many key shares.");
    }
    std::vector<KeyShare> out;
    for (std::uint32_t i = 0; i < count; ++i) {
        KeyShare s;
        SOPVAULT_TRY(collection, r.array<Id>());
        SOPVAULT_TRY(epoch, r.u32());
        SOPVAULT_TRY(recipient, r.array<Id>());
        SOPVAULT_TRY(sealed, readBytes(r));
        s.collection = collection;
        s.epoch = epoch;
        s.recipient = recipient;
        s.sealedKey = std::move(sealed);
        out.push_back(std::move(s));
    }
    return out;
}

void writeRotations(CanonicalWriter& w, const std::vector<Rotation>& rotations)
{
    w.u32(static_cast<std::uint32_t>(rotations.size()));
    for (const Rotation& r : rotations) {
        w.bytes(r.collectionId).u32(r.epoch).bytes(r.commitment).bytes(r.previousKey);
        writeShares(w, r.shares);
    }
}

Result<std::vector<Rotation>> readRotations(CanonicalReader& r)
{
    SOPVAULT_TRY(count, r.u32());
    if (count > kMaxListItems) {
        return fail(ErrorCode::Integrity, "Malformed record: too many key rotations.");
    }
    std::vector<Rotation> out;
    for (std::uint32_t i = 0; i < count; ++i) {
        Rotation rot;
        SOPVAULT_TRY(collection, r.array<Id>());
        SOPVAULT_TRY(epoch, r.u32());
        SOPVAULT_TRY(commitment, readBytes(r));
        SOPVAULT_TRY(previous, readBytes(r));
        SOPVAULT_TRY(shares, readShares(r));
        rot.collectionId = collection;
        rot.epoch = epoch;
        rot.commitment = std::move(commitment);
        rot.previousKey = std::move(previous);
        rot.shares = std::move(shares);
        out.push_back(std::move(rot));
    }
    return out;
}

void writeMarks(CanonicalWriter& w, const RevocationMarks& m)
{
    w.u32(static_cast<std::uint32_t>(m.heads.size()));
    for (const auto& [sop, versions] : m.heads) {
        w.bytes(sop).u64(versions);
    }
    w.u64(m.eventCount).u64(m.auditCount);
}

Result<RevocationMarks> readMarks(CanonicalReader& r)
{
    RevocationMarks m;
    SOPVAULT_TRY(count, r.u32());
    if (count > kMaxListItems) {
        return fail(ErrorCode::Integrity, "Malformed record: too many SOP heads.");
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        SOPVAULT_TRY(sop, r.array<Id>());
        SOPVAULT_TRY(versions, r.u64());
        m.heads.emplace_back(sop, versions);
    }
    SOPVAULT_TRY(events, r.u64());
    SOPVAULT_TRY(audit, r.u64());
    m.eventCount = events;
    m.auditCount = audit;
    return m;
}

template <typename T>
Result<T> finished(CanonicalReader& r, T value)
{
    SOPVAULT_CHECK(r.finish());
    return value;
}

} // namespace

std::string_view kindName(RecordKind kind)
{
    switch (kind) {
    case RecordKind::Genesis:
        return "genesis";
    case RecordKind::UserAdded:
        return "user added";
    case RecordKind::OwnerAdded:
        return "owner added";
    case RecordKind::RoleDefined:
        return "role defined";
    case RecordKind::RoleRemoved:
        return "role removed";
    case RecordKind::CollectionAdded:
        return "collection added";
    case RecordKind::Grant:
        return "grant";
    case RecordKind::Ungrant:
        return "ungrant";
    case RecordKind::Setting:
        return "setting";
    case RecordKind::UserRemoved:
        return "user removed";
    case RecordKind::SopVersion:
        return "SOP version";
    case RecordKind::Signoff:
        return "review sign-off";
    case RecordKind::Flag:
        return "flag";
    case RecordKind::FlagResolved:
        return "flag resolution";
    case RecordKind::AuditEvent:
        return "audit event";
    }
    return "unknown";
}

bool isAdminKind(RecordKind kind)
{
    const auto k = static_cast<std::uint32_t>(kind);
    return k >= 1 && k <= 10;
}

bool isEventKind(RecordKind kind)
{
    return kind == RecordKind::Signoff || kind == RecordKind::Flag ||
           kind == RecordKind::FlagResolved;
}

crypto::Hash32 Record::hash() const
{
    return entryHash(body, signature);
}

Bytes encodeBody(const RecordHeader& h, ByteView payload)
{
    CanonicalWriter w("sopvault/record");
    w.u32(h.format)
        .bytes(h.vault)
        .bytes(h.recordId)
        .u32(static_cast<std::uint32_t>(h.kind))
        .u64(h.position)
        .bytes(h.prev)
        .bytes(h.signer)
        .i64(h.time)
        .u64(h.adminCount)
        .bytes(payload);
    return std::move(w).take();
}

namespace {

// Reads the header fields; `payload` is set to a view of the payload inside `body`.
Result<RecordHeader> parseHeader(ByteView body, ByteView& payload)
{
    RecordHeader h;
    SOPVAULT_TRY(r, CanonicalReader::open(body, "sopvault/record"));
    SOPVAULT_TRY(format, r.u32());
    if (format != kFormatVersion) {
        return fail(ErrorCode::Integrity,
                    "A record has an unknown format version; it was changed or written by an "
                    "unknown program.");
    }
    h.format = format;
    SOPVAULT_TRY(vault, r.array<Id>());
    SOPVAULT_TRY(recordId, r.array<Id>());
    SOPVAULT_TRY(kind, r.u32());
    SOPVAULT_TRY(position, r.u64());
    SOPVAULT_TRY(prev, r.array<crypto::Hash32>());
    SOPVAULT_TRY(signer, r.array<Id>());
    SOPVAULT_TRY(time, r.i64());
    SOPVAULT_TRY(adminCount, r.u64());
    SOPVAULT_TRY(view, r.bytes());
    SOPVAULT_CHECK(r.finish());
    const bool knownKind = isAdminKind(static_cast<RecordKind>(kind)) ||
                           kind == static_cast<std::uint32_t>(RecordKind::SopVersion) ||
                           kind == static_cast<std::uint32_t>(RecordKind::AuditEvent) ||
                           isEventKind(static_cast<RecordKind>(kind));
    if (!knownKind) {
        return fail(ErrorCode::Integrity, "A record is of an unknown kind.");
    }
    h.vault = vault;
    h.recordId = recordId;
    h.kind = static_cast<RecordKind>(kind);
    h.position = position;
    h.prev = prev;
    h.signer = signer;
    h.time = time;
    h.adminCount = adminCount;
    payload = view;
    return h;
}

} // namespace

Result<RecordHeader> decodeHeader(ByteView body)
{
    ByteView payload;
    return parseHeader(body, payload);
}

Result<Record> decodeRecord(ByteView body, ByteView signature)
{
    Record rec;
    if (signature.size() != rec.signature.size()) {
        return fail(ErrorCode::Integrity, "A record's signature has the wrong size.");
    }
    std::memcpy(rec.signature.data(), signature.data(), rec.signature.size());
    ByteView payload;
    SOPVAULT_TRY(header, parseHeader(body, payload));
    rec.header = header;
    rec.payload = crypto::toBytes(payload);
    rec.body = crypto::toBytes(body);
    return rec;
}

crypto::Hash32 entryHash(ByteView body, const crypto::Signature& signature)
{
    CanonicalWriter w("sopvault/entry");
    w.bytes(body).bytes(signature);
    return crypto::hash32(w.data());
}

// --- payloads ---

Bytes encode(const GenesisPayload& p)
{
    CanonicalWriter w("sopvault/genesis");
    w.bytes(p.userId)
        .text(p.name)
        .bytes(p.signKey)
        .bytes(p.boxKey)
        .bytes(p.auditKey)
        .bytes(p.sealedAuditSecret)
        .bytes(p.recoveryKey)
        .bytes(p.recoveryWrap);
    return std::move(w).take();
}

Result<GenesisPayload> decodeGenesis(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/genesis"));
    GenesisPayload p;
    SOPVAULT_TRY(userId, r.array<Id>());
    SOPVAULT_TRY(name, r.text());
    SOPVAULT_TRY(signKey, r.array<crypto::SignPublicKey>());
    SOPVAULT_TRY(boxKey, r.array<crypto::BoxPublicKey>());
    SOPVAULT_TRY(auditKey, r.array<crypto::BoxPublicKey>());
    SOPVAULT_TRY(sealed, readBytes(r));
    SOPVAULT_TRY(recoveryKey, r.array<crypto::BoxPublicKey>());
    SOPVAULT_TRY(recoveryWrap, readBytes(r));
    p.userId = userId;
    p.name = std::move(name);
    p.signKey = signKey;
    p.boxKey = boxKey;
    p.auditKey = auditKey;
    p.sealedAuditSecret = std::move(sealed);
    p.recoveryKey = recoveryKey;
    p.recoveryWrap = std::move(recoveryWrap);
    return finished(r, std::move(p));
}

Bytes encode(const UserAddedPayload& p)
{
    CanonicalWriter w("sopvault/user-added");
    w.bytes(p.userId).text(p.name).bytes(p.signKey).bytes(p.boxKey);
    return std::move(w).take();
}

Result<UserAddedPayload> decodeUserAdded(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/user-added"));
    UserAddedPayload p;
    SOPVAULT_TRY(userId, r.array<Id>());
    SOPVAULT_TRY(name, r.text());
    SOPVAULT_TRY(signKey, r.array<crypto::SignPublicKey>());
    SOPVAULT_TRY(boxKey, r.array<crypto::BoxPublicKey>());
    p.userId = userId;
    p.name = std::move(name);
    p.signKey = signKey;
    p.boxKey = boxKey;
    return finished(r, std::move(p));
}

Bytes encode(const OwnerAddedPayload& p)
{
    CanonicalWriter w("sopvault/owner-added");
    w.bytes(p.userId).bytes(p.sealedAuditSecret);
    writeShares(w, p.shares);
    return std::move(w).take();
}

Result<OwnerAddedPayload> decodeOwnerAdded(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/owner-added"));
    OwnerAddedPayload p;
    SOPVAULT_TRY(userId, r.array<Id>());
    SOPVAULT_TRY(sealed, readBytes(r));
    SOPVAULT_TRY(shares, readShares(r));
    p.userId = userId;
    p.sealedAuditSecret = std::move(sealed);
    p.shares = std::move(shares);
    return finished(r, std::move(p));
}

Bytes encode(const RolePayload& p)
{
    CanonicalWriter w("sopvault/role");
    w.text(p.name).u32(p.rights.bits());
    return std::move(w).take();
}

Result<RolePayload> decodeRole(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/role"));
    RolePayload p;
    SOPVAULT_TRY(name, r.text());
    SOPVAULT_TRY(bits, r.u32());
    // Rights(bits) keeps known bits only: a role with others would mean less than it says.
    if (Rights(bits).bits() != bits) {
        return fail(ErrorCode::Integrity, "Malformed record: a role with rights this version of "
                                          "SOP Vault does not know.");
    }
    p.name = std::move(name);
    p.rights = Rights(bits);
    return finished(r, std::move(p));
}

Bytes encode(const CollectionAddedPayload& p)
{
    CanonicalWriter w("sopvault/collection-added");
    w.bytes(p.collectionId).bytes(p.parentId).bytes(p.encryptedPath).bytes(p.commitment);
    writeShares(w, p.shares);
    return std::move(w).take();
}

Result<CollectionAddedPayload> decodeCollectionAdded(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/collection-added"));
    CollectionAddedPayload p;
    SOPVAULT_TRY(collectionId, r.array<Id>());
    SOPVAULT_TRY(parentId, r.array<Id>());
    SOPVAULT_TRY(path, readBytes(r));
    SOPVAULT_TRY(commitment, readBytes(r));
    SOPVAULT_TRY(shares, readShares(r));
    p.collectionId = collectionId;
    p.parentId = parentId;
    p.encryptedPath = std::move(path);
    p.commitment = std::move(commitment);
    p.shares = std::move(shares);
    return finished(r, std::move(p));
}

Bytes encode(const GrantPayload& p)
{
    CanonicalWriter w("sopvault/grant");
    w.bytes(p.userId).text(p.role).bytes(p.collectionId);
    writeShares(w, p.shares);
    writeRotations(w, p.rotations);
    writeMarks(w, p.marks);
    return std::move(w).take();
}

Bytes encode(const UserRemovedPayload& p)
{
    CanonicalWriter w("sopvault/user-removed");
    w.bytes(p.userId);
    writeRotations(w, p.rotations);
    writeMarks(w, p.marks);
    return std::move(w).take();
}

Result<UserRemovedPayload> decodeUserRemoved(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/user-removed"));
    UserRemovedPayload p;
    SOPVAULT_TRY(userId, r.array<Id>());
    SOPVAULT_TRY(rotations, readRotations(r));
    SOPVAULT_TRY(marks, readMarks(r));
    p.userId = userId;
    p.rotations = std::move(rotations);
    p.marks = std::move(marks);
    return finished(r, std::move(p));
}

Result<GrantPayload> decodeGrant(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/grant"));
    GrantPayload p;
    SOPVAULT_TRY(userId, r.array<Id>());
    SOPVAULT_TRY(role, r.text());
    SOPVAULT_TRY(collectionId, r.array<Id>());
    SOPVAULT_TRY(shares, readShares(r));
    SOPVAULT_TRY(rotations, readRotations(r));
    SOPVAULT_TRY(marks, readMarks(r));
    p.userId = userId;
    p.role = std::move(role);
    p.collectionId = collectionId;
    p.shares = std::move(shares);
    p.rotations = std::move(rotations);
    p.marks = std::move(marks);
    return finished(r, std::move(p));
}

Bytes encode(const SopVersionPayload& p)
{
    CanonicalWriter w("sopvault/sop-version");
    w.bytes(p.sopId).bytes(p.collectionId).u32(p.epoch).bytes(p.wrappedKey).bytes(p.ciphertext);
    return std::move(w).take();
}

Result<SopVersionPayload> decodeSopVersion(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/sop-version"));
    SopVersionPayload p;
    SOPVAULT_TRY(sopId, r.array<Id>());
    SOPVAULT_TRY(collectionId, r.array<Id>());
    SOPVAULT_TRY(epoch, r.u32());
    SOPVAULT_TRY(wrapped, readBytes(r));
    SOPVAULT_TRY(ciphertext, readBytes(r));
    p.sopId = sopId;
    p.collectionId = collectionId;
    p.epoch = epoch;
    p.wrappedKey = std::move(wrapped);
    p.ciphertext = std::move(ciphertext);
    return finished(r, std::move(p));
}

Bytes encode(const SopContent& p)
{
    CanonicalWriter w("sopvault/sop-content");
    w.text(p.title).text(p.body).u32(static_cast<std::uint32_t>(p.tags.size()));
    for (const auto& tag : p.tags) {
        w.text(tag);
    }
    w.u8(static_cast<std::uint8_t>(p.state))
        .u32(p.reviewEveryDays)
        .text(p.reviewer)
        .text(p.message);
    return std::move(w).take();
}

Result<SopContent> decodeSopContent(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/sop-content"));
    SopContent p;
    SOPVAULT_TRY(title, r.text());
    SOPVAULT_TRY(body, r.text());
    SOPVAULT_TRY(count, r.u32());
    if (count > kMaxListItems) {
        return fail(ErrorCode::Integrity, "Malformed SOP: too many tags.");
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        SOPVAULT_TRY(tag, r.text());
        p.tags.push_back(std::move(tag));
    }
    SOPVAULT_TRY(state, r.u8());
    if (state > static_cast<std::uint8_t>(SopState::Archived)) {
        return fail(ErrorCode::Integrity, "Malformed SOP: unknown state.");
    }
    SOPVAULT_TRY(every, r.u32());
    SOPVAULT_TRY(reviewer, r.text());
    SOPVAULT_TRY(message, r.text());
    p.title = std::move(title);
    p.body = std::move(body);
    p.state = static_cast<SopState>(state);
    p.reviewEveryDays = every;
    p.reviewer = std::move(reviewer);
    p.message = std::move(message);
    return finished(r, std::move(p));
}

Bytes encode(const AuditPayload& p)
{
    CanonicalWriter w("sopvault/audit");
    w.text(p.action).bytes(p.target).bytes(p.sealedDetail);
    return std::move(w).take();
}

Result<AuditPayload> decodeAudit(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/audit"));
    AuditPayload p;
    SOPVAULT_TRY(action, r.text());
    SOPVAULT_TRY(target, readBytes(r));
    SOPVAULT_TRY(detail, readBytes(r));
    p.action = std::move(action);
    p.target = std::move(target);
    p.sealedDetail = std::move(detail);
    return finished(r, std::move(p));
}

Bytes encode(const SettingPayload& p)
{
    CanonicalWriter w("sopvault/setting");
    w.text(p.key).u64(p.value);
    return std::move(w).take();
}

Result<SettingPayload> decodeSetting(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/setting"));
    SettingPayload p;
    SOPVAULT_TRY(key, r.text());
    SOPVAULT_TRY(value, r.u64());
    p.key = std::move(key);
    p.value = value;
    return finished(r, std::move(p));
}

Bytes encode(const EventPayload& p)
{
    CanonicalWriter w("sopvault/sop-event");
    w.bytes(p.sopId)
        .bytes(p.collectionId)
        .u32(p.epoch)
        .u64(p.version)
        .bytes(p.versionHash)
        .u8(p.decision)
        .bytes(p.flagId)
        .bytes(p.encryptedText);
    return std::move(w).take();
}

Result<EventPayload> decodeEvent(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/sop-event"));
    EventPayload p;
    SOPVAULT_TRY(sopId, r.array<Id>());
    SOPVAULT_TRY(collectionId, r.array<Id>());
    SOPVAULT_TRY(epoch, r.u32());
    SOPVAULT_TRY(version, r.u64());
    SOPVAULT_TRY(versionHash, r.array<crypto::Hash32>());
    SOPVAULT_TRY(decision, r.u8());
    SOPVAULT_TRY(flagId, r.array<Id>());
    SOPVAULT_TRY(text, readBytes(r));
    p.sopId = sopId;
    p.collectionId = collectionId;
    p.epoch = epoch;
    p.version = version;
    p.versionHash = versionHash;
    p.decision = decision;
    p.flagId = flagId;
    p.encryptedText = std::move(text);
    return finished(r, std::move(p));
}

Bytes encode(const AuditDetail& p)
{
    CanonicalWriter w("sopvault/audit-detail");
    w.text(p.title).text(p.ticket).text(p.note);
    return std::move(w).take();
}

Result<AuditDetail> decodeAuditDetail(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/audit-detail"));
    AuditDetail p;
    SOPVAULT_TRY(title, r.text());
    SOPVAULT_TRY(ticket, r.text());
    SOPVAULT_TRY(note, r.text());
    p.title = std::move(title);
    p.ticket = std::move(ticket);
    p.note = std::move(note);
    return finished(r, std::move(p));
}

// --- associated data ---

Bytes collectionPathAd(const Id& vault, const Id& collection)
{
    CanonicalWriter w("sopvault/ad/collection-path");
    w.u32(kFormatVersion).bytes(vault).bytes(collection);
    return std::move(w).take();
}

Bytes dataKeyAd(const Id& vault, const Id& collection, std::uint32_t epoch, const Id& sop,
                std::uint64_t version)
{
    CanonicalWriter w("sopvault/ad/data-key");
    w.u32(kFormatVersion).bytes(vault).bytes(collection).u32(epoch).bytes(sop).u64(version);
    return std::move(w).take();
}

Bytes contentAd(const Id& vault, const Id& collection, const Id& sop, std::uint64_t version,
                const crypto::Hash32& parent)
{
    CanonicalWriter w("sopvault/ad/sop-content");
    w.u32(kFormatVersion).bytes(vault).bytes(collection).bytes(sop).u64(version).bytes(parent);
    return std::move(w).take();
}

Bytes previousKeyAd(const Id& vault, const Id& collection, std::uint32_t epoch)
{
    CanonicalWriter w("sopvault/ad/previous-key");
    w.u32(kFormatVersion).bytes(vault).bytes(collection).u32(epoch);
    return std::move(w).take();
}

Bytes recoverySealAd(const Id& vault, const Id& user)
{
    CanonicalWriter w("sopvault/ad/recovery-seal");
    w.u32(kFormatVersion).bytes(vault).bytes(user);
    return std::move(w).take();
}

Bytes eventTextAd(const Id& vault, const Id& collection, std::uint32_t epoch, const Id& sop,
                  const Id& record)
{
    CanonicalWriter w("sopvault/ad/event-text");
    w.u32(kFormatVersion).bytes(vault).bytes(collection).u32(epoch).bytes(sop).bytes(record);
    return std::move(w).take();
}

Bytes keyWrapAd(const Id& vault, const Id& user, const crypto::KdfParams& params, ByteView salt)
{
    CanonicalWriter w("sopvault/ad/key-wrap");
    w.u32(kFormatVersion)
        .bytes(vault)
        .bytes(user)
        .u64(params.opsLimit)
        .u64(params.memLimit)
        .bytes(salt);
    return std::move(w).take();
}

Result<Bytes> keyCommitment(const crypto::SecureBuffer& key, const Id& vault, const Id& collection,
                            std::uint32_t epoch)
{
    CanonicalWriter w("sopvault/key-commitment");
    w.bytes(vault).bytes(collection).u32(epoch);
    return crypto::keyedHash(key.span(), w.data());
}

Bytes encode(const KeyWrap& wrap)
{
    CanonicalWriter w("sopvault/key-wrap");
    w.bytes(wrap.salt)
        .u64(wrap.params.opsLimit)
        .u64(wrap.params.memLimit)
        .bytes(wrap.sealed)
        .bytes(wrap.signature);
    return std::move(w).take();
}

Bytes keyWrapSigned(const Id& vault, const Id& user, const KeyWrap& wrap)
{
    CanonicalWriter w("sopvault/key-wrap-signed");
    w.u32(kFormatVersion)
        .bytes(vault)
        .bytes(user)
        .bytes(wrap.salt)
        .u64(wrap.params.opsLimit)
        .u64(wrap.params.memLimit)
        .bytes(wrap.sealed);
    return std::move(w).take();
}

Result<KeyWrap> decodeKeyWrap(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, "sopvault/key-wrap"));
    KeyWrap wrap;
    SOPVAULT_TRY(salt, r.bytes(crypto::kSaltSize));
    SOPVAULT_TRY(ops, r.u64());
    SOPVAULT_TRY(mem, r.u64());
    SOPVAULT_TRY(sealed, readBytes(r));
    SOPVAULT_TRY(signature, r.array<crypto::Signature>());
    wrap.salt = crypto::toBytes(salt);
    wrap.params = {ops, mem};
    wrap.sealed = std::move(sealed);
    wrap.signature = signature;
    return finished(r, std::move(wrap));
}

} // namespace sopvault::core::detail
