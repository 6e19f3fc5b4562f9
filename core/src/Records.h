// The signed records of a vault and their canonical encodings (security.md, "Signed,
// append-only records"). Internal to core: the file format lives here and nowhere else.
#pragma once

#include "sopvault/core/Types.h"
#include "sopvault/crypto/Canonical.h"
#include "sopvault/crypto/Crypto.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sopvault::core::detail {

inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kPadBlock = 256;

enum class RecordKind : std::uint32_t
{
    Genesis = 1,
    UserAdded = 2,
    OwnerAdded = 3,
    RoleDefined = 4,
    RoleRemoved = 5,
    CollectionAdded = 6,
    Grant = 7,
    Ungrant = 8,
    Setting = 9,
    UserRemoved = 10,
    SopVersion = 20,
    AuditEvent = 30,
    Signoff = 40,
    Flag = 41,
    FlagResolved = 42,
    // Attestations and templates (Attestations.cpp, Templates.cpp).
    TemplateAdded = 60,  // administration log: an owner's template
    AttestRequired = 61, // review and flag log: a role must read a SOP within a window
    Attestation = 62,    // review and flag log: "I have read version N"
    MinorChange = 63,    // review and flag log: version N is minor, attestations carry over
    // Runs of a SOP's checklist (RunRules.cpp): records of the review and flag log.
    RunStarted = 50,
    RunStep = 51,
    RunFinished = 52,
};
[[nodiscard]] std::string_view kindName(RecordKind kind);
[[nodiscard]] bool isAdminKind(RecordKind kind);
[[nodiscard]] bool isEventKind(RecordKind kind);
[[nodiscard]] constexpr bool isRunKind(RecordKind kind)
{
    return kind == RecordKind::RunStarted || kind == RecordKind::RunStep ||
           kind == RecordKind::RunFinished;
}

// Fields every record carries, signed together with its payload.
struct RecordHeader
{
    std::uint32_t format = kFormatVersion;
    Id vault{};
    Id recordId{};
    RecordKind kind = RecordKind::Genesis;
    // Admin and audit logs: the 0-based position in that log. SOP versions: the version number.
    std::uint64_t position = 0;
    // Hash of the previous entry of the same log (or of the parent version); zero for the first.
    crypto::Hash32 prev{};
    Id signer{};
    Timestamp time = 0;
    // How many administration records the signer had applied when writing: the point in the
    // administration log at which the signer's rights are checked.
    std::uint64_t adminCount = 0;
};

struct Record
{
    RecordHeader header;
    crypto::Bytes payload;
    crypto::Bytes body; // canonical encoding of header and payload: what is signed
    crypto::Signature signature{};

    [[nodiscard]] crypto::Hash32 hash() const;
};

// Encodes the header and payload into the canonical body.
[[nodiscard]] crypto::Bytes encodeBody(const RecordHeader& header, crypto::ByteView payload);
// Decodes a stored body; `integrity` if malformed or of an unknown format version.
[[nodiscard]] Result<Record> decodeRecord(crypto::ByteView body, crypto::ByteView signature);
// Only the header of a stored body (same checks, no copies): for ordering records cheaply.
[[nodiscard]] Result<RecordHeader> decodeHeader(crypto::ByteView body);
// The hash that chains entries: BLAKE2b-256 over the body and signature.
[[nodiscard]] crypto::Hash32 entryHash(crypto::ByteView body, const crypto::Signature& signature);

// --- payloads ---
//
// Each payload names its encoding once: `kDomain`, the canonical domain tag, and `fields`,
// its fields in encoding order. The one encoder and the one decoder in Records.cpp both walk
// `fields`, so a field cannot be written without being read back, or read in another order.
// Changing a description changes the bytes on disk (tests/core/Records.tests.cpp fixes them).

// A bytes field that must be exactly `size` long when read (a salt).
template <typename B>
struct Exactly
{
    B& bytes;
    std::size_t size;
};
template <typename B>
Exactly(B&, std::size_t) -> Exactly<B>;

// A collection key given to one person: sealed to their X25519 key.
struct KeyShare
{
    Id collection{};
    std::uint32_t epoch = 0;
    Id recipient{};
    crypto::Bytes sealedKey;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.collection, s.epoch, s.recipient, s.sealedKey);
    }
};

struct GenesisPayload
{
    static constexpr std::string_view kDomain = "sopvault/genesis";
    Id userId{};
    std::string name;
    crypto::SignPublicKey signKey{};
    crypto::BoxPublicKey boxKey{};
    crypto::BoxPublicKey auditKey{};
    crypto::Bytes sealedAuditSecret; // the audit secret key, sealed to the owner
    // The recovery identity: its public key, and its secret wrapped under the recovery code
    // (an encoded KeyWrap without signature; see Vault.cpp).
    crypto::BoxPublicKey recoveryKey{};
    crypto::Bytes recoveryWrap;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.userId, s.name, s.signKey, s.boxKey, s.auditKey, s.sealedAuditSecret, s.recoveryKey,
          s.recoveryWrap);
    }
};

