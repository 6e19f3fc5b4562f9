// Main window: layout, menus and shortcuts, the reader and the editor.
#include "MainWindow.h"

#include "AdminDialog.h"
#include "CloneDialog.h"
#include "ConflictDialog.h"
#include "ExportDialog.h"
#include "HistoryDialog.h"
#include "ImportDialog.h"
#include "MarkdownEditor.h"
#include "MarkdownHighlighter.h"
#include "PasswordDialog.h"
#include "PublishDialog.h"
#include "ReviewDialog.h"
#include "RunPanel.h"
#include "SafeBrowser.h"
#include "SopListModel.h"
#include "SyncStatus.h"
#include "Widgets.h"

#include "sopvault/core/Attachments.h"
#include "sopvault/core/Links.h"

#include <QAction>
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTextBlock>
#include <QToolBar>
#include <QTreeView>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace sopvault::desktop {

namespace {

constexpr int kPathRole = Qt::UserRole;

const char* kNewSopTemplate = R"(# Title of the procedure

**Purpose:** what this procedure achieves and for whom.

**When to use:** the ticket types or alerts that call for it.

## Before you start
- [ ] You have the client's approval (ticket reference)
- [ ] You have access to the systems below

## Steps
1. First step
2. Second step

## Escalation
| If | Then |
|---|---|
| It fails | Escalate to the on-call engineer |
)";

} // namespace

MainWindow::MainWindow(VaultController& controller, QWidget* parent)
    : QMainWindow(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("SOP Vault"));
    resize(1280, 800);
    buildUi();
    buildMenus();
    fillToolbar();

    m_searchDelay.setSingleShot(true);
    m_searchDelay.setInterval(120);
    connect(&m_searchDelay, &QTimer::timeout, this, &MainWindow::showSearchResults);
    m_previewDelay.setSingleShot(true);
    m_previewDelay.setInterval(150);
    connect(&m_previewDelay, &QTimer::timeout, this, &MainWindow::updatePreview);

    // Lock after a quiet spell (minutes in the settings; 0 turns it off).
    m_idle.setSingleShot(true);
    connect(&m_idle, &QTimer::timeout, this, [this] {
        if (m_controller.isUnlocked()) {
            m_controller.lock();
        }
    });
    qApp->installEventFilter(this);

    // Text copied from a SOP leaves the clipboard after 30 seconds.
    m_clipboardClear.setSingleShot(true);
    m_clipboardClear.setInterval(30000);
    connect(&m_clipboardClear, &QTimer::timeout, this, [this] {
        if (QApplication::clipboard()->text() == m_clipboardText) {
            QApplication::clipboard()->clear();
        }
        m_clipboardText.clear();
    });

    connect(&m_controller, &VaultController::locked, this, &MainWindow::clearViews);
    connect(&m_controller, &VaultController::vaultChanged, this, [this] {
        refreshCollections();
        refreshList();
    });
    connect(&m_controller, &VaultController::operationFailed, this,
            [this](const Failure& f) { showFailure(tr("That did not work"), f); });

    m_syncStatus = new SyncStatus(this);
    statusBar()->addPermanentWidget(m_syncStatus);
    connect(&m_controller, &VaultController::syncStateChanged, m_syncStatus, &SyncStatus::setState);
    connect(&m_controller, &VaultController::syncStateChanged, this, [this] { updateActions(); });
    connect(m_syncStatus, &SyncStatus::conflictClicked, this, &MainWindow::showConflicts);
    connect(&m_controller, &VaultController::synced, this, &MainWindow::afterSync);
    // While a worker holds the Session (a sync's short turn with it, an import, a rotation),
    // nothing here may call core: the window waits, greyed, and takes no input.
    connect(&m_controller, &VaultController::busyChanged, this, [this](bool busy) {
        centralWidget()->setEnabled(!busy);
        menuBar()->setEnabled(!busy);
        for (auto* bar : findChildren<QToolBar*>()) {
            bar->setEnabled(!busy);
        }
    });
    updateActions();
}

void MainWindow::buildToolbar()
{
    auto* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setMovable(false);
    toolbar->setIconSize(QSize(22, 22));
    m_toolbar = toolbar;
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Search runbooks (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(360);
    m_ticket = new QLineEdit;
    m_ticket->setObjectName(QStringLiteral("ticket"));
    m_ticket->setPlaceholderText(tr("Ticket # (recorded with each view)"));
    m_ticket->setMaximumWidth(240);
    m_searchSlot = toolbar->addWidget(m_search);
    toolbar->addSeparator();
    toolbar->addWidget(m_ticket);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay.start(); });
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (m_model->rowCount() > 0) {
            m_list->setCurrentIndex(m_model->index(0, 0));
        }
    });
}

void MainWindow::buildUi()
{
    buildToolbar();
    m_collections = new QTreeWidget;
    m_collections->setObjectName(QStringLiteral("collections"));
    m_collections->setHeaderLabel(tr("Collections"));
    connect(m_collections, &QTreeWidget::currentItemChanged, this, [this] {
        if (!m_search->text().isEmpty()) {
            m_search->clear();
        }
        refreshList();
    });

    m_model = new SopListModel(this);
    m_list = new QTreeView;
    m_list->setObjectName(QStringLiteral("sopList"));
    m_list->setModel(m_model);
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    m_list->setUniformRowHeights(true);
    // The title gets the room; the other columns take only what they need.
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int column = 1; column < 4; ++column) {
        m_list->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    }
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (auto id = m_model->idAt(current)) {
                    openSop(*id);
                }
            });

    m_emptyState = new QLabel(tr("Pick a runbook on the left, or search for one (Ctrl+F)."));
    m_emptyState->setObjectName(QStringLiteral("emptyState"));
    m_emptyState->setAlignment(Qt::AlignCenter);
    m_emptyState->setWordWrap(true);
    m_emptyState->setMargin(24);
    m_emptyState->setStyleSheet(mutedStyle("font-size: 12pt;"));
    m_stack = new QStackedWidget;
    m_stack->setObjectName(QStringLiteral("contentStack"));
    m_stack->addWidget(m_emptyState);
    m_stack->addWidget(buildReader());
    m_stack->addWidget(buildEditor());

    auto* middle = new QSplitter(Qt::Horizontal);
    middle->addWidget(m_collections);
    middle->addWidget(m_list);
    middle->addWidget(m_stack);
    middle->setStretchFactor(0, 1);
    middle->setStretchFactor(1, 2);
    middle->setStretchFactor(2, 4);
    middle->setSizes({200, 470, 610});

    m_info = new QLabel;
    m_info->setObjectName(QStringLiteral("infoBar"));
    m_info->setWordWrap(true);
    // Its own text colour with its own background: readable whatever the palette.
    m_info->setStyleSheet(QStringLiteral("background: #fff6d6; color: #3d3200; border: 1px solid "
                                         "#e8cf7a; padding: 6px;"));
    m_info->setVisible(false);
    auto* central = new QWidget;
    auto* cl = new QVBoxLayout(central);
    cl->setContentsMargins(6, 6, 6, 6);
    cl->addWidget(m_info);
    cl->addWidget(middle, 1);
    setCentralWidget(central);
}

