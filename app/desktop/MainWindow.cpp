// Main window: layout, menus and shortcuts, the reader and the editor.
#include "MainWindow.h"

#include "Dialogs.h"
#include "MarkdownHighlighter.h"
#include "PasswordDialog.h"

#include "sopvault/core/Markdown.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QToolBar>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace sopvault::desktop {

namespace {

constexpr int kIdRole = Qt::UserRole;
constexpr int kPathRole = Qt::UserRole + 1;

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

// Task-list boxes become links the technician can tick while working a ticket; ticks live only
// in this window (reading a runbook is not editing it).
QString withTicks(QString html, const QSet<int>& ticked)
{
    static const QRegularExpression box(
        QStringLiteral(R"(<input type="checkbox"( checked="")? disabled="" />)"));
    QString out;
    qsizetype last = 0;
    int n = 0;
    auto it = box.globalMatch(html);
    while (it.hasNext()) {
        const auto m = it.next();
        out += html.mid(last, m.capturedStart() - last);
        const bool checked = m.capturedLength(1) > 0 ? !ticked.contains(n) : ticked.contains(n);
        out += QStringLiteral("<a href=\"task:%1\" style=\"text-decoration:none\">%2</a>")
                   .arg(n)
                   .arg(checked ? QStringLiteral("&#9745;") : QStringLiteral("&#9744;"));
        last = m.capturedEnd();
        ++n;
    }
    out += html.mid(last);
    return out;
}

QString readerCss()
{
    return QStringLiteral(
        "<style>body{font-family:'DejaVu Sans',sans-serif;font-size:11pt;line-height:140%;}"
        "h1,h2,h3{color:#1f3b63;} table{border-collapse:collapse;margin:6px 0;}"
        "th,td{border:1px solid #c8ccd1;padding:3px 8px;} th{background:#eef1f5;}"
        "code,pre{font-family:'DejaVu Sans Mono',monospace;background:#f4f5f7;}"
        "blockquote{color:#555;margin-left:12px;}</style>");
}

QString renderSop(const std::string& markdown, const QSet<int>& ticked)
{
    auto html = core::renderHtml(markdown);
    if (!html) {
        return QStringLiteral("<p><i>%1</i></p>")
            .arg(toQString(html.error().message).toHtmlEscaped());
    }
    return readerCss() + withTicks(toQString(*html), ticked);
}

} // namespace

SafeBrowser::SafeBrowser(QWidget* parent) : QTextBrowser(parent)
{
    setOpenLinks(false);
    setOpenExternalLinks(false);
}

QVariant SafeBrowser::loadResource(int, const QUrl&)
{
    return {}; // nothing is ever fetched, local or remote
}

bool SafeBrowser::wholeSelected() const
{
    const QTextCursor cursor = textCursor();
    // characterCount() counts the final paragraph separator, which no selection includes.
    return cursor.hasSelection() && cursor.selectionStart() == 0 &&
           cursor.selectionEnd() >= document()->characterCount() - 1;
}

void SafeBrowser::keyPressEvent(QKeyEvent* event)
{
    if ((event->matches(QKeySequence::Copy) || event->matches(QKeySequence::Cut)) &&
        wholeSelected()) {
        event->accept();
        emit wholeCopyRequested();
        return;
    }
    QTextBrowser::keyPressEvent(event);
}

QMimeData* SafeBrowser::createMimeDataFromSelection() const
{
    // Every route out of the widget (copy, drag, the X11 selection) asks here.
    if (wholeSelected()) {
        return new QMimeData;
    }
    return QTextBrowser::createMimeDataFromSelection();
}

MainWindow::MainWindow(VaultController& controller, QWidget* parent)
    : QMainWindow(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("SOP Vault"));
    resize(1280, 800);
    buildUi();
    buildMenus();

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
    updateActions();
}

