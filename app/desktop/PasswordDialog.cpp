// The password dialog: a name (when adding a person), the shared password rows, and a busy
// bar while Argon2id runs off the GUI thread.
#include "PasswordDialog.h"

#include "PasswordFields.h"
#include "Widgets.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace sopvault::desktop {

PasswordDialog::PasswordDialog(VaultController& controller, Purpose purpose, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_purpose(purpose)
{
    const bool adding = purpose == Purpose::AddUser;
    const bool own = purpose == Purpose::OwnPassword;
    setObjectName(adding ? QStringLiteral("addUserDialog")
                  : own  ? QStringLiteral("ownPasswordDialog")
                         : QStringLiteral("changePasswordDialog"));
    setWindowTitle(adding ? tr("Add user")
                   : own  ? tr("Choose your own password")
                          : tr("Change password"));
    auto* form = new QFormLayout;
    if (adding) {
        m_name = new QLineEdit;
        m_name->setObjectName(QStringLiteral("userName"));
        form->addRow(tr("User &name:"), m_name);
    }
    m_fields =
        new PasswordFields(*form, adding ? tr("First &password:") : tr("New &password:"), this);
    if (adding) {
        m_fields->watchUserName(m_name);
    } else {
        m_fields->setUserName(controller.userName());
    }
    m_busy = busyBar("busy");
    m_busy->setFormat(tr("Deriving the key…"));
    m_error = errorLabel("error");
    auto* buttons = new QDialogButtonBox;
    m_ok = buttons->addButton(adding ? tr("&Add user")
                              : own  ? tr("&Set my password")
                                     : tr("&Change password"),
                              QDialogButtonBox::AcceptRole);
    m_ok->setObjectName(QStringLiteral("okButton"));
    m_ok->setDefault(true);
    m_cancel = own ? buttons->addButton(tr("&Quit"), QDialogButtonBox::RejectRole)
                   : buttons->addButton(QDialogButtonBox::Cancel);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_cancel->setAutoDefault(false); // Enter means the dialog's action, never Cancel
    auto* layout = new QVBoxLayout(this);
    if (adding || own) {
        auto* note = new QLabel(
            adding ? tr("They choose their own password when they first unlock: until then, "
                        "this one opens their keys.")
                   : tr("An owner chose the password you unlocked with. Choose your own now: "
                        "only you will know it, and the owner's stops working. Quit locks the "
                        "vault again."));
        note->setObjectName(QStringLiteral("passwordNote"));
        note->setWordWrap(true);
        layout->addWidget(note);
    }
    layout->addLayout(form);
    layout->addWidget(m_busy);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    setMinimumWidth(480);

    connect(buttons, &QDialogButtonBox::accepted, this, &PasswordDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &PasswordDialog::reject);
    connect(&m_controller, &VaultController::busyChanged, this, &PasswordDialog::setBusy);
    // A lock (idle, Ctrl+L elsewhere) ends the session the dialog would write through.
    connect(&m_controller, &VaultController::locked, this, &QDialog::reject);
    if (adding) {
        connect(&m_controller, &VaultController::userAdded, this, &QDialog::accept);
        connect(&m_controller, &VaultController::userAddFailed, this, &PasswordDialog::failed);
    } else {
        connect(&m_controller, &VaultController::passwordChanged, this, &QDialog::accept);
        connect(&m_controller, &VaultController::passwordChangeFailed, this,
                &PasswordDialog::failed);
    }
    (adding ? m_name : m_fields->password())->setFocus();
}

void PasswordDialog::setBusy(bool busy)
{
    m_busy->setVisible(busy);
    if (m_name != nullptr) {
        m_name->setReadOnly(busy);
    }
    m_fields->setBusy(busy);
    m_ok->setEnabled(!busy);
    m_cancel->setEnabled(!busy);
}

void PasswordDialog::submit()
{
    if (m_controller.busy()) {
        return;
    }
    const QString name = m_name != nullptr ? m_name->text().trimmed() : QString();
    if (m_purpose == Purpose::AddUser && name.isEmpty()) {
        m_error->setText(tr("Enter the new person's user name."));
        m_name->setFocus();
        return;
    }
    if (m_fields->isEmpty()) {
        m_error->setText(tr("Choose a password."));
        m_fields->password()->setFocus();
        return;
    }
    if (!m_fields->matches()) {
        m_error->setText(tr("The two passwords differ."));
        m_fields->clearConfirm();
        m_fields->confirm()->setFocus();
        return;
    }
    m_error->clear();
    m_fields->password()->setFocus();
    const auto profile = m_fields->profile();
    auto password = m_fields->take();
    if (!password) {
        failed(VaultController::failure(password.error()));
        return;
    }
    if (m_purpose == Purpose::AddUser) {
        m_controller.addUser(name, std::move(*password), profile);
    } else {
        m_controller.changePassword(std::move(*password), profile);
    }
}

void PasswordDialog::reject()
{
    if (!m_controller.busy()) {
        QDialog::reject();
    }
}

void PasswordDialog::failed(const Failure& failure)
{
    m_error->setText(failure.message);
    m_fields->password()->setFocus();
}

} // namespace sopvault::desktop
