// Attachments (issue 16): versions list their files exactly, equal bytes are stored once, caps
// hold, types come from the bytes, rights and audit, key rotation, and tamper case 16 from a
// SQLite shell.
#include "sopvault/core/Attachments.h"
#include "Attacker.h"
#include "RawFile.h"
#include "Records.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <fstream>
#include <iterator>

using namespace sopvault;
using namespace sopvault::core;
using namespace sopvault::core::detail;
using sopvault::test::TestVault;

namespace {

crypto::Bytes bytesOf(std::string_view text)
{
    return crypto::Bytes(text.begin(), text.end());
}

// A PNG signature, then whatever the test wants to find (or not find) on disk.
crypto::Bytes png(std::string_view rest)
{
    const std::string text = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(rest);
    return crypto::Bytes(text.begin(), text.end());
}

std::vector<std::string> namesOf(const std::vector<AttachmentInfo>& items)
{
    std::vector<std::string> out;
    for (const auto& a : items) {
        out.push_back(a.name);
    }
    return out;
}

std::string opened(Session& s, const Id& sop, std::uint64_t version, std::string_view name)
{
    auto data = s.openAttachment(sop, version, name);
    REQUIRE(data);
    return std::string(data->bytes.view());
}

Id userId(Session& s, std::string_view name)
{
    for (const auto& u : s.users()) {
        if (u.name == name) {
            return u.id;
        }
    }
    FAIL("no user " << name);
    return {};
}

std::vector<std::string> auditActions(Session& s)
{
    std::vector<std::string> out;
    auto entries = s.audit();
    REQUIRE(entries);
    for (const auto& e : *entries) {
        out.push_back(e.action);
    }
    return out;
}

} // namespace

TEST_CASE("attachments: each version lists exactly its files; edits keep, replace and remove",
          "[core][attachments]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    NewSop n;
    n.collection = "Ops";
    n.title = "Expand a PVC";
    n.body = "![dialog](shots/expand.png)\n";
    n.attachments.push_back({"./shots//expand.png", png("first dialog")});
    auto id = owner->addSop(n);
    REQUIRE(id);

    REQUIRE(owner->attach(*id, {{"notes.txt", bytesOf("plain notes\n")}}, "notes") ==
            std::uint64_t{2});
    REQUIRE(owner->attach(*id, {{"shots/expand.png", png("second dialog")}}, "new screenshot") ==
            std::uint64_t{3});
    SopEdit drop;
    drop.removeAttachments = {"notes.txt"};
    drop.message = "notes moved to the body";
    REQUIRE(owner->editSop(*id, drop) == std::uint64_t{4});

    using Names = std::vector<std::string>;
    CHECK(namesOf(*owner->attachments(*id, 1)) == Names{"shots/expand.png"});
    CHECK(namesOf(*owner->attachments(*id, 2)) == Names{"notes.txt", "shots/expand.png"});
    CHECK(namesOf(*owner->attachments(*id, 3)) == Names{"notes.txt", "shots/expand.png"});
    CHECK(namesOf(*owner->attachments(*id, {})) == Names{"shots/expand.png"});
    // Old versions keep their own bytes; the replaced file is the new one from version 3 on.
    const auto first = png("first dialog");
    const auto second = png("second dialog");
    CHECK(opened(*owner, *id, 1, "shots/expand.png") == std::string(first.begin(), first.end()));
    CHECK(opened(*owner, *id, 4, "shots/expand.png") == std::string(second.begin(), second.end()));
    CHECK(opened(*owner, *id, 2, "notes.txt") == "plain notes\n");
    CHECK(owner->openAttachment(*id, 4, "notes.txt").error().code == ErrorCode::NotFound);
    auto view = owner->readSop(*id, 2);
    REQUIRE(view);
    REQUIRE(view->attachments.size() == 2);
    CHECK(view->attachments[0].type == "text/plain");
    CHECK(view->attachments[1].inlineImage);
    CHECK(view->attachments[0].hash == crypto::toHex(crypto::hash32(bytesOf("plain notes\n"))));

    // Removing what is not there, or an edit that changes nothing, writes nothing.
    CHECK(owner->editSop(*id, drop).error().code == ErrorCode::NotFound);
    SopEdit same;
    same.addAttachments = {{"shots/expand.png", png("second dialog")}};
    CHECK(owner->editSop(*id, same).error().code == ErrorCode::Usage);
    CHECK(v.verifyAsOwner().ok);
}

