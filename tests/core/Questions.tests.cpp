// The questions both front ends ask before offering an action (Vault.h): each answer must agree
// with what the action itself then does, so these tests ask, then act, and compare.
#include "TestVault.h"
#include "sopvault/core/Locations.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

// Olivia owns; "Clients" with tom (technician), eve (editor), max (manager) and lea (manager and
// editor); nothing in "Internal".
struct QuestionVault
{
    TestVault v;
    Id sop{};
    QuestionVault()
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->defineRole("manager", Rights{Right::View, Right::Manage}));
        REQUIRE(owner->addCollection("Clients"));
        REQUIRE(owner->addCollection("Internal"));
        for (const char* name : {"tom", "eve", "max", "lea"}) {
            REQUIRE(owner->addUser(name, test::password(std::string(name) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("tom", "technician", "Clients"));
        REQUIRE(owner->grant("eve", "editor", "Clients"));
        REQUIRE(owner->grant("max", "manager", "Clients"));
        REQUIRE(owner->grant("lea", "manager", "Clients"));
        REQUIRE(owner->grant("lea", "editor", "Clients"));
        NewSop n;
        n.collection = "Clients";
        n.title = "Reset a password";
        n.body = "1. Verify the caller.\n";
        auto id = owner->addSop(n);
        REQUIRE(id);
        sop = *id;
    }
};

void setEnv(const char* name, const char* value)
{
    if (value == nullptr) {
        ::unsetenv(name);
    } else {
        ::setenv(name, value, 1);
    }
}

} // namespace

TEST_CASE("abilities: what the menus offer matches each role's rights", "[core][questions]")
{
    QuestionVault q;
    const auto owner = q.v.as("olivia")->abilities();
    CHECK(owner.createSops);
    CHECK(owner.administer);
    CHECK(owner.importFolders);
    const auto tom = q.v.as("tom")->abilities();
    CHECK_FALSE(tom.createSops);
    CHECK_FALSE(tom.administer);
    CHECK_FALSE(tom.importFolders);
    const auto eve = q.v.as("eve")->abilities();
    CHECK(eve.createSops);
    CHECK_FALSE(eve.administer);
    CHECK(eve.importFolders);
    const auto max = q.v.as("max")->abilities();
    CHECK_FALSE(max.createSops);
    CHECK(max.administer);
}

TEST_CASE("mayRestore: yes for an editor, no for a technician, and restore agrees",
          "[core][questions]")
{
    QuestionVault q;
    auto eve = q.v.as("eve");
    SopEdit edit;
    edit.body = "1. Verify the caller twice.\n";
    edit.message = "stricter";
    REQUIRE(eve->editSop(q.sop, edit));
    CHECK(eve->mayRestore(q.sop));
    CHECK(eve->restore(q.sop, 1));

    auto tom = q.v.as("tom");
    CHECK_FALSE(tom->mayRestore(q.sop));
    auto refused = tom->restore(q.sop, 1);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::Denied);
    CHECK_FALSE(tom->mayRestore(Id{})); // no such SOP
}

TEST_CASE("mayImportInto: the answer is what importFolder then does", "[core][questions]")
{
    QuestionVault q;
    test::TempDir folder;
    {
        std::FILE* f = std::fopen((folder.path() / "vpn.md").c_str(), "w");
        REQUIRE(f != nullptr);
        std::fputs("# VPN setup\n\n1. Install the client.\n", f);
        std::fclose(f);
    }
    struct Case
    {
        const char* user;
        const char* target;
        bool expected;
    };
    for (const Case& c :
         {Case{"eve", "Clients", true}, Case{"tom", "Clients", false},
          Case{"eve", "Clients/New/Deeper", false}, Case{"max", "Clients/New/Deeper", false},
          Case{"lea", "Clients/New/Deeper", true}, Case{"max", "Elsewhere", false},
          Case{"olivia", "Elsewhere/Below", true}, Case{"eve", "", false}}) {
        INFO(c.user << " into '" << c.target << "'");
        auto s = q.v.as(c.user);
        CHECK(s->mayImportInto(c.target) == c.expected);
        auto done = s->importFolder(folder.path(), c.target);
        CHECK(done.has_value() == c.expected);
        if (c.expected && done) {
            CHECK(done->imported + done->unchanged == 1);
        }
    }
}

