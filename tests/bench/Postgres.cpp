// The bench's own libpq calls (see Postgres.h). Like Baselines.cpp this file is outside the walls
// on purpose: the baseline is what libpq and libsodium cost without the vault around them.
#include "Postgres.h"

#include "Support.h"

#include <libpq-fe.h>
#include <sodium.h>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sopvault::bench {
namespace {

// Fixed buffers, so the signal handler can run the stop without allocating.
char g_script[512];
char g_dir[128];
char g_stop[] = "stop";
bool g_started = false;

int runScript(const char* action)
{
    char actionBuffer[16];
    std::snprintf(actionBuffer, sizeof actionBuffer, "%s", action);
    char* argv[] = {g_script, actionBuffer, g_dir, nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // The script's own notices go to stderr with the bench's progress; stdout keeps the table.
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    // Nothing else is inherited: a postgres daemon holding an inherited descriptor (the build
    // lock's, say) would hold it for as long as the cluster runs.
    std::vector<int> inherited;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        const int fd = std::atoi(entry.path().filename().c_str());
        if (fd > STDERR_FILENO) {
            inherited.push_back(fd);
        }
    }
    for (const int fd : inherited) {
        posix_spawn_file_actions_addclose(&actions, fd);
    }
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, g_script, &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        return -1;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// fork and execve are async-signal-safe: an interrupted run still removes its cluster.
void stopOnSignal(int number)
{
    if (g_started) {
        char* argv[] = {g_script, g_stop, g_dir, nullptr};
        const pid_t pid = fork();
        if (pid == 0) {
            for (int fd = STDERR_FILENO + 1; fd < 1024; ++fd) {
                close(fd);
            }
            execve(g_script, argv, environ);
            _exit(127);
        }
        if (pid > 0) {
            int status = 0;
            waitpid(pid, &status, 0);
        }
    }
    _exit(128 + number);
}

void stopAtExit()
{
    stopCluster();
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

std::int64_t readInt64(const std::uint8_t* p)
{
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v = (v << 8) | std::uint64_t{p[i]};
    }
    return static_cast<std::int64_t>(v);
}

std::int32_t readInt32(const std::uint8_t* p)
{
    return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                     (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

void appendInt64(std::vector<std::uint8_t>& out, std::int64_t value)
{
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> shift));
    }
}

PGconn* connectOrDie(const std::string& url)
{
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        die(fmt::format("cannot connect to the bench cluster: {}", message));
    }
    return conn;
}

std::string checkedVaultId(std::string_view vaultId)
{
    // COPY takes no parameters: the id is pasted into the query, so it must be hex and nothing
    // else.
    if (vaultId.empty() || !std::all_of(vaultId.begin(), vaultId.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
        die(fmt::format("vault id {} is not lower-case hex", vaultId));
    }
    return std::string(vaultId);
}

} // namespace

void startCluster()
{
    std::snprintf(g_script, sizeof g_script, "%s", SOPVAULT_PG_CLUSTER_SCRIPT);
    std::snprintf(g_dir, sizeof g_dir, "/tmp/sopvault-bench-pg-%d", static_cast<int>(getpid()));
    std::atexit(stopAtExit);
    std::signal(SIGINT, stopOnSignal);
    std::signal(SIGTERM, stopOnSignal);
    std::signal(SIGHUP, stopOnSignal);
    // A crash too: the cluster must not outlive the run.
    std::signal(SIGSEGV, stopOnSignal);
    std::signal(SIGBUS, stopOnSignal);
    std::signal(SIGABRT, stopOnSignal);
    g_started = true; // a start that fails half-way still leaves a folder to remove
    if (runScript("start") != 0) {
        die("the bench's PostgreSQL cluster did not start (tests/server/pg-cluster; is "
            "postgresql-15 installed? scripts/install-deps)");
    }
}

void stopCluster()
{
    if (g_started) {
        g_started = false;
        (void)runScript("stop");
    }
}

std::string clusterUrl(std::string_view role)
{
    return fmt::format("postgresql:///sopvault?host={}/sock&user={}", g_dir, role);
}

