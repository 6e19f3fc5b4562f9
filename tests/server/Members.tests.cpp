// Tamper case 15 and member administration: a removed member's sessions end and its role can
// no longer log in; add-member makes only plain member roles and never sends a password.
#include "CliRunner.h"
#include "TestServer.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace sopvault;
using namespace sopvault::servertest;

TEST_CASE("A removed member's sessions end and its role can no longer log in, read or append",
          "[server][members][tamper]")
{
    const std::string vault = freshVaultId();
    const std::string leaver = freshMember({vault});
    auto session = connectAs(leaver);
    REQUIRE(remote::append(session, vault, std::vector{record("admin", 1)}));

    clitest::TempDir home;
    clitest::CliRunner cli(home.path());
    auto removed = cli.run({"--json", "server", "remove-member", leaver, "--admin", adminUrl()});
    INFO(removed.describe());
    REQUIRE(removed.code == clitest::kOk);
    auto doc = clitest::parseJson(removed);
    CHECK(doc["member"] == leaver);
    CHECK(doc["vaults_removed"] == 1);
    CHECK(doc["sessions_ended"] == 1);

    // The open session is gone: its next query finds no server.
    auto read = session.query("SELECT count(*) FROM sopvault.records");
    REQUIRE_FALSE(read);
    CHECK(read.error().fault == remote::Fault::Offline);

    // A new login is refused, with the auth code.
    auto again = remote::Connection::open(urlAs(leaver));
    REQUIRE_FALSE(again);
    CHECK(again.error().fault == remote::Fault::Auth);
    CHECK(again.error().error.code == ErrorCode::Auth);

    // Its records stay; the role is out of the group and of every vault.
    auto admin = connectAdmin();
    CHECK(count(admin, "SELECT count(*) FROM sopvault.records WHERE vault_id = $1",
                {remote::Param::text(vault)}) == 1);
    CHECK(count(admin, "SELECT count(*) FROM pg_roles WHERE rolname = $1 AND NOT rolcanlogin",
                {remote::Param::text(leaver)}) == 1);
    CHECK(count(admin, "SELECT count(*) FROM sopvault.members WHERE role_name = $1",
                {remote::Param::text(leaver)}) == 0);
    CHECK(count(admin,
                "SELECT count(*) FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.member "
                "WHERE r.rolname = $1",
                {remote::Param::text(leaver)}) == 0);

    // Removing again is "not found", and the text form says what happened.
    auto twice = cli.run({"server", "remove-member", leaver, "--admin", adminUrl()});
    clitest::checkError(twice, clitest::kNotFound, "not-found");
}

TEST_CASE("add-member gives a plain member role, its password only as a SCRAM verifier",
          "[server][members]")
{
    ensureSchema();
    const std::string vault = freshVaultId();
    const std::string name = freshName("tom");
    const std::string password = "correct horse server staple";
    clitest::TempDir home;
    clitest::CliRunner cli(home.path());
    auto added = cli.run(
        {"--json", "server", "add-member", name, "--vault-id", vault, "--admin", adminUrl()},
        {{"SOPVAULT_NEW_DB_PASSWORD", password}});
    INFO(added.describe());
    REQUIRE(added.code == clitest::kOk);
    auto doc = clitest::parseJson(added);
    CHECK(doc["created"] == true);
    CHECK(doc["password"] == true);
    CHECK(doc["vaults"] == nlohmann::json::array({vault}));

    auto admin = connectAdmin();
    auto role =
        must(admin,
             "SELECT rolcanlogin, rolsuper OR rolcreaterole OR rolcreatedb OR "
             "rolbypassrls OR rolreplication, rolpassword FROM pg_authid WHERE rolname = $1",
             {remote::Param::text(name)});
    REQUIRE(role.size() == 1);
    CHECK(role.boolean(0, 0));
    CHECK_FALSE(role.boolean(0, 1));
    CHECK(role.text(0, 2).starts_with("SCRAM-SHA-256$"));
    CHECK(role.text(0, 2).find(password) == std::string::npos);

    // Again with another vault: the same role, one more vault, no new password.
    const std::string second = freshVaultId();
    auto more = cli.run({"server", "add-member", name, "--vault-id", second, "--no-password",
                         "--admin", adminUrl()});
    INFO(more.describe());
    REQUIRE(more.code == clitest::kOk);
    CHECK_THAT(more.out, Catch::Contains("Updated the database role"));
    CHECK(count(admin, "SELECT count(*) FROM sopvault.members WHERE role_name = $1",
                {remote::Param::text(name)}) == 2);
}

TEST_CASE("add-member refuses to adopt an existing role that is not a member, such as the "
          "superuser",
          "[server][members]")
{
    ensureSchema();
    auto admin = connectAdmin();
    auto superuser = remote::addMember(admin, "postgres", nullptr, {freshVaultId()});
    REQUIRE_FALSE(superuser);
    CHECK(superuser.error().error.code == ErrorCode::Usage);
    CHECK(count(admin, "SELECT count(*) FROM pg_roles WHERE rolname = 'postgres' AND rolsuper") ==
          1);
    CHECK(count(admin, "SELECT count(*) FROM sopvault.members WHERE role_name = 'postgres'") == 0);

    auto reserved = remote::addMember(admin, "pg_monitor", nullptr, {});
    REQUIRE_FALSE(reserved);
    CHECK(reserved.error().error.code == ErrorCode::Usage);
    auto quoted = remote::addMember(admin, "Tom\"; DROP ROLE postgres; --", nullptr, {});
    REQUIRE_FALSE(quoted);
    CHECK(quoted.error().error.code == ErrorCode::Usage);

    // remove-member may not lock the administrator out either.
    auto lockout = remote::removeMember(admin, "postgres");
    REQUIRE_FALSE(lockout);
    CHECK(lockout.error().error.code == ErrorCode::NotFound);
    CHECK(count(admin, "SELECT count(*) FROM pg_roles WHERE rolname = 'postgres' AND "
                       "rolcanlogin") == 1);
}

TEST_CASE("add-member without a password source is a usage error, and says how to give one",
          "[server][members][cli]")
{
    ensureSchema();
    clitest::TempDir home;
    clitest::CliRunner cli(home.path());
    const std::string name = freshName("nopw");
    auto r = cli.run({"server", "add-member", name, "--admin", adminUrl()},
                     {{"SOPVAULT_NEW_PASSWORD", "the vault's, not the database's"}});
    clitest::checkError(r, clitest::kUsage, "usage");
    CHECK_THAT(r.err, Catch::Contains("SOPVAULT_NEW_DB_PASSWORD"));
    auto admin = connectAdmin();
    CHECK(count(admin, "SELECT count(*) FROM pg_roles WHERE rolname = $1",
                {remote::Param::text(name)}) == 0);
}
