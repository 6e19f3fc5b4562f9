// The envelope, chain names and running hash of team sync (SyncRecords.h): one encoder and one
// decoder, so what a replica pushes is exactly what the others read back.
#include "SyncRecords.h"

#include <fmt/format.h>

namespace sopvault::core::detail {

namespace {
constexpr std::string_view kEnvelopeDomain = "sopvault/server-record";
constexpr std::string_view kSeenDomain = "sopvault/server-seen";
constexpr std::string_view kRowDomain = "sopvault/server-row";
constexpr std::string_view kLogDomain = "sopvault/server-log";
// More files than any SOP version can hold under the caps; a count beyond is malformed.
constexpr std::uint32_t kMaxEnvelopeBlobs = 100000;

std::string prefixed(std::string_view prefix, const Id& id)
{
    return fmt::format("{}/{}", prefix, toHex(id));
}
} // namespace

std::string sopChain(const Id& sop)
{
    return prefixed("sop", sop);
}
std::string keysChain(const Id& user)
{
    return prefixed("keys", user);
}
std::string sealChain(const Id& user)
{
    return prefixed("seal", user);
}

std::optional<Id> chainId(std::string_view chain, std::string_view prefix)
{
    if (chain.size() != prefix.size() + 1 + 32 || !chain.starts_with(prefix) ||
        chain[prefix.size()] != '/') {
        return std::nullopt;
    }
    auto id = idFromHex(chain.substr(prefix.size() + 1));
    if (!id || toHex(*id) != chain.substr(prefix.size() + 1)) {
        return std::nullopt; // one spelling only: lower-case hex
    }
    return *id;
}

crypto::Hash32 rowHash(std::string_view chain, std::int64_t height, crypto::ByteView prev,
                       RowKind kind, crypto::ByteView body, crypto::ByteView signature)
{
    crypto::CanonicalWriter w(kRowDomain);
    w.text(chain)
        .i64(height)
        .bytes(prev)
        .u8(static_cast<std::uint8_t>(kind))
        .bytes(body)
        .bytes(signature);
    return crypto::hash32(w.data());
}

crypto::Bytes seenSigned(const Id& vault, const crypto::Hash32& entry, std::int64_t seenPosition,
                         const crypto::Hash32& seenHash)
{
    crypto::CanonicalWriter w(kSeenDomain);
    w.bytes(vault).bytes(entry).i64(seenPosition).bytes(seenHash);
    return std::move(w).take();
}

crypto::Bytes encodeEnvelope(const Envelope& e)
{
    crypto::CanonicalWriter w(kEnvelopeDomain);
    w.u8(static_cast<std::uint8_t>(e.kind))
        .bytes(e.body)
        .bytes(e.signature)
        .bytes(e.pusher)
        .i64(e.seenPosition)
        .bytes(e.seenHash)
        .bytes(e.pusherSignature);
    // Only when there are some: a row without attachments keeps the envelope it always had.
    if (!e.blobs.empty()) {
        w.u32(static_cast<std::uint32_t>(e.blobs.size()));
        for (const AttachmentBlob& b : e.blobs) {
            w.bytes(b.blobId).bytes(b.data);
        }
    }
    return std::move(w).take();
}

Result<Envelope> decodeEnvelope(crypto::ByteView data)
{
    SOPVAULT_TRY(r, crypto::CanonicalReader::open(data, kEnvelopeDomain));
    Envelope e;
    SOPVAULT_TRY(kind, r.u8());
    if (kind < 1 || kind > 3) {
        return fail(ErrorCode::Integrity, "A server record carries an unknown kind of row.");
    }
    e.kind = static_cast<RowKind>(kind);
    SOPVAULT_TRY(body, r.bytes());
    e.body = crypto::toBytes(body);
    SOPVAULT_TRY(signature, r.bytes());
    e.signature = crypto::toBytes(signature);
    SOPVAULT_TRY(pusher, r.array<Id>());
    e.pusher = pusher;
    SOPVAULT_TRY(seenPosition, r.i64());
    e.seenPosition = seenPosition;
    SOPVAULT_TRY(seenHash, r.array<crypto::Hash32>());
    e.seenHash = seenHash;
    SOPVAULT_TRY(pusherSignature, r.array<crypto::Signature>());
    e.pusherSignature = pusherSignature;
    if (!r.atEnd()) {
        SOPVAULT_TRY(count, r.u32());
        if (count == 0 || count > kMaxEnvelopeBlobs) {
            return fail(ErrorCode::Integrity,
                        "A server record lists a malformed set of attachments.");
        }
        for (std::uint32_t i = 0; i < count; ++i) {
            AttachmentBlob b;
            SOPVAULT_TRY(id, r.array<crypto::Hash32>());
            b.blobId = id;
            SOPVAULT_TRY(sealed, r.bytes());
            b.data = crypto::toBytes(sealed);
            e.blobs.push_back(std::move(b));
        }
    }
    SOPVAULT_CHECK(r.finish());
    return e;
}

crypto::Hash32 runningHash(const crypto::Hash32& previous, std::int64_t position,
                           const crypto::Hash32& entry)
{
    crypto::CanonicalWriter w(kLogDomain);
    w.bytes(previous).i64(position).bytes(entry);
    return crypto::hash32(w.data());
}

std::string syncFingerprint(std::int64_t position, const crypto::Hash32& running)
{
    std::string groups;
    for (std::size_t i = 0; i < 8; i += 2) {
        if (!groups.empty()) {
            groups += ' ';
        }
        groups += fmt::format("{:02x}{:02x}", running[i], running[i + 1]);
    }
    return fmt::format("{} · {}", position, groups);
}

} // namespace sopvault::core::detail
