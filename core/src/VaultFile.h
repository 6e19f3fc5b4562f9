// The vault file as a store of signed records: every SQL statement of core lives behind this
// class, and only typed rows (records, key wraps, seals) cross its interface.
#pragma once

#include "Records.h"
#include "storage/Database.h"

#include <functional>
#include <optional>
#include <vector>

namespace sopvault::core::detail {

// The hash-chained logs of a vault; SOP versions chain per SOP and have their own calls.
enum class Chain
{
    Admin,  // the administration log: people, rights, collections, settings
    Audit,  // who did what, sealed details
    Events, // review sign-offs, flags and their resolutions
};

// Where a log ends: the position the next record takes and the entry hash it must chain to.
struct ChainHead
{
    std::uint64_t next = 0;
    crypto::Hash32 hash{};
};

// One stored record of a log, as the file holds it (not yet decoded or trusted).
struct LogRow
{
    std::uint64_t position = 0;
    crypto::Bytes recordId; // as stored: replay checks it against the id the body names
    Id sopId{};             // events only: the SOP the row is filed under
    crypto::Bytes body;
    crypto::Bytes signature;
};

// A record's stored bytes, found by its key.
struct StoredRecord
{
    crypto::Bytes body;
    crypto::Bytes signature;
};

// One SOP version's place: which SOP, which version.
struct VersionKey
{
    Id sopId{};
    std::uint64_t version = 0;
    auto operator<=>(const VersionKey&) const = default;
};

struct RecoverySealRow
{
    crypto::Bytes sealed;
    crypto::Bytes signature;
};

// Reads SOP versions one by one with a statement prepared once: replay reads every version's
// body in log order, so preparing per row would cost more than the read.
class VersionReader
{
public:
    // The header of a stored version (no copies); `integrity` if it is missing or malformed.
    [[nodiscard]] Result<RecordHeader> header(const VersionKey& key);
    // The prepared statement (binds SOP id, version; selects body, signature) for the replay
    // step that reads a version's whole record.
    [[nodiscard]] storage::Statement& statement() { return m_stmt; }

private:
    friend class VaultFile;
    explicit VersionReader(storage::Statement stmt) : m_stmt(std::move(stmt)) {}
    storage::Statement m_stmt;
};

// The store of one vault's records. Its interface is the seam where a second store of the same
// records (a server) plugs in: records are appended together with the chain head they extend,
// read from a position on, and the heads are asked for by Chain, never by a table's name.
class VaultFile
{
public:
    explicit VaultFile(storage::Database db) : m_db(std::move(db)) {}
    [[nodiscard]] static Result<VaultFile> open(const std::filesystem::path& path,
                                                storage::OpenMode mode,
                                                std::chrono::milliseconds busyTimeout);
    // Gives the database back (a caller that lent one to replay).
    [[nodiscard]] storage::Database release() && { return std::move(m_db); }

    // BEGIN IMMEDIATE: reads made inside see what the commit will build on.
    [[nodiscard]] Result<storage::WriteTransaction> beginWrite();
    void rollback() noexcept { m_db.rollback(); }

    // --- the logs ---
    // The head of a log as the file holds it now (read inside the caller's transaction).
    [[nodiscard]] Result<ChainHead> head(Chain chain) const;
    // How many administration records the file holds (a writer's check that no one wrote
    // first).
    [[nodiscard]] Result<std::uint64_t> adminCount() const;
    // Appends a record at its header's position; `sopId` files an event under its SOP.
    [[nodiscard]] Result<void> append(Chain chain, const Record& record, const Id& sopId = {});
    // Every record of a log from `from` on, in position order; `each` may stop the walk with an
    // error, which is returned.
    [[nodiscard]] Result<void> readLog(Chain chain, std::uint64_t from,
                                       const std::function<Result<void>(LogRow&)>& each) const;
    // One review or flag record by its id.
    [[nodiscard]] Result<std::optional<StoredRecord>> event(const Id& recordId) const;
    // The same, checked to be byte for byte the record replay verified (`verified` is its
    // entry hash): `integrity` if it disappeared or changed since; `what` names it in errors.
    [[nodiscard]] Result<Record> verifiedEvent(const Id& recordId, const crypto::Hash32& verified,
                                               std::string_view what) const;

    // --- SOP versions (a chain per SOP) ---
    [[nodiscard]] Result<std::uint64_t> versionCount(const Id& sopId) const;
    [[nodiscard]] Result<void> appendVersion(const Id& sopId, const Record& record);
    [[nodiscard]] Result<std::optional<StoredRecord>> version(const VersionKey& key) const;
    // The version's row, if it is the record this session verified (`integrity` otherwise).
    // Writes read the version they build on with it, so a new record never binds to a hash
    // the file does not hold.
    [[nodiscard]] Result<Record> verifiedVersion(const VersionKey& key,
                                                 const crypto::Hash32& verified,
                                                 std::string_view what) const;
    // Which versions exist, from the primary key's index (ordered by SOP and version).
    [[nodiscard]] Result<std::vector<VersionKey>> versionKeys() const;
    // Every version row with its body as a view valid only during `each` (rows in file order).
    [[nodiscard]] Result<void>
    eachVersionBody(const std::function<void(const VersionKey&, crypto::ByteView)>& each) const;
    [[nodiscard]] Result<VersionReader> versionReader() const;

    // --- this vault's people's stored keys (not records: rows each person signs) ---
    [[nodiscard]] Result<void> storeWrap(const Id& user, crypto::ByteView wrap);
    [[nodiscard]] Result<std::optional<crypto::Bytes>> wrap(const Id& user) const;
    [[nodiscard]] Result<std::vector<std::pair<crypto::Bytes, crypto::Bytes>>> wraps() const;
    [[nodiscard]] Result<void> removeWrap(const Id& user);
    [[nodiscard]] Result<void> storeRecoverySeal(const Id& user, crypto::ByteView sealed,
                                                 crypto::ByteView signature);
    [[nodiscard]] Result<std::optional<RecoverySealRow>> recoverySeal(const Id& user) const;

    // --- failed unlocks, noted before anyone is known and audited at the next login ---
    // Best effort: a read-only or busy file must not turn a wrong password into another error.
    void noteFailedUnlock(const Id& user, Timestamp when);
    [[nodiscard]] Result<std::vector<Timestamp>> failedUnlocks(const Id& user) const;
    [[nodiscard]] Result<void> clearFailedUnlocks(const Id& user);

private:
    [[nodiscard]] Result<storage::Statement> prepare(std::string_view sql) const
    {
        return m_db.prepare(sql);
    }
    mutable storage::Database m_db; // reads from const paths prepare statements
};

// An id column's bytes as an Id (all zero if the length is wrong).
[[nodiscard]] Id idFrom(crypto::ByteView bytes);

} // namespace sopvault::core::detail
