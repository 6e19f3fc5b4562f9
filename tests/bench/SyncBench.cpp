// The team-sync figures (SyncBench.h): core's real engine through remote::PgServer on the bench's
// own cluster, several replicas in one process, each with its own file, session and connection.
#include "SyncBench.h"

#include "Baselines.h"
#include "Postgres.h"

#include "sopvault/remote/Listen.h"
#include "sopvault/remote/PgServer.h"
#include "sopvault/remote/Server.h"

#include <condition_variable>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace sopvault::bench {
namespace {

template <typename T>
T mustServer(core::ServerResult<T> result, std::string_view what)
{
    if (!result) {
        die(fmt::format("{}: {}", what, result.error().error.message));
    }
    return std::move(*result);
}

template <typename T>
T mustRemote(remote::Outcome<T> result, std::string_view what)
{
    if (!result) {
        die(fmt::format("{}: {}", what, result.error().error.message));
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

remote::Connection adminConnection()
{
    return mustRemote(remote::Connection::open(clusterUrl("postgres")), "admin connection");
}

// A member role of the cluster for `vaultId` (no password: the cluster trusts local sockets).
void addRole(remote::Connection& admin, const std::string& role, const std::string& vaultId)
{
    (void)mustRemote(remote::addMember(admin, role, nullptr, {vaultId}), "server add-member");
}

remote::PgServer connectAs(const std::string& role)
{
    return mustServer(remote::PgServer::connect(clusterUrl(role)), "connect to the server");
}

std::int64_t scalar(remote::Connection& admin, std::string_view sql, const std::string& vaultId,
                    std::size_t column = 0)
{
    auto rows = mustRemote(admin.query(sql, {remote::Param::text(vaultId)}), "server query");
    return rows.empty() ? 0 : rows.int64(0, column);
}

// Clones the vault into `path` as `user` over `role`'s connection: fetch, check, keep the remote.
core::ClonedVault cloneAs(const std::string& role, const std::string& vaultId,
                          const std::filesystem::path& path)
{
    auto server = connectAs(role);
    return must(core::cloneVault(server, clusterUrl(role), vaultId, path), "clone");
}

void removeReplica(const std::filesystem::path& path)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(path.string() + suffix, ec);
    }
    std::filesystem::remove_all(stateDirOf(path), ec);
}

} // namespace

void prepareServer()
{
    auto admin = adminConnection();
    (void)mustRemote(remote::applyMigrations(admin), "server init");
}

