// Password sources of sopvault-cli (file, environment, prompt) and no secrets in the vault files.
#include "CliRunner.h"

#include <catch2/catch.hpp>

using namespace sopvault::clitest;
using nlohmann::json;

TEST_CASE("passwords come from SOPVAULT_PASSWORD_FILE, SOPVAULT_PASSWORD or a prompt", "[cli]")
{
    Team team;
    team.init();
    const Env olivia{{"SOPVAULT_USER", "olivia"}};
    const auto withFile = [&](std::string_view content, const Env& extra = {}) {
        Env env = olivia;
        env["SOPVAULT_PASSWORD_FILE"] = team.inputFile("olivia.pw", content);
        for (const auto& [name, value] : extra) {
            env[name] = value;
        }
        return team.cli().run({"--json", "whoami"}, env);
    };

    SECTION("the first line of the password file, with a newline or CRLF")
    {
        const auto r = withFile(passwordOf("olivia") + "\n");
        INFO(r.describe());
        REQUIRE(r.code == kOk);
        CHECK(parseJson(r)["user"] == "olivia");
        CHECK(withFile(passwordOf("olivia") + "\r\n").code == kOk);
        CHECK(withFile(passwordOf("olivia") + "\nsecond line is ignored\n").code == kOk);
        CHECK(withFile(passwordOf("olivia")).code == kOk);
    }
    SECTION("the file wins over SOPVAULT_PASSWORD")
    {
        CHECK(withFile(passwordOf("olivia") + "\n", {{"SOPVAULT_PASSWORD", "wrong"}}).code == kOk);
        checkError(withFile("wrong\n", {{"SOPVAULT_PASSWORD", passwordOf("olivia")}}), kAuth,
                   "auth");
    }
    SECTION("an unreadable password file is an error naming it")
    {
        Env env = olivia;
        env["SOPVAULT_PASSWORD_FILE"] = (team.inputs() / "no-such.pw").string();
        const auto r = team.cli().run({"whoami"}, env);
        checkError(r, kFailed, "failed");
        CHECK(r.err.find("no-such.pw") != std::string::npos);
    }
    SECTION("SOPVAULT_PASSWORD")
    {
        CHECK(team.cli().run({"whoami"}, as("olivia")).code == kOk);
    }
    SECTION("no source and no terminal: the prompt fails with auth, naming the variables")
    {
        const auto r = team.cli().run({"whoami"}, olivia);
        checkError(r, kAuth, "auth");
        CHECK(r.err.find("SOPVAULT_PASSWORD_FILE") != std::string::npos);
        CHECK(r.err.find("SOPVAULT_PASSWORD") != std::string::npos);
    }
    SECTION("no new password and no terminal: init names SOPVAULT_NEW_PASSWORD")
    {
        const auto other = team.inputs() / "other.sopvault";
        const auto r = team.cli().run({"--vault", other.string(), "init", "--owner", "olivia"});
        checkError(r, kUsage, "usage");
        CHECK(r.err.find("SOPVAULT_NEW_PASSWORD") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(other));
    }
}

