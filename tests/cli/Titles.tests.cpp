// Naming a SOP by title in sopvault-cli: ambiguous titles list candidates; ids always work.
#include "CliRunner.h"

#include <catch2/catch.hpp>

using namespace sopvault::clitest;

TEST_CASE("an ambiguous title lists the candidates and an id always works", "[cli]")
{
    Team team;
    team.init();
    for (const char* path : {"Clients", "Clients/Acme", "Clients/Globex"}) {
        team.ok("olivia", {"collection", "add", path});
    }
    const std::string acme =
        team.json("olivia", {"sop", "add", "Clients/Acme", "--title", "Onboard a user"},
                  "1. Acme's way.\n")["id"];
    const std::string globex =
        team.json("olivia", {"sop", "add", "Clients/Globex", "--title", "Onboard a user"},
                  "1. Globex's way.\n")["id"];
    REQUIRE(acme != globex);

    const auto r = team.run("olivia", {"sop", "show", "Onboard a user"});
    checkError(r, kUsage, "usage");
    CHECK(r.out.empty());
    CHECK(r.err.find(acme) != std::string::npos);
    CHECK(r.err.find(globex) != std::string::npos);
    checkError(team.run("olivia", {"sop", "edit", "Onboard a user", "--title", "x"}), kUsage,
               "usage");

    const auto a = team.json("olivia", {"sop", "show", acme});
    CHECK(a["collection"] == "Clients/Acme");
    CHECK(a["body"] == "1. Acme's way.\n");
    const auto g = team.json("olivia", {"sop", "show", globex});
    CHECK(g["collection"] == "Clients/Globex");
    CHECK(g["body"] == "1. Globex's way.\n");

    // A title is resolved among the SOPs the person may view: for a technician of Acme only,
    // the title is not ambiguous, and Globex's SOP does not exist even by id.
    team.addUser("tom");
    team.grant("tom", "technician", "Clients/Acme");
    CHECK(team.jsonAtTerminal("tom", {"sop", "show", "Onboard a user"})["id"] == acme);
    checkError(team.run("tom", {"sop", "show", globex}), kNotFound, "not-found");
}