QWidget* MainWindow::buildEditor()
{
    m_editorTitle = new QLineEdit;
    m_editorTitle->setObjectName(QStringLiteral("editorTitle"));
    m_editorTitle->setPlaceholderText(tr("Title"));
    m_editorTags = new QLineEdit;
    m_editorTags->setObjectName(QStringLiteral("editorTags"));
    m_editorTags->setPlaceholderText(tr("tags, comma separated"));
    m_editorCollection = new QComboBox;
    m_editorCollection->setObjectName(QStringLiteral("editorCollection"));
    m_editorTemplate = new QComboBox;
    m_editorTemplate->setObjectName(QStringLiteral("editorTemplate"));
    m_editorTemplate->setToolTip(tr("The text a new SOP starts from"));
    // As narrow as the fields beside it may get: the reader shares the pane's minimum width.
    m_editorTemplate->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_editorTemplate->setMinimumContentsLength(6);
    connect(m_editorTemplate, &QComboBox::activated, this, &MainWindow::applyTemplate);
    m_editorReviewEvery = new QSpinBox;
    m_editorReviewEvery->setObjectName(QStringLiteral("editorReviewEvery"));
    m_editorReviewEvery->setRange(1, 3650);
    m_editorReviewEvery->setValue(90);
    m_editorReviewEvery->setSuffix(tr(" days"));
    m_editorReviewEvery->setPrefix(tr("Review every "));
    m_editorReviewer = new QLineEdit;
    m_editorReviewer->setObjectName(QStringLiteral("editorReviewer"));
    m_editorReviewer->setPlaceholderText(
        tr("Reviewer: a user or @role (empty: anyone with review)"));
    m_editorText = new MarkdownEditor;
    m_editorText->setObjectName(QStringLiteral("editorText"));
    connect(m_editorText, &MarkdownEditor::imagePasted, this, &MainWindow::attachPastedImage);
    connect(m_editorText, &MarkdownEditor::filesDropped, this, &MainWindow::attachFiles);
    m_editorText->setFont(QFont(QStringLiteral("DejaVu Sans Mono"), 10));
    m_editorText->setTabChangesFocus(false);
    new MarkdownHighlighter(m_editorText->document());
    m_preview = new SafeBrowser;
    m_preview->setObjectName(QStringLiteral("editorPreview"));
    m_preview->setImageSource(
        [this](const QString& name) { return m_editorAttachments.image(name); });
    connect(m_editorText, &QPlainTextEdit::textChanged, this, [this] { m_previewDelay.start(); });
    m_editorMessage = new QLineEdit;
    m_editorMessage->setObjectName(QStringLiteral("editorMessage"));
    m_editorMessage->setPlaceholderText(tr("What changed and why (kept in the history)"));
    m_editorState = new QComboBox;
    m_editorState->setObjectName(QStringLiteral("editorState"));
    m_editorState->addItem(tr("Published"), int(core::SopState::Published));
    m_editorState->setItemData(0, tr("Everyone with view reads it as the procedure"),
                               Qt::ToolTipRole);
    m_editorState->addItem(tr("Draft"), int(core::SopState::Draft));
    m_editorState->setItemData(1, tr("Kept and versioned, not yet the procedure"), Qt::ToolTipRole);
    m_editorState->addItem(tr("Archived"), int(core::SopState::Archived));
    m_editorState->setItemData(2, tr("Kept in the history only; hidden from the list"),
                               Qt::ToolTipRole);
    m_editorState->setToolTip(tr("The state this save gives the SOP"));
    m_saveButton = namedButton(tr("&Save version (Ctrl+S)"), "saveButton");
    auto* cancel = namedButton(tr("Cancel"), "cancelButton");
    connect(m_saveButton, &QPushButton::clicked, this, &MainWindow::saveEditor);
    connect(cancel, &QPushButton::clicked, this, &MainWindow::cancelEditor);
    m_editorError = errorLabel("editorError");
    auto* top = new QHBoxLayout;
    top->addWidget(m_editorTitle, 3);
    top->addWidget(m_editorCollection, 2);
    top->addWidget(m_editorTags, 2);
    top->addWidget(m_editorTemplate, 1);
    auto* review = new QHBoxLayout;
    review->addWidget(m_editorReviewEvery);
    review->addWidget(m_editorReviewer, 1);
    auto* split = new QSplitter;
    split->addWidget(m_editorText);
    split->addWidget(m_preview);
    split->setSizes({1, 1});
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_editorMessage, 1);
    bottom->addWidget(m_editorState);
    bottom->addWidget(cancel);
    bottom->addWidget(m_saveButton);
    auto* editor = new QWidget;
    auto* layout = new QVBoxLayout(editor);
    layout->addLayout(top);
    layout->addLayout(review);
    layout->addWidget(split, 1);
    layout->addWidget(m_editorError);
    layout->addLayout(bottom);
    return editor;
}

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    m_newAction = file->addAction(tr("&New SOP"), QKeySequence::New, this, &MainWindow::newSop);
    m_newAction->setObjectName(QStringLiteral("newAction"));
    m_importAction = file->addAction(tr("&Import folder…"), this, &MainWindow::importFolder);
    m_importAction->setObjectName(QStringLiteral("importAction"));
    file->addAction(tr("E&xport…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::showExport)
        ->setObjectName(QStringLiteral("exportAction"));
    file->addAction(tr("&Print…"), QKeySequence::Print, this, &MainWindow::printCurrent)
        ->setObjectName(QStringLiteral("printAction"));
    file->addSeparator();
    m_syncAction =
        file->addAction(tr("S&ync now"), QKeySequence(Qt::Key_F5), this, &MainWindow::syncNow);
    m_syncAction->setObjectName(QStringLiteral("syncNowAction"));
    m_shareAction = file->addAction(tr("S&hare on a server…"), this, &MainWindow::shareOnServer);
    m_shareAction->setObjectName(QStringLiteral("shareAction"));
    m_cloneAction = file->addAction(tr("&Clone a team vault…"), this, &MainWindow::cloneTeamVault);
    m_cloneAction->setObjectName(QStringLiteral("cloneAction"));
    file->addSeparator();
    m_lockAction = file->addAction(tr("&Lock"), QKeySequence(tr("Ctrl+L")), this,
                                   [this] { m_controller.lock(); });
    m_lockAction->setObjectName(QStringLiteral("lockAction"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(tr("&Edit SOP"), QKeySequence(tr("Ctrl+Shift+E")), this,
                    &MainWindow::editCurrent);
    edit->addAction(tr("&Save version"), QKeySequence::Save, this, &MainWindow::saveEditor);
    edit->addAction(tr("&Find"), QKeySequence::Find, this, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    edit->addAction(tr("Copy &all"), this, &MainWindow::copyAll);

    buildViewMenu();

    auto* sop = menuBar()->addMenu(tr("&SOP"));
    sop->addAction(tr("&History"), QKeySequence(tr("Ctrl+H")), this, &MainWindow::showHistory);
    sop->addAction(tr("&Flag as wrong or stale…"), this, &MainWindow::flagCurrent);
    m_startRunAction = sop->addAction(tr("Start a &run…"), QKeySequence(tr("Ctrl+Shift+R")), this,
                                      &MainWindow::startRun);
    m_startRunAction->setObjectName(QStringLiteral("startRunAction"));
    sop->addSeparator();
    m_publishAction = sop->addAction(tr("&Publish"), this,
                                     [this] { setCurrentState(core::SopState::Published); });
    m_publishAction->setObjectName(QStringLiteral("publishAction"));
    m_archiveAction =
        sop->addAction(tr("&Archive"), this, [this] { setCurrentState(core::SopState::Archived); });
    m_archiveAction->setObjectName(QStringLiteral("archiveAction"));

    buildToolsMenu();

    auto* help = menuBar()->addMenu(tr("&Help"));
    auto* keys = help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this,
                                 &MainWindow::showShortcuts);
    keys->setObjectName(QStringLiteral("shortcutsAction"));
    help->addAction(tr("&About SOP Vault"), this, [this] {
        QMessageBox::about(this, tr("About SOP Vault"),
                           tr("<h3>SOP Vault</h3><p>Encrypted, access-controlled, versioned and "
                              "reviewed standard operating procedures.</p><p>Apache-2.0</p>"));
    });
}

namespace {

// One of the Tango icons in resources/icons/tango (public domain; LICENSE beside them), at
// both of its sizes.
QIcon tangoIcon(const QString& name)
{
    QIcon icon;
    for (const char* size : {"22", "32"}) {
        icon.addFile(QStringLiteral(":/icons/tango/%1/%2.png").arg(QLatin1String(size), name));
    }
    return icon;
}

} // namespace

void MainWindow::fillToolbar()
{
    const std::pair<const char*, const char*> items[] = {{"newAction", "document-new"},
                                                         {"importAction", "document-open"},
                                                         {nullptr, nullptr},
                                                         {"printAction", "document-print"},
                                                         {"exportAction", "document-save-as"},
                                                         {nullptr, nullptr},
                                                         {"reviewsAction", "office-calendar"},
                                                         {"syncNowAction", "view-refresh"},
                                                         {"lockAction", "system-lock-screen"},
                                                         {"shortcutsAction", "help-browser"},
                                                         {nullptr, nullptr}};
    for (const auto& [name, icon] : items) {
        if (name == nullptr) {
            m_toolbar->insertSeparator(m_searchSlot);
            continue;
        }
        auto* action = findChild<QAction*>(QLatin1String(name));
        if (action == nullptr) {
            continue;
        }
        action->setIcon(tangoIcon(QLatin1String(icon)));
        // The tooltip says what the menu says, and the shortcut that does it without a click.
        QString tip = action->text().remove(QLatin1Char('&')).remove(QStringLiteral("…"));
        if (!action->shortcut().isEmpty()) {
            tip +=
                QStringLiteral(" (%1)").arg(action->shortcut().toString(QKeySequence::NativeText));
        }
        action->setToolTip(tip);
        m_toolbar->insertAction(m_searchSlot, action);
    }
}

void MainWindow::buildToolsMenu()
{
    auto* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(tr("&Reviews"), QKeySequence(tr("Ctrl+R")), this, &MainWindow::showReviews)
        ->setObjectName(QStringLiteral("reviewsAction"));
    m_attestationsAction =
        tools->addAction(tr("Atte&stations"), this, &MainWindow::showAttestations);
    m_attestationsAction->setObjectName(QStringLiteral("attestationsAction"));
    m_adminAction = tools->addAction(tr("&Administration"), this, &MainWindow::showAdmin);
    m_adminAction->setObjectName(QStringLiteral("adminAction"));
    m_auditAction = tools->addAction(tr("Audit &log"), this, &MainWindow::showAuditLog);
    m_auditAction->setObjectName(QStringLiteral("auditAction"));
    m_dashboardAction = tools->addAction(tr("&Dashboard"), this, &MainWindow::showDashboard);
    m_dashboardAction->setObjectName(QStringLiteral("dashboardAction"));
    tools->addAction(tr("&Verify the vault"), this, &MainWindow::verifyVault);
    tools->addAction(tr("Change &password…"), this, [this] {
        // Open, not exec: the key is derived on the controller's worker, the dialog shows it.
        auto* dialog =
            new PasswordDialog(m_controller, PasswordDialog::Purpose::ChangePassword, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    connect(&m_controller, &VaultController::passwordChanged, this, [this] {
        statusBar()->showMessage(tr("Password changed; the old one no longer works."), 8000);
    });
    tools->addAction(tr("Idle lock &timeout…"), this, &MainWindow::setIdleMinutes);
}

void MainWindow::verifyVault()
{
    auto report = m_controller.verify();
    if (!report) {
        showFailure(tr("Verification failed"), report.error());
        return;
    }
    QString text = report->ok ? tr("Every signature and every encrypted text checks out:")
                              : tr("Some records do not check out:");
    text +=
        tr("\n• %n SOP version(s), each signed and readable", nullptr, int(report->sopVersions));
    text += tr("\n• %n administration record(s): people, roles, grants, settings", nullptr,
               int(report->adminRecords));
    text += tr("\n• %n audit entr(ies), one unbroken chain", nullptr, int(report->auditRecords));
    for (const auto& p : report->problems) {
        text += QStringLiteral("\n• %1: %2").arg(toQString(p.record), toQString(p.problem));
    }
    report->ok ? QMessageBox::information(this, tr("The vault verifies"), text)
               : QMessageBox::critical(this, tr("Problems found"), text);
}

void MainWindow::setIdleMinutes()
{
    bool ok = false;
    const int minutes = QInputDialog::getInt(
        this, tr("Idle lock"), tr("Lock after this many idle minutes (0: never):"),
        QSettings().value(QStringLiteral("lock/idleMinutes"), 10).toInt(), 0, 480, 1, &ok);
    if (ok) {
        QSettings().setValue(QStringLiteral("lock/idleMinutes"), minutes);
        m_idle.setInterval(minutes * 60000);
        minutes > 0 ? m_idle.start() : m_idle.stop();
    }
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::Wheel:
        if (m_idle.interval() > 0 && m_controller.isUnlocked()) {
            m_idle.start();
        }
        break;
    default:
        break;
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_stack->currentIndex() == 2 && m_editorText->document()->isModified()) {
        const auto answer =
            QMessageBox::question(this, tr("Unsaved changes"),
                                  tr("The SOP you are editing has unsaved changes. Close "
                                     "anyway and lose them?"),
                                  QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Discard) {
            event->ignore();
            return;
        }
    }
    m_controller.lock();
    event->accept();
}

void MainWindow::showVault()
{
    const int minutes = QSettings().value(QStringLiteral("lock/idleMinutes"), 10).toInt();
    m_idle.setInterval(minutes * 60000);
    if (minutes > 0) {
        m_idle.start();
    }
    const QString user = m_controller.userName();
    setWindowTitle(tr("SOP Vault — %1").arg(user));
    if (m_controller.firstOpen()) {
        m_info->setText(tr("First time this vault is opened here. Its owner key fingerprint is "
                           "<b>%1</b>: check it with the owner. From now on an older or "
                           "different copy of the file is refused.")
                            .arg(m_controller.ownerFingerprint()));
        m_info->setVisible(true);
    }
    if (const QString problem = m_controller.firstProblem(); !problem.isEmpty()) {
        m_info->setText(
            tr("This vault has problems (%1). Use Tools > Verify the vault.").arg(problem));
        m_info->setVisible(true);
    }
    refreshCollections();
    refreshList();
    m_syncStatus->setState(m_controller.syncState());
    updateActions();
    statusBar()->showMessage(tr("Unlocked as %1%2. Ctrl+L locks.")
                                 .arg(user, m_controller.isOwner() ? tr(" (owner)") : QString()));
    remindReviews();
    warnOfAlerts();
}

void MainWindow::clearViews()
{
    m_collections->clear();
    m_model->clear();
    m_reader->clear();
    m_preview->clear();
    m_editorText->clear();
    m_editorTitle->clear();
    m_editorTags->clear();
    m_editorMessage->clear();
    m_readerTitle->clear();
    m_readerMeta->clear();
    m_search->clear();
    m_info->setVisible(false);
    if (m_alerts != nullptr) {
        m_alerts->setVisible(false);
    }
    m_currentId.reset();
    m_currentBody.clear();
    m_runPanel->clear();
    m_readerAttachments.clear();
    m_editorAttachments.clear();
    m_readerFiles->setVisible(false);
    m_readerLinks->setVisible(false);
    m_emptyState->setText(tr("Pick a runbook on the left, or search for one (Ctrl+F)."));
    // What was copied from a SOP does not outlive the unlock it was copied in.
    if (!m_clipboardText.isEmpty() && QApplication::clipboard()->text() == m_clipboardText) {
        QApplication::clipboard()->clear();
    }
    m_clipboardText.clear();
    m_clipboardClear.stop();
    endMerge();
    m_syncStatus->setState(SyncState{});
    m_stack->setCurrentIndex(0);
    m_idle.stop();
    updateActions();
    statusBar()->showMessage(tr("Locked."));
}

void MainWindow::refreshCollections()
{
    const QString selected = selectedCollection();
    m_collections->clear();
    if (!m_controller.isUnlocked()) {
        return;
    }
    auto* all = new QTreeWidgetItem(m_collections, {tr("All SOPs")});
    all->setData(0, kPathRole, QString());
    QMap<QString, QTreeWidgetItem*> byPath;
    for (const auto& c : m_controller.readableCollections()) {
        const QString path = toQString(c.path);
        const qsizetype slash = path.lastIndexOf(u'/');
        QTreeWidgetItem* parent = slash < 0 ? all : byPath.value(path.left(slash), all);
        auto* item = new QTreeWidgetItem(parent, {slash < 0 ? path : path.mid(slash + 1)});
        item->setData(0, kPathRole, path);
        byPath.insert(path, item);
    }
    m_collections->expandAll();
    QTreeWidgetItem* current = selected.isEmpty() ? all : byPath.value(selected, all);
    QSignalBlocker block(m_collections);
    m_collections->setCurrentItem(current);
}

QString MainWindow::selectedCollection() const
{
    auto* item = m_collections->currentItem();
    return item == nullptr ? QString() : item->data(0, kPathRole).toString();
}

void MainWindow::refreshList()
{
    if (!m_search->text().trimmed().isEmpty()) {
        showSearchResults();
        return;
    }
    QSignalBlocker block(m_list->selectionModel());
    if (!m_controller.isUnlocked()) {
        m_model->clear();
        return;
    }
    const bool archived = m_showArchivedAction != nullptr && m_showArchivedAction->isChecked();
    auto list = m_controller.listSops(selectedCollection(), archived);
    if (!list) {
        m_model->clear();
        return;
    }
    m_model->showListing(*list, m_controller.now());
    if (m_currentId) {
        const QModelIndex at = m_model->indexOf(*m_currentId);
        if (at.isValid()) {
            m_list->setCurrentIndex(at);
        } else if (m_stack->currentIndex() == 1) {
            showEmptyState(tr("Pick a runbook on the left, or search for one (Ctrl+F)."));
        }
    }
    if (list->empty() && m_stack->currentIndex() != 2) {
        showEmptyState(m_controller.abilities().createSops
                           ? tr("No SOPs here yet. Ctrl+N starts one; File > Import folder "
                                "brings a shared drive's in.")
                           : tr("No SOPs here that you may read yet."));
    } else if (!m_currentId && m_stack->currentIndex() == 0) {
        m_emptyState->setText(tr("Pick a runbook on the left, or search for one (Ctrl+F)."));
    }
}

void MainWindow::showSearchResults()
{
    const QString text = m_search->text().trimmed();
    if (!m_controller.isUnlocked()) {
        m_model->clear();
        return;
    }
    if (m_controller.busy()) {
        m_searchDelay.start(); // a worker holds the Session; search when it is free
        return;
    }
    if (text.isEmpty()) {
        refreshList();
        return;
    }
    QSignalBlocker block(m_list->selectionModel());
    auto hits = m_controller.search(text);
    if (!hits) {
        m_model->clear();
        statusBar()->showMessage(hits.error().message, 4000);
        return;
    }
    if (!m_showArchivedAction->isChecked()) {
        std::erase_if(*hits,
                      [](const core::SearchHit& h) { return h.state == core::SopState::Archived; });
    }
    m_model->showSearch(*hits);
    statusBar()->showMessage(tr("%n match(es)", nullptr, int(hits->size())), 3000);
    if (hits->empty()) {
        // Not the SOP that was on screen before: it does not match.
        showEmptyState(tr("No runbook you may read matches “%1”.\nTry fewer words, or part of "
                          "an alert name.")
                           .arg(text));
    } else if (m_currentId && !m_model->indexOf(*m_currentId).isValid() &&
               m_stack->currentIndex() == 1) {
        showEmptyState(tr("%n runbook(s) match(es): pick one, or press Enter for the first.",
                          nullptr, int(hits->size())));
    }
}

void MainWindow::updateActions()
{
    updateReaderActions();
    const bool unlocked = m_controller.isUnlocked();
    const core::Abilities can = unlocked ? m_controller.abilities() : core::Abilities{};
    // Ctrl+N stays live for everyone unlocked, so that it says why when it cannot start a SOP.
    m_newAction->setEnabled(unlocked);
    m_importAction->setEnabled(can.importFolders);
    m_adminAction->setEnabled(can.administer);
    m_attestationsAction->setEnabled(unlocked && (can.createSops || can.administer));
    m_auditAction->setEnabled(unlocked && m_controller.isOwner());
    m_auditAction->setToolTip(m_auditAction->isEnabled()
                                  ? tr("Who read, changed and exported what, and when")
                                  : tr("Only owners read the audit log"));
    m_dashboardAction->setEnabled(unlocked && m_controller.isOwner());
    m_dashboardAction->setToolTip(m_dashboardAction->isEnabled()
                                      ? tr("Which SOPs are used, and which ticket categories have "
                                           "none")
                                      : tr("Only owners see the dashboard"));
    m_lockAction->setEnabled(unlocked);
    m_syncAction->setEnabled(unlocked);
    // Publishing is the owners' and only for a vault not yet shared.
    m_shareAction->setEnabled(unlocked && m_controller.isOwner() &&
                              m_controller.syncState().kind == SyncState::Kind::NotShared);
}

void MainWindow::newSop()
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    if (!m_controller.abilities().createSops) {
        statusBar()->showMessage(tr("You may not write SOPs in any collection: an owner grants "
                                    "the edit right (Tools > Administration)."),
                                 8000);
        return;
    }
    m_editingNew = true;
    m_editorCollection->clear();
    for (const auto& c : m_controller.readableCollections()) {
        if (c.rights.has(core::Right::Edit)) {
            m_editorCollection->addItem(toQString(c.path));
        }
    }
    const QString selected = selectedCollection();
    if (const int i = m_editorCollection->findText(selected); i >= 0) {
        m_editorCollection->setCurrentIndex(i);
    }
    m_editorCollection->setEnabled(true);
    m_editorTitle->clear();
    m_editorTags->clear();
    m_editorMessage->clear();
    m_editorError->clear();
    m_editorReviewEvery->setValue(90);
    m_editorReviewer->clear();
    m_editorState->setCurrentIndex(m_editorState->findData(int(core::SopState::Published)));
    m_editorAttachments.clear();
    m_editorTemplate->clear();
    m_editorTemplate->addItem(tr("Blank"));
    for (const auto& t : m_controller.templates()) {
        m_editorTemplate->addItem(tr("Template: %1").arg(toQString(t.name)), toQString(t.name));
    }
    m_editorTemplate->setCurrentIndex(0);
    m_editorTemplate->setVisible(true);
    m_editorText->setPlainText(QString::fromUtf8(kNewSopTemplate));
    m_editorText->document()->setModified(false);
    updatePreview();
    m_stack->setCurrentIndex(2);
    m_editorTitle->setFocus();
}

void MainWindow::applyTemplate(int index)
{
    if (!m_editingNew || index < 0) {
        return;
    }
    if (m_editorText->document()->isModified() &&
        QMessageBox::question(this, tr("Replace the text?"),
                              tr("The text you wrote is replaced by the template."),
                              QMessageBox::Yes | QMessageBox::Cancel) != QMessageBox::Yes) {
        return;
    }
    QString text = QString::fromUtf8(kNewSopTemplate);
    if (const QString name = m_editorTemplate->itemData(index).toString(); !name.isEmpty()) {
        auto t = m_controller.templateText(name);
        if (!t) {
            m_editorError->setText(t.error().message);
            return;
        }
        text = *t;
    }
    m_editorText->setPlainText(text);
    m_editorText->document()->setModified(false);
    updatePreview();
}

void MainWindow::fillEditor(const core::SopVersionView& view)
{
    m_editorCollection->clear();
    m_editorCollection->addItem(toQString(view.collection));
    m_editorCollection->setEnabled(false);
    m_editorTemplate->setVisible(false);
    m_editorTitle->setText(toQString(view.title));
    QStringList tags;
    for (const auto& t : view.tags) {
        tags << toQString(t);
    }
    m_editorTags->setText(tags.join(QStringLiteral(", ")));
    m_editorReviewEvery->setValue(int(view.reviewEveryDays));
    m_editorReviewer->setText(toQString(view.reviewer));
    m_editorState->setCurrentIndex(m_editorState->findData(int(view.state)));
    m_editorAttachments.show(view.id, view.version, view.attachments);
    m_editorText->setPlainText(toQString(view.body));
    m_editorText->document()->setModified(false);
    m_editorMessage->clear();
    m_editorError->clear();
}

void MainWindow::editCurrent()
{
    if (!m_currentId || !m_editButton->isEnabled()) {
        return;
    }
    auto view = m_controller.readSop(*m_currentId, m_currentVersion, {});
    if (!view) {
        showFailure(tr("Cannot edit this SOP"), view.error());
        return;
    }
    m_editingNew = false;
    fillEditor(*view);
    updatePreview();
    m_stack->setCurrentIndex(2);
    m_editorText->setFocus();
}

void MainWindow::updatePreview()
{
    m_preview->setHtml(
        renderSop(toStd(m_editorText->toPlainText()), {}, m_editorAttachments.listed()));
}

void MainWindow::attachPastedImage(const QImage& image)
{
    QByteArray png;
    QBuffer buffer(&png);
    if (!buffer.open(QIODevice::WriteOnly) || !image.save(&buffer, "PNG")) {
        m_editorError->setText(tr("The pasted image could not be read."));
        return;
    }
    insertAttachment(
        crypto::Bytes(png.begin(), png.end()),
        QStringLiteral("screenshots/screenshot-%1.png")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
}

void MainWindow::attachFiles(const QStringList& paths)
{
    // Read whole into memory until the save: a file over the vault's cap is not read at all.
    const std::uint64_t capBytes = m_controller.attachmentCaps().first * 1024 * 1024;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (!info.isFile()) {
            m_editorError->setText(tr("%1 is not a file; only files can be attached.").arg(path));
            continue;
        }
        if (std::uint64_t(info.size()) > capBytes) {
            m_editorError->setText(tr("%1 is larger than the %2 MB this vault takes per "
                                      "attachment (an owner sets it in Administration).")
                                       .arg(info.fileName())
                                       .arg(capBytes / (1024 * 1024)));
            continue;
        }
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            m_editorError->setText(tr("%1 cannot be read: %2").arg(path, file.errorString()));
            continue;
        }
        const QByteArray bytes = file.readAll();
        insertAttachment(crypto::Bytes(bytes.begin(), bytes.end()), info.fileName());
    }
}

void MainWindow::insertAttachment(const crypto::Bytes& bytes, const QString& wanted)
{
    if (m_merging) {
        // A resolution carries the text only.
        m_editorError->setText(tr("Files cannot be attached while merging a conflict; save the "
                                  "merge, then edit the SOP to attach them."));
        return;
    }
    const bool image = core::showsInline(core::sniffType(bytes));
    auto name = m_editorAttachments.addPending(m_editorAttachments.freeName(wanted), bytes);
    if (!name) {
        m_editorError->setText(name.error().message);
        return;
    }
    const QString target = toQString(core::encodeRelativeTarget(toStd(*name)));
    const QFileInfo leaf(*name);
    // A paragraph of its own: after a list item it would belong to that item.
    QTextCursor cursor = m_editorText->textCursor();
    if (cursor.positionInBlock() > 0) {
        cursor.insertText(QStringLiteral("\n\n"));
    } else if (cursor.block().previous().isValid() &&
               !cursor.block().previous().text().trimmed().isEmpty()) {
        cursor.insertText(QStringLiteral("\n"));
    }
    cursor.insertText(image ? QStringLiteral("![%1](%2)\n").arg(leaf.completeBaseName(), target)
                            : QStringLiteral("[%1](%2)\n").arg(leaf.fileName(), target));
    m_editorText->setTextCursor(cursor);
    statusBar()->showMessage(tr("%1 will be attached when you save.").arg(*name), 6000);
}

bool MainWindow::saveNew(const std::vector<std::string>& tags)
{
    core::NewSop n;
    n.collection = toStd(m_editorCollection->currentText());
    n.title = toStd(m_editorTitle->text().trimmed());
    n.body = toStd(m_editorText->toPlainText());
    n.tags = tags;
    n.reviewEveryDays = std::uint32_t(m_editorReviewEvery->value());
    n.reviewer = toStd(m_editorReviewer->text().trimmed());
    n.message = toStd(m_editorMessage->text());
    n.state = core::SopState(m_editorState->currentData().toInt());
    n.attachments = m_editorAttachments.pendingReferencedBy(n.body);
    auto id = m_controller.addSop(n);
    if (!id) {
        m_editorError->setText(id.error().message);
        return false;
    }
    m_currentId = *id;
    return true;
}

bool MainWindow::saveEdit(const std::vector<std::string>& tags)
{
    core::SopEdit e;
    e.title = toStd(m_editorTitle->text().trimmed());
    e.body = toStd(m_editorText->toPlainText());
    e.tags = tags;
    e.reviewEveryDays = std::uint32_t(m_editorReviewEvery->value());
    e.reviewer = toStd(m_editorReviewer->text().trimmed());
    e.message = toStd(m_editorMessage->text());
    e.baseVersion = m_currentVersion;
    e.state = core::SopState(m_editorState->currentData().toInt());
    e.addAttachments = m_editorAttachments.pendingReferencedBy(*e.body);
    auto v = m_controller.editSop(*m_currentId, e);
    if (!v) {
        m_editorError->setText(v.error().message);
        return false;
    }
    return true;
}

void MainWindow::saveEditor()
{
    if (m_stack->currentIndex() != 2) {
        return;
    }
    if (m_merging) {
        const core::Id sop = *m_merging;
        auto version =
            m_controller.resolveConflict(sop, core::Keep::Merged, m_editorText->toPlainText());
        if (!version) {
            m_editorError->setText(version.error().message);
            return;
        }
        endMerge();
        m_editorText->document()->setModified(false);
        m_currentId = sop;
        refreshList();
        openSop(sop);
        statusBar()->showMessage(
            tr("Conflict resolved: the merged text is version %1.").arg(*version), 6000);
        return;
    }
    std::vector<std::string> tags;
    for (const QString& t : m_editorTags->text().split(u',', Qt::SkipEmptyParts)) {
        tags.push_back(toStd(t.trimmed()));
    }
    if (!(m_editingNew ? saveNew(tags) : saveEdit(tags))) {
        return;
    }
    m_editorText->document()->setModified(false);
    refreshCollections();
    refreshList();
    openSop(*m_currentId);
    statusBar()->showMessage(m_currentState == core::SopState::Published
                                 ? tr("Saved a new signed version.")
                                 : tr("Saved a new signed version (%1).")
                                       .arg(toQString(core::stateName(m_currentState))),
                             5000);
}

void MainWindow::cancelEditor()
{
    endMerge();
    m_editorText->document()->setModified(false);
    m_stack->setCurrentIndex(m_currentId ? 1 : 0);
}

void MainWindow::showHistory()
{
    if (!m_currentId) {
        return;
    }
    HistoryDialog dialog(m_controller, *m_currentId, this);
    connect(&dialog, &HistoryDialog::restored, this,
            [this](std::uint64_t from, std::uint64_t version) {
                refreshList();
                openSop(*m_currentId);
                statusBar()->showMessage(
                    tr("Restored: version %1 has the text of version %2.").arg(version).arg(from),
                    8000);
            });
    dialog.exec();
}

void MainWindow::showReviews()
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    ReviewDialog dialog(m_controller, this);
    connect(&dialog, &ReviewDialog::openRequested, this,
            [this](const core::Id& sop) { openSop(sop); });
    dialog.exec();
    refreshList();
}

void MainWindow::showAdmin()
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    AdminDialog dialog(m_controller, selectedCollection(), this);
    dialog.exec();
    refreshCollections();
    refreshList();
    updateActions();
}

void MainWindow::showExport()
{
    if (!m_currentId || !m_exportButton->isEnabled()) {
        statusBar()->showMessage(m_exportButton->toolTip().isEmpty()
                                     ? tr("Open a SOP to export it.")
                                     : m_exportButton->toolTip(),
                                 6000);
        return;
    }
    ExportDialog dialog(m_controller, *m_currentId, this);
    if (dialog.exec() == QDialog::Accepted) {
        statusBar()->showMessage(dialog.doneMessage(), 10000);
    }
}

void MainWindow::printCurrent()
{
    if (!m_currentId || !m_printButton->isEnabled()) {
        return;
    }
    ExportDialog::print(m_controller, *m_currentId, this);
}

void MainWindow::copyAll()
{
    if (!m_currentId) {
        return;
    }
    // Core decides, not the button: a greyed-out button is a hint, the refusal is core's (and
    // it is audited).
    auto text = m_controller.copyAllText(*m_currentId);
    if (!text) {
        statusBar()->showMessage(text.error().message, 10000);
        return;
    }
    copyToClipboard(*text);
    statusBar()->showMessage(tr("Copied; the clipboard is cleared in 30 seconds."), 5000);
}

void MainWindow::copyToClipboard(const QString& text)
{
    m_clipboardText = text;
    QApplication::clipboard()->setText(text);
    m_clipboardClear.start();
}

void MainWindow::flagCurrent()
{
    if (!m_currentId) {
        return;
    }
    bool ok = false;
    const QString comment = QInputDialog::getMultiLineText(
        this, tr("Flag this SOP"),
        tr("What is wrong or out of date? Editors will see your note in their flags list."), {},
        &ok);
    if (!ok || comment.trimmed().isEmpty()) {
        return;
    }
    if (auto flagged = m_controller.flag(*m_currentId, comment); !flagged) {
        showFailure(tr("Cannot flag this SOP"), flagged.error());
        return;
    }
    statusBar()->showMessage(tr("Flagged. Thank you: editors will see it."), 5000);
}

void MainWindow::importFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Import a folder of SOPs"));
    if (dir.isEmpty()) {
        return;
    }
    bool ok = false;
    const QString target = QInputDialog::getText(this, tr("Import"), tr("Into which collection?"),
                                                 QLineEdit::Normal, tr("Imported"), &ok);
    if (!ok || target.trimmed().isEmpty()) {
        return;
    }
    if (!m_controller.mayImportInto(target.trimmed())) {
        // A hint before the work starts; core refuses the import itself anyway.
        statusBar()->showMessage(
            tr("You may not import into %1: it needs the edit right there, or the right to "
               "create it.")
                .arg(target.trimmed()),
            10000);
        return;
    }
    ImportDialog dialog(m_controller, dir, target.trimmed(), this);
    dialog.exec();
}