void MainWindow::buildUi()
{
    auto* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setMovable(false);
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Search runbooks (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(360);
    m_ticket = new QLineEdit;
    m_ticket->setObjectName(QStringLiteral("ticket"));
    m_ticket->setPlaceholderText(tr("Ticket # (recorded with each view)"));
    m_ticket->setMaximumWidth(240);
    toolbar->addWidget(m_search);
    toolbar->addSeparator();
    toolbar->addWidget(m_ticket);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay.start(); });
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (m_list->topLevelItemCount() > 0) {
            m_list->setCurrentItem(m_list->topLevelItem(0));
        }
    });

    m_collections = new QTreeWidget;
    m_collections->setObjectName(QStringLiteral("collections"));
    m_collections->setHeaderLabel(tr("Collections"));
    connect(m_collections, &QTreeWidget::currentItemChanged, this, [this] {
        if (!m_search->text().isEmpty()) {
            m_search->clear();
        }
        refreshList();
    });

    m_list = new QTreeWidget;
    m_list->setObjectName(QStringLiteral("sopList"));
    m_list->setHeaderLabels({tr("Title"), tr("State"), tr("Updated"), tr("Review")});
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    // The title gets the room; the other columns take only what they need.
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int column = 1; column < 4; ++column) {
        m_list->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    }
    connect(m_list, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item != nullptr) {
            openSop(item->data(0, kIdRole).toString());
        }
    });

    // Reader.
    auto* reader = new QWidget;
    m_readerTitle = new QLabel;
    m_readerTitle->setObjectName(QStringLiteral("readerTitle"));
    m_readerTitle->setStyleSheet(QStringLiteral("font-size: 16pt; font-weight: bold;"));
    m_readerTitle->setWordWrap(true);
    m_readerMeta = new QLabel;
    m_readerMeta->setObjectName(QStringLiteral("readerMeta"));
    m_readerMeta->setStyleSheet(QStringLiteral("color: #5f6670;"));
    m_readerMeta->setWordWrap(true);
    m_reader = new SafeBrowser;
    m_reader->setObjectName(QStringLiteral("readerView"));
    // Ctrl+A then Ctrl+C is "copy all": the same export check as the button.
    connect(m_reader, &SafeBrowser::wholeCopyRequested, this, &MainWindow::copyAll);
    connect(m_reader, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        if (url.scheme() == QStringLiteral("task")) {
            const int n = url.path().toInt();
            if (!m_ticked.remove(n)) {
                m_ticked.insert(n);
            }
            const int scroll = m_reader->verticalScrollBar()->value();
            m_reader->setHtml(renderSop(m_currentBody, m_ticked));
            m_reader->verticalScrollBar()->setValue(scroll);
        }
    });
    auto button = [](const QString& text, const char* name) {
        auto* b = new QPushButton(text);
        b->setObjectName(QString::fromLatin1(name));
        return b;
    };
    m_editButton = button(tr("&Edit"), "editButton");
    m_historyButton = button(tr("&History"), "historyButton");
    m_flagButton = button(tr("&Flag as wrong"), "flagButton");
    m_exportButton = button(tr("E&xport…"), "exportButton");
    m_printButton = button(tr("&Print…"), "printButton");
    m_copyAllButton = button(tr("Copy &all"), "copyAllButton");
    m_copyLinkButton = button(tr("Copy &link"), "copyLinkButton");
    connect(m_editButton, &QPushButton::clicked, this, &MainWindow::editCurrent);
    connect(m_historyButton, &QPushButton::clicked, this, &MainWindow::showHistory);
    connect(m_flagButton, &QPushButton::clicked, this, &MainWindow::flagCurrent);
    connect(m_exportButton, &QPushButton::clicked, this, &MainWindow::showExport);
    connect(m_printButton, &QPushButton::clicked, this, &MainWindow::printCurrent);
    connect(m_copyAllButton, &QPushButton::clicked, this, &MainWindow::copyAll);
    connect(m_copyLinkButton, &QPushButton::clicked, this, [this] {
        if (!m_currentId.isEmpty()) {
            copyToClipboard(QStringLiteral("sopvault://%1/sop/%2")
                                .arg(toQString(m_controller.session().vaultId()), m_currentId));
            statusBar()->showMessage(tr("Link copied; paste it into the ticket."), 5000);
        }
    });
    auto* buttons = new QHBoxLayout;
    for (auto* b : {m_editButton, m_historyButton, m_flagButton}) {
        buttons->addWidget(b);
    }
    buttons->addStretch();
    for (auto* b : {m_copyLinkButton, m_copyAllButton, m_printButton, m_exportButton}) {
        buttons->addWidget(b);
    }
    auto* rl = new QVBoxLayout(reader);
    rl->addWidget(m_readerTitle);
    rl->addWidget(m_readerMeta);
    rl->addLayout(buttons);
    rl->addWidget(m_reader, 1);

    // Editor.
    auto* editor = new QWidget;
    m_editorTitle = new QLineEdit;
    m_editorTitle->setObjectName(QStringLiteral("editorTitle"));
    m_editorTitle->setPlaceholderText(tr("Title"));
    m_editorTags = new QLineEdit;
    m_editorTags->setObjectName(QStringLiteral("editorTags"));
    m_editorTags->setPlaceholderText(tr("tags, comma separated"));
    m_editorCollection = new QComboBox;
    m_editorCollection->setObjectName(QStringLiteral("editorCollection"));
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
    m_editorText = new QPlainTextEdit;
    m_editorText->setObjectName(QStringLiteral("editorText"));
    m_editorText->setFont(QFont(QStringLiteral("DejaVu Sans Mono"), 10));
    m_editorText->setTabChangesFocus(false);
    new MarkdownHighlighter(m_editorText->document());
    m_preview = new SafeBrowser;
    m_preview->setObjectName(QStringLiteral("editorPreview"));
    connect(m_editorText, &QPlainTextEdit::textChanged, this, [this] { m_previewDelay.start(); });
    m_editorMessage = new QLineEdit;
    m_editorMessage->setObjectName(QStringLiteral("editorMessage"));
    m_editorMessage->setPlaceholderText(tr("What changed and why (kept in the history)"));
    m_saveButton = button(tr("&Save version (Ctrl+S)"), "saveButton");
    auto* cancel = button(tr("Cancel"), "cancelButton");
    connect(m_saveButton, &QPushButton::clicked, this, &MainWindow::saveEditor);
    connect(cancel, &QPushButton::clicked, this, &MainWindow::cancelEditor);
    m_editorError = errorLabel("editorError");
    auto* top = new QHBoxLayout;
    top->addWidget(m_editorTitle, 3);
    top->addWidget(m_editorCollection, 2);
    top->addWidget(m_editorTags, 2);
    auto* review = new QHBoxLayout;
    review->addWidget(m_editorReviewEvery);
    review->addWidget(m_editorReviewer, 1);
    auto* split = new QSplitter;
    split->addWidget(m_editorText);
    split->addWidget(m_preview);
    split->setSizes({1, 1});
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_editorMessage, 1);
    bottom->addWidget(cancel);
    bottom->addWidget(m_saveButton);
    auto* el = new QVBoxLayout(editor);
    el->addLayout(top);
    el->addLayout(review);
    el->addWidget(split, 1);
    el->addWidget(m_editorError);
    el->addLayout(bottom);

    auto* empty = new QLabel(tr("Pick a runbook on the left, or search for one (Ctrl+F)."));
    empty->setAlignment(Qt::AlignCenter);
    empty->setStyleSheet(QStringLiteral("color: #7a808a; font-size: 12pt;"));

    m_stack = new QStackedWidget;
    m_stack->setObjectName(QStringLiteral("contentStack"));
    m_stack->addWidget(empty);
    m_stack->addWidget(reader);
    m_stack->addWidget(editor);

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
    m_info->setStyleSheet(QStringLiteral("background: #fff6d6; border: 1px solid #e8cf7a; "
                                         "padding: 6px;"));
    m_info->setVisible(false);
    auto* central = new QWidget;
    auto* cl = new QVBoxLayout(central);
    cl->setContentsMargins(6, 6, 6, 6);
    cl->addWidget(m_info);
    cl->addWidget(middle, 1);
    setCentralWidget(central);
}

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    m_newAction = file->addAction(tr("&New SOP"), QKeySequence::New, this, &MainWindow::newSop);
    m_importAction = file->addAction(tr("&Import folder…"), this, &MainWindow::importFolder);
    file->addAction(tr("E&xport…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::showExport);
    file->addAction(tr("&Print…"), QKeySequence::Print, this, &MainWindow::printCurrent);
    file->addSeparator();
    m_lockAction = file->addAction(tr("&Lock"), QKeySequence(tr("Ctrl+L")), this,
                                   [this] { m_controller.lock(); });
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

    auto* sop = menuBar()->addMenu(tr("&SOP"));
    sop->addAction(tr("&History"), QKeySequence(tr("Ctrl+H")), this, &MainWindow::showHistory);
    sop->addAction(tr("&Flag as wrong or stale…"), this, &MainWindow::flagCurrent);

    auto* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(tr("&Reviews"), QKeySequence(tr("Ctrl+R")), this, &MainWindow::showReviews);
    m_adminAction = tools->addAction(tr("&Administration"), this, &MainWindow::showAdmin);
    tools->addAction(tr("&Verify the vault"), this, [this] {
        auto report = m_controller.session().verify();
        if (!report) {
            showFailure(tr("Verification failed"), VaultController::failure(report.error()));
            return;
        }
        QString text = tr("%1 records checked; %2 ciphertexts opened.")
                           .arg(report->adminRecords + report->auditRecords + report->sopVersions)
                           .arg(report->ciphertexts);
        for (const auto& p : report->problems) {
            text += QStringLiteral("\n• %1: %2").arg(toQString(p.record), toQString(p.problem));
        }
        report->ok ? QMessageBox::information(this, tr("The vault verifies"), text)
                   : QMessageBox::critical(this, tr("Problems found"), text);
    });
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
    tools->addAction(tr("Idle lock &timeout…"), this, [this] {
        bool ok = false;
        const int minutes = QInputDialog::getInt(
            this, tr("Idle lock"), tr("Lock after this many idle minutes (0: never):"),
            QSettings().value(QStringLiteral("lock/idleMinutes"), 10).toInt(), 0, 480, 1, &ok);
        if (ok) {
            QSettings().setValue(QStringLiteral("lock/idleMinutes"), minutes);
            m_idle.setInterval(minutes * 60000);
            minutes > 0 ? m_idle.start() : m_idle.stop();
        }
    });

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About SOP Vault"), this, [this] {
        QMessageBox::about(this, tr("About SOP Vault"),
                           tr("<h3>SOP Vault</h3><p>Encrypted, access-controlled, versioned and "
                              "reviewed standard operating procedures.</p><p>Apache-2.0</p>"));
    });
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
    auto& s = m_controller.session();
    const int minutes = QSettings().value(QStringLiteral("lock/idleMinutes"), 10).toInt();
    m_idle.setInterval(minutes * 60000);
    if (minutes > 0) {
        m_idle.start();
    }
    setWindowTitle(tr("SOP Vault — %1").arg(toQString(s.userName())));
    if (s.firstOpen()) {
        m_info->setText(tr("First time this vault is opened here. Its owner key fingerprint is "
                           "<b>%1</b>: check it with the owner. From now on an older or "
                           "different copy of the file is refused.")
                            .arg(toQString(s.ownerFingerprint())));
        m_info->setVisible(true);
    }
    if (!s.problems().empty()) {
        m_info->setText(tr("This vault has problems (%1). Use Tools > Verify the vault.")
                            .arg(toQString(s.problems().front().problem)));
        m_info->setVisible(true);
    }
    refreshCollections();
    refreshList();
    updateActions();
    statusBar()->showMessage(
        tr("Unlocked as %1%2. Ctrl+L locks.")
            .arg(toQString(s.userName()), s.isOwner() ? tr(" (owner)") : QString()));
    remindReviews();
    warnOfAlerts();
}

