// Export of one SOP (Markdown, HTML or PDF) with a preview of the watermark every page will
// carry, and printing; both need the export right and are audited by core.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QRadioButton;

namespace sopvault::desktop {

class ExportDialog : public QDialog
{
    Q_OBJECT

public:
    ExportDialog(VaultController& controller, core::Id sop, QWidget* parent = nullptr);
    void doExport();
    // Prints the SOP (export right required; audited like an export).
    static void print(VaultController& controller, const core::Id& sop, QWidget* parent);

private:
    void updatePreview();
    [[nodiscard]] Outcome<void> writeTo(const QString& path);

    VaultController& m_controller;
    core::Id m_sop;
    QRadioButton* m_md = nullptr;
    QRadioButton* m_html = nullptr;
    QRadioButton* m_pdf = nullptr;
    QLineEdit* m_path = nullptr;
    QLabel* m_watermark = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace sopvault::desktop
