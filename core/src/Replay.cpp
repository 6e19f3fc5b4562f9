// Replay: rebuilds the vault's state from its records, accepting each record only if its
// signature, chain position and signer's rights at that point in the log all hold.
#include "Replay.h"

#include "LocalState.h"
#include "SyncRecords.h"
#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <set>

namespace sopvault::core::detail {

std::string describe(const char* log, std::uint64_t position)
{
    return fmt::format("{} #{}", log, position);
}

// Where a record may stand in the administration log and who may sign it, for every kind; what
// its payload may say is the kind's rule (AdminRules.cpp).
Result<AdminChange> checkAdmin(const State& st, const Record& rec, SignatureCheck signature)
{
    const RecordHeader& h = rec.header;
    const AdminRule* rule = adminRule(h.kind);
    if (rule == nullptr) {
        return bad("it is not an administration record");
    }
    if (h.position != st.adminCount || h.adminCount != st.adminCount) {
        return bad("it is out of order in the administration log");
    }
    if (h.prev != st.adminHead) {
        return bad("it does not chain to the entry before it (reordered, removed or inserted "
                   "entries)");
    }
    AdminContext context{st, rec, nullptr, signature};
    if (h.kind == RecordKind::Genesis) {
        if (st.haveGenesis || h.position != 0) {
            return bad("a second genesis record");
        }
        return rule->check(context); // signed by the key it names
    }
    if (!st.haveGenesis) {
        return bad("the administration log does not start with a genesis record");
    }
    if (h.vault != st.vaultId) {
        return bad("it belongs to a different vault");
    }
    context.signer = st.user(h.signer);
    if (context.signer == nullptr || context.signer->removed) {
        return bad("it is signed by someone who is not a member at that point");
    }
    SOPVAULT_CHECK(context.verify(context.signer->signKey));
    return rule->check(context);
}

void applyAdmin(State& st, const Record& rec, const AdminChange& change)
{
    adminRule(rec.header.kind)->apply(st, rec, change);
    st.adminCount += 1;
    st.adminHead = rec.hash();
    st.adminHashes.push_back(st.adminHead);
}

namespace {

// A SOP version or a review/flag event waiting for its point in the administration log.
struct Pending
{
    bool isEvent = false;
    Id rowSop{};
    std::uint64_t rowPosition = 0; // version number, or position in sop_events
    // Where in the administration log its signer wrote it; the largest value when its header
    // cannot be read, so it goes last.
    std::uint64_t adminCount = 0;
    // Events: the record. Versions: an empty record until processed (bodies are read one at a
    // time so memory does not hold the whole vault), or the error that made its header unread.
    Result<Record> record;
    // A version taken from the verified cache: its row is not read at all.
    const VersionState* cached = nullptr;
};

void markDamaged(ReplayResult& out, const Id& sopId, std::uint64_t version, std::string why,
                 const Result<Record>* record = nullptr)
{
    SopRecordState& sop = out.state.sops[sopId];
    sop.id = sopId;
    // Where it claims to belong, so the people who may view that collection see it is damaged.
    if (isZero(sop.collection) && record != nullptr && *record) {
        if (auto p = decodeSopVersion((*record)->payload);
            p && out.state.collections.contains(p->collectionId)) {
            sop.collection = p->collectionId;
        }
    }
    if (sop.problem.empty()) {
        sop.problem = why;
    }
    out.problems.push_back(
        {fmt::format("SOP {} version {}", toHex(sopId), version), std::move(why)});
}

// Whether the server log this replica verified holds this very record. What a server ordered
// stays in its chain (the records after it chain to it), so a refused act there is kept and not
// applied; the same record anywhere else is a damaged file.
bool serverOrdered(const VaultFile& file, std::string_view chain, std::uint64_t height,
                   const crypto::Hash32& hash)
{
    auto row = file.serverLogOf(chain, static_cast<std::int64_t>(height));
    return row && *row && (*row)->hash == hash;
}

// A version whose signer had no right to it: refused (a link of the chain, never shown) when the
// server ordered it, else the caller marks its SOP damaged.
bool refuseVersion(ReplayResult& out, const VaultFile& file, const Id& sopId, VersionState v,
                   const std::string& why)
{
    if (!serverOrdered(file, sopChain(sopId), v.version, v.hash)) {
        return false;
    }
    v.refused = true;
    applyVersion(out.state, sopId, v);
    out.state.refused.emplace_back(fmt::format("SOP {} version {}", toHex(sopId), v.version), why);
    return true;
}

void processVersion(ReplayResult& out, Pending& pending, storage::Statement& load,
                    const ReplayOptions& options, const VaultFile& file)
{
    out.sopVersions += 1;
    if (pending.cached != nullptr) {
        out.cachedVersions += 1;
        VersionState cached = *pending.cached;
        cached.refused = false; // decided again by this replay's rules
        if (auto ok = checkCachedVersion(out.state, pending.rowSop, cached); !ok) {
            if (ok.error().code != ErrorCode::Denied ||
                !refuseVersion(out, file, pending.rowSop, cached, ok.error().message)) {
                markDamaged(out, pending.rowSop, pending.rowPosition, ok.error().message);
            }
            return;
        }
        applyVersion(out.state, pending.rowSop, cached);
        return;
    }
    if (pending.record) {
        load.bind(1, crypto::ByteView(pending.rowSop))
            .bind(2, static_cast<std::int64_t>(pending.rowPosition));
        auto row = load.step();
        pending.record = !row   ? Result<Record>(std::unexpected(row.error()))
                         : *row ? decodeRecord(load.columnView(0), load.columnView(1))
                                : Result<Record>(bad("it disappeared while the vault was read"));
        load.reset();
    }
    // Done with the body either way: keep memory to one version at a time.
    struct Release
    {
        Pending& p;
        ~Release()
        {
            if (p.record) {
                p.record = Record{};
            }
        }
    } release{pending};
    if (!pending.record) {
        markDamaged(out, pending.rowSop, pending.rowPosition, pending.record.error().message);
        return;
    }
    const Record& rec = *pending.record;
    auto payload = checkVersion(out.state, rec);
    if (payload &&
        (payload->sopId != pending.rowSop || rec.header.position != pending.rowPosition)) {
        payload = bad("it is stored under another SOP or version than it says");
    }
    if (!payload && payload.error().code == ErrorCode::Denied) {
        auto p = decodeSopVersion(rec.payload);
        if (p && p->sopId == pending.rowSop && rec.header.position == pending.rowPosition &&
            refuseVersion(out, file, pending.rowSop,
                          VersionState{rec.header.position, rec.hash(), rec.header.signer,
                                       rec.header.time, rec.header.adminCount, p->collectionId,
                                       p->epoch, false},
                          payload.error().message)) {
            return;
        }
    }
    if (!payload) {
        markDamaged(out, pending.rowSop, pending.rowPosition, payload.error().message,
                    &pending.record);
        return;
    }
    applyVersion(out.state, rec, *payload);
    if (options.onVersion) {
        options.onVersion(rec, *payload);
    }
}

// A review or flag record that failed: the SOPs it is stored under and claims to concern lose
// their trusted review status (fail closed, like a version chain); when neither is a SOP of
// this vault, nobody can tell whose status it changed, so the whole log is untrusted.
void eventFailed(ReplayResult& out, const Id& rowSop, const Result<Record>& record,
                 std::uint64_t position, const std::string& why)
{
    const std::string where = describe("review or flag record", position);
    out.problems.push_back({where, why});
    std::vector<Id> concerned{rowSop};
    if (record) {
        if (auto p = decodeEvent(record->payload); p && p->sopId != rowSop) {
            concerned.push_back(p->sopId);
        }
    }
    bool known = false;
    for (const Id& id : concerned) {
        auto sop = out.state.sops.find(id);
        if (sop == out.state.sops.end()) {
            continue;
        }
        known = true;
        if (sop->second.eventProblem.empty()) {
            sop->second.eventProblem = fmt::format("{}: {}", where, why);
        }
    }
    if (!known && out.state.eventLogProblem.empty()) {
        out.state.eventLogProblem = fmt::format("{}: {}", where, why);
    }
}

void processEvent(ReplayResult& out, Pending& pending)
{
    auto payload = pending.record ? checkEvent(out.state, *pending.record)
                                  : Result<EventPayload>(std::unexpected(pending.record.error()));
    if (payload && payload->sopId != pending.rowSop) {
        payload = bad("it is stored under another SOP than it says");
    }
    if (!payload) {
        eventFailed(out, pending.rowSop, pending.record, pending.rowPosition,
                    payload.error().message);
        return;
    }
    applyEvent(out.state, *pending.record, *payload);
}

// A revoked person's versions and review records that claim an earlier point in the log than
// their revocation must be among what existed at the revocation; anything else was written
// afterwards and backdated.
void enforceRevocations(ReplayResult& out, const VaultFile& file)
{
    State& st = out.state;
    for (const Revocation& rev : st.revocations) {
        const std::string who = st.users.at(rev.user).name;
        for (auto& [id, sop] : st.sops) {
            if (!rev.everywhere && !rev.collections.contains(sop.collection)) {
                continue;
            }
            const auto head = rev.heads.find(id);
            const std::uint64_t limit = head == rev.heads.end() ? 0 : head->second;
            for (VersionState& v : sop.versions) {
                if (v.refused || v.author != rev.user || v.adminCount > rev.position ||
                    v.version <= limit) {
                    continue;
                }
                const std::string why =
                    fmt::format("version {} was signed by {} after their rights were revoked "
                                "(administration record #{})",
                                v.version, who, rev.position);
                if (serverOrdered(file, sopChain(id), v.version, v.hash)) {
                    v.refused = true;
                    st.refused.emplace_back(fmt::format("SOP {} version {}", toHex(id), v.version),
                                            why);
                } else if (sop.problem.empty()) {
                    sop.problem = why;
                    out.problems.push_back(
                        {fmt::format("SOP {} version {}", toHex(id), v.version), sop.problem});
                }
            }
            std::erase_if(sop.events, [&](const EventState& e) {
                const bool late = e.author == rev.user && e.adminCount <= rev.position &&
                                  e.position >= rev.eventCount;
                if (late) {
                    const std::string where = describe("review or flag record", e.position);
                    const std::string why =
                        fmt::format("it was signed by {} after their rights were revoked", who);
                    if (serverOrdered(file, kEventsChain, e.position + 1, e.hash)) {
                        st.refused.emplace_back(where, why);
                        return true;
                    }
                    out.problems.push_back({where, why});
                    if (sop.eventProblem.empty()) {
                        sop.eventProblem = fmt::format("{}: {}", where, why);
                    }
                }
                return late;
            });
        }
    }
}

constexpr auto kUnreadable = std::numeric_limits<std::uint64_t>::max();

// Reads a hash-chained log (audit or events) in position order, checking positions and chain
// links; `each` sees every stored row, its decoded record and the problem found so far (if any).
template <typename Each>
Result<void> walkChain(const VaultFile& file, Chain chain, const char* what, std::uint64_t& count,
                       crypto::Hash32& head, std::vector<crypto::Hash32>& hashes, Each each)
{
    crypto::Hash32 prev{};
    std::uint64_t expected = 0;
    SOPVAULT_CHECK(file.readLog(chain, 0, [&](LogRow& row) -> Result<void> {
        auto rec = decodeRecord(row.body, row.signature);
        Result<void> link{};
        if (!rec) {
            link = std::unexpected(rec.error());
        } else if (row.position != expected || rec->header.position != row.position) {
            link = bad(fmt::format("the {} has a gap or a misplaced entry here", what));
        } else if (rec->header.prev != prev) {
            link = bad("it does not chain to the entry before it (reordered, removed or "
                       "inserted entries)");
        }
        // Taken before `each`, which may move the record away.
        const crypto::Hash32 hash = rec ? rec->hash() : crypto::Hash32{};
        each(row, rec, link);
        expected = row.position + 1;
        if (rec || hash != crypto::Hash32{}) {
            prev = hash;
        }
        hashes.push_back(hash);
        return {};
    }));
    count = expected;
    head = prev;
    return {};
}

// A version waits at the point of the administration log its header names; one whose header
// cannot be read goes last, and damages its SOP rather than the replay.
void addPending(std::vector<Pending>& pending, const VersionKey& key,
                const Result<RecordHeader>& header)
{
    Pending p;
    p.rowSop = key.sopId;
    p.rowPosition = key.version;
    p.adminCount = header ? header->adminCount : kUnreadable;
    p.record = header ? Result<Record>(Record{}) : Result<Record>(std::unexpected(header.error()));
    pending.push_back(std::move(p));
}

// Without a cache: every version row, its header read straight from the row.
Result<void> pendVersionRows(const VaultFile& file, ReplayResult& out,
                             std::vector<Pending>& pending)
{
    return file.eachVersionBody([&](const VersionKey& key, crypto::ByteView body) {
        out.versionRows.emplace_back(key.sopId, key.version);
        addPending(pending, key, decodeHeader(body));
    });
}

// With a cache: only which versions exist (the primary key's index; verify checks it agrees
// with the rows), read whole first, then the header of those the cache does not hold.
Result<void> pendIndexedVersions(const VaultFile& file, VersionReader& reader,
                                 const VerifiedCache& cache, std::vector<Pending>& pending)
{
    SOPVAULT_TRY(keys, file.versionKeys());
    for (const VersionKey& key : keys) {
        if (auto c = cache.sops.find(key.sopId);
            c != cache.sops.end() && key.version >= 1 && key.version <= c->second.versions.size()) {
            Pending p;
            p.rowSop = key.sopId;
            p.rowPosition = key.version;
            p.cached = &c->second.versions[key.version - 1];
            p.adminCount = p.cached->adminCount;
            p.record = Record{};
            pending.push_back(std::move(p));
            continue;
        }
        addPending(pending, key, reader.header(key));
    }
    return {};
}

// The review and flag log: each record waits for its point in the administration log; a broken
// link is a problem of the log (reported after the administration log's own).
Result<void> pendEvents(const VaultFile& file, ReplayResult& out, std::vector<Pending>& pending,
                        std::vector<ReplayProblem>& chainProblems)
{
    return walkChain(
        file, Chain::Events, "review and flag log", out.state.eventCount, out.state.eventHead,
        out.state.eventHashes,
        [&](const LogRow& row, Result<Record>& rec, const Result<void>& link) {
            out.eventRecords += 1;
            if (!link) {
                const std::string where = describe("review or flag record", row.position);
                chainProblems.push_back({where, link.error().message});
                if (out.state.eventLogProblem.empty()) {
                    out.state.eventLogProblem = fmt::format("{}: {}", where, link.error().message);
                }
                return;
            }
            const std::uint64_t adminCount = rec ? rec->header.adminCount : kUnreadable;
            pending.push_back(
                Pending{true, row.sopId, row.position, adminCount, std::move(rec), nullptr});
        });
}

// The versions and events waiting, replayed in administration-log order: each at the point
// where its signer wrote it, so rights are checked against the log as it was then.
class PendingQueue
{
public:
    PendingQueue(std::vector<Pending> pending, const VaultFile& file)
        : m_pending(std::move(pending)), m_file(file)
    {
        // Sorted by index: a Pending is large, and a vault has one per version. An undecodable
        // record goes last, after the versions that really came before it.
        m_order.resize(m_pending.size());
        std::iota(m_order.begin(), m_order.end(), std::size_t{0});
        std::stable_sort(m_order.begin(), m_order.end(), [&](std::size_t i, std::size_t j) {
            const Pending& a = m_pending[i];
            const Pending& b = m_pending[j];
            return std::tuple(a.adminCount, a.isEvent, a.rowPosition) <
                   std::tuple(b.adminCount, b.isEvent, b.rowPosition);
        });
    }

