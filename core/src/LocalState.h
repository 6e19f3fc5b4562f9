// Rollback and fork detection: what this machine has seen of a vault (the genesis it first
// trusted, the highest positions of each log and each SOP's head), kept outside the vault file
// in the XDG state directory and MAC'd with a key only the unlocking person can derive.
#pragma once

#include "State.h"

#include <filesystem>
#include <optional>
#include <tuple>

namespace sopvault::core::detail {

struct Marks
{
    crypto::Hash32 genesis{};
    std::uint64_t adminCount = 0;
    crypto::Hash32 adminHead{};
    std::uint64_t auditCount = 0;
    crypto::Hash32 auditHead{};
    std::uint64_t eventCount = 0;
    crypto::Hash32 eventHead{};
    std::vector<std::tuple<Id, std::uint64_t, crypto::Hash32>> sops;
    // The digest of the heads file `sops` came from (none for the first format).
    std::optional<crypto::Hash32> headsDigest;
    // The highest server position this machine verified and the running hash there (team
    // sync; zero for a vault that never synced, and in marks written before it).
    std::int64_t serverPosition = 0;
    crypto::Hash32 serverRunning{};
};

// nullopt when this machine has never opened the vault as this person. `genesis` is the
// genesis hash of the file being opened: a record made for another vault is reported as such.
[[nodiscard]] Result<std::optional<Marks>> loadMarks(const std::filesystem::path& file,
                                                     const crypto::SecureBuffer& macKey,
                                                     const crypto::Hash32& genesis);
// The SOP heads file last written for these marks: its digest, and the state's heads
// generation it was written at (the heads are encoded again only when that changes).
struct SavedHeads
{
    crypto::Hash32 digest{};
    std::uint64_t generation = 0;
};
// Writes the marks of `state`; the SOP heads file only if `headsGeneration` moved on since.
[[nodiscard]] Result<void> saveMarks(const std::filesystem::path& file,
                                     const crypto::SecureBuffer& macKey, const State& state,
                                     std::uint64_t headsGeneration, SavedHeads& saved);
// `integrity` with what was found if the file is older than, forks from, or is another vault
// than what this machine saw.
[[nodiscard]] Result<void> compareMarks(const State& state, const Marks& seen);
// `integrity` if the file's verified server log is behind or differs from the server position
// this machine saw: `runningAtSeen` is the file's running hash at `seen.serverPosition`, if it
// holds that position.
[[nodiscard]] Result<void> compareServerMark(const Marks& seen,
                                             const std::optional<crypto::Hash32>& runningAtSeen);
// True if `state` has exactly the SOP heads of `seen` (after compareMarks passed): its heads
// file need not be written again.
[[nodiscard]] bool sameHeads(const State& state, const Marks& seen);

// What this person's unlocks on this machine have already verified, so the next unlock need
// not check it again: every SOP version replay accepted (its entry hash, which commits to the
// whole chain before it, and what replay needs of it) and the list line of each SOP's newest
// version (its content without body or message). Encrypted and authenticated under a key only
// the person derives, beside the rollback marks; a cache that is missing, damaged or from
// another vault is ignored (unlock then checks everything, as on a first open).
struct CachedSop
{
    Id collection{};
    std::vector<VersionState> versions;
    std::optional<std::pair<crypto::Hash32, SopContent>> head; // newest version's list line
};

struct VerifiedCache
{
    crypto::Hash32 genesis{};
    std::map<Id, CachedSop> sops;
};

// Head summaries: the list line (SopContent without body or message) of a SOP's newest version,
// by SOP, with that version's entry hash.
using HeadSummaries = std::map<Id, std::pair<crypto::Hash32, SopContent>>;

// The cache of a state: sound SOPs only (a damaged one is checked again on every unlock).
[[nodiscard]] VerifiedCache cacheOf(const State& state, const HeadSummaries& heads);
[[nodiscard]] std::optional<VerifiedCache> loadCache(const std::filesystem::path& file,
                                                     const crypto::SecureBuffer& key,
                                                     const crypto::Hash32& genesis);
[[nodiscard]] Result<void> saveCache(const std::filesystem::path& file,
                                     const crypto::SecureBuffer& key, const VerifiedCache& cache);

} // namespace sopvault::core::detail
