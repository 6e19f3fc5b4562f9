// Baselines measured in the same run as the vault: direct libsodium, SQLite and cmark-gfm calls
// and grep/ripgrep processes. This is the one file outside crypto/ and core/storage/ that
// includes sodium.h and sqlite3.h, on purpose: it measures what they cost without the vault.
#include "Baselines.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <sodium.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sopvault::bench {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& what)
{
    std::fprintf(stderr, "sopvault_bench: %s\n", what.c_str());
    std::exit(1);
}

void initSodium()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0) {
            die("libsodium did not initialise");
        }
    });
}

struct DbCloser
{
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser
{
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

Db openDb(const std::filesystem::path& file, int flags)
{
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    Db db(raw);
    if (rc != SQLITE_OK) {
        die(fmt::format("cannot open {}: {}", file.string(), sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(raw, 60000);
    return db;
}

void exec(sqlite3* db, const char* sql)
{
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message != nullptr ? message : "unknown error";
        sqlite3_free(message);
        die(fmt::format("SQLite: {} ({})", text, sql));
    }
}

Stmt prepare(sqlite3* db, const char* sql)
{
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
        die(fmt::format("SQLite: {} ({})", sqlite3_errmsg(db), sql));
    }
    return Stmt(raw);
}

std::vector<std::uint8_t> blob(sqlite3_stmt* stmt, int column)
{
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, column));
    const int size = sqlite3_column_bytes(stmt, column);
    if (data == nullptr || size <= 0) {
        return {};
    }
    return {data, data + size};
}

} // namespace

double pwhashSeconds(std::string_view password, std::uint64_t opsLimit, std::uint64_t memLimit)
{
    initSodium();
    std::array<unsigned char, 32> key{};
    std::array<unsigned char, crypto_pwhash_SALTBYTES> salt{};
    randombytes_buf(salt.data(), salt.size());
    const auto start = Clock::now();
    if (crypto_pwhash(key.data(), key.size(), password.data(), password.size(), salt.data(),
                      opsLimit, static_cast<std::size_t>(memLimit),
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        die("crypto_pwhash ran out of memory");
    }
    const double seconds = since(start);
    sodium_memzero(key.data(), key.size());
    return seconds;
}

CryptoReplay::CryptoReplay(const std::filesystem::path& vault)
{
    initSodium();
    m_publicKey.resize(crypto_sign_PUBLICKEYBYTES);
    std::vector<std::uint8_t> secretKey(crypto_sign_SECRETKEYBYTES);
    crypto_sign_keypair(m_publicKey.data(), secretKey.data());
    m_key.resize(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    crypto_aead_xchacha20poly1305_ietf_keygen(m_key.data());

    const auto start = Clock::now();
    Db db = openDb(vault, SQLITE_OPEN_READONLY);
    std::vector<std::vector<std::uint8_t>> versionBodies;
    for (const char* sql : {"SELECT body FROM admin_log ORDER BY position",
                            "SELECT body FROM audit_log ORDER BY position",
                            "SELECT body FROM sop_events ORDER BY position",
                            "SELECT body FROM sop_versions ORDER BY sop_id, version"}) {
        Stmt stmt = prepare(db.get(), sql);
        const bool versions = std::string_view(sql).find("sop_versions") != std::string_view::npos;
        while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
            auto body = blob(stmt.get(), 0);
            m_bytes += body.size();
            if (versions) {
                versionBodies.push_back(body);
            }
            m_messages.push_back({std::move(body), {}});
        }
    }
    m_readSeconds = since(start);

    for (Signed& s : m_messages) {
        s.signature.resize(crypto_sign_BYTES);
        if (crypto_sign_detached(s.signature.data(), nullptr, s.message.data(), s.message.size(),
                                 secretKey.data()) != 0) {
            die("baseline: signing failed");
        }
    }
    sodium_memzero(secretKey.data(), secretKey.size());
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    for (const auto& body : versionBodies) {
        std::vector<std::uint8_t> sealed(kNonce + body.size() + kTag);
        randombytes_buf(sealed.data(), kNonce);
        unsigned long long length = 0;
        if (crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data() + kNonce, &length, body.data(),
                                                       body.size(), nullptr, 0, nullptr,
                                                       sealed.data(), m_key.data()) != 0) {
            die("baseline: encryption failed");
        }
        m_ciphertexts.push_back(std::move(sealed));
    }
}

double CryptoReplay::run() const
{
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    std::vector<std::uint8_t> plain;
    const auto start = Clock::now();
    for (const Signed& s : m_messages) {
        if (crypto_sign_verify_detached(s.signature.data(), s.message.data(), s.message.size(),
                                        m_publicKey.data()) != 0) {
            die("baseline: a signature did not verify");
        }
    }
    for (const auto& sealed : m_ciphertexts) {
        plain.resize(sealed.size() - kNonce - kTag);
        unsigned long long length = 0;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                plain.data(), &length, nullptr, sealed.data() + kNonce, sealed.size() - kNonce,
                nullptr, 0, sealed.data(), m_key.data()) != 0) {
            die("baseline: a ciphertext did not decrypt");
        }
    }
    return since(start);
}