TEST_CASE("attachments: the same bytes are stored once per SOP, and once more in another SOP",
          "[core][attachments]")
{
    TestVault v;
    Id a{};
    Id b{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        a = test::addSop(*owner, "Ops", "First", "one\n");
        b = test::addSop(*owner, "Ops", "Second", "two\n");
        const crypto::Bytes shot = png("the same screenshot");
        REQUIRE(owner->attach(a, {{"a.png", shot}, {"copy/a.png", shot}}, "twice"));
        REQUIRE(owner->attach(a, {{"again.png", shot}}, "three times"));
        REQUIRE(owner->attach(b, {{"a.png", shot}}, "in another SOP"));
        CHECK(opened(*owner, a, 3, "again.png") == opened(*owner, b, 2, "a.png"));
    }
    auto db = v.raw();
    CHECK(test::raw::count(db, fmt::format("SELECT count(*) FROM attachment_blobs WHERE sop_id = "
                                           "x'{}'",
                                           toHex(a))) == 1);
    CHECK(test::raw::count(db, "SELECT count(*) FROM attachment_blobs") == 2);
}

TEST_CASE("attachments: the owner-signed caps hold per file and per SOP, naming file and cap",
          "[core][attachments]")
{
    TestVault v;
    v.addUser("erin");
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    REQUIRE(owner->grant("erin", "editor", "Ops"));
    CHECK(owner->attachmentCaps() == std::pair<std::uint64_t, std::uint64_t>{25, 100});
    REQUIRE(owner->setAttachmentCaps(1, 2));
    CHECK(owner->setAttachmentCaps(0, 2).error().code == ErrorCode::Usage);
    const Id id = test::addSop(*owner, "Ops", "Big files", "body\n");
    owner.reset();

    auto erin = v.as("erin");
    CHECK(erin->setAttachmentCaps(100, 100).error().code == ErrorCode::Denied);
    CHECK(erin->attachmentCaps() == std::pair<std::uint64_t, std::uint64_t>{1, 2});
    const std::size_t mb = 1024 * 1024;
    auto tooBig = erin->attach(id, {{"dump.bin", crypto::Bytes(mb + 1, 0x41)}}, "");
    REQUIRE_FALSE(tooBig);
    CHECK(tooBig.error().code == ErrorCode::Usage);
    CHECK_THAT(tooBig.error().message, Catch::Contains("dump.bin") && Catch::Contains("1 MB"));
    REQUIRE(erin->attach(id, {{"one.bin", crypto::Bytes(mb, 0x42)}}, ""));
    auto overSop = erin->attach(
        id, {{"two.bin", crypto::Bytes(mb, 0x43)}, {"three.bin", crypto::Bytes(mb, 0x44)}}, "");
    REQUIRE_FALSE(overSop);
    CHECK(overSop.error().code == ErrorCode::Usage);
    CHECK_THAT(overSop.error().message, Catch::Contains("2 MB"));
    // Nothing of the refused attempts was written.
    CHECK(erin->attachments(id, {})->size() == 1);
}

TEST_CASE("attachments: the type comes from the bytes, never the name", "[core][attachments]")
{
    CHECK(sniffType(png("x")) == "image/png");
    CHECK(sniffType(bytesOf("\xFF\xD8\xFF\xE0rest")) == "image/jpeg");
    CHECK(sniffType(bytesOf("GIF89a....")) == "image/gif");
    CHECK(sniffType(bytesOf(std::string_view("RIFF\x10\x00\x00\x00WEBPVP8 ", 16))) == "image/webp");
    CHECK(sniffType(bytesOf("%PDF-1.7\n")) == "application/pdf");
    CHECK(sniffType(bytesOf("<?xml version=\"1.0\"?>\n<!-- c -->\n<svg xmlns=\"x\"/>")) ==
          "image/svg+xml");
    CHECK(sniffType(bytesOf("kubectl get pvc\n")) == "text/plain");
    CHECK(sniffType(bytesOf(std::string_view("\x00\x01\x02\x03", 4))) ==
          "application/octet-stream");
    CHECK(showsInline("image/webp"));
    CHECK_FALSE(showsInline("image/svg+xml"));

    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    const Id id = test::addSop(*owner, "Ops", "Types", "body\n");
    REQUIRE(owner->attach(id,
                          {{"readme.txt", png("an image in disguise")},
                           {"diagram.png", bytesOf("<svg onload=\"alert(1)\"></svg>")}},
                          ""));
    auto items = owner->attachments(id, {});
    REQUIRE(items);
    REQUIRE(items->size() == 2);
    CHECK(items->at(0).name == "diagram.png");
    CHECK(items->at(0).type == "image/svg+xml");
    CHECK_FALSE(items->at(0).inlineImage);
    CHECK(items->at(1).type == "image/png");
    CHECK(items->at(1).inlineImage);
}

