// Runs through sopvault-cli: run start, step, finish, show (cli.md's JSON), list and export, the
// errors that change nothing, a run across separate processes, and open flags in sop list/show.
#include "CliRunner.h"
#include "storage/Database.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <regex>

using namespace sopvault::clitest;
using nlohmann::json;

namespace {

const char* kChecklist = "# Offboarding\n\nRead first.\n\n- [ ] Disable the account\n"
                         "- [ ] Revoke the VPN certificate\n- [ ] Collect the laptop\n";

// olivia owns; tom is a technician and erin an editor on Ops; one SOP with three steps.
struct RunTeam
{
    Team team;
    std::string sop;

    RunTeam()
    {
        team.init();
        team.ok("olivia", {"collection", "add", "Ops"});
        team.addUser("tom");
        team.addUser("erin");
        team.grant("tom", "technician", "Ops");
        team.grant("erin", "editor", "Ops");
        sop = team.json("olivia", {"sop", "add", "Ops", "--title", "User offboarding"},
                        kChecklist)["id"];
    }

    std::int64_t events() const
    {
        auto db = sopvault::core::storage::Database::open(
            team.vault(), sopvault::core::storage::OpenMode::OpenExisting,
            std::chrono::milliseconds(200));
        REQUIRE(db);
        auto stmt = db->prepare("SELECT count(*) FROM sop_events");
        REQUIRE(stmt);
        REQUIRE(*stmt->step());
        return stmt->columnInt(0);
    }
};

bool isTime(const json& v)
{
    return v.is_string() &&
           std::regex_match(v.get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"));
}

} // namespace

TEST_CASE("run start, step, finish and show: cli.md's JSON, across separate processes",
          "[cli][runs]")
{
    RunTeam t;
    const json started = t.team.json(
        "tom", {"run", "start", "User offboarding", "--ticket", "T-4821", "--client", "Acme"});
    REQUIRE(started.size() == 1);
    const std::string run = started["id"];
    CHECK(run.size() == 32);
    t.team.ok("tom", {"run", "step", run, "1", "--done", "--note", "disabled at 09:12"});
    t.team.ok("tom", {"run", "step", run, "3", "--skip", "--note", "laptop already returned"});

    const json open = t.team.json("tom", {"run", "list", "--open"});
    REQUIRE(open.size() == 1);
    CHECK(open[0]["id"] == run);
    CHECK(open[0]["done"] == 1);
    CHECK(open[0]["skipped"] == 1);
    CHECK(open[0]["finished"].is_null());

    t.team.ok("tom", {"run", "finish", run});
    const json shown = t.team.json("erin", {"run", "show", run});
    for (const char* field :
         {"id", "sop", "version", "ticket", "client", "started", "finished", "steps"}) {
        INFO(shown.dump() << " field " << field);
        CHECK(shown.contains(field));
    }
    CHECK(shown["id"] == run);
    CHECK(shown["sop"] == t.sop);
    CHECK(shown["version"] == 1);
    CHECK(shown["ticket"] == "T-4821");
    CHECK(shown["client"] == "Acme");
    CHECK(isTime(shown["started"]));
    CHECK(isTime(shown["finished"]));
    CHECK(shown["newer_version"].is_null());
    REQUIRE(shown["steps"].size() == 3);
    for (const auto& step : shown["steps"]) {
        for (const char* field : {"n", "text", "state", "by", "time", "note"}) {
            INFO(step.dump() << " field " << field);
            CHECK(step.contains(field));
        }
    }
    CHECK(shown["steps"][0] == json({{"n", 1},
                                     {"text", "Disable the account"},
                                     {"state", "done"},
                                     {"by", "tom"},
                                     {"time", shown["steps"][0]["time"]},
                                     {"note", "disabled at 09:12"}}));
    CHECK(isTime(shown["steps"][0]["time"]));
    CHECK(shown["steps"][1]["state"] == "open");
    CHECK(shown["steps"][1]["time"].is_null());
    CHECK(shown["steps"][2]["state"] == "skipped");
    CHECK(shown["steps"][2]["note"] == "laptop already returned");

    CHECK(t.team.json("tom", {"run", "list", "--open"}).empty());
    CHECK(t.team.json("tom", {"run", "list", "--ticket", "T-4821"}).size() == 1);
    CHECK(t.team.json("tom", {"run", "list", "--sop", "User offboarding"}).size() == 1);
    CHECK(t.team.json("tom", {"run", "list", "--ticket", "T-1"}).empty());

    // The audit log names start and finish with the ticket.
    const json audit = t.team.json("olivia", {"audit"});
    for (const char* action : {"run-start", "run-finish"}) {
        INFO(action);
        CHECK(std::any_of(audit.begin(), audit.end(), [&](const json& e) {
            return e["action"] == action &&
                   e["detail"].get<std::string>().find("ticket T-4821") != std::string::npos;
        }));
    }
}

TEST_CASE("run show says the SOP has a newer version while the run stays on its own", "[cli][runs]")
{
    RunTeam t;
    const std::string run = t.team.json("tom", {"run", "start", t.sop})["id"];
    t.team.ok("erin", {"sop", "edit", t.sop, "--message", "one step", "--file",
                       t.team.inputFile("one.md", "- [ ] Only this\n")});
    const json shown = t.team.json("tom", {"run", "show", run});
    CHECK(shown["version"] == 1);
    CHECK(shown["newer_version"] == 2);
    CHECK(shown["steps"].size() == 3);
    t.team.ok("tom", {"run", "step", run, "3", "--done"});
    const auto text = t.team.ok("tom", {"run", "show", run});
    CHECK(text.out.find("newer version (2)") != std::string::npos);
}

TEST_CASE("run commands: bad input and someone else's run change nothing", "[cli][runs]")
{
    RunTeam t;
    const std::string run = t.team.json("tom", {"run", "start", t.sop, "--ticket", "T-1"})["id"];
    const auto before = t.events();
    checkError(t.team.run("tom", {"run", "step", run, "4", "--done"}), kUsage, "usage");
    checkError(t.team.run("tom", {"run", "step", run, "0", "--done"}), kUsage, "usage");
    checkError(t.team.run("tom", {"run", "step", run, "1"}), kUsage, "usage");
    checkError(t.team.run("tom", {"run", "step", run, "1", "--done", "--skip"}), kUsage, "usage");
    checkError(t.team.run("tom", {"run", "step", "not-an-id", "1", "--done"}), kUsage, "usage");
    checkError(t.team.run("tom", {"run", "step", std::string(32, 'a'), "1", "--done"}), kNotFound,
               "not-found");
    checkError(t.team.run("erin", {"run", "step", run, "1", "--done"}), kDenied, "denied");
    checkError(t.team.run("erin", {"run", "finish", run}), kDenied, "denied");
    checkError(t.team.run("tom", {"run", "start", t.sop, "--ticket", "T-1\x1b]0;pwned\x07"}),
               kUsage, "usage");
    CHECK(t.events() == before);
    t.team.ok("tom", {"run", "finish", run});
    const auto finished = t.events();
    checkError(t.team.run("tom", {"run", "step", run, "1", "--done"}), kFailed, "failed");
    checkError(t.team.run("tom", {"run", "finish", run}), kFailed, "failed");
    CHECK(t.events() == finished);
    // No view, no run.
    t.team.addUser("ann");
    checkError(t.team.run("ann", {"run", "start", t.sop}), kNotFound, "not-found");
    checkError(t.team.run("ann", {"run", "show", run}), kNotFound, "not-found");
    CHECK(t.events() == finished);
}

TEST_CASE("run export: the ticket note in md and html, watermarked; export right needed",
          "[cli][runs][export]")
{
    RunTeam t;
    const std::string run =
        t.team.json("tom", {"run", "start", t.sop, "--ticket", "T-77", "--client", "Acme"})["id"];
    t.team.ok("tom", {"run", "step", run, "2", "--done", "--note", "cert 0x1F revoked"});
    t.team.ok("tom", {"run", "finish", run});
    TempDir out;
    checkError(t.team.run("tom", {"run", "export", run, "--format", "md", "--out",
                                  (out.path() / "denied.md").string()}),
               kDenied, "denied");
    CHECK_FALSE(std::filesystem::exists(out.path() / "denied.md"));
    checkError(t.team.run("olivia", {"run", "export", run, "--format", "pdf", "--out",
                                     (out.path() / "x.pdf").string()}),
               kUsage, "usage");
    t.team.ok("olivia",
              {"run", "export", run, "--format", "md", "--out", (out.path() / "T-77.md").string()});
    t.team.ok("olivia", {"run", "export", run, "--format", "html", "--out",
                         (out.path() / "T-77.html").string()});
    const std::string md = readFile(out.path() / "T-77.md");
    const std::string html = readFile(out.path() / "T-77.html");
    INFO(md);
    CHECK(md.find("Exported from SOP Vault by olivia") != std::string::npos);
    CHECK(md.find("# Run: User offboarding") != std::string::npos);
    CHECK(md.find("- Ticket: T-77") != std::string::npos);
    CHECK(md.find("- Client: Acme") != std::string::npos);
    CHECK(md.find("2. [done] Revoke the VPN certificate (tom, ") != std::string::npos);
    CHECK(md.find("cert 0x1F revoked") != std::string::npos);
    CHECK(md.find("1. [open] Disable the account") != std::string::npos);
    CHECK(md.find("Read first.") == std::string::npos);
    CHECK(html.find("Exported from SOP Vault by olivia") != std::string::npos);
    CHECK(html.find("<td>Revoke the VPN certificate</td><td>done</td><td>tom</td>") !=
          std::string::npos);
    const json audit = t.team.json("olivia", {"audit"});
    CHECK(std::count_if(audit.begin(), audit.end(),
                        [](const json& e) { return e["action"] == "run-export"; }) == 2);
}

TEST_CASE("an open flag shows in sop list and sop show for everyone who may view the SOP",
          "[cli][flags]")
{
    RunTeam t;
    CHECK(t.team.json("tom", {"sop", "list"})[0]["open_flags"] == 0);
    t.team.ok("tom", {"sop", "flag", t.sop, "--comment", "step 2 names the old VPN"});
    for (const char* who : {"tom", "erin", "olivia"}) {
        INFO(who);
        CHECK(t.team.json(who, {"sop", "list"})[0]["open_flags"] == 1);
        // At a terminal: a technician has no export right, so a pipe would be refused.
        CHECK(t.team.jsonAtTerminal(who, {"sop", "show", t.sop})["open_flags"] == 1);
    }
    const auto text = t.team.okAtTerminal("erin", {"sop", "show", t.sop});
    CHECK(text.out.find("1 open flag(s)") != std::string::npos);
}
