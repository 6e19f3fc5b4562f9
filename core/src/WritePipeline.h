// The write pipeline of an unlocked vault: every act becomes a record that is built and signed,
// checked by the same rules as replay, committed in one transaction with its audit entry, only
// then applied to the in-memory state, and finally pinned in this machine's trust records.
#pragma once

#include "KeyRing.h"
#include "TrustRecords.h"
#include "VaultFile.h"

#include <chrono>
#include <functional>

namespace sopvault::core::detail {

struct AuditNote
{
    std::string action;
    Id target{};
    bool hasTarget = false;
    AuditDetail detail;
};

// `integrity` when the review and flag log, or this SOP's part of it (when `sop` is given),
// failed verification: reads of review status and flags fail closed, and nothing is written on
// top of it.
[[nodiscard]] Result<void> requireSoundEvents(const State& state, const SopRecordState* sop);

class WritePipeline
{
public:
    WritePipeline(VaultFile& file, State& state, KeyRing& keys, TrustRecords& trust)
        : m_file(file), m_state(state), m_keys(keys), m_trust(trust)
    {}
    WritePipeline(const WritePipeline&) = delete;
    WritePipeline& operator=(const WritePipeline&) = delete;

    // The time records are signed with (a test's clock, or the system's).
    void setClock(const Clock& clock) { m_clock = &clock; }
    [[nodiscard]] const Clock& clock() const { return *m_clock; }

    // False once the administration log failed verification, or memory ran ahead of a write
    // that rolled back: then nothing may be written and no marks are saved.
    [[nodiscard]] bool sound() const { return m_sound; }
    void setSound(bool sound) { m_sound = sound; }
    [[nodiscard]] Result<void> requireSound() const;

    // While set, writes join this transaction (an import) instead of committing one by one,
    // and are audited as one act.
    void joinBatch(storage::WriteTransaction& tx) { m_batch = &tx; }
    void endBatch() { m_batch = nullptr; }
    [[nodiscard]] bool inBatch() const { return m_batch != nullptr; }

    // Called with every SOP version this session writes, once applied (the search index).
    void onVersionWritten(std::function<void(const Id&, const SopContent&)> each)
    {
        m_onVersion = std::move(each);
    }

    // Signs a record of this person's.
    [[nodiscard]] Result<Record> makeRecord(RecordKind kind, std::uint64_t position,
                                            const crypto::Hash32& prev, crypto::Bytes payload,
                                            const Id& recordId = randomId());
    // Checks, writes (with its audit entry and any extra rows, in one transaction) and applies
    // an administration record. `busy` if someone else wrote first.
    [[nodiscard]] Result<void>
    commitAdmin(RecordKind kind, crypto::Bytes payload, const AuditNote& note,
                const std::function<Result<void>(VaultFile&)>& extra = {});
    // A new SOP version: encrypted under a fresh data key wrapped by the collection's key.
    // `blobs` are the attachment ciphertexts this version lists first, stored in the same
    // transaction.
    [[nodiscard]] Result<std::uint64_t> writeVersion(const Id& sopId, const Id& collection,
                                                     const SopContent& content,
                                                     const AuditNote& note,
                                                     std::vector<AttachmentBlob> blobs = {});
    // Review sign-offs, flags and resolutions (the events log).
    [[nodiscard]] Result<Id> writeEvent(RecordKind kind, const Id& sopId, std::uint64_t version,
                                        std::uint8_t decision, const Id& flagId,
                                        std::string_view text, const AuditNote& note);
    // An audit entry inside the caller's write transaction (nothing inside a batch).
    [[nodiscard]] Result<void> appendAuditInTransaction(const AuditNote& note);
    // An audit entry in a transaction of its own (a view, a search, a denied export). It is
    // durable before this returns; this machine's record of it (recordSeen) follows at the next
    // other write, once kSeenLag has passed since the record was last saved, or at flushSeen.
    [[nodiscard]] Result<void> audit(const AuditNote& note);
    // Brings this machine's record up to date if audit entries alone were left out of it.
    [[nodiscard]] Result<void> flushSeen() const;

    // A record of mine that a pull took out of its log (another record took its place on the
    // server), signed again on the log's head here: new position, previous hash and admin
    // count, the same record id, payload and time. The rules replay applies check it there;
    // nullopt once written (and queued), else the sentence saying why it was dropped.
    [[nodiscard]] Result<std::optional<std::string>> resign(Chain chain, const Record& old);

    // Records what this session has now seen; called after every committed write. A failure
    // is `failed` with a sentence saying the vault change itself was saved: callers return it
    // (after finishing their own bookkeeping), so a broken state folder never goes unnoticed.
    [[nodiscard]] Result<void> recordSeen() const;

private:
    // A transaction of the write's own, unless it joins a batch.
    [[nodiscard]] Result<std::optional<storage::WriteTransaction>> ownTransaction();
    [[nodiscard]] Result<Record> sealVersion(const Id& sopId, const Id& collection,
                                             const SopContent& content, std::uint64_t version,
                                             const crypto::Hash32& prev);
    [[nodiscard]] Result<void> storeVersion(const Id& sopId, const Record& rec,
                                            const AuditNote& note,
                                            std::vector<AttachmentBlob>& blobs);
    [[nodiscard]] Result<void> requireEventHead(const ChainHead& head) const;

    VaultFile& m_file;
    State& m_state;
    KeyRing& m_keys;
    TrustRecords& m_trust;
    SystemClock m_systemClock;
    const Clock* m_clock = &m_systemClock;
    bool m_sound = true;
    // Audit entries committed since this machine's record was last saved (see audit()).
    mutable bool m_seenBehind = false;
    mutable std::chrono::steady_clock::time_point m_seenSaved = std::chrono::steady_clock::now();
    storage::WriteTransaction* m_batch = nullptr;
    std::function<void(const Id&, const SopContent&)> m_onVersion;
};

} // namespace sopvault::core::detail
