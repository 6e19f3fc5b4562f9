// sopvault.append: atomic batches at gapless positions under concurrency, and the compare-and-
// swap of chain heads that makes a writer on a stale head rebase instead of forking a chain.
#include "TestServer.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <thread>

using namespace sopvault;
using namespace sopvault::servertest;

TEST_CASE("Records append with their exact bytes and read back in order", "[server][append]")
{
    const std::string vault = freshVaultId();
    const std::string alice = freshMember({vault});
    auto c = connectAs(alice);
    const std::vector<remote::OutgoingRecord> batch{record("admin", 1), record("admin", 2),
                                                    record("sop:1", 1)};
    auto appended = remote::append(c, vault, batch);
    INFO((appended ? std::string() : appended.error().error.message));
    REQUIRE(appended);
    CHECK(appended->first == 1);
    CHECK(appended->last == 3);
    auto back = remote::recordsAfter(c, vault, 0);
    REQUIRE(back);
    REQUIRE(back->size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK((*back)[i].position == static_cast<std::int64_t>(i + 1));
        CHECK((*back)[i].record.body == batch[i].body);
        CHECK((*back)[i].record.hash == batch[i].hash);
        CHECK((*back)[i].record.prevHash == batch[i].prevHash);
        CHECK((*back)[i].author == alice);
    }
}