TEST_CASE("an SVG attachment is never drawn as markup in an export", "[core][attachments][export]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    const Id id = test::addSop(*owner, "Ops", "Diagram",
                               "![Network](net.svg)\n\n<img src=\"net.svg\" alt=\"again\">\n\n"
                               "[the drawing](net.svg)\n");
    const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\">"
                            "<script>alert(2)</script></svg>";
    REQUIRE(owner->attach(id, {{"net.svg", bytesOf(svg)}}, ""));

    const auto out = v.file().parent_path() / "diagram.html";
    REQUIRE(owner->exportSop(id, ExportFormat::Html, out));
    std::ifstream in(out);
    const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* bad : {"<svg", "image/svg", "onload", "alert(", "<script"}) {
        INFO(bad);
        CHECK(page.find(bad) == std::string::npos);
    }
    CHECK(page.find("Network") != std::string::npos); // the alt text stands in for it

    // The desktop's PDF lays out what prepareExport renders: no image of it either.
    auto docs = owner->prepareExport({id}, "pdf");
    REQUIRE(docs);
    CHECK(docs->front().html.find("<img") == std::string::npos);
    CHECK(docs->front().html.find("<svg") == std::string::npos);
}

TEST_CASE("attachments: names are normalised once, and unsafe ones refused", "[core][attachments]")
{
    CHECK(normaliseAttachmentName("./shots//a.png") == std::string("shots/a.png"));
    CHECK(normaliseAttachmentName("shots\\a.png") == std::string("shots/a.png"));
    CHECK(normaliseAttachmentName("../../helpers/a.png") == std::string("../../helpers/a.png"));
    for (const char* bad : {"", "/etc/passwd", "C:/x.png", "https://example.com/a.png",
                            "a/../b.png", "..", "a\nb.png"}) {
        INFO(bad);
        CHECK(normaliseAttachmentName(bad).error().code == ErrorCode::Usage);
    }
    CHECK_FALSE(normaliseAttachmentName(std::string(256, 'a')));
    CHECK(normaliseAttachmentName(std::string(255, 'a')));

    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    const Id id = test::addSop(*owner, "Ops", "Names", "body\n");
    CHECK(owner->attach(id, {{"a.png", png("1")}, {"./a.png", png("2")}}, "").error().code ==
          ErrorCode::Usage);
}

TEST_CASE("attachments: a Markdown target is read as an attachment name in one way, and the "
          "attachment: URL carries it there and back",
          "[core][attachments]")
{
    CHECK(attachmentNameFor("../shots/Expand%20PVC.png#x") ==
          std::string("../shots/Expand PVC.png"));
    CHECK(attachmentNameFor("./shots//a.png?raw=1") == std::string("shots/a.png"));
    CHECK(attachmentNameFor("shots\\_a.png") == std::string("shots_a.png"));
    for (const char* not_ :
         {"https://example.com/a.png", "#top", "/etc/passwd", "mailto:a@b", "sopvault://00/sop/11",
          "", "a/../b.png", "data:image/png;base64,AA"}) {
        INFO(not_);
        CHECK_FALSE(attachmentNameFor(not_));
    }
    for (const char* name : {"a.png", "../../helpers/screenshots/expand pvc (1).png",
                             "notes #2?.txt", "50% done.png"}) {
        INFO(name);
        const std::string url = attachmentUrl(name);
        CHECK(url.starts_with("attachment:"));
        CHECK(url.find(' ') == std::string::npos);
        CHECK(attachmentFromUrl(url) == std::string(name));
    }
    CHECK_FALSE(attachmentFromUrl("https://example.com/a.png"));
    CHECK_FALSE(attachmentFromUrl("attachment:/etc/passwd"));
    CHECK_FALSE(attachmentFromUrl("attachment:"));
}

