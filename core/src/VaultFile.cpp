// The SQL of the vault file: the only place in core that names its tables, so the rows replay
// and the write paths see are the same whichever of them asks.
#include "VaultFile.h"

#include <fmt/format.h>

#include <cstring>

namespace sopvault::core::detail {

namespace {

struct ChainTable
{
    const char* head;   // the newest row: position, body, signature
    const char* insert; // position, record id, body, signature (and SOP id for events)
    const char* walk;   // position, record id, body, signature (, SOP id), with no order yet
};

const ChainTable& tableOf(Chain chain)
{
    static const ChainTable admin{
        "SELECT position, body, signature FROM admin_log ORDER BY position DESC LIMIT 1",
        "INSERT INTO admin_log (position, record_id, body, signature) VALUES (?, ?, ?, ?)",
        "SELECT position, record_id, body, signature FROM admin_log"};
    static const ChainTable audit{
        "SELECT position, body, signature FROM audit_log ORDER BY position DESC LIMIT 1",
        "INSERT INTO audit_log (position, record_id, body, signature) VALUES (?, ?, ?, ?)",
        "SELECT position, record_id, body, signature FROM audit_log"};
    static const ChainTable events{
        "SELECT position, body, signature FROM sop_events ORDER BY position DESC LIMIT 1",
        "INSERT INTO sop_events (position, record_id, body, signature, sop_id) "
        "VALUES (?, ?, ?, ?, ?)",
        "SELECT position, record_id, body, signature, sop_id FROM sop_events"};
    switch (chain) {
    case Chain::Admin:
        return admin;
    case Chain::Audit:
        return audit;
    case Chain::Events:
        break;
    }
    return events;
}

crypto::Signature signatureFrom(crypto::ByteView bytes)
{
    crypto::Signature signature{};
    if (bytes.size() == signature.size()) {
        std::memcpy(signature.data(), bytes.data(), bytes.size());
    }
    return signature;
}

Result<std::optional<StoredRecord>> stepStored(storage::Statement& stmt)
{
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return std::optional<StoredRecord>{};
    }
    return std::optional<StoredRecord>{StoredRecord{stmt.columnBytes(0), stmt.columnBytes(1)}};
}

// Checks a record read back is byte for byte the one replay verified.
Result<Record> verified(const std::optional<StoredRecord>& stored, const crypto::Hash32& hash,
                        std::string_view what)
{
    if (!stored) {
        return fail(ErrorCode::Integrity, fmt::format("{} disappeared from the file after it was "
                                                      "verified; run 'verify'.",
                                                      what));
    }
    SOPVAULT_TRY(rec, decodeRecord(stored->body, stored->signature));
    // The row must be the very record replay verified, not one swapped in since.
    if (rec.hash() != hash) {
        return fail(ErrorCode::Integrity, fmt::format("{} changed in the file after it was "
                                                      "verified; run 'verify'.",
                                                      what));
    }
    return rec;
}

} // namespace

Id idFrom(crypto::ByteView bytes)
{
    Id id{};
    if (bytes.size() == id.size()) {
        std::copy(bytes.begin(), bytes.end(), id.begin());
    }
    return id;
}

Result<RecordHeader> VersionReader::header(const VersionKey& key)
{
    m_stmt.bind(1, crypto::ByteView(key.sopId)).bind(2, static_cast<std::int64_t>(key.version));
    auto row = m_stmt.step();
    // A missing row decodes as an empty body: the same "malformed" a damaged one gets.
    auto header = !row ? Result<RecordHeader>(std::unexpected(row.error()))
                       : decodeHeader(*row ? m_stmt.columnView(0) : crypto::ByteView{});
    m_stmt.reset();
    return header;
}

Result<VaultFile> VaultFile::open(const std::filesystem::path& path, storage::OpenMode mode,
                                  std::chrono::milliseconds busyTimeout)
{
    SOPVAULT_TRY(db, storage::Database::open(path, mode, busyTimeout));
    return VaultFile(std::move(db));
}

Result<storage::WriteTransaction> VaultFile::beginWrite()
{
    return storage::WriteTransaction::begin(m_db);
}

