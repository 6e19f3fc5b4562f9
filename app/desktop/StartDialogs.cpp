// First-run wizard and unlock dialog.
#include "StartDialogs.h"

#include "MainWindow.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace sopvault::desktop {

namespace {

// A wizard page whose "Next" waits for a condition the wizard checks.
class CheckedPage : public QWizardPage
{
public:
    explicit CheckedPage(std::function<bool()> complete) : m_complete(std::move(complete)) {}
    bool isComplete() const override { return m_complete(); }
    void changed() { emit completeChanged(); }

private:
    std::function<bool()> m_complete;
};

} // namespace

FirstRunWizard::FirstRunWizard(VaultController& controller, QWidget* parent)
    : QWizard(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("firstRunWizard"));
    setWindowTitle(tr("Create your SOP vault"));
    setWizardStyle(QWizard::ModernStyle);
    setOption(QWizard::NoBackButtonOnLastPage);
    setOption(QWizard::NoCancelButtonOnLastPage);
    resize(640, 520);

    // 1. The first owner.
    auto* owner = new CheckedPage([this] {
        return !m_owner->text().trimmed().isEmpty() && !m_password->text().isEmpty() &&
               m_password->text() == m_confirm->text() && !m_controller.busy();
    });
    owner->setTitle(tr("The first owner"));
    owner->setSubTitle(tr("Owners add people, decide who may see, edit and export each "
                          "collection, and read the audit log. The vault is created at %1.")
                           .arg(QString::fromStdString(controller.vaultFile().string())));
    m_owner = new QLineEdit;
    m_owner->setObjectName(QStringLiteral("ownerName"));
    m_owner->setPlaceholderText(tr("e.g. olivia"));
    m_password = new QLineEdit;
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_confirm = new QLineEdit;
    m_confirm->setObjectName(QStringLiteral("confirm"));
    m_confirm->setEchoMode(QLineEdit::Password);
    m_strength = new QLabel(VaultController::passwordStrengthHint({}));
    m_strength->setObjectName(QStringLiteral("strength"));
    m_strength->setWordWrap(true);
    m_kdf = new QComboBox;
    m_kdf->setObjectName(QStringLiteral("kdf"));
    m_kdf->addItem(tr("Moderate (recommended, about 1 s to unlock)"),
                   int(crypto::KdfProfile::Moderate));
    m_kdf->addItem(tr("Interactive (faster, weaker against guessing)"),
                   int(crypto::KdfProfile::Interactive));
    m_kdf->addItem(tr("Sensitive (1 GiB of memory, several seconds)"),
                   int(crypto::KdfProfile::Sensitive));
    m_error = errorLabel("error");
    m_busy = busyBar("busy");
    auto* form = new QFormLayout(owner);
    form->addRow(tr("Owner &name:"), m_owner);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(tr("&Repeat it:"), m_confirm);
    form->addRow(QString(), m_strength);
    form->addRow(tr("Key &derivation:"), m_kdf);
    form->addRow(m_busy);
    form->addRow(m_error);
    auto refresh = [this, owner] {
        m_strength->setText(VaultController::passwordStrengthHint(m_password->text()));
        m_error->setText(!m_confirm->text().isEmpty() && m_password->text() != m_confirm->text()
                             ? tr("The two passwords differ.")
                             : QString());
        owner->changed();
    };
    connect(m_owner, &QLineEdit::textChanged, this, refresh);
    connect(m_password, &QLineEdit::textChanged, this, refresh);
    connect(m_confirm, &QLineEdit::textChanged, this, refresh);
    // Creating the vault cannot be taken back from inside the wizard.
    owner->setCommitPage(true);
    setButtonText(QWizard::CommitButton, tr("&Create vault"));
    m_ownerPage = addPage(owner);

    // 2. The recovery code, shown once.
    auto* recovery = new CheckedPage([this] { return m_writtenDown->isChecked(); });
    recovery->setTitle(tr("Your recovery code"));
    recovery->setSubTitle(tr("Write this code down and keep it somewhere safe, away from this "
                             "computer. It can set a new password for an owner. It is shown "
                             "only now."));
    m_code = new QLabel;
    m_code->setObjectName(QStringLiteral("recoveryCode"));
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSize(mono.pointSize() + 5);
    mono.setBold(true);
    m_code->setFont(mono);
    m_code->setAlignment(Qt::AlignCenter);
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_code->setStyleSheet(QStringLiteral("padding: 16px; border: 1px dashed #8a8f98; "
                                         "background: #f7f8fa;"));
    m_fingerprint = new QLabel;
    m_fingerprint->setObjectName(QStringLiteral("fingerprint"));
    m_fingerprint->setWordWrap(true);
    m_writtenDown = new QCheckBox(tr("I have &written it down"));
    m_writtenDown->setObjectName(QStringLiteral("writtenDown"));
    connect(m_writtenDown, &QCheckBox::toggled, recovery, &CheckedPage::changed);
    auto* rl = new QVBoxLayout(recovery);
    rl->addWidget(m_code);
    rl->addWidget(m_fingerprint);
    rl->addStretch();
    rl->addWidget(m_writtenDown);
    addPage(recovery);

    // 3. The sample library.
    auto* samples = new QWizardPage;
    samples->setTitle(tr("Start with examples?"));
    samples->setSubTitle(tr("Ten sample SOPs (client onboarding, password reset with identity "
                            "check, P1 major incident, monthly patching and more) show how a "
                            "good runbook reads. Edit or archive them at any time."));
    m_samples = new QCheckBox(tr("&Load the sample library"));
    m_samples->setObjectName(QStringLiteral("loadSamples"));
    m_samples->setChecked(true);
    auto* sl = new QVBoxLayout(samples);
    sl->addWidget(m_samples);
    sl->addStretch();
    addPage(samples);

    connect(&m_controller, &VaultController::busyChanged, this, [this, owner](bool busy) {
        m_busy->setVisible(busy);
        owner->changed();
    });
    connect(&m_controller, &VaultController::created, this,
            [this](const QString&, const QString& fingerprint, const QString& code) {
                m_created = true;
                m_code->setText(code);
                m_fingerprint->setText(
                    tr("Owner key fingerprint: <b>%1</b><br>Colleagues can compare it when "
                       "they first open the vault.")
                        .arg(fingerprint));
                next();
            });
    connect(&m_controller, &VaultController::createFailed, this,
            [this](const Failure& f) { m_error->setText(f.message); });
}

