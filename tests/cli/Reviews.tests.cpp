// Reviews through sopvault-cli: the JSON fields of `review due` and `review history` (cli.md).
#include "CliRunner.h"
#include "storage/Database.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <regex>

using namespace sopvault::clitest;
using nlohmann::json;

TEST_CASE("review due and review history carry cli.md's JSON fields", "[cli]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Clients"});
    team.addUser("erin");
    team.addUser("rita");
    team.grant("erin", "editor", "Clients");
    team.grant("rita", "reviewer", "Clients");
    const std::string id = team.json("erin",
                                     {"sop", "add", "Clients", "--title", "Monthly patching",
                                      "--review-every", "30", "--reviewer", "rita"},
                                     "1. Approve the updates.\n")["id"];
    const json listed = team.json("erin", {"sop", "list"});
    REQUIRE(listed.size() == 1);
    const std::string dueDate = listed[0]["review_due"];

    // A year after the due date it is overdue, whatever today is.
    const std::string monthDay = dueDate.substr(4) == "-02-29" ? "-03-01" : dueDate.substr(4);
    const std::string later = std::to_string(std::stoi(dueDate.substr(0, 4)) + 1) + monthDay;
    const json due = team.json("rita", {"--as-of", later, "review", "due"});
    REQUIRE(due.is_array());
    REQUIRE(due.size() == 1);
    for (const char* field : {"id", "title", "collection", "due", "status", "reviewer"}) {
        INFO(due.dump() << " field " << field);
        CHECK(due[0].contains(field));
    }
    CHECK(due[0]["id"] == id);
    CHECK(due[0]["title"] == "Monthly patching");
    CHECK(due[0]["collection"] == "Clients");
    CHECK(due[0]["due"] == dueDate);
    CHECK(due[0]["status"] == "overdue");
    CHECK(due[0]["reviewer"] == "rita");

    team.ok("rita", {"review", "signoff", id, "--decision", "approved", "--comment",
                     "checked against the new WSUS"});
    const json history = team.json("olivia", {"review", "history", id});
    REQUIRE(history.is_array());
    REQUIRE(history.size() == 1);
    for (const char* field : {"version", "reviewer", "decision", "comment", "time"}) {
        INFO(history.dump() << " field " << field);
        CHECK(history[0].contains(field));
    }
    CHECK(history[0]["version"] == 1);
    CHECK(history[0]["reviewer"] == "rita");
    CHECK(history[0]["decision"] == "approved");
    CHECK(history[0]["comment"] == "checked against the new WSUS");
    CHECK(std::regex_match(history[0]["time"].get<std::string>(),
                           std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")));
    // Erin edits but holds no review right.
    checkError(team.run("erin", {"review", "signoff", id, "--decision", "approved"}), kDenied,
               "denied");
}

TEST_CASE("tamper 11 through the CLI: a sign-off moved to another SOP in the file makes every "
          "review read exit 5",
          "[cli][tamper]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Ops"});
    team.addUser("rita");
    team.addUser("tom");
    team.grant("rita", "reviewer", "Ops");
    team.grant("tom", "technician", "Ops");
    const std::string patching = team.json(
        "olivia", {"sop", "add", "Ops", "--title", "Monthly patching"}, "1. Patch\n")["id"];
    const std::string backups = team.json(
        "olivia", {"sop", "add", "Ops", "--title", "Backup restore test"}, "1. Restore\n")["id"];
    team.ok("rita", {"review", "signoff", patching, "--decision", "changes-requested", "--comment",
                     "step 2 is missing"});
    team.ok("tom", {"sop", "flag", backups, "--comment", "the restore path moved"});
    {
        // An insider with write access and a SQLite shell moves the "changes requested" away.
        auto db = sopvault::core::storage::Database::open(
            team.vault(), sopvault::core::storage::OpenMode::OpenExisting,
            std::chrono::milliseconds(200));
        REQUIRE(db);
        auto move = db->prepare("UPDATE sop_events SET sop_id = (SELECT sop_id FROM sop_events "
                                "WHERE position = 1) WHERE position = 0");
        REQUIRE(move);
        REQUIRE(move->run());
    }
    for (const std::string& id : {patching, backups}) {
        checkError(team.run("rita", {"review", "history", id}), kIntegrity, "integrity");
    }
    const RunResult due = team.run("rita", {"--json", "review", "due", "--within", "100000"});
    checkError(due, kIntegrity, "integrity");
    const json items = parseJson(due);
    REQUIRE(items.size() == 2);
    for (const auto& item : items) {
        CHECK(item["status"] == "damaged");
    }
    checkError(team.run("tom", {"sop", "flags"}), kIntegrity, "integrity");
    checkError(team.run("rita", {"review", "signoff", backups, "--decision", "approved"}),
               kIntegrity, "integrity");
    const json listed = team.json("tom", {"sop", "list"});
    REQUIRE(listed.size() == 2);
    CHECK(listed[0]["review_due"] == "damaged");
    CHECK(listed[1]["review_due"] == "damaged");
    checkError(team.run("olivia", {"verify"}), kIntegrity, "integrity");
}

