// The SQLSTATE mapping to the CLI's codes, an unreachable server as "offline" (exit 1), a URL
// with a password in it refused, and a database without the schema naming `server init`.
#include "CliRunner.h"
#include "TestServer.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::servertest;

TEST_CASE("SQLSTATEs map to the CLI's error codes", "[server][faults]")
{
    struct Case
    {
        const char* state;
        remote::Fault fault;
        ErrorCode code;
    };
    const Case cases[] = {
        {"SV001", remote::Fault::StaleHead, ErrorCode::Busy},
        {"40001", remote::Fault::Retry, ErrorCode::Busy},
        {"40P01", remote::Fault::Retry, ErrorCode::Busy},
        {"55P03", remote::Fault::Retry, ErrorCode::Busy},
        {"42501", remote::Fault::Denied, ErrorCode::Denied},
        {"SV004", remote::Fault::Denied, ErrorCode::Denied},
        {"28P01", remote::Fault::Auth, ErrorCode::Auth},
        {"28000", remote::Fault::Auth, ErrorCode::Auth},
        {"08006", remote::Fault::Offline, ErrorCode::Failed},
        {"57P01", remote::Fault::Offline, ErrorCode::Failed},
        {"", remote::Fault::Offline, ErrorCode::Failed},
        {"3F000", remote::Fault::NotFound, ErrorCode::NotFound},
        {"42704", remote::Fault::NotFound, ErrorCode::NotFound},
        {"22023", remote::Fault::Usage, ErrorCode::Usage},
        {"SV003", remote::Fault::Other, ErrorCode::Failed},
        {"XX000", remote::Fault::Other, ErrorCode::Failed},
    };
    for (const auto& c : cases) {
        INFO(c.state);
        const auto f = remote::classify(c.state, "something happened");
        CHECK(f.fault == c.fault);
        CHECK(f.error.code == c.code);
        CHECK(f.sqlState == c.state);
        CHECK_THAT(f.error.message, Catch::Contains("something happened"));
    }
    // The stale head is distinct from a plain retry, though both are busy to the CLI.
    CHECK(remote::classify("SV001", "").fault != remote::classify("55P03", "").fault);
}

TEST_CASE("A server that cannot be reached is offline: exit 1, failed", "[server][faults]")
{
    clitest::TempDir nowhere;
    const std::string url =
        "postgresql:///sopvault?host=" + nowhere.path().string() + "&user=postgres";
    auto c = remote::Connection::open(url);
    REQUIRE_FALSE(c);
    CHECK(c.error().fault == remote::Fault::Offline);
    CHECK(c.error().error.code == ErrorCode::Failed);

    clitest::CliRunner cli(nowhere.path());
    auto r = cli.run({"server", "init", "--admin", url});
    clitest::checkError(r, clitest::kFailed, "failed");
    CHECK_THAT(r.err, Catch::Contains("Cannot reach the server"));
}

TEST_CASE("A server URL with a password in it is refused before connecting", "[server][faults]")
{
    auto c = remote::Connection::open(urlAs("postgres") + "&password=hunter2");
    REQUIRE_FALSE(c);
    CHECK(c.error().fault == remote::Fault::Usage);
    auto kv = remote::Connection::open("host=" + socketDir() + " user=postgres password=hunter2");
    REQUIRE_FALSE(kv);
    CHECK(kv.error().fault == remote::Fault::Usage);

    clitest::TempDir home;
    clitest::CliRunner cli(home.path());
    auto r =
        cli.run({"server", "init", "--admin", "postgresql://postgres:hunter2@localhost/sopvault"});
    clitest::checkError(r, clitest::kUsage, "usage");
    CHECK_THAT(r.err, Catch::Contains("SOPVAULT_DB_PASSWORD"));
    CHECK(r.err.find("hunter2") == std::string::npos);
}

TEST_CASE("A database without the schema says to run server init", "[server][faults]")
{
    auto admin = connectAdmin("postgres"); // the cluster's own database never gets the schema
    auto r = remote::append(admin, freshVaultId(), std::vector{record("admin", 1)});
    REQUIRE_FALSE(r);
    CHECK(r.error().fault == remote::Fault::NotFound);
    CHECK_THAT(r.error().error.message, Catch::Contains("server init"));
}
