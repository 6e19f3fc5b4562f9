// Canonical encodings of records, payloads, associated data and key commitments.
#include "Records.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

namespace sopvault::core::detail {

using crypto::Bytes;
using crypto::ByteView;
using crypto::CanonicalReader;
using crypto::CanonicalWriter;

namespace {

// Lists carry their count first; a count larger than what remains is caught by the reader.
constexpr std::uint32_t kMaxListItems = 1U << 20;

template <typename T>
struct IsArray : std::false_type
{};
template <std::size_t N>
struct IsArray<std::array<std::uint8_t, N>> : std::true_type
{};
template <typename T>
struct IsPair : std::false_type
{};
template <typename A, typename B>
struct IsPair<std::pair<A, B>> : std::true_type
{};
template <typename T>
struct IsList : std::false_type
{};
template <typename T>
struct IsList<std::vector<T>> : std::bool_constant<!std::is_same_v<T, std::uint8_t>>
{};
template <typename T>
struct IsExactly : std::false_type
{};
template <typename B>
struct IsExactly<Exactly<B>> : std::true_type
{};

// What a decoder says when a list claims more items than any real record holds.
template <typename Item>
std::string_view tooMany()
{
    if constexpr (std::is_same_v<Item, KeyShare>) {
        return "Malformed record: too many key shares.";
    } else if constexpr (std::is_same_v<Item, Rotation>) {
        return "Malformed record: too many key rotations.";
    } else if constexpr (std::is_same_v<Item, std::string>) {
        return "Malformed SOP: too many tags.";
    } else if constexpr (std::is_same_v<Item, AttachmentRef>) {
        return "Malformed SOP: too many attachments.";
    } else if constexpr (std::is_same_v<Item, std::pair<std::string, std::string>>) {
        return "Malformed SOP: too many metadata fields.";
    } else {
        return "Malformed record: too many SOP heads.";
    }
}

// Writes the fields a payload's `fields` names, in that order.
class FieldWriter
{
public:
    explicit FieldWriter(CanonicalWriter& w) : m_w(w) {}

    template <typename... F>
    void operator()(const F&... fields)
    {
        (write(fields), ...);
    }

private:
    template <typename T>
    void write(const T& v)
    {
        if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, SopState>) {
            m_w.u8(static_cast<std::uint8_t>(v));
        } else if constexpr (std::is_same_v<T, std::uint32_t>) {
            m_w.u32(v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
            m_w.u64(v);
        } else if constexpr (std::is_same_v<T, Rights>) {
            m_w.u32(v.bits());
        } else if constexpr (std::is_same_v<T, std::string>) {
            m_w.text(v);
        } else if constexpr (std::is_same_v<T, Bytes> || IsArray<T>::value) {
            m_w.bytes(v);
        } else if constexpr (IsExactly<T>::value) {
            m_w.bytes(v.bytes);
        } else if constexpr (std::is_same_v<T, AttachmentKey>) {
            m_w.bytes(v ? v->span() : std::span<const std::uint8_t>{});
        } else if constexpr (IsPair<T>::value) {
            write(v.first);
            write(v.second);
        } else if constexpr (IsList<T>::value) {
            m_w.u32(static_cast<std::uint32_t>(v.size()));
            for (const auto& item : v) {
                write(item);
            }
        } else {
            T::fields(v, *this); // a nested description (key shares, rotations, marks)
        }
    }

    CanonicalWriter& m_w;
};

// Reads the fields a payload's `fields` names, in that order; after the first error it reads
// nothing more and keeps that error.
class FieldReader
{
public:
    explicit FieldReader(CanonicalReader& r) : m_r(r) {}

    template <typename... F>
    void operator()(F&&... fields)
    {
        (read(fields), ...);
    }
    [[nodiscard]] Result<void> result() { return std::move(m_result); }

private:
    // Stores a read value, or keeps its error.
    template <typename T, typename Into>
    void take(Result<T> value, Into& into)
    {
        if (!value) {
            m_result = std::unexpected(std::move(value.error()));
        } else {
            into = std::move(*value);
        }
    }
    void fault(std::string_view message)
    {
        m_result = fail(ErrorCode::Integrity, std::string(message));
    }

