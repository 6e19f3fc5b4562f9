// Canonical encoding: round trips, the exact byte layout, and refusal of malformed input.
#include "sopvault/crypto/Canonical.h"
#include "sopvault/crypto/Crypto.h"

#include "ErrorCodeText.h"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

using namespace sopvault;
using namespace sopvault::crypto;

namespace {

constexpr std::string_view kDomain = "sopvault.test.v1";

template <typename T>
ErrorCode errorOf(const Result<T>& result)
{
    REQUIRE_FALSE(result.has_value());
    return result.error().code;
}

template <typename T>
Result<void> discard(const Result<T>& result)
{
    if (!result) {
        return std::unexpected(result.error());
    }
    return {};
}

CanonicalReader openOrFail(ByteView data, std::string_view domain = kDomain)
{
    auto reader = CanonicalReader::open(data, domain);
    REQUIRE(reader.has_value());
    return std::move(*reader);
}

const Bytes kPayload{0x00, 0x01, 0xfe, 0xff};

// One field of each type, in a fixed order; used by several tests.
Bytes everyFieldType()
{
    CanonicalWriter writer(kDomain);
    writer.u8(0xa5)
        .u32(0xdeadbeef)
        .u64(0x0123456789abcdefULL)
        .i64(-42)
        .bytes(kPayload)
        .text("Grüße, SOP")
        .bytes(ByteView{})
        .text("");
    return std::move(writer).take();
}

// Reads back everyFieldType() in full, checking each value; any failure is passed on.
Result<void> readEveryFieldType(ByteView data)
{
    SOPVAULT_TRY(reader, CanonicalReader::open(data, kDomain));
    SOPVAULT_TRY(u8, reader.u8());
    SOPVAULT_TRY(u32, reader.u32());
    SOPVAULT_TRY(u64, reader.u64());
    SOPVAULT_TRY(i64, reader.i64());
    SOPVAULT_TRY(payload, reader.bytes());
    SOPVAULT_TRY(text, reader.text());
    SOPVAULT_TRY(emptyBytes, reader.bytes());
    SOPVAULT_TRY(emptyText, reader.text());
    SOPVAULT_CHECK(reader.finish());
    if (u8 != 0xa5 || u32 != 0xdeadbeef || u64 != 0x0123456789abcdefULL || i64 != -42 ||
        toBytes(payload) != kPayload || text != "Grüße, SOP" || !emptyBytes.empty() ||
        !emptyText.empty()) {
        return fail(ErrorCode::Failed, "a value did not round-trip");
    }
    return {};
}

enum class FieldType
{
    U8,
    U32,
    U64,
    I64,
    Bytes,
    Text
};

constexpr FieldType kFieldTypes[] = {FieldType::U8,  FieldType::U32,   FieldType::U64,
                                     FieldType::I64, FieldType::Bytes, FieldType::Text};

const char* nameOf(FieldType type)
{
    switch (type) {
    case FieldType::U8:
        return "u8";
    case FieldType::U32:
        return "u32";
    case FieldType::U64:
        return "u64";
    case FieldType::I64:
        return "i64";
    case FieldType::Bytes:
        return "bytes";
    case FieldType::Text:
        return "text";
    }
    return "?";
}

void writeField(CanonicalWriter& writer, FieldType type)
{
    switch (type) {
    case FieldType::U8:
        writer.u8(1);
        break;
    case FieldType::U32:
        writer.u32(1);
        break;
    case FieldType::U64:
        writer.u64(1);
        break;
    case FieldType::I64:
        writer.i64(1);
        break;
    case FieldType::Bytes:
        writer.bytes(kPayload);
        break;
    case FieldType::Text:
        writer.text("abcd");
        break;
    }
}

Result<void> readField(CanonicalReader& reader, FieldType type)
{
    switch (type) {
    case FieldType::U8:
        return discard(reader.u8());
    case FieldType::U32:
        return discard(reader.u32());
    case FieldType::U64:
        return discard(reader.u64());
    case FieldType::I64:
        return discard(reader.i64());
    case FieldType::Bytes:
        return discard(reader.bytes());
    case FieldType::Text:
        return discard(reader.text());
    }
    return fail(ErrorCode::Failed, "unknown field type");
}

Bytes encodeTexts(std::string_view first, std::string_view second)
{
    CanonicalWriter writer(kDomain);
    writer.text(first).text(second);
    return std::move(writer).take();
}

} // namespace

