// SecureBuffer over sodium_malloc: guard pages and mlock from libsodium, an explicit wipe on
// release.
#include "sopvault/crypto/SecureBuffer.h"

#include <sodium.h>

#include <atomic>
#include <cstring>

namespace sopvault::crypto {
namespace {
std::atomic<detail::ReleaseObserver> g_releaseObserver{nullptr};
} // namespace

void detail::setReleaseObserver(ReleaseObserver observer) noexcept
{
    g_releaseObserver.store(observer);
}

SecureBuffer::~SecureBuffer()
{
    release();
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : m_data(other.m_data), m_size(other.m_size), m_capacity(other.m_capacity)
{
    other.m_data = nullptr;
    other.m_size = 0;
    other.m_capacity = 0;
}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept
{
    if (this != &other) {
        release();
        m_data = other.m_data;
        m_size = other.m_size;
        m_capacity = other.m_capacity;
        other.m_data = nullptr;
        other.m_size = 0;
        other.m_capacity = 0;
    }
    return *this;
}

Result<SecureBuffer> SecureBuffer::allocate(std::size_t size)
{
    if (sodium_init() < 0) {
        return fail(ErrorCode::Failed, "The crypto library could not be initialised.");
    }
    SecureBuffer buffer;
    // sodium_malloc(0) is valid but returns a pointer we must still free; keep one byte minimum.
    void* memory = sodium_malloc(size == 0 ? 1 : size);
    if (memory == nullptr) {
        return fail(ErrorCode::Failed,
                    "Secure memory could not be allocated; check the locked-memory limit.");
    }
    buffer.m_data = static_cast<std::uint8_t*>(memory);
    buffer.m_size = size;
    buffer.m_capacity = size == 0 ? 1 : size;
    sodium_memzero(buffer.m_data, buffer.m_capacity);
    return buffer;
}

Result<SecureBuffer> SecureBuffer::copyOf(std::span<const std::uint8_t> bytes)
{
    auto buffer = allocate(bytes.size());
    if (buffer && !bytes.empty()) {
        std::memcpy(buffer->data(), bytes.data(), bytes.size());
    }
    return buffer;
}

Result<SecureBuffer> SecureBuffer::copyOf(std::string_view text)
{
    return copyOf(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string_view SecureBuffer::view() const noexcept
{
    return {reinterpret_cast<const char*>(m_data), m_size};
}

void SecureBuffer::truncate(std::size_t size) noexcept
{
    if (size < m_size) {
        sodium_memzero(m_data + size, m_size - size);
        m_size = size;
    }
}

void SecureBuffer::release() noexcept
{
    if (m_data == nullptr) {
        return;
    }
    sodium_memzero(m_data, m_capacity);
    if (auto observer = g_releaseObserver.load()) {
        observer(m_data, m_capacity);
    }
    sodium_free(m_data);
    m_data = nullptr;
    m_size = 0;
    m_capacity = 0;
}

} // namespace sopvault::crypto
