// A team on one real server through the real CLI: the owner publishes, people clone and read,
// edits, grants and sign-offs travel both ways, and a leaver is locked out of the server.
#include "Team.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::synctest;
using nlohmann::json;

namespace {

const std::string kV1 = "# Reset a password\n\n1. Verify the caller.\n";
const std::string kV2 = kV1 + "2. Reset it in the portal.\n";

bool grantsInclude(const json& whoami, std::string_view role, std::string_view collection)
{
    for (const auto& g : whoami.at("grants")) {
        if (g.at("role") == role && g.at("collection") == collection) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("A team on one server: the owner publishes, a technician and a reviewer clone and "
          "read, and edits, grants and sign-offs travel both ways",
          "[sync][team]")
{
    Team team;
    Person& owner = team.owner();
    team.init();
    owner.ok({"collection", "add", "Clients"});
    const std::string id = owner
                               .json({"sop", "add", "Clients", "--title", "Reset a password",
                                      "--file", owner.inputFile("v1.md", kV1)})
                               .at("id");
    owner.ok({"sop", "edit", id, "--file", owner.inputFile("v2.md", kV2), "--message", "portal"});

    // An existing vault goes up whole, and the server holds no plaintext of it.
    team.publish();
    CHECK(team.serverRecords() > 0);
    CHECK(team.serverDoubles() == 0);
    CHECK(team.serverOutOfOrder() == 0);
    {
        auto admin = team.admin();
        CHECK(countRows(admin,
                        "SELECT count(*) FROM sopvault.records WHERE vault_id = $1 AND "
                        "(position(convert_to('Reset a password', 'UTF8') IN body) > 0 OR "
                        "position(convert_to('Verify the caller', 'UTF8') IN body) > 0)",
                        {remote::Param::text(team.vaultId())}) == 0);
    }
    const auto published = owner.remoteShow();
    CHECK(published.at("pending") == 0);
    CHECK(published.at("position") == team.serverRecords());
    CHECK(published.at("url") == owner.url());

    // A technician and a reviewer clone and read.
    Person& tech = team.join("tom", "technician", "Clients");
    Person& reviewer = team.join("rita", "reviewer", "Clients");
    CHECK(tech.body(id) == kV2);
    CHECK(reviewer.body(id, 1) == kV1);
    CHECK(tech.history(id) == owner.history(id));

    // The owner's edit reaches the technician.
    const std::string v3 = kV2 + "3. Require MFA re-enrolment.\n";
    owner.ok({"sop", "edit", id, "--file", owner.inputFile("v3.md", v3), "--message", "mfa"});
    CHECK(tech.sync().at("pulled").get<int>() > 0);
    CHECK(tech.body(id) == v3);

    // The reviewer's sign-off reaches the owner.
    reviewer.ok({"review", "signoff", id, "--decision", "approved", "--comment", "checked"});
    const auto reviews = owner.json({"review", "history", id});
    REQUIRE(reviews.size() == 1);
    CHECK(reviews[0].at("reviewer") == reviewer.name());
    CHECK(reviews[0].at("decision") == "approved");
    CHECK(reviews[0].at("comment") == "checked");
    CHECK(reviews[0].at("version") == 3);

    // A grant made by the owner reaches the technician, and his edit made with it comes back.
    CHECK_FALSE(grantsInclude(tech.json({"whoami"}), "editor", "Clients"));
    owner.ok({"grant", tech.name(), "editor", "Clients"});
    CHECK(grantsInclude(tech.json({"whoami"}), "editor", "Clients"));
    const std::string v4 = v3 + "4. Note it in the ticket.\n";
    tech.ok({"sop", "edit", id, "--file", tech.inputFile("v4.md", v4), "--message", "ticket"});
    const auto seen = owner.history(id);
    REQUIRE(seen.size() == 4);
    CHECK(seen[3].at("author") == tech.name());
    CHECK(owner.body(id) == v4);
    // ... and the reviewer's replica verifies all of it.
    CHECK(reviewer.json({"verify"}).at("ok") == true);

    // Everyone synced: one history, one fingerprint, the server's position.
    team.settle();
    CHECK(tech.history(id) == owner.history(id));
    CHECK(reviewer.history(id) == owner.history(id));
    CHECK(team.serverDoubles() == 0);
    CHECK(team.serverOutOfOrder() == 0);
}

TEST_CASE("Removing a person locks their login out of the server, and their old file cannot "
          "read what was written after",
          "[sync][team][removal]")
{
    Team team;
    Person& owner = team.owner();
    team.found();
    const std::string id = owner
                               .json({"sop", "add", "Clients", "--title", "VPN", "--file",
                                      owner.inputFile("v1.md", kV1)})
                               .at("id");
    Person& leaver = team.join("lee", "technician", "Clients");
    Person& stays = team.join("sam", "technician", "Clients");
    CHECK(leaver.body(id) == kV1);

    // The owner's connection is a plain member login: the vault's removal stands and the CLI
    // says what is left for the database administrator, or the role is already locked.
    auto removed = owner.ok({"user", "remove", leaver.name()});
    auto admin = team.admin();
    const auto canLogIn = [&] {
        return countRows(admin, "SELECT count(*) FROM pg_roles WHERE rolname = $1 AND rolcanlogin",
                         {remote::Param::text(leaver.name())}) == 1;
    };
    if (canLogIn()) {
        INFO(removed.describe());
        CHECK_THAT(removed.out + removed.err,
                   Catch::Contains("server remove-member " + leaver.name()));
        owner.ok({"server", "remove-member", leaver.name(), "--admin", team.adminUrl()});
    }
    CHECK_FALSE(canLogIn());

    // His login is refused: sync fails, and so does a connection of his own.
    auto refused = leaver.run({"sync"});
    INFO(refused.describe());
    CHECK(refused.code != clitest::kOk);
    auto direct = remote::Connection::open(leaver.url());
    REQUIRE_FALSE(direct);
    CHECK(direct.error().fault == remote::Fault::Auth);

    // What is written after the removal is sealed with the rotated key.
    const std::string secret = kV1 + "2. The new VPN pre-shared key is kept in the safe XQ-77.\n";
    owner.ok({"sop", "edit", id, "--file", owner.inputFile("v2.md", secret)});
    CHECK(stays.body(id) == secret);

    // The insider's move: his old file pulls the new records through a colleague's login. It
    // must still not show him the new version.
    leaver.ok({"--offline", "remote", "set", stays.url()});
    auto pulled = leaver.run({"sync"});
    INFO(pulled.describe());
    auto read = leaver.runAtTerminal({"sop", "show", id, "--version", "2"});
    INFO(read.describe());
    CHECK(read.code != clitest::kOk);
    CHECK(read.out.find("XQ-77") == std::string::npos);
    CHECK(read.err.find("XQ-77") == std::string::npos);
    auto latest = leaver.runAtTerminal({"sop", "show", id});
    CHECK(latest.out.find("XQ-77") == std::string::npos);

    team.settle({&leaver});
}

TEST_CASE("An edit that lands while its author's removal waits on the owner's laptop is refused "
          "by everyone alike: every replica still syncs and they agree",
          "[sync][team][removal][refused]")
{
    Team team;
    Person& owner = team.owner();
    team.found();
    const std::string id = owner
                               .json({"sop", "add", "Clients", "--title", "VPN", "--file",
                                      owner.inputFile("v1.md", kV1)})
                               .at("id");
    Person& leaver = team.join("lee", "editor", "Clients");
    Person& stays = team.join("sam", "technician", "Clients");
    team.settle();

    // The owner removes him on a laptop that has not synced yet; his login still appends, and
    // his edit reaches the server first.
    owner.ok({"--offline", "user", "remove", leaver.name()});
    leaver.ok({"sop", "edit", id, "--file", leaver.inputFile("late.md", kV2)});

    // Before, the owner's sync failed here (integrity) and her removal never left her laptop.
    const auto synced = owner.run({"sync"});
    INFO(synced.describe());
    REQUIRE(synced.code == clitest::kOk);
    CHECK_THAT(synced.out, Catch::Contains("not applied") && Catch::Contains("version 2"));
    const auto pulled = stays.sync();
    CHECK(pulled.at("refused").size() == 1);
    team.settle({&leaver});

    // His version is a link of the chain that no one is shown; the SOP goes on after it.
    CHECK(owner.body(id) == kV1);
    CHECK(stays.body(id) == kV1);
    CHECK(owner.run({"verify"}).code == clitest::kOk);
    CHECK(stays.run({"verify"}).code == clitest::kOk);
    const std::string v3 = kV1 + "2. Use the new gateway.\n";
    owner.ok({"sop", "edit", id, "--file", owner.inputFile("v3.md", v3)});
    team.settle({&leaver});
    CHECK(stays.body(id) == v3);
}