TEST_CASE("Canonical round trip of every field type", "[crypto][canonical]")
{
    const Bytes encoded = everyFieldType();
    CHECK(readEveryFieldType(encoded).has_value());

    SECTION("extreme integer values")
    {
        CanonicalWriter writer(kDomain);
        writer.u8(0)
            .u8(std::numeric_limits<std::uint8_t>::max())
            .u32(0)
            .u32(std::numeric_limits<std::uint32_t>::max())
            .u64(0)
            .u64(std::numeric_limits<std::uint64_t>::max())
            .i64(std::numeric_limits<std::int64_t>::min())
            .i64(-1)
            .i64(0)
            .i64(std::numeric_limits<std::int64_t>::max());
        CanonicalReader reader = openOrFail(writer.data());

        auto u8Zero = reader.u8();
        auto u8Max = reader.u8();
        auto u32Zero = reader.u32();
        auto u32Max = reader.u32();
        auto u64Zero = reader.u64();
        auto u64Max = reader.u64();
        auto i64Min = reader.i64();
        auto i64MinusOne = reader.i64();
        auto i64Zero = reader.i64();
        auto i64Max = reader.i64();
        REQUIRE(u8Zero.has_value());
        REQUIRE(u8Max.has_value());
        REQUIRE(u32Zero.has_value());
        REQUIRE(u32Max.has_value());
        REQUIRE(u64Zero.has_value());
        REQUIRE(u64Max.has_value());
        REQUIRE(i64Min.has_value());
        REQUIRE(i64MinusOne.has_value());
        REQUIRE(i64Zero.has_value());
        REQUIRE(i64Max.has_value());
        CHECK(*u8Zero == 0);
        CHECK(*u8Max == 255);
        CHECK(*u32Zero == 0);
        CHECK(*u32Max == std::numeric_limits<std::uint32_t>::max());
        CHECK(*u64Zero == 0);
        CHECK(*u64Max == std::numeric_limits<std::uint64_t>::max());
        CHECK(*i64Min == std::numeric_limits<std::int64_t>::min());
        CHECK(*i64MinusOne == -1);
        CHECK(*i64Zero == 0);
        CHECK(*i64Max == std::numeric_limits<std::int64_t>::max());
        CHECK(reader.atEnd());
        CHECK(reader.finish().has_value());
    }

    SECTION("bytes and text with arbitrary content")
    {
        const Bytes binary = randomBytes(300);
        const std::string withNul("a\0b", 3);
        CanonicalWriter writer(kDomain);
        writer.bytes(binary).text(withNul);
        CanonicalReader reader = openOrFail(writer.data());
        auto binaryBack = reader.bytes();
        auto textBack = reader.text();
        REQUIRE(binaryBack.has_value());
        REQUIRE(textBack.has_value());
        CHECK(toBytes(*binaryBack) == binary);
        CHECK(*textBack == withNul);
        CHECK(reader.finish().has_value());
    }

    SECTION("a domain with no fields")
    {
        CanonicalWriter writer(kDomain);
        CanonicalReader reader = openOrFail(writer.data());
        CHECK(reader.atEnd());
        CHECK(reader.finish().has_value());
    }

    SECTION("take() hands over the same bytes as data()")
    {
        CanonicalWriter writer(kDomain);
        writer.u32(7).text("x");
        const Bytes copy = writer.data();
        const Bytes taken = std::move(writer).take();
        CHECK(taken == copy);
    }
}

TEST_CASE("Canonical encoding has the documented byte layout", "[crypto][canonical]")
{
    CanonicalWriter writer("ab");
    writer.u8(0x7f)
        .u32(0x01020304)
        .u64(0x0102030405060708ULL)
        .i64(-2)
        .bytes(Bytes{0xaa, 0xbb})
        .text("hi");

    // clang-format off
    const Bytes expected{
        0x00, 0x00, 0x00, 0x02, 'a', 'b',                     // domain: u32 length, bytes
        0x01, 0x7f,                                           // u8
        0x02, 0x01, 0x02, 0x03, 0x04,                         // u32, big-endian
        0x03, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // u64, big-endian
        0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, // i64 -2, two's complement
        0x05, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb,             // bytes: u32 length, data
        0x06, 0x00, 0x00, 0x00, 0x02, 'h', 'i',               // text: u32 length, data
    };
    // clang-format on
    CHECK(toHex(writer.data()) == toHex(expected));

    SECTION("an empty domain is just a zero length")
    {
        CanonicalWriter empty("");
        CHECK(toHex(empty.data()) == "00000000");
    }
}

TEST_CASE("Canonical reader refuses the wrong domain", "[crypto][canonical]")
{
    CanonicalWriter writer("sopvault.record.v1");
    writer.u32(1);
    const Bytes& data = writer.data();

    CHECK(CanonicalReader::open(data, "sopvault.record.v1").has_value());
    CHECK(errorOf(CanonicalReader::open(data, "sopvault.record.v2")) == ErrorCode::Integrity);
    CHECK(errorOf(CanonicalReader::open(data, "sopvault.record")) == ErrorCode::Integrity);
    CHECK(errorOf(CanonicalReader::open(data, "sopvault.record.v1.")) == ErrorCode::Integrity);
    CHECK(errorOf(CanonicalReader::open(data, "SOPVAULT.RECORD.V1")) == ErrorCode::Integrity);
    CHECK(errorOf(CanonicalReader::open(data, "")) == ErrorCode::Integrity);
    CHECK(errorOf(CanonicalReader::open(ByteView{}, "sopvault.record.v1")) == ErrorCode::Integrity);

    // The domain's length prefix says 18 bytes; a lying prefix is refused too.
    Bytes lying = data;
    lying[3] = 0x10;
    CHECK(errorOf(CanonicalReader::open(lying, "sopvault.record.v1")) == ErrorCode::Integrity);
}

