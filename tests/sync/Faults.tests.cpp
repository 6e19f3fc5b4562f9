// Faults on the way to the server: a server restarted mid-push, a connection killed mid-batch, a
// member holding the vault's row lock. Whatever happens, every write lands once.
#include "Team.h"
#include "TestServer.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace sopvault;
using namespace sopvault::synctest;
using nlohmann::json;

namespace {

// core's view of the server with a hook around each append: the fault is injected at a point
// of the push that the test chooses, not at a moment it guesses.
class Interposer final : public core::RecordServer
{
public:
    using Hook = std::function<std::optional<core::ServerError>(int call, bool landed)>;
    Interposer(core::RecordServer& inner, Hook before, Hook after)
        : m_inner(inner), m_before(std::move(before)), m_after(std::move(after))
    {}
    [[nodiscard]] std::string describe() const override { return m_inner.describe(); }
    [[nodiscard]] core::ServerResult<std::int64_t> lastPosition(std::string_view vault) override
    {
        return m_inner.lastPosition(vault);
    }
    [[nodiscard]] core::ServerResult<std::vector<core::ServerRecord>>
    recordsAfter(std::string_view vault, std::int64_t position, std::int64_t limit) override
    {
        return m_inner.recordsAfter(vault, position, limit);
    }
    [[nodiscard]] core::ServerResult<std::int64_t>
    append(std::string_view vault, std::span<const core::ServerRecord> batch) override
    {
        ++m_calls;
        if (m_before) {
            if (auto fault = m_before(m_calls, false)) {
                return std::unexpected(std::move(*fault));
            }
        }
        auto result = m_inner.append(vault, batch);
        if (m_after) {
            if (auto fault = m_after(m_calls, result.has_value())) {
                return std::unexpected(std::move(*fault));
            }
        }
        return result;
    }
    [[nodiscard]] int calls() const { return m_calls; }

private:
    core::RecordServer& m_inner;
    Hook m_before;
    Hook m_after;
    int m_calls = 0;
};

core::ServerError lost()
{
    return core::ServerError{core::ServerFault::Offline,
                             Error{ErrorCode::Failed, "The connection to the server was lost."}};
}

// Polls until `done` (for an event in another process; nothing is measured).
bool eventually(const std::function<bool()>& done)
{
    for (int i = 0; i < 1500; ++i) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// Writes `n` SOPs through core, locally: they wait in the outbox for the next push.
std::vector<std::string> writeLocally(const Person& p, int n, std::string_view prefix)
{
    auto session = p.unlock();
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
        core::NewSop sop;
        sop.collection = "Clients";
        sop.title = fmt::format("{} {}", prefix, i);
        sop.body = fmt::format("# {} {}\n", prefix, i);
        auto id = session->addSop(sop);
        INFO((id ? std::string() : id.error().message));
        REQUIRE(id);
        ids.push_back(core::toHex(*id));
    }
    return ids;
}

// Every write landed once: the owner's outbox is empty, the server holds what it held plus what
// waited, no chain skipped or doubled a height, and everyone agrees.
void checkLandedOnce(Team& team, std::int64_t before, std::int64_t waiting, std::size_t sops)
{
    const auto after = team.owner().sync();
    CHECK(after.at("conflicts").empty());
    CHECK(team.owner().remoteShow().at("pending") == 0);
    // What waited, plus the entries of the commands since (each unlock is audited): the sync's
    // report says how many, and the server holds exactly that many more.
    CHECK(team.serverRecords() >= before + waiting);
    CHECK(team.serverRecords() <= before + waiting + 4);
    CHECK(team.serverDoubles() == 0);
    CHECK(team.serverOutOfOrder() == 0);
    team.settle();
    CHECK(team.owner().json({"sop", "list"}).size() == sops);
}

} // namespace

TEST_CASE("A server restarted mid-push: what landed before the answer was lost is confirmed, "
          "not pushed twice, and the rest follows",
          "[sync][faults][restart]")
{
    PrivateCluster cluster;
    Team team(cluster.socketDir());
    team.found();
    Person& tech = team.join("tom", "technician", "Clients");
    const std::int64_t before = team.settle();
    // More than one batch of the push (200 records).
    (void)writeLocally(team.owner(), 250, "Queued");
    const std::int64_t waiting = team.owner().remoteShow(true).at("pending");
    REQUIRE(waiting >= 250);

    {
        auto session = team.owner().unlock();
        auto server = team.owner().server();
        // The first batch lands; then the server restarts before its answer reaches the client.
        Interposer faulty(server, {},
                          [&](int call, bool landed) -> std::optional<core::ServerError> {
                              if (call == 1 && landed) {
                                  cluster.restart();
                                  return lost();
                              }
                              return std::nullopt;
                          });
        auto interrupted = session->sync(faulty);
        CHECK(faulty.calls() >= 1);
        CHECK_FALSE(interrupted);
        CHECK(team.serverRecords() > before);
        CHECK(team.serverRecords() <= before + waiting);
    }
    checkLandedOnce(team, before, waiting, 250);
    CHECK(tech.json({"sop", "list"}).size() == 250);
}