TEST_CASE("exfiltration alarm through the CLI: owners see a burst of reading in audit --alerts",
          "[cli][audit]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Ops"});
    team.addUser("tom");
    team.grant("tom", "technician", "Ops");
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
        ids.push_back(team.json("olivia",
                                {"sop", "add", "Ops", "--title", "Runbook " + std::to_string(i)},
                                "1. Step\n")["id"]);
    }
    // The owner lowers the threshold (a signed setting) so four SOPs are a burst.
    const json none = team.json("olivia", {"audit", "--alerts", "--alarm-views", "3"});
    CHECK(none.empty());
    for (const std::string& id : ids) {
        team.okAtTerminal("tom", {"sop", "show", id});
    }
    const json alerts = team.json("olivia", {"audit", "--alerts"});
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0]["actor"] == "tom");
    CHECK(alerts[0]["sops"] == 4);
    CHECK(alerts[0]["threshold"] == 3);
    const RunResult text = team.ok("olivia", {"audit", "--alerts"});
    CHECK(text.out.find("ALERT  tom read 4 distinct SOPs") != std::string::npos);
    checkError(team.run("tom", {"audit", "--alerts"}), kDenied, "denied");
    checkError(team.run("tom", {"audit", "--alerts", "--alarm-views", "1000"}), kDenied, "denied");
}

TEST_CASE("review report lists every sign-off made in the quarter, in text and JSON", "[cli]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Clients"});
    team.addUser("rita");
    team.grant("rita", "reviewer", "Clients");
    const std::string id = team.json(
        "olivia",
        {"sop", "add", "Clients", "--title", "Backup restore test", "--review-every", "365"},
        "1. Restore one file.\n")["id"];
    team.ok("rita", {"review", "signoff", id, "--decision", "approved"});
    team.ok("rita", {"review", "signoff", id, "--decision", "changes-requested", "--comment",
                     "step 1 names the old NAS"});
    // The quarter the sign-offs were made in, from their own recorded time: nothing is due in
    // it (the review is due in a year), so before sign-off rows the report was empty.
    const json history = team.json("olivia", {"review", "history", id});
    REQUIRE(history.size() == 2);
    const std::string time = history[0]["time"];
    const int month = std::stoi(time.substr(5, 2));
    const std::string quarter = time.substr(0, 4) + "-Q" + std::to_string((month - 1) / 3 + 1);

    const json report = team.json("olivia", {"review", "report", "--quarter", quarter});
    REQUIRE(report.is_array());
    std::vector<json> signoffs;
    for (const auto& row : report) {
        for (const char* field : {"id", "title", "collection", "due", "outcome", "signed_by",
                                  "signed_at", "version", "kind", "decision"}) {
            INFO(row.dump() << " field " << field);
            CHECK(row.contains(field));
        }
        if (row["kind"] == "signoff") {
            signoffs.push_back(row);
        }
    }
    REQUIRE(signoffs.size() == 2);
    CHECK(signoffs[0]["id"] == id);
    CHECK(signoffs[0]["decision"] == "approved");
    CHECK(signoffs[0]["outcome"] == "approved");
    CHECK(signoffs[0]["signed_by"] == "rita");
    CHECK(signoffs[0]["version"] == 1);
    CHECK(signoffs[1]["decision"] == "changes-requested");

    const std::string text = team.ok("olivia", {"review", "report", "--quarter", quarter}).out;
    INFO(text);
    CHECK(text.find("Signed off in " + quarter) != std::string::npos);
    CHECK(text.find("changes-requested") != std::string::npos);
    CHECK(text.find("Backup restore test") != std::string::npos);
}
