// The crypto primitives SOP Vault uses, all from libsodium: randomness, constant-time compare,
// Argon2id, XChaCha20-Poly1305, sealed boxes, Ed25519, BLAKE2b, padding and hex.
#pragma once

#include "sopvault/crypto/Bytes.h"
#include "sopvault/crypto/Error.h"
#include "sopvault/crypto/SecureBuffer.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace sopvault::crypto {

// Initialises libsodium once; every function below calls it, so callers need not.
[[nodiscard]] Result<void> initialise();

// --- randomness and comparison ---
void randomBytes(std::span<std::uint8_t> out);
[[nodiscard]] Bytes randomBytes(std::size_t count);
[[nodiscard]] Result<SecureBuffer> randomKey(std::size_t size = 32);
// Constant-time for equal lengths; different lengths compare unequal.
[[nodiscard]] bool constantTimeEqual(ByteView a, ByteView b) noexcept;

// --- wiping ---
// Zeroes memory that held a secret or plaintext with sodium_memzero: unlike a std::fill on a
// buffer about to be freed, the compiler may not drop it as a dead store.
void wipe(std::span<std::uint8_t> bytes) noexcept;
void wipe(std::string& text) noexcept;

// --- password KDF: Argon2id (crypto_pwhash, ALG_ARGON2ID13) ---
enum class KdfProfile
{
    Interactive,
    Moderate,
    Sensitive
};

struct KdfParams
{
    std::uint64_t opsLimit = 0;
    std::uint64_t memLimit = 0; // bytes
    friend bool operator==(const KdfParams&, const KdfParams&) = default;
};

inline constexpr std::size_t kSaltSize = 16;
inline constexpr std::size_t kKeySize = 32;

[[nodiscard]] KdfParams kdfParams(KdfProfile profile) noexcept;
// Accepts only parameters at or above the interactive floor and below a sane ceiling (so a
// doctored file cannot ask for terabytes); used when deriving and when reading stored values.
[[nodiscard]] Result<void> checkKdfParams(const KdfParams& params);
[[nodiscard]] Result<KdfProfile> parseKdfProfile(std::string_view name);
[[nodiscard]] Result<SecureBuffer> deriveKey(const SecureBuffer& password, ByteView salt,
                                             const KdfParams& params, std::size_t size = kKeySize);

// --- AEAD: XChaCha20-Poly1305-IETF, random 24-byte nonce prepended to the output ---
inline constexpr std::size_t kNonceSize = 24;
inline constexpr std::size_t kTagSize = 16;

[[nodiscard]] Result<Bytes> seal(const SecureBuffer& key, ByteView plaintext, ByteView ad);
// Same, with a caller-chosen nonce: only for published test vectors.
[[nodiscard]] Result<Bytes> sealWithNonce(const SecureBuffer& key, ByteView nonce,
                                          ByteView plaintext, ByteView ad);
// Opens nonce || ciphertext || tag. `integrity` on any mismatch (key, data, nonce or tag).
[[nodiscard]] Result<Bytes> open(const SecureBuffer& key, ByteView sealed, ByteView ad);
// Same, for secrets: the plaintext lands in secure memory.
[[nodiscard]] Result<SecureBuffer> openSecret(const SecureBuffer& key, ByteView sealed,
                                              ByteView ad);
// Same, into a secure buffer the caller reuses (no allocation per secret); `out` must be exactly
// the plaintext's size. On failure `out` is zeroed.
[[nodiscard]] Result<void> openSecretInto(const SecureBuffer& key, ByteView sealed, ByteView ad,
                                          SecureBuffer& out);
// Same, into memory the caller owns (a large image opened piece by piece); `out` must be exactly
// sealed.size() - kNonceSize - kTagSize bytes. On failure `out` is zeroed.
[[nodiscard]] Result<void> openInto(const SecureBuffer& key, ByteView sealed, ByteView ad,
                                    std::span<std::uint8_t> out);

// --- X25519 key pairs and sealed boxes (crypto_box_seal) for giving a key to a person ---
struct BoxKeyPair
{
    BoxPublicKey publicKey{};
    SecureBuffer secretKey; // 32 bytes
};
[[nodiscard]] Result<BoxKeyPair> generateBoxKeyPair();
[[nodiscard]] Result<BoxPublicKey> boxPublicKeyOf(const SecureBuffer& secretKey);
[[nodiscard]] Result<Bytes> sealTo(const BoxPublicKey& recipient, ByteView plaintext);
[[nodiscard]] Result<SecureBuffer> openSealed(const BoxKeyPair& recipient, ByteView sealed);

// --- Ed25519 detached signatures ---
struct SignKeyPair
{
    SignPublicKey publicKey{};
    SecureBuffer secretKey; // 64 bytes (seed || public key), libsodium's layout
};
[[nodiscard]] Result<SignKeyPair> generateSignKeyPair();
[[nodiscard]] Result<SignKeyPair> signKeyPairFromSeed(ByteView seed32);
[[nodiscard]] Result<SignPublicKey> signPublicKeyOf(const SecureBuffer& secretKey);
[[nodiscard]] Result<Signature> sign(const SecureBuffer& secretKey, ByteView message);
// `integrity` if the signature does not match the message and key.
[[nodiscard]] Result<void> verify(const SignPublicKey& publicKey, ByteView message,
                                  const Signature& signature);
// A short, readable fingerprint of a public key: BLAKE2b-256, first 16 bytes, grouped hex.
[[nodiscard]] std::string fingerprint(const SignPublicKey& publicKey);

// --- BLAKE2b (crypto_generichash) ---
[[nodiscard]] Bytes hash(ByteView data, std::size_t size = 32);
[[nodiscard]] Hash32 hash32(ByteView data);
// Keyed BLAKE2b, for key commitments. `failed` on a key or output size libsodium refuses.
[[nodiscard]] Result<Bytes> keyedHash(ByteView key, ByteView data, std::size_t size = 32);
// The same, straight into secure memory: for a key derived from another key.
[[nodiscard]] Result<SecureBuffer> keyedHashKey(ByteView key, ByteView data, std::size_t size = 32);

// --- padding (ISO/IEC 7816-4, sodium_pad) to hide exact lengths ---
[[nodiscard]] Result<Bytes> pad(ByteView data, std::size_t blockSize);
[[nodiscard]] Result<std::size_t> unpaddedSize(ByteView padded, std::size_t blockSize);

// --- hex ---
[[nodiscard]] std::string toHex(ByteView bytes);
[[nodiscard]] Result<Bytes> fromHex(std::string_view hex);

} // namespace sopvault::crypto
