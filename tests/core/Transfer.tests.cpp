// Search (ranking, rights, freshness, nothing on disk), import from a shared-drive folder
// (collections, titles, skip report, idempotence, all-or-nothing) and export (rights, audit,
// watermarks, round trip through import).
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <map>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::addSop;
using sopvault::test::TestVault;

namespace {

void write(const std::filesystem::path& file, std::string_view content)
{
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string read(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

SearchQuery query(std::string_view text)
{
    SearchQuery q;
    q.text = std::string(text);
    return q;
}

std::vector<std::string> titles(const std::vector<SearchHit>& hits)
{
    std::vector<std::string> out;
    for (const auto& h : hits) {
        out.push_back(h.title);
    }
    return out;
}

} // namespace

TEST_CASE("search ranks the obvious match first and only shows what the person may view",
          "[core][search]")
{
    TestVault v;
    v.addUser("tom");
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->addCollection("Finance"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        addSop(*owner, "Ops", "Password reset with identity check",
               "Verify the caller with the callback number, then reset the password in AD.\n",
               {"identity"});
        addSop(*owner, "Ops", "New user setup",
               "Create the account. Set a temporary password and force a change at first "
               "logon.\n");
        addSop(*owner, "Ops", "Monthly patching",
               "Approve updates in WSUS; reboot servers in "
               "the maintenance window.\n");
        addSop(*owner, "Finance", "Payroll password vault",
               "The payroll password rotation "
               "lives here.\n");
    }
    auto tom = v.as("tom");
    auto hits = tom->search(query("password reset"));
    REQUIRE(hits);
    REQUIRE_FALSE(hits->empty());
    CHECK(hits->front().title == "Password reset with identity check");
    CHECK_FALSE(hits->front().matches.empty());

    SECTION("prefix matching as you type")
    {
        CHECK(titles(*tom->search(query("patch"))) == std::vector<std::string>{"Monthly patching"});
        CHECK(titles(*tom->search(query("wsu"))) == std::vector<std::string>{"Monthly patching"});
    }
    SECTION("never a SOP from a collection the person may not view")
    {
        for (const char* q : {"payroll", "password", "rotation"}) {
            auto found = tom->search(query(q));
            REQUIRE(found);
            for (const auto& h : *found) {
                CHECK(h.collection == "Ops");
            }
        }
        CHECK(tom->search(query("payroll"))->empty());
    }
    SECTION("filters by tag and collection")
    {
        SearchQuery q = query("password");
        q.tag = "identity";
        CHECK(titles(*tom->search(q)) ==
              std::vector<std::string>{"Password reset with identity check"});
        SearchQuery nowhere = query("password");
        nowhere.collection = "Finance";
        CHECK(tom->search(nowhere).error().code == ErrorCode::NotFound);
    }
    SECTION("query syntax cannot leak through")
    {
        for (const char* q : {"\"", "pass\"word", "a OR b", "NEAR(x y)", "-", "*", "title:x"}) {
            auto r = tom->search(query(q));
            CHECK((r || r.error().code == ErrorCode::Usage));
        }
        CHECK(tom->search(query("   ")).error().code == ErrorCode::Usage);
    }
}

TEST_CASE("an edit is searchable at once", "[core][search]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    const Id id = addSop(*owner, "Ops", "Backup restore test", "Restore one file.\n");
    CHECK(owner->search(query("quarterly"))->empty());
    SopEdit edit;
    edit.body = "Restore one file. Do it quarterly and log the result.\n";
    REQUIRE(owner->editSop(id, edit));
    CHECK(titles(*owner->search(query("quarterly"))) ==
          std::vector<std::string>{"Backup restore test"});
    addSop(*owner, "Ops", "Brand new", "Mentions xylophone.\n");
    CHECK(titles(*owner->search(query("xylo"))) == std::vector<std::string>{"Brand new"});
}

TEST_CASE("after the vault is closed no file holds a word that was only in SOP bodies",
          "[core][search][security]")
{
    // Whole seconds: some file systems keep coarse times.
    const auto started = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(2);
    TestVault v;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        addSop(*owner, "Ops", "Title", "The body holds QUOKKAINDEXWORD and nothing else.\n");
        REQUIRE(owner->buildSearchIndex());
        REQUIRE(owner->search(query("quokkaindexword"))->size() == 1);
        REQUIRE(owner->search(query("quokka"))->size() == 1);
    }
    CHECK(test::filesContaining(v.file().parent_path(), "QUOKKAINDEXWORD", started).empty());
    CHECK(test::filesContaining(v.file().parent_path(), "quokkaindexword", started).empty());
}

TEST_CASE("import from the shared drive: collections, titles, a skip report, and idempotence",
          "[core][import]")
{
    TestVault v;
    const auto drive = v.file().parent_path() / "drive";
    write(drive / "Onboarding.md", "# New client onboarding\n\n1. Sign the MSA\n");
    write(drive / "Clients/Acme/network.markdown",
          "---\ntitle: \"Acme firewall change\"\ntags: [acme, network]\n---\n1. Open a "
          "change ticket\n");
    write(drive / "Clients/Acme/notes.txt", "just some text without a heading\n");
    write(drive / "Clients/logo.png", "\x89PNG\r\n");
    write(drive / "Clients/binary.md", std::string("abc\0def", 7));
    write(drive / "Clients/latin1.md", "caf\xE9 au lait\n");
    write(drive / "Clients/empty.md", "  \n\n");
    write(drive / "Clients/huge.md", std::string(kMaxBodyBytes + 10, 'x'));
    write(drive / ".git/config", "[core]\n");

    auto owner = v.as("olivia");
    std::vector<ImportProgress> seen;
    auto report = owner->importFolder(drive, "Imported", [&](const ImportProgress& p) {
        seen.push_back(p);
        return true;
    });
    REQUIRE(report);
    CHECK(report->imported == 3);
    CHECK(report->collectionsCreated ==
          std::vector<std::string>{"Imported", "Imported/Clients", "Imported/Clients/Acme"});
    std::map<std::string, std::string> skipped;
    for (const auto& s : report->skipped) {
        skipped[s.path] = s.reason;
    }
    CHECK(skipped.size() == 5);
    // Files no SOP references are reported once per folder and kind, not one line each.
    CHECK(skipped["Clients"].find("1 ") == 0);
    CHECK(skipped["Clients"].find("no imported SOP references") != std::string::npos);
    CHECK(skipped["Clients/binary.md"].find("binary") != std::string::npos);
    CHECK(skipped["Clients/latin1.md"].find("UTF-8") != std::string::npos);
    CHECK(skipped["Clients/empty.md"] == "empty");
    CHECK(skipped["Clients/huge.md"].find("size cap") != std::string::npos);
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.back().done == seen.back().total);

