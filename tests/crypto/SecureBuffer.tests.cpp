// SecureBuffer: move-only ownership, allocation, copies, truncation and the wipe on release.
#include "sopvault/crypto/SecureBuffer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

using namespace sopvault;
using namespace sopvault::crypto;

static_assert(!std::is_copy_constructible_v<SecureBuffer>);
static_assert(!std::is_copy_assignable_v<SecureBuffer>);
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);
static_assert(std::is_nothrow_move_assignable_v<SecureBuffer>);

namespace {

SecureBuffer allocateOrFail(std::size_t size)
{
    auto buffer = SecureBuffer::allocate(size);
    REQUIRE(buffer.has_value());
    return std::move(*buffer);
}

SecureBuffer copyOrFail(std::string_view text)
{
    auto buffer = SecureBuffer::copyOf(text);
    REQUIRE(buffer.has_value());
    return std::move(*buffer);
}

bool allZero(std::span<const std::uint8_t> bytes)
{
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// What the release observer saw; a plain function pointer cannot capture, hence a global.
struct Observed
{
    int calls = 0;
    bool allZero = true;
    std::size_t size = 0;
};
Observed g_observed;

void recordRelease(const std::uint8_t* data, std::size_t size)
{
    ++g_observed.calls;
    g_observed.size = size;
    g_observed.allZero = g_observed.allZero && allZero({data, size});
}

// Installs the observer for one scope and always removes it, even when an assertion throws.
class ObserverGuard
{
public:
    explicit ObserverGuard(detail::ReleaseObserver observer)
    {
        g_observed = {};
        detail::setReleaseObserver(observer);
    }
    ~ObserverGuard() { detail::setReleaseObserver(nullptr); }
    ObserverGuard(const ObserverGuard&) = delete;
    ObserverGuard& operator=(const ObserverGuard&) = delete;
};

} // namespace

TEST_CASE("SecureBuffer default state", "[crypto][securebuffer]")
{
    const SecureBuffer buffer;
    CHECK(buffer.empty());
    CHECK(buffer.size() == 0);
    CHECK(buffer.data() == nullptr);
    CHECK(buffer.span().empty());
    CHECK(buffer.view().empty());
}

TEST_CASE("SecureBuffer allocate", "[crypto][securebuffer]")
{
    SECTION("zero-filled")
    {
        const SecureBuffer buffer = allocateOrFail(64);
        CHECK(buffer.size() == 64);
        CHECK_FALSE(buffer.empty());
        REQUIRE(buffer.data() != nullptr);
        CHECK(allZero(buffer.span()));
    }

    SECTION("writable through data() and span()")
    {
        SecureBuffer buffer = allocateOrFail(4);
        buffer.data()[0] = 'k';
        buffer.span()[1] = 'e';
        buffer.span()[2] = 'y';
        buffer.data()[3] = '!';
        CHECK(buffer.view() == "key!");
    }

    SECTION("zero bytes")
    {
        const SecureBuffer buffer = allocateOrFail(0);
        CHECK(buffer.empty());
        CHECK(buffer.size() == 0);
        CHECK(buffer.view().empty());
    }
}

TEST_CASE("SecureBuffer copyOf", "[crypto][securebuffer]")
{
    SECTION("from bytes")
    {
        const std::uint8_t bytes[] = {0x00, 0x01, 0xfe, 0xff, 0x00};
        auto buffer = SecureBuffer::copyOf(std::span<const std::uint8_t>(bytes));
        REQUIRE(buffer.has_value());
        REQUIRE(buffer->size() == sizeof bytes);
        CHECK(std::equal(buffer->span().begin(), buffer->span().end(), std::begin(bytes)));
        CHECK(buffer->data() != bytes);
    }

    SECTION("from text")
    {
        const std::string_view password = "correct horse battery staple";
        const SecureBuffer buffer = copyOrFail(password);
        CHECK(buffer.size() == password.size());
        CHECK(buffer.view() == password);
        CHECK(static_cast<const void*>(buffer.data()) != static_cast<const void*>(password.data()));
    }

    SECTION("from nothing")
    {
        const SecureBuffer buffer = copyOrFail("");
        CHECK(buffer.empty());
    }
}

TEST_CASE("SecureBuffer is move-only and a moved-from buffer is empty", "[crypto][securebuffer]")
{
    SecureBuffer source = copyOrFail("secret");
    const std::uint8_t* memory = source.data();

    SECTION("move construction")
    {
        SecureBuffer target(std::move(source));
        CHECK(target.view() == "secret");
        CHECK(target.data() == memory);
        CHECK(source.empty()); // NOLINT(bugprone-use-after-move): the moved-from state is tested
        CHECK(source.size() == 0);
        CHECK(source.data() == nullptr);
    }

    SECTION("move assignment over a buffer that holds data")
    {
        SecureBuffer target = copyOrFail("old contents");
        target = std::move(source);
        CHECK(target.view() == "secret");
        CHECK(target.data() == memory);
        CHECK(source.empty()); // NOLINT(bugprone-use-after-move)
        CHECK(source.data() == nullptr);
    }

    SECTION("self move assignment keeps the contents")
    {
        SecureBuffer& alias = source;
        source = std::move(alias);
        CHECK(source.view() == "secret");
        CHECK(source.data() == memory);
    }

    SECTION("a moved-from buffer can be reused")
    {
        SecureBuffer target(std::move(source));
        source = copyOrFail("again"); // NOLINT(bugprone-use-after-move)
        CHECK(source.view() == "again");
        CHECK(target.view() == "secret");
    }
}

TEST_CASE("SecureBuffer truncate", "[crypto][securebuffer]")
{
    SecureBuffer buffer = copyOrFail("password\n");
    const std::uint8_t* memory = buffer.data();

    buffer.truncate(8);
    CHECK(buffer.view() == "password");
    CHECK(buffer.data() == memory);
    // The cut-off byte is still owned memory and was wiped.
    CHECK(memory[8] == 0);

    SECTION("growing is ignored")
    {
        buffer.truncate(100);
        CHECK(buffer.size() == 8);
        CHECK(buffer.view() == "password");
    }

    SECTION("the same size changes nothing")
    {
        buffer.truncate(8);
        CHECK(buffer.view() == "password");
    }

    SECTION("to zero")
    {
        buffer.truncate(0);
        CHECK(buffer.empty());
        CHECK(buffer.view().empty());
        CHECK(allZero({memory, 9}));
    }
}

TEST_CASE("SecureBuffer wipes its memory before releasing it", "[crypto][securebuffer]")
{
    SECTION("on destruction")
    {
        SecureBuffer buffer = allocateOrFail(64);
        std::fill(buffer.span().begin(), buffer.span().end(), std::uint8_t{0xAA});
        REQUIRE(buffer.data()[0] == 0xAA);
        REQUIRE(buffer.data()[63] == 0xAA);

        const ObserverGuard guard(&recordRelease);
        {
            const SecureBuffer dying(std::move(buffer));
        }
        CHECK(g_observed.calls == 1);
        CHECK(g_observed.size == 64);
        CHECK(g_observed.allZero);
    }

    SECTION("in full after truncation")
    {
        SecureBuffer buffer = allocateOrFail(48);
        std::fill(buffer.span().begin(), buffer.span().end(), std::uint8_t{0xAA});
        buffer.truncate(5);

        const ObserverGuard guard(&recordRelease);
        {
            const SecureBuffer dying(std::move(buffer));
        }
        CHECK(g_observed.calls == 1);
        CHECK(g_observed.size == 48);
        CHECK(g_observed.allZero);
    }

    SECTION("when overwritten by move assignment")
    {
        SecureBuffer target = allocateOrFail(32);
        std::fill(target.span().begin(), target.span().end(), std::uint8_t{0xAA});
        SecureBuffer source = copyOrFail("new");

        const ObserverGuard guard(&recordRelease);
        target = std::move(source);
        CHECK(g_observed.calls == 1);
        CHECK(g_observed.size == 32);
        CHECK(g_observed.allZero);
        CHECK(target.view() == "new");
    }

    SECTION("moved-from and default buffers release nothing")
    {
        SecureBuffer buffer = allocateOrFail(16);
        SecureBuffer keeper(std::move(buffer));

        const ObserverGuard guard(&recordRelease);
        {
            const SecureBuffer moved(std::move(buffer)); // NOLINT(bugprone-use-after-move)
            const SecureBuffer nothing;
        }
        CHECK(g_observed.calls == 0);
        CHECK(keeper.size() == 16);
    }
}
