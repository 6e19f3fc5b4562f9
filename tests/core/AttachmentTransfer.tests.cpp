// Attachments through import and export (issue 16 items 2 and 6): the files a SOP's Markdown
// references come in as its attachments, leave beside it (Markdown) or inside it (HTML), survive
// the round trip by hash, and never reach the disk in plaintext while in the vault.
#include "TestVault.h"
#include "sopvault/core/Links.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

const std::filesystem::path kCorpus = std::filesystem::path(SOPVAULT_TEST_DATA) / "runbooks";

std::string read(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string hashOf(const std::filesystem::path& file)
{
    const std::string bytes = read(file);
    return crypto::toHex(crypto::hash32(crypto::asBytes(bytes)));
}

// name -> hash of every attachment of each SOP, by title.
std::map<std::string, std::map<std::string, std::string>> attachmentsByTitle(Session& s)
{
    std::map<std::string, std::map<std::string, std::string>> out;
    const auto sops = s.listSops();
    REQUIRE(sops);
    for (const auto& sop : *sops) {
        auto list = s.attachments(sop.id, std::nullopt);
        REQUIRE(list);
        for (const auto& a : *list) {
            out[sop.title][a.name] = a.hash;
        }
    }
    return out;
}

const std::string kShots = "../../helpers/screenshots/";

} // namespace

TEST_CASE("import brings the files a SOP references as its attachments",
          "[core][import][attachments]")
{
    TestVault v;
    const auto since = std::filesystem::file_time_type::clock::now();
    auto owner = v.as("olivia");
    REQUIRE(owner->importFolder(kCorpus, "Runbooks"));

    auto pvc = owner->attachments(*owner->resolveSop("A PVC is almost full"), std::nullopt);
    REQUIRE(pvc);
    std::map<std::string, AttachmentInfo> byName;
    for (const auto& a : *pvc) {
        byName[a.name] = a;
    }
    REQUIRE(byName.size() == 2);
    const auto& shot = byName.at(kShots + "expand-pvc-dialog.png");
    CHECK(shot.type == "image/png");
    CHECK(shot.inlineImage);
    CHECK(shot.hash == hashOf(kCorpus / "helpers/screenshots/expand-pvc-dialog.png"));
    const auto& slides = byName.at("../../helpers/slides/storage-training.pdf");
    CHECK(slides.type == "application/pdf");
    CHECK_FALSE(slides.inlineImage);

    // The same screenshot from a second SOP (through <img src>), beside its own.
    const auto ceph = attachmentsByTitle(*owner)["Ceph health warnings"];
    CHECK(ceph == std::map<std::string, std::string>{
                      {kShots + "ceph-dashboard.png",
                       hashOf(kCorpus / "helpers/screenshots/ceph-dashboard.png")},
                      {kShots + "expand-pvc-dialog.png", shot.hash}});
    // A reference leaving the imported folder brings nothing in.
    CHECK(attachmentsByTitle(*owner)["Hostile page"].empty());

    // Importing again changes nothing.
    auto again = owner->importFolder(kCorpus, "Runbooks");
    REQUIRE(again);
    CHECK(again->unchanged == 6);
    CHECK(again->updated == 0);

    // No attachment's plaintext is anywhere on disk near the vault.
    owner.reset();
    CHECK(sopvault::test::filesContaining(v.file().parent_path(), "PLAINTEXT-MARKER-expand-pvc",
                                          since)
              .empty());
    CHECK(sopvault::test::filesContaining(v.file().parent_path(), "PLAINTEXT-MARKER-ceph", since)
              .empty());
}