TEST_CASE("ensureCollectionPath: parents first, existing paths reused, rights still checked",
          "[core][questions]")
{
    QuestionVault q;
    auto owner = q.v.as("olivia");
    std::vector<std::string> created;
    auto leaf = owner->ensureCollectionPath("Internal/People/Onboarding", &created);
    REQUIRE(leaf);
    CHECK(created == std::vector<std::string>{"Internal/People", "Internal/People/Onboarding"});
    CHECK(owner->collectionId("Internal/People/Onboarding") == *leaf);
    created.clear();
    auto again = owner->ensureCollectionPath("Internal/People/Onboarding", &created);
    REQUIRE(again);
    CHECK(*again == *leaf);
    CHECK(created.empty());

    auto tom = q.v.as("tom");
    auto refused = tom->ensureCollectionPath("Clients/Acme");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::Denied);
    CHECK_FALSE(q.v.as("olivia")->collectionId("Clients/Acme"));
}

TEST_CASE("watermarkLine: the preview is the line the export then carries", "[core][questions]")
{
    QuestionVault q;
    auto owner = q.v.as("olivia");
    auto preview = owner->watermarkLine(q.sop);
    REQUIRE(preview);
    CHECK(preview->find("Exported from SOP Vault by olivia") == 0);
    auto exported = owner->prepareExport({q.sop}, "md");
    REQUIRE(exported);
    CHECK(exported->front().watermark == *preview);
    auto hidden = q.v.as("tom")->watermarkLine(Id{});
    REQUIRE_FALSE(hidden);
    // A named version (a run's evidence carries the run's); one the SOP never had is refused.
    auto first = owner->watermarkLine(q.sop, 1);
    REQUIRE(first);
    CHECK(*first == *preview);
    auto beyond = owner->watermarkLine(q.sop, 9);
    REQUIRE_FALSE(beyond);
    CHECK(beyond.error().code == ErrorCode::NotFound);
    CHECK(beyond.error().message.find("no version 9") != std::string::npos);
}

TEST_CASE("defaultLocations: SOPVAULT_VAULT, then the XDG folders, then HOME", "[core][questions]")
{
    const char* names[] = {"SOPVAULT_VAULT", "XDG_DATA_HOME", "XDG_STATE_HOME", "HOME"};
    std::vector<std::optional<std::string>> saved;
    for (const char* n : names) {
        const char* v = std::getenv(n);
        saved.push_back(v != nullptr ? std::optional<std::string>(v) : std::nullopt);
    }
    setEnv("SOPVAULT_VAULT", nullptr);
    setEnv("XDG_DATA_HOME", "");
    setEnv("XDG_STATE_HOME", nullptr);
    setEnv("HOME", "/home/tom");
    auto l = defaultLocations();
    CHECK(l.vault == "/home/tom/.local/share/sopvault/vault.sopvault");
    CHECK(l.stateDir == "/home/tom/.local/state/sopvault");
    CHECK(defaultOpenOptions().stateDir == l.stateDir);
    setEnv("XDG_DATA_HOME", "/data");
    setEnv("XDG_STATE_HOME", "/state");
    l = defaultLocations();
    CHECK(l.vault == "/data/sopvault/vault.sopvault");
    CHECK(l.stateDir == "/state/sopvault");
    setEnv("SOPVAULT_VAULT", "/srv/team.sopvault");
    CHECK(defaultLocations().vault == "/srv/team.sopvault");
    for (std::size_t i = 0; i < saved.size(); ++i) {
        setEnv(names[i], saved[i] ? saved[i]->c_str() : nullptr);
    }
}
