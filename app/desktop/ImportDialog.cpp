// The import dialog: the controller imports on its worker and reports progress here.
#include "ImportDialog.h"

#include "Widgets.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace sopvault::desktop {

ImportDialog::ImportDialog(VaultController& controller, const QString& folder,
                           const QString& collection, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("importDialog"));
    setWindowTitle(tr("Importing %1").arg(folder));
    resize(640, 420);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("progress"));
    m_current = new QLabel;
    m_report = new QTextBrowser;
    m_report->setObjectName(QStringLiteral("report"));
    m_cancel = namedButton(tr("&Cancel import"), "cancelImportButton");
    m_close = new QDialogButtonBox(QDialogButtonBox::Close);
    m_close->setEnabled(false);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Into <b>%1</b>. Nothing is saved until every file is done; "
                                    "cancel and nothing is imported.")
                                     .arg(collection.toHtmlEscaped())));
    layout->addWidget(m_progress);
    layout->addWidget(m_current);
    layout->addWidget(m_report, 1);
    layout->addWidget(m_cancel);
    layout->addWidget(m_close);
    connect(m_close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_cancel, &QPushButton::clicked, &m_controller, &VaultController::cancelImport);
    connect(&m_controller, &VaultController::progress, this,
            [this](int done, int total, const QString& what) {
                m_progress->setRange(0, total);
                m_progress->setValue(done);
                m_current->setText(what);
            });
    connect(&m_controller, &VaultController::imported, this, &ImportDialog::showReport);
    connect(&m_controller, &VaultController::operationFailed, this, [this](const Failure& f) {
        m_report->setPlainText(f.message);
        finished();
    });
    m_controller.importFolder(folder, collection);
}

void ImportDialog::showReport(const core::ImportReport& r)
{
    QString text = tr("<p><b>%1 new, %2 updated, %3 unchanged.</b></p>")
                       .arg(r.imported)
                       .arg(r.updated)
                       .arg(r.unchanged);
    if (!r.skipped.empty()) {
        text += tr("<p>Skipped:</p><ul>");
        for (const auto& k : r.skipped) {
            text +=
                QStringLiteral("<li>%1: %2</li>")
                    .arg(toQString(k.path).toHtmlEscaped(), toQString(k.reason).toHtmlEscaped());
        }
        text += QStringLiteral("</ul>");
    }
    m_report->setHtml(text);
    finished();
}

void ImportDialog::finished()
{
    m_cancel->setEnabled(false);
    m_close->setEnabled(true);
}

} // namespace sopvault::desktop
