// Every read that shows SOP text is in the audit log (diff, changes since review, search), and
// a burst of reading far beyond the usual is shown to the owners (the exfiltration alarm).
#include "TestVault.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

// olivia owns; tom is a technician and rita a reviewer on Ops, which holds `count` SOPs.
struct ReadVault
{
    TestVault v;
    std::vector<Id> sops;

    explicit ReadVault(int count)
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        for (const char* who : {"tom", "rita"}) {
            REQUIRE(owner->addUser(who, test::password(std::string(who) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        REQUIRE(owner->grant("rita", "reviewer", "Ops"));
        for (int i = 0; i < count; ++i) {
            NewSop n;
            n.collection = "Ops";
            n.title = fmt::format("Runbook {:02}", i);
            n.body = fmt::format("1. Restart service number {} with care\n", i);
            auto id = owner->addSop(n);
            REQUIRE(id);
            sops.push_back(*id);
        }
    }

    std::vector<AuditEntry> entriesBy(const char* actor)
    {
        AuditFilter f;
        f.actor = actor;
        auto entries = v.as("olivia")->audit(f);
        REQUIRE(entries);
        return *entries;
    }
};

bool hasEntry(const std::vector<AuditEntry>& entries, std::string_view action, const Id& target,
              std::string_view detailPart)
{
    return std::any_of(entries.begin(), entries.end(), [&](const AuditEntry& e) {
        return e.action == action && e.target == toHex(target) &&
               e.detail.find(detailPart) != std::string::npos;
    });
}

} // namespace

TEST_CASE("a diff, the changes since review and a search each leave an audit entry naming what "
          "was shown",
          "[core][audit]")
{
    ReadVault rv(3);
    {
        auto owner = rv.v.as("olivia");
        SopEdit edit;
        edit.body = "1. Restart service number 0 with great care\n";
        REQUIRE(owner->editSop(rv.sops[0], edit));
    }
    auto tom = rv.v.as("tom");
    auto d = tom->diff(rv.sops[0], 1, 2);
    REQUIRE(d);
    CHECK(d->find("great care") != std::string::npos);
    CHECK(hasEntry(rv.entriesBy("tom"), "diff", rv.sops[0], "versions 1 and 2"));

    SearchQuery query;
    query.text = "service";
    auto hits = tom->search(query);
    REQUIRE(hits);
    REQUIRE(hits->size() == 3);
    const auto searches = rv.entriesBy("tom");
    const auto search = std::find_if(searches.begin(), searches.end(),
                                     [](const AuditEntry& e) { return e.action == "search"; });
    REQUIRE(search != searches.end());
    CHECK(search->detail.find("query \"service\"") != std::string::npos);
    for (const Id& id : rv.sops) {
        CHECK(search->detail.find(toHex(id)) != std::string::npos);
    }

    auto rita = rv.v.as("rita");
    REQUIRE(rita->signOff(rv.sops[1], ReviewDecision::Approved, "fine"));
    {
        SopEdit edit;
        edit.body = "1. Restart service number 1, then check the logs\n";
        REQUIRE(rv.v.as("olivia")->editSop(rv.sops[1], edit));
    }
    auto changes = rv.v.as("rita")->changesSinceReview(rv.sops[1]);
    REQUIRE(changes);
    CHECK(changes->find("check the logs") != std::string::npos);
    CHECK(hasEntry(rv.entriesBy("rita"), "changes-since-review", rv.sops[1], "versions 1 and 2"));

    // Only owners hold the audit key: the query itself is sealed.
    AuditFilter f;
    f.actor = "tom";
    CHECK(tom->audit(f).error().code == ErrorCode::Denied);
}

TEST_CASE("exfiltration alarm: a technician reading 31 SOPs in ten minutes is shown to the owners",
          "[core][audit][alarm]")
{
    ReadVault rv(35);
    auto tom = rv.v.as("tom");

    SECTION("30 distinct SOPs in ten minutes, or 35 spread over hours, raise nothing")
    {
        for (int i = 0; i < 30; ++i) {
            REQUIRE(tom->readSop(rv.sops[static_cast<std::size_t>(i)]));
            rv.v.clock().advance(15);
        }
        // Reading the same SOPs again is not more SOPs.
        for (int i = 0; i < 10; ++i) {
            REQUIRE(tom->readSop(rv.sops[static_cast<std::size_t>(i)]));
        }
        rv.v.clock().advance(3600);
        for (const Id& id : rv.sops) {
            REQUIRE(tom->readSop(id));
            rv.v.clock().advance(300);
        }
        auto alerts = rv.v.as("olivia")->viewAlerts();
        REQUIRE(alerts);
        CHECK(alerts->empty());
    }
    SECTION("31 distinct SOPs in ten minutes are one alert, whoever reads them next")
    {
        for (int i = 0; i < 31; ++i) {
            REQUIRE(tom->readSop(rv.sops[static_cast<std::size_t>(i)]));
            rv.v.clock().advance(15);
        }
        auto alerts = rv.v.as("olivia")->viewAlerts();
        REQUIRE(alerts);
        REQUIRE(alerts->size() == 1);
        CHECK(alerts->front().actor == "tom");
        CHECK(alerts->front().sops == 31);
        CHECK(alerts->front().to - alerts->front().from == 30 * 15);
        // The reader cannot see or silence it.
        CHECK(tom->viewAlerts().error().code == ErrorCode::Denied);
        CHECK(tom->setAlarm({1000, 1}).error().code == ErrorCode::Denied);
    }
    SECTION("the owner's signed threshold and window decide")
    {
        auto owner = rv.v.as("olivia");
        CHECK(owner->setAlarm({0, 10}).error().code == ErrorCode::Usage);
        REQUIRE(owner->setAlarm({5, 60}));
        auto later = rv.v.as("tom");
        CHECK(later->alarmSettings().views == 5);
        CHECK(later->alarmSettings().minutes == 60);
        for (int i = 0; i < 6; ++i) {
            REQUIRE(later->readSop(rv.sops[static_cast<std::size_t>(i)]));
            rv.v.clock().advance(500);
        }
        auto alerts = rv.v.as("olivia")->viewAlerts();
        REQUIRE(alerts);
        REQUIRE(alerts->size() == 1);
        CHECK(alerts->front().sops == 6);
        CHECK(rv.v.verifyAsOwner().ok);
    }
}
