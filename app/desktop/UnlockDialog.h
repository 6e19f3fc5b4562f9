// The unlock dialog (Argon2id off the GUI thread, clear errors, Enter always means Unlock)
// and the unlock that follows every lock.
#pragma once

#include "VaultController.h"

#include <QDialog>

#include <functional>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace sopvault::desktop {

class UnlockDialog : public QDialog
{
    Q_OBJECT

public:
    explicit UnlockDialog(VaultController& controller, QWidget* parent = nullptr);
    // Not while the key is being derived: no key closes the dialog under a running unlock.
    void reject() override;

private:
    void tryUnlock();
    // Unlocked with a password an owner chose: the person's own first, or the vault locks again.
    void chooseOwnPassword();
    void setBusy(bool busy);
    void failed(const Failure& failure);

    VaultController& m_controller;
    QLineEdit* m_user = nullptr;
    QLineEdit* m_password = nullptr;
    QLabel* m_error = nullptr;
    QProgressBar* m_busy = nullptr;
    QPushButton* m_unlock = nullptr;
};

class MainWindow;

// Every lock (Ctrl+L, idle) hides the window until someone unlocks again; `onCancel` runs
// when the person closes the unlock dialog instead (the app quits).
void unlockAgainOnLock(VaultController& controller, MainWindow& window,
                       std::function<void()> onCancel);

} // namespace sopvault::desktop
