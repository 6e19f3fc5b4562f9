// sop links in sopvault-cli: the JSON floor of cli.md, the same sopvault:// form as `sop link`,
// and a linked SOP the person may not view named by id only, in JSON and in text.
#include "CliRunner.h"

#include <catch2/catch.hpp>

using namespace sopvault::clitest;

TEST_CASE("sop links lists links to and from a SOP as the person may see them", "[cli][links]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Ops"});
    team.ok("olivia", {"collection", "add", "Finance"});
    const std::string secret = team.json(
        "olivia", {"sop", "add", "Finance", "--title", "Payroll secrets"}, "# Pay\n")["id"];
    const std::string secretLink = team.json("olivia", {"sop", "link", secret})["link"];
    const std::string router =
        team.json("olivia", {"sop", "add", "Ops", "--title", "Reboot the router"},
                  "See [payroll](" + secretLink + ").\n")["id"];
    const std::string routerLink = team.json("olivia", {"sop", "link", router})["link"];
    const std::string index = team.json("olivia", {"sop", "add", "Ops", "--title", "Ops index"},
                                        "- [router](" + routerLink + "#steps)\n")["id"];

    const auto all = team.json("olivia", {"sop", "links", "Reboot the router"});
    REQUIRE(all["to"].size() == 1);
    CHECK(all["to"][0]["id"] == secret);
    CHECK(all["to"][0]["title"] == "Payroll secrets");
    CHECK(all["to"][0]["link"] == secretLink);
    REQUIRE(all["from"].size() == 1);
    CHECK(all["from"][0]["id"] == index);
    CHECK(all["from"][0]["title"] == "Ops index");

    team.addUser("tom");
    team.grant("tom", "technician", "Ops");
    const auto tom = team.json("tom", {"sop", "links", router});
    REQUIRE(tom["to"].size() == 1);
    CHECK(tom["to"][0]["id"] == secret);
    CHECK(tom["to"][0]["title"] == "");
    CHECK(tom["to"][0]["viewable"] == false);
    const auto text = team.ok("tom", {"sop", "links", router});
    CHECK(text.out.find("Payroll") == std::string::npos);
    CHECK(text.out.find("a SOP you may not view") != std::string::npos);
    CHECK(text.out.find("Ops index") != std::string::npos);
    checkError(team.run("tom", {"sop", "links", secret}), kNotFound, "not-found");
}
