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
};

[[nodiscard]] Marks marksOf(const State& state);
// nullopt when this machine has never opened the vault as this person. `genesis` is the
// genesis hash of the file being opened: a record made for another vault is reported as such.
[[nodiscard]] Result<std::optional<Marks>> loadMarks(const std::filesystem::path& file,
                                                     const crypto::SecureBuffer& macKey,
                                                     const crypto::Hash32& genesis);
[[nodiscard]] Result<void> saveMarks(const std::filesystem::path& file,
                                     const crypto::SecureBuffer& macKey, const Marks& marks);
// `integrity` with what was found if the file is older than, forks from, or is another vault
// than what this machine saw.
[[nodiscard]] Result<void> compareMarks(const State& state, const Marks& seen);

} // namespace sopvault::core::detail