void MainWindow::clearViews()
{
    m_collections->clear();
    m_list->clear();
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
    m_currentId.clear();
    m_currentBody.clear();
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
    for (const auto& c : m_controller.session().collections()) {
        if (!c.readable) {
            continue;
        }
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
    QSignalBlocker block(m_list);
    m_list->clear();
    m_list->setHeaderLabels({tr("Title"), tr("State"), tr("Updated"), tr("Review")});
    if (!m_controller.isUnlocked()) {
        return;
    }
    core::SopFilter filter;
    if (const QString path = selectedCollection(); !path.isEmpty()) {
        filter.collection = toStd(path);
    }
    auto list = m_controller.session().listSops(filter);
    if (!list) {
        return;
    }
    const core::Timestamp now = m_controller.session().now();
    for (const auto& s : *list) {
        const core::Timestamp due = s.reviewDue;
        auto* item = new QTreeWidgetItem(
            m_list,
            {toQString(s.title), s.damaged ? tr("damaged") : toQString(core::stateName(s.state)),
             s.damaged ? QString() : formatDate(s.updated),
             s.damaged         ? QString()
             : s.reviewDamaged ? tr("damaged")
                               : formatDate(due)});
        item->setData(0, kIdRole, toQString(core::toHex(s.id)));
        item->setToolTip(0, toQString(s.collection));
        if (s.state == core::SopState::Archived || s.damaged) {
            item->setForeground(0, QColor(0x8a, 0x8f, 0x98));
        }
        if (!s.damaged && due < now) {
            item->setForeground(3, QColor(0xb0, 0x00, 0x20));
        }
        if (toQString(core::toHex(s.id)) == m_currentId) {
            m_list->setCurrentItem(item);
        }
    }
}

void MainWindow::showSearchResults()
{
    QSignalBlocker block(m_list);
    m_list->clear();
    const QString text = m_search->text().trimmed();
    if (!m_controller.isUnlocked()) {
        return;
    }
    if (text.isEmpty()) {
        block.unblock();
        refreshList();
        return;
    }
    core::SearchQuery q;
    q.text = toStd(text);
    q.limit = 100;
    auto hits = m_controller.session().search(q);
    if (!hits) {
        statusBar()->showMessage(toQString(hits.error().message), 4000);
        return;
    }
    m_list->setHeaderLabels({tr("Title"), tr("State"), tr("Collection"), QString()});
    for (const auto& h : *hits) {
        auto* item =
            new QTreeWidgetItem(m_list, {toQString(h.title), toQString(core::stateName(h.state)),
                                         toQString(h.collection), QString()});
        item->setData(0, kIdRole, toQString(core::toHex(h.id)));
        item->setToolTip(0, toQString(h.snippet));
    }
    statusBar()->showMessage(tr("%n match(es)", nullptr, int(hits->size())), 3000);
}

void MainWindow::openSop(const QString& idHex)
{
    if (!m_controller.isUnlocked() || idHex.isEmpty()) {
        return;
    }
    auto id = core::idFromHex(toStd(idHex));
    if (!id) {
        return;
    }
    auto view = m_controller.session().readSop(*id, {}, toStd(m_ticket->text().trimmed()));
    if (!view) {
        showFailure(tr("Cannot open this SOP"), VaultController::failure(view.error()));
        return;
    }
    m_currentId = idHex;
    m_currentVersion = view->version;
    m_currentCollection = view->collectionId;
    m_currentBody = std::move(view->body);
    m_ticked.clear();
    m_readerTitle->setText(toQString(view->title));
    QString tags;
    for (const auto& t : view->tags) {
        tags += QStringLiteral(" #") + toQString(t);
    }
    m_readerMeta->setText(tr("%1 · version %2 · %3 · %4 · %5%6")
                              .arg(toQString(view->collection))
                              .arg(view->version)
                              .arg(toQString(view->author), formatTime(view->time),
                                   toQString(core::stateName(view->state)), tags));
    m_reader->setHtml(renderSop(m_currentBody, m_ticked));
    m_stack->setCurrentIndex(1);
    updateActions();
}

void MainWindow::openLink(const QString& url)
{
    // sopvault://<vault id>/sop/<sop id>
    const QUrl u(url);
    const QStringList parts = u.path().split(u'/', Qt::SkipEmptyParts);
    if (u.scheme() != QStringLiteral("sopvault") || parts.size() != 2 ||
        parts[0] != QStringLiteral("sop")) {
        statusBar()->showMessage(tr("Not a SOP Vault link: %1").arg(url), 6000);
        return;
    }
    if (u.host() != toQString(m_controller.session().vaultId())) {
        statusBar()->showMessage(tr("That link belongs to another vault."), 6000);
        return;
    }
    openSop(parts[1]);
}

bool MainWindow::canEditIn(const core::Id& collection) const
{
    auto& s = m_controller.session();
    return s.policy().allows(s.userId(), core::Right::Edit, collection);
}

void MainWindow::updateActions()
{
    const bool unlocked = m_controller.isUnlocked();
    const bool reading = unlocked && !m_currentId.isEmpty() && m_stack->currentIndex() == 1;
    bool edit = false;
    bool exportRight = false;
    if (reading) {
        auto& s = m_controller.session();
        // The collection of the SOP on screen, as readSop reported it: no listing needed.
        edit = canEditIn(m_currentCollection);
        exportRight = s.policy().allows(s.userId(), core::Right::Export, m_currentCollection);
    }
    m_editButton->setEnabled(edit);
    m_historyButton->setEnabled(reading);
    m_flagButton->setEnabled(reading);
    m_copyLinkButton->setEnabled(reading);
    for (auto* b : {m_exportButton, m_printButton, m_copyAllButton}) {
        b->setEnabled(exportRight);
        b->setToolTip(exportRight || !reading
                          ? QString()
                          : tr("You do not have the export right on this collection: exporting, "
                               "printing and copying the whole SOP are reserved to those an owner "
                               "allows."));
    }
    if (!exportRight) {
        // Partial copies are still possible by hand, but not "select all".
        m_reader->setContextMenuPolicy(Qt::NoContextMenu);
    } else {
        m_reader->setContextMenuPolicy(Qt::DefaultContextMenu);
    }
    bool anyEdit = false;
    bool manages = false;
    if (unlocked) {
        auto& s = m_controller.session();
        for (const auto& c : s.collections()) {
            anyEdit = anyEdit || c.rights.has(core::Right::Edit);
            manages = manages || c.rights.has(core::Right::Manage);
        }
        manages = manages || s.isOwner();
    }
    m_newAction->setEnabled(anyEdit);
    m_importAction->setEnabled(unlocked && m_controller.session().isOwner());
    m_adminAction->setEnabled(manages);
    m_lockAction->setEnabled(unlocked);
}

void MainWindow::newSop()
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    m_editingNew = true;
    m_editorCollection->clear();
    for (const auto& c : m_controller.session().collections()) {
        if (c.readable && c.rights.has(core::Right::Edit)) {
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
    m_editorText->setPlainText(QString::fromUtf8(kNewSopTemplate));
    m_editorText->document()->setModified(false);
    updatePreview();
    m_stack->setCurrentIndex(2);
    m_editorTitle->setFocus();
}

void MainWindow::editCurrent()
{
    if (m_currentId.isEmpty() || !m_editButton->isEnabled()) {
        return;
    }
    auto id = core::idFromHex(toStd(m_currentId));
    auto view = m_controller.session().readSop(*id, m_currentVersion, {});
    if (!view) {
        showFailure(tr("Cannot edit this SOP"), VaultController::failure(view.error()));
        return;
    }
    m_editingNew = false;
    m_editorCollection->clear();
    m_editorCollection->addItem(toQString(view->collection));
    m_editorCollection->setEnabled(false);
    m_editorTitle->setText(toQString(view->title));
    QStringList tags;
    for (const auto& t : view->tags) {
        tags << toQString(t);
    }
    m_editorTags->setText(tags.join(QStringLiteral(", ")));
    m_editorReviewEvery->setValue(int(view->reviewEveryDays));
    m_editorReviewer->setText(toQString(view->reviewer));
    m_editorText->setPlainText(toQString(view->body));
    m_editorText->document()->setModified(false);
    m_editorMessage->clear();
    m_editorError->clear();
    updatePreview();
    m_stack->setCurrentIndex(2);
    m_editorText->setFocus();
}

void MainWindow::updatePreview()
{
    m_preview->setHtml(renderSop(toStd(m_editorText->toPlainText()), {}));
}

void MainWindow::saveEditor()
{
    if (m_stack->currentIndex() != 2) {
        return;
    }
    std::vector<std::string> tags;
    for (const QString& t : m_editorTags->text().split(u',', Qt::SkipEmptyParts)) {
        tags.push_back(toStd(t.trimmed()));
    }
    auto& s = m_controller.session();
    QString openId;
    if (m_editingNew) {
        core::NewSop n;
        n.collection = toStd(m_editorCollection->currentText());
        n.title = toStd(m_editorTitle->text().trimmed());
        n.body = toStd(m_editorText->toPlainText());
        n.tags = tags;
        n.reviewEveryDays = std::uint32_t(m_editorReviewEvery->value());
        n.reviewer = toStd(m_editorReviewer->text().trimmed());
        n.message = toStd(m_editorMessage->text());
        auto id = s.addSop(n);
        if (!id) {
            m_editorError->setText(toQString(id.error().message));
            return;
        }
        openId = toQString(core::toHex(*id));
    } else {
        core::SopEdit e;
        e.title = toStd(m_editorTitle->text().trimmed());
        e.body = toStd(m_editorText->toPlainText());
        e.tags = tags;
        e.reviewEveryDays = std::uint32_t(m_editorReviewEvery->value());
        e.reviewer = toStd(m_editorReviewer->text().trimmed());
        e.message = toStd(m_editorMessage->text());
        e.baseVersion = m_currentVersion;
        auto id = core::idFromHex(toStd(m_currentId));
        auto v = s.editSop(*id, e);
        if (!v) {
            m_editorError->setText(toQString(v.error().message));
            return;
        }
        openId = m_currentId;
    }
    m_editorText->document()->setModified(false);
    m_currentId = openId;
    refreshCollections();
    refreshList();
    openSop(openId);
    statusBar()->showMessage(tr("Saved a new signed version."), 5000);
}

void MainWindow::cancelEditor()
{
    m_editorText->document()->setModified(false);
    m_stack->setCurrentIndex(m_currentId.isEmpty() ? 0 : 1);
}

void MainWindow::showHistory()
{
    if (m_currentId.isEmpty()) {
        return;
    }
    HistoryDialog dialog(m_controller, *core::idFromHex(toStd(m_currentId)), this);
    connect(&dialog, &HistoryDialog::restored, this, [this] {
        refreshList();
        openSop(m_currentId);
    });
    dialog.exec();
}

void MainWindow::showReviews()
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    ReviewDialog dialog(m_controller, this);
    connect(&dialog, &ReviewDialog::openRequested, this, &MainWindow::openSop);
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
    if (m_currentId.isEmpty() || !m_exportButton->isEnabled()) {
        statusBar()->showMessage(m_exportButton->toolTip().isEmpty()
                                     ? tr("Open a SOP to export it.")
                                     : m_exportButton->toolTip(),
                                 6000);
        return;
    }
    ExportDialog dialog(m_controller, *core::idFromHex(toStd(m_currentId)), this);
    dialog.exec();
}

void MainWindow::printCurrent()
{
    if (m_currentId.isEmpty() || !m_printButton->isEnabled()) {
        return;
    }
    ExportDialog::print(m_controller, *core::idFromHex(toStd(m_currentId)), this);
}

void MainWindow::copyAll()
{
    if (m_currentId.isEmpty()) {
        return;
    }
    // Core decides, not the button: a greyed-out button is a hint, the refusal is core's (and
    // it is audited).
    auto text = m_controller.copyAllText(m_currentId);
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
    if (m_currentId.isEmpty()) {
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
    auto flagged =
        m_controller.session().flag(*core::idFromHex(toStd(m_currentId)), toStd(comment));
    if (!flagged) {
        showFailure(tr("Cannot flag this SOP"), VaultController::failure(flagged.error()));
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
    ImportDialog dialog(m_controller, dir, target.trimmed(), this);
    dialog.exec();
}

void MainWindow::remindReviews()
{
    auto& s = m_controller.session();
    auto due = s.reviewsDue(s.now());
    if (!due || due->empty()) {
        return;
    }
    const QString text = tr("%n SOP review(s) are due or due soon. Tools > Reviews (Ctrl+R).",
                            nullptr, int(due->size()));
    statusBar()->showMessage(text, 15000);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        if (m_tray == nullptr) {
            m_tray = new QSystemTrayIcon(windowIcon(), this);
            connect(m_tray, &QSystemTrayIcon::messageClicked, this, &MainWindow::showReviews);
        }
        m_tray->show();
        m_tray->showMessage(tr("SOP reviews due"), text);
    }
}

void MainWindow::warnOfAlerts()
{
    auto& s = m_controller.session();
    if (m_alerts == nullptr) {
        m_alerts = new QLabel(this);
        m_alerts->setObjectName(QStringLiteral("alertLabel"));
        m_alerts->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; font-weight: bold; }"));
        statusBar()->addPermanentWidget(m_alerts);
    }
    m_alerts->setVisible(false);
    if (!s.isOwner()) {
        return;
    }
    auto alerts = s.viewAlerts();
    if (!alerts || alerts->empty()) {
        return;
    }
    const core::ViewAlert& last = alerts->back();
    const core::AlarmSettings alarm = s.alarmSettings();
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
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        if (m_tray == nullptr) {
            m_tray = new QSystemTrayIcon(windowIcon(), this);
            connect(m_tray, &QSystemTrayIcon::messageClicked, this, &MainWindow::showReviews);
        }
        m_tray->show();
        m_tray->showMessage(tr("SOP Vault reading alert"), text, QSystemTrayIcon::Warning);
    }
}

void MainWindow::showFailure(const QString& what, const Failure& failure)
{
    QMessageBox::warning(this, what, failure.message);
}

} // namespace sopvault::desktop