    auto list = owner->listSops();
    REQUIRE(list);
    std::map<std::string, std::string> where;
    for (const auto& s : *list) {
        where[s.title] = s.collection;
    }
    CHECK(where ==
          std::map<std::string, std::string>{{"New client onboarding", "Imported"},
                                             {"Acme firewall change", "Imported/Clients/Acme"},
                                             {"Notes", "Imported/Clients/Acme"}});
    auto acme = owner->readSop(*owner->resolveSop("Acme firewall change"));
    CHECK(acme->tags == std::vector<std::string>{"acme", "network"});
    CHECK(acme->body == "1. Open a change ticket\n");

    auto again = owner->importFolder(drive, "Imported");
    REQUIRE(again);
    CHECK(again->imported == 0);
    CHECK(again->unchanged == 3);
    CHECK(again->collectionsCreated.empty());
    CHECK(owner->listSops()->size() == 3);

    auto log = owner->audit();
    const auto imports = std::count_if(log->begin(), log->end(),
                                       [](const AuditEntry& e) { return e.action == "import"; });
    const auto creates = std::count_if(log->begin(), log->end(),
                                       [](const AuditEntry& e) { return e.action == "create"; });
    CHECK(imports == 2);
    CHECK(creates == 0);
}

TEST_CASE("an interrupted import leaves nothing half-imported", "[core][import]")
{
    TestVault v;
    const auto drive = v.file().parent_path() / "drive";
    for (int i = 0; i < 6; ++i) {
        write(drive / fmt::format("sub{}/doc{}.md", i % 2, i), fmt::format("# Doc {}\nbody\n", i));
    }
    {
        auto owner = v.as("olivia");
        auto cancelled = owner->importFolder(drive, "Imported",
                                             [](const ImportProgress& p) { return p.done < 4; });
        REQUIRE_FALSE(cancelled);
        CHECK(cancelled.error().message.find("nothing was imported") != std::string::npos);
        CHECK(owner->listSops()->empty());
        CHECK(owner->collections().empty());
        // The session is still sound and usable.
        REQUIRE(owner->addCollection("Afterwards"));
    }
    auto owner = v.as("olivia");
    CHECK(owner->listSops()->empty());
    CHECK(owner->collections().size() == 1);
    CHECK(v.verifyAsOwner().ok);
}

