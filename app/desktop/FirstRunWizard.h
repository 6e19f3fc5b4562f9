// The first-run wizard: the first owner and their password (the vault is created on the
// controller's worker), the recovery code shown once, and the offer of the sample library.
#pragma once

#include "VaultController.h"

#include <QWizard>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QWizardPage;

namespace sopvault::desktop {

class CheckedPage;
class PasswordFields;

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
    CheckedPage* buildOwnerPage();
    QWizardPage* buildRecoveryPage();
    QWizardPage* buildSamplesPage();
    void showCreated(const QString& fingerprint, const QString& code);

    VaultController& m_controller;
    int m_ownerPage = -1;
    bool m_created = false;
    QLineEdit* m_owner = nullptr;
    PasswordFields* m_fields = nullptr;
    QLabel* m_error = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_code = nullptr;
    QLabel* m_fingerprint = nullptr;
    QCheckBox* m_writtenDown = nullptr;
    QCheckBox* m_samples = nullptr;
};

} // namespace sopvault::desktop