    // Replays everything written at or before `adminCount`.
    void upTo(std::uint64_t adminCount, ReplayResult& out, VersionReader* reader,
              const ReplayOptions& options)
    {
        while (m_next < m_order.size() && m_pending[m_order[m_next]].adminCount <= adminCount) {
            Pending& p = m_pending[m_order[m_next++]];
            if (p.isEvent) {
                processEvent(out, p);
            } else {
                processVersion(out, p, reader->statement(), options, m_file);
            }
        }
    }

    // What is left refers to administration records the file does not hold (or was unreadable).
    void failRest(ReplayResult& out)
    {
        for (; m_next < m_order.size(); ++m_next) {
            const Pending& p = m_pending[m_order[m_next]];
            const std::string why = p.adminCount != kUnreadable
                                        ? "it refers to administration records this file does "
                                          "not hold"
                                        : p.record.error().message;
            if (p.isEvent) {
                eventFailed(out, p.rowSop, p.record, p.rowPosition, why);
            } else {
                out.sopVersions += 1;
                markDamaged(out, p.rowSop, p.rowPosition, why);
            }
        }
    }

private:
    std::vector<Pending> m_pending;
    const VaultFile& m_file;
    std::vector<std::size_t> m_order;
    std::size_t m_next = 0;
};

// Checks one stored administration record at `expected`, the next position the log needs.
Result<AdminChange> checkStoredAdmin(const State& state, const LogRow& row,
                                     const Result<Record>& rec, std::uint64_t expected,
                                     const ReplayOptions& options)
{
    if (!rec) {
        return std::unexpected(rec.error());
    }
    // A record this replay's caller has just verified, byte for byte (same entry hash).
    const bool verifiedBefore = options.verifiedAdmin != nullptr &&
                                row.position < options.verifiedAdmin->size() &&
                                (*options.verifiedAdmin)[row.position] == rec->hash();
    auto change =
        checkAdmin(state, *rec, verifiedBefore ? SignatureCheck::Skip : SignatureCheck::Verify);
    if (change && row.position != expected) {
        change = bad("the administration log has a gap before it");
    }
    if (change && crypto::toBytes(rec->header.recordId) != row.recordId) {
        change = bad("it is stored under another id than it says");
    }
    return change;
}

// The administration log, in order, with the waiting records replayed at their points; after
// the first bad record the rest are counted, not trusted.
Result<void> replayAdmin(const VaultFile& file, ReplayResult& out, PendingQueue& queue,
                         VersionReader* reader, const ReplayOptions& options)
{
    std::uint64_t expected = 0;
    SOPVAULT_CHECK(file.readLog(Chain::Admin, 0, [&](LogRow& row) -> Result<void> {
        out.adminRecords += 1;
        if (!out.adminSound) {
            return {}; // the chain is already broken before it
        }
        queue.upTo(expected, out, reader, options);
        auto rec = decodeRecord(row.body, row.signature);
        auto change = checkStoredAdmin(out.state, row, rec, expected, options);
        if (!change) {
            out.problems.push_back(
                {describe("administration record", row.position), change.error().message});
            out.adminSound = false;
            return {};
        }
        applyAdmin(out.state, *rec, *change);
        expected += 1;
        return {};
    }));
    if (out.adminRecords == 0) {
        out.adminSound = false;
        out.problems.push_back(
            {"administration log", "it is empty: the genesis record is missing"});
    }
    if (!out.adminSound && out.adminRecords > out.state.adminCount + 1) {
        out.problems.push_back(
            {"administration log",
             fmt::format("{} later records were not applied because the log is broken",
                         out.adminRecords - out.state.adminCount - 1)});
    }
    return {};
}

// The audit log: unlock only needs its head to append; verify checks every entry.
Result<void> walkAudit(const VaultFile& file, ReplayResult& out, const ReplayOptions& options)
{
    return walkChain(
        file, Chain::Audit, "audit log", out.state.auditCount, out.state.auditHead,
        out.state.auditHashes,
        [&](const LogRow& row, Result<Record>& rec, const Result<void>& link) {
            out.auditRecords += 1;
            if (!options.checkAuditLog) {
                return;
            }
            Result<void> ok = link;
            if (ok) {
                ok = checkAudit(out.state, *rec, row.position, rec->header.prev);
            }
            for (const Revocation& rev : out.state.revocations) {
                if (ok && rev.everywhere && rec->header.signer == rev.user &&
                    row.position >= rev.auditCount &&
                    !serverOrdered(file, kAuditChain, row.position + 1, rec->hash())) {
                    ok = bad("it was signed by a removed user after their removal");
                }
            }
            if (!ok) {
                out.problems.push_back({describe("audit entry", row.position), ok.error().message});
            }
        });
}

} // namespace

Result<std::vector<std::pair<Id, std::uint64_t>>> indexedVersions(storage::Database& db)
{
    VaultFile file(std::move(db));
    auto keys = file.versionKeys();
    db = std::move(file).release();
    if (!keys) {
        return std::unexpected(keys.error());
    }
    std::vector<std::pair<Id, std::uint64_t>> out;
    out.reserve(keys->size());
    for (const VersionKey& k : *keys) {
        out.emplace_back(k.sopId, k.version);
    }
    return out;
}

Result<ReplayResult> replay(const VaultFile& file, const ReplayOptions& options)
{
    ReplayResult out;
    std::vector<Pending> pending;
    std::vector<ReplayProblem> chainProblems;
    std::optional<VersionReader> reader;
    if (!options.administrationOnly) {
        SOPVAULT_TRY(made, file.versionReader());
        reader.emplace(std::move(made));
        if (options.cache == nullptr) {
            SOPVAULT_CHECK(pendVersionRows(file, out, pending));
        } else {
            SOPVAULT_CHECK(pendIndexedVersions(file, *reader, *options.cache, pending));
        }
        SOPVAULT_CHECK(pendEvents(file, out, pending, chainProblems));
    }
    VersionReader* versions = reader ? &*reader : nullptr;
    PendingQueue queue(std::move(pending), file);
    SOPVAULT_CHECK(replayAdmin(file, out, queue, versions, options));
    queue.upTo(out.state.adminCount, out, versions, options);
    queue.failRest(out);
    out.problems.insert(out.problems.end(), chainProblems.begin(), chainProblems.end());
    enforceRevocations(out, file);
    if (!options.administrationOnly) {
        SOPVAULT_CHECK(walkAudit(file, out, options));
    }
    return out;
}

Result<ReplayResult> replay(storage::Database& db, const ReplayOptions& options)
{
    VaultFile file(std::move(db));
    auto result = replay(file, options);
    db = std::move(file).release();
    return result;
}

} // namespace sopvault::core::detail
