// The first-run wizard: the first owner and their password (the vault is created on the
// controller's worker), the recovery code shown once, and the offer of the sample library; or
// joining a team vault (a clone from its server), after which the normal unlock follows.
#pragma once

#include "VaultController.h"

#include <QWizard>

class QCheckBox;
class QRadioButton;
class QLabel;
class QLineEdit;
class QProgressBar;
class QWizardPage;

namespace sopvault::desktop {

class CheckedPage;
class CloneFields;
class PasswordFields;

class FirstRunWizard : public QWizard
{
    Q_OBJECT

public:
    explicit FirstRunWizard(VaultController& controller, QWidget* parent = nullptr);
    [[nodiscard]] bool loadSamplesChosen() const;
    // True once a team vault was cloned: the caller shows the unlock dialog next.
    [[nodiscard]] bool joined() const { return m_cloned; }
    int nextId() const override;

    // Not while the vault is being created.
    void reject() override;

protected:
    bool validateCurrentPage() override;

private:
    CheckedPage* buildOwnerPage();
    QWizardPage* buildRecoveryPage();
    QWizardPage* buildSamplesPage();
    CheckedPage* buildClonePage();
    QWizardPage* buildClonedPage();
    void setJoining(bool joining);
    void showCreated(const QString& fingerprint, const QString& code);

    VaultController& m_controller;
    int m_ownerPage = -1;
    int m_recoveryPage = -1;
    int m_samplesPage = -1;
    int m_clonePage = -1;
    int m_clonedPage = -1;
    bool m_created = false;
    bool m_cloned = false;
    CheckedPage* m_ownerPageWidget = nullptr;
    QRadioButton* m_create = nullptr;
    QRadioButton* m_join = nullptr;
    QWidget* m_ownerFields = nullptr;
    CloneFields* m_cloneFields = nullptr;
    QLabel* m_cloneError = nullptr;
    QProgressBar* m_cloneBusy = nullptr;
    QLabel* m_clonedText = nullptr;
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
