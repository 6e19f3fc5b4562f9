// Canonical encoder and reader for signed and hashed data (see Canonical.h for the layout).
#include "sopvault/crypto/Canonical.h"

#include <limits>

namespace sopvault::crypto {
namespace {
enum : std::uint8_t
{
    kU8 = 1,
    kU32 = 2,
    kU64 = 3,
    kI64 = 4,
    kBytes = 5,
    kText = 6
};

Result<std::uint32_t> checkedLength(std::size_t size)
{
    if (size > std::numeric_limits<std::uint32_t>::max()) {
        return fail(ErrorCode::Failed, "A field is too large to encode.");
    }
    return static_cast<std::uint32_t>(size);
}

std::unexpected<Error> malformed(std::string_view what)
{
    return fail(ErrorCode::Integrity, "Malformed record: " + std::string(what) + ".");
}
} // namespace

CanonicalWriter::CanonicalWriter(std::string_view domain)
{
    raw32(static_cast<std::uint32_t>(domain.size()));
    m_out.insert(m_out.end(), domain.begin(), domain.end());
}

void CanonicalWriter::tag(std::uint8_t type)
{
    m_out.push_back(type);
}

void CanonicalWriter::raw32(std::uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        m_out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

void CanonicalWriter::raw64(std::uint64_t value)
{
    for (int shift = 56; shift >= 0; shift -= 8) {
        m_out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

CanonicalWriter& CanonicalWriter::u8(std::uint8_t value)
{
    tag(kU8);
    m_out.push_back(value);
    return *this;
}

CanonicalWriter& CanonicalWriter::u32(std::uint32_t value)
{
    tag(kU32);
    raw32(value);
    return *this;
}

CanonicalWriter& CanonicalWriter::u64(std::uint64_t value)
{
    tag(kU64);
    raw64(value);
    return *this;
}

CanonicalWriter& CanonicalWriter::i64(std::int64_t value)
{
    tag(kI64);
    raw64(static_cast<std::uint64_t>(value));
    return *this;
}

CanonicalWriter& CanonicalWriter::bytes(ByteView value)
{
    tag(kBytes);
    // Fields above 4 GiB cannot occur: SOP bodies are capped far below that.
    raw32(checkedLength(value.size()).value_or(0));
    m_out.insert(m_out.end(), value.begin(), value.end());
    return *this;
}

CanonicalWriter& CanonicalWriter::text(std::string_view value)
{
    tag(kText);
    raw32(checkedLength(value.size()).value_or(0));
    m_out.insert(m_out.end(), value.begin(), value.end());
    return *this;
}

Result<CanonicalReader> CanonicalReader::open(ByteView data, std::string_view domain)
{
    CanonicalReader reader(data);
    auto length = reader.fixed(4);
    if (!length) {
        return std::unexpected(length.error());
    }
    if (*length != domain.size()) {
        return malformed("unexpected domain tag");
    }
    auto tagBytes = reader.take(domain.size());
    if (!tagBytes || asText(*tagBytes) != domain) {
        return malformed("unexpected domain tag");
    }
    return reader;
}

Result<ByteView> CanonicalReader::take(std::size_t count)
{
    if (count > m_data.size() - m_pos) {
        return malformed("truncated field");
    }
    ByteView out = m_data.subspan(m_pos, count);
    m_pos += count;
    return out;
}

Result<std::uint64_t> CanonicalReader::fixed(std::size_t width)
{
    auto raw = take(width);
    if (!raw) {
        return std::unexpected(raw.error());
    }
    std::uint64_t value = 0;
    for (std::uint8_t byte : *raw) {
        value = (value << 8) | byte;
    }
    return value;
}

Result<void> CanonicalReader::expectTag(std::uint8_t type)
{
    auto raw = take(1);
    if (!raw) {
        return std::unexpected(raw.error());
    }
    if ((*raw)[0] != type) {
        return malformed("field of the wrong type");
    }
    return {};
}

Result<std::uint8_t> CanonicalReader::u8()
{
    SOPVAULT_CHECK(expectTag(kU8));
    SOPVAULT_TRY(value, fixed(1));
    return static_cast<std::uint8_t>(value);
}

Result<std::uint32_t> CanonicalReader::u32()
{
    SOPVAULT_CHECK(expectTag(kU32));
    SOPVAULT_TRY(value, fixed(4));
    return static_cast<std::uint32_t>(value);
}

Result<std::uint64_t> CanonicalReader::u64()
{
    SOPVAULT_CHECK(expectTag(kU64));
    return fixed(8);
}

Result<std::int64_t> CanonicalReader::i64()
{
    SOPVAULT_CHECK(expectTag(kI64));
    SOPVAULT_TRY(value, fixed(8));
    return static_cast<std::int64_t>(value);
}

Result<ByteView> CanonicalReader::bytes()
{
    SOPVAULT_CHECK(expectTag(kBytes));
    SOPVAULT_TRY(length, fixed(4));
    return take(static_cast<std::size_t>(length));
}

Result<ByteView> CanonicalReader::bytes(std::size_t size)
{
    SOPVAULT_TRY(value, bytes());
    if (value.size() != size) {
        return malformed("field of the wrong size");
    }
    return value;
}

Result<std::string> CanonicalReader::text()
{
    SOPVAULT_CHECK(expectTag(kText));
    SOPVAULT_TRY(length, fixed(4));
    SOPVAULT_TRY(raw, take(static_cast<std::size_t>(length)));
    return std::string(asText(raw));
}

Result<void> CanonicalReader::finish() const
{
    if (!atEnd()) {
        return malformed("trailing bytes");
    }
    return {};
}

} // namespace sopvault::crypto