struct UserAddedPayload
{
    static constexpr std::string_view kDomain = "sopvault/user-added";
    Id userId{};
    std::string name;
    crypto::SignPublicKey signKey{};
    crypto::BoxPublicKey boxKey{};

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.userId, s.name, s.signKey, s.boxKey);
    }
};

struct OwnerAddedPayload
{
    static constexpr std::string_view kDomain = "sopvault/owner-added";
    Id userId{};
    crypto::Bytes sealedAuditSecret;
    std::vector<KeyShare> shares;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.userId, s.sealedAuditSecret, s.shares);
    }
};

struct RolePayload
{
    static constexpr std::string_view kDomain = "sopvault/role";
    std::string name;
    Rights rights;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.name, s.rights);
    }
};

struct CollectionAddedPayload
{
    static constexpr std::string_view kDomain = "sopvault/collection-added";
    Id collectionId{};
    Id parentId{}; // zero for a top-level collection
    crypto::Bytes encryptedPath;
    crypto::Bytes commitment; // key commitment of epoch 0
    std::vector<KeyShare> shares;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.collectionId, s.parentId, s.encryptedPath, s.commitment, s.shares);
    }
};

// A collection key moving to a new epoch: the new key sealed to everyone who may still view
// the collection, its commitment, and the previous key encrypted under the new one (so members
// can still open older versions).
struct Rotation
{
    Id collectionId{};
    std::uint32_t epoch = 0; // the new epoch
    crypto::Bytes commitment;
    crypto::Bytes previousKey;
    std::vector<KeyShare> shares;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.collectionId, s.epoch, s.commitment, s.previousKey, s.shares);
    }
};

// What existed when someone's rights were revoked: versions and review records of theirs that
// are not covered here were written after the revocation and are rejected.
struct RevocationMarks
{
    std::vector<std::pair<Id, std::uint64_t>> heads; // SOP id -> versions at revocation
    std::uint64_t eventCount = 0;
    std::uint64_t auditCount = 0;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.heads, s.eventCount, s.auditCount);
    }
};

struct GrantPayload
{
    static constexpr std::string_view kDomain = "sopvault/grant";
    Id userId{};
    std::string role;
    Id collectionId{};
    std::vector<KeyShare> shares;    // grants: keys for the grantee
    std::vector<Rotation> rotations; // ungrants: keys rotated away from the person
    RevocationMarks marks;           // ungrants

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.userId, s.role, s.collectionId, s.shares, s.rotations, s.marks);
    }
};

struct UserRemovedPayload
{
    static constexpr std::string_view kDomain = "sopvault/user-removed";
    Id userId{};
    std::vector<Rotation> rotations;
    RevocationMarks marks;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.userId, s.rotations, s.marks);
    }
};

struct SopVersionPayload
{
    static constexpr std::string_view kDomain = "sopvault/sop-version";
    Id sopId{};
    Id collectionId{};
    std::uint32_t epoch = 0;
    crypto::Bytes wrappedKey; // the version's data key, under the collection key
    crypto::Bytes ciphertext; // the padded, encrypted SopContent

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.sopId, s.collectionId, s.epoch, s.wrappedKey, s.ciphertext);
    }
};

// An attachment's own key: shared, not copied, when a content is copied, so it lives once in
// locked memory however many copies of the opened content exist.
using AttachmentKey = std::shared_ptr<const crypto::SecureBuffer>;

// One file a SOP version lists (inside the encrypted, signed content): which bytes, under which
// key, in which blob (table attachment_blobs).
struct AttachmentRef
{
    std::string name; // normalised (normaliseAttachmentName), unique within a version
    std::string type; // sniffType of the bytes
    std::uint64_t size = 0;
    crypto::Hash32 contentHash{}; // BLAKE2b-256 of the plaintext
    crypto::Hash32 blobId{};      // BLAKE2b-256 of the stored ciphertext
    AttachmentKey dataKey;        // 32 bytes

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.name, s.type, s.size, s.contentHash, s.blobId, s.dataKey);
    }
};

// An attachment's ciphertext as the file (and a SOP version's envelope on a server) holds it.
struct AttachmentBlob
{
    crypto::Hash32 blobId{};
    Id sopId{};
    std::uint64_t firstVersion = 0; // the version that first listed it
    crypto::Bytes data;
    // Stored already, under a version of mine that lost a conflict: the version that resolves
    // it lists the blob again and must carry it to the server (it is not there).
    bool carried = false;
};

