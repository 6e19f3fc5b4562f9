// The rows every screen that sets a password shows (first-run wizard, add user, change
// password): the password, "repeat it", a strength hint, a live "the two differ", and the
// key-derivation cost. They are added to the caller's form so the labels line up.
#pragma once

#include "VaultController.h"

#include <QObject>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace sopvault::desktop {

class PasswordFields : public QObject
{
    Q_OBJECT

public:
    // Adds the rows to `form`; `passwordLabel` names the first one ("New &password:").
    PasswordFields(QFormLayout& form, const QString& passwordLabel, QObject* parent);

    [[nodiscard]] QLineEdit* password() const { return m_password; }
    [[nodiscard]] QLineEdit* confirm() const { return m_confirm; }
    [[nodiscard]] bool isEmpty() const;
    [[nodiscard]] bool matches() const;
    [[nodiscard]] crypto::KdfProfile profile() const;
    // Moves the password into secure memory and empties both fields (docs/security.md).
    [[nodiscard]] Result<crypto::SecureBuffer> take();
    // Empties "repeat it" after a mismatch, so the person types it again.
    void clearConfirm();
    // Whose password it is: a password that contains the name is weak. Either a field the name
    // is typed in (followed as it changes) or a fixed name.
    void watchUserName(QLineEdit* name);
    void setUserName(const QString& name);
    // While the key is derived: read-only rather than disabled, so focus stays in a field.
    void setBusy(bool busy);

signals:
    void changed();

private:
    void refresh();

    QLineEdit* m_password = nullptr;
    QLineEdit* m_confirm = nullptr;
    QLabel* m_strength = nullptr;
    QLabel* m_mismatch = nullptr;
    QComboBox* m_kdf = nullptr;
    QLineEdit* m_userField = nullptr;
    QString m_userName;
};

} // namespace sopvault::desktop
