// The main window's reader: a SOP rendered with its images from the vault, its attachments and
// its links to and from other SOPs, task boxes to tick, and links that go where they say.
#include "MainWindow.h"

#include "AttachmentViewer.h"
#include "RunPanel.h"
#include "SafeBrowser.h"
#include "Widgets.h"

#include "sopvault/core/Attachments.h"
#include "sopvault/core/FileNames.h"
#include "sopvault/core/Links.h"
#include "sopvault/core/Markdown.h"

#include <QCoreApplication>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUrl>
#include <QVBoxLayout>

namespace sopvault::desktop {

namespace {

// "PNG image, 120 KB", "PDF, 2.4 MB": what a person needs to decide whether to open a file.
QString describe(const core::AttachmentInfo& a)
{
    const QString type = toQString(a.type);
    QString kind = type.section(u'/', 1).section(u'+', 0, 0).toUpper();
    if (type.startsWith(QStringLiteral("image/"))) {
        kind = QCoreApplication::translate("MainWindow", "%1 image").arg(kind);
    } else if (type == QStringLiteral("text/plain")) {
        kind = QCoreApplication::translate("MainWindow", "text");
    } else if (type == QStringLiteral("application/octet-stream")) {
        kind = QCoreApplication::translate("MainWindow", "file");
    }
    return QStringLiteral("%1, %2").arg(kind, QLocale().formattedDataSize(qint64(a.size)));
}

QString linkList(const std::vector<core::LinkedSop>& sops, const QString& vault)
{
    QStringList out;
    int hidden = 0;
    for (const core::LinkedSop& s : sops) {
        if (!s.viewable) {
            ++hidden;
            continue;
        }
        out << QStringLiteral("<a href=\"%1\">%2</a>")
                   .arg(toQString(core::sopLink(toStd(vault), s.id)).toHtmlEscaped(),
                        toQString(s.title).toHtmlEscaped());
    }
    if (hidden == 1) {
        out << QCoreApplication::translate("MainWindow", "one SOP you may not view");
    } else if (hidden > 1) {
        out << QCoreApplication::translate("MainWindow", "%1 SOPs you may not view").arg(hidden);
    }
    return out.join(QStringLiteral(", "));
}

QLabel* linkLabel(const char* objectName)
{
    auto* label = new QLabel;
    label->setObjectName(QString::fromLatin1(objectName));
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    label->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    label->setVisible(false);
    return label;
}

} // namespace

QWidget* MainWindow::buildReader()
{
    m_readerTitle = new QLabel;
    m_readerTitle->setObjectName(QStringLiteral("readerTitle"));
    m_readerTitle->setStyleSheet(QStringLiteral("font-size: 16pt; font-weight: bold;"));
    m_readerTitle->setWordWrap(true);
    m_readerMeta = new QLabel;
    m_readerMeta->setObjectName(QStringLiteral("readerMeta"));
    m_readerMeta->setStyleSheet(mutedStyle());
    m_readerMeta->setWordWrap(true);
    m_readerFiles = linkLabel("readerAttachments");
    m_readerLinks = linkLabel("readerLinks");
    connect(m_readerFiles, &QLabel::linkActivated, this,
            [this](const QString& url) { followLink(QUrl(url)); });
    connect(m_readerLinks, &QLabel::linkActivated, this,
            [this](const QString& url) { followLink(QUrl(url)); });
    m_reader = new SafeBrowser;
    m_reader->setObjectName(QStringLiteral("readerView"));
    m_reader->setImageSource(
        [this](const QString& name) { return m_readerAttachments.image(name); });
    // Ctrl+A then Ctrl+C is "copy all": the same export check as the button.
    connect(m_reader, &SafeBrowser::wholeCopyRequested, this, &MainWindow::copyAll);
    connect(m_reader, &QTextBrowser::anchorClicked, this, &MainWindow::followLink);
    // No mnemonics of their own: Alt+E, Alt+H and Alt+F belong to the menus. The menu
    // shortcuts (Ctrl+Shift+E, Ctrl+H) reach the same actions.
    m_editButton = namedButton(tr("Edit"), "editButton");
    m_editButton->setToolTip(tr("Edit this SOP (Ctrl+Shift+E)"));
    m_historyButton = namedButton(tr("History"), "historyButton");
    m_historyButton->setToolTip(tr("Every version, the changes between them, restore (Ctrl+H)"));
    m_flagButton = namedButton(tr("Flag as wrong"), "flagButton");
    m_flagButton->setToolTip(tr("Tell the editors this SOP is wrong or out of date"));
    m_exportButton = namedButton(tr("E&xport…"), "exportButton");
    m_printButton = namedButton(tr("&Print…"), "printButton");
    m_copyAllButton = namedButton(tr("Copy &all"), "copyAllButton");
    m_copyLinkButton = namedButton(tr("Copy &link"), "copyLinkButton");
    m_runButton = namedButton(tr("Start run"), "startRunButton");
    m_runButton->setToolTip(tr("Run this checklist for a ticket: each step signed with your name "
                               "and the time (Ctrl+Shift+R)"));
    connect(m_runButton, &QPushButton::clicked, this, &MainWindow::startRun);
    m_runPanel = new RunPanel(m_controller);
    connect(m_runPanel, &RunPanel::changed, this, &MainWindow::runChanged);
    connect(m_runPanel, &RunPanel::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    connect(m_runPanel, &RunPanel::failed, this, &MainWindow::showFailure);
    connect(m_runPanel, &RunPanel::changesWanted, this, &MainWindow::showHistory);
    connect(m_editButton, &QPushButton::clicked, this, &MainWindow::editCurrent);
    connect(m_historyButton, &QPushButton::clicked, this, &MainWindow::showHistory);
    connect(m_flagButton, &QPushButton::clicked, this, &MainWindow::flagCurrent);
    connect(m_exportButton, &QPushButton::clicked, this, &MainWindow::showExport);
    connect(m_printButton, &QPushButton::clicked, this, &MainWindow::printCurrent);
    connect(m_copyAllButton, &QPushButton::clicked, this, &MainWindow::copyAll);
    connect(m_copyLinkButton, &QPushButton::clicked, this, [this] {
        if (m_currentId) {
            copyToClipboard(m_controller.link(*m_currentId));
            statusBar()->showMessage(tr("Link copied; paste it into the ticket."), 5000);
        }
    });
    m_attestText = new QLabel;
    m_attestText->setObjectName(QStringLiteral("attestText"));
    m_attestText->setWordWrap(true);
    auto* attest = namedButton(tr("I have &read it"), "attestButton");
    connect(attest, &QPushButton::clicked, this, &MainWindow::attestCurrent);
    m_attestBar = new QFrame;
    m_attestBar->setObjectName(QStringLiteral("attestBar"));
    static_cast<QFrame*>(m_attestBar)->setFrameShape(QFrame::StyledPanel);
    auto* attestRow = new QHBoxLayout(m_attestBar);
    attestRow->addWidget(m_attestText, 1);
    attestRow->addWidget(attest);
    m_attestBar->setVisible(false);
    auto* buttons =
        new ButtonRow({m_editButton, m_historyButton, m_flagButton, m_runButton},
                      {m_copyLinkButton, m_copyAllButton, m_printButton, m_exportButton});
    buttons->setObjectName(QStringLiteral("readerButtons"));
    auto* reader = new QWidget;
    auto* layout = new QVBoxLayout(reader);
    layout->addWidget(m_readerTitle);
    layout->addWidget(m_readerMeta);
    layout->addWidget(buttons);
    layout->addWidget(m_attestBar);
    // The text above the run's steps; the person drags the line between them.
    auto* split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("readerRunSplit"));
    split->setChildrenCollapsible(false);
    split->addWidget(m_reader);
    split->addWidget(m_runPanel);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    layout->addWidget(m_readerFiles);
    layout->addWidget(m_readerLinks);
    return reader;
}

void MainWindow::openSop(const core::Id& sop, std::optional<std::uint64_t> version)
{
    if (!m_controller.isUnlocked()) {
        return;
    }
    // A run of this SOP on screen keeps its version in the reader, whatever asks to reopen it
    // (a sync, a list refresh): its boxes are that version's steps.
    bool older = version.has_value();
    if (!version) {
        if (const auto& run = m_runPanel->active(); run && run->sop == sop) {
            version = run->version;
            older = run->newerVersion();
        }
    }
    auto view = m_controller.readSop(sop, version, m_ticket->text().trimmed());
    if (!view) {
        if (view.error().code == ErrorCode::NotFound) {
            // Said without a title: the person may not know the SOP exists.
            statusBar()->showMessage(
                tr("That SOP is not one you may view (or it no longer exists)."), 8000);
            return;
        }
        showFailure(tr("Cannot open this SOP"), view.error());
        return;
    }
    m_currentId = sop;
    m_currentVersion = view->version;
    m_currentCollection = view->collectionId;
    m_currentState = view->state;
    m_currentBody = std::move(view->body);
    m_olderVersion = older;
    m_runPanel->showSop(sop, core::checklistSteps(m_currentBody).size());
    m_ticked = m_runPanel->doneBoxes();
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
    m_readerAttachments.show(sop, view->version, view->attachments);
    showReaderExtras(view->attachments);
    m_reader->setHtml(
        renderSop(m_currentBody, m_ticked, view->attachments, m_runPanel->active().has_value()));
    updateAttestBar();
    m_stack->setCurrentIndex(1);
    updateActions();
}

void MainWindow::updateAttestBar()
{
    m_attestBar->setVisible(false);
    if (!m_currentId) {
        return;
    }
    auto due = m_controller.myAttestationsDue();
    if (!due) {
        return;
    }
    for (const core::AttestationStatus& a : *due) {
        if (a.sop == *m_currentId && a.version == m_currentVersion) {
            m_attestText->setText(
                tr("You are asked to confirm you have read version %1 (due %2%3).")
                    .arg(a.version)
                    .arg(formatDate(a.due), a.overdue ? tr(", overdue") : QString()));
            m_attestBar->setVisible(true);
            return;
        }
    }
}

void MainWindow::startRun()
{
    if (!m_currentId || !m_runPanel->canStart()) {
        return;
    }
    // A finished run on screen is set aside, and a run starts on the newest version.
    m_runPanel->setAside();
    if (m_olderVersion) {
        openSop(*m_currentId);
    } else {
        runChanged();
    }
    m_runPanel->start(m_ticket->text().trimmed());
}

void MainWindow::runChanged()
{
    if (!m_currentId) {
        return;
    }
    const auto& run = m_runPanel->active();
    if (run && run->sop == *m_currentId && run->version != m_currentVersion) {
        openSop(run->sop, run->version);
        return;
    }
    if (!run && m_olderVersion) {
        openSop(*m_currentId);
        return;
    }
    m_ticked = m_runPanel->doneBoxes();
    const int scroll = m_reader->verticalScrollBar()->value();
    m_reader->setHtml(
        renderSop(m_currentBody, m_ticked, m_readerAttachments.listed(), run.has_value()));
    m_reader->verticalScrollBar()->setValue(scroll);
    updateActions();
}

void MainWindow::attestCurrent()
{
    if (!m_currentId) {
        return;
    }
    auto version = m_controller.attest(*m_currentId);
    if (!version) {
        showFailure(tr("Cannot record that you read it"), version.error());
        return;
    }
    statusBar()->showMessage(tr("Recorded: you have read version %1.").arg(*version), 8000);
    updateAttestBar();
}

void MainWindow::showReaderExtras(const std::vector<core::AttachmentInfo>& attachments)
{
    QStringList files;
    for (const core::AttachmentInfo& a : attachments) {
        // The file's own name: the folders it came from say nothing to a reader.
        files << QStringLiteral("<a href=\"%1\">%2</a> (%3)")
                     .arg(toQString(core::attachmentUrl(a.name)).toHtmlEscaped(),
                          QFileInfo(toQString(a.name)).fileName().toHtmlEscaped(),
                          describe(a).toHtmlEscaped());
    }
    m_readerFiles->setText(tr("<b>Attachments:</b> %1").arg(files.join(QStringLiteral(" · "))));
    m_readerFiles->setVisible(!files.isEmpty());

    QStringList parts;
    if (m_currentId) {
        if (auto links = m_controller.links(*m_currentId)) {
            if (!links->to.empty()) {
                parts << tr("<b>Links to:</b> %1").arg(linkList(links->to, m_controller.vaultId()));
            }
            if (!links->from.empty()) {
                parts << tr("<b>Linked from:</b> %1")
                             .arg(linkList(links->from, m_controller.vaultId()));
            }
        }
    }
    m_readerLinks->setText(parts.join(QStringLiteral(" &nbsp;·&nbsp; ")));
    m_readerLinks->setVisible(!parts.isEmpty());
}

void MainWindow::followLink(const QUrl& url)
{
    const QString scheme = url.scheme();
    if (scheme == QStringLiteral("task")) {
        const int n = url.path().toInt();
        // In run mode a box is the run's step: ticking it records the step, once.
        if (const auto& run = m_runPanel->active()) {
            if (run->finished) {
                statusBar()->showMessage(tr("This run is finished: its steps are signed."), 6000);
            } else if (run->version != m_currentVersion) {
                statusBar()->showMessage(
                    tr("The run follows version %1: its steps are ticked on that text.")
                        .arg(run->version),
                    6000);
            } else {
                m_runPanel->tick(std::uint32_t(n + 1));
            }
            return;
        }
        if (!m_ticked.remove(n)) {
            m_ticked.insert(n);
        }
        const int scroll = m_reader->verticalScrollBar()->value();
        m_reader->setHtml(renderSop(m_currentBody, m_ticked, m_readerAttachments.listed()));
        m_reader->verticalScrollBar()->setValue(scroll);
        return;
    }
    const std::string text = toStd(url.toString(QUrl::FullyEncoded));
    if (scheme == QStringLiteral("attachment")) {
        if (auto name = core::attachmentFromUrl(text)) {
            showAttachment(toQString(*name));
        }
        return;
    }
    if (scheme == QStringLiteral("sopvault")) {
        openLink(url.toString());
        return;
    }
    if (scheme == QStringLiteral("http") || scheme == QStringLiteral("https") ||
        scheme == QStringLiteral("mailto") || scheme == QStringLiteral("tel")) {
        // Only on a click, never to fetch anything for the page itself.
        QDesktopServices::openUrl(url);
        statusBar()->showMessage(tr("Opened %1 outside SOP Vault.").arg(url.toDisplayString()),
                                 5000);
        return;
    }
    statusBar()->showMessage(
        tr("This link points at %1, which is not in the vault.").arg(url.toDisplayString()), 8000);
}

void MainWindow::openLink(const QString& url)
{
    const auto id = core::parseSopLink(toStd(m_controller.vaultId()), toStd(url));
    if (!id) {
        const bool elsewhere = core::parseSopLink(toStd(QUrl(url).host()), toStd(url)).has_value();
        statusBar()->showMessage(elsewhere ? tr("That link belongs to another vault.")
                                           : tr("Not a SOP Vault link: %1").arg(url),
                                 6000);
        return;
    }
    openSop(*id);
}

void MainWindow::showAttachment(const QString& name)
{
    if (!m_currentId) {
        return;
    }
    const auto info = m_readerAttachments.find(name);
    if (!info) {
        statusBar()->showMessage(tr("This version has no attachment %1.").arg(name), 6000);
        return;
    }
    const bool exportRight = m_controller.may(core::Right::Export, m_currentCollection);
    const QString whyNot = tr("Saving an attachment needs the export right on this collection; "
                              "ask an owner.");
    if (!info->inlineImage) {
        if (!exportRight) {
            statusBar()->showMessage(whyNot, 8000);
            return;
        }
        saveAttachment(name);
        return;
    }
    const QImage image = m_readerAttachments.image(name);
    if (image.isNull()) {
        statusBar()->showMessage(tr("%1 cannot be shown.").arg(name), 6000);
        return;
    }
    auto* viewer = new AttachmentViewer(name, image, exportRight, whyNot, this);
    viewer->setAttribute(Qt::WA_DeleteOnClose);
    connect(viewer, &AttachmentViewer::saveRequested, this, [this, name] { saveAttachment(name); });
    viewer->open();
}

void MainWindow::saveAttachment(const QString& name)
{
    if (!m_currentId) {
        return;
    }
    auto* dialog = new QFileDialog(this, tr("Save %1 as").arg(name));
    dialog->setObjectName(QStringLiteral("saveAttachmentDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    // Core refuses to overwrite, and says so: no second question first.
    dialog->setOption(QFileDialog::DontConfirmOverwrite);
    dialog->setDirectory(QDir::homePath());
    // The name as a file that works on any disk ("ceph: health.png" becomes "ceph_ health.png").
    dialog->selectFile(toQString(core::safeFileName(toStd(QFileInfo(name).fileName()))));
    const core::Id sop = *m_currentId;
    const std::uint64_t version = m_currentVersion;
    connect(dialog, &QFileDialog::fileSelected, this,
            [this, sop, version, name](const QString& path) {
                auto saved = m_controller.saveAttachment(sop, version, name, path);
                if (!saved) {
                    showFailure(tr("Cannot save the attachment"), saved.error());
                    return;
                }
                statusBar()->showMessage(
                    tr("Saved %1 to %2.").arg(name, QDir::toNativeSeparators(path)), 8000);
            });
    dialog->open();
}

void MainWindow::updateReaderActions()
{
    const bool reading =
        m_controller.isUnlocked() && m_currentId.has_value() && m_stack->currentIndex() == 1;
    // The collection of the SOP on screen, as readSop reported it: no listing needed.
    // Edits start from the newest version: not while the reader shows a run's older one.
    const bool edit =
        reading && !m_olderVersion && m_controller.may(core::Right::Edit, m_currentCollection);
    m_editButton->setToolTip(m_olderVersion ? tr("The reader shows the run's version %1. Close "
                                                 "the run to edit the newest version.")
                                                  .arg(m_currentVersion)
                                            : tr("Edit this SOP (Ctrl+Shift+E)"));
    const bool exportRight = reading && m_controller.may(core::Right::Export, m_currentCollection);
    m_editButton->setEnabled(edit);
    m_historyButton->setEnabled(reading);
    m_flagButton->setEnabled(reading);
    m_copyLinkButton->setEnabled(reading);
    const bool runnable = reading && m_runPanel->canStart();
    m_runButton->setEnabled(runnable);
    m_startRunAction->setEnabled(runnable);
    m_publishAction->setEnabled(edit && m_currentState != core::SopState::Published);
    m_archiveAction->setEnabled(edit && m_currentState != core::SopState::Archived);
    m_runPanel->setMayExport(exportRight);
    for (auto* b : {m_exportButton, m_printButton, m_copyAllButton}) {
        b->setEnabled(exportRight);
        b->setToolTip(exportRight || !reading
                          ? QString()
                          : tr("You do not have the export right on this collection: exporting, "
                               "printing and copying the whole SOP are reserved to those an owner "
                               "allows."));
    }
    // Partial copies are still possible by hand, but not "select all".
    m_reader->setContextMenuPolicy(exportRight ? Qt::DefaultContextMenu : Qt::NoContextMenu);
}

} // namespace sopvault::desktop
