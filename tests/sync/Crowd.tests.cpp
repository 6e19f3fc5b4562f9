// A crowd on one server: 20 clients writing 50 SOPs each at once, each with its own file, state
// and connection (core Sessions in threads). Every write lands once and every replica converges.
#include "Team.h"
#include "sopvault/remote/Server.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>
#include <thread>
#include <vector>

using namespace sopvault;
using namespace sopvault::synctest;

namespace {

constexpr std::size_t kClients = 20;
constexpr std::size_t kWrites = 50;
// Each client pushes as it goes, every few writes, so pushes of all of them overlap.
constexpr std::size_t kWritesPerSync = 10;

// A sync that a busy server may refuse for a while (lock timeouts under load): retried, as a
// client would. Runs on a worker thread, so it reports rather than asserts.
std::string syncRetrying(core::Session& session, core::RecordServer& server)
{
    std::string last;
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto report = session.sync(server);
        if (report) {
            if (!report->conflicts.empty() || !report->refused.empty()) {
                return "a sync reported a conflict or a refused act";
            }
            return {};
        }
        last = report.error().message;
        if (report.error().code != ErrorCode::Busy) {
            return last;
        }
    }
    return "still busy after 50 tries: " + last;
}

} // namespace

TEST_CASE("20 clients writing 50 SOPs each at once: every write lands once and every replica "
          "ends at the same position and fingerprint",
          "[sync][crowd]")
{
    Team team;
    team.found();
    std::vector<Person*> people{&team.owner()};
    {
        auto owner = team.owner().unlock();
        auto admin = team.admin();
        for (std::size_t i = 1; i < kClients; ++i) {
            Person& p = team.addPerson(fmt::format("c{:02}", i));
            auto password = crypto::SecureBuffer::copyOf(clitest::passwordOf(p.name()));
            REQUIRE(password);
            REQUIRE(owner->addUser(p.name(), *password, crypto::KdfProfile::Interactive));
            REQUIRE(owner->grant(p.name(), "editor", "Clients"));
            auto member = remote::addMember(admin, p.name(), nullptr, {team.vaultId()});
            INFO((member ? std::string() : member.error().error.message));
            REQUIRE(member);
            people.push_back(&p);
        }
        auto server = team.owner().server();
        auto pushed = owner->sync(server);
        INFO((pushed ? std::string() : pushed.error().message));
        REQUIRE(pushed);
    }
    const std::int64_t before = team.serverRecords();

    // Every laptop clones, then unlocks; each keeps its session and its own connection.
    std::vector<std::unique_ptr<core::Session>> sessions;
    std::vector<remote::PgServer> servers;
    for (Person* p : people) {
        servers.push_back(p->server());
        if (p != &team.owner()) {
            std::filesystem::create_directories(p->vault().parent_path());
            auto cloned = core::cloneVault(servers.back(), p->url(), team.vaultId(), p->vault());
            INFO(p->name() << ": " << (cloned ? std::string() : cloned.error().message));
            REQUIRE(cloned);
            CHECK(cloned->position == before);
        }
        sessions.push_back(p->unlock());
    }

    std::vector<std::string> problems(kClients);
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            for (std::size_t w = 0; w < kWrites && problems[c].empty(); ++w) {
                core::NewSop sop;
                sop.collection = "Clients";
                sop.title = fmt::format("client {} write {}", c, w);
                sop.body = fmt::format("# client {} write {}\n", c, w);
                auto added = sessions[c]->addSop(sop);
                if (!added) {
                    problems[c] = "write: " + added.error().message;
                } else if ((w + 1) % kWritesPerSync == 0) {
                    problems[c] = syncRetrying(*sessions[c], servers[c]);
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (std::size_t c = 0; c < kClients; ++c) {
        INFO("client " << c);
        CHECK(problems[c] == std::string());
    }

    // Two quiet rounds: the first brings everyone everything, the second proves nothing is left.
    for (int round = 0; round < 2; ++round) {
        for (std::size_t c = 0; c < kClients; ++c) {
            INFO("client " << c);
            CHECK(syncRetrying(*sessions[c], servers[c]) == std::string());
        }
    }

    auto admin = team.admin();
    const std::vector<remote::Param> vault{remote::Param::text(team.vaultId())};
    CHECK(countRows(admin,
                    "SELECT count(*) FROM sopvault.records WHERE vault_id = $1 AND chain LIKE "
                    "'sop/%'",
                    vault) == static_cast<std::int64_t>(kClients * kWrites));
    CHECK(team.serverDoubles() == 0);
    CHECK(team.serverOutOfOrder() == 0);
    CHECK(countRows(admin,
                    "SELECT count(*) FROM (SELECT position, row_number() OVER (ORDER BY position) "
                    "AS n FROM sopvault.records WHERE vault_id = $1) t WHERE position <> n",
                    vault) == 0);
    const std::int64_t last = team.serverRecords();

    auto first = sessions[0]->remote();
    REQUIRE(first);
    CHECK(first->position == last);
    for (std::size_t c = 0; c < kClients; ++c) {
        INFO("client " << c);
        auto info = sessions[c]->remote();
        REQUIRE(info);
        CHECK(info->pending == 0);
        CHECK(info->position == first->position);
        CHECK(info->fingerprint == first->fingerprint);
        auto list = sessions[c]->listSops();
        REQUIRE(list);
        CHECK(list->size() == kClients * kWrites);
    }
    sessions.clear();
    // A replica that was not in the crowd agrees too.
    Person& late = team.join("late", "technician", "Clients");
    // (Each command adds its own audit entry: the two agree at the lower of their positions.)
    const auto owner = team.owner().remoteShow();
    const auto cloned = late.remoteShow();
    const auto at = std::to_string(std::min(owner.at("position").get<std::int64_t>(),
                                            cloned.at("position").get<std::int64_t>()));
    CHECK(team.owner().json({"remote", "show", "--at", at}).at("fingerprint") ==
          late.json({"remote", "show", "--at", at}).at("fingerprint"));
}