TEST_CASE("export needs the export right; a denial writes nothing and is audited", "[core][export]")
{
    TestVault v;
    v.addUser("tom");
    Id id{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        id = addSop(*owner, "Ops", "P1 major incident", "Open a bridge.\n");
    }
    const auto out = v.file().parent_path() / "out.md";
    {
        auto tom = v.as("tom");
        auto denied = tom->exportSop(id, ExportFormat::Markdown, out);
        REQUIRE_FALSE(denied);
        CHECK(denied.error().code == ErrorCode::Denied);
        CHECK(tom->exportCollection("Ops", ExportFormat::Html, v.file().parent_path() / "tree")
                  .error()
                  .code == ErrorCode::Denied);
    }
    CHECK_FALSE(std::filesystem::exists(out));
    CHECK_FALSE(std::filesystem::exists(v.file().parent_path() / "tree"));
    auto owner = v.as("olivia");
    auto log = owner->audit();
    CHECK(std::count_if(log->begin(), log->end(), [](const AuditEntry& e) {
              return e.action == "export-denied" && e.actor == "tom";
          }) == 2);
}

TEST_CASE("every exported file carries the watermark, and a Markdown tree re-imports to the "
          "same SOPs",
          "[core][export]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Playbook"));
    REQUIRE(owner->addCollection("Playbook/Security"));
    const Id one =
        addSop(*owner, "Playbook", "Backup restore test",
               "- [ ] restore\n- [x] log\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", {"backup"});
    addSop(*owner, "Playbook/Security", "Security alert triage",
           "<script>alert(1)</script>\n[x](javascript:alert(1))\n");
    const auto dir = v.file().parent_path();

    auto md = owner->exportSop(one, ExportFormat::Markdown, dir / "one.md");
    REQUIRE(md);
    const std::string mdText = read(dir / "one.md");
    CHECK(mdText.find("> Exported from SOP Vault by olivia on") != std::string::npos);
    CHECK(mdText.find(owner->vaultId()) != std::string::npos);
    CHECK(mdText.find("version 1") != std::string::npos);
    CHECK(owner->exportSop(one, ExportFormat::Markdown, dir / "one.md").error().code ==
          ErrorCode::Failed); // never overwrites

    REQUIRE(owner->exportSop(one, ExportFormat::Html, dir / "one.html"));
    const std::string html = read(dir / "one.html");
    CHECK(html.find("Exported from SOP Vault by olivia") != std::string::npos);
    CHECK(html.find("<table>") != std::string::npos);
    CHECK(html.find("type=\"checkbox\"") != std::string::npos);
    CHECK(html.find("Content-Security-Policy") != std::string::npos);

    auto tree = owner->exportCollection("Playbook", ExportFormat::Html, dir / "html-tree");
    REQUIRE(tree);
    CHECK(tree->sops == 2);
    for (const auto& file : tree->files) {
        const std::string text = read(file);
        CHECK(text.find("Exported from SOP Vault by olivia") != std::string::npos);
        CHECK(text.find("<script>") == std::string::npos);
        CHECK(text.find("javascript:") == std::string::npos);
    }
    CHECK(std::filesystem::exists(dir / "html-tree/Security/Security alert triage.html"));

    auto mdTree = owner->exportCollection("Playbook", ExportFormat::Markdown, dir / "md-tree");
    REQUIRE(mdTree);
    auto reimport = owner->importFolder(dir / "md-tree", "Playbook");
    REQUIRE(reimport);
    CHECK(reimport->unchanged == 2);
    CHECK(reimport->imported == 0);
    CHECK(reimport->updated == 0);

    auto log = owner->audit();
    const auto exports = std::count_if(log->begin(), log->end(),
                                       [](const AuditEntry& e) { return e.action == "export"; });
    CHECK(exports == 4);
}