Figure cloneFigure(core::Session& owner, std::string_view reader, std::size_t sops,
                   const std::filesystem::path& dir, int reps)
{
    progress(sops, "clone: publish the vault to the server");
    const std::string vaultId = owner.vaultId();
    const std::string ownerRole = fmt::format("bench_owner_{}", sops);
    const std::string readerRole = fmt::format("bench_reader_{}", sops);
    auto admin = adminConnection();
    addRole(admin, ownerRole, vaultId);
    addRole(admin, readerRole, vaultId);
    double publishSeconds = 0;
    std::size_t pushed = 0;
    {
        auto server = connectAs(ownerRole);
        Stopwatch t;
        pushed = must(owner.publish(server, clusterUrl(ownerRole)), "publish").pushed;
        publishSeconds = t.seconds();
    }
    const std::int64_t rows =
        scalar(admin, "SELECT count(*) FROM sopvault.records WHERE vault_id = $1", vaultId);
    const std::int64_t bodyBytes =
        scalar(admin,
               "SELECT coalesce(sum(length(body)), 0)::bigint FROM sopvault.records "
               "WHERE vault_id = $1",
               vaultId);
    if (rows <= 0 || static_cast<std::size_t>(rows) != pushed) {
        die(fmt::format("publish pushed {} records but the server holds {}", pushed, rows));
    }

    progress(sops, fmt::format("clone: {} records to a new machine, {} times", rows, reps));
    std::vector<double> totalS;
    std::vector<double> cloneS;
    std::vector<double> unlockS;
    std::vector<double> listS;
    std::vector<double> kdfS;
    std::string fingerprint;
    for (int rep = 0; rep < reps; ++rep) {
        const auto path = dir / fmt::format("clone{}.sopvault", rep);
        removeReplica(path);
        Stopwatch t;
        const auto cloned = cloneAs(readerRole, vaultId, path);
        cloneS.push_back(t.seconds());
        const UnlockTiming first = timeUnlockToList(path, reader);
        if (first.listed != sops || cloned.records != static_cast<std::size_t>(rows)) {
            die(fmt::format("the clone holds {} records and lists {} SOPs; the server has {} and "
                            "the vault {}",
                            cloned.records, first.listed, rows, sops));
        }
        fingerprint = cloned.fingerprint;
        unlockS.push_back(first.unlockS);
        listS.push_back(first.listS);
        kdfS.push_back(first.kdfS);
        totalS.push_back(cloneS.back() + first.toListS());
        removeReplica(path);
    }

    progress(sops, "clone baseline: COPY of the same rows, then their raw crypto");
    std::vector<double> copyS;
    std::vector<double> cryptoS;
    std::vector<double> baseS;
    std::uint64_t copyBytes = 0;
    std::unique_ptr<RowCrypto> rowCrypto;
    for (int rep = 0; rep < reps; ++rep) {
        const CopiedRecords copied = copyRecords(clusterUrl(readerRole), vaultId);
        if (copied.rows != static_cast<std::size_t>(rows)) {
            die(fmt::format("COPY brought {} of {} rows", copied.rows, rows));
        }
        copyBytes = copied.bytes;
        if (!rowCrypto) { // signing and encrypting with the bench key is not part of the figure
            rowCrypto = std::make_unique<RowCrypto>(copied, vaultId);
        }
        copyS.push_back(copied.seconds);
        cryptoS.push_back(rowCrypto->run());
        baseS.push_back(copyS.back() + cryptoS.back());
    }

    Figure f;
    f.key = "clone";
    f.label = "clone from PostgreSQL, to the SOP list";
    f.value = median(totalS);
    f.unit = "s";
    f.baseline = median(baseS);
    f.baselineLabel = "COPY + raw Ed25519/XChaCha20";
    f.ratio = f.value / *f.baseline;
    f.ratioLabel = "clone / baseline (medians)";
    f.samples = totalS;
    f.baselineSamples = baseS;
    f.goal = "<= 1.5x";
    f.met = *f.ratio <= 1.5;
    f.detail = {{"records", rows},
                {"record_body_bytes", bodyBytes},
                {"copy_stream_bytes", copyBytes},
                {"publish_s", publishSeconds},
                {"clone_s", spread(totalS)},
                {"baseline_s", spread(baseS)},
                {"cloneVault_s", spread(cloneS)},
                {"unlock_s_incl_kdf", spread(unlockS)},
                {"kdf_interactive_s", spread(kdfS)},
                {"list_s", spread(listS)},
                {"copy_s", spread(copyS)},
                {"raw_crypto_s", spread(cryptoS)},
                {"baseline_signatures", rowCrypto->signatures()},
                {"baseline_decryptions", rowCrypto->decryptions()},
                {"fingerprint", fingerprint},
                {"note", "clone = connect + cloneVault (fetch, check, write the file) + first "
                         "unlock on the new machine minus Argon2id + listSops"}};
    return f;
}

