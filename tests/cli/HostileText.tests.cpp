// Text a person typed cannot forge what another person reads on a terminal: tickets, comments,
// messages, bodies and file names are shown escaped in text output and exactly in JSON.
#include "CliRunner.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace sopvault::clitest;
using nlohmann::json;

namespace {

// An OSC that retitles the terminal, a colour, a C1 CSI that clears the screen, a
// right-to-left override and a newline that starts a line of its own.
const std::string kEvil = "ok\n\x1b]0;owned\x07\x1b[31mFAKE\xC2\x9B"
                          "2J\xE2\x80\xAE";

// Nothing in `text` can drive a terminal: no C0 control but newline, no DEL, no C1, no bidi.
// A body or a diff may also keep its tabs and CRLF line ends (`block`).
void checkInert(const std::string& text, bool block = false)
{
    INFO(text);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        const bool kept =
            block && (u == '\t' || (u == '\r' && i + 1 < text.size() && text[i + 1] == '\n'));
        CHECK((u >= 0x20 || u == '\n' || kept));
        CHECK(u != 0x7F);
    }
    CHECK(text.find("\xC2\x9B") == std::string::npos);
    CHECK(text.find("\xE2\x80\xAE") == std::string::npos);
}

// kEvil as the terminal shows it.
void checkShownEscaped(const std::string& text)
{
    checkInert(text);
    INFO(text);
    CHECK(text.find(R"(ok\n\x1b]0;owned\x07\x1b[31mFAKE\u009b2J\u202e)") != std::string::npos);
}

struct HostileTeam
{
    Team team;
    std::string id;
    HostileTeam()
    {
        team.init();
        team.ok("olivia", {"collection", "add", "Clients"});
        for (const char* name : {"erin", "tom", "rita"}) {
            team.addUser(name);
        }
        team.grant("erin", "editor", "Clients");
        team.grant("tom", "technician", "Clients");
        team.grant("rita", "reviewer", "Clients");
        id = team.json("erin", {"sop", "add", "Clients", "--title", "Reset a password"},
                       "1. Verify the caller.\n")["id"];
    }
};

} // namespace

TEST_CASE("a technician's ticket reference cannot forge a line in the owner's audit view",
          "[cli][hostile]")
{
    HostileTeam t;
    // What tom types as his ticket: a real-looking audit row of olivia granting mallory, and an
    // ESC sequence that erases the line it lands on.
    const std::string forged =
        "T-1\n999  2026-12-01T10:00:00Z  olivia  grant  Clients: mallory as owner\x1b[2K";
    t.team.okAtTerminal("tom", {"sop", "show", t.id, "--ticket", forged});

    const auto plain = t.team.ok("olivia", {"audit"});
    checkInert(plain.out);
    CHECK(plain.out.find(R"(T-1\n999  2026-12-01T10:00:00Z)") != std::string::npos);
    CHECK(plain.out.find(R"(\x1b[2K)") != std::string::npos);
    // Every row is a real entry: after the header, each line starts with the next sequence
    // number, so no typed text starts a row of its own.
    std::istringstream lines(plain.out);
    std::string line;
    REQUIRE(std::getline(lines, line));
    CHECK(line.starts_with("SEQ"));
    std::uint64_t expected = 0;
    while (std::getline(lines, line)) {
        INFO(line);
        const auto seq = std::stoull(line.substr(0, line.find(' ')));
        if (expected != 0) {
            CHECK(seq == expected);
        }
        expected = seq + 1;
    }
    CHECK(expected > 1);
    CHECK(plain.out.find("\n999 ") == std::string::npos);

    // JSON keeps the ticket exactly as typed.
    const json audit = t.team.json("olivia", {"audit"});
    bool exact = false;
    for (const auto& e : audit) {
        exact = exact || (e["actor"] == "tom" && e["action"] == "view" &&
                          e["detail"].get<std::string>().find(forged) != std::string::npos);
    }
    CHECK(exact);
}

