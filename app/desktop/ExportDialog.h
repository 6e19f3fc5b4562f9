// Export of one SOP (Markdown, HTML or PDF) or of a run's evidence (Markdown or HTML) with a
// preview of the watermark every page will carry, and printing; all need the export right and
// are audited by core.
#pragma once

#include "VaultController.h"

#include <QDialog>

#include <optional>

class QLabel;
class QLineEdit;
class QRadioButton;

namespace sopvault::desktop {

class ExportDialog : public QDialog
{
    Q_OBJECT

public:
    // One SOP: PDF, HTML or Markdown.
    ExportDialog(VaultController& controller, core::Id sop, QWidget* parent = nullptr);
    // A run's evidence for the ticket: HTML or Markdown, watermarked with the run's version.
    ExportDialog(VaultController& controller, const core::RunInfo& run, QWidget* parent = nullptr);
    void doExport();
    // Once the export succeeded, the sentence for the status bar: where it went.
    [[nodiscard]] QString doneMessage() const;
    // Prints the SOP (export right required; audited like an export).
    static void print(VaultController& controller, const core::Id& sop, QWidget* parent);

private:
    void build();
    void updatePreview();
    [[nodiscard]] Outcome<void> writeTo(const QString& path);

    VaultController& m_controller;
    core::Id m_sop;
    std::optional<core::Id> m_run;
    std::uint64_t m_version = 0; // 0: the newest
    QString m_name;              // the file's name before its extension
    QString m_exportedTo;
    QRadioButton* m_md = nullptr;
    QRadioButton* m_html = nullptr;
    QRadioButton* m_pdf = nullptr;
    QLineEdit* m_path = nullptr;
    QLabel* m_watermark = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace sopvault::desktop
