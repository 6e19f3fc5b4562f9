// Conflicts: two people edit one SOP from the same version, online and offline; the one whose
// edit lost the race is told and keeps it, and each way of resolving it leaves one history that
// both replicas agree on. Nothing is overwritten silently.
#include "Team.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::synctest;
using nlohmann::json;

namespace {

const std::string kBase = "# Restart the print spooler\n\n1. Stop the service.\n";
const std::string kTheirs = kBase + "2. Clear the queue folder.\n";
const std::string kMine = kBase + "2. Start the service again.\n";
const std::string kMerged = kBase + "2. Clear the queue folder.\n3. Start the service again.\n";

} // namespace

TEST_CASE("Two edits of one SOP from the same version are a conflict the loser sees, and each "
          "way of resolving it leaves one history both agree on",
          "[sync][conflicts]")
{
    Team team;
    Person& olivia = team.owner();
    team.found();
    const std::string id = olivia
                               .json({"sop", "add", "Clients", "--title", "Spooler", "--file",
                                      olivia.inputFile("base.md", kBase)})
                               .at("id");
    Person& erin = team.join("erin", "editor", "Clients");
    team.settle();
    REQUIRE(erin.history(id).size() == 1);

    // Every way the edits can meet, with every way of settling them (sibling SECTIONs would run
    // one at a time, never one of each).
    const std::string race = GENERATE(as<std::string>{}, "online", "offline");
    const std::string how = GENERATE(as<std::string>{}, "mine", "theirs", "merge");
    const std::string path = race + " + " + how;
    if (race == "online") {
        // Both synced, and the edits raced between a pull and a push.
        // Erin's laptop is connected and synced; her edit is made on what she has while
        // Olivia's lands on the server first.
        auto session = erin.unlock();
        auto server = erin.server();
        REQUIRE(session->sync(server));
        olivia.ok({"sop", "edit", id, "--file", olivia.inputFile("t.md", kTheirs)});
        core::SopEdit edit;
        edit.body = kMine;
        edit.message = "restart it";
        auto id16 = core::idFromHex(id);
        REQUIRE(id16);
        auto written = session->editSop(*id16, edit);
        INFO((written ? std::string() : written.error().message));
        REQUIRE(written);
        CHECK(*written == 2);
        auto report = session->sync(server);
        INFO((report ? std::string() : report.error().message));
        REQUIRE(report);
        REQUIRE(report->conflicts.size() == 1);
        CHECK(core::toHex(report->conflicts[0].sop) == id);
        CHECK(report->conflicts[0].mine == 2);
        CHECK(report->conflicts[0].theirs == 2);
    }
    if (race == "offline") {
        // Both edited without a server, then synced.
        erin.ok({"--offline", "sop", "edit", id, "--file", erin.inputFile("m.md", kMine),
                 "--message", "restart it"});
        olivia.ok({"--offline", "sop", "edit", id, "--file", olivia.inputFile("t.md", kTheirs)});
        CHECK(olivia.sync().at("conflicts").empty());
    }

    // Erin sees it: sync exits 7 while it is left, `conflicts` lists it, and the shared history
    // has Olivia's edit as the head.
    INFO(path);
    auto left = erin.run({"--json", "sync"});
    INFO(left.describe());
    CHECK(left.code == clitest::kBusy);
    const auto listed = erin.json({"conflicts"});
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].at("sop") == id);
    CHECK(listed[0].at("mine") == 2);
    CHECK(listed[0].at("theirs") == 2);
    CHECK(erin.body(id) == kTheirs);
    // The winner's replica has one history with his edit on top and nothing to settle.
    CHECK(olivia.json({"conflicts"}).empty());
    CHECK(olivia.body(id) == kTheirs);
    // Erin's edit was kept, not lost, and not put on the server.
    auto admin = team.admin();
    CHECK(countRows(admin,
                    "SELECT count(*) FROM sopvault.records WHERE vault_id = $1 AND chain = $2",
                    {remote::Param::text(team.vaultId()), remote::Param::text("sop/" + id)}) == 2);

    std::string expected;
    std::uint64_t versions = 0;
    if (how == "mine") {
        // My edit becomes a new version on top of theirs.
        erin.ok({"resolve", id, "--keep", "mine"});
        expected = kMine;
        versions = 3;
    }
    if (how == "theirs") {
        // My edit is dropped.
        erin.ok({"resolve", id, "--keep", "theirs"});
        expected = kTheirs;
        versions = 2;
    }
    if (how == "merge") {
        // A new version on top of theirs with the merged body.
        erin.ok({"resolve", id, "--keep", "mine", "--file", erin.inputFile("merged.md", kMerged)});
        expected = kMerged;
        versions = 3;
    }

    INFO(path);
    CHECK(erin.json({"conflicts"}).empty());
    CHECK(erin.sync().at("conflicts").empty());
    team.settle();
    const auto history = olivia.history(id);
    CHECK(history.size() == versions);
    CHECK(erin.history(id) == history);
    CHECK(olivia.body(id) == expected);
    CHECK(erin.body(id) == expected);
    CHECK(team.serverOutOfOrder() == 0);
    CHECK(erin.json({"verify"}).at("ok") == true);
}