void MainWindow::notify(const QString& title, const QString& text, bool warning)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        return;
    }
    if (m_tray == nullptr) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, &MainWindow::showReviews);
    }
    m_tray->show();
    m_tray->showMessage(title, text,
                        warning ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information);
}

void MainWindow::remindReviews()
{
    auto due = m_controller.reviewsDue(m_controller.now());
    if (!due || due->empty()) {
        return;
    }
    const auto reads = std::count_if(due->begin(), due->end(),
                                     [](const core::ReviewItem& i) { return i.attestation; });
    const auto reviews = std::ssize(*due) - reads;
    QStringList parts;
    if (reviews > 0) {
        parts << tr("%n SOP review(s) are due or due soon: Tools > Reviews (Ctrl+R).", nullptr,
                    int(reviews));
    }
    if (reads > 0) {
        parts << tr("%n SOP(s) to read and confirm: open one and press “I have read it”.", nullptr,
                    int(reads));
    }
    const QString text = parts.join(u' ');
    statusBar()->showMessage(text, 15000);
    notify(tr("SOP reviews due"), text, false);
}

void MainWindow::warnOfAlerts()
{
    if (m_alerts == nullptr) {
        m_alerts = new QLabel(this);
        m_alerts->setObjectName(QStringLiteral("alertLabel"));
        m_alerts->setStyleSheet(
            QStringLiteral("QLabel { color: %1; font-weight: bold; }")
                .arg(themed(QColor(0xb3, 0x26, 0x1e), QColor(0xff, 0x8a, 0x80)).name()));
        statusBar()->addPermanentWidget(m_alerts);
    }
    m_alerts->setVisible(false);
    if (!m_controller.isOwner()) {
        return;
    }
    auto alerts = m_controller.viewAlerts();
    if (!alerts || alerts->empty()) {
        return;
    }
    const core::ViewAlert& last = alerts->back();
    const core::AlarmSettings alarm = m_controller.alarmSettings();
    const QString text =
        tr("Reading alert: %1 read %2 SOPs from %3 to %4")
            .arg(toQString(last.actor))
            .arg(last.sops)
            .arg(QDateTime::fromSecsSinceEpoch(last.from).toString(
                     QStringLiteral("yyyy-MM-dd HH:mm")),
                 QDateTime::fromSecsSinceEpoch(last.to).toString(QStringLiteral("HH:mm")));
    m_alerts->setText(alerts->size() == 1
                          ? text
                          : tr("%1 (and %n more)", nullptr, int(alerts->size() - 1)).arg(text));
    m_alerts->setToolTip(tr("More than %1 distinct SOPs within %2 minutes. Every burst: "
                            "sopvault-cli audit --alerts.")
                             .arg(alarm.views)
                             .arg(alarm.minutes));
    m_alerts->setVisible(true);
    notify(tr("SOP Vault reading alert"), text, true);
}

