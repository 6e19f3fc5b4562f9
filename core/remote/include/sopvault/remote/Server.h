// The server's calls: schema migrations and member administration (an administrator's
// connection), and the append and read of records (a member's). docs/teams.md describes them.
#pragma once

#include <chrono>

#include "sopvault/remote/Connection.h"

#include <span>

namespace sopvault::remote {

// The member group role that migration 1 creates; every member's login role is in it.
inline constexpr std::string_view kMemberGroup = "sopvault_member";

struct MigrationReport
{
    int before = 0; // the schema version found
    int after = 0;  // the schema version now
    std::vector<std::string> applied;
};

// Applies the migrations this build carries and the server lacks, in one transaction under an
// advisory lock, so two administrators running it at once cannot apply one twice. Refuses
// (integrity) when an applied migration's text differs from this build's: they are never edited.
[[nodiscard]] Outcome<MigrationReport> applyMigrations(Connection& admin);
// The newest schema version this build knows.
[[nodiscard]] int knownSchemaVersion();

struct MemberReport
{
    bool created = false;            // a new login role, else an existing member's
    std::vector<std::string> vaults; // the vaults it belongs to now
};

// A LOGIN role in the member group (or an existing member's, logins allowed again), with the
// password's SCRAM verifier when one is given, and membership of `vaults` (created when new).
[[nodiscard]] Outcome<MemberReport> addMember(Connection& admin, std::string_view name,
                                              const crypto::SecureBuffer* password,
                                              const std::vector<std::string>& vaults);

struct RemovalReport
{
    int vaults = 0;     // vault memberships removed
    int terminated = 0; // sessions ended
};

// No more logins (NOLOGIN), out of the member group and every vault, and its open sessions
// ended (pg_terminate_backend) once that is committed.
[[nodiscard]] Outcome<RemovalReport> removeMember(Connection& admin, std::string_view name);

// One record to append: the bytes of the local file's record and its routing columns. The first
// record of a chain has height 1 and an empty prevHash.
struct OutgoingRecord
{
    std::string chain;
    std::int64_t height = 0;
    Bytes prevHash;
    Bytes hash;
    Bytes body;
    std::int64_t seenPosition = 0; // the (position, running hash) of the vault log the author saw
    Bytes seenHash;
};

struct Appended
{
    std::int64_t first = 0; // position of the batch's first record
    std::int64_t last = 0;  // and of its last
};

// Appends the batch atomically through sopvault.append. A chain head that moved is
// Fault::StaleHead (the client rebases), a held lock Fault::Retry, a vault the role does not
// belong to Fault::Denied.
[[nodiscard]] Outcome<Appended> append(Connection& member, std::string_view vaultId,
                                       std::span<const OutgoingRecord> batch);

struct StoredRecord
{
    std::int64_t position = 0;
    OutgoingRecord record;
    std::string author; // the database role that appended it
};

// The vault's write turn (a session advisory lock: PostgreSQL grants waiters in the order they
// asked, and a lost connection gives it back). Waits at most `wait`, then Fault::Retry.
[[nodiscard]] Outcome<void> takeTurn(Connection& member, std::string_view vaultId,
                                     std::chrono::milliseconds wait);
[[nodiscard]] Outcome<void> giveTurn(Connection& member, std::string_view vaultId);

// The vault's records after `position`, in order, at most `limit` of them; what the connection's
// role may see (row-level security: nothing of a vault it does not belong to).
[[nodiscard]] Outcome<std::vector<StoredRecord>> recordsAfter(Connection& member,
                                                              std::string_view vaultId,
                                                              std::int64_t position,
                                                              std::int64_t limit = 1000);

} // namespace sopvault::remote
