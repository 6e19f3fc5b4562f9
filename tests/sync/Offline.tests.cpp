// Offline: a server that is down is not an error for ordinary commands; what is written meanwhile
// waits in the outbox and goes up in order when the server is back, nothing lost, nothing doubled.
#include "Team.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sopvault;
using namespace sopvault::synctest;
using nlohmann::json;

namespace {

// One line on stderr that says the command worked on the replica.
void checkOfflineNotice(const RunResult& r)
{
    INFO(r.describe());
    CHECK(r.code == clitest::kOk);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::Contains("offline", Catch::CaseSensitive::No));
}

std::int64_t pending(const Person& p)
{
    auto r = p.run({"--json", "remote", "show"});
    checkOfflineNotice(r);
    return clitest::parseJson(r).at("pending").get<std::int64_t>();
}

} // namespace

TEST_CASE("Writes made while the server is down wait in the outbox and go up in order after it "
          "restarts: nothing lost, nothing doubled",
          "[sync][offline]")
{
    PrivateCluster cluster;
    Team team(cluster.socketDir());
    Person& owner = team.owner();
    team.found();
    const std::string first = owner
                                  .json({"sop", "add", "Clients", "--title", "Before", "--file",
                                         owner.inputFile("a.md", "# Before\n")})
                                  .at("id");
    Person& tech = team.join("tom", "editor", "Clients");
    const std::int64_t before = team.settle();
    REQUIRE(before == team.serverRecords());

    cluster.pause();

    // Ordinary commands work on the replica with one line saying so, and the outbox grows.
    std::vector<std::string> ids;
    // (The question itself is a command, and its unlock is audited: that entry waits too.)
    std::int64_t waiting = pending(owner);
    CHECK(waiting <= 1);
    for (int i = 1; i <= 3; ++i) {
        const std::string title = "Written offline " + std::to_string(i);
        auto added = owner.run({"--json", "sop", "add", "Clients", "--title", title, "--file",
                                owner.inputFile(title + ".md", "# " + title + "\n")});
        checkOfflineNotice(added);
        ids.push_back(clitest::parseJson(added).at("id"));
        const std::int64_t now = pending(owner);
        CHECK(now > waiting);
        waiting = now;
    }
    for (int v = 2; v <= 3; ++v) {
        auto edited = owner.run(
            {"sop", "edit", ids[0], "--file",
             owner.inputFile("e.md", "# Written offline 1\n\nv" + std::to_string(v) + "\n"),
             "--message", "offline v" + std::to_string(v)});
        checkOfflineNotice(edited);
    }
    // The other person writes too, on the same logs, from his own replica.
    checkOfflineNotice(tech.run(
        {"sop", "edit", first, "--file", tech.inputFile("b.md", "# Before\n\nby tom, offline\n")}));
    const std::int64_t ownerWaiting = pending(owner);
    const std::int64_t techWaiting = pending(tech);
    CHECK(ownerWaiting > waiting);
    CHECK(techWaiting > 0);

    // Only sync, clone and publish fail, with `failed`.
    clitest::checkError(owner.run({"sync"}), clitest::kFailed, "failed");
    Person& late = team.addPerson("nina");
    clitest::checkError(
        late.run({"--vault", late.vault().string(), "clone", late.url(), team.vaultId()}),
        clitest::kFailed, "failed");
    CHECK_FALSE(std::filesystem::exists(late.vault()));

    cluster.resume();

    // The owner's outbox goes up whole and in order.
    // (Each sync is a command too: its own unlock's entry goes up with what waited.)
    const auto pushed = owner.sync();
    CHECK(pushed.at("pushed") >= ownerWaiting);
    CHECK(pushed.at("pushed") <= ownerWaiting + 2);
    CHECK(pushed.at("conflicts").empty());
    const std::int64_t afterOwner = team.serverRecords();
    CHECK(afterOwner == before + pushed.at("pushed").get<std::int64_t>());
    // Then the other person's, rebased on the owner's where they met on a log.
    const auto his = tech.sync();
    CHECK(his.at("pushed") >= techWaiting);
    CHECK(his.at("pushed") <= techWaiting + 2);
    CHECK(his.at("conflicts").empty());
    const std::int64_t afterBoth = team.serverRecords();
    CHECK(afterBoth == afterOwner + his.at("pushed").get<std::int64_t>());

    // Nothing doubled: a second sync pushes only its own unlock's entry, every chain went up
    // one by one.
    const auto again = owner.sync();
    CHECK(again.at("pushed") <= 2);
    CHECK(team.serverRecords() == afterBoth + again.at("pushed").get<std::int64_t>());
    CHECK(team.serverDoubles() == 0);
    CHECK(team.serverOutOfOrder() == 0);
    team.settle();

    // Nothing lost, in the order written, on both replicas.
    for (const Person* p : {&owner, &tech}) {
        const auto list = p->json({"sop", "list"});
        CHECK(list.size() == 4);
        const auto history = p->history(ids[0]);
        REQUIRE(history.size() == 3);
        CHECK(history[1].at("message") == "offline v2");
        CHECK(history[2].at("message") == "offline v3");
        CHECK(p->history(first).size() == 2);
        CHECK(p->remoteShow().at("pending") == 0);
    }
    CHECK(tech.history(ids[0]) == owner.history(ids[0]));
    CHECK(owner.body(first) == "# Before\n\nby tom, offline\n");
}

TEST_CASE("With --offline a command never contacts the server, even when it is up",
          "[sync][offline]")
{
    Team team;
    Person& owner = team.owner();
    team.found();
    const std::int64_t before = team.serverRecords();
    owner.ok({"--offline", "sop", "add", "Clients", "--title", "Local", "--file",
              owner.inputFile("l.md", "# Local\n")});
    CHECK(team.serverRecords() == before);
    CHECK(owner.remoteShow(true).at("pending").get<std::int64_t>() > 0);
    owner.sync();
    CHECK(team.serverRecords() > before);
    CHECK(owner.remoteShow().at("pending") == 0);
}
