// Vault lifecycle: create, unlock, SOP versions, history, diff, restore, archive, audit,
// password change, and that no plaintext reaches the disk.
#include "TestVault.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

Id addSop(Session& s, const std::string& collection, const std::string& title,
          const std::string& body)
{
    return test::addSop(s, collection, title, body, {"network"});
}

} // namespace

TEST_CASE("a new vault unlocks for its owner and refuses wrong passwords", "[core][vault]")
{
    TestVault v;
    auto owner = v.as("olivia");
    CHECK(owner->isOwner());
    CHECK(owner->userName() == "olivia");
    CHECK(owner->ownerFingerprint().size() == 39);
    CHECK(owner->problems().empty());

    auto wrong = v.tryAs("olivia", "not-the-password");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().code == ErrorCode::Auth);

    auto unknown = v.tryAs("mallory");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == ErrorCode::Auth);
    CHECK(unknown.error().message == wrong.error().message);
}

TEST_CASE("a failed unlock of a known user is signed into the audit log at the next login",
          "[core][audit]")
{
    TestVault v;
    REQUIRE_FALSE(v.tryAs("olivia", "wrong"));
    auto owner = v.as("olivia");
    auto log = owner->audit();
    REQUIRE(log);
    const bool found = std::any_of(log->begin(), log->end(), [](const AuditEntry& e) {
        return e.action == "unlock-failed" && e.actor == "olivia";
    });
    CHECK(found);
}

TEST_CASE("SOPs keep a signed version history with diff, restore and archive", "[core][sop]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Clients"));
    REQUIRE(owner->addCollection("Clients/Acme"));
    const Id id = addSop(*owner, "Clients/Acme", "Reset a password", "1. Verify identity\n");

    v.clock().advance(3600);
    SopEdit edit;
    edit.body = "1. Verify identity\n2. Reset in AD\n";
    edit.message = "add AD step";
    auto v2 = owner->editSop(id, edit);
    REQUIRE(v2);
    CHECK(*v2 == 2);

    auto head = owner->readSop(id, {}, "T-1234");
    REQUIRE(head);
    CHECK(head->version == 2);
    CHECK(head->body == "1. Verify identity\n2. Reset in AD\n");
    CHECK(head->collection == "Clients/Acme");
    CHECK(head->author == "olivia");
    CHECK(head->message == "add AD step");

    auto history = owner->history(id);
    REQUIRE(history);
    REQUIRE(history->size() == 2);
    CHECK((*history)[0].message == "Created");
    CHECK((*history)[1].time == (*history)[0].time + 3600);

    auto diff = owner->diff(id, 1, 2);
    REQUIRE(diff);
    CHECK(diff->find("+2. Reset in AD") != std::string::npos);

    auto restored = owner->restore(id, 1);
    REQUIRE(restored);
    CHECK(*restored == 3);
    CHECK(owner->readSop(id)->body == "1. Verify identity\n");

    REQUIRE(owner->archive(id));
    CHECK(owner->readSop(id)->state == SopState::Archived);

    SECTION("an edit that changes nothing is refused")
    {
        SopEdit same;
        same.state = SopState::Archived;
        auto none = owner->editSop(id, same);
        REQUIRE_FALSE(none);
        CHECK(none.error().code == ErrorCode::Usage);
    }
    SECTION("an edit from a stale version is a conflict")
    {
        SopEdit stale;
        stale.body = "something else\n";
        stale.baseVersion = 2;
        auto conflict = owner->editSop(id, stale);
        REQUIRE_FALSE(conflict);
        CHECK(conflict.error().code == ErrorCode::Busy);
    }
    SECTION("everything survives a fresh unlock and verifies")
    {
        owner.reset();
        auto again = v.as("olivia");
        CHECK(again->readSop(id)->version == 4);
        const auto report = v.verifyAsOwner();
        CHECK(report.ok);
        CHECK(report.sopVersions == 4);
        CHECK(report.ciphertexts == 4);
    }
}

