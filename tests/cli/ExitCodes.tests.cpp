// Every exit code of cli.md (0-7), each from a realistic misuse, with its stderr code word.
#include "CliRunner.h"
#include "Random.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sopvault::clitest;

namespace {

// Olivia's vault with Clients, erin (editor) and tom (technician), and one SOP; each of them
// has opened it once.
struct ExitCodeTeam
{
    Team team;
    std::string sopId;
    ExitCodeTeam()
    {
        team.init();
        team.ok("olivia", {"collection", "add", "Clients"});
        team.addUser("erin");
        team.addUser("tom");
        team.grant("erin", "editor", "Clients");
        team.grant("tom", "technician", "Clients");
        sopId = team.json("erin", {"sop", "add", "Clients", "--title", "Patch Tuesday"},
                          "1. Approve the updates.\n")["id"];
        // Everyone has opened the vault here once, so the first-open notice is behind them.
        team.ok("tom", {"whoami"});
    }
};

std::string randomBytes(std::size_t size)
{
    sopvault::test::Random random(20261122);
    std::string out(size, '\0');
    for (auto& c : out) {
        c = static_cast<char>(random.below(256));
    }
    return out;
}

} // namespace

TEST_CASE("exit 0: success, with nothing on stderr", "[cli]")
{
    ExitCodeTeam t;
    const auto r = t.team.ok("tom", {"whoami"});
    CHECK(r.out.starts_with("tom"));
    CHECK(r.err.empty());
}

TEST_CASE("exit 1 (failed): init over an existing vault, a missing password file", "[cli]")
{
    ExitCodeTeam t;
    const auto before = readFile(t.team.vault());
    const auto again = t.team.cli().run({"init", "--owner", "mallory", "--kdf", "interactive"},
                                        {{"SOPVAULT_NEW_PASSWORD", passwordOf("mallory")}});
    checkError(again, kFailed, "failed");
    CHECK(readFile(t.team.vault()) == before);
    // An I/O failure: the password file named is not there.
    checkError(t.team.cli().run(
                   {"whoami"}, {{"SOPVAULT_USER", "tom"},
                                {"SOPVAULT_PASSWORD_FILE", (t.team.inputs() / "tom.pw").string()}}),
               kFailed, "failed");
}

TEST_CASE("exit 2 (usage): unknown option or command, missing --user, bad values", "[cli]")
{
    ExitCodeTeam t;
    const auto unknown = t.team.run("olivia", {"sop", "list", "--colour", "red"});
    checkError(unknown, kUsage, "usage");
    CHECK(unknown.err.find("--colour") != std::string::npos);

    const auto global = t.team.run("olivia", {"--verbose", "whoami"});
    checkError(global, kUsage, "usage");
    CHECK(global.err.find("--verbose") != std::string::npos);

    checkError(t.team.run("olivia", {"frobnicate"}), kUsage, "usage");
    checkError(t.team.cli().run({}), kUsage, "usage");

    // No --user and no SOPVAULT_USER: the message names the option.
    const auto noUser = t.team.cli().run({"whoami"}, {{"SOPVAULT_PASSWORD", passwordOf("olivia")}});
    checkError(noUser, kUsage, "usage");
    CHECK(noUser.err.find("--user") != std::string::npos);

    const auto noTitle = t.team.run("erin", {"sop", "add", "Clients"}, "body\n");
    checkError(noTitle, kUsage, "usage");
    CHECK(noTitle.err.find("--title") != std::string::npos);
    checkError(t.team.run("tom", {"sop", "show", t.sopId, "--format", "pdf"}), kUsage, "usage");
    checkError(t.team.run("olivia", {"role", "add", "lead", "--rights", "view,fly"}), kUsage,
               "usage");
    const auto fresh = t.team.inputs() / "fresh.sopvault";
    checkError(
        t.team.cli().run({"--vault", fresh.string(), "init", "--owner", "x", "--kdf", "extreme"},
                         {{"SOPVAULT_NEW_PASSWORD", passwordOf("x")}}),
        kUsage, "usage");
    CHECK_FALSE(std::filesystem::exists(fresh));
}

