// Raw edits of the vault file for tamper tests (see RawFile.h).
#include "RawFile.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace sopvault::test::raw {

using core::Id;
using core::detail::Record;
using core::detail::RecordHeader;
using core::detail::RecordKind;
using crypto::Bytes;
using crypto::ByteView;

namespace {

const char* tableOf(Log which)
{
    return which == Log::Admin ? "admin_log" : "audit_log";
}

} // namespace

Database open(const std::filesystem::path& file)
{
    auto db =
        Database::open(file, core::storage::OpenMode::OpenExisting, std::chrono::milliseconds(200));
    REQUIRE(db);
    return std::move(*db);
}

void exec(Database& db, std::string_view sql)
{
    auto stmt = db.prepare(sql);
    REQUIRE(stmt);
    INFO(sql);
    REQUIRE(stmt->run());
}

std::int64_t count(Database& db, std::string_view sql)
{
    auto stmt = db.prepare(sql);
    REQUIRE(stmt);
    auto row = stmt->step();
    REQUIRE(row);
    REQUIRE(*row);
    return stmt->columnInt(0);
}

void checkpoint(const std::filesystem::path& file)
{
    auto db = open(file);
    auto stmt = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    REQUIRE(stmt);
    INFO("PRAGMA wal_checkpoint(TRUNCATE)");
    REQUIRE(stmt->step());
}

std::vector<Record> records(Database& db, std::string_view sql)
{
    std::vector<Record> out;
    auto stmt = db.prepare(sql);
    REQUIRE(stmt);
    while (*stmt->step()) {
        out.push_back(decoded({stmt->columnBytes(0), stmt->columnBytes(1)}));
    }
    return out;
}

Record decoded(const Stored& s)
{
    auto rec = core::detail::decodeRecord(s.body, s.signature);
    REQUIRE(rec);
    return std::move(*rec);
}

Stored versionRow(Database& db, const Id& sop, std::uint64_t version)
{
    auto stmt = db.prepare("SELECT body, signature FROM sop_versions WHERE sop_id = ? AND "
                           "version = ?");
    REQUIRE(stmt);
    stmt->bind(1, ByteView(sop)).bind(2, static_cast<std::int64_t>(version));
    auto row = stmt->step();
    REQUIRE(row);
    REQUIRE(*row);
    return {stmt->columnBytes(0), stmt->columnBytes(1)};
}

void setVersionRow(Database& db, const Id& sop, std::uint64_t version, const Stored& s)
{
    auto stmt = db.prepare("UPDATE sop_versions SET body = ?, signature = ? WHERE sop_id = ? AND "
                           "version = ?");
    REQUIRE(stmt);
    stmt->bind(1, ByteView(s.body))
        .bind(2, ByteView(s.signature))
        .bind(3, ByteView(sop))
        .bind(4, static_cast<std::int64_t>(version));
    REQUIRE(stmt->run());
}

void putVersion(Database& db, const Id& sop, const Record& rec)
{
    auto stmt = db.prepare("INSERT OR REPLACE INTO sop_versions (sop_id, version, record_id, "
                           "body, signature) VALUES (?, ?, ?, ?, ?)");
    REQUIRE(stmt);
    stmt->bind(1, ByteView(sop))
        .bind(2, static_cast<std::int64_t>(rec.header.position))
        .bind(3, ByteView(rec.header.recordId))
        .bind(4, ByteView(rec.body))
        .bind(5, ByteView(rec.signature));
    REQUIRE(stmt->run());
}

Stored logRow(Database& db, Log which, std::uint64_t position)
{
    auto stmt = db.prepare(
        fmt::format("SELECT body, signature FROM {} WHERE position = ?", tableOf(which)));
    REQUIRE(stmt);
    stmt->bind(1, static_cast<std::int64_t>(position));
    auto row = stmt->step();
    REQUIRE(row);
    REQUIRE(*row);
    return {stmt->columnBytes(0), stmt->columnBytes(1)};
}