void MainWindow::showFailure(const QString& what, const Failure& failure)
{
    QMessageBox::warning(this, what, failure.message);
}

// --- Team sync ---

void MainWindow::syncNow()
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    if (m_controller.syncState().kind == SyncState::Kind::NotShared) {
        statusBar()->showMessage(
            m_controller.isOwner()
                ? tr("This vault is not shared on a server: File > Share on a server… does it.")
                : tr("This vault is not shared on a server; its owner can share it."),
            8000);
    }
    m_controller.syncNow();
}

void MainWindow::afterSync(const core::SyncReport& report)
{
    for (const auto& refusal : report.refused) {
        notify(tr("A change of yours was refused"), toQString(refusal), true);
    }
    if (!report.conflicts.empty() && report.pulled > 0) {
        statusBar()->showMessage(tr("Your edit met another one: click Conflict in the status "
                                    "bar to decide."),
                                 10000);
    }
    // The reader follows a newer version that arrived; the editor is left alone (saving there
    // makes a conflict core reports, never an overwrite).
    if (m_currentId && m_stack->currentIndex() == 1) {
        auto now = m_controller.summary(*m_currentId);
        if (now && now->version != m_currentVersion && !m_olderVersion) {
            openSop(*m_currentId);
        }
    }
}

void MainWindow::shareOnServer()
{
    if (!m_controller.isUnlocked() || !m_shareAction->isEnabled()) {
        return;
    }
    PublishDialog dialog(m_controller, this);
    dialog.exec();
    updateActions();
}