Result<ChainHead> VaultFile::head(Chain chain) const
{
    SOPVAULT_TRY(head, prepare(tableOf(chain).head));
    SOPVAULT_TRY(row, head.step());
    if (!row) {
        return ChainHead{};
    }
    return ChainHead{static_cast<std::uint64_t>(head.columnInt(0)) + 1,
                     entryHash(head.columnView(1), signatureFrom(head.columnView(2)))};
}

Result<std::uint64_t> VaultFile::adminCount() const
{
    SOPVAULT_TRY(count, prepare("SELECT count(*) FROM admin_log"));
    SOPVAULT_TRY(row, count.step());
    if (!row) {
        return fail(ErrorCode::Failed, "The vault file did not say how long its administration "
                                       "log is.");
    }
    return static_cast<std::uint64_t>(count.columnInt(0));
}

Result<void> VaultFile::append(Chain chain, const Record& record, const Id& sopId)
{
    SOPVAULT_TRY(insert, prepare(tableOf(chain).insert));
    insert.bind(1, static_cast<std::int64_t>(record.header.position))
        .bind(2, crypto::ByteView(record.header.recordId))
        .bind(3, crypto::ByteView(record.body))
        .bind(4, crypto::ByteView(record.signature));
    if (chain == Chain::Events) {
        insert.bind(5, crypto::ByteView(sopId));
    }
    SOPVAULT_CHECK(insert.run());
    return queueRecord(std::string(chainName(chain)),
                       static_cast<std::int64_t>(record.header.position) + 1, record);
}

Result<void> VaultFile::readLog(Chain chain, std::uint64_t from,
                                const std::function<Result<void>(LogRow&)>& each) const
{
    // From the start, every row whatever its position: a stray one must be seen to be reported.
    const std::string sql =
        std::string(tableOf(chain).walk) +
        (from == 0 ? " ORDER BY position" : " WHERE position >= ? ORDER BY position");
    SOPVAULT_TRY(stmt, prepare(sql));
    if (from != 0) {
        stmt.bind(1, static_cast<std::int64_t>(from));
    }
    LogRow row;
    for (;;) {
        SOPVAULT_TRY(more, stmt.step());
        if (!more) {
            return {};
        }
        row.position = static_cast<std::uint64_t>(stmt.columnInt(0));
        row.recordId = stmt.columnBytes(1);
        row.body = stmt.columnBytes(2);
        row.signature = stmt.columnBytes(3);
        row.sopId = chain == Chain::Events ? idFrom(stmt.columnView(4)) : Id{};
        SOPVAULT_CHECK(each(row));
    }
}

Result<std::optional<StoredRecord>> VaultFile::event(const Id& recordId) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT body, signature FROM sop_events WHERE record_id = ?"));
    stmt.bind(1, crypto::ByteView(recordId));
    return stepStored(stmt);
}

Result<Record> VaultFile::verifiedEvent(const Id& recordId, const crypto::Hash32& hash,
                                        std::string_view what) const
{
    SOPVAULT_TRY(stored, event(recordId));
    return verified(stored, hash, what);
}

Result<Record> VaultFile::verifiedVersion(const VersionKey& key, const crypto::Hash32& hash,
                                          std::string_view what) const
{
    SOPVAULT_TRY(stored, version(key));
    return verified(stored, hash, what);
}

Result<std::uint64_t> VaultFile::versionCount(const Id& sopId) const
{
    SOPVAULT_TRY(count, prepare("SELECT count(*) FROM sop_versions WHERE sop_id = ?"));
    count.bind(1, crypto::ByteView(sopId));
    SOPVAULT_TRY(row, count.step());
    if (!row) {
        return fail(ErrorCode::Failed, "The vault file did not say how many versions a SOP has.");
    }
    return static_cast<std::uint64_t>(count.columnInt(0));
}

