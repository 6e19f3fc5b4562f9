// The first-run wizard: the first owner and their password (the vault is created on the
// controller's worker, where the person chooses), the recovery code shown once (copied, saved or
// printed on request), and the offer of the sample library; or opening a vault file one already
// has, or joining a team vault (a clone from its server), after which the normal unlock follows.
#pragma once

#include "VaultController.h"

#include <QTimer>
#include <QWizard>

class QCheckBox;
class QRadioButton;
class QLabel;
class QLineEdit;
class QPrinter;
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
    // True when the person chose a vault file they already have: the caller unlocks it next.
    [[nodiscard]] bool opened() const { return m_opened; }
    // The vault file last created or opened through the wizard on this machine, if any.
    [[nodiscard]] static QString lastVaultFile();
    int nextId() const override;

    // The recovery sheet (the code, the vault, the owner's fingerprint, what the code can do),
    // as the person saves or prints it.
    [[nodiscard]] QString recoverySheet() const;
    // Writes the sheet to `path`, readable by this user only; false with `error` set otherwise.
    bool saveRecoverySheet(const QString& path, QString* error);
    void printRecoverySheet(QPrinter& printer) const;
    // The code on the clipboard, cleared after a minute or when the wizard closes.
    void copyRecoveryCode();

    // Not while the vault is being created.
    void reject() override;
    void done(int result) override;

protected:
    bool validateCurrentPage() override;

private:
    CheckedPage* buildOwnerPage();
    QWizardPage* buildRecoveryPage();
    QWizardPage* buildSamplesPage();
    CheckedPage* buildClonePage();
    QWizardPage* buildClonedPage();
    void setMode();
    void chooseLocation();
    void chooseExisting();
    void forgetCopiedCode();
    void showCreated(const QString& fingerprint, const QString& code);
    // The vault exists: the wizard has no Cancel from here on.
    void dropCancel();

    VaultController& m_controller;
    int m_ownerPage = -1;
    int m_recoveryPage = -1;
    int m_samplesPage = -1;
    int m_clonePage = -1;
    int m_clonedPage = -1;
    bool m_created = false;
    bool m_cloned = false;
    bool m_opened = false;
    CheckedPage* m_ownerPageWidget = nullptr;
    QRadioButton* m_create = nullptr;
    QRadioButton* m_join = nullptr;
    QRadioButton* m_open = nullptr;
    QLineEdit* m_location = nullptr;
    QWidget* m_openFields = nullptr;
    QLineEdit* m_existing = nullptr;
    QLabel* m_openError = nullptr;
    QLabel* m_recoveryStatus = nullptr;
    QTimer m_clipboardClear;
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
