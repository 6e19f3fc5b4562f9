// Import of a folder of Markdown files into a collection, with progress, cancel, and the
// report of what was new, updated, unchanged or skipped.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTextBrowser;

namespace sopvault::desktop {

class ImportDialog : public QDialog
{
    Q_OBJECT

public:
    ImportDialog(VaultController& controller, const QString& folder, const QString& collection,
                 QWidget* parent = nullptr);

private:
    void showReport(const core::ImportReport& report);
    void finished();

    VaultController& m_controller;
    QProgressBar* m_progress = nullptr;
    QLabel* m_current = nullptr;
    QTextBrowser* m_report = nullptr;
    QPushButton* m_cancel = nullptr;
    QDialogButtonBox* m_close = nullptr;
};

} // namespace sopvault::desktop