Result<void> VaultFile::appendVersion(const Id& sopId, const Record& record)
{
    SOPVAULT_TRY(insert, prepare("INSERT INTO sop_versions (sop_id, version, record_id, body, "
                                 "signature) VALUES (?, ?, ?, ?, ?)"));
    insert.bind(1, crypto::ByteView(sopId))
        .bind(2, static_cast<std::int64_t>(record.header.position))
        .bind(3, crypto::ByteView(record.header.recordId))
        .bind(4, crypto::ByteView(record.body))
        .bind(5, crypto::ByteView(record.signature));
    SOPVAULT_CHECK(insert.run());
    return queueRecord(sopChain(sopId), static_cast<std::int64_t>(record.header.position), record);
}

Result<std::optional<StoredRecord>> VaultFile::version(const VersionKey& key) const
{
    SOPVAULT_TRY(reader, versionReader());
    storage::Statement& stmt = reader.statement();
    stmt.bind(1, crypto::ByteView(key.sopId)).bind(2, static_cast<std::int64_t>(key.version));
    return stepStored(stmt);
}

Result<VersionReader> VaultFile::versionReader() const
{
    SOPVAULT_TRY(stmt, prepare("SELECT body, signature FROM sop_versions "
                               "WHERE sop_id = ? AND version = ?"));
    return VersionReader(std::move(stmt));
}

Result<std::vector<VersionKey>> VaultFile::versionKeys() const
{
    SOPVAULT_TRY(stmt,
                 prepare("SELECT sop_id, version FROM sop_versions ORDER BY sop_id, version"));
    std::vector<VersionKey> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.push_back({idFrom(stmt.columnView(0)), static_cast<std::uint64_t>(stmt.columnInt(1))});
    }
}

Result<void> VaultFile::eachVersionBody(
    const std::function<void(const VersionKey&, crypto::ByteView)>& each) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT sop_id, version, body FROM sop_versions"));
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return {};
        }
        each({idFrom(stmt.columnView(0)), static_cast<std::uint64_t>(stmt.columnInt(1))},
             stmt.columnView(2));
    }
}

Result<void> VaultFile::storeWrap(const Id& user, crypto::ByteView wrap)
{
    SOPVAULT_TRY(stmt, prepare("INSERT OR REPLACE INTO user_keys (user_id, wrap) VALUES (?, ?)"));
    stmt.bind(1, crypto::ByteView(user)).bind(2, wrap);
    SOPVAULT_CHECK(stmt.run());
    return queueRow(keysChain(user), RowKind::Wrap, wrap, {});
}

Result<std::optional<crypto::Bytes>> VaultFile::wrap(const Id& user) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT wrap FROM user_keys WHERE user_id = ?"));
    stmt.bind(1, crypto::ByteView(user));
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return std::optional<crypto::Bytes>{};
    }
    return std::optional<crypto::Bytes>{stmt.columnBytes(0)};
}

Result<std::vector<std::pair<crypto::Bytes, crypto::Bytes>>> VaultFile::wraps() const
{
    SOPVAULT_TRY(stmt, prepare("SELECT user_id, wrap FROM user_keys"));
    std::vector<std::pair<crypto::Bytes, crypto::Bytes>> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.emplace_back(stmt.columnBytes(0), stmt.columnBytes(1));
    }
}

Result<void> VaultFile::removeWrap(const Id& user)
{
    SOPVAULT_TRY(stmt, prepare("DELETE FROM user_keys WHERE user_id = ?"));
    stmt.bind(1, crypto::ByteView(user));
    return stmt.run();
}

Result<void> VaultFile::storeRecoverySeal(const Id& user, crypto::ByteView sealed,
                                          crypto::ByteView signature)
{
    SOPVAULT_TRY(stmt, prepare("INSERT OR REPLACE INTO recovery_seals (user_id, sealed, "
                               "signature) VALUES (?, ?, ?)"));
    stmt.bind(1, crypto::ByteView(user)).bind(2, sealed).bind(3, signature);
    SOPVAULT_CHECK(stmt.run());
    return queueRow(sealChain(user), RowKind::Seal, sealed, signature);
}

