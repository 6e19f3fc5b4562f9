// Tamper case 14 and the walls between members: a member's role may only SELECT what its vaults
// hold and EXECUTE append; history cannot be changed in place, not even by the tables' owner.
#include "TestServer.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::servertest;

namespace {

void checkRefused(remote::Connection& c, std::string_view sql, std::string_view sqlState,
                  const std::vector<remote::Param>& params = {})
{
    auto r = c.query(sql, params);
    INFO(sql);
    REQUIRE_FALSE(r);
    CHECK(r.error().sqlState == sqlState);
    CHECK(r.error().fault == remote::Fault::Denied);
    CHECK(r.error().error.code == ErrorCode::Denied);
}

} // namespace

TEST_CASE("A member's role cannot UPDATE, DELETE or TRUNCATE records, nor can their owner",
          "[server][privileges][tamper]")
{
    const std::string vault = freshVaultId();
    const std::string member = freshMember({vault});
    auto c = connectAs(member);
    REQUIRE(remote::append(c, vault, std::vector{record("admin", 1), record("admin", 2)}));
    const std::vector<remote::Param> v{remote::Param::text(vault)};

    SECTION("the member: no privilege")
    {
        checkRefused(c, "UPDATE sopvault.records SET body = '\\x00' WHERE vault_id = $1", "42501",
                     v);
        checkRefused(c, "DELETE FROM sopvault.records WHERE vault_id = $1", "42501", v);
        checkRefused(c, "TRUNCATE sopvault.records CASCADE", "42501");
        checkRefused(c, "UPDATE sopvault.chain_heads SET height = 1 WHERE vault_id = $1", "42501",
                     v);
        checkRefused(c, "UPDATE sopvault.vaults SET last_position = 0 WHERE vault_id = $1", "42501",
                     v);
    }
    SECTION("the owner of the tables: the append-only triggers")
    {
        auto admin = connectAdmin();
        checkRefused(admin, "UPDATE sopvault.records SET body = '\\x00' WHERE vault_id = $1",
                     "SV004", v);
        checkRefused(admin, "DELETE FROM sopvault.records WHERE vault_id = $1", "SV004", v);
        checkRefused(admin, "TRUNCATE sopvault.records CASCADE", "SV004");
        checkRefused(admin, "UPDATE sopvault.chain_heads SET height = 1 WHERE vault_id = $1",
                     "SV004", v);
        checkRefused(admin, "DELETE FROM sopvault.chain_heads WHERE vault_id = $1", "SV004", v);
        checkRefused(admin, "UPDATE sopvault.vaults SET last_position = 1 WHERE vault_id = $1",
                     "SV004", v);
        checkRefused(admin, "DELETE FROM sopvault.vaults WHERE vault_id = $1", "SV004", v);
    }
    auto admin = connectAdmin();
    CHECK(count(admin,
                "SELECT count(*) FROM sopvault.records WHERE vault_id = $1 AND "
                "body <> '\\x00'",
                v) == 2);
    CHECK(count(admin, "SELECT height FROM sopvault.chain_heads WHERE vault_id = $1", v) == 2);
}

TEST_CASE("A member's role cannot INSERT directly, nor make itself a member of another vault",
          "[server][privileges][tamper]")
{
    const std::string mine = freshVaultId();
    const std::string theirs = freshVaultId();
    const std::string member = freshMember({mine});
    (void)freshMember({theirs});
    auto c = connectAs(member);
    checkRefused(c,
                 "INSERT INTO sopvault.records (vault_id, position, chain, height, entry_hash, "
                 "body, seen_position, author) VALUES ($1, 1, 'admin', 1, '\\x01', '\\x02', 0, "
                 "'x')",
                 "42501", {remote::Param::text(mine)});
    checkRefused(c, "INSERT INTO sopvault.members (vault_id, role_name) VALUES ($1, $2)", "42501",
                 {remote::Param::text(theirs), remote::Param::text(member)});
    checkRefused(c, "INSERT INTO sopvault.chain_heads VALUES ($1, 'admin', 9, '\\x01')", "42501",
                 {remote::Param::text(mine)});
    checkRefused(c, "INSERT INTO sopvault.vaults (vault_id) VALUES ($1)", "42501",
                 {remote::Param::text(freshVaultId())});
    // Nor call the administration functions, which run with the caller's rights anyway.
    checkRefused(c, "SELECT sopvault.admin_add_member($1, NULL, ARRAY[$2])", "42501",
                 {remote::Param::text(member), remote::Param::text(theirs)});
    checkRefused(c, "SELECT sopvault.admin_remove_member($1)", "42501",
                 {remote::Param::text(member)});
    checkRefused(c, "CREATE TABLE sopvault.mine (x int)", "42501");
    auto admin = connectAdmin();
    CHECK(count(admin, "SELECT count(*) FROM sopvault.members WHERE role_name = $1",
                {remote::Param::text(member)}) == 1);
}

