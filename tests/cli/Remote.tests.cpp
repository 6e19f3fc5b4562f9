// The team sync commands where no server is needed: secrets refused in URLs, a server that
// cannot be reached, usage errors and the shapes of a vault without a remote.
#include "CliRunner.h"

#include <catch2/catch.hpp>

using namespace sopvault::clitest;

namespace {

// A libpq URL whose socket folder does not exist: the connection fails at once, as for a
// server that is down, without any network involved.
std::string unreachableUrl(const TempDir& dir)
{
    return "postgresql:///sopvault?host=" + (dir.path() / "no-such-folder").string() + "&user=tom";
}

} // namespace

TEST_CASE("remote set: a URL with a password in it is refused and not kept", "[cli][sync]")
{
    Team team;
    const auto created = team.init();
    const std::string secret = "Hunter2-in-the-url";
    for (const std::string& url :
         {"postgresql://olivia:" + secret + "@db.example/sopvault",
          "postgres://olivia:" + secret + "@db.example:5432/sopvault?sslmode=verify-full",
          "postgresql://olivia@db.example/sopvault?sslmode=require&password=" + secret,
          "host=db.example dbname=sopvault password=" + secret,
          "host=db.example dbname=sopvault password = " + secret}) {
        const auto r = team.run("olivia", {"remote", "set", url});
        INFO(r.describe());
        checkError(r, kUsage, "usage");
        // The refusal must not repeat the secret it refuses.
        CHECK(r.err.find(secret) == std::string::npos);
        CHECK(r.out.find(secret) == std::string::npos);
    }
    const auto shown = team.json("olivia", {"remote", "show"});
    CHECK(shown["url"].is_null());
    CHECK(shown["vault_id"] == created["vault_id"]);
    CHECK(shown["pending"] == 0);
    CHECK(shown.contains("last_sync"));
    CHECK(shown.contains("position"));
    CHECK(shown.contains("fingerprint"));
    CHECK(readFile(team.vault()).find(secret) == std::string::npos);
}

TEST_CASE("remote show: a vault without a server says so and how to set one", "[cli][sync]")
{
    Team team;
    (void)team.init();
    const auto r = team.ok("olivia", {"remote", "show"});
    CHECK(r.out.find("remote set URL") != std::string::npos);
    CHECK(r.err.empty());
}

TEST_CASE("clone: an unreachable server fails with one line and leaves no file", "[cli][sync]")
{
    TempDir home;
    TempDir sockets;
    const CliRunner cli(home.path());
    const auto target = home.path() / "tom.sopvault";
    const auto r = cli.run({"--user", "tom", "--vault", target.string(), "clone",
                            unreachableUrl(sockets), "00112233445566778899aabbccddeeff"},
                           as("tom"));
    INFO(r.describe());
    checkError(r, kFailed, "failed");
    CHECK(r.err.find("no-such-folder") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(target));
    CHECK_FALSE(std::filesystem::exists(cli.defaultVault()));
}

TEST_CASE("clone: refused before any connection when the URL has a password, with --offline or "
          "onto an existing vault",
          "[cli][sync]")
{
    Team team;
    TempDir sockets;
    const auto elsewhere = team.inputs() / "new.sopvault";
    const std::string id = "00112233445566778899aabbccddeeff";

    auto r = team.run("tom", {"--vault", elsewhere.string(), "clone",
                              "postgresql://tom:Hunter2@db.example/sopvault", id});
    checkError(r, kUsage, "usage");
    CHECK(r.err.find("Hunter2") == std::string::npos);

    r = team.run(
        "tom", {"--offline", "--vault", elsewhere.string(), "clone", unreachableUrl(sockets), id});
    checkError(r, kUsage, "usage");

    // No user: asked before anything is fetched.
    r = team.cli().run({"--vault", elsewhere.string(), "clone", unreachableUrl(sockets), id});
    checkError(r, kUsage, "usage");

    (void)team.init();
    const auto before = readFile(team.vault());
    r = team.run("tom", {"clone", unreachableUrl(sockets), id});
    checkError(r, kUsage, "usage");
    CHECK(readFile(team.vault()) == before);
    CHECK_FALSE(std::filesystem::exists(elsewhere));
}

TEST_CASE("sync, remote publish: a vault without a server is a usage error", "[cli][sync]")
{
    Team team;
    (void)team.init();
    checkError(team.run("olivia", {"sync"}), kUsage, "usage");
    checkError(team.run("olivia", {"--json", "sync"}), kUsage, "usage");
    checkError(team.run("olivia", {"remote", "publish"}), kUsage, "usage");
    checkError(team.run("olivia", {"remote", "publish", "postgresql://o:pw@db.example/sopvault"}),
               kUsage, "usage");
}

TEST_CASE("conflicts, resolve: their shapes without a server", "[cli][sync]")
{
    Team team;
    (void)team.init();
    (void)team.ok("olivia", {"collection", "add", "Ops"});
    (void)team.ok("olivia", {"sop", "add", "Ops", "--title", "Reset a password"}, "# Steps\n");

    const auto list = team.json("olivia", {"conflicts"});
    CHECK(list == nlohmann::json::array());
    CHECK(team.ok("olivia", {"conflicts"}).out == "No conflicts.\n");

    const auto merged = team.inputFile("merged.md", "# Merged\n");
    checkError(
        team.run("olivia", {"resolve", "Reset a password", "--keep", "theirs", "--file", merged}),
        kUsage, "usage");
    checkError(team.run("olivia", {"resolve", "Reset a password", "--keep", "both"}), kUsage,
               "usage");
    checkError(team.run("olivia", {"resolve", "Reset a password"}), kUsage, "usage");
    checkError(team.run("olivia", {"resolve", "No such SOP", "--keep", "mine"}), kNotFound,
               "not-found");
}

TEST_CASE("user remove: without a server, nothing about database roles", "[cli][sync]")
{
    Team team;
    (void)team.init();
    team.addUser("tom");
    const auto removed = team.json("olivia", {"user", "remove", "tom"});
    CHECK(removed["removed"] == true);
    CHECK_FALSE(removed.contains("db_role"));
}

TEST_CASE("offline flag: an ordinary command on a vault without a server works as before",
          "[cli][sync]")
{
    Team team;
    (void)team.init();
    const auto r = team.ok("olivia", {"--offline", "whoami"});
    CHECK(r.err.empty());
}
