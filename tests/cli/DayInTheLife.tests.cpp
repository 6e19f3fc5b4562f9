// A day in the life of a small MSP team through sopvault-cli, checking cli.md's JSON fields.
#include "CliRunner.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

using namespace sopvault::clitest;
using nlohmann::json;

namespace {

bool isHexId(const json& value)
{
    static const std::regex hex("[0-9a-f]{32}");
    return value.is_string() && std::regex_match(value.get<std::string>(), hex);
}

bool isTime(const json& value)
{
    static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
    return value.is_string() && std::regex_match(value.get<std::string>(), iso);
}

bool isDate(const json& value)
{
    static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
    return value.is_string() && std::regex_match(value.get<std::string>(), date);
}

void requireFields(const json& object, std::initializer_list<const char*> fields)
{
    INFO(object.dump());
    REQUIRE(object.is_object());
    for (const char* field : fields) {
        INFO("field " << field);
        CHECK(object.contains(field));
    }
}

// The audit entries with this actor and action (and target, when given).
std::vector<json> entries(const json& audit, std::string_view actor, std::string_view action,
                          const std::string& target = {})
{
    std::vector<json> out;
    for (const auto& e : audit) {
        if (e.at("actor") == actor && e.at("action") == action &&
            (target.empty() || e.at("target") == target)) {
            out.push_back(e);
        }
    }
    return out;
}

} // namespace

