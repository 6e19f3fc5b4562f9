// The team-sync figures of performance.md (wave 2) against the bench's own PostgreSQL cluster:
// a clone to a new machine, an edit seen by another connected client, 20 clients at once.
#pragma once

#include "Support.h"

#include <filesystem>
#include <string_view>

namespace sopvault::bench {

// Applies the server schema to the cluster startCluster() made (once per run).
void prepareServer();

// Publishes the owner's vault (the corpus of one size) to the server, then clones it `reps`
// times as `reader` on a new machine (a fresh file and state folder) to the SOP list, against
// COPY of the same rows plus the raw signature checks and decryption of the same bytes.
[[nodiscard]] Figure cloneFigure(core::Session& owner, std::string_view reader, std::size_t sops,
                                 const std::filesystem::path& dir, int reps);

// One person edits a SOP and syncs; another, connected and woken by LISTEN/NOTIFY, syncs and
// sees the new version. p95 of the time from the edit to the other screen having it.
[[nodiscard]] Figure editSeenFigure(const std::filesystem::path& work);

// 20 replicas writing 50 edits each at once, each edit followed by a sync: throughput, every
// write once on the server and in the history, every replica at the same (position, fingerprint).
[[nodiscard]] Figure crowdFigure(const std::filesystem::path& work);

} // namespace sopvault::bench
