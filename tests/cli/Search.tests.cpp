// sopvault-cli search: matches marked without Markdown (bold on a terminal, « » in a pipe,
// ranges in JSON), and the sealed index that the next process reuses while `sop list` never
// makes one.
#include "CliRunner.h"

#include <catch2/catch.hpp>

using namespace sopvault::clitest;
using nlohmann::json;

namespace {

std::vector<std::filesystem::path> indexFiles(const Team& team)
{
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(team.cli().home() / "state", ec)) {
        if (entry.path().extension() == ".search") {
            out.push_back(entry.path());
        }
    }
    return out;
}

struct Library
{
    Team team;
    Library()
    {
        team.init();
        team.ok("olivia", {"collection", "add", "Ops"});
        const auto body = team.inputFile(
            "alert.md", "When the disk is full, rotate the logs [like this](x) first.\n");
        team.ok("olivia",
                {"sop", "add", "Ops", "--title", "NodeFilesystemSpaceFillingUp", "--file", body});
    }
};

} // namespace

TEST_CASE("search marks matches in a way no Markdown reader takes for markup", "[cli][search]")
{
    Library lib;
    SECTION("JSON: the snippet plain, the matches as ranges, cli.md's floor kept")
    {
        const json hits = lib.team.json("olivia", {"search", "filesystem rotate"});
        REQUIRE(hits.size() == 1);
        const json& hit = hits[0];
        for (const char* field : {"id", "title", "collection", "snippet", "score", "matches"}) {
            INFO(field);
            CHECK(hit.contains(field));
        }
        const std::string snippet = hit["snippet"];
        CHECK(snippet.find("«") == std::string::npos);
        CHECK(snippet.find("\x1b") == std::string::npos);
        CHECK(snippet.find("[like this](x)") != std::string::npos); // the text as it is
        REQUIRE(hit["matches"].size() == 1);
        const std::size_t start = hit["matches"][0][0];
        const std::size_t length = hit["matches"][0][1];
        CHECK(snippet.substr(start, length) == "rotate");
    }
    SECTION("a pipe: « » around each match, no escape codes")
    {
        const auto r = lib.team.ok("olivia", {"search", "rotate logs"});
        CHECK(r.out.find("«rotate»") != std::string::npos);
        CHECK(r.out.find("«logs»") != std::string::npos);
        CHECK(r.out.find('\x1b') == std::string::npos);
    }
    SECTION("a terminal: bold, unless NO_COLOR or TERM=dumb")
    {
        const auto r = lib.team.okAtTerminal("olivia", {"search", "rotate"});
        CHECK(r.out.find("\x1b[1mrotate\x1b[0m") != std::string::npos);
        CHECK(r.out.find("«") == std::string::npos);
        const auto plain =
            lib.team.okAtTerminal("olivia", {"search", "rotate"}, {}, {{"NO_COLOR", "1"}});
        CHECK(plain.out.find("«rotate»") != std::string::npos);
        CHECK(plain.out.find('\x1b') == std::string::npos);
    }
}

TEST_CASE("the next process reuses the sealed index, and sop list makes none", "[cli][search]")
{
    Library lib;
    lib.team.ok("olivia", {"sop", "list"});
    CHECK(indexFiles(lib.team).empty());
    CHECK(lib.team.json("olivia", {"search", "filling up"}).size() == 1);
    const auto files = indexFiles(lib.team);
    REQUIRE(files.size() == 1);
    const std::string sealed = readFile(files.front());
    CHECK(sealed.find("rotate") == std::string::npos);
    CHECK(sealed.find("Filesystem") == std::string::npos);
    // Unchanged vault: opened as it was, not written again.
    CHECK(lib.team.json("olivia", {"search", "rotate"}).size() == 1);
    CHECK(readFile(files.front()) == sealed);
    // A new SOP: found by the next process, which brings the index up to date.
    const auto body = lib.team.inputFile("dns.md", "Flush the resolver cache.\n");
    lib.team.ok("olivia", {"sop", "add", "Ops", "--title", "DNS", "--file", body});
    const json hits = lib.team.json("olivia", {"search", "resolver"});
    REQUIRE(hits.size() == 1);
    CHECK(hits[0]["title"] == "DNS");
    CHECK(readFile(files.front()) != sealed);
}
