// Attestations and templates through sopvault-cli: attest, attest require, attest status (the
// JSON of cli.md), sop edit --minor, template list and add, sop add --template.
#include "CliRunner.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sopvault::clitest;
using nlohmann::json;

namespace {

const json* rowOf(const json& rows, std::string_view user)
{
    auto it =
        std::find_if(rows.begin(), rows.end(), [&](const json& r) { return r["user"] == user; });
    return it == rows.end() ? nullptr : &*it;
}

// olivia owns; erin edits and tom, tess are technicians on Ops; one published SOP there.
struct AttestTeam
{
    Team team;
    std::string id;

    AttestTeam()
    {
        team.init();
        team.ok("olivia", {"collection", "add", "Ops"});
        for (const char* who : {"erin", "tom", "tess"}) {
            team.addUser(who);
        }
        team.grant("erin", "editor", "Ops");
        team.grant("tom", "technician", "Ops");
        team.grant("tess", "technician", "Ops");
        id = team.json("erin", {"sop", "add", "Ops", "--title", "Offboarding"},
                       "1. Disable the account\n")["id"];
    }
};

} // namespace

TEST_CASE("attest status carries cli.md's fields, and minor edits carry attestations over",
          "[cli][attest]")
{
    AttestTeam t;
    Team& team = t.team;
    // Nobody is required yet.
    CHECK(team.json("erin", {"attest", "status"}).empty());
    team.ok("erin", {"attest", "require", "Offboarding", "--role", "technician", "--within", "7"});
    const json signed1 = team.json("tom", {"attest", "Offboarding"});
    CHECK(signed1["version"] == 1);
    CHECK(signed1["sop"] == t.id);

    json rows = team.json("erin", {"attest", "status", "--sop", "Offboarding"});
    REQUIRE(rows.size() == 2);
    for (const char* field : {"sop", "title", "version", "user", "due", "attested"}) {
        INFO(rows.dump() << " field " << field);
        CHECK(rows[0].contains(field));
    }
    CHECK((*rowOf(rows, "tom"))["attested"].is_string());
    CHECK((*rowOf(rows, "tess"))["attested"].is_null());
    CHECK((*rowOf(rows, "tess"))["title"] == "Offboarding");
    // Far later, tess is overdue and tom is not.
    rows = team.json("erin", {"--as-of", "2099-01-01", "attest", "status"});
    CHECK((*rowOf(rows, "tess"))["overdue"] == true);
    CHECK((*rowOf(rows, "tom"))["overdue"] == false);
    // A technician sees only their own line.
    rows = team.json("tess", {"attest", "status"});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["user"] == "tess");

    team.ok("erin", {"sop", "edit", "Offboarding", "--minor", "--file",
                     team.inputFile("minor.md", "1. Disable the account.\n")});
    rows = team.json("erin", {"attest", "status"});
    CHECK((*rowOf(rows, "tom"))["attested"].is_string()); // carried over
    CHECK((*rowOf(rows, "tom"))["version"] == 2);
    team.ok("erin", {"sop", "edit", "Offboarding", "--file",
                     team.inputFile("material.md", "1. Disable the account.\n2. Wipe\n")});
    rows = team.json("erin", {"attest", "status"});
    CHECK((*rowOf(rows, "tom"))["attested"].is_null()); // material: read it again
    CHECK(team.json("tom", {"attest", "Offboarding"})["version"] == 3);
}

TEST_CASE("attest refuses who may not, and bad input", "[cli][attest]")
{
    AttestTeam t;
    Team& team = t.team;
    checkError(team.run("tom", {"attest", "require", "Offboarding", "--role", "technician"}),
               kDenied, "denied");
    checkError(team.run("erin", {"attest", "require", "Offboarding", "--role", "nobody"}), kUsage,
               "usage");
    checkError(team.run("erin", {"attest", "require", "Offboarding", "--role", "technician",
                                 "--within", "0"}),
               kUsage, "usage");
    checkError(team.run("tom", {"attest"}), kUsage, "usage");
    checkError(team.run("tom", {"attest", "No such SOP"}), kNotFound, "not-found");
    CHECK(team.json("erin", {"attest", "status"}).empty());
    team.ok("tom", {"attest", "Offboarding"});
    checkError(team.run("tom", {"attest", "Offboarding"}), kFailed, "failed");
}

