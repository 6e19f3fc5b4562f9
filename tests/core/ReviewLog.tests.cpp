// Tamper case 11 (security.md): a review sign-off or flag record moved, dropped or flipped in the
// file fails closed like a version chain: the reads that depend on it are `integrity`, lists
// mark the SOP as damaged, nothing is written on top, and verify lists the record.
#include "Records.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::core;
using crypto::Bytes;
using sopvault::test::TestVault;

namespace {

void exec(storage::Database& db, std::string_view sql)
{
    auto stmt = db.prepare(sql);
    REQUIRE(stmt);
    INFO(sql);
    REQUIRE(stmt->run());
}

std::int64_t count(storage::Database& db, std::string_view sql)
{
    auto stmt = db.prepare(sql);
    REQUIRE(stmt);
    auto row = stmt->step();
    REQUIRE(row);
    REQUIRE(*row);
    return stmt->columnInt(0);
}

// The template covers Result<void> too.
template <typename T>
bool isIntegrity(const Result<T>& r)
{
    return !r && r.error().code == ErrorCode::Integrity;
}

// olivia owns; rita reviews and tom is a technician on Ops; two SOPs there.
struct LogVault
{
    TestVault v;
    Id patching{};
    Id backups{};

    LogVault()
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        for (const char* who : {"rita", "tom", "erin"}) {
            REQUIRE(owner->addUser(who, test::password(std::string(who) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("rita", "reviewer", "Ops"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        REQUIRE(owner->grant("erin", "editor", "Ops"));
        NewSop n;
        n.collection = "Ops";
        n.title = "Monthly patching";
        n.body = "1. Patch\n";
        patching = *owner->addSop(n);
        n.title = "Backup restore test";
        n.body = "1. Restore\n";
        backups = *owner->addSop(n);
    }

    std::int64_t events()
    {
        auto db = v.raw();
        return count(db, "SELECT count(*) FROM sop_events");
    }

    // Every read of review status and flags, as rita (reviewer) and erin (editor).
    void requireAllFailClosed(const Id& sop)
    {
        auto rita = v.as("rita");
        CHECK(isIntegrity(rita->reviewHistory(sop)));
        CHECK(isIntegrity(rita->changesSinceReview(sop)));
        auto due = rita->reviewsDue(rita->now(), 100000);
        if (due) {
            bool marked = false;
            for (const ReviewItem& item : *due) {
                marked = marked || (item.id == sop && item.damaged);
            }
            CHECK(marked);
        }
        auto line = rita->summary(sop);
        REQUIRE(line);
        CHECK(line->reviewDamaged);
        auto erin = v.as("erin");
        auto flags = erin->flags(false);
        if (flags) {
            bool marked = false;
            for (const FlagInfo& f : *flags) {
                CHECK((f.sop != sop || f.damaged));
                marked = marked || (f.sop == sop && f.damaged);
            }
            CHECK(marked);
        }
        CHECK(isIntegrity(rita->quarterReport("2027-Q1", rita->now())));

        // Nothing is written on top of the damaged log.
        const auto before = events();
        CHECK(isIntegrity(rita->signOff(sop, ReviewDecision::Approved, "looks fine")));
        CHECK(isIntegrity(v.as("tom")->flag(sop, "step 2 is wrong")));
        CHECK(events() == before);
    }
};

} // namespace

TEST_CASE("tamper 11: a sign-off moved to another SOP fails closed for both SOPs",
          "[core][tamper][review]")
{
    LogVault lv;
    REQUIRE(lv.v.as("rita")->signOff(lv.patching, ReviewDecision::ChangesRequested,
                                     "step 2 is missing"));
    REQUIRE(lv.v.verifyAsOwner().ok);
    {
        auto db = lv.v.raw();
        auto move = db.prepare("UPDATE sop_events SET sop_id = ?");
        REQUIRE(move);
        move->bind(1, crypto::ByteView(lv.backups));
        REQUIRE(move->run());
    }
    lv.requireAllFailClosed(lv.patching);
    lv.requireAllFailClosed(lv.backups);
    const VerifyReport report = lv.v.verifyAsOwner();
    CHECK_FALSE(report.ok);
    bool listed = false;
    for (const VerifyProblem& p : report.problems) {
        listed = listed || p.record == "review or flag record #0";
    }
    CHECK(listed);
}

TEST_CASE("tamper 11: a dropped 'changes requested' in the middle of the log fails closed for "
          "every SOP",
          "[core][tamper][review]")
{
    LogVault lv;
    {
        auto rita = lv.v.as("rita");
        REQUIRE(rita->signOff(lv.patching, ReviewDecision::ChangesRequested, "step 2 is wrong"));
        REQUIRE(rita->signOff(lv.backups, ReviewDecision::Approved, "fine"));
        REQUIRE(lv.v.as("tom")->flag(lv.backups, "the restore path moved"));
    }
    REQUIRE(lv.v.verifyAsOwner().ok);

    SECTION("the row is deleted (a gap)")
    {
        auto db = lv.v.raw();
        exec(db, "DELETE FROM sop_events WHERE position = 0");
    }
    SECTION("the row is deleted and the rest renumbered (no gap in the table)")
    {
        auto db = lv.v.raw();
        exec(db, "DELETE FROM sop_events WHERE position = 0");
        exec(db, "UPDATE sop_events SET position = position - 1");
    }
    // Which SOP lost a record cannot be known: no SOP's review status is trusted.
    auto rita = lv.v.as("rita");
    CHECK(isIntegrity(rita->reviewsDue(rita->now(), 100000)));
    CHECK(isIntegrity(rita->reviewHistory(lv.backups)));
    CHECK(isIntegrity(rita->reviewHistory(lv.patching)));
    CHECK(isIntegrity(lv.v.as("erin")->flags(true)));
    CHECK(rita->summary(lv.patching)->reviewDamaged);
    CHECK(rita->summary(lv.backups)->reviewDamaged);
    lv.requireAllFailClosed(lv.patching);
    CHECK_FALSE(lv.v.verifyAsOwner().ok);
}

TEST_CASE("tamper 11: a flipped byte anywhere in a flag record fails closed", "[core][tamper]")
{
    LogVault lv;
    REQUIRE(lv.v.as("tom")->flag(lv.patching, "Step 1 uses the old WSUS server"));
    Bytes body;
    Bytes signature;
    {
        auto db = lv.v.raw();
        auto row = db.prepare("SELECT body, signature FROM sop_events");
        REQUIRE(row);
        REQUIRE(*row->step());
        body = row->columnBytes(0);
        signature = row->columnBytes(1);
    }
    auto put = [&](const Bytes& b, const Bytes& s) {
        auto db = lv.v.raw();
        auto update = db.prepare("UPDATE sop_events SET body = ?, signature = ?");
        REQUIRE(update);
        update->bind(1, crypto::ByteView(b)).bind(2, crypto::ByteView(s));
        REQUIRE(update->run());
    };
    const std::size_t total = body.size() + signature.size();
    for (std::size_t i = 0; i < total; i += 5) {
        Bytes b = body;
        Bytes s = signature;
        (i < b.size() ? b[i] : s[i - b.size()]) ^= 0x20;
        put(b, s);
        INFO("flipped byte " << i << " of " << total);
        auto flags = lv.v.as("erin")->flags(false);
        if (flags) {
            REQUIRE(flags->size() == 1);
            CHECK(flags->front().damaged);
        } else {
            CHECK(flags.error().code == ErrorCode::Integrity);
        }
        CHECK_FALSE(lv.v.verifyAsOwner().ok);
    }
    put(body, signature);
    CHECK(lv.v.verifyAsOwner().ok);
    auto flags = lv.v.as("erin")->flags(false);
    REQUIRE(flags);
    REQUIRE(flags->size() == 1);
    CHECK_FALSE(flags->front().damaged);
}

TEST_CASE("tamper 11: the rollback marks catch a review log whose newest record was dropped",
          "[core][tamper][review]")
{
    LogVault lv;
    lv.v.useStateDir();
    {
        auto rita = lv.v.as("rita");
        REQUIRE(rita->signOff(lv.patching, ReviewDecision::Approved, "fine"));
        REQUIRE(rita->signOff(lv.patching, ReviewDecision::ChangesRequested, "no: step 2"));
    }
    {
        auto db = lv.v.raw();
        exec(db, "DELETE FROM sop_events WHERE position = 1");
    }
    // The tail of a hash chain leaves no gap; only what this machine saw before can tell.
    auto reopened = lv.v.tryAs("rita");
    REQUIRE_FALSE(reopened);
    CHECK(reopened.error().code == ErrorCode::Integrity);
}

TEST_CASE("tamper 11: a review record added to the file after the vault was opened is not "
          "built on",
          "[core][tamper][review]")
{
    LogVault lv;
    auto rita = lv.v.as("rita");
    {
        // Someone else signs off meanwhile: the open session's view of the log is behind.
        REQUIRE(lv.v.as("olivia")->signOff(lv.backups, ReviewDecision::Approved, "ok"));
    }
    const auto before = lv.events();
    auto late = rita->signOff(lv.patching, ReviewDecision::Approved, "fine");
    REQUIRE_FALSE(late);
    CHECK(late.error().code == ErrorCode::Busy);
    CHECK(lv.events() == before);
    REQUIRE(lv.v.as("rita")->signOff(lv.patching, ReviewDecision::Approved, "fine"));
    CHECK(lv.v.verifyAsOwner().ok);
}