TEST_CASE("exit 3 (auth): wrong password and unknown user look the same", "[cli]")
{
    ExitCodeTeam t;
    const auto wrong = t.team.cli().run(
        {"whoami"}, {{"SOPVAULT_USER", "tom"}, {"SOPVAULT_PASSWORD", "not-toms-password"}});
    checkError(wrong, kAuth, "auth");
    const auto nobody = t.team.cli().run({"--user", "nobody", "whoami"},
                                         {{"SOPVAULT_PASSWORD", passwordOf("nobody")}});
    checkError(nobody, kAuth, "auth");
    // Nothing tells an attacker which of the two was wrong.
    CHECK(wrong.err == nobody.err);
    CHECK(wrong.out.empty());
}

TEST_CASE(
    "exit 4 (denied): a technician edits, adds a collection or exports, an editor adds a user",
    "[cli]")
{
    ExitCodeTeam t;
    const auto edit = t.team.run("tom", {"sop", "edit", t.sopId, "--file", "-"}, "Skip it.\n");
    checkError(edit, kDenied, "denied");
    checkError(t.team.run("tom", {"collection", "add", "Clients/Tom"}), kDenied, "denied");
    checkError(t.team.run("tom", {"export", "Patch Tuesday", "--format", "md", "--out",
                                  (t.team.inputs() / "out.md").string()}),
               kDenied, "denied");
    CHECK_FALSE(std::filesystem::exists(t.team.inputs() / "out.md"));
    checkError(t.team.run("erin", {"user", "add", "eve", "--kdf", "interactive"}, {},
                          {{"SOPVAULT_NEW_PASSWORD", passwordOf("eve")}}),
               kDenied, "denied");
}

TEST_CASE("exit 5 (integrity): a vault overwritten with random bytes, or not a vault", "[cli]")
{
    ExitCodeTeam t;
    const auto size = std::filesystem::file_size(t.team.vault());
    const auto copy = t.team.inputs() / "copy.sopvault";

    SECTION("random bytes")
    {
        writeFile(copy, randomBytes(size));
        const auto r = t.team.run("olivia", {"--vault", copy.string(), "verify"});
        checkError(r, kIntegrity, "integrity");
    }
    SECTION("a text file passed as the vault")
    {
        writeFile(copy, "these are my notes, not a vault\n");
        checkError(t.team.run("olivia", {"--vault", copy.string(), "sop", "list"}), kIntegrity,
                   "integrity");
        CHECK(readFile(copy) == "these are my notes, not a vault\n");
    }
    SECTION("the first half of the file: 5 or 1, never a crash")
    {
        writeFile(copy, readFile(t.team.vault()).substr(0, size / 2));
        const auto r = t.team.run("olivia", {"--vault", copy.string(), "verify"});
        INFO(r.describe());
        REQUIRE(endedNormally(r));
        CHECK((r.code == kIntegrity || r.code == kFailed));
        checkError(r, r.code, r.code == kIntegrity ? "integrity" : "failed");
    }
    SECTION("one byte flipped in the middle: never a crash, and never a silent success of a "
            "damaged record")
    {
        std::string bytes = readFile(t.team.vault());
        bytes[size / 2] = static_cast<char>(bytes[size / 2] ^ 0x5A);
        writeFile(copy, bytes);
        const auto r = t.team.run("olivia", {"--json", "--vault", copy.string(), "verify"});
        INFO(r.describe());
        REQUIRE(endedNormally(r));
        if (r.code == kOk) {
            CHECK(parseJson(r)["ok"] == true); // the byte was in free space
        } else {
            CHECK((r.code == kIntegrity || r.code == kFailed));
            checkError(r, r.code, r.code == kIntegrity ? "integrity" : "failed");
        }
    }
}

TEST_CASE("exit 6 (not-found): no vault there, no such SOP, collection or file", "[cli]")
{
    ExitCodeTeam t;
    const auto elsewhere = t.team.inputs() / "nowhere" / "team.sopvault";
    const auto missing = t.team.run("olivia", {"--vault", elsewhere.string(), "sop", "list"});
    checkError(missing, kNotFound, "not-found");
    CHECK_FALSE(std::filesystem::exists(elsewhere.parent_path()));

    const auto viaEnv = t.team.run("olivia", {"whoami"}, {},
                                   {{"SOPVAULT_VAULT", (t.team.inputs() / "x.sopvault").string()}});
    checkError(viaEnv, kNotFound, "not-found");

    checkError(t.team.run("tom", {"sop", "show", "How to juggle"}), kNotFound, "not-found");
    checkError(
        t.team.run("erin", {"sop", "add", "Suppliers", "--title", "Order toner"}, "1. Order it.\n"),
        kNotFound, "not-found");
    checkError(t.team.run("erin", {"sop", "add", "Clients", "--title", "Order toner", "--file",
                                   (t.team.inputs() / "missing.md").string()}),
               kNotFound, "not-found");
}