void setLogRow(Database& db, Log which, std::uint64_t position, const Stored& s)
{
    auto stmt = db.prepare(
        fmt::format("UPDATE {} SET body = ?, signature = ? WHERE position = ?", tableOf(which)));
    REQUIRE(stmt);
    stmt->bind(1, ByteView(s.body))
        .bind(2, ByteView(s.signature))
        .bind(3, static_cast<std::int64_t>(position));
    REQUIRE(stmt->run());
}

void putAdmin(Database& db, const Record& rec)
{
    auto stmt = db.prepare("INSERT OR REPLACE INTO admin_log (position, record_id, body, "
                           "signature) VALUES (?, ?, ?, ?)");
    REQUIRE(stmt);
    stmt->bind(1, static_cast<std::int64_t>(rec.header.position))
        .bind(2, ByteView(rec.header.recordId))
        .bind(3, ByteView(rec.body))
        .bind(4, ByteView(rec.signature));
    REQUIRE(stmt->run());
}

void putEvent(Database& db, const Id& sop, const Record& rec)
{
    auto stmt = db.prepare("INSERT INTO sop_events (position, record_id, sop_id, body, "
                           "signature) VALUES (?, ?, ?, ?, ?)");
    REQUIRE(stmt);
    stmt->bind(1, static_cast<std::int64_t>(rec.header.position))
        .bind(2, ByteView(rec.header.recordId))
        .bind(3, ByteView(sop))
        .bind(4, ByteView(rec.body))
        .bind(5, ByteView(rec.signature));
    REQUIRE(stmt->run());
}

Bytes wrapOf(Database& db, const Id& user)
{
    auto stmt = db.prepare("SELECT wrap FROM user_keys WHERE user_id = ?");
    REQUIRE(stmt);
    stmt->bind(1, ByteView(user));
    auto row = stmt->step();
    REQUIRE(row);
    REQUIRE(*row);
    return stmt->columnBytes(0);
}

void setWrap(Database& db, const Id& user, const Bytes& wrap)
{
    auto stmt = db.prepare("UPDATE user_keys SET wrap = ? WHERE user_id = ?");
    REQUIRE(stmt);
    stmt->bind(1, ByteView(wrap)).bind(2, ByteView(user));
    REQUIRE(stmt->run());
}

Bytes flipped(Bytes bytes, std::size_t offset)
{
    bytes.at(offset) ^= 0x01;
    return bytes;
}

std::size_t offsetOf(const Bytes& whole, const Bytes& part)
{
    const auto at = std::search(whole.begin(), whole.end(), part.begin(), part.end());
    REQUIRE(at != whole.end());
    return static_cast<std::size_t>(at - whole.begin());
}

AdminLog readAdminLog(Database& db)
{
    AdminLog out;
    out.records = records(db, "SELECT body, signature FROM admin_log ORDER BY position");
    REQUIRE_FALSE(out.records.empty());
    out.vault = out.records.front().header.vault;
    out.head = out.records.back().hash();
    return out;
}

Record signRecord(const RecordHeader& header, Bytes payload, const crypto::SecureBuffer& secret)
{
    Record rec;
    rec.header = header;
    rec.payload = std::move(payload);
    rec.body = core::detail::encodeBody(rec.header, rec.payload);
    auto signature = crypto::sign(secret, rec.body);
    REQUIRE(signature);
    rec.signature = *signature;
    return rec;
}

RecordHeader nextAdmin(const AdminLog& admin, RecordKind kind, const Id& signer)
{
    RecordHeader h;
    h.vault = admin.vault;
    h.recordId = core::randomId();
    h.kind = kind;
    h.position = admin.count();
    h.prev = admin.head;
    h.signer = signer;
    h.time = kForgedTime;
    h.adminCount = admin.count();
    return h;
}

} // namespace sopvault::test::raw
