// Reading SOP text out of the CLI into a pipe or a file is an export (security.md): it needs
// the export right and a refusal is audited; on a terminal, view is enough.
#include "CliRunner.h"

#include <catch2/catch.hpp>

using namespace sopvault::clitest;
using nlohmann::json;

TEST_CASE("a technician without export cannot dump SOPs into a file with sop show or sop diff",
          "[cli][export]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Ops"});
    team.addUser("tom");
    team.addUser("lena");
    team.grant("tom", "technician", "Ops");
    team.ok("olivia", {"role", "add", "lead", "--rights", "view,edit,export"});
    team.grant("lena", "lead", "Ops");
    const std::string id = team.json("olivia", {"sop", "add", "Ops", "--title", "Reset a password"},
                                     "1. Verify\n")["id"];
    team.ok("olivia", {"sop", "edit", id, "--file", "-", "--message", "step 2"},
            "1. Verify\n2. Reset\n");

    // Into a pipe (as `sop show ... > file` or `| tee` would be): denied, said why, audited.
    for (const std::vector<std::string>& args : {std::vector<std::string>{"sop", "show", id},
                                                 {"--json", "sop", "show", id},
                                                 {"sop", "diff", id, "1", "2"}}) {
        const RunResult piped = team.run("tom", args);
        checkError(piped, kDenied, "denied");
        CHECK(piped.err.find("pipe or a file is an export") != std::string::npos);
        CHECK(piped.err.find("Ops") != std::string::npos);
        CHECK(piped.out.find("Reset") == std::string::npos);
    }
    const json audit = team.json("olivia", {"audit", "--actor", "tom"});
    std::size_t denied = 0;
    for (const auto& e : audit) {
        denied += e["action"] == "export-denied" ? 1U : 0U;
        CHECK(e["action"] != "view"); // nothing was read
    }
    CHECK(denied == 3);

    // At a terminal, view is enough.
    CHECK(team.okAtTerminal("tom", {"sop", "show", id}).out.find("2. Reset") != std::string::npos);
    CHECK(team.okAtTerminal("tom", {"sop", "diff", id, "1", "2"}).out.find("+2. Reset") !=
          std::string::npos);
    // With the export right, a pipe is fine.
    CHECK(team.json("lena", {"sop", "show", id})["body"] == "1. Verify\n2. Reset\n");
    CHECK(team.ok("lena", {"sop", "diff", id, "1", "2"}).out.find("+2. Reset") !=
          std::string::npos);
}
