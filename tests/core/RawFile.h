// The vault file as an insider with a SQLite shell edits it, for tamper tests: rows read and
// written straight, records decoded, re-signed and forged, bytes flipped. Never through core.
#pragma once

#include "Records.h"
#include "storage/Database.h"

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace sopvault::test::raw {

using core::storage::Database;

// When forged records claim to be written: an hour after TestVault's clock starts.
inline constexpr core::Timestamp kForgedTime = 1798765200;

// A stored record's two columns.
struct Stored
{
    crypto::Bytes body;
    crypto::Bytes signature;
};

// The two hash-chained logs of one row per position.
enum class Log
{
    Admin,
    Audit
};

// The file opened as it is (the vault must not be open elsewhere); REQUIREs success.
Database open(const std::filesystem::path& file);
// Runs one statement that returns no rows; REQUIREs success.
void exec(Database& db, std::string_view sql);
// The first column of the first row of `sql` (a count); REQUIREs a row.
std::int64_t count(Database& db, std::string_view sql);
// With every connection closed, moves the write-ahead log into the main file, so the file alone
// holds the whole vault (to copy it, or to read its bytes).
void checkpoint(const std::filesystem::path& file);

// Every row of `sql` (which selects body, signature), decoded; REQUIREs each decodes.
std::vector<core::detail::Record> records(Database& db, std::string_view sql);
core::detail::Record decoded(const Stored& s);

Stored versionRow(Database& db, const core::Id& sop, std::uint64_t version);
void setVersionRow(Database& db, const core::Id& sop, std::uint64_t version, const Stored& s);
// A whole record, written where an attacker would put it (replacing what is there).
void putVersion(Database& db, const core::Id& sop, const core::detail::Record& rec);

Stored logRow(Database& db, Log which, std::uint64_t position);
void setLogRow(Database& db, Log which, std::uint64_t position, const Stored& s);
void putAdmin(Database& db, const core::detail::Record& rec);
// A review sign-off or flag record, appended to a SOP's event log at its header's position.
void putEvent(Database& db, const core::Id& sop, const core::detail::Record& rec);

// A person's password wrap (salt, parameters, sealed secret keys).
crypto::Bytes wrapOf(Database& db, const core::Id& user);
void setWrap(Database& db, const core::Id& user, const crypto::Bytes& wrap);

// `bytes` with the lowest bit of one byte flipped.
crypto::Bytes flipped(crypto::Bytes bytes, std::size_t offset);
// Where `part` starts inside `whole`; REQUIREs it is there.
std::size_t offsetOf(const crypto::Bytes& whole, const crypto::Bytes& part);

// The administration log as an attacker sees it: every record, the vault id and the chain head.
struct AdminLog
{
    core::Id vault{};
    std::vector<core::detail::Record> records;
    crypto::Hash32 head{};
    [[nodiscard]] std::uint64_t count() const { return records.size(); }
};
AdminLog readAdminLog(Database& db);

// A record with `header` and `payload`, signed with `secret` exactly as a client signs.
core::detail::Record signRecord(const core::detail::RecordHeader& header, crypto::Bytes payload,
                                const crypto::SecureBuffer& secret);
// The header of the next administration record, correct in every chain field.
core::detail::RecordHeader nextAdmin(const AdminLog& admin, core::detail::RecordKind kind,
                                     const core::Id& signer);

} // namespace sopvault::test::raw