TEST_CASE("exit 7 (busy): another program holds a lock on the vault", "[cli]")
{
    ExitCodeTeam t;
    // What a second writer (or an sqlite3 shell inside a transaction) holds: SQLite's pending
    // byte and its whole shared range, exclusively. The CLI waits its 5 s busy timeout, then
    // gives up with `busy` and changes nothing.
    const auto before = t.team.json("olivia", {"sop", "list"});
    {
        ByteRangeLock lock(t.team.vault(), true, ByteRangeLock::kPendingByte,
                           2 + ByteRangeLock::kSharedSize);
        const auto r = t.team.run("erin", {"sop", "add", "Clients", "--title", "Backups"},
                                  "1. Check the backup job.\n");
        checkError(r, kBusy, "busy");
        CHECK(r.out.empty());
    }
    CHECK(t.team.json("olivia", {"sop", "list"}) == before);
    // The other `busy` case, "the SOP changed underneath" (SopEdit::baseVersion), has no CLI
    // option that reaches it, so it is not tested here.
}

TEST_CASE("a failure is one stderr line, even after notices or progress", "[cli]")
{
    // cli.md: on failure, one line on stderr. The first-open fingerprint notice waits for
    // success; import progress is drawn only on a terminal, so this runs where it is drawn.
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Clients"});
    team.addUser("tom");
    team.addUser("erin");
    team.grant("tom", "technician", "Clients");
    team.grant("erin", "editor", "Clients");
    // tom's first open of the vault here, denied.
    checkError(team.runAtTerminal("tom", {"collection", "add", "Clients/Tom"}), kDenied, "denied");
    const auto folder = team.inputs() / "old-share";
    std::filesystem::create_directories(folder / "printers");
    writeFile(folder / "backups.md", "1. Check last night's job.\n");
    writeFile(folder / "printers" / "reset.md", "1. Turn it off and on.\n");

    SECTION("denied before any progress: the error line alone")
    {
        checkError(
            team.runAtTerminal("tom", {"import", folder.string(), "--collection", "Clients"}),
            kDenied, "denied");
    }
    // erin may add SOPs to Clients but not the sub-collection 'printers'.
    SECTION("denied halfway: the progress line ends before the error line")
    {
        const auto r =
            team.runAtTerminal("erin", {"import", folder.string(), "--collection", "Clients"});
        INFO(r.describe());
        CHECK(r.code == kDenied);
        // The progress really was drawn on this terminal...
        REQUIRE(r.err.find("Importing 1/2") != std::string::npos);
        // ...and the error is the last line, starting a line, the only one after it.
        const auto at = r.err.find("sopvault-cli: error: denied: ");
        REQUIRE(at != std::string::npos);
        CHECK(at > 0);
        CHECK(r.err[at - 1] == '\n');
        CHECK(r.err.ends_with('\n'));
        CHECK(std::count(r.err.begin() + static_cast<std::ptrdiff_t>(at), r.err.end(), '\n') == 1);
        CHECK(team.json("olivia", {"sop", "list"}).empty()); // nothing was imported
    }
    SECTION("progress on a terminal, none into a pipe")
    {
        const auto drawn =
            team.okAtTerminal("olivia", {"import", folder.string(), "--collection", "Clients"});
        CHECK(drawn.err.find("\rImporting 0/2") != std::string::npos);
        CHECK(drawn.err.find("\rImporting 2/2\n") != std::string::npos);
        writeFile(folder / "backups.md", "1. Check last night's job, then the offsite copy.\n");
        const auto piped =
            team.ok("olivia", {"import", folder.string(), "--collection", "Clients"});
        CHECK(piped.err.find("Importing") == std::string::npos);
    }
}