TEST_CASE("A connection killed with pg_terminate_backend in the middle of a batch: nothing of "
          "that batch lands, and the next sync lands all of it once",
          "[sync][faults][terminate]")
{
    Team team;
    team.found();
    (void)team.join("tom", "technician", "Clients");
    const std::int64_t before = team.settle();
    (void)writeLocally(team.owner(), 20, "Queued");
    const std::int64_t waiting = team.owner().remoteShow(true).at("pending");

    {
        auto session = team.owner().unlock();
        auto server = team.owner().server();
        const int pid = server.connection().backendPid();
        // The vault's row lock, held elsewhere, keeps the append inside the batch while the
        // connection is killed.
        auto holder = team.admin();
        exec(holder, "BEGIN");
        exec(holder, "SELECT 1 FROM sopvault.vaults WHERE vault_id = $1 FOR UPDATE",
             {remote::Param::text(team.vaultId())});
        std::optional<Result<core::SyncReport>> result;
        std::thread pusher([&] { result = session->sync(server); });
        auto watcher = team.admin();
        const bool waitingOnLock = eventually([&] {
            return countRows(watcher,
                             "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND "
                             "wait_event_type = 'Lock'",
                             {remote::Param::int64(pid)}) == 1;
        });
        const bool killed = servertest::must(watcher, "SELECT pg_terminate_backend($1::int)",
                                             {remote::Param::int64(pid)})
                                .boolean(0, 0);
        exec(holder, "ROLLBACK");
        pusher.join();
        CHECK(waitingOnLock);
        CHECK(killed);
        REQUIRE(result.has_value());
        CHECK_FALSE(*result);
        CHECK(team.serverRecords() == before);
    }
    checkLandedOnce(team, before, waiting, 20);
}

TEST_CASE("A member holding a transaction open on the vault row makes others wait at most the "
          "lock timeout, then retry and land once",
          "[sync][faults][lock]")
{
    Team team;
    team.found();
    Person& tech = team.join("tom", "technician", "Clients");
    const std::int64_t before = team.settle();

    // Tom's laptop stalls in the middle of an append: his transaction holds the vault's row.
    auto stalled = connectOn(team.socketDir(), tech.name());
    exec(stalled, "BEGIN");
    auto held =
        remote::append(stalled, team.vaultId(), std::vector{servertest::record("stalled/held", 1)});
    REQUIRE(held);

    Person& owner = team.owner();
    std::optional<RunResult> written;
    const auto write = [&](std::string title) {
        return std::thread([&, title] {
            written = owner.run({"sop", "add", "Clients", "--title", title, "--file",
                                 owner.inputFile(title + ".md", "# " + title + "\n")});
        });
    };

    // The writer's push waits on the lock; once it is seen waiting, Tom's laptop lets go, and
    // the writer's retry lands.
    std::thread writer = write("While held");
    auto watcher = team.admin();
    const bool waits = eventually([&] {
        return countRows(watcher,
                         "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND "
                         "wait_event_type = 'Lock'",
                         {remote::Param::text(owner.name())}) > 0;
    });
    exec(stalled, "ROLLBACK");
    writer.join();
    CHECK(waits);
    REQUIRE(written.has_value());
    INFO(written->describe());
    CHECK(clitest::endedNormally(*written));
    CHECK(written->code == clitest::kOk);

    // It landed within the command: nothing waits, and a sync has nothing more to push.
    // (The offline question's own unlock entry waits; nothing else does.)
    CHECK(owner.remoteShow(true).at("pending") <= 1);
    CHECK(owner.sync().at("pushed") <= 2);
    CHECK(team.serverRecords() > before);
    auto admin = team.admin();
    CHECK(countRows(admin,
                    "SELECT count(*) FROM sopvault.records WHERE vault_id = $1 AND chain LIKE "
                    "'stalled/%'",
                    {remote::Param::text(team.vaultId())}) == 0);
    CHECK(team.serverDoubles() == 0);
    CHECK(team.serverOutOfOrder() == 0);
    team.settle();
    CHECK(tech.json({"sop", "list"}).size() == 1);
}
