// Replaying a vault's records into its derived state, checking every record on the way:
// signature, chain, and that its signer held the needed right at that point in the log.
#pragma once

#include "Rules.h"
#include "State.h"
#include "VaultFile.h"
#include "storage/Database.h"

#include <functional>

namespace sopvault::core::detail {

// Collections whose key must move to a new epoch when `user` loses view: everything they can
// view (removal, `without` empty) or what they would no longer view without grant `without`.
[[nodiscard]] std::vector<Id> collectionsToRotate(const State& state, const Id& user,
                                                  const GrantState* without);
// Who must receive a rotated key of `collection`: everyone who may view it except `revoked`.
[[nodiscard]] std::vector<Id> rotationRecipients(const State& state, const Id& collection,
                                                 const Id& revoked);
// Who must receive the key of a collection being added under `parent` (zero: top level):
// every owner, and everyone who may view the parent (the new collection inherits its grants).
[[nodiscard]] std::vector<Id> newCollectionRecipients(const State& state, const Id& parent);
// The collections whose key a grant of `rights` on `collection` must give `user`: those of its
// subtree they cannot view yet (none unless the role has view).
[[nodiscard]] std::vector<Id> grantKeyCollections(const State& state, const Id& user, Rights rights,
                                                  const Id& collection);

inline constexpr std::string_view kDueSoonSetting = "review.due_soon_days";
// The exfiltration alarm: more than `views` distinct SOPs read by one person within `minutes`.
inline constexpr std::string_view kAlarmViewsSetting = "alarm.views";
inline constexpr std::string_view kAlarmMinutesSetting = "alarm.window_minutes";
// Attachment caps, in MB: per file and per SOP version (all its attachments together).
inline constexpr std::string_view kAttachmentFileSetting = "attachment.max_file_mb";
inline constexpr std::string_view kAttachmentSopSetting = "attachment.max_sop_mb";
inline constexpr std::uint64_t kMaxAttachmentCapMb = 4096;

// Checks an administration record against the state it would follow (position, chain,
// signature, rights, meaning) without changing anything.
[[nodiscard]] Result<AdminChange> checkAdmin(const State& state, const Record& record,
                                             SignatureCheck signature = SignatureCheck::Verify);
void applyAdmin(State& state, const Record& record, const AdminChange& change);

// Checks a SOP version against the state it would follow.
[[nodiscard]] Result<SopVersionPayload>
checkVersion(const State& state, const Record& record,
             SignatureCheck signature = SignatureCheck::Verify);
void applyVersion(State& state, const Record& record, const SopVersionPayload& payload);
// A version this person verified before on this machine (its entry hash commits to the chain
// before it): the same rule as checkVersion, without the signature.
[[nodiscard]] Result<void> checkCachedVersion(const State& state, const Id& sop,
                                              const VersionState& version);
void applyVersion(State& state, const Id& sop, const VersionState& version);

// Checks a sign-off, flag or flag resolution against the state it would follow.
[[nodiscard]] Result<EventPayload> checkEvent(const State& state, const Record& record);
void applyEvent(State& state, const Record& record, const EventPayload& payload);

// Checks one audit entry's chain link and signature.
[[nodiscard]] Result<void> checkAudit(const State& state, const Record& record,
                                      std::uint64_t position, const crypto::Hash32& prev);

struct ReplayResult
{
    State state;
    std::vector<ReplayProblem> problems;
    bool adminSound = true;
    std::size_t adminRecords = 0;
    std::size_t sopVersions = 0;
    std::size_t auditRecords = 0;
    std::size_t eventRecords = 0;
    std::size_t cachedVersions = 0; // of sopVersions, taken from the verified cache
    // Without a cache: the (SOP, version) of every row of sop_versions, as the table holds them.
    std::vector<std::pair<Id, std::uint64_t>> versionRows;
};

// Which SOP versions exist, from the primary key's index, as a cached unlock learns it
// (ordered by SOP and version); for tests and fuzzers holding a bare database
// (VaultFile::versionKeys otherwise).
[[nodiscard]] Result<std::vector<std::pair<Id, std::uint64_t>>>
indexedVersions(storage::Database& db);

struct VerifiedCache;

struct ReplayOptions
{
    // Also verify every audit entry (verify does; unlock only reads the head).
    bool checkAuditLog = false;
    // Only the administration log: who the people are, before anyone has authenticated.
    bool administrationOnly = false;
    // SOP versions this person verified before on this machine (LocalState.h): each is taken
    // from the cache instead of re-reading, re-hashing and re-verifying its row, and still
    // passes every check of the state it follows (collection, key epoch, signer's rights).
    const VerifiedCache* cache = nullptr;
    // Entry hashes of administration records the caller verified moments ago (the
    // administration-only pass before authentication): their signatures are not checked twice.
    const std::vector<crypto::Hash32>* verifiedAdmin = nullptr;
    // Called with every SOP version read from the file and accepted, while its body is in
    // memory (verify decrypts it here instead of reading the row again).
    std::function<void(const Record&, const SopVersionPayload&)> onVersion = {};
};

// Replays the file. Storage failures are errors; a bad record is a problem in the result.
[[nodiscard]] Result<ReplayResult> replay(const VaultFile& file, const ReplayOptions& options = {});
// The same over a bare database (tests and fuzzers), lent to a VaultFile for the replay.
[[nodiscard]] Result<ReplayResult> replay(storage::Database& db, const ReplayOptions& options = {});

[[nodiscard]] std::string describe(const char* log, std::uint64_t position);

} // namespace sopvault::core::detail
