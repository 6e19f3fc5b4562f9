// The vault's write turn: a push beaten once queues for it and holds it while it tries again
// (no other member can take it then), gives it back however the push ends, and goes ahead
// without it when the server will not grant it in time.
#include "Team.h"
#include "sopvault/remote/Server.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

using namespace sopvault;
using namespace sopvault::synctest;

namespace {

using namespace std::chrono_literals;

// The real server, with the turn calls counted and an append that may be made to fail.
class WatchedServer final : public core::RecordServer
{
public:
    WatchedServer(core::RecordServer& inner, remote::Connection& other, std::string vault)
        : m_inner(inner), m_other(other), m_vault(std::move(vault))
    {}
    std::string describe() const override { return m_inner.describe(); }
    core::ServerResult<std::int64_t> lastPosition(std::string_view v) override
    {
        return m_inner.lastPosition(v);
    }
    core::ServerResult<std::vector<core::ServerRecord>>
    recordsAfter(std::string_view v, std::int64_t p, std::int64_t l) override
    {
        return m_inner.recordsAfter(v, p, l);
    }
    core::ServerResult<std::int64_t> append(std::string_view v,
                                            std::span<const core::ServerRecord> batch) override
    {
        // Whether another member asking for the turn now would get it.
        auto rival = remote::takeTurn(m_other, m_vault, 50ms);
        rivalGotTurn.push_back(rival.has_value());
        if (rival) {
            (void)remote::giveTurn(m_other, m_vault);
        }
        const std::size_t n = rivalGotTurn.size() - 1;
        if (n < answers.size() && answers[n] != Answer::Forward) {
            return answers[n] == Answer::Stale
                       ? std::unexpected(core::ServerError{core::ServerFault::StaleHead,
                                                           {ErrorCode::Busy, "stale head"}})
                       : std::unexpected(core::ServerError{core::ServerFault::Other,
                                                           {ErrorCode::Failed, "disk full"}});
        }
        return m_inner.append(v, batch);
    }
    core::ServerResult<void> beginTurn(std::string_view v) override
    {
        begun += 1;
        if (refuseTurn) {
            return std::unexpected(
                core::ServerError{core::ServerFault::Retry, {ErrorCode::Busy, "lock timeout"}});
        }
        return m_inner.beginTurn(v);
    }
    void endTurn(std::string_view v) override
    {
        ended += 1;
        m_inner.endTurn(v);
    }

    enum class Answer
    {
        Forward,
        Stale, // as if another writer had just landed
        Fail
    };
    std::vector<Answer> answers; // for the first appends, in order; the rest are forwarded
    int begun = 0;
    int ended = 0;
    std::vector<bool> rivalGotTurn; // per append
    bool refuseTurn = false;

private:
    core::RecordServer& m_inner;
    remote::Connection& m_other;
    std::string m_vault;
};

} // namespace

TEST_CASE("a push beaten once holds the vault's write turn for its next try and gives it back "
          "however it ends",
          "[sync][turn]")
{
    Team team;
    team.found();
    Person& tom = team.join("tom", "editor");
    auto session = tom.unlock();
    core::NewSop n;
    n.collection = "Clients";
    n.title = "Restart the print spooler";
    n.body = "1. Stop it\n";
    REQUIRE(session->addSop(n));

    auto server = tom.server();
    // Olivia's own connection plays the other member asking for the turn.
    auto rivalServer = team.owner().server();
    remote::Connection& rival = rivalServer.connection();
    WatchedServer watched(server, rival, team.vaultId());

    using Answer = WatchedServer::Answer;
    SECTION("a first try lands without a turn")
    {
        auto synced = session->sync(watched);
        INFO((synced ? std::string() : synced.error().message));
        REQUIRE(synced);
        CHECK(synced->pushed > 0);
        CHECK(watched.rivalGotTurn == std::vector<bool>{true});
        CHECK(watched.begun == 0);
    }
    SECTION("beaten once, the push queues for the turn and holds it for its next try")
    {
        watched.answers = {Answer::Stale};
        auto synced = session->sync(watched);
        INFO((synced ? std::string() : synced.error().message));
        REQUIRE(synced);
        CHECK(synced->pushed > 0);
        CHECK(watched.rivalGotTurn == std::vector<bool>{true, false});
        CHECK(watched.begun == 1);
        CHECK(watched.ended == 1);
    }
    SECTION("a push that fails while holding the turn gives it back")
    {
        watched.answers = {Answer::Stale, Answer::Fail};
        REQUIRE_FALSE(session->sync(watched));
        CHECK(watched.rivalGotTurn == std::vector<bool>{true, false});
        CHECK(watched.begun == 1);
        CHECK(watched.ended == 1);
    }
    SECTION("a turn not granted in time: the push goes ahead without one")
    {
        watched.answers = {Answer::Stale};
        watched.refuseTurn = true;
        auto synced = session->sync(watched);
        INFO((synced ? std::string() : synced.error().message));
        REQUIRE(synced);
        CHECK(synced->pushed > 0);
        CHECK(watched.rivalGotTurn == std::vector<bool>{true, true}); // nobody held it
        CHECK(watched.begun == 1);
        CHECK(watched.ended == 0); // nothing to give back
    }
    SECTION("nothing to push: no turn is taken")
    {
        REQUIRE(session->sync(server));
        REQUIRE(session->sync(watched));
        CHECK(watched.begun == 0);
        CHECK(watched.rivalGotTurn.empty());
    }
    // However the push ended, the turn is free again for the others.
    auto after = remote::takeTurn(rival, team.vaultId(), 50ms);
    INFO((after ? std::string() : after.error().error.message));
    CHECK(after);
    if (after) {
        CHECK(remote::giveTurn(rival, team.vaultId()));
    }
}

TEST_CASE("the write turn is one member's at a time, and a turn that waits too long is Retry",
          "[sync][turn]")
{
    Team team;
    team.found();
    auto first = team.owner().server();
    auto second = team.owner().server();
    REQUIRE(remote::takeTurn(first.connection(), team.vaultId(), 1000ms));
    auto waited = remote::takeTurn(second.connection(), team.vaultId(), 50ms);
    REQUIRE_FALSE(waited);
    CHECK(remote::coreFault(waited.error().fault) == core::ServerFault::Retry);
    // The waiting connection is usable afterwards (its transaction was rolled back).
    CHECK(second.lastPosition(team.vaultId()));
    // Another vault's turn is not this one's.
    CHECK(remote::takeTurn(second.connection(), std::string(32, 'a'), 50ms));
    CHECK(remote::giveTurn(second.connection(), std::string(32, 'a')));
    // Given back, it goes to the next who asks; a connection that closes gives it back too.
    REQUIRE(remote::giveTurn(first.connection(), team.vaultId()));
    REQUIRE(remote::takeTurn(second.connection(), team.vaultId(), 1000ms));
    {
        auto leaving = std::move(second);
    }
    CHECK(remote::takeTurn(first.connection(), team.vaultId(), 1000ms));
}