Figure editSeenFigure(const std::filesystem::path& work)
{
    constexpr int kEdits = 30;
    progress(0, "an edit seen by another client: set-up");
    const auto dir = work / "live";
    std::filesystem::create_directories(dir);
    const auto ownerPath = dir / "lena.sopvault";
    const auto otherPath = dir / "ben.sopvault";
    must(core::createVault(ownerPath, "lena", password("lena"), crypto::KdfProfile::Interactive,
                           openOptions(ownerPath)),
         "create the live vault");
    auto owner = unlockAs(ownerPath, "lena");
    must(owner->addUser("ben", password("ben"), crypto::KdfProfile::Interactive), "add ben");
    must(owner->addCollection("Live"), "add collection");
    must(owner->grant("ben", "technician", "Live"), "grant ben");
    core::NewSop sop;
    sop.collection = "Live";
    sop.title = "Failover of the file server";
    sop.body = "# Failover\n\n1. Check the replica.\n";
    const core::Id sopId = must(owner->addSop(sop), "add the SOP");
    const std::string vaultId = owner->vaultId();
    {
        auto admin = adminConnection();
        addRole(admin, "bench_live_lena", vaultId);
        addRole(admin, "bench_live_ben", vaultId);
    }
    auto ownerServer = connectAs("bench_live_lena");
    (void)must(owner->publish(ownerServer, clusterUrl("bench_live_lena")), "publish");
    (void)cloneAs("bench_live_ben", vaultId, otherPath);

    std::mutex mutex;
    std::condition_variable changed;
    std::uint64_t seenVersion = 0;
    Clock::time_point seenAt;
    std::size_t wakeUps = 0;
    bool ready = false;
    std::string failure;
    // The other client as the desktop runs it: its own connection, remote::Listener on another,
    // a sync on every wake-up.
    auto listener = mustRemote(remote::Listener::open(clusterUrl("bench_live_ben"), vaultId),
                               "LISTEN for the other client");
    std::thread other([&] {
        auto server = connectAs("bench_live_ben");
        auto session = unlockAs(otherPath, "ben");
        auto look = [&] {
            auto synced = session->sync(server);
            auto summary = session->summary(sopId);
            const auto now = Clock::now();
            std::lock_guard lock(mutex);
            if (!synced || !summary) {
                failure = !synced ? synced.error().message : summary.error().message;
            } else if (summary->version > seenVersion) {
                seenVersion = summary->version;
                seenAt = now;
            }
            ready = true;
            changed.notify_all();
        };
        look();
        for (;;) {
            const remote::WakeUp why = listener.wait(std::chrono::seconds(60));
            if (why == remote::WakeUp::Interrupted) {
                break;
            }
            if (why != remote::WakeUp::Notified) {
                std::lock_guard lock(mutex);
                failure = "the other client's LISTEN connection closed or timed out";
                changed.notify_all();
                break;
            }
            {
                std::lock_guard lock(mutex);
                ++wakeUps;
            }
            look();
        }
    });
    {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return ready; });
    }

    progress(0, fmt::format("an edit seen by another client: {} edits", kEdits));
    std::vector<double> seenMs;
    std::vector<double> writerMs;
    for (int i = 0; i < kEdits; ++i) {
        // Let the other client settle, so each edit meets a client that is waiting.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const auto start = Clock::now();
        core::SopEdit edit;
        edit.body = fmt::format("# Failover\n\n1. Check the replica.\n{}. Edit {}.\n", i + 2, i);
        edit.message = fmt::format("edit {}", i);
        const std::uint64_t version = must(owner->editSop(sopId, edit), "edit");
        (void)must(owner->sync(ownerServer), "sync the edit");
        writerMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        std::unique_lock lock(mutex);
        if (!changed.wait_for(lock, std::chrono::seconds(30),
                              [&] { return seenVersion >= version || !failure.empty(); })) {
            failure = fmt::format("version {} did not reach the other client in 30 s", version);
        }
        if (!failure.empty()) {
            break;
        }
        seenMs.push_back(std::chrono::duration<double, std::milli>(seenAt - start).count());
    }
    listener.interrupt();
    other.join();
    if (!failure.empty()) {
        die(fmt::format("an edit seen by another client: {}", failure));
    }

    Figure f;
    f.key = "edit_seen";
    f.label = "an edit seen by another client, p95";
    f.value = percentile(seenMs, 95);
    f.unit = "ms";
    f.goal = "p95 < 1 s (LISTEN/NOTIFY)";
    f.samples = seenMs; // one pass of edits: the spread of the edits themselves
    f.met = f.value < 1000.0;
    f.detail = {{"edits", seenMs.size()},
                {"p50_ms", percentile(seenMs, 50)},
                {"seen_ms", spread(seenMs)},
                {"writer_edit_and_sync_ms", spread(writerMs)},
                {"wake_ups", wakeUps},
                {"samples_ms", seenMs},
                {"wake_up", "remote::Listener (LISTEN on the vault's channel, a connection of "
                            "its own); no polling"},
                {"note", "from editSop on one replica, through its sync, the server's NOTIFY "
                         "and the other replica's sync, to its summary showing the version"}};
    return f;
}