namespace {
crypto::Hash32 hashFrom(crypto::ByteView raw)
{
    crypto::Hash32 h{};
    if (raw.size() == h.size()) {
        std::copy(raw.begin(), raw.end(), h.begin());
    }
    return h;
}
// A row of (blob_id, sop_id, first_version, data).
AttachmentBlob blobRow(const storage::Statement& stmt)
{
    AttachmentBlob b;
    b.blobId = hashFrom(stmt.columnBytes(0));
    b.sopId = idFrom(stmt.columnBytes(1));
    b.firstVersion = static_cast<std::uint64_t>(stmt.columnInt(2));
    b.data = stmt.columnBytes(3);
    return b;
}
} // namespace

Result<void> VaultFile::putBlob(const AttachmentBlob& blob)
{
    SOPVAULT_TRY(stmt,
                 prepare(blob.carried
                             ? "INSERT INTO attachment_blobs (blob_id, sop_id, first_version, "
                               "data) VALUES (?, ?, ?, ?) ON CONFLICT (blob_id) DO UPDATE SET "
                               "first_version = excluded.first_version"
                             : "INSERT OR IGNORE INTO attachment_blobs (blob_id, sop_id, "
                               "first_version, data) VALUES (?, ?, ?, ?)"));
    stmt.bind(1, crypto::ByteView(blob.blobId))
        .bind(2, crypto::ByteView(blob.sopId))
        .bind(3, static_cast<std::int64_t>(blob.firstVersion))
        .bind(4, crypto::ByteView(blob.data));
    return stmt.run();
}

Result<std::optional<AttachmentBlob>> VaultFile::blob(const crypto::Hash32& blobId) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT blob_id, sop_id, first_version, data FROM "
                               "attachment_blobs WHERE blob_id = ?"));
    stmt.bind(1, crypto::ByteView(blobId));
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return std::optional<AttachmentBlob>{};
    }
    return std::optional<AttachmentBlob>{blobRow(stmt)};
}

Result<std::vector<AttachmentBlob>> VaultFile::blobsFirstIn(const VersionKey& key) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT blob_id, sop_id, first_version, data FROM "
                               "attachment_blobs WHERE sop_id = ? AND first_version = ? "
                               "ORDER BY blob_id"));
    stmt.bind(1, crypto::ByteView(key.sopId)).bind(2, static_cast<std::int64_t>(key.version));
    std::vector<AttachmentBlob> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.push_back(blobRow(stmt));
    }
}

Result<bool> VaultFile::hasBlob(const crypto::Hash32& blobId) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT 1 FROM attachment_blobs WHERE blob_id = ?"));
    stmt.bind(1, crypto::ByteView(blobId));
    SOPVAULT_TRY(row, stmt.step());
    return row;
}

Result<std::vector<std::pair<crypto::Hash32, Id>>> VaultFile::blobIds() const
{
    SOPVAULT_TRY(stmt, prepare("SELECT blob_id, sop_id FROM attachment_blobs ORDER BY blob_id"));
    std::vector<std::pair<crypto::Hash32, Id>> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            break;
        }
        out.emplace_back(hashFrom(stmt.columnBytes(0)), idFrom(stmt.columnBytes(1)));
    }
    return out;
}

Result<std::optional<RecoverySealRow>> VaultFile::recoverySeal(const Id& user) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT sealed, signature FROM recovery_seals WHERE user_id = ?"));
    stmt.bind(1, crypto::ByteView(user));
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return std::optional<RecoverySealRow>{};
    }
    return std::optional<RecoverySealRow>{
        RecoverySealRow{stmt.columnBytes(0), stmt.columnBytes(1)}};
}

void VaultFile::noteFailedUnlock(const Id& user, Timestamp when)
{
    auto stmt = prepare("INSERT INTO failed_unlocks (user_id, time) VALUES (?, ?)");
    if (stmt) {
        stmt->bind(1, crypto::ByteView(user)).bind(2, when);
        (void)stmt->run();
    }
}

Result<std::vector<Timestamp>> VaultFile::failedUnlocks(const Id& user) const
{
    SOPVAULT_TRY(stmt, prepare("SELECT time FROM failed_unlocks WHERE user_id = ? ORDER BY time"));
    stmt.bind(1, crypto::ByteView(user));
    std::vector<Timestamp> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.push_back(stmt.columnInt(0));
    }
}

