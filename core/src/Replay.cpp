// Replay: rebuilds the vault's state from its records, accepting each record only if its
// signature, chain position and signer's rights at that point in the log all hold.
#include "Replay.h"

#include "LocalState.h"
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

void processVersion(ReplayResult& out, Pending& pending, storage::Statement& load,
                    const ReplayOptions& options)
{
    out.sopVersions += 1;
    if (pending.cached != nullptr) {
        out.cachedVersions += 1;
        if (auto ok = checkCachedVersion(out.state, pending.rowSop, *pending.cached); !ok) {
            markDamaged(out, pending.rowSop, pending.rowPosition, ok.error().message);
            return;
        }
        applyVersion(out.state, pending.rowSop, *pending.cached);
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
void enforceRevocations(ReplayResult& out)
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
            for (const VersionState& v : sop.versions) {
                if (sop.problem.empty() && v.author == rev.user && v.adminCount <= rev.position &&
                    v.version > limit) {
                    sop.problem = fmt::format("version {} was signed by {} after their rights "
                                              "were revoked (administration record #{})",
                                              v.version, who, rev.position);
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

Id idFrom(const crypto::Bytes& bytes)
{
    Id id{};
    if (bytes.size() == id.size()) {
        std::copy(bytes.begin(), bytes.end(), id.begin());
    }
    return id;
}

// Reads a hash-chained log (audit or events) in position order, checking positions and chain
// links; `each` sees every decoded record with the problem found so far (if any).
template <typename Each>
Result<void> walkChain(storage::Database& db, const char* sql, const char* what,
                       std::uint64_t& count, crypto::Hash32& head,
                       std::vector<crypto::Hash32>& hashes, Each each)
{
    SOPVAULT_TRY(stmt, db.prepare(sql));
    crypto::Hash32 prev{};
    std::uint64_t expected = 0;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            break;
        }
        const auto position = static_cast<std::uint64_t>(stmt.columnInt(0));
        auto rec = decodeRecord(stmt.columnBytes(1), stmt.columnBytes(2));
        Result<void> link{};
        if (!rec) {
            link = std::unexpected(rec.error());
        } else if (position != expected || rec->header.position != position) {
            link = bad(fmt::format("the {} has a gap or a misplaced entry here", what));
        } else if (rec->header.prev != prev) {
            link = bad("it does not chain to the entry before it (reordered, removed or "
                       "inserted entries)");
        }
        // Taken before `each`, which may move the record away.
        const crypto::Hash32 hash = rec ? rec->hash() : crypto::Hash32{};
        each(position, rec, link, stmt);
        expected = position + 1;
        if (rec || hash != crypto::Hash32{}) {
            prev = hash;
        }
        hashes.push_back(hash);
    }
    count = expected;
    head = prev;
    return {};
}

} // namespace

Result<std::vector<std::pair<Id, std::uint64_t>>> indexedVersions(storage::Database& db)
{
    SOPVAULT_TRY(stmt,
                 db.prepare("SELECT sop_id, version FROM sop_versions ORDER BY sop_id, version"));
    std::vector<std::pair<Id, std::uint64_t>> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            return out;
        }
        out.emplace_back(idFrom(stmt.columnBytes(0)),
                         static_cast<std::uint64_t>(stmt.columnInt(1)));
    }
}