// What a SOP version says, once decrypted. Written in the second encoding, which adds the
// attachments and the fields import fills (summary, source path, metadata); versions written in
// the first still decode (SopContentV1), with those fields empty.
struct SopContent
{
    static constexpr std::string_view kDomain = "sopvault/sop-content-2";
    std::string title;
    std::string body;
    std::vector<std::string> tags;
    SopState state = SopState::Draft;
    std::uint32_t reviewEveryDays = 90;
    std::string reviewer; // a user name, "@role", or empty
    std::string message;
    std::vector<AttachmentRef> attachments;
    std::string summary;
    std::string sourcePath;
    std::vector<std::pair<std::string, std::string>> metadata;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.title, s.body, s.tags, s.state, s.reviewEveryDays, s.reviewer, s.message, s.attachments,
          s.summary, s.sourcePath, s.metadata);
    }
    [[nodiscard]] const AttachmentRef* attachment(std::string_view name) const;
};

// The first encoding of a SOP's content, read only (decodeSopContent falls back to it).
struct SopContentV1
{
    static constexpr std::string_view kDomain = "sopvault/sop-content";
    SopContent& c;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.c.title, s.c.body, s.c.tags, s.c.state, s.c.reviewEveryDays, s.c.reviewer, s.c.message);
    }
};

// A vault-wide setting an owner changes, e.g. "review.due_soon_days".
struct SettingPayload
{
    static constexpr std::string_view kDomain = "sopvault/setting";
    std::string key;
    std::uint64_t value = 0;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.key, s.value);
    }
};

// An owner's template for new SOPs (a later one of the same name replaces it), bound to a
// collection: its text is encrypted under that collection's key, so only those who may view the
// collection can start a SOP from it (docs/security.md). The name is in the clear.
struct TemplatePayload
{
    static constexpr std::string_view kDomain = "sopvault/template";
    std::string name;
    Id collectionId{};
    std::uint32_t epoch = 0;
    crypto::Bytes encryptedText;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.name, s.collectionId, s.epoch, s.encryptedText);
    }
};

// A review sign-off, a flag, or a flag's resolution (table sop_events). The text (comment or
// note) is encrypted under the collection key: readable by whoever may view the SOP.
struct EventPayload
{
    static constexpr std::string_view kDomain = "sopvault/sop-event";
    Id sopId{};
    Id collectionId{};
    std::uint32_t epoch = 0;
    std::uint64_t version = 0;    // the version reviewed or flagged
    crypto::Hash32 versionHash{}; // binds a sign-off to the exact version
    std::uint8_t decision = 0;    // sign-offs: 1 approved, 2 changes requested
    Id flagId{};                  // resolutions: the flag resolved
    crypto::Bytes encryptedText;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.sopId, s.collectionId, s.epoch, s.version, s.versionHash, s.decision, s.flagId,
          s.encryptedText);
    }
};

struct AuditPayload
{
    static constexpr std::string_view kDomain = "sopvault/audit";
    std::string action;
    crypto::Bytes target;       // the id acted on, or empty
    crypto::Bytes sealedDetail; // AuditDetail sealed to the vault's audit key, or empty

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.action, s.target, s.sealedDetail);
    }
};

struct AuditDetail
{
    static constexpr std::string_view kDomain = "sopvault/audit-detail";
    std::string title;  // what was acted on, by name
    std::string ticket; // a ticket reference, for views
    std::string note;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(s.title, s.ticket, s.note);
    }
};

[[nodiscard]] crypto::Bytes encode(const GenesisPayload& p);
[[nodiscard]] crypto::Bytes encode(const UserAddedPayload& p);
[[nodiscard]] crypto::Bytes encode(const OwnerAddedPayload& p);
[[nodiscard]] crypto::Bytes encode(const RolePayload& p);
[[nodiscard]] crypto::Bytes encode(const CollectionAddedPayload& p);
[[nodiscard]] crypto::Bytes encode(const GrantPayload& p);
[[nodiscard]] crypto::Bytes encode(const UserRemovedPayload& p);
[[nodiscard]] crypto::Bytes encode(const SopVersionPayload& p);
[[nodiscard]] crypto::Bytes encode(const SopContent& p);
[[nodiscard]] crypto::Bytes encode(const AuditPayload& p);
[[nodiscard]] crypto::Bytes encode(const SettingPayload& p);
[[nodiscard]] crypto::Bytes encode(const EventPayload& p);
[[nodiscard]] crypto::Bytes encode(const AuditDetail& p);
[[nodiscard]] crypto::Bytes encode(const TemplatePayload& p);

