// The team sync indicator of the status bar: "Synced", "Offline since 14:02", "3 waiting",
// "Conflict" (a click opens the conflict view) or "Not shared"; the details in its tooltip.
#pragma once

#include "VaultController.h"

#include <QToolButton>

namespace sopvault::desktop {

// The indicator's words for a state (times in this machine's local time).
[[nodiscard]] QString syncStatusText(const SyncState& state);
[[nodiscard]] QString syncStatusToolTip(const SyncState& state);

class SyncStatus : public QToolButton
{
    Q_OBJECT

public:
    explicit SyncStatus(QWidget* parent = nullptr);
    void setState(const SyncState& state);
    [[nodiscard]] const SyncState& state() const { return m_state; }

signals:
    // A click while there is a conflict.
    void conflictClicked();

private:
    SyncState m_state;
};

} // namespace sopvault::desktop
