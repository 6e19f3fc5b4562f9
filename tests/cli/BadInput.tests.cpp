// Bad input to sopvault-cli fails with the right exit code and leaves the vault as it was.
#include "CliRunner.h"

#include <catch2/catch.hpp>

using namespace sopvault::clitest;
using nlohmann::json;

TEST_CASE("bad input fails cleanly and changes nothing", "[cli]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Clients"});
    const std::string id = team.json(
        "olivia", {"sop", "add", "Clients", "--title", "Onboard a client", "--tags", "onboarding"},
        "1. Sign the contract.\n")["id"];

    // What must not change: the SOPs (list and content) and the administration and SOP version
    // counts. The audit log grows with every login, so its count is not compared.
    const auto snapshot = [&] {
        const json verify = team.json("olivia", {"verify"});
        CHECK(verify["ok"] == true);
        return json{{"sops", team.json("olivia", {"sop", "list"})},
                    {"admin", verify["checked"]["admin_records"]},
                    {"versions", verify["checked"]["sop_versions"]},
                    {"history", team.json("olivia", {"sop", "history", id})}};
    };
    const json before = snapshot();
    REQUIRE(before["versions"] == 1);

    const auto elsewhere = team.inputs() / "elsewhere" / "vault.sopvault";
    const std::string latin1 = team.inputFile("latin1.md", "caf\xE9\n");
    const std::string blank = team.inputFile("blank.md", "  \n\t\n   \r\n");
    const std::string good = team.inputFile("good.md", "1. A fine body.\n");
    const std::string big(1024 * 1024 + 1, 'a');

    { // wrong password
        checkError(team.cli().run({"sop", "add", "Clients", "--title", "T"},
                                  {{"SOPVAULT_USER", "olivia"}, {"SOPVAULT_PASSWORD", "guess"}},
                                  "body\n"),
                   kAuth, "auth");
    }
    { // unknown user
        checkError(team.run("mallory", {"sop", "add", "Clients", "--title", "T"}, "body\n"), kAuth,
                   "auth");
    }
    { // missing vault
        checkError(
            team.run("olivia",
                     {"--vault", elsewhere.string(), "sop", "add", "Clients", "--title", "T"},
                     "body\n"),
            kNotFound, "not-found");
        CHECK_FALSE(std::filesystem::exists(elsewhere.parent_path()));
    }
    { // empty body on stdin
        checkError(team.run("olivia", {"sop", "add", "Clients", "--title", "Empty"}), kUsage,
                   "usage");
    }
    { // a body of whitespace only, added or edited
        checkError(team.run("olivia", {"sop", "add", "Clients", "--title", "Blank"}, " \n\t\n"),
                   kUsage, "usage");
        checkError(
            team.run("olivia", {"sop", "add", "Clients", "--title", "Blank", "--file", blank}),
            kUsage, "usage");
        checkError(team.run("olivia", {"sop", "edit", id, "--file", blank}), kUsage, "usage");
    }
    { // a file that is not UTF-8
        const auto r =
            team.run("olivia", {"sop", "add", "Clients", "--title", "Cafe", "--file", latin1});
        checkError(r, kUsage, "usage");
        CHECK(r.err.find("UTF-8") != std::string::npos);
        checkError(team.run("olivia", {"sop", "edit", id, "--file", latin1}), kUsage, "usage");
    }
    { // a body over 1 MiB
        const auto r = team.run("olivia", {"sop", "add", "Clients", "--title", "Huge"}, big);
        checkError(r, kUsage, "usage");
        CHECK(r.err.find("1 MiB") != std::string::npos);
        checkError(team.run("olivia", {"sop", "edit", id, "--file", "-"}, big), kUsage, "usage");
    }
    { // an unknown option
        const auto r = team.run("olivia", {"sop", "add", "Clients", "--title", "Opt", "--file",
                                           good, "--owner", "erin"});
        checkError(r, kUsage, "usage");
        CHECK(r.err.find("--owner") != std::string::npos);
    }
    { // a title that is only spaces
        checkError(team.run("olivia", {"sop", "add", "Clients", "--title", "   ", "--file", good}),
                   kUsage, "usage");
        checkError(team.run("olivia", {"sop", "edit", id, "--title", "    "}), kUsage, "usage");
    }

    CHECK(snapshot() == before);
}
