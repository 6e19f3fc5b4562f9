// The team sync commands of sopvault-cli against the run's real PostgreSQL server: each person a
// HOME of their own (CliRunner), the shapes and JSON of docs/cli.md, the offline line, exit 7 for
// conflicts left and `user remove` on a member's connection.
#include "CliRunner.h"
#include "TestServer.h"

#include <catch2/catch.hpp>

#include <regex>

using namespace sopvault::clitest;
using namespace sopvault::servertest;

namespace {

// A team vault on the server: the owner's HOME published it; tom has a role and a HOME of his
// own, not yet cloned.
struct Published
{
    Team owner;
    Team tom;
    std::string vaultId;
    std::string ownerRole;
    std::string tomRole;

    Published()
    {
        vaultId = owner.init()["vault_id"].get<std::string>();
        ownerRole = freshMember({vaultId});
        tomRole = freshMember({vaultId});
        (void)owner.ok("olivia", {"collection", "add", "Ops"});
        (void)owner.ok("olivia", {"sop", "add", "Ops", "--title", "Reset a password"},
                       "# Steps\n1. Verify the caller\n");
        owner.addUser("tom");
        owner.grant("tom", "editor", "Ops");
        (void)owner.ok("olivia", {"remote", "set", urlAs(ownerRole)});
        const auto published = owner.json("olivia", {"remote", "publish"});
        REQUIRE(published["pushed"].get<std::size_t>() > 0);
    }

    // tom's first run on his laptop.
    nlohmann::json cloneTom() const { return tom.json("tom", {"clone", urlAs(tomRole), vaultId}); }

