// The vault's derived state, rebuilt by replaying the signed records (never stored).
#pragma once

#include "Records.h"
#include "sopvault/core/AccessPolicy.h"

#include <map>
#include <optional>
#include <set>

namespace sopvault::core::detail {

struct UserState
{
    Id id{};
    std::string name;
    crypto::SignPublicKey signKey{};
    crypto::BoxPublicKey boxKey{};
    bool owner = false;
    bool removed = false;
};

struct CollectionState
{
    Id id{};
    Id parent{};
    crypto::Bytes encryptedPath;
    std::map<std::uint32_t, crypto::Bytes> commitments;  // per epoch
    std::map<std::uint32_t, crypto::Bytes> previousKeys; // epoch e: key e-1 under key e
    std::uint32_t epoch = 0;
};

// Someone's rights taken away at `position` of the administration log (an ungrant, or a
// removal when `collections` is empty): what they sign later must not pass as earlier.
struct Revocation
{
    std::uint64_t position = 0;
    Id user{};
    bool everywhere = false;
    std::set<Id> collections;
    std::map<Id, std::uint64_t> heads;
    std::uint64_t eventCount = 0;
    std::uint64_t auditCount = 0;
};

struct GrantState
{
    Id user{};
    std::string role;
    Id collection{};
    friend bool operator==(const GrantState&, const GrantState&) = default;
};

struct VersionState
{
    std::uint64_t version = 0;
    crypto::Hash32 hash{};
    Id author{};
    Timestamp time = 0;
    std::uint64_t adminCount = 0;
    Id collection{};
    std::uint32_t epoch = 0; // of the collection key it is encrypted under
    // Ordered by the server but refused by the rules (its signer had no right to it there): it
    // stays a link of the SOP's chain, and readers are shown the version before it.
    bool refused = false;
};

// A sign-off, flag or flag resolution, as replay accepted it (its text stays encrypted in the
// file until someone reads it).
struct EventState
{
    Id id{};
    RecordKind kind = RecordKind::Flag;
    Id author{};
    Timestamp time = 0;
    std::uint64_t version = 0;
    std::uint8_t decision = 0;
    Id flagId{};
    crypto::Hash32 hash{};
    std::uint64_t adminCount = 0;
    std::uint64_t position = 0;
};

struct SopRecordState
{
    Id id{};
    Id collection{};
    std::vector<VersionState> versions; // the verified prefix
    std::string problem;                // non-empty: a version failed; the SOP is damaged
    std::vector<EventState> events;     // sign-offs, flags and resolutions, in log order
    // Non-empty: a review or flag record of this SOP failed (moved, damaged, forged or written
    // after a revocation), so its review status and flags cannot be trusted.
    std::string eventProblem;

    // The newest version readers are shown (a refused one never is). None when every version
    // was refused: such a SOP never existed for anyone, and is neither listed, searched nor
    // opened.
    [[nodiscard]] const VersionState* shownVersion() const
    {
        for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
            if (!it->refused) {
                return &*it;
            }
        }
        return nullptr;
    }
    [[nodiscard]] bool onlyRefused() const
    {
        return !versions.empty() && shownVersion() == nullptr;
    }
    // Undamaged and with a version to show: what lists, search, reviews and exports walk over.
    [[nodiscard]] bool readable() const { return problem.empty() && shownVersion() != nullptr; }
};

struct State
{
    Id vaultId{};
    bool haveGenesis = false;
    Id genesisOwner{};
    crypto::BoxPublicKey auditKey{};
    std::uint64_t adminCount = 0; // admin records applied
    crypto::Hash32 adminHead{};
    std::uint64_t auditCount = 0;
    crypto::Hash32 auditHead{};
    std::uint64_t eventCount = 0;
    crypto::Hash32 eventHead{};
    // The newest server record this replica verified (team sync) and the server log's running
    // hash there: not replayed, read from the file's server_log after each replay.
    std::int64_t serverPosition = 0;
    crypto::Hash32 serverRunning{};
    // Non-empty: the review and flag log itself is broken (a gap, a reordered or undecodable
    // entry): which SOP lost a record cannot be known, so no SOP's review status is trusted.
    std::string eventLogProblem;
    // Entry hashes by position, for comparing with what this machine saw before (rollback).
    std::vector<crypto::Hash32> adminHashes;
    std::vector<crypto::Hash32> auditHashes;
    std::vector<crypto::Hash32> eventHashes;
    std::uint64_t dueSoonDays = 14;
    // The exfiltration alarm (owner-signed settings): more than alarmViews distinct SOPs read
    // by one person within alarmMinutes.
    std::uint64_t alarmViews = 30;
    std::uint64_t alarmMinutes = 10;
    // Attachment caps in MB (owner-signed settings).
    std::uint64_t attachmentFileMb = 25;
    std::uint64_t attachmentSopMb = 100;
    // Owners' templates for new SOPs, by name (Templates.cpp): sealed under a collection key.
    struct SealedTemplate
    {
        Id collection{};
        std::uint32_t epoch = 0;
        crypto::Bytes encryptedText;
    };
    std::map<std::string, SealedTemplate> templates;

    std::map<Id, UserState> users;
    std::map<std::string, Id> userByName;
    std::map<std::string, Rights> customRoles;
    std::map<Id, CollectionState> collections;
    std::vector<GrantState> grants;
    std::vector<KeyShare> shares;
    std::map<Id, crypto::Bytes> sealedAuditSecrets; // per owner
    std::map<Id, SopRecordState> sops;
    std::vector<Revocation> revocations;
    // Records the server ordered whose signer had no right to them at their point (someone
    // removed whose login still appended): kept in their chains, not applied. Which record, why.
    std::vector<std::pair<std::string, std::string>> refused;
    crypto::BoxPublicKey recoveryKey{};
    crypto::Bytes recoveryWrap;

    [[nodiscard]] std::optional<Rights> roleRights(std::string_view role) const;
    // True if `collection` is `ancestor` or lies below it.
    [[nodiscard]] bool isWithin(const Id& collection, const Id& ancestor) const;
    [[nodiscard]] std::vector<Id> subtree(const Id& root) const;
    [[nodiscard]] const UserState* user(const Id& id) const;
    [[nodiscard]] const UserState* userNamed(std::string_view name) const;
};

// A problem found while replaying or verifying: which record, and what is wrong with it.
struct ReplayProblem
{
    std::string record;
    std::string problem;
};

} // namespace sopvault::core::detail
