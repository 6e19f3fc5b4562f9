// Pull and verify (SyncEngine.h): the server is only an orderer, so every record it serves is
// checked here against what this replica verified before, then replayed with the vault's rules.
#include "SyncEngine.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace sopvault::core::detail {

namespace {

constexpr std::int64_t kPullBatch = 1000;

struct Incoming
{
    ServerRecord server;
    Envelope envelope;
    SyncRow row;
    std::optional<Record> record;
    Id sopId{}; // SOP versions and events: the SOP it is filed under
    crypto::Hash32 running{};
};

std::unexpected<Error> integrity(std::string message)
{
    return fail(ErrorCode::Integrity, std::move(message));
}

// The chain and height a record's own signed header puts it at; the server's routing columns
// must agree.
Result<void> placeRecord(Incoming& in)
{
    const Record& rec = *in.record;
    const RecordKind kind = rec.header.kind;
    std::string chain;
    std::int64_t height = static_cast<std::int64_t>(rec.header.position) + 1;
    if (isAdminKind(kind)) {
        chain = kAdminChain;
    } else if (kind == RecordKind::AuditEvent) {
        chain = kAuditChain;
    } else if (isEventKind(kind)) {
        chain = kEventsChain;
        SOPVAULT_TRY(p, decodeEvent(rec.payload));
        in.sopId = p.sopId;
    } else if (kind == RecordKind::SopVersion) {
        SOPVAULT_TRY(p, decodeSopVersion(rec.payload));
        in.sopId = p.sopId;
        chain = sopChain(p.sopId);
        height = static_cast<std::int64_t>(rec.header.position);
    } else {
        return integrity("it is of an unknown kind");
    }
    if (chain != in.server.chain || height != in.server.height) {
        return integrity(fmt::format("the server files it as {} #{} but it says {} #{}",
                                     in.server.chain, in.server.height, chain, height));
    }
    return {};
}

// Decodes and hashes one server record; the seen values are checked by the caller.
Result<Incoming> readIncoming(const ServerRecord& server)
{
    Incoming in;
    in.server = server;
    auto bad = [&](const Error& why) {
        return integrity(fmt::format("The server's record at position {} cannot be trusted: {}.",
                                     server.position, why.message));
    };
    auto envelope = decodeEnvelope(server.body);
    if (!envelope) {
        return bad(envelope.error());
    }
    in.envelope = std::move(*envelope);
    SyncRow& row = in.row;
    row.chain = server.chain;
    row.height = server.height;
    row.prevHash = server.prevHash;
    row.kind = in.envelope.kind;
    row.body = in.envelope.body;
    row.signature = in.envelope.signature;
    if (row.kind == RowKind::Record) {
        auto rec = decodeRecord(row.body, row.signature);
        if (!rec) {
            return bad(rec.error());
        }
        in.record = std::move(*rec);
        if (auto placed = placeRecord(in); !placed) {
            return bad(placed.error());
        }
        row.hash = in.record->hash();
    } else {
        const std::string_view prefix = row.kind == RowKind::Wrap ? "keys" : "seal";
        if (!chainId(row.chain, prefix)) {
            return bad(Error{ErrorCode::Integrity, "its chain does not name a person"});
        }
        row.hash = rowHash(row.chain, row.height, row.prevHash, row.kind, row.body, row.signature);
    }
    for (AttachmentBlob& b : in.envelope.blobs) {
        if (!in.record || in.record->header.kind != RecordKind::SopVersion) {
            return bad(Error{ErrorCode::Integrity, "it carries attachments but is no SOP version"});
        }
        if (crypto::hash32(b.data) != b.blobId) {
            return bad(Error{ErrorCode::Integrity,
                             "an attachment it carries does not match its id (it was changed)"});
        }
        b.sopId = in.sopId;
        b.firstVersion = in.record->header.position;
    }
    if (crypto::ByteView(row.hash).size() != server.hash.size() ||
        !std::equal(row.hash.begin(), row.hash.end(), server.hash.begin())) {
        return bad(Error{ErrorCode::Integrity,
                         "its bytes do not match its hash (they were changed on the server)"});
    }
    return in;
}

Result<std::vector<ServerRecord>> fetchAll(RecordServer& server, const std::string& vaultHex,
                                           std::int64_t from, std::int64_t last,
                                           const Progress& progress)
{
    std::vector<ServerRecord> out;
    std::int64_t position = from;
    for (;;) {
        auto batch = server.recordsAfter(vaultHex, position, kPullBatch);
        if (!batch) {
            return serverFailure(batch.error());
        }
        if (batch->empty()) {
            return out;
        }
        position = batch->back().position;
        const bool more = static_cast<std::int64_t>(batch->size()) == kPullBatch;
        for (auto& r : *batch) {
            out.push_back(std::move(r));
        }
        if (progress) {
            progress(out.size(), static_cast<std::size_t>(std::max(last - from, position - from)));
        }
        if (!more) {
            return out;
        }
    }
}

// Gapless, each record's bytes matching its hash, and each one's seen values consistent with
// this replica's own history: a server that drops, reorders or forks is caught here.
Result<std::vector<Incoming>> verifySequence(const VaultFile& file, const ServerLogRow& head,
                                             const std::vector<ServerRecord>& fetched)
{
    std::vector<Incoming> out;
    out.reserve(fetched.size());
    std::map<std::int64_t, crypto::Hash32> runningAt;
    crypto::Hash32 running = head.running;
    std::int64_t expected = head.position + 1;
    for (const ServerRecord& r : fetched) {
        if (r.position != expected) {
            return integrity(fmt::format(
                "The server's log is not gapless: after position {} it sent position {} (records "
                "were dropped or reordered on the server). Nothing was taken from it.",
                expected - 1, r.position));
        }
        SOPVAULT_TRY(in, readIncoming(r));
        const Envelope& e = in.envelope;
        if (e.seenPosition < 0 || e.seenPosition >= r.position) {
            return integrity(fmt::format("The server's record at position {} claims its pusher "
                                         "had seen position {}, which cannot be.",
                                         r.position, e.seenPosition));
        }
        crypto::Hash32 mine{};
        if (e.seenPosition > head.position) {
            mine = runningAt.at(e.seenPosition);
        } else if (e.seenPosition > 0) {
            SOPVAULT_TRY(row, file.serverLogAt(e.seenPosition));
            if (!row) {
                return integrity(fmt::format("This replica has no verified record at position "
                                             "{} of the server's log; run 'verify'.",
                                             e.seenPosition));
            }
            mine = row->running;
        }
        if (e.seenHash != mine) {
            return integrity(fmt::format(
                "The server forked the vault's history: the record at position {} was pushed by "
                "someone who had seen another history at position {} than this replica has. "
                "Nothing was taken from it; compare vault fingerprints with the team and tell the "
                "server's administrator.",
                r.position, e.seenPosition));
        }
        running = runningHash(running, r.position, in.row.hash);
        runningAt[r.position] = running;
        in.running = running;
        expected += 1;
        out.push_back(std::move(in));
    }
    return out;
}

std::optional<Chain> logChain(std::string_view chain)
{
    if (chain == kAdminChain) {
        return Chain::Admin;
    }
    if (chain == kAuditChain) {
        return Chain::Audit;
    }
    if (chain == kEventsChain) {
        return Chain::Events;
    }
    return std::nullopt;
}

// What the pull found of my own unconfirmed rows.
struct Rebase
{
    std::vector<std::pair<std::int64_t, std::pair<Chain, Record>>> logs; // by outbox seq
    std::set<Id> changedSops;
    std::set<std::string> requeue; // wrap or seal chains where mine stays the newest
    // Per chain this pull touches: how many rows the file holds alike before and after it (the
    // prefix neither the pulled rows nor a replacement changes). Only kept with an engine.
    std::map<std::string, std::int64_t> common;
    bool replaced = false; // some unconfirmed row of mine was taken out
};

// My unconfirmed rows of a chain that the server's history overtook: log records are kept for
// signing again, SOP versions become conflicts, a wrap or seal of mine is queued again on top.
Result<void> takeOutMine(VaultFile& file, const Incoming& in, Rebase& rebase)
{
    SOPVAULT_TRY(mine, file.outboxChain(in.row.chain));
    const std::optional<Chain> log = logChain(in.row.chain);
    rebase.replaced = true;
    if (auto c = rebase.common.find(in.row.chain); c != rebase.common.end()) {
        c->second = std::min(c->second, in.row.height - 1);
    }
    for (const OutboxRow& o : mine) {
        SOPVAULT_CHECK(file.removeOutbox(o.seq));
        if (o.row.kind != RowKind::Record) {
            rebase.requeue.insert(o.row.chain);
            continue;
        }
        SOPVAULT_TRY(rec, decodeRecord(o.row.body, o.row.signature));
        if (log) {
            rebase.logs.push_back({o.seq, {*log, std::move(rec)}});
        } else {
            SOPVAULT_CHECK(
                file.addConflict(rec, in.sopId, static_cast<std::uint64_t>(in.row.height)));
            SOPVAULT_CHECK(file.removeVersion({in.sopId, rec.header.position}));
        }
    }
    if (log && !mine.empty()) {
        SOPVAULT_CHECK(file.removeLogFrom(*log, static_cast<std::uint64_t>(in.row.height - 1)));
    }
    if (!log) {
        rebase.changedSops.insert(in.sopId);
    }
    return {};
}

// Writes one verified server row into the file (quietly: it is not queued back).
Result<void> store(VaultFile& file, const State* old, const Incoming& in, Rebase& rebase)
{
    if (old != nullptr && in.record && !logChain(in.row.chain) &&
        !rebase.common.contains(in.row.chain)) {
        auto it = old->sops.find(in.sopId);
        rebase.common[in.row.chain] =
            it == old->sops.end() ? 0 : static_cast<std::int64_t>(it->second.versions.size());
    }
    SOPVAULT_TRY(known, file.serverLogOf(in.row.chain, in.row.height));
    if (known) {
        return integrity(fmt::format(
            "The server's record at position {} is {} #{} again, which this replica verified at "
            "position {}{}. Nothing was taken from it.",
            in.server.position, in.row.chain, in.row.height, known->position,
            known->hash == in.row.hash ? "" : " with other contents"));
    }
    SOPVAULT_TRY(mine, file.outboxOf(in.row.chain, in.row.height));
    if (mine && mine->row.hash == in.row.hash) {
        // Mine, pushed earlier (perhaps its answer was lost): confirmed now, never doubled.
        SOPVAULT_CHECK(file.removeOutbox(mine->seq));
    } else {
        if (mine) {
            SOPVAULT_CHECK(takeOutMine(file, in, rebase));
        }
        if (in.record) {
            const Record& rec = *in.record;
            if (auto log = logChain(in.row.chain)) {
                SOPVAULT_CHECK(file.append(*log, rec, in.sopId));
            } else {
                for (const AttachmentBlob& b : in.envelope.blobs) {
                    SOPVAULT_CHECK(file.putBlob(b));
                }
                SOPVAULT_CHECK(file.appendVersion(in.sopId, rec));
                rebase.changedSops.insert(in.sopId);
            }
        } else if (!rebase.requeue.contains(in.row.chain)) {
            const Id user = in.row.kind == RowKind::Wrap ? *chainId(in.row.chain, "keys")
                                                         : *chainId(in.row.chain, "seal");
            SOPVAULT_CHECK(in.row.kind == RowKind::Wrap
                               ? file.storeWrap(user, in.row.body)
                               : file.storeRecoverySeal(user, in.row.body, in.row.signature));
        }
    }
    return file.addServerLog(
        {in.server.position, in.row.chain, in.row.height, in.row.hash, in.running});
}

// After the replay: every pulled SOP version this person can open lists only attachments the
// file now holds (a server that dropped a blob is caught here, not when someone opens it).
Result<void> checkPulledBlobs(const VaultFile& file, const Engine* engine,
                              const std::vector<Incoming>& incoming)
{
    if (engine == nullptr) {
        return {};
    }
    for (const Incoming& in : incoming) {
        if (!in.record || in.record->header.kind != RecordKind::SopVersion) {
            continue;
        }
        SOPVAULT_TRY(payload, decodeSopVersion(in.record->payload));
        auto content = engine->openVersion(*in.record, payload);
        if (!content) {
            continue; // not this person's to read; replay checked what can be checked
        }
        for (const AttachmentRef& ref : content->attachments) {
            SOPVAULT_TRY(held, file.hasBlob(ref.blobId));
            if (!held) {
                return integrity(fmt::format(
                    "The server's record at position {} ({} #{}) lists the attachment \"{}\" but "
                    "no server record carried it. Nothing was taken from the server.",
                    in.server.position, in.row.chain, in.row.height, ref.name));
            }
        }
    }
    return {};
}

// After the replay: who pushed each record, and what replay alone does not check (the audit
// entries past the head, the wraps and seals, each signed by its person).
Result<void> checkPushed(VaultFile& file, const State& st, const std::vector<Incoming>& incoming)
{
    for (const Incoming& in : incoming) {
        const auto bad = [&](std::string_view why) {
            return integrity(fmt::format("The server's record at position {} cannot be trusted: "
                                         "{}. Nothing was taken from it.",
                                         in.server.position, why));
        };
        const Envelope& e = in.envelope;
        const UserState* pusher = st.user(e.pusher);
        if (pusher == nullptr) {
            return bad("it was pushed by someone who is not a member of the vault");
        }
        if (!crypto::verify(pusher->signKey,
                            seenSigned(st.vaultId, in.row.hash, e.seenPosition, e.seenHash),
                            e.pusherSignature)) {
            return bad("its pusher's signature does not match");
        }
        if (in.record && in.record->header.kind == RecordKind::AuditEvent) {
            const std::uint64_t pos = in.record->header.position;
            if (pos >= st.auditHashes.size()) {
                return bad("the audit log does not reach it");
            }
            const crypto::Hash32 prev = pos == 0 ? crypto::Hash32{} : st.auditHashes[pos - 1];
            if (auto ok = checkAudit(st, *in.record, pos, prev); !ok) {
                return bad(ok.error().message);
            }
        }
        if (in.record) {
            continue;
        }
        const Id userId = *chainId(in.row.chain, in.row.kind == RowKind::Wrap ? "keys" : "seal");
        const UserState* person = st.user(userId);
        if (person == nullptr) {
            return bad("it holds keys of someone who is not a member of the vault");
        }
        if (in.row.kind == RowKind::Wrap) {
            auto wrap = decodeKeyWrap(in.row.body);
            if (!wrap || !crypto::verify(person->signKey, keyWrapSigned(st.vaultId, userId, *wrap),
                                         wrap->signature)) {
                return bad("its password wrap is not signed by its person");
            }
            if (person->removed) {
                SOPVAULT_CHECK(file.removeWrap(userId)); // as every replica did on the removal
            }
        } else {
            crypto::Bytes message = recoverySealAd(st.vaultId, userId);
            message.insert(message.end(), in.row.body.begin(), in.row.body.end());
            crypto::Signature sig{};
            if (in.row.signature.size() != sig.size()) {
                return bad("its recovery seal has no signature");
            }
            std::copy(in.row.signature.begin(), in.row.signature.end(), sig.begin());
            if (!crypto::verify(person->signKey, message, sig)) {
                return bad("its recovery seal is not signed by its owner");
            }
        }
    }
    return {};
}

std::string problemsText(const std::vector<VerifyProblem>& problems)
{
    std::string out;
    for (const auto& p : problems) {
        out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", p.record, p.problem);
    }
    return out;
}

bool sameProblem(const VerifyProblem& a, const VerifyProblem& b)
{
    return a.record == b.record && a.problem == b.problem;
}

// Replays the file with what was pulled; new problems are the server's.
Result<void> replayPulled(VaultFile& file, Engine* engine, const Id& vault,
                          const std::set<Id>& changed, State& keyless)
{
    std::vector<VerifyProblem> before;
    std::vector<VerifyProblem> after;
    if (engine != nullptr) {
        before = engine->problems();
        SOPVAULT_CHECK(engine->reloadPulled(changed));
        after = engine->problems();
    } else {
        SOPVAULT_TRY(replayed, replay(file));
        for (auto& p : replayed.problems) {
            after.push_back({std::move(p.record), std::move(p.problem)});
        }
        keyless = std::move(replayed.state);
        if (keyless.vaultId != vault) {
            return integrity("The server's records are of another vault than the one asked for.");
        }
    }
    std::vector<VerifyProblem> added;
    for (const auto& p : after) {
        if (std::none_of(before.begin(), before.end(),
                         [&](const VerifyProblem& b) { return sameProblem(b, p); })) {
            added.push_back(p);
        }
    }
    if (!added.empty()) {
        return integrity(fmt::format("The server's records fail verification ({}). Nothing was "
                                     "taken from it; tell the server's administrator.",
                                     problemsText(added)));
    }
    return {};
}

// Quiet while pulled rows are written; loud again for the rebase and whatever follows.
struct Quiet
{
    explicit Quiet(VaultFile& f) : file(f) { file.setQuiet(true); }
    ~Quiet() { file.setQuiet(false); }
    Quiet(const Quiet&) = delete;
    Quiet& operator=(const Quiet&) = delete;
    VaultFile& file;
};

void keepPrefix(std::int64_t keep, std::uint64_t& count, crypto::Hash32& head,
                std::vector<crypto::Hash32>& hashes)
{
    const auto n = static_cast<std::size_t>(std::max<std::int64_t>(keep, 0));
    if (n >= hashes.size()) {
        return;
    }
    hashes.resize(n);
    count = n;
    head = n == 0 ? crypto::Hash32{} : hashes.back();
}

// Before a commit that replaces unconfirmed records, the marks retreat to what the file holds
// alike before and after it: a crash between the commit and the new marks is not a rollback.
Result<void> retreatMarks(Engine& engine, const Rebase& rebase, const ServerLogRow& before)
{
    if (!rebase.replaced || !engine.trust().attached()) {
        return {};
    }
    State prefix = engine.state();
    for (const auto& [chain, keep] : rebase.common) {
        if (chain == kAdminChain) {
            keepPrefix(keep, prefix.adminCount, prefix.adminHead, prefix.adminHashes);
        } else if (chain == kAuditChain) {
            keepPrefix(keep, prefix.auditCount, prefix.auditHead, prefix.auditHashes);
        } else if (chain == kEventsChain) {
            keepPrefix(keep, prefix.eventCount, prefix.eventHead, prefix.eventHashes);
        } else if (auto sop = chainId(chain, "sop")) {
            auto it = prefix.sops.find(*sop);
            if (it != prefix.sops.end() && keep <= 0) {
                prefix.sops.erase(it);
            } else if (it != prefix.sops.end() &&
                       static_cast<std::size_t>(keep) < it->second.versions.size()) {
                it->second.versions.resize(static_cast<std::size_t>(keep));
            }
        }
    }
    prefix.serverPosition = before.position;
    prefix.serverRunning = before.running;
    engine.trust().headsMoved();
    SOPVAULT_CHECK(engine.trust().saveMarks(prefix));
    engine.trust().headsMoved(); // the full heads are written with the next marks
    return {};
}

Result<PullOutcome> pullInTransaction(VaultFile& file, Engine* engine, const Id& vault,
                                      const ServerLogRow& before,
                                      const std::vector<Incoming>& incoming)
{
    PullOutcome outcome;
    outcome.pulled = incoming.size();
    SOPVAULT_TRY(tx, file.beginWrite());
    Rebase rebase;
    const State* old = engine != nullptr ? &engine->state() : nullptr;
    if (old != nullptr) {
        rebase.common[std::string(kAdminChain)] = static_cast<std::int64_t>(old->adminCount);
        rebase.common[std::string(kAuditChain)] = static_cast<std::int64_t>(old->auditCount);
        rebase.common[std::string(kEventsChain)] = static_cast<std::int64_t>(old->eventCount);
    }
    {
        Quiet quiet(file);
        for (const Incoming& in : incoming) {
            SOPVAULT_CHECK(store(file, old, in, rebase));
        }
        State keyless;
        SOPVAULT_CHECK(replayPulled(file, engine, vault, rebase.changedSops, keyless));
        SOPVAULT_CHECK(checkPushed(file, engine != nullptr ? engine->state() : keyless, incoming));
        SOPVAULT_CHECK(checkPulledBlobs(file, engine, incoming));
    }
    if (engine != nullptr) {
        std::sort(rebase.logs.begin(), rebase.logs.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [seq, entry] : rebase.logs) {
            SOPVAULT_TRY(refused, engine->writes().resign(entry.first, entry.second));
            if (refused) {
                outcome.refused.push_back(std::move(*refused));
            } else {
                outcome.rebased += 1;
            }
        }
        for (const std::string& chain : rebase.requeue) {
            if (auto user = chainId(chain, "keys")) {
                SOPVAULT_TRY(wrap, file.wrap(*user));
                if (wrap) {
                    SOPVAULT_CHECK(file.storeWrap(*user, *wrap));
                }
            } else if (auto owner = chainId(chain, "seal")) {
                SOPVAULT_TRY(seal, file.recoverySeal(*owner));
                if (seal) {
                    SOPVAULT_CHECK(file.storeRecoverySeal(*owner, seal->sealed, seal->signature));
                }
            }
        }
    }
    if (engine != nullptr) {
        SOPVAULT_CHECK(retreatMarks(*engine, rebase, before));
    }
    SOPVAULT_CHECK(tx.commit());
    return outcome;
}

} // namespace