Result<void> VaultFile::clearFailedUnlocks(const Id& user)
{
    SOPVAULT_TRY(stmt, prepare("DELETE FROM failed_unlocks WHERE user_id = ?"));
    stmt.bind(1, crypto::ByteView(user));
    return stmt.run();
}

std::string_view chainName(Chain chain)
{
    switch (chain) {
    case Chain::Admin:
        return kAdminChain;
    case Chain::Audit:
        return kAuditChain;
    case Chain::Events:
        break;
    }
    return kEventsChain;
}

SyncRow recordRow(std::string chain, std::int64_t height, const Record& record)
{
    SyncRow row;
    row.chain = std::move(chain);
    row.height = height;
    if (record.header.prev != crypto::Hash32{}) {
        row.prevHash = crypto::toBytes(record.header.prev);
    }
    row.hash = record.hash();
    row.kind = RowKind::Record;
    row.body = record.body;
    row.signature = crypto::toBytes(record.signature);
    return row;
}

namespace {

ServerLogRow serverLogRow(const storage::Statement& stmt)
{
    return ServerLogRow{stmt.columnInt(0), stmt.columnText(1), stmt.columnInt(2),
                        hashFrom(stmt.columnView(3)), hashFrom(stmt.columnView(4))};
}

OutboxRow outboxRow(const storage::Statement& stmt)
{
    OutboxRow out;
    out.seq = stmt.columnInt(0);
    out.row.chain = stmt.columnText(1);
    out.row.height = stmt.columnInt(2);
    out.row.prevHash = stmt.columnBytes(3);
    out.row.hash = hashFrom(stmt.columnView(4));
    out.row.kind = static_cast<RowKind>(stmt.columnInt(5));
    out.row.body = stmt.columnBytes(6);
    out.row.signature = stmt.columnBytes(7);
    return out;
}

constexpr std::string_view kOutboxColumns =
    "SELECT seq, chain, height, prev_hash, entry_hash, kind, body, signature FROM outbox ";
constexpr std::string_view kServerLogColumns =
    "SELECT position, chain, height, entry_hash, running FROM server_log ";

Result<std::vector<OutboxRow>> outboxRows(storage::Statement& stmt)
{
    std::vector<OutboxRow> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.push_back(outboxRow(stmt));
    }
}

} // namespace

Result<bool> VaultFile::outboxOn() const
{
    if (m_quiet) {
        return false;
    }
    if (!m_remoteSet) {
        SOPVAULT_TRY(remote, remoteRow());
        m_remoteSet = remote.has_value();
    }
    return *m_remoteSet;
}

Result<void> VaultFile::queueRecord(std::string chain, std::int64_t height, const Record& record)
{
    SOPVAULT_TRY(on, outboxOn());
    if (!on) {
        return {};
    }
    return enqueue(recordRow(std::move(chain), height, record));
}

Result<void> VaultFile::queueRow(std::string chain, RowKind kind, crypto::ByteView body,
                                 crypto::ByteView signature)
{
    SOPVAULT_TRY(on, outboxOn());
    if (!on) {
        return {};
    }
    // A wrap or seal chain grows by one on every change, after what was verified or queued.
    SOPVAULT_TRY(stmt, prepare("SELECT height, entry_hash FROM (SELECT height, entry_hash FROM "
                               "server_log WHERE chain = ?1 UNION ALL SELECT height, entry_hash "
                               "FROM outbox WHERE chain = ?1) ORDER BY height DESC LIMIT 1"));
    stmt.bind(1, std::string_view(chain));
    SOPVAULT_TRY(found, stmt.step());
    SyncRow row;
    row.height = found ? stmt.columnInt(0) + 1 : 1;
    if (found) {
        row.prevHash = stmt.columnBytes(1);
    }
    row.chain = std::move(chain);
    row.kind = kind;
    row.body = crypto::toBytes(body);
    row.signature = crypto::toBytes(signature);
    row.hash = rowHash(row.chain, row.height, row.prevHash, kind, row.body, row.signature);
    return enqueue(row);
}

