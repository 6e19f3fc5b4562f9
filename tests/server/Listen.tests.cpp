// The LISTEN wake-up: an append to the vault wakes a waiting client, news of another vault does
// not, a notification that came before the wait is kept, and a killed session or interrupt()
// ends a wait instead of leaving a thread asleep.
#include "TestServer.h"

#include "sopvault/remote/Listen.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <thread>

using namespace sopvault;
using namespace sopvault::servertest;
using namespace std::chrono_literals;

namespace {

remote::Listener listenAs(std::string_view role, std::string_view vault)
{
    auto l = remote::Listener::open(urlAs(role), vault);
    INFO((l ? std::string() : l.error().error.message));
    REQUIRE(l);
    return std::move(*l);
}

std::int64_t appendOne(remote::Connection& c, std::string_view vault, std::int64_t height)
{
    const std::vector<remote::OutgoingRecord> batch{record("admin", height)};
    auto appended = remote::append(c, vault, batch);
    INFO((appended ? std::string() : appended.error().error.message));
    REQUIRE(appended);
    return appended->last;
}

} // namespace

TEST_CASE("An append wakes a listener with the vault's new position", "[server][listen]")
{
    ensureSchema();
    const std::string vault = freshVaultId();
    const std::string alice = freshMember({vault});
    const std::string bob = freshMember({vault});
    auto listener = listenAs(bob, vault);
    CHECK(listener.channel() == "sopvault_" + vault);
    CHECK(listener.wait(0ms) == remote::WakeUp::TimedOut);

    auto c = connectAs(alice);
    std::int64_t last = 0;
    std::thread writer([&] {
        for (int h = 1; h <= 3; ++h) {
            auto appended = remote::append(c, vault, std::vector{record("admin", h)});
            if (appended) {
                last = appended->last;
            }
        }
    });
    // The wait starts before or after the writes: either way it must see them.
    std::int64_t seen = 0;
    while (seen < 3) {
        REQUIRE(listener.wait(30s) == remote::WakeUp::Notified);
        seen = listener.lastNotified();
    }
    writer.join();
    CHECK(last == 3);
    CHECK(seen == 3);
    // Nothing more is pending once they were taken.
    CHECK(listener.wait(0ms) == remote::WakeUp::TimedOut);
}

TEST_CASE("A notification sent before the wait is not lost", "[server][listen]")
{
    ensureSchema();
    const std::string vault = freshVaultId();
    const std::string alice = freshMember({vault});
    auto listener = listenAs(alice, vault);
    auto c = connectAs(alice);
    REQUIRE(appendOne(c, vault, 1) == 1);
    REQUIRE(appendOne(c, vault, 2) == 2);
    // Both were committed before the wait began. The listening backend forwards each one on its
    // own, so the first wake-up may carry only the first: wait until the second is seen, which it
    // must be without a further append.
    REQUIRE(listener.wait(30s) == remote::WakeUp::Notified);
    while (listener.lastNotified() < 2) {
        REQUIRE(listener.wait(30s) == remote::WakeUp::Notified);
    }
    CHECK(listener.lastNotified() == 2);
    CHECK(listener.wait(0ms) == remote::WakeUp::TimedOut);
}

TEST_CASE("News of another vault does not wake a listener", "[server][listen]")
{
    ensureSchema();
    const std::string mine = freshVaultId();
    const std::string other = freshVaultId();
    const std::string alice = freshMember({mine, other});
    auto listener = listenAs(alice, mine);
    auto c = connectAs(alice);
    for (int h = 1; h <= 4; ++h) {
        appendOne(c, other, h);
    }
    // A superuser's own pg_notify on a neighbouring name must not count either.
    auto admin = connectAdmin();
    must(admin, "SELECT pg_notify($1, '99')", {remote::Param::text("sopvault_" + other)});
    must(admin, "SELECT pg_notify($1, '98')", {remote::Param::text("sopvault_" + mine + "0")});
    REQUIRE(appendOne(c, mine, 1) == 1);
    REQUIRE(listener.wait(30s) == remote::WakeUp::Notified);
    CHECK(listener.lastNotified() == 1);
    CHECK(listener.wait(0ms) == remote::WakeUp::TimedOut);
}

TEST_CASE("interrupt() from another thread ends a long wait", "[server][listen]")
{
    ensureSchema();
    const std::string vault = freshVaultId();
    const std::string alice = freshMember({vault});
    auto listener = listenAs(alice, vault);
    SECTION("while it waits")
    {
        std::thread stopper([&] { listener.interrupt(); });
        CHECK(listener.wait(600s) == remote::WakeUp::Interrupted);
        stopper.join();
    }
    SECTION("before it waits, once")
    {
        listener.interrupt();
        listener.interrupt();
        CHECK(listener.wait(600s) == remote::WakeUp::Interrupted);
        CHECK(listener.wait(0ms) == remote::WakeUp::TimedOut);
    }
}

TEST_CASE("A session the server ends makes the wait return Closed", "[server][listen]")
{
    ensureSchema();
    const std::string vault = freshVaultId();
    const std::string alice = freshMember({vault});
    auto listener = listenAs(alice, vault);
    auto admin = connectAdmin();
    REQUIRE(must(admin, "SELECT pg_terminate_backend($1::int)",
                 {remote::Param::int64(listener.backendPid())})
                .boolean(0, 0));
    CHECK(listener.wait(600s) == remote::WakeUp::Closed);
    CHECK(listener.wait(0ms) == remote::WakeUp::Closed);
}

TEST_CASE("A vault id that is not hex is refused before any SQL", "[server][listen]")
{
    ensureSchema();
    const std::string alice = freshMember({freshVaultId()});
    for (const char* bad : {"", "ABCDEF", "x\"; DROP TABLE sopvault.records; --", "a b"}) {
        INFO(bad);
        auto l = remote::Listener::open(urlAs(alice), bad);
        REQUIRE_FALSE(l);
        CHECK(l.error().fault == remote::Fault::Usage);
    }
    auto tooLong = remote::Listener::open(urlAs(alice), std::string(60, 'a'));
    REQUIRE_FALSE(tooLong);
    CHECK(tooLong.error().fault == remote::Fault::Usage);
}

TEST_CASE("An unreachable server is Offline for the listener too", "[server][listen]")
{
    auto l =
        remote::Listener::open("postgresql:///sopvault?host=/nonexistent-sopvault-dir", "00ff");
    REQUIRE_FALSE(l);
    CHECK(l.error().fault == remote::Fault::Offline);
}
