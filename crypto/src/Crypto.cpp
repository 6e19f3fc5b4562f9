// libsodium behind SOP Vault's crypto interface. This folder is the only place sodium.h appears.
#include "sopvault/crypto/Crypto.h"

#include <sodium.h>

#include <cstring>
#include <mutex>

namespace sopvault::crypto {
namespace {

// Stored KDF parameters above these are refused too: a doctored file must not make unlock
// allocate terabytes or spin for hours.
constexpr std::uint64_t kMaxOpsLimit = 16;
constexpr std::uint64_t kMaxMemLimit = 4ULL * 1024 * 1024 * 1024;

std::unexpected<Error> integrity(std::string message)
{
    return fail(ErrorCode::Integrity, std::move(message));
}

// libsodium declares its pointers non-null even for zero lengths; an empty span's data() may
// be null, so empty inputs get a pointer to a harmless byte instead.
const std::uint8_t* nz(ByteView bytes) noexcept
{
    static const std::uint8_t kNothing = 0;
    return bytes.empty() ? &kNothing : bytes.data();
}

} // namespace

Result<void> initialise()
{
    static int status = sodium_init();
    if (status < 0) {
        return fail(ErrorCode::Failed, "The crypto library could not be initialised.");
    }
    return {};
}

void randomBytes(std::span<std::uint8_t> out)
{
    (void)initialise();
    if (!out.empty()) {
        randombytes_buf(out.data(), out.size());
    }
}

Bytes randomBytes(std::size_t count)
{
    Bytes out(count);
    randomBytes(out);
    return out;
}

void wipe(std::span<std::uint8_t> bytes) noexcept
{
    if (!bytes.empty()) {
        sodium_memzero(bytes.data(), bytes.size());
    }
}

void wipe(std::string& text) noexcept
{
    if (!text.empty()) {
        sodium_memzero(text.data(), text.size());
    }
}

Result<SecureBuffer> randomKey(std::size_t size)
{
    auto key = SecureBuffer::allocate(size);
    if (key) {
        randomBytes(key->span());
    }
    return key;
}

bool constantTimeEqual(ByteView a, ByteView b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

KdfParams kdfParams(KdfProfile profile) noexcept
{
    switch (profile) {
    case KdfProfile::Interactive:
        return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    case KdfProfile::Moderate:
        return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
    case KdfProfile::Sensitive:
        return {crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE};
    }
    return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}

Result<void> checkKdfParams(const KdfParams& params)
{
    const KdfParams floor = kdfParams(KdfProfile::Interactive);
    if (params.opsLimit < floor.opsLimit || params.memLimit < floor.memLimit) {
        return integrity("The password key-derivation parameters are below the interactive "
                         "minimum (2 passes, 64 MiB); refusing them.");
    }
    if (params.opsLimit > kMaxOpsLimit || params.memLimit > kMaxMemLimit) {
        return integrity("The password key-derivation parameters are implausibly high "
                         "(over 16 passes or 4 GiB); refusing them.");
    }
    return {};
}

Result<KdfProfile> parseKdfProfile(std::string_view name)
{
    if (name == "interactive") {
        return KdfProfile::Interactive;
    }
    if (name == "moderate") {
        return KdfProfile::Moderate;
    }
    if (name == "sensitive") {
        return KdfProfile::Sensitive;
    }
    return fail(ErrorCode::Usage, "Unknown KDF profile '" + std::string(name) +
                                      "'; use interactive, moderate or sensitive.");
}

Result<SecureBuffer> deriveKey(const SecureBuffer& password, ByteView salt, const KdfParams& params,
                               std::size_t size)
{
    if (auto ok = initialise(); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = checkKdfParams(params); !ok) {
        return std::unexpected(ok.error());
    }
    if (salt.size() != crypto_pwhash_SALTBYTES) {
        return integrity("The password salt has the wrong size.");
    }
    if (size < crypto_pwhash_BYTES_MIN || size > 64) {
        return fail(ErrorCode::Failed, "Unsupported derived key size.");
    }
    auto key = SecureBuffer::allocate(size);
    if (!key) {
        return key;
    }
    if (crypto_pwhash(key->data(), key->size(), reinterpret_cast<const char*>(password.data()),
                      password.size(), salt.data(), params.opsLimit,
                      static_cast<std::size_t>(params.memLimit),
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return fail(ErrorCode::Failed,
                    "Deriving the password key ran out of memory; close other programs "
                    "or choose a lighter KDF profile.");
    }
    return key;
}

Result<Bytes> sealWithNonce(const SecureBuffer& key, ByteView nonce, ByteView plaintext,
                            ByteView ad)
{
    if (auto ok = initialise(); !ok) {
        return std::unexpected(ok.error());
    }
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        return fail(ErrorCode::Failed, "An encryption key has the wrong size.");
    }
    if (nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
        return fail(ErrorCode::Failed, "A nonce has the wrong size.");
    }
    Bytes out(nonce.size() + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    std::memcpy(out.data(), nonce.data(), nonce.size());
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + nonce.size(), &written, nz(plaintext),
                                               plaintext.size(), nz(ad), ad.size(), nullptr,
                                               nonce.data(), key.data());
    out.resize(nonce.size() + static_cast<std::size_t>(written));
    return out;
}

Result<Bytes> seal(const SecureBuffer& key, ByteView plaintext, ByteView ad)
{
    std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
    randomBytes(nonce);
    return sealWithNonce(key, nonce, plaintext, ad);
}

namespace {
// Decrypts into `out`, which must hold sealed.size() - nonce - tag bytes.
Result<void> openInto(const SecureBuffer& key, ByteView sealed, ByteView ad, std::uint8_t* out)
{
    if (auto ok = initialise(); !ok) {
        return std::unexpected(ok.error());
    }
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        return fail(ErrorCode::Failed, "A decryption key has the wrong size.");
    }
    const ByteView nonce = sealed.first(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const ByteView body = sealed.subspan(nonce.size());
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &written, nullptr, body.data(), body.size(),
                                                   ad.data(), ad.size(), nonce.data(),
                                                   key.data()) != 0) {
        return integrity("Decryption failed: the data was changed, or the key or its context "
                         "is wrong.");
    }
    return {};
}

bool tooShortToOpen(ByteView sealed)
{
    return sealed.size() <
           crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
}

std::size_t openedSize(ByteView sealed)
{
    return sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES -
           crypto_aead_xchacha20poly1305_ietf_ABYTES;
}
} // namespace