TEST_CASE("attachments: a page prepared for the PDF names the version's own images as "
          "attachment: URLs, and nothing else",
          "[core][attachments][export]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    NewSop n;
    n.collection = "Ops";
    n.title = "Expand a PVC";
    n.body = "![dialog](shots/expand.png)\n\n![gone](shots/missing.png)\n\n"
             "![remote](https://example.com/x.png)\n\n[notes](notes.txt)\n";
    n.attachments.push_back({"shots/expand.png", png("the dialog")});
    n.attachments.push_back({"notes.txt", bytesOf("plain notes\n")});
    auto id = owner->addSop(n);
    REQUIRE(id);
    auto docs = owner->prepareExport({*id}, "pdf");
    REQUIRE(docs);
    const std::string& html = docs->front().html;
    CHECK(html.find("<img src=\"attachment:shots/expand.png\"") != std::string::npos);
    CHECK(html.find("missing.png") == std::string::npos);
    CHECK(html.find("example.com") == std::string::npos);
    CHECK(html.find("<img src=\"attachment:notes.txt") == std::string::npos);
    CHECK(docs->front().attachments.size() == 2);
}

TEST_CASE("attachments: view lists and opens, export saves; both audited, a technician cannot "
          "save",
          "[core][attachments][access]")
{
    TestVault v;
    v.addUser("tom");
    v.addUser("lena");
    Id id{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->defineRole("lead", Rights{Right::View, Right::Export}));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        REQUIRE(owner->grant("lena", "lead", "Ops"));
        id = test::addSop(*owner, "Ops", "Restart", "body\n");
        REQUIRE(owner->attach(id, {{"shot.png", png("restart screen")}}, ""));
        CHECK(owner->attach(id, {}, "").error().code == ErrorCode::Usage);
    }
    const auto out = v.file().parent_path() / "saved.png";
    {
        auto tom = v.as("tom");
        CHECK(tom->attachments(id, {})->size() == 1);
        CHECK(opened(*tom, id, 2, "shot.png").ends_with("restart screen"));
        CHECK(tom->attach(id, {{"x.png", png("x")}}, "").error().code == ErrorCode::Denied);
        CHECK(tom->saveAttachment(id, "shot.png", out, {}).error().code == ErrorCode::Denied);
        CHECK_FALSE(std::filesystem::exists(out));
    }
    {
        auto lena = v.as("lena");
        REQUIRE(lena->saveAttachment(id, "shot.png", out, {}));
        CHECK(test::readFile(out) == png("restart screen"));
        // An existing file is never overwritten.
        CHECK(lena->saveAttachment(id, "shot.png", out, 2).error().code == ErrorCode::Failed);
    }
    auto owner = v.as("olivia");
    const auto actions = auditActions(*owner);
    CHECK(std::count(actions.begin(), actions.end(), "export-denied") == 1);
    CHECK(std::count(actions.begin(), actions.end(), "save-attachment") == 1);
    CHECK(owner->openAttachment(randomId(), 1, "shot.png").error().code == ErrorCode::NotFound);
}

TEST_CASE("attachments: a file attached after someone left does not open with their old keys",
          "[core][attachments][removal]")
{
    TestVault v;
    v.addUser("tom");
    Id tom{};
    Id id{};
    const auto oldCopy = v.file().parent_path() / "tom-copy.sopvault";
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        tom = userId(*owner, "tom");
        id = test::addSop(*owner, "Ops", "Before", "body\n");
    }
    test::raw::checkpoint(v.file());
    std::filesystem::copy_file(v.file(), oldCopy);
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->removeUser("tom"));
        REQUIRE(owner->attach(id, {{"after.png", png("ZEBRAMARKERAFTER")}}, ""));
    }
    const test::Stolen stolen = test::steal(oldCopy, tom, "tom-pw");
    REQUIRE(stolen.collectionKeys.size() == 1);
    auto db = test::raw::open(v.file());
    auto versions =
        test::raw::records(db, fmt::format("SELECT body, signature FROM sop_versions WHERE "
                                           "sop_id = x'{}' AND version = 2",
                                           toHex(id)));
    REQUIRE(versions.size() == 1);
    auto p = decodeSopVersion(versions.front().payload);
    REQUIRE(p);
    CHECK(p->epoch == 1);
    // The new version's data key, which guards the attachment's key, needs the new epoch.
    CHECK_FALSE(crypto::openSecret(
        stolen.collectionKeys.front().key, p->wrappedKey,
        dataKeyAd(versions.front().header.vault, p->collectionId, p->epoch, id, 2)));
    // Nor does the old collection key open the blob itself, even with the plaintext guessed.
    auto stmt = db.prepare("SELECT data FROM attachment_blobs");
    REQUIRE(stmt);
    REQUIRE(stmt->step() == true);
    const crypto::Bytes blob = stmt->columnBytes(0);
    CHECK_FALSE(crypto::open(stolen.collectionKeys.front().key, blob,
                             attachmentAd(versions.front().header.vault, p->collectionId, id,
                                          crypto::hash32(png("ZEBRAMARKERAFTER")))));
}

