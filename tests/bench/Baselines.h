// The same-run baselines of performance.md: libsodium's own Argon2id, XChaCha20-Poly1305 and
// Ed25519; a plain SQLite table; cmark-gfm alone; grep and ripgrep as processes. Only the
// benchmark may use libsodium and SQLite directly (see tests/bench/CMakeLists.txt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::bench {

// Seconds for one crypto_pwhash (Argon2id v1.3) of a 32-byte key with these parameters.
[[nodiscard]] double pwhashSeconds(std::string_view password, std::uint64_t opsLimit,
                                   std::uint64_t memLimit);

// The raw crypto a whole-vault verification cannot avoid, on the same bytes: every signed
// record of the vault file (administration, audit, SOP versions, review events) is read once,
// and the timed part is one Ed25519 verification of each record's body plus one
// XChaCha20-Poly1305 decryption of a ciphertext of each SOP version's body.
class CryptoReplay
{
public:
    // Reads the records from the vault (read-only) and signs and encrypts them with a
    // benchmark key; not timed.
    explicit CryptoReplay(const std::filesystem::path& vault);
    // Seconds for verifying and decrypting everything once; exits if any check fails.
    [[nodiscard]] double run() const;
    [[nodiscard]] std::size_t records() const { return m_messages.size(); }
    [[nodiscard]] std::size_t ciphertexts() const { return m_ciphertexts.size(); }
    [[nodiscard]] std::uint64_t bytes() const { return m_bytes; }
    // Seconds the reading of those rows with SQLite took (for context; not in the ratio).
    [[nodiscard]] double readSeconds() const { return m_readSeconds; }

private:
    struct Signed
    {
        std::vector<std::uint8_t> message;
        std::vector<std::uint8_t> signature;
    };
    std::vector<std::uint8_t> m_publicKey;
    std::vector<std::uint8_t> m_key;
    std::vector<Signed> m_messages;
    std::vector<std::vector<std::uint8_t>> m_ciphertexts; // nonce || ciphertext || tag
    std::uint64_t m_bytes = 0;
    double m_readSeconds = 0;
};

struct PlainImport
{
    double seconds = 0;
    std::size_t files = 0;
    std::uint64_t bytes = 0;
    std::uint64_t fileSize = 0; // of the SQLite file afterwards
};
// Reads every file under `folder` and inserts (path, text) into one table of a new SQLite file,
// in one transaction, with the vault's durability settings (WAL, synchronous=FULL).
[[nodiscard]] PlainImport importPlainTable(const std::filesystem::path& folder,
                                           const std::filesystem::path& database);

// The floor of "a view is on disk before it is on screen": one durable commit of one row the
// size of the vault's audit entries (body and signature), in a SQLite file of its own beside the
// vault, with the vault's settings (WAL, synchronous=FULL, secure_delete), one transaction each.
class DurableCommits
{
public:
    // Creates `database` afresh; rows are `rowBytes` random bytes.
    DurableCommits(const std::filesystem::path& database, std::size_t rowBytes);
    DurableCommits(const DurableCommits&) = delete;
    DurableCommits& operator=(const DurableCommits&) = delete;
    ~DurableCommits();
    // Milliseconds for one INSERT committed on its own.
    [[nodiscard]] double commitMs();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// The mean size of an audit entry (body and signature) in a vault file, in bytes.
[[nodiscard]] std::size_t meanAuditRowBytes(const std::filesystem::path& vault);

// cmark-gfm with exactly the options and extensions core's renderHtml uses.
[[nodiscard]] std::string renderCmark(std::string_view markdown);

// Runs a program (looked up on PATH) with its output discarded; returns the wall seconds
// from spawn to exit.
[[nodiscard]] double runProcess(const std::vector<std::string>& argv);
[[nodiscard]] bool onPath(std::string_view program);

// Size of a vault-like SQLite file and its -wal, in bytes.
[[nodiscard]] std::uint64_t sqliteFileBytes(const std::filesystem::path& file);

} // namespace sopvault::bench
