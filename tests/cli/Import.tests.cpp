// sopvault-cli import on a documentation site's folder: the report names every file with what
// became of it, skips are grouped by reason, summaries show in `sop list` and `sop show`, and
// another spelling of an alert's title finds its SOP.
#include "CliRunner.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace sopvault::clitest;

namespace {
const std::filesystem::path kMkdocs = std::filesystem::path(SOPVAULT_TEST_DATA) / "sites/mkdocs";
} // namespace

TEST_CASE("import --json names every file, sorted, and what became of it", "[cli][import]")
{
    Team team;
    team.init();
    const auto report =
        team.json("olivia", {"import", kMkdocs.string(), "--collection", "Platform"});
    CHECK(report["imported"] == 6);
    REQUIRE(report["sops"].is_array());
    std::vector<std::string> paths;
    std::map<std::string, nlohmann::json> byPath;
    for (const auto& f : report["sops"]) {
        REQUIRE(f.contains("path"));
        REQUIRE(f.contains("id"));
        REQUIRE(f.contains("title"));
        REQUIRE(f.contains("outcome"));
        paths.push_back(f["path"]);
        byPath[f["path"]] = f;
    }
    CHECK(std::is_sorted(paths.begin(), paths.end()));
    CHECK(paths.size() == 15);
    const auto kube = byPath["docs/alerts/KubePodCrashLooping.md"];
    CHECK(kube["outcome"] == "added");
    CHECK(kube["title"] == "Kube Pod Crash Looping");
    CHECK(byPath["requirements.txt"]["outcome"] == "skipped");
    CHECK(byPath["requirements.txt"]["reason"] == "a build or dependency file, not a SOP");
    CHECK(byPath["requirements.txt"]["id"] == "");
    CHECK(report["metadata_kept"] == nlohmann::json{{"owner", 2}, {"severity", 1}});

    // The alert's name as people type it finds the SOP titled otherwise.
    const auto shown = team.json("olivia", {"sop", "show", "KubePodCrashLooping"});
    CHECK(shown["id"] == kube["id"]);
    CHECK(shown["summary"] ==
          "A pod keeps restarting; find out why before it takes the service down.");
    CHECK(shown["source_path"] == "docs/alerts/KubePodCrashLooping.md");
    CHECK(shown["metadata"]["severity"] == "critical");
    const auto list = team.json("olivia", {"sop", "list"});
    bool listed = false;
    for (const auto& s : list) {
        if (s["id"] == kube["id"]) {
            listed = s["summary"] == shown["summary"];
        }
    }
    CHECK(listed);

    // The same folder again: every SOP unchanged, the same ids.
    const auto again =
        team.json("olivia", {"import", kMkdocs.string(), "--collection", "Platform"});
    CHECK(again["imported"] == 0);
    CHECK(again["unchanged"] == 6);
    for (const auto& f : again["sops"]) {
        CHECK(f["id"] == byPath[f["path"]]["id"]);
    }
}

TEST_CASE("import's human report groups the skips by reason", "[cli][import]")
{
    Team team;
    team.init();
    const auto r = team.ok("olivia", {"import", kMkdocs.string(), "--collection", "Platform"});
    const auto group = r.out.find("skipped, a build or dependency file, not a SOP:\n");
    REQUIRE(group != std::string::npos);
    const auto next = r.out.find("skipped, ", group + 1);
    const std::string members = r.out.substr(group, next - group);
    for (const char* path :
         {"Makefile", "mkdocs.yml", "package.json", "requirements.txt", "runtime.txt"}) {
        CAPTURE(path);
        CHECK(members.find(std::string("    ") + path + "\n") != std::string::npos);
    }
    CHECK(r.out.find("skipped, a template, not a SOP:\n    docs/example.md\n    "
                     "docs/template.md\n") != std::string::npos);
    CHECK(r.out.find("front matter kept with the SOPs: owner (2), severity (1)") !=
          std::string::npos);
    // A near spelling shared by two SOPs is "not found", naming both.
    team.ok("olivia", {"sop", "add", "Platform", "--title", "Severity-Levels"}, "1. x\n");
    const auto near = team.run("olivia", {"sop", "show", "SeverityLevels"});
    checkError(near, kNotFound, "not-found");
    CHECK(near.err.find("'Severity levels'") != std::string::npos);
    CHECK(near.err.find("'Severity-Levels'") != std::string::npos);
}