TEST_CASE("SOP references resolve by id or exact title, and ambiguity lists candidates",
          "[core][sop]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("A"));
    REQUIRE(owner->addCollection("B"));
    const Id one = addSop(*owner, "A", "Backup restore test", "body\n");
    CHECK(owner->resolveSop("Backup restore test") == one);
    CHECK(owner->resolveSop(toHex(one)) == one);
    addSop(*owner, "B", "Backup restore test", "other\n");
    auto ambiguous = owner->resolveSop("Backup restore test");
    REQUIRE_FALSE(ambiguous);
    CHECK(ambiguous.error().code == ErrorCode::Usage);
    CHECK(ambiguous.error().message.find(toHex(one)) != std::string::npos);
    CHECK(owner->resolveSop("nothing like it").error().code == ErrorCode::NotFound);
}

TEST_CASE("bad SOP input is refused and changes nothing", "[core][sop]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    NewSop sop;
    sop.collection = "Ops";
    sop.title = "Title";
    for (const std::string& body :
         {std::string(""), std::string(" \n\t"), std::string("caf\xE9 latin-1"),
          std::string(kMaxBodyBytes + 1, 'x'), std::string("nul\0byte", 8)}) {
        sop.body = body;
        auto added = owner->addSop(sop);
        REQUIRE_FALSE(added);
        CHECK(added.error().code == ErrorCode::Usage);
    }
    sop.body = "ok\n";
    sop.title = "";
    CHECK(owner->addSop(sop).error().code == ErrorCode::Usage);
    sop.title = "Fine";
    sop.collection = "Nowhere";
    CHECK(owner->addSop(sop).error().code == ErrorCode::NotFound);
    CHECK(owner->listSops()->empty());
}

TEST_CASE("a password change re-wraps the keys; the old password stops working", "[core][user]")
{
    TestVault v;
    v.addUser("tom");
    {
        auto tom = v.as("tom");
        // The owner chose this password: tom is asked for his own.
        CHECK(tom->passwordSetByOwner());
        // The owner's choice again is no choice of his own: refused, nothing changes.
        auto same = tom->changePassword(test::password("tom-pw"), crypto::KdfProfile::Interactive);
        REQUIRE_FALSE(same);
        CHECK(same.error().code == ErrorCode::Usage);
        CHECK(tom->passwordSetByOwner());
        REQUIRE(tom->changePassword(test::password("tom-new"), crypto::KdfProfile::Interactive));
        CHECK_FALSE(tom->passwordSetByOwner());
    }
    CHECK(v.tryAs("tom").error().code == ErrorCode::Auth);
    auto tom = v.tryAs("tom", "tom-new");
    REQUIRE(tom);
    // Once his own, the same password again is his business.
    CHECK((*tom)->changePassword(test::password("tom-new"), crypto::KdfProfile::Interactive));
    CHECK_FALSE((*tom)->passwordSetByOwner());
    // The owner chose her own password when she created the vault.
    CHECK_FALSE(v.as("olivia")->passwordSetByOwner());
}

TEST_CASE("no plaintext reaches the disk", "[core][security]")
{
    // Whole seconds: some file systems keep coarse times.
    const auto started = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(2);
    TestVault v;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Clients/ZEBRAMARKERCOLLECTION").error().code ==
                ErrorCode::NotFound);
        REQUIRE(owner->addCollection("ZEBRAMARKERCOLLECTION"));
        const Id id = addSop(*owner, "ZEBRAMARKERCOLLECTION", "ZEBRAMARKERTITLE",
                             "Steps with ZEBRAMARKERBODY inside\n");
        SopEdit edit;
        edit.body = "Second ZEBRAMARKERBODY version\n";
        edit.tags = std::vector<std::string>{"ZEBRAMARKERTAG"};
        REQUIRE(owner->editSop(id, edit));
        REQUIRE(owner->readSop(id, {}, "ZEBRAMARKERTICKET"));
        // Attachments: image bytes (a PNG whose pixels carry the marker) and their names.
        const std::string pngText =
            std::string("\x89PNG\r\n\x1A\n", 8) + "IDATZEBRAMARKERIMAGEPIXELS";
        const crypto::Bytes image(pngText.begin(), pngText.end());
        REQUIRE(owner->attach(id, {{"shots/ZEBRAMARKERNAME.png", image}}, "screenshot"));
        auto shown = owner->openAttachment(id, 3, "shots/ZEBRAMARKERNAME.png");
        REQUIRE(shown);
        CHECK(shown->info.inlineImage);
    }
    for (const char* marker : {"ZEBRAMARKER", "olivia-pw"}) {
        const auto leaks = test::filesContaining(v.file().parent_path(), marker, started);
        INFO("marker " << marker);
        CHECK(leaks.empty());
    }
}
