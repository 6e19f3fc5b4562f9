// Crypto primitives: published vectors (RFC 8032, XChaCha20-Poly1305 draft, RFC 7693) and failures.
#include "sopvault/crypto/Crypto.h"

#include "ErrorCodeText.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

using namespace sopvault;
using namespace sopvault::crypto;

namespace {

constexpr std::uint64_t kMiB = 1024ULL * 1024ULL;
constexpr std::uint64_t kGiB = 1024ULL * kMiB;

Bytes unhex(std::string_view hex)
{
    auto bytes = fromHex(hex);
    REQUIRE(bytes.has_value());
    return std::move(*bytes);
}

SecureBuffer secureOf(ByteView bytes)
{
    auto buffer = SecureBuffer::copyOf(bytes);
    REQUIRE(buffer.has_value());
    return std::move(*buffer);
}

SecureBuffer newKey()
{
    auto key = randomKey();
    REQUIRE(key.has_value());
    return std::move(*key);
}

// The error code of a result that must have failed.
template <typename T>
ErrorCode errorOf(const Result<T>& result)
{
    REQUIRE_FALSE(result.has_value());
    return result.error().code;
}

Bytes flipped(ByteView data, std::size_t position)
{
    Bytes out = toBytes(data);
    const auto mask = static_cast<std::uint8_t>(1U << (position % 8));
    out[position] = static_cast<std::uint8_t>(out[position] ^ mask);
    return out;
}

ByteView prefix(const Bytes& data, std::size_t length)
{
    return ByteView(data).first(length);
}

} // namespace

// --- published vectors --------------------------------------------------------------------

