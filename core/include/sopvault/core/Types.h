// Basic vocabulary of the vault: ids, rights, SOP states, timestamps.
#pragma once

#include "sopvault/crypto/Bytes.h"
#include "sopvault/crypto/Error.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

// Random 16-byte identity of every record, user, collection and SOP (never auto-increment,
// so copies of a vault from several machines can later be merged as a union of records).
using Id = std::array<std::uint8_t, 16>;
[[nodiscard]] Id randomId();
[[nodiscard]] std::string toHex(const Id& id);
[[nodiscard]] Result<Id> idFromHex(std::string_view hex);
[[nodiscard]] bool isZero(const Id& id) noexcept;

// Seconds since 1970-01-01T00:00:00Z.
using Timestamp = std::int64_t;
// "2026-11-22T10:15:00Z"
[[nodiscard]] std::string formatTime(Timestamp t);
// "2026-11-22"
[[nodiscard]] std::string formatDate(Timestamp t);
// Parses "YYYY-MM-DD" as midnight UTC.
[[nodiscard]] Result<Timestamp> parseDate(std::string_view text);

enum class Right : std::uint32_t
{
    View = 1U << 0,
    Edit = 1U << 1,
    Export = 1U << 2,
    Review = 1U << 3,
    Manage = 1U << 4,
};

// A set of rights, as a bit mask of Right values.
class Rights
{
public:
    constexpr Rights() = default;
    constexpr explicit Rights(std::uint32_t bits) : m_bits(bits & kAllBits) {}
    constexpr Rights(std::initializer_list<Right> rights)
    {
        for (Right r : rights) {
            m_bits |= static_cast<std::uint32_t>(r);
        }
    }
    [[nodiscard]] static constexpr Rights all() { return Rights(kAllBits); }
    [[nodiscard]] constexpr bool has(Right r) const
    {
        return (m_bits & static_cast<std::uint32_t>(r)) != 0;
    }
    [[nodiscard]] constexpr bool empty() const { return m_bits == 0; }
    [[nodiscard]] constexpr std::uint32_t bits() const { return m_bits; }
    constexpr Rights& operator|=(Rights other)
    {
        m_bits |= other.m_bits;
        return *this;
    }
    friend constexpr bool operator==(Rights, Rights) = default;

    // "view,edit" in the fixed order view, edit, export, review, manage.
    [[nodiscard]] std::vector<std::string> names() const;
    [[nodiscard]] std::string toString() const;
    // Parses "view,edit,..." (`usage` on an unknown right or an empty list).
    [[nodiscard]] static Result<Rights> parse(std::string_view list);

private:
    static constexpr std::uint32_t kAllBits = 0x1F;
    std::uint32_t m_bits = 0;
};

[[nodiscard]] std::string_view rightName(Right r);

enum class SopState : std::uint8_t
{
    Draft = 0,
    Published = 1,
    Archived = 2
};
[[nodiscard]] std::string_view stateName(SopState s);
[[nodiscard]] Result<SopState> parseState(std::string_view name);

// Limits on what a person may store; checked before anything is written.
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;
inline constexpr std::size_t kMaxTitleBytes = 200;
inline constexpr std::size_t kMaxTags = 20;
inline constexpr std::size_t kMaxTagBytes = 50;
inline constexpr std::size_t kMaxNameBytes = 64;

// True if `text` is well-formed UTF-8 (no overlongs, no surrogates).
[[nodiscard]] bool isValidUtf8(std::string_view text) noexcept;

} // namespace sopvault::core
