// WakeUpThread: connect, LISTEN, wait, call back; reconnect after a pause when the server goes.
#include "WakeUp.h"

#include "VaultController.h"

#include "sopvault/remote/Listen.h"

#include <thread>

namespace sopvault::desktop {

WakeUpThread::WakeUpThread(std::string url, std::string vaultId, std::function<void()> notified,
                           std::chrono::milliseconds retry)
    : m_shared(std::make_shared<Shared>())
{
    m_shared->url = std::move(url);
    m_shared->vaultId = std::move(vaultId);
    m_shared->notified = std::move(notified);
    m_shared->retry = retry;
    std::thread([shared = m_shared] { run(shared); }).detach();
}

WakeUpThread::~WakeUpThread()
{
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->stop = true;
        if (m_shared->listener != nullptr) {
            m_shared->listener->interrupt();
        }
    }
    m_shared->stopped.notify_all();
}

const std::string& WakeUpThread::url() const
{
    return m_shared->url;
}

const std::string& WakeUpThread::vaultId() const
{
    return m_shared->vaultId;
}

bool WakeUpThread::listening() const
{
    return m_shared->listening.load();
}

void WakeUpThread::run(const std::shared_ptr<Shared>& shared)
{
    // The callback runs under the mutex, so once the owner has set `stop` none runs any more.
    const auto tell = [&shared] {
        std::lock_guard lock(shared->mutex);
        if (!shared->stop) {
            shared->notified();
        }
    };
    // Sleeps `retry` unless stopped first; false when stopped.
    const auto pause = [&shared] {
        std::unique_lock lock(shared->mutex);
        return !shared->stopped.wait_for(lock, shared->retry, [&shared] { return shared->stop; });
    };
    for (;;) {
        const auto password = databasePassword();
        auto listener =
            remote::Listener::open(shared->url, shared->vaultId, password ? &*password : nullptr);
        if (!listener) {
            // Offline or refused: the sync itself says so in the status bar; here only retry.
            if (!pause()) {
                return;
            }
            continue;
        }
        {
            std::lock_guard lock(shared->mutex);
            if (shared->stop) {
                return;
            }
            shared->listener = &*listener;
        }
        shared->listening = true;
        tell();
        bool reconnect = false;
        bool stopping = false;
        while (!reconnect && !stopping) {
            switch (listener->wait(std::chrono::minutes(5))) {
            case remote::WakeUp::Notified:
                tell();
                break;
            case remote::WakeUp::TimedOut:
                break;
            case remote::WakeUp::Closed:
                reconnect = true;
                break;
            case remote::WakeUp::Interrupted: {
                std::lock_guard lock(shared->mutex);
                stopping = shared->stop;
                break;
            }
            }
        }
        {
            std::lock_guard lock(shared->mutex);
            shared->listener = nullptr;
        }
        shared->listening = false;
        if (stopping || !pause()) {
            return;
        }
    }
}

} // namespace sopvault::desktop
