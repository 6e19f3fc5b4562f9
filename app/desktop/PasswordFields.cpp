// The shared password rows: one strength rule (core's, through passwordStrengthHint), one
// mismatch message, one list of key-derivation costs.
#include "PasswordFields.h"

#include "Widgets.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>

namespace sopvault::desktop {

PasswordFields::PasswordFields(QFormLayout& form, const QString& passwordLabel, QObject* parent)
    : QObject(parent)
{
    setObjectName(QStringLiteral("passwordFields"));
    m_password = new QLineEdit;
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_confirm = new QLineEdit;
    m_confirm->setObjectName(QStringLiteral("confirm"));
    m_confirm->setEchoMode(QLineEdit::Password);
    m_strength = new QLabel(VaultController::passwordStrengthHint({}));
    m_strength->setObjectName(QStringLiteral("strength"));
    m_strength->setWordWrap(true);
    // Room for the longest advice from the start: the form does not jump, nor cut it off.
    m_strength->setMinimumHeight(m_strength->fontMetrics().lineSpacing() * 3 + 4);
    m_strength->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_mismatch = errorLabel("mismatch");
    m_mismatch->setVisible(false);
    m_kdf = new QComboBox;
    m_kdf->setObjectName(QStringLiteral("kdf"));
    m_kdf->addItem(tr("Moderate (recommended, about 1 s to unlock)"),
                   int(crypto::KdfProfile::Moderate));
    m_kdf->addItem(tr("Interactive (faster, weaker against guessing)"),
                   int(crypto::KdfProfile::Interactive));
    m_kdf->addItem(tr("Sensitive (1 GiB of memory, several seconds)"),
                   int(crypto::KdfProfile::Sensitive));
    form.addRow(passwordLabel, m_password);
    form.addRow(tr("&Repeat it:"), m_confirm);
    form.addRow(QString(), m_strength);
    form.addRow(QString(), m_mismatch);
    form.addRow(tr("Key &derivation:"), m_kdf);
    connect(m_password, &QLineEdit::textChanged, this, &PasswordFields::refresh);
    connect(m_confirm, &QLineEdit::textChanged, this, &PasswordFields::refresh);
}

void PasswordFields::refresh()
{
    const QString user = m_userField != nullptr ? m_userField->text().trimmed() : m_userName;
    m_strength->setText(VaultController::passwordStrengthHint(m_password->text(), user));
    const bool differ = !m_confirm->text().isEmpty() && !matches();
    m_mismatch->setText(differ ? tr("The two passwords differ.") : QString());
    m_mismatch->setVisible(differ);
    emit changed();
}

bool PasswordFields::isEmpty() const
{
    return m_password->text().isEmpty();
}

bool PasswordFields::matches() const
{
    return m_password->text() == m_confirm->text();
}

crypto::KdfProfile PasswordFields::profile() const
{
    return static_cast<crypto::KdfProfile>(m_kdf->currentData().toInt());
}

Result<crypto::SecureBuffer> PasswordFields::take()
{
    auto password = takePassword(*m_password);
    clearPassword(*m_confirm);
    return password;
}

void PasswordFields::watchUserName(QLineEdit* name)
{
    m_userField = name;
    connect(name, &QLineEdit::textChanged, this, &PasswordFields::refresh);
    refresh();
}

void PasswordFields::setUserName(const QString& name)
{
    m_userName = name;
    refresh();
}

void PasswordFields::clearConfirm()
{
    clearPassword(*m_confirm);
}

void PasswordFields::setBusy(bool busy)
{
    m_password->setReadOnly(busy);
    m_confirm->setReadOnly(busy);
    m_kdf->setEnabled(!busy);
}

} // namespace sopvault::desktop
