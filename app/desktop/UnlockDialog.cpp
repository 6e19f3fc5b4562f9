// The unlock dialog and the unlock after every lock.
#include "UnlockDialog.h"

#include "MainWindow.h"
#include "PasswordDialog.h"
#include "Widgets.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace sopvault::desktop {

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
    connect(&m_controller, &VaultController::busyChanged, this, &UnlockDialog::setBusy);
    connect(&m_controller, &VaultController::unlocked, this, [this] {
        QSettings().setValue(QStringLiteral("unlock/lastUser"), m_user->text().trimmed());
        if (m_controller.passwordSetByOwner()) {
            chooseOwnPassword();
            return;
        }
        accept();
    });
    connect(&m_controller, &VaultController::unlockFailed, this, &UnlockDialog::failed);
    if (!m_user->text().isEmpty()) {
        m_password->setFocus();
    }
}

void UnlockDialog::chooseOwnPassword()
{
    // Core says whose password an owner chose; nothing opens until they have their own.
    auto* dialog = new PasswordDialog(m_controller, PasswordDialog::Purpose::OwnPassword, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::finished, this, [this](int result) {
        if (result == QDialog::Accepted && m_controller.isUnlocked() &&
            !m_controller.passwordSetByOwner()) {
            accept();
            return;
        }
        if (m_controller.isUnlocked()) {
            m_controller.lock();
        }
        reject();
    });
    dialog->open();
}

void UnlockDialog::setBusy(bool busy)
{
    m_busy->setVisible(busy);
    // Read-only, not disabled: a disabled field hands its focus to the next button (Cancel),
    // where the next Enter would land. Unlock itself is off, so Enter does nothing.
    m_unlock->setEnabled(!busy);
    m_user->setReadOnly(busy);
    m_password->setReadOnly(busy);
}

void UnlockDialog::failed(const Failure& failure)
{
    m_error->setText(failure.message);
    // Back to the password, ready for typing: whatever is in it is selected and replaced.
    m_password->setFocus(Qt::OtherFocusReason);
    m_password->selectAll();
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
