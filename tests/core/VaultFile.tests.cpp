// The vault file's store interface (VaultFile): logs read from a position, heads by chain, and
// a stray row an attacker slips in still read, so replay can report it.
#include "VaultFile.h"
#include "Records.h"
#include "Replay.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::core;
using namespace sopvault::core::detail;
using sopvault::test::TestVault;

namespace {

std::vector<LogRow> rowsOf(const VaultFile& file, Chain chain, std::uint64_t from)
{
    std::vector<LogRow> rows;
    REQUIRE(file.readLog(chain, from, [&](LogRow& row) -> Result<void> {
        rows.push_back(row);
        return {};
    }));
    return rows;
}

crypto::Hash32 hashOf(const LogRow& row)
{
    auto rec = decodeRecord(row.body, row.signature);
    REQUIRE(rec);
    return rec->hash();
}

// A vault with a few audit entries, SOP versions and a review record.
void addRecords(TestVault& v)
{
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Clients"));
    NewSop sop;
    sop.collection = "Clients";
    sop.title = "Restart the queue";
    sop.body = "Step 1\n";
    auto id = owner->addSop(sop);
    REQUIRE(id);
    SopEdit edit;
    edit.body = "Step 2\n";
    REQUIRE(owner->editSop(*id, edit));
    REQUIRE(owner->signOff(*id, ReviewDecision::Approved, "fine"));
}

} // namespace

TEST_CASE("each chain's head is its newest entry, and a log read from a position is its tail",
          "[core][storage]")
{
    TestVault v;
    addRecords(v);
    VaultFile file(v.raw());
    for (Chain chain : {Chain::Admin, Chain::Audit, Chain::Events}) {
        const auto all = rowsOf(file, chain, 0);
        REQUIRE_FALSE(all.empty());
        auto head = file.head(chain);
        REQUIRE(head);
        CHECK(head->next == all.back().position + 1);
        CHECK(head->hash == hashOf(all.back()));
        for (std::size_t i = 0; i < all.size(); ++i) {
            CHECK(all[i].position == i);
        }
        const auto tail = rowsOf(file, chain, all.size() - 1);
        REQUIRE(tail.size() == 1);
        CHECK(tail.front().body == all.back().body);
        CHECK(rowsOf(file, chain, all.size()).empty());
    }
    auto admins = file.adminCount();
    REQUIRE(admins);
    CHECK(*admins == rowsOf(file, Chain::Admin, 0).size());
    // The review record is filed under the SOP it concerns.
    const auto events = rowsOf(file, Chain::Events, 0);
    auto keys = file.versionKeys();
    REQUIRE(keys);
    REQUIRE(keys->size() == 2);
    CHECK(events.front().sopId == keys->front().sopId);
}

TEST_CASE("an audit row slipped in before position 0 is still read and breaks the chain",
          "[core][storage][tamper]")
{
    TestVault v;
    addRecords(v);
    {
        auto db = v.raw();
        auto first = db.prepare("SELECT record_id, body, signature FROM audit_log "
                                "WHERE position = 0");
        REQUIRE(first);
        REQUIRE(*first->step());
        auto insert = db.prepare("INSERT INTO audit_log (position, record_id, body, signature) "
                                 "VALUES (-1, ?, ?, ?)");
        REQUIRE(insert);
        crypto::Bytes id = first->columnBytes(0);
        id[0] ^= 1U;
        insert->bind(1, crypto::ByteView(id))
            .bind(2, crypto::ByteView(first->columnBytes(1)))
            .bind(3, crypto::ByteView(first->columnBytes(2)));
        REQUIRE(insert->run());
    }
    VaultFile file(v.raw());
    const auto rows = rowsOf(file, Chain::Audit, 0);
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.front().position == static_cast<std::uint64_t>(-1));
    auto replayed = replay(file, ReplayOptions{.checkAuditLog = true});
    REQUIRE(replayed);
    CHECK_FALSE(replayed->problems.empty());
    const auto report = v.verifyAsOwner();
    CHECK_FALSE(report.ok);
}