TEST_CASE("template list, template add and sop add --template", "[cli][template]")
{
    AttestTeam t;
    Team& team = t.team;
    json list = team.json("tom", {"template", "list"});
    REQUIRE(list.size() == 3);
    CHECK(list[0]["name"] == "client-onboarding");
    CHECK(list[1]["name"] == "kcs-article");
    CHECK(list[2]["name"] == "runbook");
    CHECK(list[0]["source"] == "shipped");

    const std::string file = team.inputFile("change.md", "# Change request\n\n## Risk\n");
    checkError(team.run("erin", {"template", "add", "change", "--file", file}), kDenied, "denied");
    checkError(team.run("olivia", {"template", "add", "bad name", "--file", file}), kUsage,
               "usage");
    CHECK(team.json("tom", {"template", "list"}).size() == 3);
    checkError(team.run("olivia",
                        {"template", "add", "change", "--file", file, "--collection", "Nowhere"}),
               kNotFound, "not-found");
    const json added =
        team.json("olivia", {"template", "add", "change", "--file", file, "--collection", "Ops"});
    CHECK(added["collection"] == "Ops");
    list = team.json("tom", {"template", "list"});
    REQUIRE(list.size() == 4);
    CHECK(list[0]["name"] == "change");
    CHECK(list[0]["source"] == "vault");
    CHECK(list[0]["collection"] == "Ops");

    const std::string id = team.json("erin", {"sop", "add", "Ops", "--title", "Printer offline",
                                              "--template", "kcs-article"})["id"];
    const json shown = team.jsonAtTerminal("erin", {"sop", "show", id});
    const std::string body = shown["body"];
    CHECK(body.find("## Environment") != std::string::npos);
    const json own = team.json(
        "erin", {"sop", "add", "Ops", "--title", "Firewall change", "--template", "change"});
    CHECK(team.jsonAtTerminal("erin", {"sop", "show", own["id"].get<std::string>()})["body"] ==
          "# Change request\n\n## Risk\n");

    const auto before = team.json("erin", {"sop", "list"}).size();
    const RunResult unknown =
        team.run("erin", {"sop", "add", "Ops", "--title", "Nope", "--template", "nope"});
    checkError(unknown, kNotFound, "not-found");
    CHECK(unknown.err.find("kcs-article") != std::string::npos);
    CHECK(team.json("erin", {"sop", "list"}).size() == before);
}

TEST_CASE("report coverage and report usage through the CLI", "[cli][report]")
{
    AttestTeam t;
    Team& team = t.team;
    team.ok("erin", {"sop", "edit", "Offboarding", "--tags", "Offboarding"});
    const json rows =
        team.json("tom", {"report", "coverage", "--categories",
                          team.inputFile("tickets.csv", "Ticket,Issue Type\n1,Offboarding\n2,VPN\n"
                                                        "3,Offboarding\n")});
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["category"] == "Offboarding");
    CHECK(rows[0]["tickets"] == 2);
    REQUIRE(rows[0]["sops"].size() == 1);
    for (const char* field : {"id", "title", "state", "review_status"}) {
        INFO(rows.dump() << " field " << field);
        CHECK(rows[0]["sops"][0].contains(field));
    }
    CHECK(rows[0]["sops"][0]["id"] == t.id);
    CHECK(rows[0]["covered"] == false); // published but never reviewed
    CHECK(rows[1]["sops"].empty());

    const RunResult bad = team.run(
        "tom", {"report", "coverage", "--categories", team.inputFile("bad.csv", "A,B\n1,2\n")});
    checkError(bad, kUsage, "usage");
    CHECK(bad.err.find("'A', 'B'") != std::string::npos);

    team.okAtTerminal("tom", {"sop", "show", "Offboarding"});
    team.okAtTerminal("tom", {"sop", "show", "Offboarding"});
    const json used = team.json("olivia", {"report", "usage"});
    REQUIRE(used.size() == 1);
    CHECK(used[0]["id"] == t.id);
    CHECK(used[0]["views"] == 2);
    CHECK(used[0]["stale_but_used"] == false);
    CHECK(team.json("olivia", {"report", "usage", "--since", "2099-01-01"})[0]["views"] == 0);
    checkError(team.run("tom", {"report", "usage"}), kDenied, "denied");
}