TEST_CASE("a flag comment, a review comment and a version message are shown escaped; JSON is "
          "exact",
          "[cli][hostile]")
{
    HostileTeam t;
    t.team.ok("erin", {"sop", "edit", t.id, "--file", "-", "--message", kEvil},
              "1. Verify the caller.\n2. Reset it.\n");
    t.team.ok("tom", {"sop", "flag", t.id, "--comment", kEvil});
    t.team.ok("rita",
              {"review", "signoff", t.id, "--decision", "changes-requested", "--comment", kEvil});

    checkShownEscaped(t.team.ok("erin", {"sop", "history", t.id}).out);
    checkShownEscaped(t.team.ok("erin", {"sop", "flags"}).out);
    checkShownEscaped(t.team.ok("olivia", {"review", "history", t.id}).out);
    checkShownEscaped(t.team.ok("olivia", {"audit"}).out);

    const json history = t.team.json("erin", {"sop", "history", t.id});
    REQUIRE(history.size() == 2);
    CHECK(history[1]["message"] == kEvil);
    const json flags = t.team.json("erin", {"sop", "flags"});
    REQUIRE(flags.size() == 1);
    CHECK(flags[0]["comment"] == kEvil);
    const json reviews = t.team.json("olivia", {"review", "history", t.id});
    REQUIRE(reviews.size() == 1);
    CHECK(reviews[0]["comment"] == kEvil);
}

TEST_CASE("a body on a terminal keeps its lines but not its escape sequences", "[cli][hostile]")
{
    HostileTeam t;
    const std::string body = "1. Verify the caller.\n2. " + kEvil + "\n\t- indented\r\n";
    t.team.ok("erin", {"sop", "edit", t.id, "--file", "-"}, body);

    const auto shown = t.team.okAtTerminal("tom", {"sop", "show", t.id});
    checkInert(shown.out, true);
    CHECK(shown.out.find("1. Verify the caller.\n2. ok\n"
                         R"(\x1b]0;owned\x07\x1b[31mFAKE\u009b2J\u202e)") != std::string::npos);
    CHECK(shown.out.find("\n\t- indented\r\n") != std::string::npos); // tab and CRLF stay
    const auto diff = t.team.okAtTerminal("tom", {"sop", "diff", t.id, "1", "2"});
    checkInert(diff.out, true);
    CHECK(diff.out.find(R"(\x1b]0;owned\x07)") != std::string::npos);
    CHECK(t.team.jsonAtTerminal("tom", {"sop", "show", t.id})["body"] == body);
}

TEST_CASE("an error that quotes what was typed is one escaped line", "[cli][hostile]")
{
    HostileTeam t;
    const auto r = t.team.run("tom", {"sop", "show", "Reset " + kEvil});
    checkError(r, kNotFound, "not-found");
    checkInert(r.err);
    const auto tag = t.team.run("erin", {"sop", "edit", t.id, "--tags", "net\x1b[2Jwork"});
    checkError(tag, kUsage, "usage");
    checkInert(tag.err);
}

TEST_CASE("import --json over a file whose name is not UTF-8 answers in JSON, never 134",
          "[cli][hostile]")
{
    HostileTeam t;
    const auto folder = t.team.inputs() / "share";
    std::filesystem::create_directories(folder);
    writeFile(folder / "bad\xff.md", "# Printer jam\n1. Open tray 2.\n");
    writeFile(folder / "other\xfe.md", "1. No heading, so the title would be the file name.\n");

    const auto r =
        t.team.run("olivia", {"--json", "import", folder.string(), "--collection", "Clients"});
    INFO(r.describe());
    REQUIRE(endedNormally(r));
    REQUIRE(r.code == kOk);
    const json report = parseJson(r);
    CHECK(report["imported"] == 1);
    REQUIRE(report["skipped"].size() == 1);
    CHECK(report["skipped"][0]["path"] == "other\\xfe.md");

    // The version message names the file; history answers in JSON and in escaped text.
    const json list = t.team.json("olivia", {"sop", "list"});
    std::string printer;
    for (const auto& s : list) {
        if (s["title"] == "Printer jam") {
            printer = s["id"];
        }
    }
    REQUIRE_FALSE(printer.empty());
    const json history = t.team.json("olivia", {"sop", "history", printer});
    REQUIRE(history.size() == 1);
    CHECK(history[0]["message"].get<std::string>().find("bad\\xff.md") != std::string::npos);
    const auto text = t.team.ok("olivia", {"sop", "history", printer});
    CHECK(text.out.find("bad\\xff.md") != std::string::npos);
    const auto plain = t.team.run("olivia", {"import", folder.string(), "--collection", "Clients"});
    INFO(plain.describe());
    CHECK(plain.code == kOk);
    CHECK(plain.out.find("other\\xfe.md") != std::string::npos);
}
