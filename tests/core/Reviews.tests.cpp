// Quarterly reviews with a fake clock: due dates across month ends, leap days and year ends,
// due-soon and overdue transitions, sign-offs bound to versions, flags, and the quarter report.
#include "Attacker.h"
#include "Records.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

constexpr std::int64_t kDay = 86400;

Timestamp date(const char* text)
{
    auto t = parseDate(text);
    REQUIRE(t);
    return *t;
}

struct ReviewVault
{
    TestVault v;
    Id sop{};

    // olivia owns; erin edits; rita reviews; tom is a technician; all on Ops.
    explicit ReviewVault(const char* created, std::uint32_t every = 90)
    {
        v.clock().set(date(created) + 9 * 3600);
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        for (const char* who : {"erin", "rita", "tom"}) {
            REQUIRE(owner->addUser(who, test::password(std::string(who) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("erin", "editor", "Ops"));
        REQUIRE(owner->grant("rita", "reviewer", "Ops"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        NewSop n;
        n.collection = "Ops";
        n.title = "Monthly patching";
        n.body = "1. Patch\n";
        n.reviewEveryDays = every;
        auto id = owner->addSop(n);
        REQUIRE(id);
        sop = *id;
    }

    ReviewItem dueItem(Session& s, Timestamp asOf)
    {
        auto list = s.reviewsDue(asOf, 100000);
        REQUIRE(list);
        REQUIRE(list->size() == 1);
        return list->front();
    }
};

} // namespace

TEST_CASE("due dates land on the right day across month ends, leap days and year ends",
          "[core][review]")
{
    struct Case
    {
        const char* created;
        std::uint32_t days;
        const char* due;
    };
    for (const Case& c :
         {Case{"2027-11-30", 90, "2028-02-28"}, Case{"2028-01-31", 30, "2028-03-01"},
          Case{"2028-02-29", 365, "2029-02-28"}, Case{"2027-12-31", 1, "2028-01-01"},
          Case{"2027-01-31", 28, "2027-02-28"}, Case{"2027-10-03", 90, "2028-01-01"}}) {
        INFO(c.created << " + " << c.days);
        CHECK(formatDate(reviewDueAt(date(c.created) + 15 * 3600, c.days)) == c.due);
    }
}

TEST_CASE("status moves from ok to due-soon, due and overdue as the clock advances",
          "[core][review]")
{
    const Timestamp due = date("2027-04-01") + 10 * 3600;
    CHECK(reviewStatus(due, date("2027-03-17"), 14) == ReviewStatus::Ok);
    CHECK(reviewStatus(due, date("2027-03-18"), 14) == ReviewStatus::DueSoon);
    CHECK(reviewStatus(due, date("2027-03-31") + 86399, 14) == ReviewStatus::DueSoon);
    CHECK(reviewStatus(due, date("2027-04-01"), 14) == ReviewStatus::Due);
    CHECK(reviewStatus(due, date("2027-04-01") + 86399, 14) == ReviewStatus::Due);
    CHECK(reviewStatus(due, date("2027-04-02"), 14) == ReviewStatus::Overdue);
    CHECK(reviewStatus(due, date("2027-03-25"), 7) == ReviewStatus::DueSoon);
    CHECK(reviewStatus(due, date("2027-03-24"), 7) == ReviewStatus::Ok);
}

TEST_CASE("an approval resets the schedule; changes-requested does not", "[core][review]")
{
    ReviewVault rv("2027-01-01");
    auto rita = rv.v.as("rita");
    CHECK(formatDate(rv.dueItem(*rita, date("2027-01-02")).due) == "2027-04-01");
    CHECK(rita->reviewsDue(date("2027-03-01"))->empty());
    CHECK(rita->reviewsDue(date("2027-03-20"))->front().status == ReviewStatus::DueSoon);
    CHECK(rita->reviewsDue(date("2027-04-05"))->front().status == ReviewStatus::Overdue);

    rv.v.clock().set(date("2027-03-25") + 3600);
    REQUIRE(rita->signOff(rv.sop, ReviewDecision::ChangesRequested, "step 2 is missing"));
    CHECK(formatDate(rv.dueItem(*rita, date("2027-03-26")).due) == "2027-04-01");

    rv.v.clock().set(date("2027-03-28") + 3600);
    REQUIRE(rita->signOff(rv.sop, ReviewDecision::Approved, "fine now"));
    const ReviewItem item = rv.dueItem(*rita, date("2027-03-29"));
    CHECK(formatDate(item.due) == "2027-06-26");
    CHECK(item.lastApprovedVersion == 1);
    CHECK_FALSE(item.changedSinceReview);
    CHECK(rita->reviewsDue(date("2027-04-05"))->empty());

    SECTION("the list's review-due column is the same date, after the approval too")
    {
        // Both front ends show SopSummary::reviewDue; created + interval would say 2027-04-01.
        auto line = rita->summary(rv.sop);
        REQUIRE(line);
        CHECK(formatDate(line->reviewDue) == "2027-06-26");
        auto list = rita->listSops();
        REQUIRE(list);
        REQUIRE(list->size() == 1);
        CHECK(formatDate(list->front().reviewDue) == "2027-06-26");
    }

    auto history = rita->reviewHistory(rv.sop);
    REQUIRE(history);
    REQUIRE(history->size() == 2);
    CHECK((*history)[0].decision == ReviewDecision::ChangesRequested);
    CHECK((*history)[0].comment == "step 2 is missing");
    CHECK((*history)[1].reviewer == "rita");
    CHECK((*history)[1].version == 1);

    SECTION("--as-of style planning: the same list for any day, without waiting")
    {
        CHECK(rita->reviewsDue(date("2027-06-20"))->front().status == ReviewStatus::DueSoon);
        CHECK(rita->reviewsDue(date("2027-06-27"))->front().status == ReviewStatus::Overdue);
    }
}

TEST_CASE("an edit after approval shows what changed since the last review", "[core][review]")
{
    ReviewVault rv("2027-01-01");
    {
        auto rita = rv.v.as("rita");
        REQUIRE(rita->signOff(rv.sop, ReviewDecision::Approved, ""));
        CHECK(rita->changesSinceReview(rv.sop)->empty());
    }
    {
        auto erin = rv.v.as("erin");
        SopEdit edit;
        edit.body = "1. Patch\n2. Reboot in the window\n";
        REQUIRE(erin->editSop(rv.sop, edit));
    }
    auto rita = rv.v.as("rita");
    const ReviewItem item = rv.dueItem(*rita, date("2027-01-02"));
    CHECK(item.changedSinceReview);
    auto changes = rita->changesSinceReview(rv.sop);
    REQUIRE(changes);
    CHECK(changes->find("+2. Reboot in the window") != std::string::npos);
}

TEST_CASE("a sign-off needs the review right", "[core][review][access]")
{
    ReviewVault rv("2027-01-01");
    for (const char* who : {"tom", "erin"}) {
        auto s = rv.v.as(who);
        auto denied = s->signOff(rv.sop, ReviewDecision::Approved, "looks fine");
        REQUIRE_FALSE(denied);
        CHECK(denied.error().code == ErrorCode::Denied);
        CHECK(s->reviewsDue(date("2027-12-31"))->empty());
    }
}

TEST_CASE("tamper case 7: a sign-off forged by a technician and written into the file is "
          "rejected",
          "[core][review][tamper]")
{
    using namespace sopvault::core::detail;
    ReviewVault rv("2027-01-01");
    REQUIRE(rv.v.verifyAsOwner().ok);
    const test::Stolen tom = test::steal(rv.v, "tom");
    {
        // Build a well-formed sign-off record signed by tom, chained correctly.
        auto db = rv.v.raw();
        const Record version = test::raw::decoded(test::raw::versionRow(db, rv.sop, 1));
        auto versionPayload = decodeSopVersion(version.payload);
        REQUIRE(versionPayload);
        EventPayload p;
        p.sopId = rv.sop;
        p.collectionId = versionPayload->collectionId;
        p.epoch = 0;
        p.version = 1;
        p.versionHash = version.hash();
        p.decision = 1;
        p.encryptedText = crypto::randomBytes(40);
        RecordHeader h;
        h.vault = version.header.vault;
        h.recordId = randomId();
        h.kind = RecordKind::Signoff;
        h.position = 0;
        h.signer = tom.user;
        h.time = rv.v.clock().now();
        h.adminCount =
            static_cast<std::uint64_t>(test::raw::count(db, "SELECT count(*) FROM admin_log"));
        test::raw::putEvent(db, rv.sop, test::raw::signRecord(h, encode(p), tom.sign.secretKey));
    }
    const auto report = rv.v.verifyAsOwner();
    CHECK_FALSE(report.ok);
    REQUIRE_FALSE(report.problems.empty());
    CHECK(report.problems.front().problem.find("'review'") != std::string::npos);
    // The forged approval is not taken: the SOP's review status fails closed instead of
    // silently dropping the record.
    auto rita = rv.v.as("rita");
    auto history = rita->reviewHistory(rv.sop);
    REQUIRE_FALSE(history);
    CHECK(history.error().code == ErrorCode::Integrity);
    CHECK(rv.dueItem(*rita, date("2027-01-02")).damaged);
}

TEST_CASE("the quarter report for a scripted year matches the hand-written expectation",
          "[core][review]")
{
    ReviewVault rv("2027-01-01"); // "Monthly patching", every 90 days: due 2027-04-01
    Id second{};
    {
        auto owner = rv.v.as("olivia");
        NewSop n;
        n.collection = "Ops";
        n.title = "Backup restore test";
        n.body = "1. Restore\n";
        n.reviewEveryDays = 90;
        second = *owner->addSop(n); // also due 2027-04-01
    }
    auto rita = rv.v.as("rita");
    // Patching: approved early on 2027-03-20 (next due 2027-06-18), then late on 2027-06-25
    // (next due 2027-09-23), then nothing. Backup: approved on time on 2027-04-01, then missed.
    rv.v.clock().set(date("2027-03-20") + 3600);
    REQUIRE(rita->signOff(rv.sop, ReviewDecision::Approved, ""));
    rv.v.clock().set(date("2027-04-01") + 3600);
    REQUIRE(rita->signOff(second, ReviewDecision::Approved, ""));
    rv.v.clock().set(date("2027-06-25") + 3600);
    REQUIRE(rita->signOff(rv.sop, ReviewDecision::Approved, ""));

    auto owner = rv.v.as("olivia");
    const Timestamp asOf = date("2027-12-31");
    struct Row
    {
        const char* title;
        const char* due;
        const char* outcome;
    };
    // Rows of one kind, in report order; `when` is the due day, or the day of the sign-off.
    auto check = [&](const char* quarter, QuarterRowKind kind, std::vector<Row> expected) {
        INFO(quarter << " " << quarterRowKindName(kind));
        auto report = owner->quarterReport(quarter, asOf);
        REQUIRE(report);
        std::vector<QuarterRow> rows;
        std::copy_if(report->begin(), report->end(), std::back_inserter(rows),
                     [&](const QuarterRow& r) { return r.kind == kind; });
        REQUIRE(rows.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            INFO("row " << i);
            CHECK(rows[i].title == expected[i].title);
            CHECK(formatDate(kind == QuarterRowKind::Due ? rows[i].due : *rows[i].signedAt) ==
                  expected[i].due);
            CHECK(rows[i].outcome == expected[i].outcome);
        }
    };
    const auto due = QuarterRowKind::Due;
    const auto signoff = QuarterRowKind::Signoff;
    check("2027-Q1", due, {});
    check("2027-Q1", signoff, {{"Monthly patching", "2027-03-20", "approved"}});
    check("2027-Q2", due,
          {{"Backup restore test", "2027-04-01", "signed-off"},
           {"Monthly patching", "2027-04-01", "signed-off"},
           {"Monthly patching", "2027-06-18", "late"},
           {"Backup restore test", "2027-06-30", "missed"}});
    check("2027-Q2", signoff,
          {{"Backup restore test", "2027-04-01", "approved"},
           {"Monthly patching", "2027-06-25", "approved"}});
    check("2027-Q3", due, {{"Monthly patching", "2027-09-23", "missed"}});
    check("2027-Q3", signoff, {});
    check("2027-Q4", due, {});
    CHECK(owner->quarterReport("2027-Q5", asOf).error().code == ErrorCode::Usage);
}

TEST_CASE("the quarter report shows a sign-off made in a quarter in which nothing was due",
          "[core][review]")
{
    ReviewVault rv("2027-01-01"); // due 2027-04-01: nothing is due in Q1
    auto rita = rv.v.as("rita");
    rv.v.clock().set(date("2027-02-10") + 3600);
    REQUIRE(rita->signOff(rv.sop, ReviewDecision::Approved, "looks right"));
    rv.v.clock().set(date("2027-03-01") + 3600);
    REQUIRE(rita->signOff(rv.sop, ReviewDecision::ChangesRequested, "step 3 is stale"));

    auto owner = rv.v.as("olivia");
    auto report = owner->quarterReport("2027-Q1", date("2027-12-31"));
    REQUIRE(report);
    REQUIRE(report->size() == 2);
    const QuarterRow& approved = (*report)[0];
    CHECK(approved.kind == QuarterRowKind::Signoff);
    CHECK(approved.sop == rv.sop);
    CHECK(approved.title == "Monthly patching");
    CHECK(approved.collection == "Ops");
    CHECK(approved.outcome == "approved");
    CHECK(approved.decision == ReviewDecision::Approved);
    CHECK(approved.signedBy == "rita");
    CHECK(formatDate(*approved.signedAt) == "2027-02-10");
    CHECK(approved.version == 1U);
    CHECK(formatDate(approved.due) == "2027-04-01"); // what was due when it was signed
    const QuarterRow& changes = (*report)[1];
    CHECK(changes.kind == QuarterRowKind::Signoff);
    CHECK(changes.outcome == "changes-requested");
    CHECK(changes.decision == ReviewDecision::ChangesRequested);
    CHECK(formatDate(*changes.signedAt) == "2027-03-01");
    CHECK(formatDate(changes.due) == "2027-05-11"); // 90 days from the approval
    // The early approval also met the next due date, as the Q2 rows say.
    auto q2 = owner->quarterReport("2027-Q2", date("2027-12-31"));
    REQUIRE(q2);
    REQUIRE_FALSE(q2->empty());
    CHECK(q2->front().kind == QuarterRowKind::Due);
    CHECK(formatDate(q2->front().due) == "2027-04-01");
    CHECK(q2->front().outcome == "signed-off");
}

TEST_CASE("an approval on the day a SOP was created is in its quarter's report, and the next "
          "quarter shows the due date review due shows",
          "[core][review]")
{
    ReviewVault rv("2027-01-01"); // created 09:00, due 2027-04-01
    {
        auto rita = rv.v.as("rita");
        rv.v.clock().set(date("2027-01-01") + 15 * 3600);
        REQUIRE(rita->signOff(rv.sop, ReviewDecision::Approved, ""));
    }
    // One rule for both: the approval restarts the schedule, so the next review is due
    // 2027-04-01, and the report's row for that day is the running cycle.
    CHECK(formatDate(rv.dueItem(*rv.v.as("rita"), date("2027-01-02")).due) == "2027-04-01");
    auto owner = rv.v.as("olivia");
    for (const char* asOf : {"2027-01-02", "2027-12-31"}) {
        INFO("as of " << asOf);
        auto q2 = owner->quarterReport("2027-Q2", date(asOf));
        REQUIRE(q2);
        REQUIRE(q2->size() == 1);
        const QuarterRow& first = q2->front();
        CHECK(first.kind == QuarterRowKind::Due);
        CHECK(formatDate(first.due) == "2027-04-01");
        CHECK(first.outcome == (std::string(asOf) == "2027-01-02" ? "pending" : "missed"));
    }
    auto q1 = owner->quarterReport("2027-Q1", date("2027-12-31"));
    REQUIRE(q1);
    REQUIRE(q1->size() == 1);
    CHECK(q1->front().kind == QuarterRowKind::Signoff);
    CHECK(formatDate(*q1->front().signedAt) == "2027-01-01");
}

TEST_CASE("a technician's flag reaches editors; a resolution or a new version closes it",
          "[core][review][flag]")
{
    ReviewVault rv("2027-01-01");
    Id first{};
    {
        auto tom = rv.v.as("tom");
        auto empty = tom->flag(rv.sop, "   ");
        REQUIRE_FALSE(empty);
        CHECK(empty.error().code == ErrorCode::Usage);
        first = *tom->flag(rv.sop, "Step 1 uses the old WSUS server");
        REQUIRE(tom->flag(rv.sop, "Screenshots are stale"));
        CHECK(tom->resolveFlag(first, "done").error().code == ErrorCode::Denied);
    }
    auto erin = rv.v.as("erin");
    auto open = erin->flags(true);
    REQUIRE(open);
    REQUIRE(open->size() == 2);
    CHECK(open->front().author == "tom");
    CHECK(open->front().comment == "Step 1 uses the old WSUS server");
    REQUIRE(erin->resolveFlag(first, "Pointed step 1 at the new server"));
    CHECK(erin->flags(true)->size() == 1);
    CHECK(erin->resolveFlag(first, "again").error().code == ErrorCode::Failed);

    SopEdit edit;
    edit.body = "1. Patch via the new server\n";
    REQUIRE(erin->editSop(rv.sop, edit));
    CHECK(erin->flags(true)->empty());
    auto all = erin->flags(false);
    REQUIRE(all->size() == 2);
    CHECK(all->front().resolvedBy == "erin");
    CHECK(all->back().resolution == "resolved by version 2");
    CHECK(rv.v.verifyAsOwner().ok);
}
