// The history dialog: versions in a list (each row carries its version number in a role),
// the diff between two chosen versions, and restore.
#include "HistoryDialog.h"

#include "Widgets.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sopvault::desktop {

namespace {
constexpr int kVersionRole = Qt::UserRole;
} // namespace

HistoryDialog::HistoryDialog(VaultController& controller, core::Id sop, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_sop(sop)
{
    setObjectName(QStringLiteral("historyDialog"));
    setWindowTitle(tr("Version history"));
    resize(980, 640);
    m_versions = namedTree("versions", {tr("Version"), tr("Author"), tr("Time"), tr("Message")});
    m_from = new QComboBox;
    m_from->setObjectName(QStringLiteral("fromVersion"));
    m_to = new QComboBox;
    m_to->setObjectName(QStringLiteral("toVersion"));
    m_diff = new QTextBrowser;
    m_diff->setObjectName(QStringLiteral("diffView"));
    m_restore = namedButton(tr("&Restore selected version"), "restoreButton");
    auto* pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Compare version")));
    pick->addWidget(m_from);
    pick->addWidget(new QLabel(tr("with")));
    pick->addWidget(m_to);
    pick->addStretch();
    pick->addWidget(m_restore);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_versions, 2);
    layout->addLayout(pick);
    layout->addWidget(m_diff, 3);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("historyStatus"));
    layout->addWidget(m_status);
    layout->addWidget(close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_from, &QComboBox::currentIndexChanged, this, &HistoryDialog::showDiff);
    connect(m_to, &QComboBox::currentIndexChanged, this, &HistoryDialog::showDiff);
    connect(m_restore, &QPushButton::clicked, this, &HistoryDialog::restoreSelected);
    connect(m_versions, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item != nullptr) {
            // Selecting a version compares it with the newest.
            m_from->setCurrentIndex(m_versions->indexOfTopLevelItem(item));
        }
    });
    load();
}

void HistoryDialog::load()
{
    auto history = m_controller.history(m_sop);
    m_versions->clear();
    m_from->clear();
    m_to->clear();
    if (!history) {
        m_diff->setPlainText(history.error().message);
        return;
    }
    for (const auto& h : *history) {
        const auto version = QVariant::fromValue<qulonglong>(h.version);
        auto* row =
            new QTreeWidgetItem(m_versions, {QString::number(h.version), toQString(h.author),
                                             formatTime(h.time), toQString(h.message)});
        row->setData(0, kVersionRole, version);
        m_from->addItem(QString::number(h.version), version);
        m_to->addItem(QString::number(h.version), version);
    }
    m_restore->setEnabled(m_controller.mayRestore(m_sop) && history->size() > 1);
    m_to->setCurrentIndex(m_to->count() - 1);
    m_from->setCurrentIndex(std::max(0, m_from->count() - 2));
    showDiff();
}

void HistoryDialog::showDiff()
{
    if (m_from->count() == 0 || m_to->count() == 0) {
        return;
    }
    auto diff = m_controller.diff(m_sop, m_from->currentData().toULongLong(),
                                  m_to->currentData().toULongLong());
    m_diff->setHtml(diff ? diffToHtml(*diff) : diff.error().message.toHtmlEscaped());
    m_status->clear();
}

void HistoryDialog::restoreSelected()
{
    auto* item = m_versions->currentItem();
    if (item == nullptr) {
        m_status->setText(tr("Pick the version to restore in the list above."));
        return;
    }
    const std::uint64_t from = item->data(0, kVersionRole).toULongLong();
    const std::uint64_t newest = m_versions->topLevelItem(m_versions->topLevelItemCount() - 1)
                                     ->data(0, kVersionRole)
                                     .toULongLong();
    if (from == newest) {
        m_status->setText(tr("Version %1 is already the current one.").arg(from));
        return;
    }
    QMessageBox ask(QMessageBox::Question, tr("Restore version %1?").arg(from),
                    tr("Restore version %1?").arg(from), QMessageBox::NoButton, this);
    ask.setObjectName(QStringLiteral("restoreConfirm"));
    ask.setInformativeText(tr("Its text becomes a new version %1, signed by you. Version %2 and "
                              "every other version stay in the history.")
                               .arg(newest + 1)
                               .arg(newest));
    auto* yes = ask.addButton(tr("Restore"), QMessageBox::AcceptRole);
    ask.addButton(QMessageBox::Cancel);
    ask.setDefaultButton(QMessageBox::Cancel);
    ask.exec();
    if (ask.clickedButton() != yes) {
        return;
    }
    auto done = m_controller.restore(m_sop, from);
    if (!done) {
        warn(this, done.error());
        return;
    }
    load();
    m_status->setText(tr("Restored: version %1 has the text of version %2.").arg(*done).arg(from));
    emit restored(from, *done);
}

} // namespace sopvault::desktop