Result<Bytes> open(const SecureBuffer& key, ByteView sealed, ByteView ad)
{
    if (tooShortToOpen(sealed)) {
        return integrity("Encrypted data is truncated.");
    }
    Bytes out(openedSize(sealed));
    // One spare byte so a zero-length plaintext still has a valid output pointer.
    out.reserve(out.size() + 1);
    if (auto ok = openInto(key, sealed, ad, out.data()); !ok) {
        sodium_memzero(out.data(), out.size());
        return std::unexpected(ok.error());
    }
    return out;
}

Result<SecureBuffer> openSecret(const SecureBuffer& key, ByteView sealed, ByteView ad)
{
    if (tooShortToOpen(sealed)) {
        return integrity("Encrypted data is truncated.");
    }
    auto out = SecureBuffer::allocate(openedSize(sealed));
    if (!out) {
        return out;
    }
    if (auto ok = openInto(key, sealed, ad, out->data()); !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<void> openSecretInto(const SecureBuffer& key, ByteView sealed, ByteView ad,
                            SecureBuffer& out)
{
    return openInto(key, sealed, ad, std::span<std::uint8_t>(out.data(), out.size()));
}

Result<void> openInto(const SecureBuffer& key, ByteView sealed, ByteView ad,
                      std::span<std::uint8_t> out)
{
    if (tooShortToOpen(sealed)) {
        return integrity("Encrypted data is truncated.");
    }
    if (out.empty() || out.size() != openedSize(sealed)) {
        return fail(ErrorCode::Failed, "Decrypted data has an unexpected size.");
    }
    if (auto ok = openInto(key, sealed, ad, out.data()); !ok) {
        sodium_memzero(out.data(), out.size());
        return ok;
    }
    return {};
}

Result<BoxKeyPair> generateBoxKeyPair()
{
    auto secret = SecureBuffer::allocate(crypto_box_SECRETKEYBYTES);
    if (!secret) {
        return std::unexpected(secret.error());
    }
    BoxKeyPair pair;
    crypto_box_keypair(pair.publicKey.data(), secret->data());
    pair.secretKey = std::move(*secret);
    return pair;
}

Result<BoxPublicKey> boxPublicKeyOf(const SecureBuffer& secretKey)
{
    if (secretKey.size() != crypto_box_SECRETKEYBYTES) {
        return integrity("A key-exchange secret key has the wrong size.");
    }
    BoxPublicKey pub{};
    if (crypto_scalarmult_base(pub.data(), secretKey.data()) != 0) {
        return integrity("A key-exchange secret key is invalid.");
    }
    return pub;
}

Result<Bytes> sealTo(const BoxPublicKey& recipient, ByteView plaintext)
{
    if (auto ok = initialise(); !ok) {
        return std::unexpected(ok.error());
    }
    Bytes out(plaintext.size() + crypto_box_SEALBYTES);
    if (crypto_box_seal(out.data(), nz(plaintext), plaintext.size(), recipient.data()) != 0) {
        return fail(ErrorCode::Failed, "Sealing a key to a recipient failed.");
    }
    return out;
}

Result<SecureBuffer> openSealed(const BoxKeyPair& recipient, ByteView sealed)
{
    if (sealed.size() < crypto_box_SEALBYTES) {
        return integrity("A sealed key is truncated.");
    }
    if (recipient.secretKey.size() != crypto_box_SECRETKEYBYTES) {
        return integrity("A key-exchange secret key has the wrong size.");
    }
    auto out = SecureBuffer::allocate(sealed.size() - crypto_box_SEALBYTES);
    if (!out) {
        return out;
    }
    if (crypto_box_seal_open(out->data(), sealed.data(), sealed.size(), recipient.publicKey.data(),
                             recipient.secretKey.data()) != 0) {
        return integrity("A sealed key could not be opened: it was changed, or it is not for "
                         "this person.");
    }
    return out;
}

Result<SignKeyPair> generateSignKeyPair()
{
    auto secret = SecureBuffer::allocate(crypto_sign_SECRETKEYBYTES);
    if (!secret) {
        return std::unexpected(secret.error());
    }
    SignKeyPair pair;
    crypto_sign_keypair(pair.publicKey.data(), secret->data());
    pair.secretKey = std::move(*secret);
    return pair;
}

Result<SignKeyPair> signKeyPairFromSeed(ByteView seed32)
{
    if (seed32.size() != crypto_sign_SEEDBYTES) {
        return fail(ErrorCode::Failed, "A signing seed must be 32 bytes.");
    }
    auto secret = SecureBuffer::allocate(crypto_sign_SECRETKEYBYTES);
    if (!secret) {
        return std::unexpected(secret.error());
    }
    SignKeyPair pair;
    crypto_sign_seed_keypair(pair.publicKey.data(), secret->data(), seed32.data());
    pair.secretKey = std::move(*secret);
    return pair;
}

Result<SignPublicKey> signPublicKeyOf(const SecureBuffer& secretKey)
{
    if (secretKey.size() != crypto_sign_SECRETKEYBYTES) {
        return integrity("A signing secret key has the wrong size.");
    }
    SignPublicKey pub{};
    crypto_sign_ed25519_sk_to_pk(pub.data(), secretKey.data());
    return pub;
}

Result<Signature> sign(const SecureBuffer& secretKey, ByteView message)
{
    if (secretKey.size() != crypto_sign_SECRETKEYBYTES) {
        return fail(ErrorCode::Failed, "A signing secret key has the wrong size.");
    }
    Signature signature{};
    crypto_sign_detached(signature.data(), nullptr, nz(message), message.size(), secretKey.data());
    return signature;
}

Result<void> verify(const SignPublicKey& publicKey, ByteView message, const Signature& signature)
{
    if (auto ok = initialise(); !ok) {
        return ok;
    }
    if (crypto_sign_verify_detached(signature.data(), nz(message), message.size(),
                                    publicKey.data()) != 0) {
        return integrity("A signature does not match its record.");
    }
    return {};
}

std::string fingerprint(const SignPublicKey& publicKey)
{
    const Hash32 digest = hash32(publicKey);
    const std::string hex = toHex(ByteView(digest).first(16));
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 4) {
        if (!out.empty()) {
            out += ' ';
        }
        out += hex.substr(i, 4);
    }
    return out;
}

Bytes hash(ByteView data, std::size_t size)
{
    (void)initialise();
    if (size < crypto_generichash_BYTES_MIN) {
        size = crypto_generichash_BYTES_MIN;
    }
    if (size > crypto_generichash_BYTES_MAX) {
        size = crypto_generichash_BYTES_MAX;
    }
    Bytes out(size);
    crypto_generichash(out.data(), out.size(), nz(data), data.size(), nullptr, 0);
    return out;
}

Hash32 hash32(ByteView data)
{
    (void)initialise();
    Hash32 out{};
    crypto_generichash(out.data(), out.size(), nz(data), data.size(), nullptr, 0);
    return out;
}

Result<Bytes> keyedHash(ByteView key, ByteView data, std::size_t size)
{
    (void)initialise();
    if (key.size() < crypto_generichash_KEYBYTES_MIN ||
        key.size() > crypto_generichash_KEYBYTES_MAX || size < crypto_generichash_BYTES_MIN ||
        size > crypto_generichash_BYTES_MAX) {
        return fail(ErrorCode::Failed, "Unsupported keyed-hash key or output size.");
    }
    Bytes out(size);
    crypto_generichash(out.data(), out.size(), nz(data), data.size(), key.data(), key.size());
    return out;
}

Result<SecureBuffer> keyedHashKey(ByteView key, ByteView data, std::size_t size)
{
    (void)initialise();
    if (key.size() < crypto_generichash_KEYBYTES_MIN ||
        key.size() > crypto_generichash_KEYBYTES_MAX || size < crypto_generichash_BYTES_MIN ||
        size > crypto_generichash_BYTES_MAX) {
        return fail(ErrorCode::Failed, "Unsupported keyed-hash key or output size.");
    }
    SOPVAULT_TRY(out, SecureBuffer::allocate(size));
    crypto_generichash(out.data(), out.size(), nz(data), data.size(), key.data(), key.size());
    return out;
}

Result<Bytes> pad(ByteView data, std::size_t blockSize)
{
    if (blockSize == 0) {
        return fail(ErrorCode::Failed, "Padding block size must be positive.");
    }
    Bytes out(data.size() + blockSize);
    if (!data.empty()) {
        std::memcpy(out.data(), data.data(), data.size());
    }
    std::size_t padded = 0;
    if (sodium_pad(&padded, out.data(), data.size(), blockSize, out.size()) != 0) {
        return fail(ErrorCode::Failed, "Padding failed.");
    }
    out.resize(padded);
    return out;
}

Result<std::size_t> unpaddedSize(ByteView padded, std::size_t blockSize)
{
    if (blockSize == 0 || padded.empty() || padded.size() % blockSize != 0) {
        return integrity("Padded data has an invalid length.");
    }
    std::size_t size = 0;
    if (sodium_unpad(&size, padded.data(), padded.size(), blockSize) != 0) {
        return integrity("Padded data is malformed.");
    }
    return size;
}

std::string toHex(ByteView bytes)
{
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), nz(bytes), bytes.size());
    out.pop_back();
    return out;
}

Result<Bytes> fromHex(std::string_view hex)
{
    if (hex.size() % 2 != 0) {
        return fail(ErrorCode::Usage, "A hexadecimal value has an odd number of digits.");
    }
    Bytes out(hex.size() / 2);
    std::size_t written = 0;
    const char* end = nullptr;
    if (hex.empty()) {
        return out;
    }
    if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &written, &end) !=
            0 ||
        written != out.size() || end != hex.data() + hex.size()) {
        return fail(ErrorCode::Usage, "Not a hexadecimal value: '" + std::string(hex) + "'.");
    }
    return out;
}

} // namespace sopvault::crypto
