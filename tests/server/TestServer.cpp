// Helpers for tests/server: see TestServer.h.
#include "TestServer.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <random>

namespace sopvault::servertest {

std::string socketDir()
{
    const char* dir = std::getenv("SOPVAULT_TEST_PGHOST");
    INFO("SOPVAULT_TEST_PGHOST names the test cluster's socket folder; run through ctest");
    REQUIRE(dir != nullptr);
    return dir;
}

std::string urlAs(std::string_view role, std::string_view database)
{
    return fmt::format("postgresql:///{}?host={}&user={}", database, socketDir(), role);
}

std::string adminUrl(std::string_view database)
{
    return urlAs("postgres", database);
}

remote::Connection connectAs(std::string_view role, std::string_view database)
{
    auto c = remote::Connection::open(urlAs(role, database));
    INFO((c ? std::string() : c.error().error.message));
    REQUIRE(c);
    return std::move(*c);
}

remote::Connection connectAdmin(std::string_view database)
{
    return connectAs("postgres", database);
}

void ensureSchema()
{
    auto admin = connectAdmin();
    auto applied = remote::applyMigrations(admin);
    INFO((applied ? std::string() : applied.error().error.message));
    REQUIRE(applied);
}

namespace {
std::mt19937_64& rng()
{
    static thread_local std::mt19937_64 engine{std::random_device{}()};
    return engine;
}
} // namespace

std::string freshVaultId()
{
    return fmt::format("{:016x}{:016x}", rng()(), rng()());
}

std::string freshName(std::string_view prefix)
{
    return fmt::format("{}_{:012x}", prefix, rng()() & 0xffffffffffffULL);
}

std::string freshMember(const std::vector<std::string>& vaults)
{
    ensureSchema();
    auto admin = connectAdmin();
    const std::string name = freshName("member");
    auto added = remote::addMember(admin, name, nullptr, vaults);
    INFO((added ? std::string() : added.error().error.message));
    REQUIRE(added);
    return name;
}

remote::Bytes hashOf(std::string_view chain, std::int64_t height)
{
    const std::string text = fmt::format("hash:{}:{}", chain, height);
    return remote::Bytes(text.begin(), text.end());
}

remote::OutgoingRecord record(std::string_view chain, std::int64_t height)
{
    remote::OutgoingRecord r;
    r.chain = std::string(chain);
    r.height = height;
    if (height > 1) {
        r.prevHash = hashOf(chain, height - 1);
    }
    r.hash = hashOf(chain, height);
    const std::string body = fmt::format("sealed record {} {} \x01\x02", chain, height);
    r.body.assign(body.begin(), body.end());
    r.body.push_back(0); // bytes, not text: a NUL inside must survive
    r.body.push_back(0xff);
    return r;
}

remote::Rows must(remote::Connection& c, std::string_view sql,
                  const std::vector<remote::Param>& params)
{
    auto rows = c.query(sql, params);
    INFO(sql);
    INFO((rows ? std::string() : rows.error().error.message));
    REQUIRE(rows);
    return std::move(*rows);
}

std::int64_t count(remote::Connection& c, std::string_view sql,
                   const std::vector<remote::Param>& params)
{
    auto rows = must(c, sql, params);
    REQUIRE(rows.size() == 1);
    return rows.int64(0, 0);
}

} // namespace sopvault::servertest
