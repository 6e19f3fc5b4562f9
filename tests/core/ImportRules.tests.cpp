// Import on a real shared drive: titles (front matter, heading outside code, a site's nav, the
// file name made readable), the other spellings of a title still finding the SOP, front-matter
// metadata kept, identity by source path (a renamed title updates the same SOP), the report
// naming every file, and the files that are not SOPs (build files, licences, templates).
#include "sopvault/core/ImportRules.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::addSop;
using sopvault::test::TestVault;

namespace {

const std::filesystem::path kSites = std::filesystem::path(SOPVAULT_TEST_DATA) / "sites";

void write(const std::filesystem::path& file, std::string_view content)
{
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::map<std::string, ImportedFile> byPath(const ImportReport& report)
{
    std::map<std::string, ImportedFile> out;
    for (const auto& f : report.files) {
        out.emplace(f.path, f);
    }
    return out;
}

std::string metadataOf(const SopVersionView& view, const std::string& key)
{
    for (const auto& [k, v] : view.metadata) {
        if (k == key) {
            return v;
        }
    }
    return "(none)";
}

} // namespace

TEST_CASE("normaliseTitle makes the spellings of one title equal, and only those",
          "[core][import][titles]")
{
    const auto [a, b] = GENERATE(table<std::string, std::string>({
        {"KubePodCrashLooping", "Kube Pod Crash Looping"},
        {"kube-pod-crash-looping", "Kube  Pod, Crash: Looping!"},
        {"HTTPServerDown", "http server down"},
        {"severity_levels", "Severity Levels"},
        {"Ceph OSD down", "CephOSDDown"},
        {"disk2full", "Disk 2 full"},
    }));
    CHECK(normaliseTitle(a) == normaliseTitle(b));
    CHECK_FALSE(normaliseTitle(a).empty());
    CHECK(normaliseTitle("KubePodCrashLooping") != normaliseTitle("KubePodNotReady"));
    CHECK(normaliseTitle("Reset password") != normaliseTitle("Reset passwords"));
    CHECK(normaliseTitle("  !! ") == "");
}

TEST_CASE("a file name is made a readable title", "[core][import][titles]")
{
    CHECK(readableFileName("severity_levels") == "Severity levels");
    CHECK(readableFileName("whos-oncall") == "Whos oncall");
    CHECK(readableFileName("DNS__flush-") == "DNS flush");
    CHECK(readableFileName("notes") == "Notes");
    CHECK(readableFileName("___") == "___"); // nothing readable: kept as it was
}

TEST_CASE("the first heading is found outside code only", "[core][import][titles]")
{
    CHECK(firstHeading("intro\n\n# Real title #\n\n# second\n") == "Real title");
    CHECK(firstHeading("```powershell\n# stop the service first\n```\n# After\n") == "After");
    CHECK(firstHeading("~~~\n# inside tildes\n```\n# still inside\n~~~\n# Out\n") == "Out");
    CHECK(firstHeading("````\n```\n# inside a longer fence\n````\n") == "");
    CHECK(firstHeading("para\n\n    # indented code\n\n\t# tab code\n") == "");
    CHECK(firstHeading("Setext title\n============\n\n# later\n") == "Setext title");
    CHECK(firstHeading("## Steps\n#hashtag\n#\n") == "");
    CHECK(firstHeading("   # three spaces is still a heading\n") ==
          "three spaces is still a heading");
    CHECK(firstHeading("```\n# never closed\n") == "");
}

TEST_CASE("mkdocs.yml nav gives page titles in its usual forms", "[core][import][titles]")
{
    const auto titles = mkdocsNavTitles("site_name: X\n"
                                        "nav:\n"
                                        "  - Home: index.md\n"
                                        "  - 'Quoted: with colon': a/quoted.md\n"
                                        "  - Section:\n"
                                        "      - \"Nested\": 'a/b/nested.md'\n"
                                        "      - a/untitled.md\n"
                                        "  - Outside: https://example.com/page.md\n"
                                        "  - Not markdown: a/file.pdf\n"
                                        "theme:\n"
                                        "  - Late: late.md\n");
    CHECK(titles == std::map<std::string, std::string>{{"docs/index.md", "Home"},
                                                       {"docs/a/quoted.md", "Quoted: with colon"},
                                                       {"docs/a/b/nested.md", "Nested"}});
    const auto other = mkdocsNavTitles("docs_dir: 'pages'\nnav:\n- One: ./x/../one.md\n");
    CHECK(other == std::map<std::string, std::string>{{"pages/one.md", "One"}});
}

TEST_CASE("the files that are not SOPs, each with its reason", "[core][import][rules]")
{
    const auto [path, reason] = GENERATE(table<std::string, std::string>({
        {"requirements.txt", "a build or dependency file, not a SOP"},
        {"docs/requirements-dev.txt", "a build or dependency file, not a SOP"},
        {"runtime.txt", "a build or dependency file, not a SOP"},
        {"package.json", "a build or dependency file, not a SOP"},
        {"Makefile", "a build or dependency file, not a SOP"},
        {"poetry.lock", "a build or dependency file, not a SOP"},
        {"LICENSE", "a licence, not a SOP"},
        {"sub/COPYING.txt", "a licence, not a SOP"},
        {"LICENSE.md", "a licence, not a SOP"},
        {"CHANGELOG.md", "a changelog (the folder's history; the vault keeps each SOP's versions)"},
        {"example.md", "a template, not a SOP"},
        {"docs/Template.md", "a template, not a SOP"},
        {"incident-template.md", "a template, not a SOP"},
        {"templates/outage.md", "a template, not a SOP"},
        {"archetypes/default.md", "a template, not a SOP"},
    }));
    CAPTURE(path);
    CHECK(notASop(path) == reason);
}

TEST_CASE("files that look close to the rules are still SOPs", "[core][import][rules]")
{
    for (const char* path : {"notes.txt", "README.md", "examples-of-escalation.md",
                             "license-renewal.md", "change-management.md", "requirements/intake.md",
                             "docs/dns.txt", "contoso/example-corp-onboarding.md"}) {
        CAPTURE(path);
        CHECK_FALSE(notASop(path));
    }
}

TEST_CASE("front matter: tags in every YAML form, the summary, the other keys kept",
          "[core][import][metadata]")
{
    const auto inline_ = parseSopFile("---\ntags: [a, 'b', \"c\"]\n---\nbody\n", "x.md");
    CHECK(inline_.tags == std::vector<std::string>{"a", "b", "c"});
    const auto block =
        parseSopFile("---\ntags:\n  - a\n  - 'b c'\n-  d\nowner: x\n---\nbody\n", "x.md");
    CHECK(block.tags == std::vector<std::string>{"a", "b c", "d"});
    CHECK(block.metadata == std::vector<std::pair<std::string, std::string>>{{"owner", "x"}});
    const auto comma = parseSopFile("---\ntags: disk, node\n---\nbody\n", "x.md");
    CHECK(comma.tags == std::vector<std::string>{"disk", "node"});

    const auto described = parseSopFile(
        "---\ndescription: \"What it is for.\"\nauthor: Sam\ncategories:\n  - ops\n  - desk\n"
        "params:\n  team: platform\n---\n# T\n",
        "x.md");
    CHECK(described.summary == "What it is for.");
    CHECK(described.title == "T");
    CHECK(described.metadata ==
          std::vector<std::pair<std::string, std::string>>{
              {"author", "Sam"}, {"categories", "ops, desk"}, {"params", "team: platform"}});

    // summary: wins over description, which is then kept as metadata; block scalars fold.
    const auto both = parseSopFile(
        "---\nsummary: >\n  Two lines\n  folded.\ndescription: Longer text.\n---\nbody\n", "x.md");
    CHECK(both.summary == "Two lines folded.");
    CHECK(both.metadata ==
          std::vector<std::pair<std::string, std::string>>{{"description", "Longer text."}});
    const auto literal = parseSopFile("---\nsummary: |\n  one\n  two\n---\nbody\n", "x.md");
    CHECK(literal.summary == "one\ntwo");

    const auto toml = parseSopFile(
        "+++\ntitle = \"From TOML\"\ntags = [\"x\", \"y\"]\nweight = 3\n+++\nbody\n", "x.md");
    CHECK(toml.title == "From TOML");
    CHECK(toml.tags == std::vector<std::string>{"x", "y"});
    CHECK(toml.metadata == std::vector<std::pair<std::string, std::string>>{{"weight", "3"}});
    CHECK(toml.body == "body\n");

    const auto empty = parseSopFile("---\n---\nJust text\n", "on_call.md", "From the site");
    CHECK(empty.title == "From the site");
    CHECK(empty.body == "Just text\n");
    CHECK(parseSopFile("Just text\n", "on_call.md").title == "On call");
}

TEST_CASE("an mkdocs site imports with its nav titles, its metadata, and its build files "
          "skipped",
          "[core][import][titles][metadata][rules]")
{
    TestVault v;
    auto owner = v.as("olivia");
    auto report = owner->importFolder(kSites / "mkdocs", "Platform");
    REQUIRE(report);
    CHECK(report->imported == 6);
    const auto files = byPath(*report);
    std::vector<std::string> order;
    for (const auto& f : report->files) {
        order.push_back(f.path);
    }
    CHECK(std::is_sorted(order.begin(), order.end()));
    // Every file of the folder is named, and says what became of it.
    CHECK(order == std::vector<std::string>{
                       "CHANGELOG.md", "LICENSE", "Makefile", "docs/alerts/KubePodCrashLooping.md",
                       "docs/alerts/node_disk_pressure.md", "docs/example.md", "docs/index.md",
                       "docs/process/escalation.md", "docs/process/severity_levels.md",
                       "docs/process/whos-oncall.md", "docs/template.md", "mkdocs.yml",
                       "package.json", "requirements.txt", "runtime.txt"});
    const std::map<std::string, std::string> titles{
        {"docs/index.md", "Platform runbooks"}, // its heading, before the nav's "Home"
        {"docs/process/severity_levels.md", "Severity levels"}, // the nav; not the # in code
        {"docs/process/whos-oncall.md", "Who's on call"},
        {"docs/process/escalation.md", "Escalation"}, // in the nav without a title
        {"docs/alerts/KubePodCrashLooping.md", "Kube Pod Crash Looping"},
        {"docs/alerts/node_disk_pressure.md", "Node disk pressure"},
    };
    for (const auto& [path, title] : titles) {
        CAPTURE(path);
        REQUIRE(files.contains(path));
        CHECK(files.at(path).outcome == ImportOutcome::Added);
        CHECK(files.at(path).title == title);
        CHECK(owner->resolveSop(title) == files.at(path).id);
    }
    const std::map<std::string, std::string> reasons{
        {"CHANGELOG.md", "a changelog (the folder's history; the vault keeps each SOP's versions)"},
        {"LICENSE", "a licence, not a SOP"},
        {"Makefile", "a build or dependency file, not a SOP"},
        {"docs/example.md", "a template, not a SOP"},
        {"docs/template.md", "a template, not a SOP"},
        {"mkdocs.yml", "a build or dependency file, not a SOP"},
        {"package.json", "a build or dependency file, not a SOP"},
        {"requirements.txt", "a build or dependency file, not a SOP"},
        {"runtime.txt", "a build or dependency file, not a SOP"},
    };
    for (const auto& [path, reason] : reasons) {
        CAPTURE(path);
        CHECK(files.at(path).outcome == ImportOutcome::Skipped);
        CHECK(files.at(path).reason == reason);
        CHECK(isZero(files.at(path).id));
    }

    auto kube = owner->readSop(files.at("docs/alerts/KubePodCrashLooping.md").id);
    REQUIRE(kube);
    CHECK(kube->summary ==
          "A pod keeps restarting; find out why before it takes the service down.");
    CHECK(kube->tags == std::vector<std::string>{"kubernetes", "alerts"});
    CHECK(kube->sourcePath == "docs/alerts/KubePodCrashLooping.md");
    CHECK(metadataOf(*kube, "severity") == "critical");
    CHECK(metadataOf(*kube, "owner") == "platform-team");
    auto disk = owner->readSop(files.at("docs/alerts/node_disk_pressure.md").id);
    CHECK(disk->summary == "A node is short of disk; pods on it are evicted until it is freed.");
    CHECK(disk->tags == std::vector<std::string>{"disk", "node"});
    CHECK(report->metadataKept ==
          std::map<std::string, std::size_t>{{"owner", 2}, {"severity", 1}});

    auto list = owner->listSops();
    REQUIRE(list);
    const auto line = std::find_if(list->begin(), list->end(), [](const SopSummary& s) {
        return s.title == "Node disk pressure";
    });
    REQUIRE(line != list->end());
    CHECK(line->summary == disk->summary);
}

TEST_CASE("a Hugo site: TOML and YAML front matter, a heading only in code, archetypes and "
          "templates skipped",
          "[core][import][titles][rules]")
{
    TestVault v;
    auto owner = v.as("olivia");
    auto report = owner->importFolder(kSites / "hugo", "Desk");
    REQUIRE(report);
    const auto files = byPath(*report);
    CHECK(report->imported == 3);
    CHECK(files.at("content/_index.md").title == "Service desk runbooks");
    CHECK(files.at("content/backups/restore-a-file.md").title == "Restore a deleted file");
    CHECK(files.at("content/backups/verify_backups.md").title == "Verify backups");
    CHECK(files.at("archetypes/default.md").reason == "a template, not a SOP");
    CHECK(files.at("templates/incident.md").reason == "a template, not a SOP");
    CHECK(files.at("hugo.toml").outcome == ImportOutcome::Skipped);
    auto index = owner->readSop(files.at("content/_index.md").id);
    CHECK(index->summary == "How the service desk restores, verifies and escalates.");
    CHECK(index->tags == std::vector<std::string>{"desk", "index"});
    auto verify = owner->readSop(files.at("content/backups/verify_backups.md").id);
    CHECK(verify->tags == std::vector<std::string>{"backup", "verify"});
    CHECK(report->metadataKept ==
          std::map<std::string, std::size_t>{{"date", 1}, {"draft", 1}, {"weight", 2}});
}

TEST_CASE("re-import matches by source path: a renamed title updates the same SOP",
          "[core][import][identity]")
{
    TestVault v;
    const auto drive = v.file().parent_path() / "drive";
    write(drive / "vpn.md", "---\ntitle: VPN resett\n---\n1. Reset the token.\n");
    write(drive / "other.md", "# Printer jam\n\n1. Open tray 2.\n");
    auto owner = v.as("olivia");
    auto first = owner->importFolder(drive, "Desk");
    REQUIRE(first);
    const Id vpn = byPath(*first).at("vpn.md").id;

    write(drive / "vpn.md", "---\ntitle: VPN reset\n---\n1. Reset the token.\n");
    auto second = owner->importFolder(drive, "Desk");
    REQUIRE(second);
    CHECK(second->imported == 0);
    CHECK(second->updated == 1);
    CHECK(second->unchanged == 1);
    const auto files = byPath(*second);
    CHECK(files.at("vpn.md").id == vpn);
    CHECK(files.at("vpn.md").outcome == ImportOutcome::Updated);
    CHECK(files.at("vpn.md").title == "VPN reset");
    CHECK(files.at("other.md").outcome == ImportOutcome::Unchanged);
    CHECK(owner->listSops()->size() == 2);
    auto now = owner->readSop(vpn);
    CHECK(now->title == "VPN reset");
    CHECK(now->version == 2);
    CHECK_FALSE(owner->resolveSop("VPN resett"));

    // A file moved within its folder keeps its SOP by title; a new file of another SOP's title
    // whose own file is still there does not take it over.
    std::filesystem::rename(drive / "other.md", drive / "printer.md");
    write(drive / "copy.md", "---\ntitle: VPN reset\n---\n1. Someone else's copy.\n");
    auto third = owner->importFolder(drive, "Desk");
    REQUIRE(third);
    const auto moved = byPath(*third);
    CHECK(moved.at("printer.md").id == byPath(*first).at("other.md").id);
    CHECK(moved.at("vpn.md").id == vpn);
    CHECK(moved.at("vpn.md").outcome == ImportOutcome::Unchanged);
    CHECK(moved.at("copy.md").id != vpn);
    CHECK(moved.at("copy.md").outcome == ImportOutcome::Added);
    CHECK(owner->readSop(vpn)->body == "1. Reset the token.\n");
    CHECK(owner->readSop(moved.at("printer.md").id)->sourcePath == "printer.md");
}

TEST_CASE("another spelling of a title finds the SOP when it is unique, else names the "
          "candidates",
          "[core][titles]")
{
    TestVault v;
    v.addUser("tom");
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    REQUIRE(owner->addCollection("Hidden"));
    REQUIRE(owner->grant("tom", "technician", "Ops"));
    const Id kube = addSop(*owner, "Ops", "Kube Pod Crash Looping", "1. Describe the pod.\n");
    const Id disk =
        addSop(*owner, "Ops", "Disk fills up", "# NodeFilesystemSpaceFillingUp\n\n1. du -xh\n");
    const Id reset1 = addSop(*owner, "Ops", "Reset password", "1. a\n");
    const Id reset2 = addSop(*owner, "Ops", "reset-password", "1. b\n");
    addSop(*owner, "Hidden", "Secret Runbook", "1. c\n");

    auto tom = v.as("tom");
    CHECK(tom->resolveSop("KubePodCrashLooping") == kube);
    CHECK(tom->resolveSop("kube pod crash-looping") == kube);
    CHECK(tom->resolveSop("NodeFilesystemSpaceFillingUp") == disk); // by its heading
    CHECK(tom->resolveSop("Reset password") == reset1);             // exact wins
    auto near = tom->resolveSop("RESET PASSWORD");
    REQUIRE_FALSE(near);
    CHECK(near.error().code == ErrorCode::NotFound);
    CHECK(near.error().message.find(toHex(reset1)) != std::string::npos);
    CHECK(near.error().message.find(toHex(reset2)) != std::string::npos);
    CHECK(near.error().message.find("'reset-password'") != std::string::npos);
    // What the person may not view is never a candidate, nor named.
    auto hidden = tom->resolveSop("SecretRunbook");
    REQUIRE_FALSE(hidden);
    CHECK(hidden.error().code == ErrorCode::NotFound);
    CHECK(hidden.error().message.find("Hidden") == std::string::npos);
    CHECK(owner->resolveSop("SecretRunbook"));
    CHECK_FALSE(tom->resolveSop("Kube Pod"));
}
