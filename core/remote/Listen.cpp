// The LISTEN wake-up: one connection of its own, its socket polled together with an eventfd so
// another thread can end a wait; notifications read with PQconsumeInput and PQnotifies.
#include "sopvault/remote/Listen.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace sopvault::remote {

struct Listener::Impl
{
    Connection connection;
    std::string channel;
    int wakeFd = -1;
    std::int64_t last = 0;

    explicit Impl(Connection c) : connection(std::move(c)) {}
    ~Impl()
    {
        if (wakeFd >= 0) {
            ::close(wakeFd);
        }
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    // Takes every notification libpq has buffered; true if one was for our channel.
    bool takeNotifications()
    {
        bool ours = false;
        while (PGnotify* n = PQnotifies(connection.handle())) {
            if (channel == n->relname) {
                ours = true;
                std::int64_t position = 0;
                const std::string_view extra(n->extra != nullptr ? n->extra : "");
                std::from_chars(extra.data(), extra.data() + extra.size(), position);
                last = std::max(last, position);
            }
            PQfreemem(n);
        }
        return ours;
    }

    // True (and the counter reset) when interrupt() was called since the last wait.
    bool takeInterrupt() const
    {
        eventfd_t value = 0;
        return eventfd_read(wakeFd, &value) == 0 && value > 0;
    }
};

std::string channelOf(std::string_view vaultId)
{
    return fmt::format("sopvault_{}", vaultId);
}

Listener::Listener(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Listener::~Listener() = default;
Listener::Listener(Listener&& other) noexcept = default;
Listener& Listener::operator=(Listener&& other) noexcept = default;

Outcome<Listener> Listener::open(std::string_view url, std::string_view vaultId,
                                 const crypto::SecureBuffer* password)
{
    // A channel name is an identifier of at most 63 bytes; the vault id is hex, so it needs no
    // case folding and cannot close the quotes below.
    const bool hex = !vaultId.empty() && std::all_of(vaultId.begin(), vaultId.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (!hex || channelOf(vaultId).size() > 63) {
        return failure(Fault::Usage, fmt::format("\"{}\" is not a vault id (lower-case hex).",
                                                 vaultId.substr(0, 80)));
    }
    auto connection = Connection::open(url, password);
    if (!connection) {
        return std::unexpected(std::move(connection.error()));
    }
    auto impl = std::make_unique<Impl>(std::move(*connection));
    impl->channel = channelOf(vaultId);
    char* quoted =
        PQescapeIdentifier(impl->connection.handle(), impl->channel.data(), impl->channel.size());
    if (quoted == nullptr) {
        return failure(Fault::Other, "Out of memory while naming the vault's channel.");
    }
    const std::string listen = fmt::format("LISTEN {}", quoted);
    PQfreemem(quoted);
    if (auto listening = impl->connection.runScript(listen); !listening) {
        return std::unexpected(std::move(listening.error()));
    }
    impl->wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (impl->wakeFd < 0) {
        return failure(Fault::Other,
                       fmt::format("Cannot create the wake-up's event: {}.", std::strerror(errno)));
    }
    return Listener(std::move(impl));
}

WakeUp Listener::wait(std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    PGconn* conn = m_impl->connection.handle();
    if (m_impl->takeInterrupt()) {
        return WakeUp::Interrupted;
    }
    // Notifications that arrived while nobody waited sit in the socket or in libpq's buffer.
    if (PQconsumeInput(conn) == 0) {
        return WakeUp::Closed;
    }
    if (m_impl->takeNotifications()) {
        return WakeUp::Notified;
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const int socket = PQsocket(conn);
        if (socket < 0 || PQstatus(conn) == CONNECTION_BAD) {
            return WakeUp::Closed;
        }
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            return WakeUp::TimedOut;
        }
        pollfd fds[2] = {{socket, POLLIN, 0}, {m_impl->wakeFd, POLLIN, 0}};
        const int ready = ::poll(fds, 2, static_cast<int>(std::min<long>(left, 1L << 30)));
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            return WakeUp::Closed;
        }
        if (ready == 0) {
            return WakeUp::TimedOut;
        }
        if ((fds[1].revents & POLLIN) != 0 && m_impl->takeInterrupt()) {
            return WakeUp::Interrupted;
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            // A closed socket reads as end of file: PQconsumeInput fails and the status is bad.
            if (PQconsumeInput(conn) == 0) {
                return WakeUp::Closed;
            }
            if (m_impl->takeNotifications()) {
                return WakeUp::Notified;
            }
        }
    }
}

void Listener::interrupt() noexcept
{
    if (m_impl && m_impl->wakeFd >= 0) {
        eventfd_write(m_impl->wakeFd, 1);
    }
}

std::int64_t Listener::lastNotified() const
{
    return m_impl->last;
}

const std::string& Listener::channel() const
{
    return m_impl->channel;
}

int Listener::backendPid() const
{
    return m_impl->connection.backendPid();
}

} // namespace sopvault::remote
