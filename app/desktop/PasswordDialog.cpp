// The password dialog: a name (when adding a person), the password twice, the key-derivation
// cost, and a busy bar while Argon2id runs off the GUI thread.
#include "PasswordDialog.h"

#include <QComboBox>
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
    setObjectName(adding ? QStringLiteral("addUserDialog")
                         : QStringLiteral("changePasswordDialog"));
    setWindowTitle(adding ? tr("Add user") : tr("Change password"));
    auto* form = new QFormLayout;
    if (adding) {
        m_name = new QLineEdit;
        m_name->setObjectName(QStringLiteral("userName"));
        form->addRow(tr("User &name:"), m_name);
    }
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
    form->addRow(adding ? tr("First &password:") : tr("New &password:"), m_password);
    form->addRow(tr("&Repeat it:"), m_confirm);
    form->addRow(QString(), m_strength);
    form->addRow(tr("Key &derivation:"), m_kdf);
    m_busy = busyBar("busy");
    m_busy->setFormat(tr("Deriving the key…"));
    m_error = errorLabel("error");
    auto* buttons = new QDialogButtonBox;
    m_ok = buttons->addButton(adding ? tr("&Add user") : tr("&Change password"),
                              QDialogButtonBox::AcceptRole);
    m_ok->setObjectName(QStringLiteral("okButton"));
    m_ok->setDefault(true);
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_cancel->setAutoDefault(false); // Enter means the dialog's action, never Cancel
    auto* layout = new QVBoxLayout(this);
    if (adding) {
        auto* note = new QLabel(tr("They should change this password when they first unlock."));
        note->setWordWrap(true);
        layout->addWidget(note);
    }
    layout->addLayout(form);
    layout->addWidget(m_busy);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    setMinimumWidth(480);

    connect(m_password, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_strength->setText(VaultController::passwordStrengthHint(text));
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &PasswordDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &PasswordDialog::reject);
    connect(&m_controller, &VaultController::busyChanged, this, [this](bool busy) {
        m_busy->setVisible(busy);
        // Read-only rather than disabled: focus stays in the field, not on a button.
        for (auto* field : {m_name, m_password, m_confirm}) {
            if (field != nullptr) {
                field->setReadOnly(busy);
            }
        }
        m_kdf->setEnabled(!busy);
        m_ok->setEnabled(!busy);
        m_cancel->setEnabled(!busy);
    });
    if (adding) {
        connect(&m_controller, &VaultController::userAdded, this, &QDialog::accept);
        connect(&m_controller, &VaultController::userAddFailed, this, &PasswordDialog::failed);
    } else {
        connect(&m_controller, &VaultController::passwordChanged, this, &QDialog::accept);
        connect(&m_controller, &VaultController::passwordChangeFailed, this,
                &PasswordDialog::failed);
    }
    (adding ? m_name : m_password)->setFocus();
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
    if (m_password->text().isEmpty()) {
        m_error->setText(tr("Choose a password."));
        m_password->setFocus();
        return;
    }
    if (m_password->text() != m_confirm->text()) {
        m_error->setText(tr("The two passwords differ."));
        clearPassword(*m_confirm);
        m_confirm->setFocus();
        return;
    }
    m_error->clear();
    m_password->setFocus();
    auto password = takePassword(*m_password);
    clearPassword(*m_confirm);
    if (!password) {
        failed(VaultController::failure(password.error()));
        return;
    }
    const auto profile = static_cast<crypto::KdfProfile>(m_kdf->currentData().toInt());
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
    m_password->setFocus();
}

} // namespace sopvault::desktop
