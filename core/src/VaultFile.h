// The vault file as a store of signed records: every SQL statement of core lives behind this
// class, and only typed rows (records, key wraps, seals) cross its interface.
#pragma once

#include "Records.h"
#include "SyncRecords.h"
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

// --- team sync (schema 0004) ---
struct RemoteRow
{
    std::string url;
    Timestamp lastSync = 0;
};

// One server record this replica verified, and the running hash of the server log up to it.
struct ServerLogRow
{
    std::int64_t position = 0;
    std::string chain;
    std::int64_t height = 0;
    crypto::Hash32 hash{};
    crypto::Hash32 running{};
};

struct OutboxRow
{
    std::int64_t seq = 0;
    SyncRow row;
};

// A SOP version of mine that lost a race, as it was written.
struct ConflictRow
{
    Id sopId{};
    std::uint64_t version = 0;
    crypto::Bytes body;
    crypto::Bytes signature;
    std::uint64_t theirs = 0;
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

    // --- attachment blobs (schema 0005): ciphertexts by the hash of their bytes ---
    // Stores a blob unless one with its id is there (the same ciphertext, by its id).
    // A carried blob (AttachmentBlob::carried) is moved to its new first version instead.
    [[nodiscard]] Result<void> putBlob(const AttachmentBlob& blob);
    [[nodiscard]] Result<std::optional<AttachmentBlob>> blob(const crypto::Hash32& blobId) const;
    [[nodiscard]] Result<bool> hasBlob(const crypto::Hash32& blobId) const;
    // The blobs a SOP version listed first (they travel with that version's row).
    [[nodiscard]] Result<std::vector<AttachmentBlob>> blobsFirstIn(const VersionKey& key) const;
    // Every blob id with the SOP it is filed under (verify).
    [[nodiscard]] Result<std::vector<std::pair<crypto::Hash32, Id>>> blobIds() const;

    // --- this vault's people's stored keys (not records: rows each person signs) ---
    [[nodiscard]] Result<void> storeWrap(const Id& user, crypto::ByteView wrap);
    [[nodiscard]] Result<std::optional<crypto::Bytes>> wrap(const Id& user) const;
    [[nodiscard]] Result<std::vector<std::pair<crypto::Bytes, crypto::Bytes>>> wraps() const;
    [[nodiscard]] Result<void> removeWrap(const Id& user);
    [[nodiscard]] Result<void> storeRecoverySeal(const Id& user, crypto::ByteView sealed,
                                                 crypto::ByteView signature);
    [[nodiscard]] Result<std::optional<RecoverySealRow>> recoverySeal(const Id& user) const;

    // --- team sync (Sync*.cpp): the remote, the verified server log, the outbox, conflicts ---
    // While a remote is set, every append, appendVersion, storeWrap and storeRecoverySeal also
    // queues its row in the outbox, in the same transaction; records taken from the server are
    // written with `quiet` set so they are not queued back.
    [[nodiscard]] Result<std::optional<RemoteRow>> remoteRow() const;
    [[nodiscard]] Result<void> setRemoteRow(std::string_view url);
    [[nodiscard]] Result<void> setLastSync(Timestamp when);
    void setQuiet(bool quiet) { m_quiet = quiet; }
    // The newest verified server record (position 0 and R_0 when none).
    [[nodiscard]] Result<ServerLogRow> serverHead() const;
    [[nodiscard]] Result<std::optional<ServerLogRow>> serverLogAt(std::int64_t position) const;
    [[nodiscard]] Result<std::optional<ServerLogRow>> serverLogOf(std::string_view chain,
                                                                  std::int64_t height) const;
    [[nodiscard]] Result<void> addServerLog(const ServerLogRow& row);
    // The oldest `limit` rows waiting to be pushed, in write order.
    [[nodiscard]] Result<std::vector<OutboxRow>> outbox(std::size_t limit) const;
    [[nodiscard]] Result<std::uint64_t> outboxSize() const;
    [[nodiscard]] Result<std::optional<OutboxRow>> outboxOf(std::string_view chain,
                                                            std::int64_t height) const;
    [[nodiscard]] Result<std::vector<OutboxRow>> outboxChain(std::string_view chain) const;
    [[nodiscard]] Result<void> removeOutbox(std::int64_t seq);
    [[nodiscard]] Result<void> clearOutbox();
    [[nodiscard]] Result<void> enqueue(const SyncRow& row);
    // A log's records from `position` on (my unconfirmed ones, before a rebase).
    [[nodiscard]] Result<void> removeLogFrom(Chain chain, std::uint64_t position);
    [[nodiscard]] Result<void> removeVersion(const VersionKey& key);
    [[nodiscard]] Result<void> addConflict(const Record& rec, const Id& sopId,
                                           std::uint64_t theirs);
    [[nodiscard]] Result<std::vector<ConflictRow>> conflictRows() const;
    [[nodiscard]] Result<void> removeConflicts(const Id& sopId);
    [[nodiscard]] Result<std::vector<std::pair<Id, RecoverySealRow>>> recoverySeals() const;

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
    // Queues a row in the outbox if a remote is set and the write is not a pulled one.
    [[nodiscard]] Result<void> queueRecord(std::string chain, std::int64_t height,
                                           const Record& record);
    [[nodiscard]] Result<void> queueRow(std::string chain, RowKind kind, crypto::ByteView body,
                                        crypto::ByteView signature);
    [[nodiscard]] Result<bool> outboxOn() const;
    mutable storage::Database m_db; // reads from const paths prepare statements
    mutable std::optional<bool> m_remoteSet;
    bool m_quiet = false;
};

// The server chain a log's records travel on.
[[nodiscard]] std::string_view chainName(Chain chain);
// A record as a row of its chain.
[[nodiscard]] SyncRow recordRow(std::string chain, std::int64_t height, const Record& record);

// An id column's bytes as an Id (all zero if the length is wrong).
[[nodiscard]] Id idFrom(crypto::ByteView bytes);

} // namespace sopvault::core::detail
