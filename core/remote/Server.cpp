// Server administration and the append/read calls, all through Connection's parameterised
// queries; the SQL they call lives in schema/postgres/.
#include "sopvault/remote/Server.h"

#include "PgMigrations.h"

#include <fmt/format.h>

#include <algorithm>

namespace sopvault::remote {
namespace {

// pg_advisory_xact_lock's key for `server init`: any constant no other program is likely to use.
constexpr std::int64_t kMigrationLock = 0x536f705661756c74; // "SopVault"

// Runs `body` inside BEGIN/COMMIT; any failure rolls back (and a lost connection needs none).
template <typename T, typename F>
Outcome<T> inTransaction(Connection& c, F body)
{
    if (auto begun = c.query("BEGIN"); !begun) {
        return std::unexpected(std::move(begun.error()));
    }
    Outcome<T> result = body();
    if (!result) {
        (void)c.query("ROLLBACK");
        return result;
    }
    if (auto committed = c.query("COMMIT"); !committed) {
        return std::unexpected(std::move(committed.error()));
    }
    return result;
}

} // namespace

int knownSchemaVersion()
{
    const auto& all = detail::pgMigrations();
    return all.empty() ? 0 : all.back().version;
}

Outcome<MigrationReport> applyMigrations(Connection& admin)
{
    return inTransaction<MigrationReport>(admin, [&]() -> Outcome<MigrationReport> {
        SOPVAULT_CHECK(
            admin.query("SELECT pg_advisory_xact_lock($1)", {Param::int64(kMigrationLock)}));
        SOPVAULT_CHECK(admin.query("CREATE SCHEMA IF NOT EXISTS sopvault"));
        SOPVAULT_CHECK(admin.query("CREATE TABLE IF NOT EXISTS sopvault.schema_migrations ("
                                   "version integer PRIMARY KEY, name text NOT NULL, "
                                   "checksum text NOT NULL, "
                                   "applied_at timestamptz NOT NULL DEFAULT now())"));
        SOPVAULT_TRY(done, admin.query("SELECT version FROM sopvault.schema_migrations "
                                       "ORDER BY version"));
        MigrationReport report;
        std::vector<int> applied;
        for (std::size_t i = 0; i < done.size(); ++i) {
            applied.push_back(static_cast<int>(done.int64(i, 0)));
            report.before = std::max(report.before, applied.back());
        }
        for (const auto& m : detail::pgMigrations()) {
            if (std::find(applied.begin(), applied.end(), m.version) != applied.end()) {
                SOPVAULT_TRY(same, admin.query("SELECT md5($1) = checksum FROM "
                                               "sopvault.schema_migrations WHERE version = $2",
                                               {Param::text(m.sql), Param::int64(m.version)}));
                if (!same.boolean(0, 0)) {
                    return std::unexpected(Failure{
                        Fault::Other, "",
                        Error{ErrorCode::Integrity,
                              fmt::format("Server migration {} on this database differs from "
                                          "the one this program carries; released migrations "
                                          "are never edited, so find out who changed it before "
                                          "going on. Nothing was changed.",
                                          m.name)}});
                }
                continue;
            }
            SOPVAULT_CHECK(admin.runScript(m.sql));
            SOPVAULT_CHECK(
                admin.query("INSERT INTO sopvault.schema_migrations (version, name, "
                            "checksum) VALUES ($1, $2, md5($3))",
                            {Param::int64(m.version), Param::text(m.name), Param::text(m.sql)}));
            report.applied.emplace_back(m.name);
        }
        report.after = std::max(report.before, knownSchemaVersion());
        return report;
    });
}

Outcome<MemberReport> addMember(Connection& admin, std::string_view name,
                                const crypto::SecureBuffer* password,
                                const std::vector<std::string>& vaults)
{
    std::optional<std::string> verifier;
    if (password != nullptr) {
        SOPVAULT_TRY(v, admin.passwordVerifier(*password, name));
        verifier = std::move(v);
    }
    return inTransaction<MemberReport>(admin, [&]() -> Outcome<MemberReport> {
        SOPVAULT_TRY(
            rows, admin.query("SELECT sopvault.admin_add_member($1, $2, $3)",
                              {Param::text(name), verifier ? Param::text(*verifier) : Param::null(),
                               Param::textArray(vaults)}));
        MemberReport report;
        report.created = rows.boolean(0, 0);
        SOPVAULT_TRY(member, admin.query("SELECT vault_id FROM sopvault.members WHERE "
                                         "role_name = $1 ORDER BY vault_id",
                                         {Param::text(name)}));
        for (std::size_t i = 0; i < member.size(); ++i) {
            report.vaults.push_back(member.text(i, 0));
        }
        return report;
    });
}

Outcome<RemovalReport> removeMember(Connection& admin, std::string_view name)
{
    SOPVAULT_TRY(report, inTransaction<RemovalReport>(admin, [&]() -> Outcome<RemovalReport> {
                     SOPVAULT_TRY(rows, admin.query("SELECT sopvault.admin_remove_member($1)",
                                                    {Param::text(name)}));
                     RemovalReport r;
                     r.vaults = static_cast<int>(rows.int64(0, 0));
                     return r;
                 }));
    // After the commit: a session that reconnects now finds the role unable to log in.
    SOPVAULT_TRY(ended, admin.query("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                                    "FROM pg_stat_activity WHERE usename = $1 AND "
                                    "pid <> pg_backend_pid()",
                                    {Param::text(name)}));
    report.terminated = static_cast<int>(ended.int64(0, 0));
    return report;
}

Outcome<Appended> append(Connection& member, std::string_view vaultId,
                         std::span<const OutgoingRecord> batch)
{
    std::vector<std::string> chains;
    std::vector<std::int64_t> heights;
    std::vector<std::int64_t> seenPositions;
    std::vector<std::optional<Bytes>> prev;
    std::vector<std::optional<Bytes>> hashes;
    std::vector<std::optional<Bytes>> bodies;
    std::vector<std::optional<Bytes>> seenHashes;
    for (const auto& r : batch) {
        chains.push_back(r.chain);
        heights.push_back(r.height);
        prev.emplace_back(r.prevHash.empty() ? std::nullopt : std::optional<Bytes>(r.prevHash));
        hashes.emplace_back(r.hash);
        bodies.emplace_back(r.body);
        seenPositions.push_back(r.seenPosition);
        seenHashes.emplace_back(r.seenHash.empty() ? std::nullopt
                                                   : std::optional<Bytes>(r.seenHash));
    }
    SOPVAULT_TRY(
        rows,
        member.query("SELECT sopvault.append($1, $2, $3, $4, $5, $6, $7, $8)",
                     {Param::text(vaultId), Param::textArray(chains), Param::int64Array(heights),
                      Param::bytesArray(prev), Param::bytesArray(hashes), Param::bytesArray(bodies),
                      Param::int64Array(seenPositions), Param::bytesArray(seenHashes)}));
    Appended out;
    out.last = rows.int64(0, 0);
    out.first = out.last - static_cast<std::int64_t>(batch.size()) + 1;
    return out;
}

namespace {
// One key per vault in the advisory lock space; two vaults that share one only take turns.
constexpr std::string_view kTurnKey = "hashtextextended('sopvault/turn/' || $1, 0)";
} // namespace

Outcome<void> takeTurn(Connection& member, std::string_view vaultId, std::chrono::milliseconds wait)
{
    // The lock is the session's, so it outlives the transaction that bounds the wait.
    return inTransaction<void>(member, [&]() -> Outcome<void> {
        SOPVAULT_CHECK(member.query(fmt::format("SET LOCAL lock_timeout = '{}ms'", wait.count())));
        SOPVAULT_CHECK(member.query(fmt::format("SELECT pg_advisory_lock({})", kTurnKey),
                                    {Param::text(vaultId)}));
        return {};
    });
}

Outcome<void> giveTurn(Connection& member, std::string_view vaultId)
{
    SOPVAULT_CHECK(member.query(fmt::format("SELECT pg_advisory_unlock({})", kTurnKey),
                                {Param::text(vaultId)}));
    return {};
}

Outcome<std::vector<StoredRecord>> recordsAfter(Connection& member, std::string_view vaultId,
                                                std::int64_t position, std::int64_t limit)
{
    SOPVAULT_TRY(rows,
                 member.query("SELECT position, chain, height, prev_hash, entry_hash, body, "
                              "seen_position, seen_hash, author FROM sopvault.records "
                              "WHERE vault_id = $1 AND position > $2 ORDER BY position "
                              "LIMIT $3",
                              {Param::text(vaultId), Param::int64(position), Param::int64(limit)}));
    std::vector<StoredRecord> out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        StoredRecord s;
        s.position = rows.int64(i, 0);
        s.record.chain = rows.text(i, 1);
        s.record.height = rows.int64(i, 2);
        s.record.prevHash = rows.bytes(i, 3);
        s.record.hash = rows.bytes(i, 4);
        s.record.body = rows.bytes(i, 5);
        s.record.seenPosition = rows.int64(i, 6);
        s.record.seenHash = rows.bytes(i, 7);
        s.author = rows.text(i, 8);
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace sopvault::remote
