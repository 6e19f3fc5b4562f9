// The two ways in: the first-run wizard (create the vault, show the recovery code once, offer
// the sample library) and the unlock dialog (Argon2id off the GUI thread, clear errors).
#pragma once

#include "VaultController.h"

#include <QDialog>
#include <QWizard>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace sopvault::desktop {

class FirstRunWizard : public QWizard
{
    Q_OBJECT

public:
    explicit FirstRunWizard(VaultController& controller, QWidget* parent = nullptr);
    [[nodiscard]] bool loadSamplesChosen() const;

    // Not while the vault is being created.
    void reject() override;

protected:
    bool validateCurrentPage() override;

private:
    VaultController& m_controller;
    int m_ownerPage = -1;
    bool m_created = false;
    QLineEdit* m_owner = nullptr;
    QLineEdit* m_password = nullptr;
    QLineEdit* m_confirm = nullptr;
    QLabel* m_strength = nullptr;
    QComboBox* m_kdf = nullptr;
    QLabel* m_error = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_code = nullptr;
    QLabel* m_fingerprint = nullptr;
    QCheckBox* m_writtenDown = nullptr;
    QCheckBox* m_samples = nullptr;
};

class UnlockDialog : public QDialog
{
    Q_OBJECT

public:
    explicit UnlockDialog(VaultController& controller, QWidget* parent = nullptr);
    // Not while the key is being derived: no key closes the dialog under a running unlock.
    void reject() override;

private:
    void tryUnlock();

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
