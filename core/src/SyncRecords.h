// What travels to the server: the envelope around each row (its content, the pusher and the
// pusher's signature over what they had seen), the chain names, and the running hash of the
// server log that makes two histories comparable (security.md, "Teams on a server").
#pragma once

#include "Records.h"

#include <optional>
#include <string>

namespace sopvault::core::detail {

// What a server row carries.
enum class RowKind : std::uint8_t
{
    Record = 1, // a signed record: body and signature
    Wrap = 2,   // a person's password wrap (user_keys): body only, signed inside
    Seal = 3,   // an owner's recovery seal: sealed bytes and the owner's signature
};

// One row as this replica keeps or sends it (the outbox, a pulled record).
struct SyncRow
{
    std::string chain;
    std::int64_t height = 0;
    crypto::Bytes prevHash; // empty for a chain's first row
    crypto::Hash32 hash{};
    RowKind kind = RowKind::Record;
    crypto::Bytes body;
    crypto::Bytes signature;
};

// The server body: the row's content, who pushed it and what they had verified, signed by them.
struct Envelope
{
    RowKind kind = RowKind::Record;
    crypto::Bytes body;
    crypto::Bytes signature;
    Id pusher{};
    std::int64_t seenPosition = 0;
    crypto::Hash32 seenHash{};
    crypto::Signature pusherSignature{};
    // SOP version rows: the attachment ciphertexts that version lists first (docs/teams.md).
    // Not signed by the pusher: each is named by its hash inside the signed, encrypted content.
    std::vector<AttachmentBlob> blobs;
};

inline constexpr std::string_view kAdminChain = "admin";
inline constexpr std::string_view kAuditChain = "audit";
inline constexpr std::string_view kEventsChain = "events";
[[nodiscard]] std::string sopChain(const Id& sop);
[[nodiscard]] std::string keysChain(const Id& user);
[[nodiscard]] std::string sealChain(const Id& user);
// The id in "sop/<hex>", "keys/<hex>" or "seal/<hex>" when `chain` starts with `prefix`.
[[nodiscard]] std::optional<Id> chainId(std::string_view chain, std::string_view prefix);

// The entry hash of a wrap or seal row: it commits to the chain, height and previous row, so a
// server cannot replay an old password wrap as the newest.
[[nodiscard]] crypto::Hash32 rowHash(std::string_view chain, std::int64_t height,
                                     crypto::ByteView prev, RowKind kind, crypto::ByteView body,
                                     crypto::ByteView signature);

// What the pusher signs: the server cannot change the seen values without breaking it.
[[nodiscard]] crypto::Bytes seenSigned(const Id& vault, const crypto::Hash32& entry,
                                       std::int64_t seenPosition, const crypto::Hash32& seenHash);
[[nodiscard]] crypto::Bytes encodeEnvelope(const Envelope& envelope);
// `integrity` if malformed.
[[nodiscard]] Result<Envelope> decodeEnvelope(crypto::ByteView data);

// R_p from R_{p-1} and the entry hash at position p (R_0 is 32 zero bytes).
[[nodiscard]] crypto::Hash32 runningHash(const crypto::Hash32& previous, std::int64_t position,
                                         const crypto::Hash32& entry);
// "42 · 3f2a 9c01 77de 0b45": the position and the first 8 bytes of R in groups of four.
[[nodiscard]] std::string syncFingerprint(std::int64_t position, const crypto::Hash32& running);

} // namespace sopvault::core::detail