bool FirstRunWizard::validateCurrentPage()
{
    if (currentId() == m_ownerPage && !m_created) {
        if (m_controller.busy()) {
            return false;
        }
        // Into secure memory before the slow work starts; the fields are emptied.
        auto password = takePassword(*m_password);
        clearPassword(*m_confirm);
        m_error->clear();
        if (!password) {
            m_error->setText(VaultController::failure(password.error()).message);
            return false;
        }
        m_controller.createVault(m_owner->text().trimmed(), std::move(*password),
                                 static_cast<crypto::KdfProfile>(m_kdf->currentData().toInt()));
        return false; // moves on by itself when the vault exists
    }
    return QWizard::validateCurrentPage();
}

void FirstRunWizard::reject()
{
    if (!m_controller.busy()) {
        QWizard::reject();
    }
}

bool FirstRunWizard::loadSamplesChosen() const
{
    return m_samples->isChecked();
}

UnlockDialog::UnlockDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("unlockDialog"));
    setWindowTitle(tr("Unlock SOP Vault"));
    auto* title = new QLabel(
        tr("<h2>Unlock the vault</h2><p>%1</p>")
            .arg(QString::fromStdString(controller.vaultFile().string()).toHtmlEscaped()));
    title->setWordWrap(true);
    m_user = new QLineEdit(QSettings().value(QStringLiteral("unlock/lastUser")).toString());
    m_user->setObjectName(QStringLiteral("user"));
    m_password = new QLineEdit;
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_error = errorLabel("error");
    m_busy = busyBar("busy");
    m_busy->setFormat(tr("Deriving your key…"));
    auto* buttons = new QDialogButtonBox;
    m_unlock = buttons->addButton(tr("&Unlock"), QDialogButtonBox::AcceptRole);
    m_unlock->setObjectName(QStringLiteral("unlockButton"));
    // Enter always means Unlock: Cancel never becomes the default, not even while it has focus.
    m_unlock->setAutoDefault(true);
    m_unlock->setDefault(true);
    auto* cancel = buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancelButton"));
    cancel->setAutoDefault(false);
    auto* form = new QFormLayout;
    form->addRow(tr("&User:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addLayout(form);
    layout->addWidget(m_busy);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(460, sizeHint().height());

    connect(buttons, &QDialogButtonBox::accepted, this, &UnlockDialog::tryUnlock);
    connect(buttons, &QDialogButtonBox::rejected, this, &UnlockDialog::reject);
    connect(&m_controller, &VaultController::busyChanged, this, [this](bool busy) {
        m_busy->setVisible(busy);
        // Read-only, not disabled: a disabled field hands its focus to the next button
        // (Cancel), where the next Enter would land. Unlock itself is off, so Enter does nothing.
        m_unlock->setEnabled(!busy);
        m_user->setReadOnly(busy);
        m_password->setReadOnly(busy);
    });
    connect(&m_controller, &VaultController::unlocked, this, [this] {
        QSettings().setValue(QStringLiteral("unlock/lastUser"), m_user->text().trimmed());
        accept();
    });
    connect(&m_controller, &VaultController::unlockFailed, this, [this](const Failure& f) {
        m_error->setText(f.message);
        // Back to the password, ready for typing: whatever is in it is selected and replaced.
        m_password->setFocus(Qt::OtherFocusReason);
        m_password->selectAll();
    });
    if (!m_user->text().isEmpty()) {
        m_password->setFocus();
    }
}

void UnlockDialog::tryUnlock()
{
    if (m_controller.busy()) {
        return;
    }
    if (m_user->text().trimmed().isEmpty()) {
        m_error->setText(tr("Enter your user name."));
        m_user->setFocus();
        return;
    }
    m_error->clear();
    // Focus on the field before Unlock turns off, so it never falls through to Cancel.
    m_password->setFocus(Qt::OtherFocusReason);
    // The password leaves the field for secure memory now; after an error the field is empty.
    auto password = takePassword(*m_password);
    if (!password) {
        m_error->setText(VaultController::failure(password.error()).message);
        return;
    }
    m_controller.unlock(m_user->text().trimmed(), std::move(*password));
}

void UnlockDialog::reject()
{
    // Escape or the window's close button while the key is derived: the answer is coming.
    if (!m_controller.busy()) {
        QDialog::reject();
    }
}

void unlockAgainOnLock(VaultController& controller, MainWindow& window,
                       std::function<void()> onCancel)
{
    QObject::connect(
        &controller, &VaultController::locked, &window,
        [&controller, &window, onCancel] {
            window.hide();
            auto* dialog = new UnlockDialog(controller);
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            // Closing it is not "the last window closed": quitting is onCancel's decision.
            dialog->setAttribute(Qt::WA_QuitOnClose, false);
            QObject::connect(&window, &QObject::destroyed, dialog, &QObject::deleteLater);
            QObject::connect(dialog, &QDialog::finished, &window,
                             [&controller, &window, onCancel](int result) {
                                 if (result == QDialog::Accepted && controller.isUnlocked()) {
                                     window.showVault();
                                     window.show();
                                 } else {
                                     onCancel();
                                 }
                             });
            dialog->open();
        },
        Qt::QueuedConnection);
}

} // namespace sopvault::desktop