CopiedRecords copyRecords(const std::string& url, std::string_view vaultId)
{
    const std::string id = checkedVaultId(vaultId);
    CopiedRecords out;
    Stopwatch t;
    PGconn* conn = connectOrDie(url);
    // The same columns, rows and order as the client's own read (remote::recordsAfter).
    const std::string sql =
        fmt::format("COPY (SELECT position, chain, height, prev_hash, entry_hash, body, "
                    "seen_position, seen_hash, author FROM sopvault.records WHERE vault_id = '{}' "
                    "ORDER BY position) TO STDOUT WITH (FORMAT binary)",
                    id);
    PGresult* started = PQexec(conn, sql.c_str());
    if (PQresultStatus(started) != PGRES_COPY_OUT) {
        const std::string message = PQerrorMessage(conn);
        PQclear(started);
        PQfinish(conn);
        die(fmt::format("COPY of the records failed: {}", message));
    }
    PQclear(started);
    bool header = true;
    for (;;) {
        char* buffer = nullptr;
        const int n = PQgetCopyData(conn, &buffer, 0);
        if (n == -1) {
            break;
        }
        if (n < 0) {
            die(fmt::format("COPY of the records broke off: {}", PQerrorMessage(conn)));
        }
        out.bytes += static_cast<std::uint64_t>(n);
        const auto* p = reinterpret_cast<const std::uint8_t*>(buffer);
        const auto* end = p + n;
        if (header) { // "PGCOPY\n\377\r\n\0", flags, extension length and extension
            p += 11 + 4;
            p += 4 + readInt32(p);
            header = false;
        }
        if (end - p < 2) { // the header may come in a message of its own
            PQfreemem(buffer);
            continue;
        }
        const int fields = static_cast<std::int16_t>((p[0] << 8) | p[1]);
        p += 2;
        if (fields == -1) { // the trailer
            PQfreemem(buffer);
            continue;
        }
        std::vector<std::uint8_t> cells[9];
        for (int f = 0; f < fields && f < 9; ++f) {
            if (end - p < 4) {
                die("COPY row shorter than its fields");
            }
            const std::int32_t length = readInt32(p);
            p += 4;
            if (length > 0) {
                if (end - p < length) {
                    die("COPY row shorter than its fields");
                }
                cells[f].assign(p, p + length);
                p += length;
            }
        }
        out.chains.emplace_back(cells[1].begin(), cells[1].end());
        out.hashes.push_back(std::move(cells[4]));
        out.bodies.push_back(std::move(cells[5]));
        out.seenPositions.push_back(cells[6].size() == 8 ? readInt64(cells[6].data()) : 0);
        out.seenHashes.push_back(std::move(cells[7]));
        ++out.rows;
        PQfreemem(buffer);
    }
    PGresult* finished = PQgetResult(conn);
    const bool ok = PQresultStatus(finished) == PGRES_COMMAND_OK;
    PQclear(finished);
    PQfinish(conn);
    if (!ok) {
        die("COPY of the records did not finish");
    }
    out.seconds = t.seconds();
    return out;
}

struct RowCrypto::Data
{
    std::vector<std::uint8_t> publicKey = std::vector<std::uint8_t>(crypto_sign_PUBLICKEYBYTES);
    std::vector<std::uint8_t> key =
        std::vector<std::uint8_t>(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    struct Signed
    {
        const std::vector<std::uint8_t>* message = nullptr; // a row's body, owned by the rows
        std::vector<std::uint8_t> own;                      // or a message built here
        std::vector<std::uint8_t> signature;
    };
    std::vector<Signed> signatures;
    std::vector<std::vector<std::uint8_t>> sealed; // nonce || ciphertext || tag
};

RowCrypto::RowCrypto(const CopiedRecords& rows, std::string_view vaultId)
    : m_data(std::make_unique<Data>())
{
    initSodium();
    std::vector<std::uint8_t> secretKey(crypto_sign_SECRETKEYBYTES);
    crypto_sign_keypair(m_data->publicKey.data(), secretKey.data());
    crypto_aead_xchacha20poly1305_ietf_keygen(m_data->key.data());
    auto sign = [&](const std::uint8_t* message, std::size_t length) {
        std::vector<std::uint8_t> signature(crypto_sign_BYTES);
        crypto_sign_detached(signature.data(), nullptr, message, length, secretKey.data());
        return signature;
    };
    for (std::size_t i = 0; i < rows.rows; ++i) {
        const auto& body = rows.bodies[i];
        // A copy: the rows of one COPY go away before the next run.
        m_data->signatures.push_back({nullptr, body, sign(body.data(), body.size())});
        Data::Signed seen;
        seen.own.assign(vaultId.begin(), vaultId.end());
        seen.own.insert(seen.own.end(), rows.hashes[i].begin(), rows.hashes[i].end());
        appendInt64(seen.own, rows.seenPositions[i]);
        seen.own.insert(seen.own.end(), rows.seenHashes[i].begin(), rows.seenHashes[i].end());
        seen.signature = sign(seen.own.data(), seen.own.size());
        m_data->signatures.push_back(std::move(seen));
        if (rows.chains[i].starts_with("sop/")) {
            constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
            constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
            std::vector<std::uint8_t> out(kNonce + body.size() + kTag);
            randombytes_buf(out.data(), kNonce);
            unsigned long long length = 0;
            crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonce, &length, body.data(),
                                                       body.size(), nullptr, 0, nullptr, out.data(),
                                                       m_data->key.data());
            m_data->sealed.push_back(std::move(out));
        }
    }
    sodium_memzero(secretKey.data(), secretKey.size());
}

RowCrypto::~RowCrypto() = default;

std::size_t RowCrypto::signatures() const
{
    return m_data->signatures.size();
}

std::size_t RowCrypto::decryptions() const
{
    return m_data->sealed.size();
}

double RowCrypto::run() const
{
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    Stopwatch t;
    for (const auto& s : m_data->signatures) {
        const auto& message = s.message != nullptr ? *s.message : s.own;
        if (crypto_sign_verify_detached(s.signature.data(), message.data(), message.size(),
                                        m_data->publicKey.data()) != 0) {
            die("baseline: a row's signature did not verify");
        }
    }
    std::vector<std::uint8_t> plain;
    for (const auto& sealed : m_data->sealed) {
        plain.resize(sealed.size() - kNonce - kTag);
        unsigned long long length = 0;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                plain.data(), &length, nullptr, sealed.data() + kNonce, sealed.size() - kNonce,
                nullptr, 0, sealed.data(), m_data->key.data()) != 0) {
            die("baseline: a row's ciphertext did not decrypt");
        }
    }
    return t.seconds();
}

} // namespace sopvault::bench