[[nodiscard]] Result<GenesisPayload> decodeGenesis(crypto::ByteView data);
[[nodiscard]] Result<UserAddedPayload> decodeUserAdded(crypto::ByteView data);
[[nodiscard]] Result<OwnerAddedPayload> decodeOwnerAdded(crypto::ByteView data);
[[nodiscard]] Result<RolePayload> decodeRole(crypto::ByteView data);
[[nodiscard]] Result<CollectionAddedPayload> decodeCollectionAdded(crypto::ByteView data);
[[nodiscard]] Result<GrantPayload> decodeGrant(crypto::ByteView data);
[[nodiscard]] Result<UserRemovedPayload> decodeUserRemoved(crypto::ByteView data);
[[nodiscard]] Result<SopVersionPayload> decodeSopVersion(crypto::ByteView data);
[[nodiscard]] Result<SopContent> decodeSopContent(crypto::ByteView data);
[[nodiscard]] Result<AuditPayload> decodeAudit(crypto::ByteView data);
[[nodiscard]] Result<SettingPayload> decodeSetting(crypto::ByteView data);
[[nodiscard]] Result<EventPayload> decodeEvent(crypto::ByteView data);
[[nodiscard]] Result<AuditDetail> decodeAuditDetail(crypto::ByteView data);
[[nodiscard]] Result<TemplatePayload> decodeTemplate(crypto::ByteView data);

// --- associated data and commitments: what each ciphertext is bound to ---
[[nodiscard]] crypto::Bytes collectionPathAd(const Id& vault, const Id& collection);
[[nodiscard]] crypto::Bytes dataKeyAd(const Id& vault, const Id& collection, std::uint32_t epoch,
                                      const Id& sop, std::uint64_t version);
[[nodiscard]] crypto::Bytes contentAd(const Id& vault, const Id& collection, const Id& sop,
                                      std::uint64_t version, const crypto::Hash32& parent);
[[nodiscard]] crypto::Bytes previousKeyAd(const Id& vault, const Id& collection,
                                          std::uint32_t epoch);
[[nodiscard]] crypto::Bytes recoverySealAd(const Id& vault, const Id& user);
// A template's text: bound to the vault, its collection and epoch, and its name.
[[nodiscard]] crypto::Bytes templateTextAd(const Id& vault, const Id& collection,
                                           std::uint32_t epoch, std::string_view name);
[[nodiscard]] crypto::Bytes eventTextAd(const Id& vault, const Id& collection, std::uint32_t epoch,
                                        const Id& sop, const Id& record);
[[nodiscard]] crypto::Bytes keyWrapAd(const Id& vault, const Id& user,
                                      const crypto::KdfParams& params, crypto::ByteView salt);
// What an attachment's ciphertext is bound to: vault, collection, SOP and the plaintext's hash
// (so a blob moved to another SOP, or swapped for another file, does not open).
[[nodiscard]] crypto::Bytes attachmentAd(const Id& vault, const Id& collection, const Id& sop,
                                         const crypto::Hash32& contentHash);
[[nodiscard]] Result<crypto::Bytes> keyCommitment(const crypto::SecureBuffer& key, const Id& vault,
                                                  const Id& collection, std::uint32_t epoch);

// A user's password wrap of their secret keys (table user_keys), signed with the user's own
// signing key so that a doctored salt or lowered KDF parameters are an integrity failure
// before any key derivation runs.
struct KeyWrap
{
    static constexpr std::string_view kDomain = "sopvault/key-wrap";
    crypto::Bytes salt;
    crypto::KdfParams params;
    crypto::Bytes sealed; // AEAD of sign secret (64) || box secret (32)
    crypto::Signature signature{};
    // An owner chose this password (`user add`): the person must choose their own at their
    // first unlock. Not one of the fields: a wrap so marked is encoded with one byte (1) after
    // them, and the mark is covered by the signature, so it cannot be added or stripped
    // without the person's signing key. Every other wrap encodes as it always did.
    bool setByOwner = false;

    template <typename Self, typename V>
    static void fields(Self& s, V&& v)
    {
        v(Exactly{s.salt, crypto::kSaltSize}, s.params.opsLimit, s.params.memLimit, s.sealed,
          s.signature);
    }
};
// What the wrap's signature covers.
[[nodiscard]] crypto::Bytes keyWrapSigned(const Id& vault, const Id& user, const KeyWrap& wrap);
[[nodiscard]] crypto::Bytes encode(const KeyWrap& wrap);
[[nodiscard]] Result<KeyWrap> decodeKeyWrap(crypto::ByteView data);

} // namespace sopvault::core::detail