Result<void> VaultFile::enqueue(const SyncRow& row)
{
    SOPVAULT_TRY(stmt, prepare("INSERT INTO outbox (chain, height, prev_hash, entry_hash, kind, "
                               "body, signature) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    stmt.bind(1, std::string_view(row.chain))
        .bind(2, row.height)
        .bind(3, crypto::ByteView(row.prevHash))
        .bind(4, crypto::ByteView(row.hash))
        .bind(5, static_cast<std::int64_t>(row.kind))
        .bind(6, crypto::ByteView(row.body))
        .bind(7, crypto::ByteView(row.signature));
    return stmt.run();
}

Result<std::optional<RemoteRow>> VaultFile::remoteRow() const
{
    SOPVAULT_TRY(stmt, prepare("SELECT url, last_sync FROM sync_remote WHERE id = 1"));
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return std::optional<RemoteRow>{};
    }
    return std::optional<RemoteRow>{RemoteRow{stmt.columnText(0), stmt.columnInt(1)}};
}

Result<void> VaultFile::setRemoteRow(std::string_view url)
{
    SOPVAULT_TRY(stmt, prepare("INSERT INTO sync_remote (id, url) VALUES (1, ?) "
                               "ON CONFLICT (id) DO UPDATE SET url = excluded.url"));
    stmt.bind(1, url);
    SOPVAULT_CHECK(stmt.run());
    m_remoteSet = true;
    return {};
}

Result<void> VaultFile::setLastSync(Timestamp when)
{
    SOPVAULT_TRY(stmt, prepare("UPDATE sync_remote SET last_sync = ? WHERE id = 1"));
    stmt.bind(1, when);
    return stmt.run();
}

Result<ServerLogRow> VaultFile::serverHead() const
{
    SOPVAULT_TRY(stmt, prepare(std::string(kServerLogColumns) + "ORDER BY position DESC LIMIT 1"));
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return ServerLogRow{};
    }
    return serverLogRow(stmt);
}

Result<std::optional<ServerLogRow>> VaultFile::serverLogAt(std::int64_t position) const
{
    SOPVAULT_TRY(stmt, prepare(std::string(kServerLogColumns) + "WHERE position = ?"));
    stmt.bind(1, position);
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return std::optional<ServerLogRow>{};
    }
    return std::optional<ServerLogRow>{serverLogRow(stmt)};
}

Result<std::optional<ServerLogRow>> VaultFile::serverLogOf(std::string_view chain,
                                                           std::int64_t height) const
{
    SOPVAULT_TRY(stmt, prepare(std::string(kServerLogColumns) + "WHERE chain = ? AND height = ?"));
    stmt.bind(1, chain).bind(2, height);
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return std::optional<ServerLogRow>{};
    }
    return std::optional<ServerLogRow>{serverLogRow(stmt)};
}

Result<void> VaultFile::addServerLog(const ServerLogRow& row)
{
    SOPVAULT_TRY(stmt, prepare("INSERT INTO server_log (position, chain, height, entry_hash, "
                               "running) VALUES (?, ?, ?, ?, ?)"));
    stmt.bind(1, row.position)
        .bind(2, std::string_view(row.chain))
        .bind(3, row.height)
        .bind(4, crypto::ByteView(row.hash))
        .bind(5, crypto::ByteView(row.running));
    return stmt.run();
}

Result<std::vector<OutboxRow>> VaultFile::outbox(std::size_t limit) const
{
    SOPVAULT_TRY(stmt, prepare(std::string(kOutboxColumns) + "ORDER BY seq LIMIT ?"));
    stmt.bind(1, static_cast<std::int64_t>(limit));
    return outboxRows(stmt);
}

Result<std::uint64_t> VaultFile::outboxSize() const
{
    SOPVAULT_TRY(stmt, prepare("SELECT count(*) FROM outbox"));
    SOPVAULT_TRY(row, stmt.step());
    return row ? static_cast<std::uint64_t>(stmt.columnInt(0)) : 0;
}

