// The unlocked vault behind a Session: the database, the replayed state, this person's keys,
// and the write paths that turn an act into a signed, checked, committed record.
#pragma once

#include "LocalState.h"
#include "Replay.h"
#include "SearchIndex.h"
#include "sopvault/core/Vault.h"

#include <functional>
#include <map>

namespace sopvault::core::detail {

struct AuditNote
{
    std::string action;
    Id target{};
    bool hasTarget = false;
    AuditDetail detail;
};

// Checks a record read back from the file is byte for byte the record replay verified
// (`verified` is its entry hash); `what` names it in errors.
[[nodiscard]] Result<Record> readVerified(const std::optional<StoredRecord>& stored,
                                          const crypto::Hash32& verified, std::string_view what);

struct Engine
{
    VaultFile file;
    SystemClock systemClock;
    const Clock* clock = &systemClock;
    State state;
    std::vector<VerifyProblem> problems;
    bool adminSound = true;

    Id me{};
    crypto::SignKeyPair signKeys;
    crypto::BoxKeyPair boxKeys;
    std::optional<crypto::SecureBuffer> auditSecret; // owners only
    std::map<std::pair<Id, std::uint32_t>, crypto::SecureBuffer> keys;
    std::map<Id, std::string> paths; // collections this person can read

    explicit Engine(VaultFile vaultFile) : file(std::move(vaultFile)) {}

    [[nodiscard]] AccessPolicy policy() const { return AccessPolicy(state); }
    [[nodiscard]] const std::string& myName() const { return state.users.at(me).name; }
    [[nodiscard]] Result<void> requireSound() const;

    // Signs a record of this person's.
    [[nodiscard]] Result<Record> makeRecord(RecordKind kind, std::uint64_t position,
                                            const crypto::Hash32& prev, crypto::Bytes payload,
                                            const Id& recordId = randomId());
    // Checks, writes (with its audit entry and any extra rows, in one transaction) and applies
    // an administration record. `busy` if someone else wrote first.
    [[nodiscard]] Result<void>
    commitAdmin(RecordKind kind, crypto::Bytes payload, const AuditNote& note,
                const std::function<Result<void>(VaultFile&)>& extra = {});
    [[nodiscard]] Result<void> appendAuditInTransaction(const AuditNote& note);
    [[nodiscard]] Result<void> audit(const AuditNote& note);

    // SOP versions.
    [[nodiscard]] Result<std::uint64_t> writeVersion(const Id& sopId, const Id& collection,
                                                     const SopContent& content,
                                                     const AuditNote& note);
    [[nodiscard]] Result<SopContent> readContent(const Id& sopId, std::uint64_t version) const;
    // The file's row of this SOP version, if it is the record this session verified
    // (`integrity` otherwise). Writes read the version they build on with it, so a new record
    // never binds to a hash the file does not hold.
    [[nodiscard]] Result<Record> readVersion(const Id& sopId, const VersionState& v,
                                             std::string_view what) const;
    // Decrypts a version record already checked (by readContent or replay) with this person's
    // keys: `denied` without the collection key of its epoch, `integrity` if it does not open.
    [[nodiscard]] Result<SopContent> openVersion(const Record& rec,
                                                 const SopVersionPayload& payload) const;
    // A SOP's list line: its newest version's content without body or message (title, tags,
    // state, review settings), from memory or the verified cache when the head is unchanged.
    [[nodiscard]] Result<SopContent> headLine(const Id& sopId, const SopRecordState& sop) const;
    void rememberHead(const Id& sopId, const crypto::Hash32& hash, SopContent content) const;
    [[nodiscard]] Result<const SopRecordState*> viewableSop(const Id& sopId) const;

    // Review sign-offs, flags and resolutions (table sop_events).
    [[nodiscard]] Result<Id> writeEvent(RecordKind kind, const Id& sopId, std::uint64_t version,
                                        std::uint8_t decision, const Id& flagId,
                                        std::string_view text, const AuditNote& note);
    // `integrity` when the review and flag log, or this SOP's part of it (when `sop` is given),
    // failed verification: reads of review status and flags fail closed, and nothing is
    // written on top of it.
    [[nodiscard]] Result<void> requireSoundEvents(const SopRecordState* sop) const;
    // When the SOP's next review is due: its newest approval (or creation) plus `intervalDays`.
    [[nodiscard]] static Timestamp reviewDue(const SopRecordState& sop, std::uint32_t intervalDays);
    [[nodiscard]] Result<std::string> readEventText(const SopRecordState& sop,
                                                    const EventState& event) const;

    [[nodiscard]] const crypto::SecureBuffer* keyFor(const Id& collection) const;
    [[nodiscard]] std::string pathOf(const Id& collection) const;
    [[nodiscard]] Result<Id> collectionByPath(std::string_view path) const;
    [[nodiscard]] std::string userName(const Id& id) const;

    // After unlock: open key shares (and older epochs through the previous-key chain), the
    // audit key and collection names.
    void openKeys();

    // A new epoch key for `collection`, sealed to everyone who may still view it once
    // `revoked` cannot; the new key is kept for this person if they are among them.
    [[nodiscard]] Result<Rotation> rotate(const Id& collection, const Id& revoked);
    void keepRotatedKeys(const std::vector<Rotation>& rotations);
    // What exists now, for a revocation record: SOP heads (of `collections`, or all), and the
    // positions of the review and audit logs.
    [[nodiscard]] RevocationMarks marksNow(const std::set<Id>* collections) const;
    std::map<std::pair<Id, std::uint32_t>, crypto::SecureBuffer> pendingKeys;

    // While set, writes join this transaction (an import) instead of committing one by one.
    storage::WriteTransaction* batch = nullptr;
    // After a batch rolled back: replays the file again so memory matches it.
    [[nodiscard]] Result<void> reload();

    // Built on first use (or by buildSearchIndex) and kept current by writeVersion.
    std::optional<SearchIndex> searchIndex;

    // Rollback marks (LocalState.h): where they live and the key that MACs them.
    std::filesystem::path statePath;
    std::optional<crypto::SecureBuffer> stateKey;
    bool firstOpen = false;
    // Moves on whenever a SOP gets a new head (the marks' heads file is then rewritten).
    std::uint64_t headsGeneration = 1;
    mutable SavedHeads savedHeads;
    // Records what this session has now seen; called after every committed write. A failure
    // is `failed` with a sentence saying the vault change itself was saved: callers return it
    // (after finishing their own bookkeeping), so a broken state folder never goes unnoticed.
    [[nodiscard]] Result<void> saveLocalState() const;

    // The verified cache (LocalState.h): where it lives, its key, the list lines known so far,
    // and whether this session verified or read more than the cache on disk holds.
    std::filesystem::path cachePath;
    std::optional<crypto::SecureBuffer> cacheKey;
    mutable HeadSummaries heads;
    mutable bool cacheBehind = false;
    // Writes the cache if it is behind (at the end of an unlock and when the session closes);
    // `failed` if it cannot be written (the vault itself is untouched by that).
    [[nodiscard]] Result<void> saveCache() const;
};

} // namespace sopvault::core::detail