TEST_CASE("import leaves out a referenced file over the cap, says so once, and keeps its SOPs",
          "[core][import][attachments]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->setAttachmentCaps(1, 100));
    const auto dir = v.file().parent_path() / "drive";
    std::filesystem::create_directories(dir / "shots");
    {
        std::ofstream(dir / "shots" / "huge.png", std::ios::binary)
            << std::string("\x89PNG\r\n\x1a\n", 8) << std::string(1100 * 1024, 'x');
        std::ofstream(dir / "shots" / "small.png", std::ios::binary)
            << std::string("\x89PNG\r\n\x1a\n", 8) << "small";
        std::ofstream(dir / "one.md")
            << "# One\n\n![Huge](shots/huge.png)\n![Small](shots/small.png)\n";
        std::ofstream(dir / "two.md") << "# Two\n\n![Huge again](shots/huge.png)\n";
    }
    auto report = owner->importFolder(dir, "Drive");
    REQUIRE(report);
    CHECK(report->imported == 2);
    int told = 0;
    for (const auto& skip : report->skipped) {
        if (skip.path == "shots/huge.png") {
            ++told;
            CHECK(skip.reason.find("1 MB") != std::string::npos);
            CHECK(skip.reason.find("sop attachment-caps") != std::string::npos);
        }
    }
    CHECK(told == 1); // once, though two SOPs reference it
    const auto files = attachmentsByTitle(*owner);
    REQUIRE(files.contains("One"));
    CHECK(files.at("One").size() == 1);
    CHECK(files.at("One").contains("shots/small.png"));
    CHECK(attachmentsByTitle(*owner)["Two"].empty());
    // The reference stays as written: raising the cap and importing again brings the file.
    REQUIRE(owner->setAttachmentCaps(2, 100));
    auto again = owner->importFolder(dir, "Drive");
    REQUIRE(again);
    CHECK(again->updated == 2);
    CHECK(attachmentsByTitle(*owner)["Two"].size() == 1);
}

TEST_CASE("exports carry the attachments: beside each SOP in Markdown, inside the page in HTML",
          "[core][export][attachments]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->importFolder(kCorpus, "Runbooks"));
    const auto out = v.file().parent_path() / "export";

    REQUIRE(owner->exportCollection("Runbooks", ExportFormat::Markdown, out / "md"));
    // Written once, where both SOPs' references resolve, with the same bytes.
    CHECK(read(out / "md/helpers/screenshots/expand-pvc-dialog.png") ==
          read(kCorpus / "helpers/screenshots/expand-pvc-dialog.png"));
    CHECK(read(out / "md/helpers/slides/storage-training.pdf") ==
          read(kCorpus / "helpers/slides/storage-training.pdf"));
    for (const auto& entry : std::filesystem::recursive_directory_iterator(out / "md")) {
        if (entry.path().extension() != ".md") {
            continue;
        }
        const std::string text = read(entry.path()); // the targets are views into it
        for (const auto& t : linkTargets(text)) {
            if (isRelativeTarget(t.url)) {
                INFO(entry.path().string() << ": " << t.url);
                const auto target = entry.path().parent_path() / splitRelativeTarget(t.url).path;
                // The hostile page names files that were never there.
                const bool outside =
                    t.url.find("etc/passwd") != std::string_view::npos || t.url == "x";
                CHECK(std::filesystem::exists(target) != outside);
            }
        }
    }

    REQUIRE(owner->exportCollection("Runbooks", ExportFormat::Html, out / "html"));
    const std::string page = read(out / "html/alerts/kubernetes/A PVC is almost full.html");
    CHECK(page.find("src=\"data:image/png;base64,") != std::string::npos);
    CHECK(page.find("img-src data:") != std::string::npos);
    CHECK(page.find("Exported from SOP Vault by olivia") != std::string::npos);
    // A PDF is a file the page links to, not something it renders.
    CHECK(read(out / "html/helpers/slides/storage-training.pdf") ==
          read(kCorpus / "helpers/slides/storage-training.pdf"));
    CHECK(page.find("href=\"../../helpers/slides/storage-training.pdf\"") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out / "html/helpers/screenshots/expand-pvc-dialog.png"));
}

TEST_CASE("round trip keeps every attachment by hash", "[core][import][export][attachments]")
{
    TestVault first;
    TestVault second;
    const auto out = first.file().parent_path() / "export";
    std::map<std::string, std::map<std::string, std::string>> before;
    {
        auto owner = first.as("olivia");
        REQUIRE(owner->importFolder(kCorpus, "Runbooks"));
        REQUIRE(owner->exportCollection("Runbooks", ExportFormat::Markdown, out));
        before = attachmentsByTitle(*owner);
    }
    auto owner = second.as("olivia");
    REQUIRE(owner->importFolder(out, "Runbooks"));
    CHECK(attachmentsByTitle(*owner) == before);
    CHECK(before.at("A PVC is almost full").size() == 2);
}
