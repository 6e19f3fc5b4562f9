// The audit log for owners (Tools › Audit log): every entry core returns, newest first, narrowed
// by period, person, action and a text filter, with the bursts of reading core flags above it.
// Reading it is core's owner-only `audit`; the dialog only presents and filters what came back.
#pragma once

#include "VaultController.h"

#include <QDialog>

#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QTreeWidget;

namespace sopvault::desktop {

class AuditDialog : public QDialog
{
    Q_OBJECT

public:
    AuditDialog(VaultController& controller, QWidget* parent = nullptr);
    // The entries shown after the filters (for tests and the status line).
    [[nodiscard]] int shown() const;

private:
    void reload();
    void refilter();

    VaultController& m_controller;
    std::vector<core::AuditEntry> m_entries;
    QComboBox* m_period = nullptr;
    QComboBox* m_person = nullptr;
    QComboBox* m_action = nullptr;
    QLineEdit* m_text = nullptr;
    QLabel* m_alerts = nullptr;
    QLabel* m_error = nullptr;
    QLabel* m_count = nullptr;
    QTreeWidget* m_list = nullptr;
};

} // namespace sopvault::desktop
