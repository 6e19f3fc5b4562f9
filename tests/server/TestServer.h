// Shared helpers of the server tests: connections to the run's throwaway cluster (the `pg`
// fixture), a fresh vault id and member role per test, and records to append.
#pragma once

#include "sopvault/remote/Server.h"

#include <string>
#include <string_view>

namespace sopvault::servertest {

// The cluster's socket folder, from $SOPVAULT_TEST_PGHOST (set by CTest); REQUIREs it.
[[nodiscard]] std::string socketDir();
// A libpq URL for `role` on `database` of the test cluster (trust authentication).
[[nodiscard]] std::string urlAs(std::string_view role, std::string_view database = "sopvault");
// The superuser, playing the database administrator (and, in tamper tests, a malicious server).
[[nodiscard]] std::string adminUrl(std::string_view database = "sopvault");
// REQUIRE-s a connection.
[[nodiscard]] remote::Connection connectAs(std::string_view role,
                                           std::string_view database = "sopvault");
[[nodiscard]] remote::Connection connectAdmin(std::string_view database = "sopvault");
// The shared database with the schema applied (idempotent; safe from parallel tests).
void ensureSchema();

[[nodiscard]] std::string freshVaultId();
[[nodiscard]] std::string freshName(std::string_view prefix);
// A new member role (no password: the cluster trusts local connections) in `vaults`.
[[nodiscard]] std::string freshMember(const std::vector<std::string>& vaults);

// A record on `chain` at `height` extending `prev` (empty for height 1); its hash is derived
// from chain and height so a test can give the next one's prevHash.
[[nodiscard]] remote::OutgoingRecord record(std::string_view chain, std::int64_t height);
[[nodiscard]] remote::Bytes hashOf(std::string_view chain, std::int64_t height);

// A query that must succeed (REQUIRE), for the test's own set-up and inspection.
remote::Rows must(remote::Connection& c, std::string_view sql,
                  const std::vector<remote::Param>& params = {});
// The count(*) a query returns.
[[nodiscard]] std::int64_t count(remote::Connection& c, std::string_view sql,
                                 const std::vector<remote::Param>& params = {});

} // namespace sopvault::servertest
