// sop attach, attachments, attachment and attachment-caps in sopvault-cli, on a local vault:
// the JSON floor of cli.md, a version listing its own files, saving one out (the export right,
// audited), the refusals, and the owners' caps with the error that points at them.
#include "CliRunner.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace sopvault::clitest;

namespace {

// The first bytes of a PNG, then a marker: enough for the type to come from the content.
std::string pngBytes(std::string_view marker)
{
    return std::string("\x89PNG\r\n\x1a\n", 8) + std::string(marker);
}

} // namespace

TEST_CASE("sop attach, attachments and attachment on a local vault", "[cli][attachments]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Ops"});
    const std::string id = team.json("olivia", {"sop", "add", "Ops", "--title", "Reset a password"},
                                     "![Reset dialog](shots/reset.png)\n")["id"];
    std::filesystem::create_directories(team.inputs() / "shots");
    const std::string png = pngBytes("the reset dialog");
    writeFile(team.inputs() / "shots" / "reset.png", png);
    writeFile(team.inputs() / "notes.bin", "not an image at all");

    // Relative paths are the names the Markdown uses; run from the inputs folder.
    const auto attached = team.json("olivia", {"sop", "attach", "Reset a password",
                                               (team.inputs() / "shots/reset.png").string(),
                                               (team.inputs() / "notes.bin").string(), "--message",
                                               "the screenshot"});
    CHECK(attached["id"] == id);
    CHECK(attached["version"] == 2);

    const auto listed = team.json("olivia", {"sop", "attachments", id});
    REQUIRE(listed.size() == 2);
    for (const auto& a : listed) {
        CHECK(a.contains("name"));
        CHECK(a.contains("type"));
        CHECK(a.contains("size"));
        CHECK(a["hash"].get<std::string>().size() == 64);
    }
    const auto image = listed[0]["name"] == "reset.png" ? listed[0] : listed[1];
    CHECK(image["name"] == "reset.png");
    CHECK(image["type"] == "image/png");
    CHECK(image["size"] == png.size());
    // Version 1 had none: each version lists exactly its own.
    CHECK(team.json("olivia", {"sop", "attachments", id, "--version", "1"}).empty());

    // Saving one out: the owner may export; the bytes are the ones attached.
    const auto out = team.inputs() / "saved.png";
    const auto saved =
        team.json("olivia", {"sop", "attachment", id, "reset.png", "--out", out.string()});
    CHECK(saved["out"] == out.string());
    CHECK(readFile(out) == png);
    // It must not exist yet: nothing is overwritten (as for an export).
    checkError(team.run("olivia", {"sop", "attachment", id, "reset.png", "--out", out.string()}),
               kFailed, "failed");
    CHECK(readFile(out) == png);
    checkError(team.run("olivia", {"sop", "attachment", id, "missing.png", "--out",
                                   (team.inputs() / "missing.png").string()}),
               kNotFound, "not-found");
    const auto audit = team.json("olivia", {"audit"});
    int saves = 0;
    for (const auto& entry : audit) {
        saves += entry["action"] == "save-attachment" &&
                         entry.dump().find("reset.png") != std::string::npos
                     ? 1
                     : 0;
    }
    CHECK(saves == 1);

    // A technician sees the list but may not save the file out, nor attach.
    team.addUser("tom");
    team.grant("tom", "technician", "Ops");
    CHECK(team.json("tom", {"sop", "attachments", id}).size() == 2);
    const auto tomOut = team.inputs() / "tom.png";
    checkError(team.run("tom", {"sop", "attachment", id, "reset.png", "--out", tomOut.string()}),
               kDenied, "denied");
    CHECK_FALSE(std::filesystem::exists(tomOut));
    checkError(team.run("tom", {"sop", "attach", id, (team.inputs() / "notes.bin").string()}),
               kDenied, "denied");
}

TEST_CASE("sop attachment-caps: owners set them, the cap error names the command",
          "[cli][attachments]")
{
    Team team;
    team.init();
    team.ok("olivia", {"collection", "add", "Ops"});
    team.ok("olivia", {"sop", "add", "Ops", "--title", "Big files"}, "Files.\n");
    const auto defaults = team.json("olivia", {"sop", "attachment-caps"});
    CHECK(defaults["file_mb"].get<int>() >= 1);
    CHECK(defaults["sop_mb"].get<int>() >= defaults["file_mb"].get<int>());

    const auto set = team.json("olivia", {"sop", "attachment-caps", "--file-mb", "1"});
    CHECK(set["file_mb"] == 1);
    CHECK(set["sop_mb"] == defaults["sop_mb"]);

    const std::string big = team.inputFile("big.png", pngBytes(std::string(1100 * 1024, 'x')));
    const auto refused = team.run("olivia", {"sop", "attach", "Big files", big});
    checkError(refused, kUsage, "usage");
    CHECK(refused.err.find("sop attachment-caps --file-mb") != std::string::npos);
    CHECK(team.json("olivia", {"sop", "attachments", "Big files"}).empty());

    team.ok("olivia", {"sop", "attachment-caps", "--file-mb", "2"});
    CHECK(team.json("olivia", {"sop", "attach", "Big files", big})["version"] == 2);

    // Out of range, or not an owner: refused, and nothing changes.
    checkError(team.run("olivia", {"sop", "attachment-caps", "--file-mb", "5000"}), kUsage,
               "usage");
    checkError(team.run("olivia", {"sop", "attachment-caps", "--sop-mb", "0"}), kUsage, "usage");
    team.addUser("erin");
    team.grant("erin", "editor", "Ops");
    checkError(team.run("erin", {"sop", "attachment-caps", "--file-mb", "100"}), kDenied, "denied");
    CHECK(team.json("erin", {"sop", "attachment-caps"})["file_mb"] == 2);
}
