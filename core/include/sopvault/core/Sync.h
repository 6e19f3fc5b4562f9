// Team sync as core sees it: the server is an untrusted orderer and store of opaque records
// (security.md, "Teams on a server"). Core judges every record; sopvault::remote implements the
// server over libpq, so core itself never talks to a database server.
#pragma once

#include "sopvault/core/Types.h"
#include "sopvault/crypto/Crypto.h"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

// How a server call failed, as a client must react to it (sopvault::remote::Fault maps here).
enum class ServerFault
{
    Offline,   // cannot reach the server: work on the replica
    Auth,      // the login was refused
    StaleHead, // a chain head moved on: pull, check again, re-sign on the new head, retry
    Retry,     // a lock timeout or serialization failure: try again shortly
    Denied,    // not a member of the vault, or history may not change
    NotFound,  // no such vault, or no SOP Vault schema on the server
    Other,
};

struct ServerError
{
    ServerFault fault = ServerFault::Other;
    Error error; // code and a sentence a person can act on
};

template <typename T>
using ServerResult = std::expected<T, ServerError>;

// One record as the server orders it: the bytes the replica holds and the routing columns.
struct ServerRecord
{
    std::int64_t position = 0; // assigned by the server; 0 in a batch to append
    std::string chain;         // "admin", "audit", "events", "sop/<id hex>", ...
    std::int64_t height = 0;   // 1 for a chain's first record
    crypto::Bytes prevHash;    // empty for a chain's first record
    crypto::Bytes hash;
    crypto::Bytes body;
    // The (position, running vault hash) of the server log its pusher had verified.
    std::int64_t seenPosition = 0;
    crypto::Bytes seenHash;
    std::string author; // the database role that appended it (filled in by the server)
};

// The server: a gapless log of records per vault. Implementations do no judging at all.
class RecordServer
{
public:
    virtual ~RecordServer() = default;
    // The server as a person would name it in a message (no secrets).
    [[nodiscard]] virtual std::string describe() const = 0;
    // The position of the vault's newest record (0 when it has none): the cheap "anything
    // new?" asked before every command.
    [[nodiscard]] virtual ServerResult<std::int64_t> lastPosition(std::string_view vaultId) = 0;
    // The records after `position`, in order, at most `limit`.
    [[nodiscard]] virtual ServerResult<std::vector<ServerRecord>>
    recordsAfter(std::string_view vaultId, std::int64_t position, std::int64_t limit) = 0;
    // Appends the batch atomically; returns the position of its last record. A chain head that
    // moved is ServerFault::StaleHead and nothing is appended.
    [[nodiscard]] virtual ServerResult<std::int64_t>
    append(std::string_view vaultId, std::span<const ServerRecord> batch) = 0;
    // Fairness among writers: a replica whose push was beaten takes the vault's turn, so such
    // writers go one after another in the order they asked and none is beaten again and again
    // (each defeat is a pull and a rebase wasted). A turn not granted within the server's wait is
    // ServerFault::Retry, and the push goes ahead without one. A server without turns grants
    // every one at once.
    [[nodiscard]] virtual ServerResult<void> beginTurn(std::string_view /*vaultId*/) { return {}; }
    virtual void endTurn(std::string_view /*vaultId*/) {}
};

// Where this replica stands with its server.
struct RemoteInfo
{
    std::string url;           // empty when no remote is set
    std::string vaultId;       // this vault's id, the server's name for it
    Timestamp lastSync = 0;    // 0: never
    std::uint64_t pending = 0; // records written here and not yet on the server
    std::int64_t position = 0; // the server log position this replica has verified
    // Position and running hash of the server log, short enough to read aloud: two people whose
    // replicas show the same fingerprint at the same position saw the same history.
    std::string fingerprint;
};

// An edit of a SOP made here that met another edit of the same version on the server.
struct SyncConflict
{
    Id sop{};
    std::string title;
    std::uint64_t mine = 0;   // the version number this edit was written as
    std::uint64_t theirs = 0; // the SOP's newest version on the shared history
};

struct SyncReport
{
    std::size_t pulled = 0;              // records taken from the server and verified
    std::size_t pushed = 0;              // records this replica appended
    std::size_t rebased = 0;             // own records signed again on a newer head
    std::vector<SyncConflict> conflicts; // every conflict left, not only new ones
    // Own records the rebase had to drop, one sentence each (an administration act whose author
    // lost the right to it on the new head).
    std::vector<std::string> refused;
    // What changed for this person elsewhere that they must know, one sentence each (their
    // password set on another of their machines, and which password now unlocks).
    std::vector<std::string> notices;
};

// How a conflict is settled.
enum class Keep
{
    Mine,   // my edit becomes a new version on top of theirs
    Theirs, // my edit is dropped
    Merged, // a new version on top of theirs with the given body
};

struct ClonedVault
{
    std::string vaultId;
    std::size_t records = 0;
    std::int64_t position = 0;
    std::string fingerprint;
};

// A new machine: fetches every record of `vaultId` from the server into a new vault file at
// `path` (which must not exist), checks the chains and signatures, and keeps `url` as its
// remote. Unlocking it afterwards verifies it as any vault file is. `progress` gets (records
// fetched, records on the server).
[[nodiscard]] Result<ClonedVault>
cloneVault(RecordServer& server, std::string_view url, std::string_view vaultId,
           const std::filesystem::path& path,
           const std::function<void(std::size_t, std::size_t)>& progress = {});

} // namespace sopvault::core
