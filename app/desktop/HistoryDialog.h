// Version history of one SOP: every version with its author and message, a coloured diff of
// any two, and restoring an older version as a new one.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QPushButton;
class QTextBrowser;
class QTreeWidget;

namespace sopvault::desktop {

class HistoryDialog : public QDialog
{
    Q_OBJECT

public:
    HistoryDialog(VaultController& controller, core::Id sop, QWidget* parent = nullptr);
    void showDiff();
    void restoreSelected();

signals:
    // `from` was restored as the new `version`.
    void restored(std::uint64_t from, std::uint64_t version);

private:
    void load();

    VaultController& m_controller;
    core::Id m_sop;
    QTreeWidget* m_versions = nullptr;
    QComboBox* m_from = nullptr;
    QComboBox* m_to = nullptr;
    QTextBrowser* m_diff = nullptr;
    QPushButton* m_restore = nullptr;
    QLabel* m_status = nullptr; // what the last restore did, or why it did nothing
};

} // namespace sopvault::desktop