void MainWindow::cloneTeamVault()
{
    CloneDialog dialog(m_controller, this);
    if (dialog.exec() != QDialog::Accepted || dialog.clonedPath().empty()) {
        return;
    }
    // The clone is opened as any vault is: the unlock dialog, with one's own name and password.
    if (!m_controller.switchVault(dialog.clonedPath())) {
        statusBar()->showMessage(tr("Cloned; open it once the work in hand is done."), 8000);
    }
}

void MainWindow::showConflicts()
{
    if (!m_controller.isUnlocked() || m_controller.busy()) {
        return;
    }
    ConflictDialog dialog(m_controller, this);
    connect(&dialog, &ConflictDialog::resolved, this, [this](const core::Id& sop, std::uint64_t) {
        refreshList();
        if (m_currentId && *m_currentId == sop && m_stack->currentIndex() == 1) {
            openSop(sop);
        }
    });
    connect(&dialog, &ConflictDialog::mergeRequested, this, &MainWindow::mergeConflict);
    dialog.exec();
}

void MainWindow::mergeConflict(const core::Id& sop, const core::SopVersionView& mine)
{
    m_editingNew = false;
    m_currentId = sop;
    m_merging = sop;
    fillEditor(mine);
    // A resolution carries only the text: the other fields stay as they are.
    for (QWidget* w : std::initializer_list<QWidget*>{
             m_editorTitle, m_editorTags, m_editorReviewEvery, m_editorReviewer, m_editorMessage}) {
        w->setEnabled(false);
    }
    m_editorError->setText(tr("Merging: this is your text. Bring in what you need from theirs "
                              "(open the conflict view to see it); saving puts it on top of "
                              "theirs and settles the conflict."));
    updatePreview();
    m_stack->setCurrentIndex(2);
    m_editorText->setFocus();
}

void MainWindow::endMerge()
{
    if (!m_merging) {
        return;
    }
    m_merging.reset();
    for (QWidget* w : std::initializer_list<QWidget*>{
             m_editorTitle, m_editorTags, m_editorReviewEvery, m_editorReviewer, m_editorMessage}) {
        w->setEnabled(true);
    }
    m_editorError->clear();
}

} // namespace sopvault::desktop