TEST_CASE("Concurrent appends are atomic and gapless", "[server][append][concurrency]")
{
    constexpr int kWriters = 6;
    constexpr int kBatches = 15;
    constexpr int kBatchSize = 3;
    const std::string vault = freshVaultId();
    std::vector<std::string> members;
    for (int w = 0; w < kWriters; ++w) {
        members.push_back(freshMember({vault}));
    }
    std::vector<std::string> problems(kWriters);
    std::vector<std::vector<remote::Appended>> landed(kWriters);
    std::atomic<int> staleRetries{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
        threads.emplace_back([&, w] {
            auto c = remote::Connection::open(urlAs(members[static_cast<std::size_t>(w)]));
            if (!c) {
                problems[static_cast<std::size_t>(w)] = c.error().error.message;
                return;
            }
            const std::string own = fmt::format("sop:{}", w);
            for (int b = 0; b < kBatches; ++b) {
                // Each batch extends this writer's own chain and the chain every writer shares,
                // so most batches race for the shared head and some must rebase.
                for (int attempt = 0;; ++attempt) {
                    auto head =
                        c->query("SELECT coalesce(max(height), 0) FROM sopvault.chain_heads "
                                 "WHERE vault_id = $1 AND chain = 'audit'",
                                 {remote::Param::text(vault)});
                    if (!head) {
                        problems[static_cast<std::size_t>(w)] = head.error().error.message;
                        return;
                    }
                    std::vector<remote::OutgoingRecord> batch;
                    for (int k = 0; k < kBatchSize - 1; ++k) {
                        batch.push_back(record(own, b * (kBatchSize - 1) + k + 1));
                    }
                    batch.push_back(record("audit", head->int64(0, 0) + 1));
                    auto r = remote::append(*c, vault, batch);
                    if (r) {
                        landed[static_cast<std::size_t>(w)].push_back(*r);
                        break;
                    }
                    if (r.error().fault != remote::Fault::StaleHead &&
                        r.error().fault != remote::Fault::Retry) {
                        problems[static_cast<std::size_t>(w)] = r.error().error.message;
                        return;
                    }
                    ++staleRetries;
                    if (attempt > 500) {
                        problems[static_cast<std::size_t>(w)] = "never got the head";
                        return;
                    }
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (const auto& p : problems) {
        CHECK(p.empty());
    }
    constexpr std::int64_t kTotal = kWriters * kBatches * kBatchSize;
    auto admin = connectAdmin();
    // Gapless: positions are exactly 1..N, and the vault's head is N.
    CHECK(count(admin, "SELECT count(*) FROM sopvault.records WHERE vault_id = $1",
                {remote::Param::text(vault)}) == kTotal);
    CHECK(count(admin, "SELECT max(position) FROM sopvault.records WHERE vault_id = $1",
                {remote::Param::text(vault)}) == kTotal);
    CHECK(count(admin, "SELECT last_position FROM sopvault.vaults WHERE vault_id = $1",
                {remote::Param::text(vault)}) == kTotal);
    // Atomic: every batch took consecutive positions, nothing of a refused batch landed.
    for (const auto& batches : landed) {
        CHECK(batches.size() == static_cast<std::size_t>(kBatches));
        for (const auto& a : batches) {
            CHECK(a.last - a.first + 1 == kBatchSize);
            CHECK(count(admin,
                        "SELECT count(DISTINCT author) FROM sopvault.records WHERE vault_id = $1 "
                        "AND position BETWEEN $2 AND $3",
                        {remote::Param::text(vault), remote::Param::int64(a.first),
                         remote::Param::int64(a.last)}) == 1);
        }
    }
    // The shared chain has one record per height: no two writers extended the same head.
    CHECK(count(admin,
                "SELECT count(DISTINCT height) FROM sopvault.records WHERE vault_id = $1 AND "
                "chain = 'audit'",
                {remote::Param::text(vault)}) == kWriters * kBatches);
    // Commit order is position order: ordered by position, each chain's heights only rise.
    CHECK(count(admin,
                "SELECT count(*) FROM (SELECT height - lag(height) OVER (PARTITION BY chain "
                "ORDER BY position) AS step FROM sopvault.records WHERE vault_id = $1) s "
                "WHERE step <> 1",
                {remote::Param::text(vault)}) == 0);
}

TEST_CASE("An append on a stale chain head is refused with the rebase code", "[server][append]")
{
    const std::string vault = freshVaultId();
    auto c = connectAs(freshMember({vault}));
    const std::vector<remote::OutgoingRecord> first{record("admin", 1), record("admin", 2)};
    REQUIRE(remote::append(c, vault, first));

    SECTION("a second writer that also saw height 1")
    {
        const std::vector<remote::OutgoingRecord> rival{record("admin", 2)};
        auto refused = remote::append(c, vault, rival);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().fault == remote::Fault::StaleHead);
        CHECK(refused.error().sqlState == "SV001");
        CHECK(refused.error().error.code == ErrorCode::Busy);
        CHECK_THAT(refused.error().error.message, Catch::Contains("admin"));
    }
    SECTION("the right height on a different previous hash")
    {
        auto forged = record("admin", 3);
        forged.prevHash = hashOf("elsewhere", 2);
        auto refused = remote::append(c, vault, std::vector{forged});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().fault == remote::Fault::StaleHead);
    }
    SECTION("a new chain that claims a previous record")
    {
        auto orphan = record("sop:9", 1);
        orphan.prevHash = hashOf("sop:9", 0);
        auto refused = remote::append(c, vault, std::vector{orphan});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().fault == remote::Fault::StaleHead);
    }
    SECTION("a batch whose last record is stale leaves nothing behind")
    {
        const std::vector<remote::OutgoingRecord> batch{record("sop:1", 1), record("admin", 2)};
        auto refused = remote::append(c, vault, batch);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().fault == remote::Fault::StaleHead);
    }
    auto admin = connectAdmin();
    CHECK(count(admin, "SELECT count(*) FROM sopvault.records WHERE vault_id = $1",
                {remote::Param::text(vault)}) == 2);
    CHECK(count(admin, "SELECT last_position FROM sopvault.vaults WHERE vault_id = $1",
                {remote::Param::text(vault)}) == 2);

    // The rebase: on the current head the same writer goes on.
    REQUIRE(remote::append(c, vault, std::vector{record("admin", 3)}));
}

TEST_CASE("A member holding the vault's lock does not block another member's append forever",
          "[server][append][lock]")
{
    const std::string vault = freshVaultId();
    auto holder = connectAs(freshMember({vault}));
    auto other = connectAs(freshMember({vault}));
    must(holder, "BEGIN");
    REQUIRE(remote::append(holder, vault, std::vector{record("admin", 1)}));
    // holder now keeps its transaction, and the vault row's lock, open.

    const auto start = std::chrono::steady_clock::now();
    auto blocked = remote::append(other, vault, std::vector{record("sop:2", 1)});
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(blocked);
    CHECK(blocked.error().fault == remote::Fault::Retry);
    CHECK(blocked.error().sqlState == "55P03");
    CHECK(blocked.error().error.code == ErrorCode::Busy);
    CHECK(waited < std::chrono::seconds(10));

    must(holder, "COMMIT");
    auto retried = remote::append(other, vault, std::vector{record("sop:2", 1)});
    REQUIRE(retried);
    CHECK(retried->first == 2);
}