TEST_CASE("Ed25519 matches RFC 8032 section 7.1 tests 1 to 3", "[crypto][sign][vectors]")
{
    struct Vector
    {
        const char* name;
        std::string_view seed;
        std::string_view publicKey;
        std::string_view message;
        std::string_view signature;
    };
    const Vector vectors[] = {
        {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
         "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
         "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
         "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    };

    for (const Vector& vector : vectors) {
        DYNAMIC_SECTION(vector.name)
        {
            const Bytes seed = unhex(vector.seed);
            const Bytes message = unhex(vector.message);

            auto pair = signKeyPairFromSeed(seed);
            REQUIRE(pair.has_value());
            CHECK(toHex(pair->publicKey) == vector.publicKey);
            // libsodium's secret key layout: seed || public key.
            CHECK(toHex(pair->secretKey.span()) ==
                  std::string(vector.seed) + std::string(vector.publicKey));

            auto signature = sign(pair->secretKey, message);
            REQUIRE(signature.has_value());
            CHECK(toHex(*signature) == vector.signature);

            CHECK(verify(pair->publicKey, message, *signature).has_value());

            Signature published{};
            const Bytes publishedBytes = unhex(vector.signature);
            REQUIRE(publishedBytes.size() == published.size());
            std::copy(publishedBytes.begin(), publishedBytes.end(), published.begin());
            CHECK(verify(pair->publicKey, message, published).has_value());
        }
    }
}

TEST_CASE("XChaCha20-Poly1305 matches draft-irtf-cfrg-xchacha-03 A.3.1", "[crypto][aead][vectors]")
{
    const std::string_view plaintext =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        "future, sunscreen would be it.";
    REQUIRE(plaintext.size() == 114);
    const Bytes ad = unhex("50515253c0c1c2c3c4c5c6c7");
    const SecureBuffer key =
        secureOf(unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
    const std::string nonceHex = "404142434445464748494a4b4c4d4e4f5051525354555657";
    const std::string ciphertextHex = "bd6d179d3e83d43b9576579493c0e939"
                                      "572a1700252bfaccbed2902c21396cbb"
                                      "731c7f1b0b4aa6440bf3a82f4eda7e39"
                                      "ae64c6708c54c216cb96b72e1213b452"
                                      "2f8c9ba40db5d945b11b69b982c1bb9e"
                                      "3f3fac2bc369488f76b2383565d3fff9"
                                      "21f9664c97637da9768812f615c68b13"
                                      "b52e";
    const std::string tagHex = "c0875924c1c7987947deafd8780acf49";

    auto sealed = sealWithNonce(key, unhex(nonceHex), asBytes(plaintext), ad);
    REQUIRE(sealed.has_value());
    CHECK(sealed->size() == kNonceSize + plaintext.size() + kTagSize);
    CHECK(toHex(*sealed) == nonceHex + ciphertextHex + tagHex);

    auto opened = crypto::open(key, *sealed, ad);
    REQUIRE(opened.has_value());
    CHECK(asText(*opened) == plaintext);

    auto openedSecret = openSecret(key, *sealed, ad);
    REQUIRE(openedSecret.has_value());
    CHECK(openedSecret->view() == plaintext);
}

TEST_CASE("BLAKE2b-512 matches RFC 7693 appendix A", "[crypto][hash][vectors]")
{
    const Bytes digest = hash(asBytes("abc"), 64);
    CHECK(toHex(digest) == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                           "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

// --- AEAD -------------------------------------------------------------------------------------

TEST_CASE("AEAD seal and open", "[crypto][aead]")
{
    const SecureBuffer key = newKey();
    const std::string_view message = "Open the valve slowly, then check the gauge.";
    const Bytes ad = toBytes(asBytes("sop:42:v3"));

    auto sealedResult = seal(key, asBytes(message), ad);
    REQUIRE(sealedResult.has_value());
    const Bytes sealed = std::move(*sealedResult);
    REQUIRE(sealed.size() == kNonceSize + message.size() + kTagSize);

    SECTION("round trip")
    {
        auto opened = crypto::open(key, sealed, ad);
        REQUIRE(opened.has_value());
        CHECK(asText(*opened) == message);
    }

    SECTION("two seals of the same plaintext use different nonces")
    {
        auto again = seal(key, asBytes(message), ad);
        REQUIRE(again.has_value());
        CHECK(*again != sealed);
        CHECK_FALSE(std::equal(sealed.begin(),
                               sealed.begin() + static_cast<std::ptrdiff_t>(kNonceSize),
                               again->begin()));
    }

    SECTION("wrong key")
    {
        const SecureBuffer other = newKey();
        CHECK(errorOf(crypto::open(other, sealed, ad)) == ErrorCode::Integrity);
    }

    SECTION("wrong associated data")
    {
        CHECK(errorOf(crypto::open(key, sealed, asBytes("sop:42:v4"))) == ErrorCode::Integrity);
        CHECK(errorOf(crypto::open(key, sealed, ByteView{})) == ErrorCode::Integrity);
    }

    SECTION("one flipped bit anywhere in nonce, ciphertext or tag")
    {
        for (std::size_t position = 0; position < sealed.size(); ++position) {
            INFO("byte " << position);
            CHECK(errorOf(crypto::open(key, flipped(sealed, position), ad)) ==
                  ErrorCode::Integrity);
        }
    }

    SECTION("truncated input")
    {
        const std::size_t lengths[] = {0,
                                       1,
                                       kNonceSize - 1,
                                       kNonceSize,
                                       kNonceSize + kTagSize - 1,
                                       kNonceSize + kTagSize,
                                       sealed.size() - 1};
        for (std::size_t length : lengths) {
            INFO("length " << length);
            CHECK(errorOf(crypto::open(key, prefix(sealed, length), ad)) == ErrorCode::Integrity);
        }
    }

    SECTION("appended byte")
    {
        Bytes longer = sealed;
        longer.push_back(0);
        CHECK(errorOf(crypto::open(key, longer, ad)) == ErrorCode::Integrity);
    }
}

TEST_CASE("AEAD with an empty plaintext", "[crypto][aead]")
{
    const SecureBuffer key = newKey();
    const Bytes ad = toBytes(asBytes("empty"));

    auto sealed = seal(key, ByteView{}, ad);
    REQUIRE(sealed.has_value());
    CHECK(sealed->size() == kNonceSize + kTagSize);

    auto opened = crypto::open(key, *sealed, ad);
    REQUIRE(opened.has_value());
    CHECK(opened->empty());

    auto openedSecret = openSecret(key, *sealed, ad);
    REQUIRE(openedSecret.has_value());
    CHECK(openedSecret->empty());

    CHECK(errorOf(crypto::open(key, *sealed, asBytes("other"))) == ErrorCode::Integrity);
    CHECK(errorOf(crypto::open(key, flipped(*sealed, sealed->size() - 1), ad)) ==
          ErrorCode::Integrity);
}

TEST_CASE("AEAD openSecret", "[crypto][aead]")
{
    const SecureBuffer key = newKey();
    const SecureBuffer secret = newKey();
    const Bytes ad = toBytes(asBytes("collection-key"));

    auto sealedResult = seal(key, secret.span(), ad);
    REQUIRE(sealedResult.has_value());
    const Bytes sealed = std::move(*sealedResult);

    SECTION("round trip")
    {
        auto opened = openSecret(key, sealed, ad);
        REQUIRE(opened.has_value());
        CHECK(constantTimeEqual(opened->span(), secret.span()));
    }

    SECTION("wrong key")
    {
        CHECK(errorOf(openSecret(newKey(), sealed, ad)) == ErrorCode::Integrity);
    }

    SECTION("into a reused buffer: opened, overwritten, zeroed on failure, exact size only")
    {
        auto out = SecureBuffer::allocate(secret.size());
        REQUIRE(out.has_value());
        REQUIRE(openSecretInto(key, sealed, ad, *out).has_value());
        CHECK(constantTimeEqual(out->span(), secret.span()));
        CHECK(errorOf(openSecretInto(newKey(), sealed, ad, *out)) == ErrorCode::Integrity);
        CHECK(std::all_of(out->span().begin(), out->span().end(),
                          [](std::uint8_t b) { return b == 0; }));
        REQUIRE(openSecretInto(key, sealed, ad, *out).has_value());
        CHECK(constantTimeEqual(out->span(), secret.span()));
        auto wrongSize = SecureBuffer::allocate(secret.size() + 1);
        REQUIRE(wrongSize.has_value());
        CHECK(errorOf(openSecretInto(key, sealed, ad, *wrongSize)) == ErrorCode::Failed);
    }

    SECTION("wrong associated data")
    {
        CHECK(errorOf(openSecret(key, sealed, asBytes("data-key"))) == ErrorCode::Integrity);
    }

    SECTION("one flipped bit anywhere")
    {
        for (std::size_t position = 0; position < sealed.size(); ++position) {
            INFO("byte " << position);
            CHECK(errorOf(openSecret(key, flipped(sealed, position), ad)) == ErrorCode::Integrity);
        }
    }

    SECTION("truncated input")
    {
        const std::size_t lengths[] = {0, kNonceSize, kNonceSize + kTagSize - 1,
                                       kNonceSize + kTagSize, sealed.size() - 1};
        for (std::size_t length : lengths) {
            INFO("length " << length);
            CHECK(errorOf(openSecret(key, prefix(sealed, length), ad)) == ErrorCode::Integrity);
        }
    }
}

TEST_CASE("AEAD refuses keys and nonces of the wrong size", "[crypto][aead]")
{
    const SecureBuffer shortKey = secureOf(Bytes(16, 0x11));
    const Bytes nonce(kNonceSize, 0x22);
    CHECK(errorOf(seal(shortKey, asBytes("x"), ByteView{})) == ErrorCode::Failed);
    CHECK(errorOf(sealWithNonce(newKey(), Bytes(12, 0x22), asBytes("x"), ByteView{})) ==
          ErrorCode::Failed);

    auto sealed = sealWithNonce(newKey(), nonce, asBytes("x"), ByteView{});
    REQUIRE(sealed.has_value());
    CHECK(errorOf(crypto::open(shortKey, *sealed, ByteView{})) == ErrorCode::Failed);
}

// --- sealed boxes -----------------------------------------------------------------------------

TEST_CASE("Sealed boxes", "[crypto][box]")
{
    auto recipientResult = generateBoxKeyPair();
    auto strangerResult = generateBoxKeyPair();
    REQUIRE(recipientResult.has_value());
    REQUIRE(strangerResult.has_value());
    const BoxKeyPair recipient = std::move(*recipientResult);
    const BoxKeyPair stranger = std::move(*strangerResult);
    REQUIRE(recipient.secretKey.size() == 32);
    REQUIRE(recipient.publicKey != stranger.publicKey);

    const SecureBuffer secret = newKey();
    auto sealedResult = sealTo(recipient.publicKey, secret.span());
    REQUIRE(sealedResult.has_value());
    const Bytes sealed = std::move(*sealedResult);
    constexpr std::size_t kSealOverhead = 48; // ephemeral public key + MAC
    REQUIRE(sealed.size() == secret.size() + kSealOverhead);

    SECTION("round trip")
    {
        auto opened = openSealed(recipient, sealed);
        REQUIRE(opened.has_value());
        CHECK(constantTimeEqual(opened->span(), secret.span()));
    }

    SECTION("round trip of an empty plaintext")
    {
        auto empty = sealTo(recipient.publicKey, ByteView{});
        REQUIRE(empty.has_value());
        CHECK(empty->size() == kSealOverhead);
        auto opened = openSealed(recipient, *empty);
        REQUIRE(opened.has_value());
        CHECK(opened->empty());
    }

    SECTION("the wrong key pair cannot open it")
    {
        CHECK(errorOf(openSealed(stranger, sealed)) == ErrorCode::Integrity);
    }

    SECTION("one flipped bit anywhere")
    {
        for (std::size_t position = 0; position < sealed.size(); ++position) {
            INFO("byte " << position);
            CHECK(errorOf(openSealed(recipient, flipped(sealed, position))) ==
                  ErrorCode::Integrity);
        }
    }

    SECTION("truncated input")
    {
        const std::size_t lengths[] = {
            0, 1, 32, kSealOverhead - 1, kSealOverhead, sealed.size() - 1};
        for (std::size_t length : lengths) {
            INFO("length " << length);
            CHECK(errorOf(openSealed(recipient, prefix(sealed, length))) == ErrorCode::Integrity);
        }
    }

    SECTION("boxPublicKeyOf matches the generated pair")
    {
        auto derived = boxPublicKeyOf(recipient.secretKey);
        REQUIRE(derived.has_value());
        CHECK(*derived == recipient.publicKey);
        auto other = boxPublicKeyOf(stranger.secretKey);
        REQUIRE(other.has_value());
        CHECK(*other == stranger.publicKey);
    }

    SECTION("boxPublicKeyOf refuses a secret key of the wrong size")
    {
        CHECK(errorOf(boxPublicKeyOf(secureOf(Bytes(31, 1)))) == ErrorCode::Integrity);
        CHECK(errorOf(boxPublicKeyOf(SecureBuffer{})) == ErrorCode::Integrity);
    }
}

// --- signatures -------------------------------------------------------------------------------

TEST_CASE("Ed25519 signatures", "[crypto][sign]")
{
    auto signerResult = generateSignKeyPair();
    auto otherResult = generateSignKeyPair();
    REQUIRE(signerResult.has_value());
    REQUIRE(otherResult.has_value());
    const SignKeyPair signer = std::move(*signerResult);
    const SignKeyPair other = std::move(*otherResult);
    REQUIRE(signer.secretKey.size() == 64);

    const Bytes message = toBytes(asBytes("SOP 42 version 3 approved by Dana"));
    auto signatureResult = sign(signer.secretKey, message);
    REQUIRE(signatureResult.has_value());
    const Signature signature = *signatureResult;

    SECTION("verifies")
    {
        CHECK(verify(signer.publicKey, message, signature).has_value());
    }

    SECTION("a changed message fails")
    {
        CHECK(errorOf(verify(signer.publicKey, asBytes("SOP 42 version 3 approved by Dan"),
                             signature)) == ErrorCode::Integrity);
        for (std::size_t position = 0; position < message.size(); ++position) {
            INFO("byte " << position);
            CHECK(errorOf(verify(signer.publicKey, flipped(message, position), signature)) ==
                  ErrorCode::Integrity);
        }
    }

    SECTION("one flipped signature bit fails")
    {
        for (std::size_t position = 0; position < signature.size(); ++position) {
            INFO("byte " << position);
            const Bytes changed = flipped(signature, position);
            Signature bad{};
            std::copy(changed.begin(), changed.end(), bad.begin());
            CHECK(errorOf(verify(signer.publicKey, message, bad)) == ErrorCode::Integrity);
        }
    }

    SECTION("the wrong public key fails")
    {
        CHECK(errorOf(verify(other.publicKey, message, signature)) == ErrorCode::Integrity);
    }

    SECTION("signPublicKeyOf matches the generated pair")
    {
        auto derived = signPublicKeyOf(signer.secretKey);
        REQUIRE(derived.has_value());
        CHECK(*derived == signer.publicKey);
        auto otherDerived = signPublicKeyOf(other.secretKey);
        REQUIRE(otherDerived.has_value());
        CHECK(*otherDerived == other.publicKey);
    }

    SECTION("keys of the wrong size are refused")
    {
        CHECK(errorOf(signPublicKeyOf(secureOf(Bytes(32, 7)))) == ErrorCode::Integrity);
        CHECK(errorOf(sign(secureOf(Bytes(32, 7)), message)) == ErrorCode::Failed);
        CHECK(errorOf(signKeyPairFromSeed(Bytes(31, 7))) == ErrorCode::Failed);
        CHECK(errorOf(signKeyPairFromSeed(Bytes(33, 7))) == ErrorCode::Failed);
    }
}

TEST_CASE("Signing key pairs from the same seed are identical", "[crypto][sign]")
{
    const Bytes seed = randomBytes(32);
    auto first = signKeyPairFromSeed(seed);
    auto second = signKeyPairFromSeed(seed);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->publicKey == second->publicKey);
    CHECK(constantTimeEqual(first->secretKey.span(), second->secretKey.span()));
}

// --- password KDF -----------------------------------------------------------------------------

TEST_CASE("KDF parameter bounds", "[crypto][kdf]")
{
    SECTION("the interactive floor is 2 passes and 64 MiB")
    {
        CHECK(kdfParams(KdfProfile::Interactive) == KdfParams{2, 64 * kMiB});
    }

    SECTION("the three profiles are accepted")
    {
        CHECK(checkKdfParams(kdfParams(KdfProfile::Interactive)).has_value());
        CHECK(checkKdfParams(kdfParams(KdfProfile::Moderate)).has_value());
        CHECK(checkKdfParams(kdfParams(KdfProfile::Sensitive)).has_value());
    }

    SECTION("below the floor is refused")
    {
        CHECK(errorOf(checkKdfParams({1, 64 * kMiB})) == ErrorCode::Integrity);
        CHECK(errorOf(checkKdfParams({2, 32 * kMiB})) == ErrorCode::Integrity);
        CHECK(errorOf(checkKdfParams({2, 64 * kMiB - 1})) == ErrorCode::Integrity);
        CHECK(errorOf(checkKdfParams({0, 0})) == ErrorCode::Integrity);
    }

    SECTION("above the ceiling is refused")
    {
        CHECK(checkKdfParams({16, 4 * kGiB}).has_value());
        CHECK(errorOf(checkKdfParams({17, 64 * kMiB})) == ErrorCode::Integrity);
        CHECK(errorOf(checkKdfParams({2, 4 * kGiB + 1})) == ErrorCode::Integrity);
        CHECK(errorOf(checkKdfParams({1'000'000, 1024 * kGiB})) == ErrorCode::Integrity);
    }
}

TEST_CASE("KDF profile names", "[crypto][kdf]")
{
    auto interactive = parseKdfProfile("interactive");
    auto moderate = parseKdfProfile("moderate");
    auto sensitive = parseKdfProfile("sensitive");
    REQUIRE(interactive.has_value());
    REQUIRE(moderate.has_value());
    REQUIRE(sensitive.has_value());
    CHECK(*interactive == KdfProfile::Interactive);
    CHECK(*moderate == KdfProfile::Moderate);
    CHECK(*sensitive == KdfProfile::Sensitive);

    for (std::string_view bad : {"", "Interactive", "fast", "moderate ", "sensitive2"}) {
        INFO("name '" << std::string(bad) << "'");
        CHECK(errorOf(parseKdfProfile(bad)) == ErrorCode::Usage);
    }
}

TEST_CASE("deriveKey refuses bad parameters before running Argon2", "[crypto][kdf]")
{
    const SecureBuffer password = secureOf(asBytes("correct horse battery staple"));
    const Bytes salt(kSaltSize, 0x5a);

    SECTION("below the floor")
    {
        CHECK(errorOf(deriveKey(password, salt, {1, 64 * kMiB})) == ErrorCode::Integrity);
        CHECK(errorOf(deriveKey(password, salt, {2, 32 * kMiB})) == ErrorCode::Integrity);
    }

    SECTION("above the ceiling (Argon2 itself would fail with an out-of-memory error)")
    {
        CHECK(errorOf(deriveKey(password, salt, {2, 1024 * kGiB})) == ErrorCode::Integrity);
    }

    SECTION("a salt of the wrong size")
    {
        const KdfParams interactive = kdfParams(KdfProfile::Interactive);
        CHECK(errorOf(deriveKey(password, Bytes(kSaltSize - 1, 1), interactive)) ==
              ErrorCode::Integrity);
        CHECK(errorOf(deriveKey(password, Bytes(kSaltSize + 1, 1), interactive)) ==
              ErrorCode::Integrity);
        CHECK(errorOf(deriveKey(password, ByteView{}, interactive)) == ErrorCode::Integrity);
    }

    SECTION("an unsupported key size")
    {
        const KdfParams interactive = kdfParams(KdfProfile::Interactive);
        CHECK(errorOf(deriveKey(password, salt, interactive, 8)) == ErrorCode::Failed);
        CHECK(errorOf(deriveKey(password, salt, interactive, 65)) == ErrorCode::Failed);
    }
}

TEST_CASE("deriveKey is deterministic and depends on password and salt", "[crypto][kdf][slow]")
{
    // Four Argon2id runs with the interactive profile, no more: each takes a noticeable moment.
    const KdfParams params = kdfParams(KdfProfile::Interactive);
    const SecureBuffer password = secureOf(asBytes("correct horse battery staple"));
    const SecureBuffer otherPassword = secureOf(asBytes("correct horse battery stapler"));
    const Bytes salt = unhex("000102030405060708090a0b0c0d0e0f");
    const Bytes otherSalt = unhex("0f0e0d0c0b0a09080706050403020100");

    auto first = deriveKey(password, salt, params);
    auto second = deriveKey(password, salt, params);
    auto saltChanged = deriveKey(password, otherSalt, params);
    auto passwordChanged = deriveKey(otherPassword, salt, params);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE(saltChanged.has_value());
    REQUIRE(passwordChanged.has_value());

    CHECK(first->size() == kKeySize);
    CHECK(constantTimeEqual(first->span(), second->span()));
    CHECK_FALSE(constantTimeEqual(first->span(), saltChanged->span()));
    CHECK_FALSE(constantTimeEqual(first->span(), passwordChanged->span()));
    CHECK_FALSE(constantTimeEqual(saltChanged->span(), passwordChanged->span()));
}

// --- hashing ----------------------------------------------------------------------------------

TEST_CASE("BLAKE2b hashes", "[crypto][hash]")
{
    const Bytes data = toBytes(asBytes("some record"));

    SECTION("hash32 equals the default 32-byte hash")
    {
        const Hash32 digest = hash32(data);
        const Bytes generic = hash(data);
        REQUIRE(generic.size() == 32);
        CHECK(std::equal(digest.begin(), digest.end(), generic.begin()));
        CHECK(hash32(asBytes("some recorD")) != digest);
    }

    SECTION("keyed hash: different keys give different outputs")
    {
        const Bytes keyA(32, 0x01);
        const Bytes keyB(32, 0x02);
        auto a = keyedHash(keyA, data);
        auto aAgain = keyedHash(keyA, data);
        auto b = keyedHash(keyB, data);
        REQUIRE(a.has_value());
        REQUIRE(aAgain.has_value());
        REQUIRE(b.has_value());
        CHECK(a->size() == 32);
        CHECK(*a == *aAgain);
        CHECK(*a != *b);
        CHECK(*a != hash(data));
    }

    SECTION("keyed hash: bad key or output size refused")
    {
        CHECK(errorOf(keyedHash(ByteView{}, data)) == ErrorCode::Failed);
        CHECK(errorOf(keyedHash(Bytes(15, 1), data)) == ErrorCode::Failed);
        CHECK(errorOf(keyedHash(Bytes(65, 1), data)) == ErrorCode::Failed);
        CHECK(errorOf(keyedHash(Bytes(32, 1), data, 15)) == ErrorCode::Failed);
        CHECK(errorOf(keyedHash(Bytes(32, 1), data, 65)) == ErrorCode::Failed);
        CHECK(keyedHash(Bytes(16, 1), data).has_value());
        CHECK(keyedHash(Bytes(64, 1), data, 64).has_value());
    }
}

// --- padding ----------------------------------------------------------------------------------

TEST_CASE("Padding round trips and refuses malformed input", "[crypto][pad]")
{
    constexpr std::size_t kBlock = 16;

    SECTION("round trips")
    {
        for (std::size_t size : {std::size_t{0}, std::size_t{1}, kBlock - 1, kBlock, kBlock + 1}) {
            INFO("size " << size);
            const Bytes data = randomBytes(size);
            auto padded = pad(data, kBlock);
            REQUIRE(padded.has_value());
            CHECK(padded->size() % kBlock == 0);
            CHECK(padded->size() > size);
            CHECK(padded->size() <= size + kBlock);
            CHECK(std::equal(data.begin(), data.end(), padded->begin()));
            auto unpadded = unpaddedSize(*padded, kBlock);
            REQUIRE(unpadded.has_value());
            CHECK(*unpadded == size);
        }
    }

    SECTION("ISO/IEC 7816-4 layout")
    {
        auto padded = pad(asBytes("abc"), 8);
        REQUIRE(padded.has_value());
        CHECK(toHex(*padded) == "6162638000000000");
        auto full = pad(Bytes(8, 0x61), 8);
        REQUIRE(full.has_value());
        CHECK(full->size() == 16);
    }

    SECTION("malformed padding refused")
    {
        CHECK(errorOf(unpaddedSize(Bytes(kBlock, 0x00), kBlock)) == ErrorCode::Integrity);
        Bytes wrongMarker(kBlock, 0x00);
        wrongMarker[3] = 0x01;
        CHECK(errorOf(unpaddedSize(wrongMarker, kBlock)) == ErrorCode::Integrity);
        Bytes trailingData(kBlock, 0x61);
        CHECK(errorOf(unpaddedSize(trailingData, kBlock)) == ErrorCode::Integrity);
        CHECK(errorOf(unpaddedSize(ByteView{}, kBlock)) == ErrorCode::Integrity);

        auto padded = pad(asBytes("abc"), kBlock);
        REQUIRE(padded.has_value());
        const Bytes longer = [&] {
            Bytes out = *padded;
            out.push_back(0);
            return out;
        }();
        CHECK(errorOf(unpaddedSize(longer, kBlock)) == ErrorCode::Integrity);
        CHECK(errorOf(unpaddedSize(*padded, 0)) == ErrorCode::Integrity);
        CHECK(errorOf(pad(asBytes("abc"), 0)) == ErrorCode::Failed);
    }
}

// --- hex, comparison, fingerprints, randomness ------------------------------------------------

TEST_CASE("Hex encoding", "[crypto][hex]")
{
    SECTION("known values")
    {
        const Bytes bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
        CHECK(toHex(bytes) == "00017f80abff");
        CHECK(toHex(ByteView{}).empty());
        auto upper = fromHex("00017F80ABFF");
        REQUIRE(upper.has_value());
        CHECK(*upper == bytes);
    }

    SECTION("round trip")
    {
        for (std::size_t size : std::initializer_list<std::size_t>{0, 1, 2, 31, 32, 100}) {
            const Bytes data = randomBytes(size);
            const std::string hex = toHex(data);
            CHECK(hex.size() == 2 * size);
            auto back = fromHex(hex);
            REQUIRE(back.has_value());
            CHECK(*back == data);
        }
    }

    SECTION("odd length and non-hex refused")
    {
        for (std::string_view bad :
             {"0", "abc", "0g", "zz", "12 34", " 1234", "1234 ", "0x12", "12:34", "ab\ncd"}) {
            INFO("input '" << std::string(bad) << "'");
            CHECK(errorOf(fromHex(bad)) == ErrorCode::Usage);
        }
    }
}

TEST_CASE("constantTimeEqual", "[crypto][compare]")
{
    const Bytes a{1, 2, 3, 4};
    const Bytes same{1, 2, 3, 4};
    const Bytes lastDiffers{1, 2, 3, 5};
    const Bytes firstDiffers{0, 2, 3, 4};
    const Bytes shorter{1, 2, 3};

    CHECK(constantTimeEqual(a, same));
    CHECK_FALSE(constantTimeEqual(a, lastDiffers));
    CHECK_FALSE(constantTimeEqual(a, firstDiffers));
    CHECK_FALSE(constantTimeEqual(a, shorter));
    CHECK_FALSE(constantTimeEqual(shorter, a));
    CHECK(constantTimeEqual(ByteView{}, ByteView{}));
    CHECK_FALSE(constantTimeEqual(ByteView{}, a));
    CHECK_FALSE(constantTimeEqual(a, ByteView{}));
}

TEST_CASE("Public key fingerprints", "[crypto][fingerprint]")
{
    auto firstResult = generateSignKeyPair();
    auto secondResult = generateSignKeyPair();
    REQUIRE(firstResult.has_value());
    REQUIRE(secondResult.has_value());

    const std::string print = fingerprint(firstResult->publicKey);
    CHECK(print == fingerprint(firstResult->publicKey));
    CHECK(print != fingerprint(secondResult->publicKey));

    // Eight groups of four lowercase hex digits separated by single spaces.
    REQUIRE(print.size() == 39);
    for (std::size_t i = 0; i < print.size(); ++i) {
        INFO("character " << i << " of '" << print << "'");
        if (i % 5 == 4) {
            CHECK(print[i] == ' ');
        } else {
            const char c = print[i];
            CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
        }
    }

    // It is the first 16 bytes of the BLAKE2b-256 of the key.
    std::string digits = print;
    digits.erase(std::remove(digits.begin(), digits.end(), ' '), digits.end());
    CHECK(digits == toHex(hash32(firstResult->publicKey)).substr(0, 32));
}

TEST_CASE("Randomness", "[crypto][random]")
{
    CHECK(randomBytes(0).empty());
    const Bytes a = randomBytes(32);
    const Bytes b = randomBytes(32);
    CHECK(a.size() == 32);
    CHECK(a != b);

    auto key = randomKey();
    auto other = randomKey();
    REQUIRE(key.has_value());
    REQUIRE(other.has_value());
    CHECK(key->size() == kKeySize);
    CHECK_FALSE(constantTimeEqual(key->span(), other->span()));

    auto longKey = randomKey(64);
    REQUIRE(longKey.has_value());
    CHECK(longKey->size() == 64);
}

TEST_CASE("wipe zeroes exactly the bytes of a key or text it is given, and nothing beside them",
          "[crypto][wipe]")
{
    SECTION("bytes")
    {
        Bytes key = randomBytes(64);
        key[0] = 0xff; // never all zero by chance
        Bytes copy = key;
        wipe(std::span<std::uint8_t>(key).subspan(8, 48));
        CHECK(std::all_of(key.begin() + 8, key.begin() + 56, [](auto b) { return b == 0; }));
        CHECK(std::equal(key.begin(), key.begin() + 8, copy.begin()));
        CHECK(std::equal(key.begin() + 56, key.end(), copy.begin() + 56));
        wipe(key);
        CHECK(std::all_of(key.begin(), key.end(), [](auto b) { return b == 0; }));
        CHECK(key.size() == 64);
    }
    SECTION("text")
    {
        std::string body = "1. Reset the domain admin password: hunter2";
        const std::size_t size = body.size();
        wipe(body);
        CHECK(body.size() == size);
        CHECK(std::all_of(body.begin(), body.end(), [](char c) { return c == '\0'; }));
    }
    SECTION("empty input is a no-op")
    {
        Bytes none;
        std::string nothing;
        wipe(none);
        wipe(nothing);
        CHECK(none.empty());
        CHECK(nothing.empty());
    }
}

TEST_CASE("keyedHashKey derives into secure memory the same bytes keyedHash returns",
          "[crypto][hash]")
{
    const Bytes key = randomBytes(32);
    const auto data = asBytes("sopvault/verified-cache-key");
    auto plain = keyedHash(key, data);
    auto secure = keyedHashKey(key, data);
    REQUIRE(plain);
    REQUIRE(secure);
    CHECK(constantTimeEqual(*plain, secure->span()));
    CHECK(keyedHashKey(ByteView(key).first(8), data).error().code == ErrorCode::Failed);
}
