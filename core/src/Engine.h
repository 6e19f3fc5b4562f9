// The unlocked vault behind a Session: a few owners of their own state (the file, the replayed
// state, this person's key ring, this machine's trust records, the write pipeline) and the
// reading questions that need more than one of them.
#pragma once

#include "KeyRing.h"
#include "LinkIndex.h"
#include "Replay.h"
#include "SearchIndex.h"
#include "TrustRecords.h"
#include "VaultFile.h"
#include "WritePipeline.h"
#include "sopvault/core/Vault.h"

#include <functional>
#include <map>

namespace sopvault::core::detail {

// When the SOP's next review is due: its newest approval (or creation) plus `intervalDays`
// (Reviews.cpp).
[[nodiscard]] Timestamp reviewDue(const SopRecordState& sop, std::uint32_t intervalDays);
// Flags on the SOP that neither a resolution nor a newer version has settled.
[[nodiscard]] std::size_t openFlags(const SopRecordState& sop);

// A struct by name only (Session's public header declares it so); its state is private.
struct Engine
{
public:
    explicit Engine(VaultFile file);
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // --- the owners ---
    [[nodiscard]] VaultFile& file() { return m_file; }
    [[nodiscard]] const VaultFile& file() const { return m_file; }
    [[nodiscard]] const KeyRing& keys() const { return m_keys; }
    [[nodiscard]] KeyRing& keys() { return m_keys; }
    [[nodiscard]] TrustRecords& trust() { return m_trust; }
    [[nodiscard]] const TrustRecords& trust() const { return m_trust; }
    [[nodiscard]] WritePipeline& writes() { return m_writes; }
    [[nodiscard]] const WritePipeline& writes() const { return m_writes; }

    // --- the replayed state ---
    [[nodiscard]] const State& state() const { return m_state; }
    [[nodiscard]] const Id& me() const { return m_keys.me(); }
    [[nodiscard]] const std::vector<VerifyProblem>& problems() const { return m_problems; }
    [[nodiscard]] AccessPolicy policy() const { return AccessPolicy(m_state); }
    [[nodiscard]] const std::string& myName() const { return m_state.users.at(me()).name; }
    [[nodiscard]] std::string userName(const Id& id) const;
    [[nodiscard]] const Clock& clock() const { return m_writes.clock(); }

    // Takes a replay's result as the state (the first unlock pass, or the person's).
    void adopt(ReplayResult replayed);
    // A vault being created: its id and audit key, before the genesis record is written.
    void startVault(const Id& vaultId, const crypto::BoxPublicKey& auditKey);
    // After unlock (or a reload): this person's keys, checked against the state.
    void openKeys() { m_keys.open(m_state, m_problems); }
    // After a batch rolled back: replays the file again so memory matches it.
    [[nodiscard]] Result<void> reload();
    // After records were pulled into the file (inside the pull's transaction): replays it,
    // taking from what this session verified every SOP version except those of `changed`.
    [[nodiscard]] Result<void> reloadPulled(const std::set<Id>& changed);

    // --- reading ---
    [[nodiscard]] Result<SopContent> readContent(const Id& sopId, std::uint64_t version) const;
    // Decrypts a version record already checked (by readContent or replay) with this person's
    // keys: `denied` without the collection key of its epoch, `integrity` if it does not open.
    [[nodiscard]] Result<SopContent> openVersion(const Record& rec,
                                                 const SopVersionPayload& payload) const;
    // A SOP's list line: its newest version's content without body or message (title, tags,
    // state, review settings), from memory or the verified cache when the head is unchanged.
    [[nodiscard]] Result<SopContent> headLine(const Id& sopId, const SopRecordState& sop) const;
    [[nodiscard]] Result<const SopRecordState*> viewableSop(const Id& sopId) const;
    // What a reader is shown of one version (a version of the chain, or an edit of mine that
    // lost a race): the one place that turns decrypted content and its record into a view.
    struct VersionMeta
    {
        std::uint64_t version = 0;
        std::uint64_t headVersion = 0;
        Id author{};
        Timestamp time = 0;
        crypto::Hash32 hash{};
    };
    [[nodiscard]] SopVersionView versionView(const Id& sopId, const Id& collection,
                                             const VersionMeta& meta, SopContent content) const;
    [[nodiscard]] Result<void> requireSoundEvents(const SopRecordState* sop) const
    {
        return detail::requireSoundEvents(m_state, sop);
    }
    [[nodiscard]] Result<std::string> readEventText(const SopRecordState& sop,
                                                    const EventState& event) const;
    [[nodiscard]] const crypto::SecureBuffer* keyFor(const Id& collection) const
    {
        return m_keys.current(m_state, collection);
    }
    [[nodiscard]] std::string pathOf(const Id& collection) const
    {
        return m_keys.pathOf(collection);
    }
    [[nodiscard]] Result<Id> collectionByPath(std::string_view path) const
    {
        return m_keys.collectionByPath(path);
    }
    // A new epoch key for `collection`, for a rotation record (KeyRing::rotate).
    [[nodiscard]] Result<Rotation> rotate(const Id& collection, const Id& revoked)
    {
        return m_keys.rotate(m_state, collection, revoked);
    }
    // What exists now, for a revocation record: SOP heads (of `collections`, or all), and the
    // positions of the review and audit logs.
    [[nodiscard]] RevocationMarks marksNow(const std::set<Id>* collections) const;

    // The search index, current with the state (Search.cpp): on first use loaded from its
    // sealed copy in the state folder when that opens for this vault, person and rights (then
    // only the SOPs whose head moved since are read again), else built from every SOP the
    // person may view; dropped and built again when the rights changed. Every version written
    // keeps it current.
    [[nodiscard]] Result<SearchIndex*>
    currentSearchIndex(const std::function<void(std::size_t, std::size_t)>& progress = {});
    // Seals the index to the state folder if it changed since it was loaded or saved; removes a
    // sealed copy made for rights the person no longer has. Called with saveCache.
    [[nodiscard]] Result<void> saveSearchIndex();
    [[nodiscard]] bool searchIndexInMemory() const { return m_searchIndex.has_value(); }
    // The links between SOPs (Session::links): a cache of what each head links to, filled on
    // first question, so it changes nothing a reader could see and lives in a const session.
    [[nodiscard]] LinkIndex& linkIndex() const { return m_linkIndex; }

    // Whether the wrap this person unlocked with (its signature checked first) carries the mark
    // of a password an owner chose (KeyWrap::setByOwner); cleared by their password change.
    [[nodiscard]] bool passwordSetByOwner() const { return m_passwordSetByOwner; }
    void setPasswordSetByOwner(bool set) { m_passwordSetByOwner = set; }

    // Writes the verified cache if it is behind (at the end of an unlock and when the session
    // closes); `failed` if it cannot be written (the vault itself is untouched by that).
    [[nodiscard]] Result<void> saveCache() const;

private:
    // Takes a replay of the file as the state, or marks the session unsound if it failed.
    [[nodiscard]] Result<void> adoptReplayed(Result<ReplayResult> result);

    VaultFile m_file;
    State m_state;
    std::vector<VerifyProblem> m_problems;
    KeyRing m_keys;
    TrustRecords m_trust;
    WritePipeline m_writes{m_file, m_state, m_keys, m_trust};
    std::optional<SearchIndex> m_searchIndex;
    crypto::Hash32 m_searchRights{}; // what the index was made for (Search.cpp)
    bool m_searchUnsaved = false;
    mutable LinkIndex m_linkIndex;
    bool m_passwordSetByOwner = false;
};

} // namespace sopvault::core::detail
