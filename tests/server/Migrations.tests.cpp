// `server init`: the embedded migrations apply once, re-apply as a no-op, serialise two
// administrators, and refuse a released migration that was edited on the server.
#include "CliRunner.h"
#include "TestServer.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <thread>

using namespace sopvault;
using namespace sopvault::servertest;

namespace {

// A database of its own, dropped at the end: these tests need one without the schema.
class FreshDatabase
{
public:
    FreshDatabase() : m_name(freshName("db"))
    {
        auto admin = connectAdmin();
        must(admin, fmt::format("CREATE DATABASE {}", m_name));
    }
    ~FreshDatabase()
    {
        auto admin = remote::Connection::open(adminUrl());
        if (admin) {
            (void)admin->query(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", m_name));
        }
    }
    FreshDatabase(const FreshDatabase&) = delete;
    FreshDatabase& operator=(const FreshDatabase&) = delete;
    [[nodiscard]] const std::string& name() const { return m_name; }

private:
    std::string m_name;
};

} // namespace

TEST_CASE("Migrations apply on a fresh database and re-apply as a no-op", "[server][migrations]")
{
    FreshDatabase db;
    auto admin = connectAdmin(db.name());
    auto first = remote::applyMigrations(admin);
    REQUIRE(first);
    CHECK(first->before == 0);
    CHECK(first->after == remote::knownSchemaVersion());
    REQUIRE(first->applied.size() == static_cast<std::size_t>(remote::knownSchemaVersion()));
    CHECK(first->applied.front() == "0001_server.sql");
    CHECK(count(admin, "SELECT count(*) FROM pg_tables WHERE schemaname = 'sopvault'") == 5);
    CHECK(count(admin, "SELECT count(*) FROM pg_proc WHERE proname = 'append' AND prosecdef") == 1);

    auto again = remote::applyMigrations(admin);
    REQUIRE(again);
    CHECK(again->applied.empty());
    CHECK(again->before == remote::knownSchemaVersion());
    CHECK(count(admin, "SELECT count(*) FROM sopvault.schema_migrations") ==
          remote::knownSchemaVersion());
}

TEST_CASE("Two administrators running server init at once apply each migration once",
          "[server][migrations]")
{
    FreshDatabase db;
    auto a = connectAdmin(db.name());
    auto b = connectAdmin(db.name());
    remote::Outcome<remote::MigrationReport> ra = remote::failure(remote::Fault::Other, "not run");
    remote::Outcome<remote::MigrationReport> rb = ra;
    std::thread ta([&] { ra = remote::applyMigrations(a); });
    std::thread tb([&] { rb = remote::applyMigrations(b); });
    ta.join();
    tb.join();
    INFO((ra ? std::string() : ra.error().error.message));
    INFO((rb ? std::string() : rb.error().error.message));
    REQUIRE(ra);
    REQUIRE(rb);
    CHECK(ra->applied.size() + rb->applied.size() ==
          static_cast<std::size_t>(remote::knownSchemaVersion()));
}

TEST_CASE("A released migration edited on the server is refused", "[server][migrations]")
{
    FreshDatabase db;
    auto admin = connectAdmin(db.name());
    REQUIRE(remote::applyMigrations(admin));
    must(admin, "UPDATE sopvault.schema_migrations SET checksum = md5('edited') WHERE version = 1");
    auto again = remote::applyMigrations(admin);
    REQUIRE_FALSE(again);
    CHECK(again.error().error.code == ErrorCode::Integrity);
    CHECK_THAT(again.error().error.message, Catch::Contains("0001_server.sql"));
}

TEST_CASE("server init through the CLI is idempotent and speaks text and JSON",
          "[server][migrations][cli]")
{
    FreshDatabase db;
    clitest::TempDir home;
    clitest::CliRunner cli(home.path());
    auto first = cli.run({"--json", "server", "init", "--admin", adminUrl(db.name())});
    INFO(first.describe());
    REQUIRE(first.code == clitest::kOk);
    auto doc = clitest::parseJson(first);
    CHECK(doc["schema_version"] == remote::knownSchemaVersion());
    CHECK(doc["previous_version"] == 0);
    CHECK(doc["applied"].size() == static_cast<std::size_t>(remote::knownSchemaVersion()));

    auto second = cli.run({"server", "init", "--admin", adminUrl(db.name())});
    INFO(second.describe());
    REQUIRE(second.code == clitest::kOk);
    CHECK_THAT(second.out, Catch::Contains("nothing to apply"));
}
