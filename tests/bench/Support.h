// What every figure of the benchmark shares: a stopwatch, the spread of samples, the Figure row
// of the table and the JSON, and the way the bench unlocks its vaults (as the CLI would).
#pragma once

#include "Baselines.h"

#include "sopvault/core/Vault.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sopvault::bench {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

class Stopwatch
{
public:
    [[nodiscard]] double seconds() const
    {
        return std::chrono::duration<double>(Clock::now() - m_start).count();
    }
    [[nodiscard]] double ms() const { return seconds() * 1000.0; }

private:
    Clock::time_point m_start = Clock::now();
};

// Exits (the cluster, if any, is stopped by its exit handler).
[[noreturn]] inline void die(const std::string& what)
{
    std::fprintf(stderr, "sopvault_bench: %s\n", what.c_str());
    std::exit(1);
}

template <typename T>
T must(Result<T> result, std::string_view what)
{
    if (!result) {
        die(fmt::format("{}: {}", what, result.error().message));
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

inline crypto::SecureBuffer password(std::string_view user)
{
    return must(crypto::SecureBuffer::copyOf(std::string(user) + "-pw"), "password buffer");
}

// Like the CLI and the desktop app, the bench keeps this machine's record of each vault (the
// rollback marks and the verified cache), here beside the vault file.
inline std::filesystem::path stateDirOf(const std::filesystem::path& vault)
{
    return vault.parent_path() / (vault.stem().string() + "-state");
}

inline core::OpenOptions openOptions(const std::filesystem::path& vault)
{
    core::OpenOptions options;
    options.busyTimeout = std::chrono::milliseconds(60000);
    options.stateDir = stateDirOf(vault);
    return options;
}

inline std::unique_ptr<core::Session> unlockAs(const std::filesystem::path& vault,
                                               std::string_view user)
{
    return must(core::unlock(vault, user, password(user), openOptions(vault)), "unlock");
}

// One unlock to the SOP list, as every unlock figure measures it: the unlock and the list timed
// apart, and crypto_pwhash with the person's parameters timed beside them, so that Argon2id
// (a cost chosen by the profile, not by the vault) can be taken out. The session is closed
// before the KDF runs, and its closing (a WAL checkpoint, the cache) is not timed.
struct UnlockTiming
{
    double unlockS = 0; // with Argon2id
    double listS = 0;
    double kdfS = 0;
    std::size_t listed = 0;
    [[nodiscard]] double toListS() const { return unlockS - kdfS + listS; }
};

inline UnlockTiming timeUnlockToList(const std::filesystem::path& vault, std::string_view user)
{
    UnlockTiming out;
    Stopwatch u;
    auto session = unlockAs(vault, user);
    out.unlockS = u.seconds();
    Stopwatch l;
    out.listed = must(session->listSops(), "list").size();
    out.listS = l.seconds();
    session.reset();
    const auto params = crypto::kdfParams(crypto::KdfProfile::Interactive);
    out.kdfS = pwhashSeconds(std::string(user) + "-pw", params.opsLimit, params.memLimit);
    return out;
}

inline double median(std::vector<double> v)
{
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

// Nearest-rank percentile.
inline double percentile(std::vector<double> v, double p)
{
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

inline double mean(const std::vector<double>& v)
{
    return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// min / median / max of a set of samples, for the JSON and the docs.
inline json spread(const std::vector<double>& v)
{
    if (v.empty()) {
        return json(nullptr);
    }
    return {{"min", *std::min_element(v.begin(), v.end())},
            {"median", median(v)},
            {"max", *std::max_element(v.begin(), v.end())},
            {"n", v.size()}};
}

// Progress on stderr, so stdout carries only the table. `sops` 0: not tied to a corpus size.
inline void progress(std::size_t sops, const std::string& what)
{
    if (sops == 0) {
        std::fprintf(stderr, "[bench] %s\n", what.c_str());
    } else {
        std::fprintf(stderr, "[%zu SOPs] %s\n", sops, what.c_str());
    }
}

struct Figure
{
    std::string key;
    std::string label;
    double value = 0;
    std::string unit;
    std::optional<double> baseline;
    std::string baselineLabel;
    std::optional<double> ratio;
    std::string ratioLabel; // how the ratio is formed, e.g. "vault / baseline"
    std::string goal;
    std::optional<bool> met; // nullopt: the goal is stated for another size
    json detail = json::object();
    // Every repetition of the value and of the baseline, in the figure's unit, so a reader can
    // tell noise from a change: the table and the JSON show their min/median/max. A figure taken
    // once (a size on disk, a single import) has one sample.
    std::vector<double> samples;
    std::vector<double> baselineSamples;
};

// min / median / max of samples as the table prints it, e.g. "1.20/1.31/1.52 (n=3)".
inline std::string spreadText(const std::vector<double>& v, int decimals)
{
    if (v.empty()) {
        return "-";
    }
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return fmt::format("{:.{}f}/{:.{}f}/{:.{}f} (n={})", *lo, decimals, median(v), decimals, *hi,
                       decimals, v.size());
}

inline json toJson(const Figure& f)
{
    json j{{"label", f.label},
           {"value", f.value},
           {"unit", f.unit},
           {"goal", f.goal},
           {"detail", f.detail}};
    j["baseline"] = f.baseline ? json(*f.baseline) : json(nullptr);
    j["baseline_label"] = f.baselineLabel;
    j["ratio"] = f.ratio ? json(*f.ratio) : json(nullptr);
    j["ratio_label"] = f.ratioLabel;
    j["met"] = f.met ? json(*f.met) : json(nullptr);
    j["spread"] = spread(f.samples);
    j["baseline_spread"] = spread(f.baselineSamples);
    return j;
}

} // namespace sopvault::bench