TEST_CASE("Canonical reader refuses a field read as the wrong type", "[crypto][canonical]")
{
    for (FieldType written : kFieldTypes) {
        for (FieldType read : kFieldTypes) {
            INFO("written " << nameOf(written) << ", read " << nameOf(read));
            CanonicalWriter writer(kDomain);
            writeField(writer, written);
            CanonicalReader reader = openOrFail(writer.data());
            auto result = readField(reader, read);
            if (written == read) {
                CHECK(result.has_value());
                CHECK(reader.finish().has_value());
            } else {
                CHECK(errorOf(result) == ErrorCode::Integrity);
            }
        }
    }

    SECTION("an unknown type tag")
    {
        CanonicalWriter writer(kDomain);
        Bytes data = writer.data();
        data.push_back(0x07);
        data.push_back(0x00);
        for (FieldType read : kFieldTypes) {
            INFO("read " << nameOf(read));
            CanonicalReader reader = openOrFail(data);
            CHECK(errorOf(readField(reader, read)) == ErrorCode::Integrity);
        }
    }
}

TEST_CASE("Canonical reader refuses truncation at every length", "[crypto][canonical]")
{
    const Bytes encoded = everyFieldType();
    REQUIRE(readEveryFieldType(encoded).has_value());

    for (std::size_t length = 0; length < encoded.size(); ++length) {
        INFO("truncated to " << length << " of " << encoded.size() << " bytes");
        CHECK(errorOf(readEveryFieldType(ByteView(encoded).first(length))) == ErrorCode::Integrity);
    }

    SECTION("a length prefix larger than the rest of the input")
    {
        CanonicalWriter writer(kDomain);
        Bytes data = writer.data();
        // A bytes field claiming 4 GiB - 1 of data, followed by only two bytes.
        const Bytes field{0x05, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02};
        data.insert(data.end(), field.begin(), field.end());
        CanonicalReader reader = openOrFail(data);
        CHECK(errorOf(reader.bytes()) == ErrorCode::Integrity);
    }
}

TEST_CASE("Canonical reader refuses trailing bytes", "[crypto][canonical]")
{
    Bytes encoded = everyFieldType();
    encoded.push_back(0x00);
    CHECK(errorOf(readEveryFieldType(encoded)) == ErrorCode::Integrity);

    SECTION("an unread field counts as trailing")
    {
        CanonicalWriter writer(kDomain);
        writer.u32(1).u32(2);
        CanonicalReader reader = openOrFail(writer.data());
        auto first = reader.u32();
        REQUIRE(first.has_value());
        CHECK(*first == 1);
        CHECK_FALSE(reader.atEnd());
        CHECK(errorOf(reader.finish()) == ErrorCode::Integrity);
    }
}

TEST_CASE("Canonical bytes(size) refuses a wrong size", "[crypto][canonical]")
{
    const Bytes id = randomBytes(16);
    CanonicalWriter writer(kDomain);
    writer.bytes(id);

    SECTION("the right size")
    {
        CanonicalReader reader = openOrFail(writer.data());
        auto value = reader.bytes(16);
        REQUIRE(value.has_value());
        CHECK(toBytes(*value) == id);
        CHECK(reader.finish().has_value());
    }

    for (std::size_t size : {std::size_t{0}, std::size_t{15}, std::size_t{17}, std::size_t{32}}) {
        INFO("expected size " << size);
        CanonicalReader reader = openOrFail(writer.data());
        CHECK(errorOf(reader.bytes(size)) == ErrorCode::Integrity);
    }
}

TEST_CASE("Canonical encoding is injective", "[crypto][canonical]")
{
    CHECK(encodeTexts("ab", "c") != encodeTexts("a", "bc"));
    CHECK(encodeTexts("", "abc") != encodeTexts("abc", ""));
    CHECK(encodeTexts("a", "") != encodeTexts("", "a"));

    SECTION("bytes fields split differently")
    {
        CanonicalWriter first(kDomain);
        first.bytes(Bytes{1, 2}).bytes(Bytes{3});
        CanonicalWriter second(kDomain);
        second.bytes(Bytes{1}).bytes(Bytes{2, 3});
        CHECK(first.data() != second.data());
    }

    SECTION("the same content under a different type")
    {
        CanonicalWriter textField(kDomain);
        textField.text("x");
        CanonicalWriter bytesField(kDomain);
        bytesField.bytes(Bytes{'x'});
        CHECK(textField.data() != bytesField.data());

        CanonicalWriter asU64(kDomain);
        asU64.u64(5);
        CanonicalWriter asI64(kDomain);
        asI64.i64(5);
        CHECK(asU64.data() != asI64.data());
    }

    SECTION("the boundary between domain and fields")
    {
        CanonicalWriter first("ab");
        first.text("c");
        CanonicalWriter second("a");
        second.text("bc");
        CHECK(first.data() != second.data());
    }

    SECTION("an empty field is not the same as no field")
    {
        CanonicalWriter withEmpty(kDomain);
        withEmpty.text("");
        CanonicalWriter without(kDomain);
        CHECK(withEmpty.data() != without.data());
    }
}
