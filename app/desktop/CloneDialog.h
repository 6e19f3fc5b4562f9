// Joining a team vault on a new computer: the server URL, the vault id and where the replica
// goes (CloneFields, shared with the first-run wizard), then a clone on the worker and the
// normal unlock with one's own name and password.
#pragma once

#include "VaultController.h"

#include <QDialog>
#include <QWidget>

class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace sopvault::desktop {

class CloneFields : public QObject
{
    Q_OBJECT

public:
    // Adds its rows to `form`; `defaultPath` is where the replica goes unless changed.
    CloneFields(QFormLayout& form, const std::filesystem::path& defaultPath, QObject* parent);
    // URL and vault id filled in; core judges them when the clone runs.
    [[nodiscard]] bool filled() const;
    [[nodiscard]] QString url() const;
    [[nodiscard]] QString vaultId() const;
    [[nodiscard]] std::filesystem::path path() const;
    void setBusy(bool busy);

signals:
    void changed();

private:
    QLineEdit* m_url = nullptr;
    QLineEdit* m_vaultId = nullptr;
    QLineEdit* m_path = nullptr;
};

// The text shown once a clone is done: what arrived, the fingerprint to compare, what next.
[[nodiscard]] QString clonedText(qulonglong records, const QString& fingerprint);

class CloneDialog : public QDialog
{
    Q_OBJECT

public:
    explicit CloneDialog(VaultController& controller, QWidget* parent = nullptr);
    void startClone();
    // Where the finished clone is (after accepted).
    [[nodiscard]] std::filesystem::path clonedPath() const { return m_done; }
    void reject() override;

private:
    void setBusy(bool busy);

    VaultController& m_controller;
    CloneFields* m_fields = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_error = nullptr;
    QLabel* m_result = nullptr;
    QPushButton* m_clone = nullptr;
    QPushButton* m_open = nullptr;
    bool m_running = false;
    std::filesystem::path m_done;
};

} // namespace sopvault::desktop