Result<std::optional<OutboxRow>> VaultFile::outboxOf(std::string_view chain,
                                                     std::int64_t height) const
{
    SOPVAULT_TRY(stmt, prepare(std::string(kOutboxColumns) + "WHERE chain = ? AND height = ?"));
    stmt.bind(1, chain).bind(2, height);
    SOPVAULT_TRY(rows, outboxRows(stmt));
    if (rows.empty()) {
        return std::optional<OutboxRow>{};
    }
    return std::optional<OutboxRow>{std::move(rows.front())};
}

Result<std::vector<OutboxRow>> VaultFile::outboxChain(std::string_view chain) const
{
    SOPVAULT_TRY(stmt, prepare(std::string(kOutboxColumns) + "WHERE chain = ? ORDER BY seq"));
    stmt.bind(1, chain);
    return outboxRows(stmt);
}

Result<void> VaultFile::removeOutbox(std::int64_t seq)
{
    SOPVAULT_TRY(stmt, prepare("DELETE FROM outbox WHERE seq = ?"));
    stmt.bind(1, seq);
    return stmt.run();
}

Result<void> VaultFile::clearOutbox()
{
    SOPVAULT_TRY(stmt, prepare("DELETE FROM outbox"));
    return stmt.run();
}

Result<void> VaultFile::removeLogFrom(Chain chain, std::uint64_t position)
{
    const char* sql = chain == Chain::Admin   ? "DELETE FROM admin_log WHERE position >= ?"
                      : chain == Chain::Audit ? "DELETE FROM audit_log WHERE position >= ?"
                                              : "DELETE FROM sop_events WHERE position >= ?";
    SOPVAULT_TRY(stmt, prepare(sql));
    stmt.bind(1, static_cast<std::int64_t>(position));
    return stmt.run();
}

Result<void> VaultFile::removeVersion(const VersionKey& key)
{
    SOPVAULT_TRY(stmt, prepare("DELETE FROM sop_versions WHERE sop_id = ? AND version = ?"));
    stmt.bind(1, crypto::ByteView(key.sopId)).bind(2, static_cast<std::int64_t>(key.version));
    return stmt.run();
}

Result<void> VaultFile::addConflict(const Record& rec, const Id& sopId, std::uint64_t theirs)
{
    SOPVAULT_TRY(stmt, prepare("INSERT INTO sync_conflicts (sop_id, version, record_id, body, "
                               "signature, theirs) VALUES (?, ?, ?, ?, ?, ?)"));
    stmt.bind(1, crypto::ByteView(sopId))
        .bind(2, static_cast<std::int64_t>(rec.header.position))
        .bind(3, crypto::ByteView(rec.header.recordId))
        .bind(4, crypto::ByteView(rec.body))
        .bind(5, crypto::ByteView(rec.signature))
        .bind(6, static_cast<std::int64_t>(theirs));
    return stmt.run();
}

Result<std::vector<ConflictRow>> VaultFile::conflictRows() const
{
    SOPVAULT_TRY(stmt, prepare("SELECT sop_id, version, body, signature, theirs FROM "
                               "sync_conflicts ORDER BY sop_id, version"));
    std::vector<ConflictRow> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.push_back({idFrom(stmt.columnView(0)), static_cast<std::uint64_t>(stmt.columnInt(1)),
                       stmt.columnBytes(2), stmt.columnBytes(3),
                       static_cast<std::uint64_t>(stmt.columnInt(4))});
    }
}

Result<void> VaultFile::removeConflicts(const Id& sopId)
{
    SOPVAULT_TRY(stmt, prepare("DELETE FROM sync_conflicts WHERE sop_id = ?"));
    stmt.bind(1, crypto::ByteView(sopId));
    return stmt.run();
}

Result<std::vector<std::pair<Id, RecoverySealRow>>> VaultFile::recoverySeals() const
{
    SOPVAULT_TRY(stmt, prepare("SELECT user_id, sealed, signature FROM recovery_seals"));
    std::vector<std::pair<Id, RecoverySealRow>> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.emplace_back(idFrom(stmt.columnView(0)),
                         RecoverySealRow{stmt.columnBytes(1), stmt.columnBytes(2)});
    }
}

} // namespace sopvault::core::detail
