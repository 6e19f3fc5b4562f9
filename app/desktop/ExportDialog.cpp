// The export dialog and printing. The watermark line and the export itself come from core
// through the controller; PDF pages are drawn by PdfExporter.
#include "ExportDialog.h"

#include "AttachmentSource.h"
#include "PdfExporter.h"
#include "Widgets.h"
#include "sopvault/core/FileNames.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPrintDialog>
#include <QPrinter>
#include <QPushButton>
#include <QRadioButton>
#include <QTextDocument>
#include <QVBoxLayout>

namespace sopvault::desktop {

ExportDialog::ExportDialog(VaultController& controller, core::Id sop, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_sop(sop)
{
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export"));
    if (auto x = m_controller.summary(m_sop)) {
        m_name = toQString(core::safeFileName(x->title));
    }
    build();
}

ExportDialog::ExportDialog(VaultController& controller, const core::RunInfo& run, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_sop(run.sop), m_run(run.id),
      m_version(run.version)
{
    setObjectName(QStringLiteral("exportEvidenceDialog"));
    setWindowTitle(tr("Export evidence"));
    const std::string name =
        run.ticket.empty() ? run.title + " evidence" : run.ticket + " " + run.title + " evidence";
    m_name = toQString(core::safeFileName(name));
    build();
}

void ExportDialog::build()
{
    resize(640, 360);
    m_md = new QRadioButton(tr("&Markdown"));
    m_md->setObjectName(QStringLiteral("formatMd"));
    m_html = new QRadioButton(tr("&HTML (self-contained, printable)"));
    m_html->setObjectName(QStringLiteral("formatHtml"));
    m_pdf = new QRadioButton(tr("&PDF"));
    m_pdf->setObjectName(QStringLiteral("formatPdf"));
    // Evidence goes into a ticket: an HTML page prints as it shows, Markdown pastes as text.
    (m_run ? m_html : m_pdf)->setChecked(true);
    auto* formats = new QGroupBox(tr("Format"));
    auto* fl = new QVBoxLayout(formats);
    for (auto* r : {m_pdf, m_html, m_md}) {
        fl->addWidget(r);
        connect(r, &QRadioButton::toggled, this, &ExportDialog::updatePreview);
    }
    m_pdf->setVisible(!m_run);
    m_path = new QLineEdit;
    m_path->setObjectName(QStringLiteral("exportPath"));
    auto* browse = namedButton(tr("&Browse…"), "browseButton");
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export to"), m_path->text());
        if (!file.isEmpty()) {
            m_path->setText(file);
        }
    });
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    m_watermark = new QLabel;
    m_watermark->setObjectName(QStringLiteral("watermarkPreview"));
    m_watermark->setWordWrap(true);
    // The palette's own colours: readable in a light and a dark theme alike.
    m_watermark->setFrameShape(QFrame::StyledPanel);
    m_watermark->setMargin(8);
    m_watermark->setForegroundRole(QPalette::PlaceholderText);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    auto* go = buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole);
    go->setObjectName(QStringLiteral("doExportButton"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(formats);
    layout->addWidget(new QLabel(tr("Save as:")));
    layout->addLayout(pathRow);
    layout->addWidget(new QLabel(tr("Every page carries this watermark, and the export is "
                                    "recorded in the audit log:")));
    layout->addWidget(m_watermark);
    layout->addWidget(m_status);
    layout->addStretch();
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::doExport);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // A lock (idle or Ctrl+L) takes the session away: nothing may be exported after it.
    connect(&m_controller, &VaultController::locked, this, &QDialog::reject);
    updatePreview();
}

void ExportDialog::updatePreview()
{
    const QString ext = m_pdf->isChecked()    ? QStringLiteral(".pdf")
                        : m_html->isChecked() ? QStringLiteral(".html")
                                              : QStringLiteral(".md");
    QString path = m_path->text();
    if (path.isEmpty() || path.endsWith(QStringLiteral(".pdf")) ||
        path.endsWith(QStringLiteral(".html")) || path.endsWith(QStringLiteral(".md"))) {
        const QString base =
            path.isEmpty() ? QDir::homePath() + u'/' + m_name : path.section(u'.', 0, -2);
        m_path->setText(base + ext);
    }
    auto line = m_controller.watermarkLine(m_sop, m_version);
    m_watermark->setText(line ? *line : line.error().message);
}

Outcome<void> ExportDialog::writeTo(const QString& path)
{
    const auto format =
        m_html->isChecked() ? core::ExportFormat::Html : core::ExportFormat::Markdown;
    if (m_run) {
        return m_controller.exportRun(*m_run, format, path);
    }
    if (!m_pdf->isChecked()) {
        return m_controller.exportFile(m_sop, format, path);
    }
    auto doc = m_controller.prepareExport(m_sop, "pdf");
    if (!doc) {
        return std::unexpected(doc.error());
    }
    auto images = [&](const QString& name) {
        auto opened = m_controller.openAttachment(doc->id, doc->version, name);
        return opened ? decodeImage(opened->bytes.span()) : QImage();
    };
    if (!PdfExporter::write(*doc, path, images)) {
        return std::unexpected(Failure{ErrorCode::Failed, tr("Cannot write %1.").arg(path)});
    }
    return {};
}

void ExportDialog::doExport()
{
    const QString path = m_path->text().trimmed();
    if (path.isEmpty()) {
        m_status->setText(tr("Choose where to save it."));
        return;
    }
    if (QFileInfo::exists(path)) {
        m_status->setText(tr("%1 already exists; choose another name.").arg(path));
        return;
    }
    if (auto done = writeTo(path); !done) {
        m_status->setText(done.error().message);
        return;
    }
    m_exportedTo = path;
    accept();
}

QString ExportDialog::doneMessage() const
{
    return (m_run ? tr("Evidence exported to %1 (watermarked; recorded in the audit log).")
                  : tr("Exported to %1 (watermarked; recorded in the audit log)."))
        .arg(m_exportedTo);
}

void ExportDialog::print(VaultController& controller, const core::Id& sop, QWidget* parent)
{
    QPrinter printer(QPrinter::HighResolution);
    QPrintDialog dialog(&printer, parent);
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    auto doc = controller.prepareExport(sop, "print");
    if (!doc) {
        warn(parent, doc.error());
        return;
    }
    QTextDocument text;
    text.setHtml(QStringLiteral("<p style=\"color:#6b7280;font-size:8pt\">%1</p><h1>%2</h1>%3"
                                "<p style=\"color:#6b7280;font-size:8pt\">%1</p>")
                     .arg(toQString(doc->watermark).toHtmlEscaped(),
                          toQString(doc->title).toHtmlEscaped(), toQString(doc->html)));
    text.print(&printer);
}

} // namespace sopvault::desktop