TEST_CASE("tamper 16: a blob swapped between SOPs, changed, or renamed fails closed",
          "[core][tamper][attachments]")
{
    TestVault v;
    Id a{};
    Id b{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        a = test::addSop(*owner, "Ops", "First", "one\n");
        b = test::addSop(*owner, "Ops", "Second", "two\n");
        REQUIRE(owner->attach(a, {{"s.png", png("screen of first")}}, ""));
        REQUIRE(owner->attach(b, {{"s.png", png("screen of second")}}, ""));
    }
    REQUIRE(v.verifyAsOwner().ok);
    const std::string blobOfA =
        fmt::format("(SELECT blob_id FROM attachment_blobs WHERE sop_id = x'{}')", toHex(a));
    const std::string blobOfB =
        fmt::format("(SELECT blob_id FROM attachment_blobs WHERE sop_id = x'{}')", toHex(b));

    auto expectBroken = [&](std::string_view why) {
        INFO(why);
        auto owner = v.as("olivia");
        auto data = owner->openAttachment(a, 2, "s.png");
        REQUIRE_FALSE(data);
        CHECK(data.error().code == ErrorCode::Integrity);
        auto report = owner->verify();
        REQUIRE(report);
        CHECK_FALSE(report->ok);
        CHECK(std::any_of(report->problems.begin(), report->problems.end(), [](const auto& p) {
            return p.record.find("attachment \"s.png\"") != std::string::npos;
        }));
        // The other SOP's files, when untouched, still open.
        return owner;
    };

    SECTION("the ciphertexts of two SOPs swapped (ids kept)")
    {
        {
            auto db = v.raw();
            test::raw::exec(db,
                            "CREATE TEMP TABLE t AS SELECT blob_id, data FROM attachment_blobs");
            test::raw::exec(db, fmt::format("UPDATE attachment_blobs SET data = (SELECT data FROM "
                                            "t WHERE blob_id = {}) WHERE blob_id = {}",
                                            blobOfB, blobOfA));
        }
        expectBroken("swapped data");
    }
    SECTION("a blob moved to another SOP, its id and row taken along")
    {
        {
            auto db = v.raw();
            // A's row now holds B's whole blob (id, data): what A's version lists is missing, and
            // B's blob would open only for B (the associated data binds the SOP).
            test::raw::exec(
                db, fmt::format("DELETE FROM attachment_blobs WHERE blob_id = {}", blobOfA));
            test::raw::exec(db,
                            fmt::format("UPDATE attachment_blobs SET sop_id = x'{}'", toHex(a)));
        }
        expectBroken("moved blob");
    }
    SECTION("one byte of a blob flipped")
    {
        {
            auto db = v.raw();
            auto read = db.prepare(fmt::format("SELECT data FROM attachment_blobs WHERE blob_id = "
                                               "{}",
                                               blobOfA));
            REQUIRE(read);
            REQUIRE(read->step() == true);
            const crypto::Bytes changed = test::raw::flipped(read->columnBytes(0), 40);
            auto write = db.prepare(fmt::format("UPDATE attachment_blobs SET data = ? WHERE "
                                                "blob_id = {}",
                                                blobOfA));
            REQUIRE(write);
            write->bind(1, crypto::ByteView(changed));
            REQUIRE(write->run());
        }
        expectBroken("flipped byte");
    }
    SECTION("the blob id changed")
    {
        {
            auto db = v.raw();
            test::raw::exec(db, fmt::format("UPDATE attachment_blobs SET blob_id = randomblob(32) "
                                            "WHERE blob_id = {}",
                                            blobOfA));
        }
        expectBroken("new id");
    }
}
