// Setting a password: "add user" in Administration and "change password" in Tools. The key is
// derived on the controller's worker while the dialog shows it is busy.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace sopvault::desktop {

class PasswordFields;

class PasswordDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Purpose
    {
        AddUser,
        ChangePassword,
        // At the unlock of someone whose password an owner chose: their own, before anything.
        OwnPassword
    };
    PasswordDialog(VaultController& controller, Purpose purpose, QWidget* parent = nullptr);
    void submit();
    // Not while the key is being derived: the worker's answer still has to land somewhere.
    void reject() override;

private:
    void failed(const Failure& failure);
    void setBusy(bool busy);

    VaultController& m_controller;
    Purpose m_purpose;
    QLineEdit* m_name = nullptr;
    PasswordFields* m_fields = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_error = nullptr;
    QPushButton* m_ok = nullptr;
    QPushButton* m_cancel = nullptr;
};

} // namespace sopvault::desktop