TEST_CASE("no password, recovery code, title, body, tag, message, collection or ticket in the "
          "vault files",
          "[cli]")
{
    Team team;
    const json created = team.init();
    const auto vault = team.vault();
    std::vector<std::string> secrets = {passwordOf("olivia"), passwordOf("erin"),
                                        "Erin-Second-Pw-Kq83"};
    if (created["recovery_code"].is_string()) {
        secrets.push_back(created["recovery_code"]);
    }
    const std::vector<std::string> markers = {
        "Zq7TitleMarker",   "Zq7BodyMarkerOne",    "Zq7BodyMarkerTwo", "zq7tagmarker",
        "Zq7MessageMarker", "Zq7CollectionMarker", "Zq7-TICKET-4242"};
    secrets.insert(secrets.end(), markers.begin(), markers.end());

    {
        // A reader holding SQLite's shared lock keeps the last writer from checkpointing, so the
        // -wal and -shm files stay behind to be searched too.
        ByteRangeLock reader(vault, false, ByteRangeLock::kSharedFirst + 17, 1);

        team.ok("olivia", {"collection", "add", "Zq7CollectionMarker"});
        team.addUser("erin");
        team.grant("erin", "editor", "Zq7CollectionMarker");
        const Env erinFile{
            {"SOPVAULT_USER", "erin"},
            {"SOPVAULT_PASSWORD_FILE", team.inputFile("erin.pw", passwordOf("erin") + "\n")}};
        const std::string id = parseJson(team.cli().run(
            {"--json", "sop", "add", "Zq7CollectionMarker", "--title", "Zq7TitleMarker", "--tags",
             "zq7tagmarker", "--file", team.inputFile("one.md", "1. Zq7BodyMarkerOne\n")},
            erinFile))["id"];
        const auto edit =
            team.cli().run({"sop", "edit", id, "--file", "-", "--message", "Zq7MessageMarker"},
                           erinFile, "1. Zq7BodyMarkerTwo\n");
        INFO(edit.describe());
        REQUIRE(edit.code == kOk);
        const auto shown = team.json("olivia", {"sop", "show", id, "--ticket", "Zq7-TICKET-4242"});
        CHECK(shown["body"] == "1. Zq7BodyMarkerTwo\n");
        Env change = erinFile;
        change["SOPVAULT_NEW_PASSWORD"] = "Erin-Second-Pw-Kq83";
        const auto changed = team.cli().run({"passwd", "--kdf", "interactive"}, change);
        INFO(changed.describe());
        REQUIRE(changed.code == kOk);

        std::filesystem::path wal = vault;
        wal += "-wal";
        std::filesystem::path shm = vault;
        shm += "-shm";
        REQUIRE(std::filesystem::exists(wal));
        REQUIRE(std::filesystem::file_size(wal) > 0);
        REQUIRE(std::filesystem::exists(shm));
        // Everything the CLI wrote under its home: the vault, its -wal and -shm, any state.
        for (const auto& entry : std::filesystem::recursive_directory_iterator(team.cli().home())) {
            if (!entry.is_regular_file()) {
                continue;
            }
            const std::string content = readFile(entry.path());
            for (const auto& secret : secrets) {
                INFO(entry.path() << " must not contain " << secret);
                CHECK(content.find(secret) == std::string::npos);
            }
        }
    } // the reader lets go

    // The vault is still whole, and erin's new password works (the old one does not).
    CHECK(team.json("olivia", {"verify"})["ok"] == true);
    CHECK(team.cli()
              .run({"whoami"},
                   {{"SOPVAULT_USER", "erin"}, {"SOPVAULT_PASSWORD", "Erin-Second-Pw-Kq83"}})
              .code == kOk);
    checkError(team.run("erin", {"whoami"}), kAuth, "auth");
}

TEST_CASE("someone an owner added is told at a terminal to choose their own password",
          "[cli][passwords]")
{
    Team team;
    team.init();
    team.addUser("tom");
    const auto atTerminal = team.okAtTerminal("tom", {"whoami"});
    CHECK(atTerminal.err.find("choose your own with 'sopvault-cli passwd'") != std::string::npos);
    // A script's stderr stays as it was.
    CHECK(team.ok("tom", {"whoami"}).err.find("choose your own") == std::string::npos);
    // The owner chose her own password.
    CHECK(team.okAtTerminal("olivia", {"whoami"}).err.find("choose your own") == std::string::npos);

    Env change = as("tom");
    change["SOPVAULT_NEW_PASSWORD"] = "Tom-Own-Choice-Pw-7723";
    const auto changed = team.cli().run({"passwd", "--kdf", "interactive"}, change);
    INFO(changed.describe());
    REQUIRE(changed.code == kOk);
    Env mine = as("tom");
    mine["SOPVAULT_PASSWORD"] = "Tom-Own-Choice-Pw-7723";
    const auto after = team.cli().runAtTerminal({"whoami"}, mine);
    INFO(after.describe());
    REQUIRE(after.code == kOk);
    CHECK(after.err.find("choose your own") == std::string::npos);
}