Result<ReplayResult> replay(storage::Database& db, const ReplayOptions& options)
{
    ReplayResult out;

    // SOP versions and review events are replayed interleaved with the administration log,
    // each at the point where its signer wrote it, so rights are checked against the log as it
    // was then.
    constexpr auto kUnreadable = std::numeric_limits<std::uint64_t>::max();
    std::vector<Pending> pending;
    // A version waits at the point of the administration log its header names; one whose
    // header cannot be read goes last, and damages its SOP rather than the replay.
    auto addPending = [&](Pending p, const Result<RecordHeader>& header) {
        p.adminCount = header ? header->adminCount : kUnreadable;
        p.record =
            header ? Result<Record>(Record{}) : Result<Record>(std::unexpected(header.error()));
        pending.push_back(std::move(p));
    };
    SOPVAULT_TRY(loadVersion, db.prepare("SELECT body, signature FROM sop_versions "
                                         "WHERE sop_id = ? AND version = ?"));
    if (options.administrationOnly) {
        // Nothing to read here.
    } else if (options.cache == nullptr) {
        SOPVAULT_TRY(versions, db.prepare("SELECT sop_id, version, body FROM sop_versions"));
        for (;;) {
            SOPVAULT_TRY(row, versions.step());
            if (!row) {
                break;
            }
            Pending p;
            p.rowSop = idFrom(versions.columnBytes(0));
            p.rowPosition = static_cast<std::uint64_t>(versions.columnInt(1));
            out.versionRows.emplace_back(p.rowSop, p.rowPosition);
            addPending(std::move(p), decodeHeader(versions.columnView(2)));
        }
    } else {
        // Only which versions exist (the primary key's index; verify checks it agrees with the
        // rows), read whole first, then the header of those the cache does not hold.
        SOPVAULT_TRY(rows, indexedVersions(db));
        for (const auto& [sopId, version] : rows) {
            Pending p;
            p.rowSop = sopId;
            p.rowPosition = version;
            if (auto c = options.cache->sops.find(p.rowSop);
                c != options.cache->sops.end() && p.rowPosition >= 1 &&
                p.rowPosition <= c->second.versions.size()) {
                p.cached = &c->second.versions[p.rowPosition - 1];
                p.adminCount = p.cached->adminCount;
                p.record = Record{};
                pending.push_back(std::move(p));
                continue;
            }
            loadVersion.bind(1, crypto::ByteView(p.rowSop))
                .bind(2, static_cast<std::int64_t>(p.rowPosition));
            auto found = loadVersion.step();
            addPending(std::move(p), !found ? Result<RecordHeader>(std::unexpected(found.error()))
                                            : decodeHeader(*found ? loadVersion.columnView(0)
                                                                  : crypto::ByteView{}));
            loadVersion.reset();
        }
    }
    std::vector<ReplayProblem> chainProblems;
    if (!options.administrationOnly) {
        SOPVAULT_CHECK(walkChain(
            db, "SELECT position, body, signature, sop_id FROM sop_events ORDER BY position",
            "review and flag log", out.state.eventCount, out.state.eventHead, out.state.eventHashes,
            [&](std::uint64_t position, Result<Record>& rec, const Result<void>& link,
                storage::Statement& stmt) {
                out.eventRecords += 1;
                if (!link) {
                    const std::string where = describe("review or flag record", position);
                    chainProblems.push_back({where, link.error().message});
                    if (out.state.eventLogProblem.empty()) {
                        out.state.eventLogProblem =
                            fmt::format("{}: {}", where, link.error().message);
                    }
                    return;
                }
                const std::uint64_t adminCount = rec ? rec->header.adminCount : kUnreadable;
                pending.push_back(Pending{true, idFrom(stmt.columnBytes(3)), position, adminCount,
                                          std::move(rec), nullptr});
            }));
    }
    // An undecodable record goes last, after the versions that really came before it.
    auto adminCountOf = [](const Pending& p) {
        return p.adminCount;
    };
    // Sorted by index: a Pending is large, and a vault has one per version.
    std::vector<std::size_t> order(pending.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
        const Pending& a = pending[i];
        const Pending& b = pending[j];
        return std::tuple(adminCountOf(a), a.isEvent, a.rowPosition) <
               std::tuple(adminCountOf(b), b.isEvent, b.rowPosition);
    });
    std::size_t next = 0;
    auto pendingUpTo = [&](std::uint64_t adminCount) {
        while (next < order.size() && adminCountOf(pending[order[next]]) <= adminCount) {
            Pending& p = pending[order[next++]];
            if (p.isEvent) {
                processEvent(out, p);
            } else {
                processVersion(out, p, loadVersion, options);
            }
        }
    };

    SOPVAULT_TRY(admin, db.prepare("SELECT position, record_id, body, signature FROM admin_log "
                                   "ORDER BY position"));
    std::uint64_t expected = 0;
    for (;;) {
        SOPVAULT_TRY(row, admin.step());
        if (!row) {
            break;
        }
        out.adminRecords += 1;
        if (!out.adminSound) {
            continue; // counted, not trusted: the chain is already broken before it
        }
        pendingUpTo(expected);
        const auto position = static_cast<std::uint64_t>(admin.columnInt(0));
        const std::string where = describe("administration record", position);
        auto rec = decodeRecord(admin.columnBytes(2), admin.columnBytes(3));
        // A record this replay's caller has just verified, byte for byte (same entry hash).
        const bool verifiedBefore = rec && options.verifiedAdmin != nullptr &&
                                    position < options.verifiedAdmin->size() &&
                                    (*options.verifiedAdmin)[position] == rec->hash();
        Result<AdminChange> change =
            rec ? checkAdmin(out.state, *rec,
                             verifiedBefore ? SignatureCheck::Skip : SignatureCheck::Verify)
                : Result<AdminChange>(std::unexpected(rec.error()));
        if (change && position != expected) {
            change = bad("the administration log has a gap before it");
        }
        if (change && crypto::toBytes(rec->header.recordId) != admin.columnBytes(1)) {
            change = bad("it is stored under another id than it says");
        }
        if (!change) {
            out.problems.push_back({where, change.error().message});
            out.adminSound = false;
            continue;
        }
        applyAdmin(out.state, *rec, *change);
        expected += 1;
    }
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
    pendingUpTo(out.state.adminCount);
    for (; next < order.size(); ++next) {
        const Pending& p = pending[order[next]];
        const std::string why = p.adminCount != kUnreadable
                                    ? "it refers to administration records this file does not "
                                      "hold"
                                    : p.record.error().message;
        if (p.isEvent) {
            eventFailed(out, p.rowSop, p.record, p.rowPosition, why);
        } else {
            out.sopVersions += 1;
            markDamaged(out, p.rowSop, p.rowPosition, why);
        }
    }
    out.problems.insert(out.problems.end(), chainProblems.begin(), chainProblems.end());
    enforceRevocations(out);
    if (options.administrationOnly) {
        return out;
    }

    // The audit log: unlock only needs its head to append; verify checks every entry.
    SOPVAULT_CHECK(walkChain(
        db, "SELECT position, body, signature FROM audit_log ORDER BY position", "audit log",
        out.state.auditCount, out.state.auditHead, out.state.auditHashes,
        [&](std::uint64_t position, Result<Record>& rec, const Result<void>& link,
            storage::Statement&) {
            out.auditRecords += 1;
            if (!options.checkAuditLog) {
                return;
            }
            Result<void> ok = link;
            if (ok) {
                ok = checkAudit(out.state, *rec, position, rec->header.prev);
            }
            for (const Revocation& rev : out.state.revocations) {
                if (ok && rev.everywhere && rec->header.signer == rev.user &&
                    position >= rev.auditCount) {
                    ok = bad("it was signed by a removed user after their removal");
                }
            }
            if (!ok) {
                out.problems.push_back({describe("audit entry", position), ok.error().message});
            }
        }));
    return out;
}

} // namespace sopvault::core::detail
