// Byte containers and fixed-size key/hash types used across crypto and core.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::crypto {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

using Hash32 = std::array<std::uint8_t, 32>;
using SignPublicKey = std::array<std::uint8_t, 32>;
using BoxPublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

[[nodiscard]] inline ByteView asBytes(std::string_view text) noexcept
{
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

[[nodiscard]] inline std::string_view asText(ByteView bytes) noexcept
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

[[nodiscard]] inline Bytes toBytes(ByteView bytes)
{
    return {bytes.begin(), bytes.end()};
}

} // namespace sopvault::crypto
