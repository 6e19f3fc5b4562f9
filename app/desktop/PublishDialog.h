// Sharing a vault on the team's server (owners): the URL, then the whole vault goes up on the
// controller's worker; the server's administrator has created the vault and the member first.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace sopvault::desktop {

class PublishDialog : public QDialog
{
    Q_OBJECT

public:
    explicit PublishDialog(VaultController& controller, QWidget* parent = nullptr);
    void startPublish();
    void reject() override;

private:
    void setBusy(bool busy);

    VaultController& m_controller;
    QLineEdit* m_url = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_error = nullptr;
    QLabel* m_result = nullptr;
    QPushButton* m_publish = nullptr;
    QPushButton* m_close = nullptr;
    bool m_running = false;
};

} // namespace sopvault::desktop