Figure crowdFigure(const std::filesystem::path& work)
{
    constexpr int kClients = 20;
    constexpr int kWrites = 50;
    progress(0, fmt::format("{} clients x {} writes: set-up", kClients, kWrites));
    const auto dir = work / "crowd";
    std::filesystem::create_directories(dir);
    const auto ownerPath = dir / "oscar.sopvault";
    must(core::createVault(ownerPath, "oscar", password("oscar"), crypto::KdfProfile::Interactive,
                           openOptions(ownerPath)),
         "create the crowd vault");
    auto owner = unlockAs(ownerPath, "oscar");
    must(owner->addCollection("Crowd"), "add collection");
    std::vector<std::string> names;
    std::vector<core::Id> sops;
    for (int c = 0; c < kClients; ++c) {
        names.push_back(fmt::format("tech{:02}", c));
        must(owner->addUser(names.back(), password(names.back()), crypto::KdfProfile::Interactive),
             "add a client");
        must(owner->grant(names.back(), "editor", "Crowd"), "grant a client");
        core::NewSop sop;
        sop.collection = "Crowd";
        sop.title = fmt::format("Runbook of {}", names.back());
        sop.body = "# Start\n";
        sops.push_back(must(owner->addSop(sop), "add a SOP"));
    }
    const std::string vaultId = owner->vaultId();
    auto admin = adminConnection();
    addRole(admin, "bench_crowd_oscar", vaultId);
    for (const auto& name : names) {
        addRole(admin, "bench_crowd_" + name, vaultId);
    }
    auto ownerServer = connectAs("bench_crowd_oscar");
    (void)must(owner->publish(ownerServer, clusterUrl("bench_crowd_oscar")), "publish");
    for (const auto& name : names) {
        (void)cloneAs("bench_crowd_" + name, vaultId, dir / (name + ".sopvault"));
    }

    struct Client
    {
        std::vector<double> writeMs;
        std::size_t retries = 0;
        std::size_t rebased = 0;
        std::size_t conflicts = 0;
        std::string failure;
        Clock::time_point done;
    };
    std::vector<Client> clients(kClients);
    std::latch unlocked(kClients);
    std::latch go(1);
    Clock::time_point start;
    progress(0, fmt::format("{} clients x {} writes: writing", kClients, kWrites));
    {
        std::vector<std::jthread> threads;
        for (int c = 0; c < kClients; ++c) {
            threads.emplace_back([&, c] {
                Client& me = clients[static_cast<std::size_t>(c)];
                const auto path = dir / (names[static_cast<std::size_t>(c)] + ".sopvault");
                auto server = connectAs("bench_crowd_" + names[static_cast<std::size_t>(c)]);
                auto session = unlockAs(path, names[static_cast<std::size_t>(c)]);
                unlocked.count_down();
                go.wait();
                for (int w = 0; w < kWrites && me.failure.empty(); ++w) {
                    const auto t = Clock::now();
                    core::SopEdit edit;
                    edit.body = fmt::format("# Start\n\nWrite {} of client {}.\n", w, c);
                    edit.message = fmt::format("c{} w{}", c, w);
                    auto edited = session->editSop(sops[static_cast<std::size_t>(c)], edit);
                    if (!edited) {
                        me.failure = edited.error().message;
                        break;
                    }
                    // sync rebases and retries on its own; a `busy` left over is tried again.
                    for (int attempt = 1;; ++attempt) {
                        auto synced = session->sync(server);
                        if (synced) {
                            me.rebased += synced->rebased;
                            me.conflicts = synced->conflicts.size();
                            break;
                        }
                        if (synced.error().code != ErrorCode::Busy || attempt == 20) {
                            me.failure = synced.error().message;
                            break;
                        }
                        ++me.retries;
                        std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
                    }
                    me.writeMs.push_back(
                        std::chrono::duration<double, std::milli>(Clock::now() - t).count());
                }
                me.done = Clock::now();
            });
        }
        unlocked.wait();
        start = Clock::now();
        go.count_down();
    }
    Clock::time_point end = start;
    std::vector<double> writeMs;
    std::size_t retries = 0;
    std::size_t rebased = 0;
    std::size_t conflicts = 0;
    for (const auto& c : clients) {
        if (!c.failure.empty()) {
            die(fmt::format("a crowd client failed: {}", c.failure));
        }
        end = std::max(end, c.done);
        writeMs.insert(writeMs.end(), c.writeMs.begin(), c.writeMs.end());
        retries += c.retries;
        rebased += c.rebased;
        conflicts += c.conflicts;
    }
    const double seconds = std::chrono::duration<double>(end - start).count();

    progress(0, fmt::format("{} clients x {} writes: checking", kClients, kWrites));
    // Everyone syncs twice more: the first round brings the last pushers' records (and each
    // replica's own login record) to the server, the second brings them to everyone.
    std::set<std::pair<std::int64_t, std::string>> standings;
    std::vector<remote::PgServer> servers;
    std::vector<std::unique_ptr<core::Session>> sessions;
    for (const auto& name : names) {
        servers.push_back(connectAs("bench_crowd_" + name));
        sessions.push_back(unlockAs(dir / (name + ".sopvault"), name));
    }
    for (int round = 0; round < 2; ++round) {
        for (std::size_t i = 0; i < sessions.size(); ++i) {
            (void)must(sessions[i]->sync(servers[i]), "final sync");
        }
        (void)must(owner->sync(ownerServer), "final sync of the owner");
    }
    for (const auto& session : sessions) {
        const auto info = must(session->remote(), "remote show");
        standings.insert({info.position, info.fingerprint});
    }
    (void)must(owner->sync(ownerServer), "final sync of the owner");
    const auto ownerInfo = must(owner->remote(), "remote show");
    standings.insert({ownerInfo.position, ownerInfo.fingerprint});
    const std::int64_t serverPosition =
        scalar(admin, "SELECT last_position FROM sopvault.vaults WHERE vault_id = $1", vaultId);
    const std::int64_t sopRows = scalar(admin,
                                        "SELECT count(*) FROM sopvault.records WHERE vault_id = $1 "
                                        "AND chain LIKE 'sop/%'",
                                        vaultId);
    const std::int64_t distinctRows =
        scalar(admin,
               "SELECT count(DISTINCT entry_hash) FROM sopvault.records WHERE vault_id = $1 AND "
               "chain LIKE 'sop/%'",
               vaultId);
    // Every write once in the shared history: each message exactly once in its SOP's history.
    std::size_t missing = 0;
    std::size_t doubled = 0;
    for (int c = 0; c < kClients; ++c) {
        const auto history = must(owner->history(sops[static_cast<std::size_t>(c)]), "history");
        std::map<std::string, int> seen;
        for (const auto& entry : history) {
            ++seen[entry.message];
        }
        for (int w = 0; w < kWrites; ++w) {
            const int n = seen[fmt::format("c{} w{}", c, w)];
            if (n == 0) {
                ++missing;
            } else if (n > 1) {
                ++doubled;
            }
        }
    }
    const std::int64_t expectedSopRows = kClients * (kWrites + 1);
    const bool converged = standings.size() == 1 && standings.begin()->first == serverPosition;
    const bool once = missing == 0 && doubled == 0 && sopRows == expectedSopRows &&
                      distinctRows == expectedSopRows;

    Figure f;
    f.key = "crowd";
    f.label = "20 clients x 50 writes, throughput";
    f.value = kClients * kWrites / seconds;
    f.unit = "writes/s";
    f.samples = {f.value};
    f.goal = "every write once, one (position, hash)";
    f.met = converged && once;
    f.label =
        fmt::format("20 clients x 50 writes (write p50 {:.0f} / p95 {:.0f} / max {:.0f} ms)",
                    percentile(writeMs, 50), percentile(writeMs, 95), percentile(writeMs, 100));
    f.detail = {{"clients", kClients},
                {"writes_each", kWrites},
                {"seconds", seconds},
                {"write_and_sync_ms", spread(writeMs)},
                {"write_p50_ms", percentile(writeMs, 50)},
                {"write_p95_ms", percentile(writeMs, 95)},
                {"write_max_ms", percentile(writeMs, 100)},
                {"busy_retries", retries},
                {"rebased_records", rebased},
                {"conflicts_left", conflicts},
                {"server_position", serverPosition},
                {"replicas_agreeing", standings.size() == 1},
                {"standings", json::array()},
                {"sop_rows_on_server", sopRows},
                {"distinct_sop_rows", distinctRows},
                {"expected_sop_rows", expectedSopRows},
                {"writes_missing", missing},
                {"writes_doubled", doubled},
                {"note", "each write is editSop then sync (pull, rebase, push, pull) on its own "
                         "replica and connection; 21 replicas (20 clients and the owner) compared "
                         "after one more sync each"}};
    for (const auto& [position, fingerprint] : standings) {
        f.detail["standings"].push_back({{"position", position}, {"fingerprint", fingerprint}});
    }
    return f;
}

} // namespace sopvault::bench