PlainImport importPlainTable(const std::filesystem::path& folder,
                             const std::filesystem::path& database)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(database.string() + suffix, ec);
    }
    PlainImport out;
    const auto start = Clock::now();
    {
        Db db = openDb(database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        // The vault's own durability settings, so the comparison is of the work, not of fsyncs.
        exec(db.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE sops (path TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;");
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
            if (entry.is_regular_file()) {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        exec(db.get(), "BEGIN IMMEDIATE");
        Stmt insert = prepare(db.get(), "INSERT INTO sops (path, body) VALUES (?, ?)");
        for (const auto& file : files) {
            std::ifstream in(file, std::ios::binary);
            const std::string text((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
            const std::string rel = std::filesystem::relative(file, folder).generic_string();
            sqlite3_bind_text64(insert.get(), 1, rel.data(), rel.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8);
            sqlite3_bind_text64(insert.get(), 2, text.data(), text.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8);
            if (sqlite3_step(insert.get()) != SQLITE_DONE) {
                die(fmt::format("SQLite insert: {}", sqlite3_errmsg(db.get())));
            }
            sqlite3_reset(insert.get());
            out.files += 1;
            out.bytes += text.size();
        }
        insert.reset();
        exec(db.get(), "COMMIT");
    }
    out.seconds = since(start);
    out.fileSize = sqliteFileBytes(database);
    return out;
}

struct DurableCommits::State
{
    Db db;
    Stmt insert;
    std::vector<std::uint8_t> row;
};

DurableCommits::DurableCommits(const std::filesystem::path& database, std::size_t rowBytes)
    : m_state(std::make_unique<State>())
{
    initSodium();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(database.string() + suffix, ec);
    }
    m_state->db = openDb(database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    exec(m_state->db.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                            "PRAGMA secure_delete=ON;"
                            "CREATE TABLE entries (position INTEGER PRIMARY KEY, body BLOB NOT "
                            "NULL) STRICT;");
    m_state->insert = prepare(m_state->db.get(), "INSERT INTO entries (body) VALUES (?)");
    m_state->row.resize(std::max<std::size_t>(rowBytes, 1));
    randombytes_buf(m_state->row.data(), m_state->row.size());
}

DurableCommits::~DurableCommits() = default;

double DurableCommits::commitMs()
{
    sqlite3_stmt* insert = m_state->insert.get();
    const auto start = Clock::now();
    sqlite3_bind_blob64(insert, 1, m_state->row.data(), m_state->row.size(), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) {
        die(fmt::format("SQLite insert: {}", sqlite3_errmsg(m_state->db.get())));
    }
    sqlite3_reset(insert);
    return since(start) * 1000.0;
}

std::size_t meanAuditRowBytes(const std::filesystem::path& vault)
{
    Db db = openDb(vault, SQLITE_OPEN_READONLY);
    Stmt stmt = prepare(db.get(), "SELECT avg(length(body) + length(signature)) FROM audit_log");
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        die("cannot read the audit log's row sizes");
    }
    return static_cast<std::size_t>(sqlite3_column_double(stmt.get(), 0));
}

std::string renderCmark(std::string_view markdown)
{
    static std::once_flag once;
    std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
    // Keep in step with core/src/Markdown.cpp: the same options and extensions (raw HTML kept;
    // core then sanitises it, which this baseline leaves out).
    const int options = CMARK_OPT_DEFAULT | CMARK_OPT_UNSAFE | CMARK_OPT_VALIDATE_UTF8 |
                        CMARK_OPT_FOOTNOTES | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
    cmark_parser* parser = cmark_parser_new(options);
    for (const char* name : {"table", "tasklist", "strikethrough", "autolink"}) {
        if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
            cmark_parser_attach_syntax_extension(parser, ext);
        }
    }
    cmark_parser_feed(parser, markdown.data(), markdown.size());
    cmark_node* doc = cmark_parser_finish(parser);
    char* html = cmark_render_html(doc, options, cmark_parser_get_syntax_extensions(parser));
    std::string out(html != nullptr ? html : "");
    cmark_get_default_mem_allocator()->free(html);
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return out;
}

double runProcess(const std::vector<std::string>& argv)
{
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const auto start = Clock::now();
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args.front(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        die(fmt::format("cannot run {}", argv.front()));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    const double seconds = since(start);
    // grep and rg exit with 1 when nothing matched; 2 and above is an error.
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        die(fmt::format("{} failed (status {})", argv.front(), status));
    }
    return seconds;
}

bool onPath(std::string_view program)
{
    const char* path = std::getenv("PATH");
    std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::filesystem::path dir(rest.substr(0, colon));
        if (access((dir / program).c_str(), X_OK) == 0) {
            return true;
        }
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    return false;
}

std::uint64_t sqliteFileBytes(const std::filesystem::path& file)
{
    std::uint64_t total = 0;
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
        const auto size = std::filesystem::file_size(file.string() + suffix, ec);
        if (!ec) {
            total += size;
        }
    }
    return total;
}

} // namespace sopvault::bench
