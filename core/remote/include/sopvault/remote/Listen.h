// The wake-up of a client that waits for news of its vault: LISTEN on "sopvault_<vault id>" (the
// channel sopvault.append notifies) on a connection of its own, and a wait with a timeout.
#pragma once

#include "sopvault/remote/Connection.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sopvault::remote {

// Why a wait returned.
enum class WakeUp
{
    Notified,    // the server appended to the vault (lastNotified() is the newest position)
    TimedOut,    // nothing within the timeout
    Closed,      // the connection is gone (server restarted, session ended): open a new one
    Interrupted, // interrupt() was called, from this thread or another
};

// A notification is only a hint that something is new: it carries nothing but a position, and
// the client still pulls and judges every record. Any role may LISTEN on any channel in
// PostgreSQL, so a channel reveals no more than when a vault grew.
class Listener
{
public:
    // Connects as `url` says (no password in it; `password` as for Connection::open) and
    // listens on the vault's channel. `vaultId` is the vault's hex id.
    [[nodiscard]] static Outcome<Listener> open(std::string_view url, std::string_view vaultId,
                                                const crypto::SecureBuffer* password = nullptr);
    ~Listener();
    Listener(Listener&& other) noexcept;
    Listener& operator=(Listener&& other) noexcept;
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Blocks until a notification arrives (returning at once for one that came while nobody
    // waited), `timeout` passes, the connection closes, or interrupt() is called. Several
    // notifications that arrived together are one wake-up.
    [[nodiscard]] WakeUp wait(std::chrono::milliseconds timeout);
    // Safe from any thread while another waits: the wait (or the next one) returns Interrupted.
    void interrupt() noexcept;

    // The position the newest notification named (0 before the first).
    [[nodiscard]] std::int64_t lastNotified() const;
    [[nodiscard]] const std::string& channel() const;
    [[nodiscard]] int backendPid() const;

private:
    struct Impl;
    explicit Listener(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The channel sopvault.append notifies for `vaultId`.
[[nodiscard]] std::string channelOf(std::string_view vaultId);

} // namespace sopvault::remote