TEST_CASE("A member sees and appends to only the vaults it belongs to", "[server][privileges][rls]")
{
    const std::string mine = freshVaultId();
    const std::string theirs = freshVaultId();
    const std::string alice = freshMember({mine});
    const std::string bob = freshMember({theirs});
    auto a = connectAs(alice);
    auto b = connectAs(bob);
    REQUIRE(remote::append(a, mine, std::vector{record("admin", 1)}));
    REQUIRE(remote::append(b, theirs, std::vector{record("admin", 1), record("admin", 2)}));

    // Every table, unfiltered: only alice's own vault, memberships and heads.
    CHECK(count(a, "SELECT count(*) FROM sopvault.records") == 1);
    CHECK(count(a, "SELECT count(*) FROM sopvault.records WHERE vault_id = $1",
                {remote::Param::text(theirs)}) == 0);
    CHECK(count(a, "SELECT count(*) FROM sopvault.vaults") == 1);
    CHECK(count(a, "SELECT count(*) FROM sopvault.members") == 1);
    CHECK(count(a, "SELECT count(*) FROM sopvault.chain_heads") == 1);
    auto theirRecords = remote::recordsAfter(a, theirs, 0);
    REQUIRE(theirRecords);
    CHECK(theirRecords->empty());

    auto intrusion = remote::append(a, theirs, std::vector{record("admin", 3)});
    REQUIRE_FALSE(intrusion);
    CHECK(intrusion.error().fault == remote::Fault::Denied);
    CHECK(intrusion.error().error.code == ErrorCode::Denied);
    CHECK(count(b, "SELECT count(*) FROM sopvault.records") == 2);
}

TEST_CASE("A member's role cannot turn the append-only triggers off, rewrite memberships or "
          "become the tables' owner",
          "[server][privileges][tamper]")
{
    const std::string vault = freshVaultId();
    const std::string member = freshMember({vault});
    const std::string other = freshMember({vault});
    auto c = connectAs(member);
    REQUIRE(remote::append(c, vault, std::vector{record("admin", 1)}));
    const std::vector<remote::Param> v{remote::Param::text(vault)};

    // What the malicious server of the sync tests does as the superuser, a member cannot.
    checkRefused(c, "ALTER TABLE sopvault.records DISABLE TRIGGER USER", "42501");
    checkRefused(c, "SET session_replication_role = replica", "42501");
    checkRefused(c, "SET ROLE postgres", "42501");
    checkRefused(c, "DELETE FROM sopvault.members WHERE vault_id = $1", "42501", v);
    checkRefused(c, "UPDATE sopvault.members SET role_name = $2 WHERE vault_id = $1", "42501",
                 {remote::Param::text(vault), remote::Param::text(member)});
    // A data-modifying CTE is still a DELETE.
    checkRefused(c,
                 "WITH gone AS (DELETE FROM sopvault.records WHERE vault_id = $1 RETURNING 1) "
                 "SELECT count(*) FROM gone",
                 "42501", v);

    auto admin = connectAdmin();
    CHECK(count(admin, "SELECT count(*) FROM sopvault.records WHERE vault_id = $1", v) == 1);
    CHECK(count(admin, "SELECT count(*) FROM sopvault.members WHERE vault_id = $1", v) == 2);
    CHECK(count(admin,
                "SELECT count(*) FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid WHERE "
                "r.relname = 'records' AND NOT t.tgisinternal AND t.tgenabled = 'D'") == 0);
    (void)other;
}
