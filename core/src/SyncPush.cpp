// Push (SyncEngine.h): the outbox goes up in write order, each row in an envelope signed with
// what this replica had verified; a stale head is a pull and rebase, a busy server a short wait.
#include "SyncEngine.h"

#include <fmt/format.h>

#include <chrono>
#include <random>
#include <thread>

namespace sopvault::core::detail {

namespace {

constexpr std::size_t kPushBatch = 200;
// Each round either lands a batch or pulls what beat it; a server that keeps refusing for this
// many rounds is reported rather than retried for ever.
constexpr int kMaxRounds = 200;

Result<std::vector<ServerRecord>> envelopes(Engine& engine, const std::vector<OutboxRow>& rows,
                                            const ServerLogRow& seen)
{
    std::vector<ServerRecord> batch;
    batch.reserve(rows.size());
    for (const OutboxRow& o : rows) {
        Envelope e;
        e.kind = o.row.kind;
        e.body = o.row.body;
        e.signature = o.row.signature;
        e.pusher = engine.me();
        e.seenPosition = seen.position;
        e.seenHash = seen.running;
        SOPVAULT_TRY(signature, crypto::sign(engine.keys().signKeys().secretKey,
                                             seenSigned(engine.state().vaultId, o.row.hash,
                                                        seen.position, seen.running)));
        e.pusherSignature = signature;
        // A SOP version carries the attachment blobs it lists first.
        if (const auto sop = chainId(o.row.chain, "sop"); sop && o.row.kind == RowKind::Record) {
            SOPVAULT_TRY(blobs, engine.file().blobsFirstIn(
                                    {*sop, static_cast<std::uint64_t>(o.row.height)}));
            e.blobs = std::move(blobs);
        }
        ServerRecord r;
        r.chain = o.row.chain;
        r.height = o.row.height;
        r.prevHash = o.row.prevHash;
        r.hash = crypto::toBytes(o.row.hash);
        r.body = encodeEnvelope(e);
        r.seenPosition = seen.position;
        r.seenHash = crypto::toBytes(seen.running);
        batch.push_back(std::move(r));
    }
    return batch;
}

std::minstd_rand& jitter()
{
    thread_local std::minstd_rand engine{std::random_device{}()};
    return engine;
}

void absorb(SyncReport& report, PullOutcome outcome)
{
    report.pulled += outcome.pulled;
    report.rebased += outcome.rebased;
    for (auto& r : outcome.refused) {
        report.refused.push_back(std::move(r));
    }
}

} // namespace

Result<void> push(RecordServer& server, Engine& engine, SyncReport& report)
{
    VaultFile& file = engine.file();
    const Id vault = engine.state().vaultId;
    const std::string vaultHex = toHex(vault);
    int waits = 0;
    for (int round = 0; round < kMaxRounds; ++round) {
        SOPVAULT_TRY(rows, file.outbox(kPushBatch));
        if (rows.empty()) {
            return {};
        }
        SOPVAULT_TRY(seen, file.serverHead());
        SOPVAULT_TRY(batch, envelopes(engine, rows, seen));
        auto appended = server.append(vaultHex, batch);
        if (appended) {
            report.pushed += rows.size();
        } else if (appended.error().fault == ServerFault::Retry) {
            // A lock timeout or serialization failure: someone else is appending right now.
            waits += 1;
            std::this_thread::sleep_for(std::chrono::milliseconds(20 * std::min(waits, 25)));
            continue;
        } else if (appended.error().fault != ServerFault::StaleHead) {
            return serverFailure(appended.error());
        }
        // Landed: my rows come back with their positions (the only way one enters server_log).
        // Stale: what beat them comes down, and they are rebased or set aside as conflicts.
        SOPVAULT_TRY(pulled, pull(server, file, &engine, vault));
        absorb(report, std::move(pulled));
        if (!appended && round >= 3) {
            // Beaten several times running: many writers at once. A random pause spreads them
            // out so each gets a turn.
            std::uniform_int_distribution<int> pause(0, std::min(10 * round, 200));
            std::this_thread::sleep_for(std::chrono::milliseconds(pause(jitter())));
        }
    }
    return fail(ErrorCode::Busy,
                fmt::format("The server kept refusing this replica's records after {} tries; "
                            "sync again in a moment.",
                            kMaxRounds));
}

} // namespace sopvault::core::detail