    // Every command adds its own audit entry (each unlock is audited), so two replicas stand at
    // one position only for a moment: they agree when their fingerprints at the lower of their
    // positions are equal.
    void sameHistory() const
    {
        const auto a = owner.json("olivia", {"remote", "show"});
        const auto b = tom.json("tom", {"remote", "show"});
        const auto at = std::to_string(
            std::min(a["position"].get<std::int64_t>(), b["position"].get<std::int64_t>()));
        const auto ownerAt = owner.json("olivia", {"remote", "show", "--at", at});
        const auto tomAt = tom.json("tom", {"remote", "show", "--at", at});
        INFO(a.dump() << " / " << b.dump());
        CHECK(ownerAt["position"] == tomAt["position"]);
        CHECK(ownerAt["fingerprint"] == tomAt["fingerprint"]);
    }
};

// stderr as lines, for the one-line promises.
std::vector<std::string> linesOf(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

} // namespace

TEST_CASE("remote show - clone: both replicas name the same position and fingerprint",
          "[sync][cli]")
{
    Published team;
    const auto ownerSide = team.owner.json("olivia", {"remote", "show"});
    for (const char* key : {"url", "vault_id", "last_sync", "pending", "position", "fingerprint"}) {
        CHECK(ownerSide.contains(key));
    }
    CHECK(ownerSide["vault_id"] == team.vaultId);
    CHECK(ownerSide["pending"] == 0);
    CHECK(ownerSide["position"].get<std::int64_t>() > 0);
    CHECK_FALSE(ownerSide["last_sync"].is_null());

    const auto cloned = team.cloneTom();
    CHECK(cloned["vault_id"] == team.vaultId);
    // The clone verified at least what the owner had shown (and its own unlock's entry).
    CHECK(cloned["position"].get<std::int64_t>() >= ownerSide["position"].get<std::int64_t>());
    CHECK(cloned["owner_fingerprint"].get<std::string>().size() > 0);
    CHECK(std::filesystem::exists(team.tom.vault()));

    const auto tomSide = team.tom.json("tom", {"remote", "show"});
    const auto tomAt =
        team.tom.json("tom", {"remote", "show", "--at",
                              std::to_string(ownerSide["position"].get<std::int64_t>())});
    CHECK(tomAt["fingerprint"] == ownerSide["fingerprint"]);
    team.sameHistory();
    CHECK(tomSide["url"].get<std::string>().find(team.tomRole) != std::string::npos);
    const auto list = team.tom.json("tom", {"sop", "list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0]["title"] == "Reset a password");
}

TEST_CASE("clone: the first unlock shows the owner key fingerprint - as any first open does",
          "[sync][cli]")
{
    Published team;
    const auto r = team.tom.ok("tom", {"clone", urlAs(team.tomRole), team.vaultId});
    CHECK(r.err.find("first time this vault is opened here as tom") != std::string::npos);
    CHECK(r.out.find("fingerprint") != std::string::npos);
    // Cloning again onto the vault now there is refused.
    checkError(team.tom.run("tom", {"clone", urlAs(team.tomRole), team.vaultId}), kUsage, "usage");
}

TEST_CASE("every command syncs first: an edit on one laptop is read on the other", "[sync][cli]")
{
    Published team;
    (void)team.cloneTom();
    const auto body = team.tom.inputFile("v2.md", "# Steps\n1. Verify the caller twice\n");
    (void)team.tom.ok("tom", {"sop", "edit", "Reset a password", "--file", body});
    // tom's edit was pushed after the command: nothing waits.
    CHECK(team.tom.json("tom", {"remote", "show"})["pending"] == 0);

    const auto shown = team.owner.okAtTerminal("olivia", {"sop", "show", "Reset a password"});
    CHECK(shown.out.find("twice") != std::string::npos);
    team.sameHistory();
}

TEST_CASE("sync: pulled and pushed counts - and nothing left the second time", "[sync][cli]")
{
    Published team;
    (void)team.cloneTom();
    (void)team.owner.ok("olivia", {"--offline", "sop", "add", "Ops", "--title", "Rotate keys"},
                        "# Steps\n");
    const auto pushed = team.owner.json("olivia", {"sync"});
    CHECK(pushed["pushed"].get<std::size_t>() > 0);
    CHECK(pushed["conflicts"] == nlohmann::json::array());
    const auto pulled = team.tom.json("tom", {"sync"});
    CHECK(pulled["pulled"].get<std::size_t>() > 0);
    // A sync is a command whose unlock is audited: only its own entries go up, and with nobody
    // else writing nothing else comes back.
    CHECK(pulled["pushed"].get<std::size_t>() <= 2);
    const auto again = team.tom.json("tom", {"sync"});
    CHECK(again["pulled"].get<std::size_t>() <= 2);
    CHECK(again["pushed"].get<std::size_t>() <= 2);
    CHECK(again["conflicts"] == nlohmann::json::array());
    CHECK(team.tom.json("tom", {"remote", "show"})["pending"] == 0);
}

TEST_CASE("offline: one stderr line - the command works on the replica - sync fails", "[sync][cli]")
{
    Published team;
    TempDir sockets;
    const std::string down =
        "postgresql:///sopvault?host=" + (sockets.path() / "no-such-folder").string() +
        "&user=" + team.ownerRole;
    (void)team.owner.ok("olivia", {"remote", "set", down});

    const auto read = team.owner.run("olivia", {"--json", "sop", "list"});
    INFO(read.describe());
    REQUIRE(read.code == kOk);
    CHECK(parseJson(read).size() == 1);
    const auto lines = linesOf(read.err);
    REQUIRE(lines.size() == 1);
    CHECK(std::regex_match(lines[0], std::regex("offline: cannot reach .*no-such-folder.*; working "
                                                "on this replica \\(\\d+ changes? waiting\\)")));

    const auto wrote =
        team.owner.run("olivia", {"sop", "add", "Ops", "--title", "Written offline"}, "# Steps\n");
    INFO(wrote.describe());
    REQUIRE(wrote.code == kOk);
    std::smatch waiting;
    REQUIRE(std::regex_search(wrote.err, waiting, std::regex("\\((\\d+) changes? waiting\\)\\n$")));
    CHECK(std::stoi(waiting[1]) > 0);

    // --offline: not even an attempt, so no line at all.
    const auto quiet = team.owner.run("olivia", {"--offline", "sop", "list"});
    CHECK(quiet.code == kOk);
    CHECK(quiet.err.empty());

    checkError(team.owner.run("olivia", {"sync"}), kFailed, "failed");
    checkError(team.owner.run("olivia", {"remote", "publish"}), kFailed, "failed");

    // Back online: what waited goes up, once.
    (void)team.owner.ok("olivia", {"remote", "set", urlAs(team.ownerRole)});
    const auto synced = team.owner.json("olivia", {"sync"});
    // What waited, and the entries of the commands run since (each unlock is audited).
    CHECK(synced["pushed"].get<std::size_t>() >= static_cast<std::size_t>(std::stoi(waiting[1])));
    CHECK(team.owner.json("olivia", {"remote", "show"})["pending"] == 0);
}

TEST_CASE("sync: an edit that met another edit is a conflict - exit 7 - until resolved",
          "[sync][cli]")
{
    Published team;
    (void)team.cloneTom();
    // Both edit version 1; tom offline so the owner's goes first.
    const auto mine = team.tom.inputFile("tom.md", "# Steps\n1. Tom's way\n");
    (void)team.tom.ok("tom", {"--offline", "sop", "edit", "Reset a password", "--file", mine});
    const auto theirs = team.owner.inputFile("olivia.md", "# Steps\n1. Olivia's way\n");
    (void)team.owner.ok("olivia", {"sop", "edit", "Reset a password", "--file", theirs});

    const auto r = team.tom.run("tom", {"--json", "sync"});
    INFO(r.describe());
    CHECK(r.code == kBusy);
    const auto report = parseJson(r);
    REQUIRE(report["conflicts"].size() == 1);
    const auto& c = report["conflicts"][0];
    CHECK(c["title"] == "Reset a password");
    CHECK(c["mine"] == 2);
    CHECK(c["theirs"] == 2);
    CHECK(c["sop"].get<std::string>().size() == 32);

    const auto listed = team.tom.json("tom", {"conflicts"});
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["sop"] == c["sop"]);
    const auto myside = team.tom.okAtTerminal("tom", {"conflicts", "Reset a password"});
    CHECK(myside.out.find("Tom's way") != std::string::npos);

    const auto merged = team.tom.inputFile("merged.md", "# Steps\n1. Both ways\n");
    const auto resolved =
        team.tom.json("tom", {"resolve", "Reset a password", "--keep", "mine", "--file", merged});
    CHECK(resolved["kept"] == "merged");
    CHECK(resolved["version"] == 3);
    CHECK(team.tom.json("tom", {"conflicts"}) == nlohmann::json::array());
    CHECK(team.tom.run("tom", {"sync"}).code == kOk);

    const auto shown = team.owner.okAtTerminal("olivia", {"sop", "show", "Reset a password"});
    CHECK(shown.out.find("Both ways") != std::string::npos);
    team.sameHistory();
}

TEST_CASE("user remove: a member's connection may not drop the role - the line says who must",
          "[sync][cli]")
{
    Published team;
    (void)team.cloneTom();
    const auto r = team.owner.run("olivia", {"user", "remove", "tom", "--db-role", team.tomRole});
    INFO(r.describe());
    REQUIRE(r.code == kOk);
    CHECK(r.out.find("ask the database administrator to run: sopvault-cli server remove-member " +
                     team.tomRole + " --admin URL") != std::string::npos);
    // tom's role still logs in: nothing pretended otherwise.
    auto stillIn = sopvault::remote::Connection::open(urlAs(team.tomRole));
    CHECK(stillIn.has_value());
}

TEST_CASE("user remove: a connection that may administer roles removes the leaver's role too",
          "[sync][cli]")
{
    Published team;
    (void)team.cloneTom();
    // The owner's own login administers the server here (a small team whose owner runs it).
    auto admin = connectAdmin();
    (void)must(admin, "ALTER ROLE " + team.ownerRole + " SUPERUSER");
    const auto removed =
        team.owner.json("olivia", {"user", "remove", "tom", "--db-role", team.tomRole});
    CHECK(removed["db_role"] == team.tomRole);
    CHECK(removed["db_role_removed"] == true);
    auto refused = sopvault::remote::Connection::open(urlAs(team.tomRole));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().fault == sopvault::remote::Fault::Auth);
    // And tom's laptop can no longer sync.
    CHECK(team.tom.run("tom", {"sync"}).code != kOk);
}

TEST_CASE("user remove --admin URL: the administrator's connection removes the leaver's role "
          "though the owner's own login may not",
          "[sync][cli]")
{
    Published team;
    (void)team.cloneTom();
    const auto removed = team.owner.json(
        "olivia", {"user", "remove", "tom", "--db-role", team.tomRole, "--admin", adminUrl()});
    CHECK(removed["db_role"] == team.tomRole);
    CHECK(removed["db_role_removed"] == true);
    auto refused = sopvault::remote::Connection::open(urlAs(team.tomRole));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().fault == sopvault::remote::Fault::Auth);
    // The owner's login stayed a plain member: without --admin it is told what is left.
    auto admin = connectAdmin();
    CHECK(count(admin,
                "SELECT count(*) FROM pg_roles WHERE rolname = $1 AND (rolsuper OR "
                "rolcreaterole)",
                {sopvault::remote::Param::text(team.ownerRole)}) == 0);
    // A URL with a password in it is refused, and the vault's removal of someone else stands.
    team.owner.addUser("rita");
    const auto withSecret = team.owner.run(
        "olivia", {"user", "remove", "rita", "--admin", "postgresql://postgres:hunter2@/x"});
    INFO(withSecret.describe());
    CHECK(withSecret.code == kOk);
    CHECK(withSecret.out.find("ask the database administrator") != std::string::npos);
    CHECK(withSecret.out.find("hunter2") == std::string::npos);
}

TEST_CASE("user remove: a login that may create roles but not run the administrator's removal "
          "is told what is left, and the role still logs in",
          "[sync][cli]")
{
    Published team;
    (void)team.cloneTom();
    auto admin = connectAdmin();
    (void)must(admin, "ALTER ROLE " + team.ownerRole + " CREATEROLE");
    const auto r = team.owner.run("olivia", {"user", "remove", "tom", "--db-role", team.tomRole});
    INFO(r.describe());
    REQUIRE(r.code == kOk);
    CHECK(r.out.find("sopvault-cli server remove-member " + team.tomRole + " --admin URL") !=
          std::string::npos);
    auto stillIn = sopvault::remote::Connection::open(urlAs(team.tomRole));
    CHECK(stillIn.has_value());
}