    template <typename T>
    void read(T& v)
    {
        if (!m_result) {
            return;
        }
        if constexpr (std::is_same_v<T, std::uint8_t>) {
            take(m_r.u8(), v);
        } else if constexpr (std::is_same_v<T, std::uint32_t>) {
            take(m_r.u32(), v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
            take(m_r.u64(), v);
        } else if constexpr (std::is_same_v<T, std::string>) {
            take(m_r.text(), v);
        } else if constexpr (IsArray<T>::value) {
            take(m_r.array<T>(), v);
        } else if constexpr (std::is_same_v<T, Bytes>) {
            readBytes(m_r.bytes(), v);
        } else if constexpr (IsExactly<T>::value) {
            readBytes(m_r.bytes(v.size), v.bytes);
        } else if constexpr (std::is_same_v<T, AttachmentKey>) {
            readKey(m_r.bytes(crypto::kKeySize), v);
        } else if constexpr (IsPair<T>::value) {
            read(v.first);
            read(v.second);
        } else if constexpr (IsList<T>::value) {
            readList(v);
        } else if constexpr (std::is_same_v<T, Rights> || std::is_same_v<T, SopState>) {
            readChecked(v);
        } else {
            T::fields(v, *this);
        }
    }
    void readBytes(Result<ByteView> raw, Bytes& into)
    {
        if (!raw) {
            m_result = std::unexpected(std::move(raw.error()));
        } else {
            into = crypto::toBytes(*raw);
        }
    }
    // Straight into locked memory: an attachment key never sits in an ordinary vector.
    void readKey(Result<ByteView> raw, AttachmentKey& into)
    {
        if (!raw) {
            m_result = std::unexpected(std::move(raw.error()));
            return;
        }
        auto key = crypto::SecureBuffer::copyOf(*raw);
        if (!key) {
            m_result = std::unexpected(std::move(key.error()));
            return;
        }
        into = std::make_shared<const crypto::SecureBuffer>(std::move(*key));
    }
    template <typename Item>
    void readList(std::vector<Item>& list)
    {
        std::uint32_t count = 0;
        read(count);
        if (m_result && count > kMaxListItems) {
            fault(tooMany<Item>());
        }
        for (std::uint32_t i = 0; m_result && i < count; ++i) {
            read(list.emplace_back());
        }
    }
    // Values of which a version of SOP Vault knows only some: anything else fails closed.
    void readChecked(Rights& rights)
    {
        std::uint32_t bits = 0;
        read(bits);
        // Rights(bits) keeps known bits only: a role with others would mean less than it says.
        if (m_result && Rights(bits).bits() != bits) {
            fault("Malformed record: a role with rights this version of SOP Vault does not "
                  "know.");
        }
        rights = Rights(bits);
    }
    void readChecked(SopState& state)
    {
        std::uint8_t raw = 0;
        read(raw);
        if (m_result && raw > static_cast<std::uint8_t>(SopState::Archived)) {
            fault("Malformed SOP: unknown state.");
        }
        state = static_cast<SopState>(raw);
    }

    CanonicalReader& m_r;
    Result<void> m_result{};
};

template <typename P>
Bytes encodePayload(const P& p)
{
    CanonicalWriter w(P::kDomain);
    P::fields(p, FieldWriter(w));
    return std::move(w).take();
}

template <typename P>
Result<P> decodePayload(ByteView data)
{
    SOPVAULT_TRY(r, CanonicalReader::open(data, P::kDomain));
    P p;
    FieldReader reader(r);
    P::fields(p, reader);
    SOPVAULT_CHECK(reader.result());
    SOPVAULT_CHECK(r.finish());
    return p;
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
    case RecordKind::RunStarted:
        return "run start";
    case RecordKind::RunStep:
        return "run step";
    case RecordKind::RunFinished:
        return "run finish";
    case RecordKind::AuditEvent:
        return "audit event";
    case RecordKind::TemplateAdded:
        return "template";
    case RecordKind::AttestRequired:
        return "attestation requirement";
    case RecordKind::Attestation:
        return "attestation";
    case RecordKind::MinorChange:
        return "minor change";
    }
    return "unknown";
}

bool isAdminKind(RecordKind kind)
{
    const auto k = static_cast<std::uint32_t>(kind);
    return (k >= 1 && k <= 10) || kind == RecordKind::TemplateAdded;
}

bool isEventKind(RecordKind kind)
{
    return kind == RecordKind::Signoff || kind == RecordKind::Flag ||
           kind == RecordKind::FlagResolved || kind == RecordKind::AttestRequired ||
           kind == RecordKind::Attestation || kind == RecordKind::MinorChange || isRunKind(kind);
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

// --- payloads: each walks its one description (Records.h) ---

Bytes encode(const GenesisPayload& p)
{
    return encodePayload(p);
}

Result<GenesisPayload> decodeGenesis(ByteView data)
{
    return decodePayload<GenesisPayload>(data);
}

Bytes encode(const UserAddedPayload& p)
{
    return encodePayload(p);
}

Result<UserAddedPayload> decodeUserAdded(ByteView data)
{
    return decodePayload<UserAddedPayload>(data);
}

Bytes encode(const OwnerAddedPayload& p)
{
    return encodePayload(p);
}

Result<OwnerAddedPayload> decodeOwnerAdded(ByteView data)
{
    return decodePayload<OwnerAddedPayload>(data);
}

Bytes encode(const RolePayload& p)
{
    return encodePayload(p);
}

Result<RolePayload> decodeRole(ByteView data)
{
    return decodePayload<RolePayload>(data);
}

Bytes encode(const CollectionAddedPayload& p)
{
    return encodePayload(p);
}

Result<CollectionAddedPayload> decodeCollectionAdded(ByteView data)
{
    return decodePayload<CollectionAddedPayload>(data);
}

Bytes encode(const GrantPayload& p)
{
    return encodePayload(p);
}

Result<GrantPayload> decodeGrant(ByteView data)
{
    return decodePayload<GrantPayload>(data);
}

Bytes encode(const UserRemovedPayload& p)
{
    return encodePayload(p);
}

Result<UserRemovedPayload> decodeUserRemoved(ByteView data)
{
    return decodePayload<UserRemovedPayload>(data);
}

Bytes encode(const SopVersionPayload& p)
{
    return encodePayload(p);
}

Result<SopVersionPayload> decodeSopVersion(ByteView data)
{
    return decodePayload<SopVersionPayload>(data);
}

Bytes encode(const SopContent& p)
{
    return encodePayload(p);
}

Result<SopContent> decodeSopContent(ByteView data)
{
    static const Bytes v2Prefix = CanonicalWriter(SopContent::kDomain).take();
    if (data.size() >= v2Prefix.size() &&
        std::equal(v2Prefix.begin(), v2Prefix.end(), data.begin())) {
        return decodePayload<SopContent>(data);
    }
    SOPVAULT_TRY(r, CanonicalReader::open(data, SopContentV1::kDomain));
    SopContent content;
    SopContentV1 v1{content};
    FieldReader reader(r);
    SopContentV1::fields(v1, reader);
    SOPVAULT_CHECK(reader.result());
    SOPVAULT_CHECK(r.finish());
    return content;
}

const AttachmentRef* SopContent::attachment(std::string_view name) const
{
    for (const AttachmentRef& a : attachments) {
        if (a.name == name) {
            return &a;
        }
    }
    return nullptr;
}

Bytes encode(const AuditPayload& p)
{
    return encodePayload(p);
}

Result<AuditPayload> decodeAudit(ByteView data)
{
    return decodePayload<AuditPayload>(data);
}

Bytes encode(const SettingPayload& p)
{
    return encodePayload(p);
}

Result<SettingPayload> decodeSetting(ByteView data)
{
    return decodePayload<SettingPayload>(data);
}

Bytes encode(const EventPayload& p)
{
    return encodePayload(p);
}

Result<EventPayload> decodeEvent(ByteView data)
{
    return decodePayload<EventPayload>(data);
}

Bytes encode(const AuditDetail& p)
{
    return encodePayload(p);
}

Result<AuditDetail> decodeAuditDetail(ByteView data)
{
    return decodePayload<AuditDetail>(data);
}

Bytes encode(const TemplatePayload& p)
{
    return encodePayload(p);
}

Result<TemplatePayload> decodeTemplate(ByteView data)
{
    return decodePayload<TemplatePayload>(data);
}

namespace {
constexpr std::uint8_t kSetByOwnerMark = 1;
} // namespace

Bytes encode(const KeyWrap& p)
{
    Bytes out = encodePayload(p);
    if (p.setByOwner) {
        out.push_back(kSetByOwnerMark);
    }
    return out;
}

Result<KeyWrap> decodeKeyWrap(ByteView data)
{
    auto plain = decodePayload<KeyWrap>(data);
    if (plain || data.empty() || data.back() != kSetByOwnerMark) {
        return plain;
    }
    auto marked = decodePayload<KeyWrap>(data.first(data.size() - 1));
    if (!marked) {
        return plain;
    }
    marked->setByOwner = true;
    return marked;
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

Bytes templateTextAd(const Id& vault, const Id& collection, std::uint32_t epoch,
                     std::string_view name)
{
    CanonicalWriter w("sopvault/ad/template-text");
    w.u32(kFormatVersion).bytes(vault).bytes(collection).u32(epoch).text(name);
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

Bytes attachmentAd(const Id& vault, const Id& collection, const Id& sop,
                   const crypto::Hash32& contentHash)
{
    CanonicalWriter w("sopvault/attachment");
    w.u32(kFormatVersion).bytes(vault).bytes(collection).bytes(sop).bytes(contentHash);
    return std::move(w).take();
}

Result<Bytes> keyCommitment(const crypto::SecureBuffer& key, const Id& vault, const Id& collection,
                            std::uint32_t epoch)
{
    CanonicalWriter w("sopvault/key-commitment");
    w.bytes(vault).bytes(collection).u32(epoch);
    return crypto::keyedHash(key.span(), w.data());
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
    if (wrap.setByOwner) {
        w.text("set-by-owner");
    }
    return std::move(w).take();
}

} // namespace sopvault::core::detail
