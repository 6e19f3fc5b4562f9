// The one seeded generator of the tests and the benchmark corpus: SplitMix64, with its own
// uniform and normal draws, so the same seed gives the same data on every machine and standard
// library (std::*_distribution are implementation-defined, and std::random_device is not a seed).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>

namespace sopvault::test {

class Random
{
public:
    explicit Random(std::uint64_t seed) : m_state(seed) {}
    // A generator for one item (a SOP, a version) derived from a seed and the item's numbers,
    // so any item can be regenerated alone, in any order.
    static Random forItem(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0)
    {
        Random r(seed ^ (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL));
        (void)r.next();
        return r;
    }

    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31U);
    }
    // Uniform in [0, n); the modulo bias (n is tiny next to 2^64) does not matter here.
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    // Uniform in [lo, hi].
    std::size_t between(std::size_t lo, std::size_t hi) { return lo + below(hi - lo + 1); }
    // Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }
    bool chance(double p) { return unit() < p; }
    // Standard normal (Box-Muller, one of the pair).
    double normal()
    {
        const double u1 = 1.0 - unit(); // (0, 1]: log() stays finite
        const double u2 = unit();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }
    template <typename T>
    const T& pick(std::span<const T> items)
    {
        return items[below(items.size())];
    }

private:
    std::uint64_t m_state;
};

} // namespace sopvault::test