TEST_CASE("a day in the life: owner, editor, technician and reviewer", "[cli]")
{
    Team team;

    // Olivia creates the vault at the default XDG location.
    const json created = team.init("olivia");
    requireFields(created, {"vault_id", "owner", "recovery_code", "owner_fingerprint"});
    CHECK(isHexId(created["vault_id"]));
    CHECK(created["owner"] == "olivia");
    CHECK((created["recovery_code"].is_null() || created["recovery_code"].is_string()));
    CHECK(created["owner_fingerprint"].is_string());
    CHECK_FALSE(created["owner_fingerprint"].get<std::string>().empty());
    REQUIRE(std::filesystem::exists(team.vault()));

    // Collections, people, grants.
    team.ok("olivia", {"collection", "add", "Clients"});
    team.ok("olivia", {"collection", "add", "Clients/Acme"});
    for (const char* name : {"erin", "tom", "rita"}) {
        team.addUser(name);
    }
    team.grant("erin", "editor", "Clients");
    team.grant("tom", "technician", "Clients");
    team.grant("rita", "reviewer", "Clients");

    const json rita = team.json("rita", {"whoami"});
    requireFields(rita, {"user", "owner", "grants"});
    CHECK(rita["user"] == "rita");
    CHECK(rita["owner"] == false);
    REQUIRE(rita["grants"].size() == 1);
    requireFields(rita["grants"][0], {"role", "collection", "rights"});
    CHECK(rita["grants"][0]["role"] == "reviewer");
    CHECK(rita["grants"][0]["collection"] == "Clients");
    CHECK(rita["grants"][0]["rights"] == json({"view", "review"}));
    const json olivia = team.json("olivia", {"whoami"});
    CHECK(olivia["user"] == "olivia");
    CHECK(olivia["owner"] == true);

    // Erin writes a SOP from a file, then improves it.
    const std::string v1 = "# Reset a password\n\n1. Verify the caller's identity.\n"
                           "2. Reset the password in the admin portal.\n";
    const std::string v2 = v1 + "3. Require MFA re-enrolment.\n\n- [ ] ticket updated\n";
    const json added =
        team.json("erin", {"sop", "add", "Clients/Acme", "--title", "Reset a password", "--file",
                           team.inputFile("reset.md", v1), "--tags", "identity,mfa"});
    requireFields(added, {"id"});
    REQUIRE(isHexId(added["id"]));
    const std::string id = added["id"];
    team.ok("erin", {"sop", "edit", "Reset a password", "--file", team.inputFile("reset2.md", v2),
                     "--message", "add MFA step"});

    const json list = team.json("erin", {"sop", "list"});
    REQUIRE(list.is_array());
    REQUIRE(list.size() == 1);
    requireFields(list[0],
                  {"id", "title", "collection", "version", "updated", "state", "review_due"});
    CHECK(list[0]["id"] == id);
    CHECK(list[0]["title"] == "Reset a password");
    CHECK(list[0]["collection"] == "Clients/Acme");
    CHECK(list[0]["version"] == 2);
    CHECK(isTime(list[0]["updated"]));
    CHECK(list[0]["state"] == "published");
    CHECK(isDate(list[0]["review_due"]));

    const json history = team.json("erin", {"sop", "history", id});
    REQUIRE(history.is_array());
    REQUIRE(history.size() == 2);
    for (const auto& h : history) {
        requireFields(h, {"version", "author", "time", "message", "hash"});
        CHECK(h["author"] == "erin");
        CHECK(isTime(h["time"]));
        CHECK(h["hash"].is_string());
    }
    CHECK(history[0]["version"] == 1);
    CHECK(history[1]["version"] == 2);
    CHECK(history[1]["message"] == "add MFA step");
    CHECK(history[0]["hash"] != history[1]["hash"]);

    // Tom reads it during a ticket...
    const json shown =
        team.jsonAtTerminal("tom", {"sop", "show", "Reset a password", "--ticket", "T-1001"});
    requireFields(shown,
                  {"id", "title", "collection", "version", "author", "updated", "tags", "body"});
    CHECK(shown["id"] == id);
    CHECK(shown["title"] == "Reset a password");
    CHECK(shown["collection"] == "Clients/Acme");
    CHECK(shown["version"] == 2);
    CHECK(shown["author"] == "erin");
    CHECK(isTime(shown["updated"]));
    CHECK(shown["tags"] == json({"identity", "mfa"}));
    CHECK(shown["body"] == v2);
    const json first = team.jsonAtTerminal("tom", {"sop", "show", id, "--version", "1"});
    CHECK(first["version"] == 1);
    CHECK(first["body"] == v1);

    // ...but may not change it, nor hand himself more rights.
    const auto edit = team.run("tom", {"sop", "edit", "Reset a password", "--title", "Mine now"});
    checkError(edit, kDenied, "denied");
    CHECK(edit.out.empty());
    checkError(team.run("tom", {"grant", "tom", "editor", "Clients"}), kDenied, "denied");
    checkError(team.run("rita", {"sop", "edit", id, "--title", "Mine now"}), kDenied, "denied");
    CHECK(team.json("olivia", {"sop", "show", id})["title"] == "Reset a password");

    // Who may do what on the collection.
    const json access = team.json("olivia", {"access", "Clients"});
    REQUIRE(access.is_array());
    bool erinEdits = false;
    for (const auto& a : access) {
        requireFields(a, {"user", "role", "collection", "rights"});
        if (a["user"] == "erin") {
            erinEdits = a["role"] == "editor" && a["collection"] == "Clients" &&
                        a["rights"] == json({"view", "edit"});
        }
    }
    CHECK(erinEdits);

    // Olivia audits the day.
    const json audit = team.json("olivia", {"audit"});
    REQUIRE(audit.is_array());
    for (const auto& e : audit) {
        requireFields(e, {"seq", "time", "actor", "action", "target", "detail"});
        CHECK(isTime(e["time"]));
    }
    CHECK(entries(audit, "erin", "create", id).size() == 1);
    CHECK(entries(audit, "erin", "edit", id).size() == 1);
    const auto views = entries(audit, "tom", "view", id);
    REQUIRE(views.size() == 2);
    CHECK(std::any_of(views.begin(), views.end(), [](const json& v) {
        return v["detail"].get<std::string>().find("T-1001") != std::string::npos;
    }));
    const json erinOnly = team.json("olivia", {"audit", "--actor", "erin"});
    CHECK_FALSE(erinOnly.empty());
    CHECK(std::all_of(erinOnly.begin(), erinOnly.end(),
                      [](const json& e) { return e["actor"] == "erin"; }));
    // Audit is for owners.
    checkError(team.run("erin", {"audit"}), kDenied, "denied");

    const json verify = team.json("olivia", {"verify"});
    requireFields(verify, {"ok", "checked", "problems"});
    CHECK(verify["ok"] == true);
    CHECK(verify["checked"]["records"].get<long>() > 0);
    CHECK(verify["problems"] == json::array());
    // Plain output for people.
    const auto plain = team.okAtTerminal("tom", {"sop", "show", id});
    CHECK(plain.out.starts_with("# Reset a password\n"));
    CHECK(plain.out.find("Require MFA re-enrolment.") != std::string::npos);
}
