// The steps of team sync inside core: pull (verify and rebase) and push, over a VaultFile and,
// for an unlocked vault, its Engine (a clone has none: it checks with the keyless replay).
#pragma once

#include "Engine.h"
#include "sopvault/core/Sync.h"

#include <functional>

namespace sopvault::core::detail {

struct PullOutcome
{
    std::size_t pulled = 0;
    std::size_t rebased = 0;
    std::vector<std::string> refused;
    std::vector<std::string> notices;
};

using Progress = std::function<void(std::size_t, std::size_t)>;

// A server's failure as this replica reports it (the server's own sentence and code).
[[nodiscard]] std::unexpected<Error> serverFailure(const ServerError& error);

// Pulls everything after the replica's verified position, checks it (gapless, hashes, seen
// values against this replica's running hash, chain heights, then every rule of replay) and
// writes it in one transaction with the replay inside it. With `engine`, my unconfirmed records
// the server's history overtook are rebased (logs) or kept as conflicts (SOPs). Anything wrong
// rolls back and is `integrity`, saying what was found.
[[nodiscard]] Result<PullOutcome> pull(RecordServer& server, VaultFile& file, Engine* engine,
                                       const Id& vault, const Progress& progress = {});

// Pushes the outbox in order (each batch followed by a pull that confirms it), rebasing on a
// stale head and backing off on a busy server. Adds to `report`.
[[nodiscard]] Result<void> push(RecordServer& server, Engine& engine, SyncReport& report);

} // namespace sopvault::core::detail
