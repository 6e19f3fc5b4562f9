// The canonical byte encoding that SOP Vault signs and hashes: a domain tag, then typed,
// length-prefixed fields in a fixed order. Never JSON text: one value has exactly one encoding.
//
// Layout: u32 domain length, domain bytes, then per field a one-byte type tag and the value:
// integers as fixed-width big-endian, bytes and text as a u32 big-endian length and the data.
#pragma once

#include "sopvault/crypto/Bytes.h"
#include "sopvault/crypto/Error.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sopvault::crypto {

class CanonicalWriter
{
public:
    explicit CanonicalWriter(std::string_view domain);

    CanonicalWriter& u8(std::uint8_t value);
    CanonicalWriter& u32(std::uint32_t value);
    CanonicalWriter& u64(std::uint64_t value);
    CanonicalWriter& i64(std::int64_t value);
    CanonicalWriter& bytes(ByteView value);
    CanonicalWriter& text(std::string_view value);

    [[nodiscard]] const Bytes& data() const noexcept { return m_out; }
    [[nodiscard]] Bytes take() && noexcept { return std::move(m_out); }

private:
    void tag(std::uint8_t type);
    void raw32(std::uint32_t value);
    void raw64(std::uint64_t value);

    Bytes m_out;
};

// Reads fields back in the order they were written. Every call checks the type tag and the
// bounds; anything malformed is an `integrity` error. Views point into the reader's input.
class CanonicalReader
{
public:
    // `integrity` if `data` does not start with exactly this domain tag.
    [[nodiscard]] static Result<CanonicalReader> open(ByteView data, std::string_view domain);

    [[nodiscard]] Result<std::uint8_t> u8();
    [[nodiscard]] Result<std::uint32_t> u32();
    [[nodiscard]] Result<std::uint64_t> u64();
    [[nodiscard]] Result<std::int64_t> i64();
    [[nodiscard]] Result<ByteView> bytes();
    // A bytes field that must be exactly `size` long (ids, keys, hashes).
    [[nodiscard]] Result<ByteView> bytes(std::size_t size);
    [[nodiscard]] Result<std::string> text();
    // A bytes field read into a fixed-size array (ids, keys, hashes) of exactly its size.
    template <typename Array>
    [[nodiscard]] Result<Array> array()
    {
        Array out{};
        auto raw = bytes(out.size());
        if (!raw) {
            return std::unexpected(std::move(raw.error()));
        }
        std::copy(raw->begin(), raw->end(), out.begin());
        return out;
    }
    [[nodiscard]] bool atEnd() const noexcept { return m_pos == m_data.size(); }
    // `integrity` if anything is left: a canonical value has no trailing bytes.
    [[nodiscard]] Result<void> finish() const;

private:
    explicit CanonicalReader(ByteView data) : m_data(data) {}
    [[nodiscard]] Result<void> expectTag(std::uint8_t type);
    [[nodiscard]] Result<std::uint64_t> fixed(std::size_t width);
    [[nodiscard]] Result<ByteView> take(std::size_t count);

    ByteView m_data;
    std::size_t m_pos = 0;
};

} // namespace sopvault::crypto
