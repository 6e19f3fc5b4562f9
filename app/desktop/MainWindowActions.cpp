// The main window's View menu (zoom, archived SOPs), a SOP's state (publish, archive), the
// list of keyboard shortcuts, who must confirm reading which SOP, and the content pane's empty
// states.
#include "MainWindow.h"

#include "AuditDialog.h"
#include "DashboardDialog.h"
#include "RunPanel.h"
#include "SafeBrowser.h"
#include "Widgets.h"

#include <QAction>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sopvault::desktop {

namespace {

constexpr int kMaxZoom = 8; // steps of one point either way

const QString kZoomKey = QStringLiteral("reader/zoom");
const QString kArchivedKey = QStringLiteral("list/showArchived");

} // namespace

void MainWindow::buildViewMenu()
{
    auto* view = menuBar()->addMenu(tr("&View"));
    auto* in = view->addAction(tr("Zoom &in"), this, [this] { zoomReader(1); });
    in->setObjectName(QStringLiteral("zoomInAction"));
    // Ctrl+= as well: on most keyboards "+" needs Shift.
    in->setShortcuts({QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    auto* out = view->addAction(tr("Zoom &out"), this, [this] { zoomReader(-1); });
    out->setObjectName(QStringLiteral("zoomOutAction"));
    out->setShortcut(QKeySequence::ZoomOut);
    auto* reset = view->addAction(tr("&Actual size"), this, [this] { zoomReader(-m_zoom); });
    reset->setObjectName(QStringLiteral("zoomResetAction"));
    reset->setShortcut(QKeySequence(tr("Ctrl+0")));
    view->addSeparator();
    m_showArchivedAction = view->addAction(tr("Show a&rchived SOPs"));
    m_showArchivedAction->setObjectName(QStringLiteral("showArchivedAction"));
    m_showArchivedAction->setCheckable(true);
    m_showArchivedAction->setChecked(QSettings().value(kArchivedKey, false).toBool());
    m_showArchivedAction->setShortcut(QKeySequence(tr("Ctrl+Shift+A")));
    connect(m_showArchivedAction, &QAction::toggled, this, [this](bool on) {
        QSettings().setValue(kArchivedKey, on);
        refreshList();
        statusBar()->showMessage(
            on ? tr("Archived SOPs are listed, greyed.") : tr("Archived SOPs are hidden."), 4000);
    });
    const int saved = QSettings().value(kZoomKey, 0).toInt();
    zoomReader(std::clamp(saved, -kMaxZoom, kMaxZoom));
}

void MainWindow::zoomReader(int steps)
{
    const int target = std::clamp(m_zoom + steps, -kMaxZoom, kMaxZoom);
    const int by = target - m_zoom;
    if (by == 0) {
        return;
    }
    m_reader->zoomIn(by);
    m_zoom = target;
    QSettings().setValue(kZoomKey, m_zoom);
    statusBar()->showMessage(m_zoom == 0 ? tr("Reader at its actual size.")
                                         : tr("Reader zoom: %1%2 pt (Ctrl+0 resets).")
                                               .arg(m_zoom > 0 ? QStringLiteral("+") : QString())
                                               .arg(m_zoom),
                             3000);
}

void MainWindow::setCurrentState(core::SopState state)
{
    if (!m_currentId || !m_controller.may(core::Right::Edit, m_currentCollection) ||
        m_currentState == state) {
        return;
    }
    core::SopEdit edit;
    edit.state = state;
    edit.baseVersion = m_currentVersion;
    edit.message = state == core::SopState::Archived    ? "Archived"
                   : state == core::SopState::Published ? "Published"
                                                        : "Back to draft";
    const core::Id sop = *m_currentId;
    auto version = m_controller.editSop(sop, edit);
    if (!version) {
        showFailure(tr("Cannot change the SOP's state"), version.error());
        return;
    }
    const bool hidden = state == core::SopState::Archived && !m_showArchivedAction->isChecked();
    refreshList();
    if (hidden) {
        showEmptyState(tr("Archived. Its history is kept; View > Show archived SOPs "
                          "(Ctrl+Shift+A) lists it again."));
    } else {
        openSop(sop);
    }
    statusBar()->showMessage(
        tr("Now %1 (version %2).").arg(toQString(core::stateName(state))).arg(*version), 6000);
}

void MainWindow::showEmptyState(const QString& text)
{
    m_emptyState->setText(text);
    if (m_stack->currentIndex() != 2) { // never take an open editor away
        m_currentId.reset();
        m_runPanel->clear();
        m_stack->setCurrentIndex(0);
    }
    updateActions();
}

void MainWindow::showShortcuts()
{
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("shortcutsDialog"));
    dialog.setWindowTitle(tr("Keyboard shortcuts"));
    dialog.resize(520, 560);
    auto* list = namedTree("shortcutsList", {tr("Action"), tr("Keys")});
    list->setRootIsDecorated(false);
    // From the menus themselves, so the list cannot drift from what the keys do.
    for (QAction* top : menuBar()->actions()) {
        QMenu* menu = top->menu();
        if (menu == nullptr) {
            continue;
        }
        for (QAction* a : menu->actions()) {
            if (a->shortcuts().isEmpty()) {
                continue;
            }
            QStringList keys;
            for (const QKeySequence& k : a->shortcuts()) {
                keys << k.toString(QKeySequence::NativeText);
            }
            new QTreeWidgetItem(list, {QStringLiteral("%1 › %2").arg(top->text().remove(u'&'),
                                                                     a->text().remove(u'&')),
                                       keys.join(QStringLiteral(", "))});
        }
    }
    const QList<QPair<QString, QString>> more = {
        {tr("Search › Open the first match"), tr("Enter")},
        {tr("Reader › Copy the whole SOP (export right)"), tr("Ctrl+A, then Ctrl+C")},
        {tr("Run › Record the selected step done"), tr("Ctrl+Return")},
        {tr("Run › Record the selected step skipped"), tr("Ctrl+Shift+Return")},
        {tr("Any dialog › Close"), tr("Esc")},
    };
    for (const auto& [what, keys] : more) {
        new QTreeWidgetItem(list, {what, keys});
    }
    list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    list->header()->setStretchLastSection(false);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(close, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(list, 1);
    layout->addWidget(close);
    dialog.exec();
}

void MainWindow::showAttestations()
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    auto rows = m_controller.attestationStatus();
    if (!rows) {
        showFailure(tr("Cannot list the attestations"), rows.error());
        return;
    }
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("attestationsDialog"));
    dialog.setWindowTitle(tr("Attestations"));
    dialog.resize(760, 480);
    auto* list = namedTree("attestationsList",
                           {tr("SOP"), tr("Version"), tr("User"), tr("Due"), tr("Status")});
    list->setRootIsDecorated(false);
    for (const core::AttestationStatus& a : *rows) {
        const QString status = a.attested  ? tr("read %1").arg(formatDate(*a.attested))
                               : a.overdue ? tr("overdue")
                                           : tr("to read");
        new QTreeWidgetItem(list, {toQString(a.title), QString::number(a.version),
                                   toQString(a.user), formatDate(a.due), status});
    }
    auto* empty = new QLabel(tr("No SOP asks anyone to confirm they have read it. Editors ask "
                                "with `sopvault-cli attest require`."));
    empty->setObjectName(QStringLiteral("attestationsEmpty"));
    empty->setWordWrap(true);
    empty->setVisible(rows->empty());
    list->setVisible(!rows->empty());
    list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    list->header()->setStretchLastSection(false);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(close, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(empty);
    layout->addWidget(list, 1);
    layout->addWidget(close);
    dialog.exec();
}

void MainWindow::showAuditLog()
{
    if (!m_controller.isUnlocked() || !m_controller.isOwner()) {
        return;
    }
    // Not modal: the SOPs stay at hand while the log is looked through.
    auto* dialog = new AuditDialog(m_controller, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::showDashboard()
{
    if (!m_controller.isUnlocked() || !m_controller.isOwner()) {
        return;
    }
    auto* dialog = new DashboardDialog(m_controller, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

} // namespace sopvault::desktop
