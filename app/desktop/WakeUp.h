// The wake-up of background sync: a thread of its own waiting on a LISTEN connection of its own
// (remote::Listener, never the Session), calling back on each notification so a sync is asked for.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace sopvault::remote {
class Listener;
}

namespace sopvault::desktop {

class WakeUpThread
{
public:
    // Starts listening at once. `notified` runs on the wake-up thread: after each notification
    // and after each (re)connection, since news may have come while nobody listened. A lost or
    // refused connection is tried again after `retry`.
    WakeUpThread(std::string url, std::string vaultId, std::function<void()> notified,
                 std::chrono::milliseconds retry = std::chrono::seconds(30));
    // Ends a wait at once and lets the thread go without waiting for it: one that is still
    // connecting (up to libpq's connect_timeout) must not hold up the GUI thread. It calls
    // `notified` no more once this returns.
    ~WakeUpThread();
    WakeUpThread(const WakeUpThread&) = delete;
    WakeUpThread& operator=(const WakeUpThread&) = delete;

    [[nodiscard]] const std::string& url() const;
    [[nodiscard]] const std::string& vaultId() const;
    // True while a LISTEN connection is open.
    [[nodiscard]] bool listening() const;

private:
    // What the thread and its owner share; the thread keeps it alive after the owner is gone.
    struct Shared
    {
        std::string url;
        std::string vaultId;
        std::function<void()> notified;
        std::chrono::milliseconds retry{};
        std::mutex mutex;
        std::condition_variable stopped;
        bool stop = false;                    // under mutex
        remote::Listener* listener = nullptr; // under mutex: the one the owner interrupts
        std::atomic<bool> listening{false};
    };
    static void run(const std::shared_ptr<Shared>& shared);

    std::shared_ptr<Shared> m_shared;
};

} // namespace sopvault::desktop