std::unexpected<Error> serverFailure(const ServerError& error)
{
    return std::unexpected(error.error);
}

Result<PullOutcome> pull(RecordServer& server, VaultFile& file, Engine* engine, const Id& vault,
                         const Progress& progress)
{
    const std::string vaultHex = toHex(vault);
    SOPVAULT_TRY(head, file.serverHead());
    auto last = server.lastPosition(vaultHex);
    if (!last) {
        return serverFailure(last.error());
    }
    if (*last < head.position) {
        return integrity(fmt::format(
            "The server's log ends at position {}, but this replica verified it up to position {}: "
            "the server was rolled back or lost records. Nothing was taken from it; tell the "
            "server's administrator (this replica holds everything up to {}).",
            *last, head.position, head.position));
    }
    if (*last == head.position) {
        return PullOutcome{};
    }
    SOPVAULT_TRY(fetched, fetchAll(server, vaultHex, head.position, *last, progress));
    if (fetched.empty() || fetched.back().position < *last) {
        return integrity(fmt::format("The server says its log ends at position {} but served "
                                     "records only up to {}.",
                                     *last,
                                     fetched.empty() ? head.position : fetched.back().position));
    }
    SOPVAULT_TRY(incoming, verifySequence(file, head, fetched));
    auto outcome = pullInTransaction(file, engine, vault, head, incoming);
    if (!outcome && engine != nullptr) {
        // Memory may hold what was rolled back: replay the file as it is again.
        (void)engine->reload();
    }
    if (outcome && engine != nullptr) {
        SOPVAULT_CHECK(engine->writes().recordSeen());
    }
    return outcome;
}

} // namespace sopvault::core::detail
