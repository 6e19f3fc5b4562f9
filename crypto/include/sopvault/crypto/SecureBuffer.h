// A move-only buffer for secrets (passwords, secret keys, collection and data keys), held in
// sodium_malloc'd memory: guard pages, mlock'ed, and zeroed before it is released.
#pragma once

#include "sopvault/crypto/Error.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sopvault::crypto {

class SecureBuffer
{
public:
    SecureBuffer() noexcept = default;
    ~SecureBuffer();
    SecureBuffer(const SecureBuffer&) = delete;
    SecureBuffer& operator=(const SecureBuffer&) = delete;
    SecureBuffer(SecureBuffer&& other) noexcept;
    SecureBuffer& operator=(SecureBuffer&& other) noexcept;

    // A zero-filled buffer of `size` bytes; `failed` if the secure allocator refuses.
    [[nodiscard]] static Result<SecureBuffer> allocate(std::size_t size);
    // A secure copy of `bytes` (e.g. a password read from a terminal).
    [[nodiscard]] static Result<SecureBuffer> copyOf(std::span<const std::uint8_t> bytes);
    [[nodiscard]] static Result<SecureBuffer> copyOf(std::string_view text);

    [[nodiscard]] std::uint8_t* data() noexcept { return m_data; }
    [[nodiscard]] const std::uint8_t* data() const noexcept { return m_data; }
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    [[nodiscard]] std::span<std::uint8_t> span() noexcept { return {m_data, m_size}; }
    [[nodiscard]] std::span<const std::uint8_t> span() const noexcept { return {m_data, m_size}; }
    // The contents as text; only for handing a password to a KDF or a prompt, never to keep.
    [[nodiscard]] std::string_view view() const noexcept;

    // Shrinks the visible size (e.g. after unpadding); the memory stays owned and is wiped in full.
    void truncate(std::size_t size) noexcept;

private:
    void release() noexcept;

    std::uint8_t* m_data = nullptr;
    std::size_t m_size = 0;
    std::size_t m_capacity = 0;
};

namespace detail {
// Test hook: called with the buffer's memory after it was wiped and before it is freed, so a
// test can prove the wipe without reading freed memory. Pass nullptr to remove.
using ReleaseObserver = void (*)(const std::uint8_t* data, std::size_t size);
void setReleaseObserver(ReleaseObserver observer) noexcept;
} // namespace detail

} // namespace sopvault::crypto
