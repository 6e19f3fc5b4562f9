// The reader's run mode: start (ticket and client), steps done or skipped with a note, progress,
// a newer version said in a sentence, the evidence copied for the ticket, the finish.
#include "RunPanel.h"

#include "ExportDialog.h"

#include "Widgets.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace sopvault::desktop {

namespace {

constexpr int kStepRole = Qt::UserRole + 1;

QString stateText(core::StepState state)
{
    switch (state) {
    case core::StepState::Done:
        return QCoreApplication::translate("RunPanel", "done");
    case core::StepState::Skipped:
        return QCoreApplication::translate("RunPanel", "skipped");
    case core::StepState::Open:
        break;
    }
    return QCoreApplication::translate("RunPanel", "open");
}

// "ticket T-1042 for Acme", "ticket T-1042", "client Acme", "no ticket".
QString forWhat(const QString& ticket, const QString& client)
{
    if (!ticket.isEmpty() && !client.isEmpty()) {
        return QCoreApplication::translate("RunPanel", "ticket %1 for %2").arg(ticket, client);
    }
    if (!ticket.isEmpty()) {
        return QCoreApplication::translate("RunPanel", "ticket %1").arg(ticket);
    }
    if (!client.isEmpty()) {
        return QCoreApplication::translate("RunPanel", "client %1").arg(client);
    }
    return QCoreApplication::translate("RunPanel", "no ticket");
}

} // namespace

RunPanel::RunPanel(VaultController& controller, QWidget* parent)
    : QFrame(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("runPanel"));
    setFrameShape(QFrame::StyledPanel);

    // Another open run of this SOP, to pick up where it was left.
    m_resumeText = new QLabel;
    m_resumeText->setObjectName(QStringLiteral("runResumeText"));
    m_resumeText->setWordWrap(true);
    auto* resumeButton = namedButton(tr("Resume run"), "runResume");
    connect(resumeButton, &QPushButton::clicked, this, [this] {
        if (m_resumable) {
            resume(*m_resumable);
        }
    });
    m_resumeBar = new QWidget;
    auto* resumeRow = new QHBoxLayout(m_resumeBar);
    resumeRow->setContentsMargins(0, 0, 0, 0);
    resumeRow->addWidget(m_resumeText, 1);
    resumeRow->addWidget(resumeButton);

    m_header = new QLabel;
    m_header->setObjectName(QStringLiteral("runHeader"));
    m_header->setWordWrap(true);
    m_newer = new QLabel;
    m_newer->setObjectName(QStringLiteral("runNewerVersion"));
    m_newer->setWordWrap(true);
    m_newer->setTextFormat(Qt::RichText);
    connect(m_newer, &QLabel::linkActivated, this, [this] { emit changesWanted(); });
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("runProgress"));
    m_progress->setTextVisible(true);
    m_list = namedTree("runSteps",
                       {tr("#"), tr("Step"), tr("Status"), tr("By"), tr("When"), tr("Note")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setMinimumHeight(7 * (m_list->fontMetrics().height() + 2)); // a header and six rows
    m_list->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_list->header()->setStretchLastSection(false);
    m_note = new QLineEdit;
    m_note->setObjectName(QStringLiteral("runNote"));
    m_note->setPlaceholderText(tr("Note for this step (optional; say why when you skip it)"));
    m_note->setMaxLength(500);
    m_error = errorLabel("runError");

    // No mnemonics: the menus own Alt+letters. The keys are on the buttons' tooltips and in
    // Help › Keyboard shortcuts.
    m_done = namedButton(tr("Done"), "runDone");
    m_done->setToolTip(tr("Record the selected step as done (Ctrl+Return)"));
    m_skip = namedButton(tr("Skip"), "runSkip");
    m_skip->setToolTip(
        tr("Record the selected step as skipped, with the note (Ctrl+Shift+Return)"));
    m_copy = namedButton(tr("Copy evidence"), "runCopyEvidence");
    m_copy->setToolTip(tr("Put the run's ticket note on the clipboard: who did which step when, "
                          "against which version"));
    m_export = namedButton(tr("Export evidence…"), "runExportEvidence");
    m_export->setEnabled(false); // until the reader says the export right is there
    m_finish = namedButton(tr("Finish run…"), "runFinish");
    m_finish->setToolTip(tr("Sign the run as finished: no step can be recorded after it"));
    auto* close = namedButton(tr("Close"), "runClose");
    close->setToolTip(tr("Hide the run; an open run stays open and can be resumed"));
    connect(m_done, &QPushButton::clicked, this, [this] { record(core::StepState::Done); });
    connect(m_skip, &QPushButton::clicked, this, [this] { record(core::StepState::Skipped); });
    connect(m_copy, &QPushButton::clicked, this, &RunPanel::copyEvidence);
    connect(m_export, &QPushButton::clicked, this, &RunPanel::exportEvidence);
    connect(m_finish, &QPushButton::clicked, this, &RunPanel::finish);
    connect(close, &QPushButton::clicked, this, &RunPanel::close);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this,
            [this] { record(core::StepState::Done); });
    auto* doneKey = new QAction(this);
    doneKey->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    doneKey->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(doneKey, &QAction::triggered, this, [this] { record(core::StepState::Done); });
    addAction(doneKey);
    auto* skipKey = new QAction(this);
    skipKey->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return));
    skipKey->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(skipKey, &QAction::triggered, this, [this] { record(core::StepState::Skipped); });
    addAction(skipKey);

    auto* noteRow = new QHBoxLayout;
    noteRow->addWidget(m_note, 1);
    noteRow->addWidget(m_done);
    noteRow->addWidget(m_skip);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_error, 1);
    buttons->addWidget(m_copy);
    buttons->addWidget(m_export);
    buttons->addWidget(m_finish);
    buttons->addWidget(close);
    m_body = new QWidget;
    auto* body = new QVBoxLayout(m_body);
    body->setContentsMargins(0, 0, 0, 0);
    body->addWidget(m_header);
    body->addWidget(m_newer);
    body->addWidget(m_progress);
    body->addWidget(m_list, 1);
    body->addLayout(noteRow);
    body->addLayout(buttons);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_resumeBar);
    layout->addWidget(m_body, 1);
    clear();
}

void RunPanel::clear()
{
    m_sop.reset();
    m_steps = 0;
    m_run.reset();
    m_resumable.reset();
    m_list->clear();
    m_note->clear();
    m_error->clear();
    setVisible(false);
}

void RunPanel::setAside()
{
    m_run.reset();
    m_note->clear();
    m_error->clear();
    offerResume();
    fill();
}

void RunPanel::showSop(const core::Id& sop, std::size_t steps)
{
    const bool same = m_sop && *m_sop == sop;
    m_sop = sop;
    m_steps = steps;
    if (!same || (m_run && m_run->sop != sop)) {
        m_run.reset(); // set aside: still open in the vault
        m_note->clear();
        m_error->clear();
    }
    offerResume();
    fill();
}

bool RunPanel::canStart() const
{
    return m_sop.has_value() && m_steps > 0 && (!m_run || m_run->finished.has_value());
}

QSet<int> RunPanel::doneBoxes() const
{
    QSet<int> out;
    if (m_run) {
        for (const core::RunStepInfo& s : m_run->steps) {
            if (s.state == core::StepState::Done) {
                out.insert(int(s.n) - 1);
            }
        }
    }
    return out;
}

void RunPanel::offerResume()
{
    m_resumable.reset();
    if (!m_sop || m_run) {
        return;
    }
    auto open = m_controller.openRuns(*m_sop);
    if (!open || open->empty()) {
        return;
    }
    // Mine first, then the newest.
    const std::string me = toStd(m_controller.userName());
    auto best = std::max_element(open->begin(), open->end(), [&](const auto& a, const auto& b) {
        return std::pair(a.startedBy == me, a.started) < std::pair(b.startedBy == me, b.started);
    });
    m_resumable = best->id;
    // One arg() call: a ticket's own "%2" stays text.
    QString text = tr("An open run of this SOP: %1, started by %2 on %3, %4 recorded.")
                       .arg(forWhat(toQString(best->ticket), toQString(best->client)),
                            toQString(best->startedBy), formatTime(best->started),
                            counted(best->done + best->skipped, tr("%1 step"), tr("%1 steps")));
    if (open->size() > 1) {
        text += QLatin1Char(' ') + tr("%1 runs of it are open.").arg(open->size());
    }
    m_resumeText->setText(text);
}

void RunPanel::start(const QString& ticket)
{
    if (!canStart()) {
        return;
    }
    auto* dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("startRunDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Start a run"));
    auto* intro = new QLabel(
        tr("The run follows this SOP's checklist (%1) on its newest version. Each step you "
           "record is signed with your name and the time; the ticket and the client go into the "
           "evidence.")
            .arg(counted(m_steps, tr("%1 step"), tr("%1 steps"))));
    intro->setWordWrap(true);
    auto* ticketField = new QLineEdit(ticket);
    ticketField->setObjectName(QStringLiteral("runTicket"));
    ticketField->setPlaceholderText(tr("e.g. T-1042"));
    ticketField->setMaxLength(int(core::kMaxRunFieldBytes));
    auto* clientField = new QLineEdit;
    clientField->setObjectName(QStringLiteral("runClient"));
    clientField->setPlaceholderText(tr("e.g. Acme Dental"));
    clientField->setMaxLength(int(core::kMaxRunFieldBytes));
    auto* error = errorLabel("startRunError");
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Start run"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("startRunOk"));
    auto* form = new QFormLayout;
    form->addRow(tr("&Ticket:"), ticketField);
    form->addRow(tr("&Client:"), clientField);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(error);
    layout->addWidget(buttons);
    dialog->resize(460, dialog->sizeHint().height());
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [=, this] {
        if (!m_sop) {
            dialog->reject();
            return;
        }
        auto id = m_controller.startRun(*m_sop, ticketField->text().trimmed(),
                                        clientField->text().trimmed());
        if (!id) {
            error->setText(id.error().message); // the dialog stays, its fields with it
            return;
        }
        dialog->accept();
        resume(*id);
        emit message(tr("Run started. Record each step as you do it."));
    });
    (ticket.isEmpty() ? ticketField : clientField)->setFocus();
    dialog->open();
}

void RunPanel::resume(const core::Id& run)
{
    auto info = m_controller.run(run);
    if (!info) {
        emit failed(tr("Cannot open the run"), info.error());
        return;
    }
    m_run = std::move(*info);
    m_resumable.reset();
    m_note->clear();
    m_error->clear();
    fill();
    selectNextOpen();
    m_list->setFocus();
    emit changed();
}

void RunPanel::recorded()
{
    fill();
    emit changed();
}

void RunPanel::fill()
{
    m_resumeBar->setVisible(!m_run && m_resumable.has_value());
    m_body->setVisible(m_run.has_value());
    setVisible(m_run.has_value() || m_resumable.has_value());
    if (!m_run) {
        return;
    }
    const core::RunInfo& run = *m_run;
    const bool open = !run.finished.has_value();
    QString header =
        tr("Run for %1 · version %2 · started by %3 on %4")
            .arg(forWhat(toQString(run.ticket), toQString(run.client)),
                 QString::number(run.version), toQString(run.startedBy), formatTime(run.started));
    if (!open) {
        header +=
            QLatin1Char(' ') +
            tr("· finished by %1 on %2").arg(toQString(run.finishedBy), formatTime(*run.finished));
    }
    m_header->setText(QStringLiteral("<b>%1</b>").arg(header.toHtmlEscaped()));
    m_newer->setText(
        run.newerVersion()
            ? tr("The SOP has changed since this run started: it is at version %1 now. The run "
                 "goes on with version %2, the text it started on. <a href=\"#\">What changed</a>")
                  .arg(run.headVersion)
                  .arg(run.version)
            : QString());
    m_newer->setVisible(run.newerVersion());

    const auto done = run.count(core::StepState::Done);
    const auto skipped = run.count(core::StepState::Skipped);
    const auto total = run.steps.size();
    m_progress->setRange(0, int(std::max<std::size_t>(total, 1)));
    m_progress->setValue(int(done + skipped));
    m_progress->setFormat(skipped > 0
                              ? tr("%1 of %2 done, %3 skipped").arg(done).arg(total).arg(skipped)
                              : tr("%1 of %2 done").arg(done).arg(total));

    const auto selected = selectedStep();
    m_list->clear();
    for (const core::RunStepInfo& s : run.steps) {
        auto* item = new QTreeWidgetItem(
            m_list, {QString::number(s.n), toQString(s.text), stateText(s.state), toQString(s.by),
                     s.time ? formatTime(*s.time) : QString(), toQString(s.note)});
        item->setData(0, kStepRole, s.n);
        item->setToolTip(1, toQString(s.text));
        item->setToolTip(5, toQString(s.note));
        if (s.state != core::StepState::Open) {
            item->setForeground(1, palette().placeholderText());
        }
        if (selected && *selected == s.n) {
            m_list->setCurrentItem(item);
        }
    }
    for (QPushButton* b : {m_done, m_skip, m_finish}) {
        b->setEnabled(open);
    }
    m_note->setEnabled(open);
}

void RunPanel::setMayExport(bool may)
{
    // Only the button: the step list need not be drawn again each time the reader's rights are.
    m_export->setEnabled(may);
    m_export->setToolTip(
        may ? tr("Save the run's evidence as an HTML page or a Markdown file, watermarked")
            : tr("You do not have the export right on this collection. Copy evidence puts the "
                 "same ticket note on the clipboard."));
}

std::optional<std::uint32_t> RunPanel::selectedStep() const
{
    const QTreeWidgetItem* item = m_list->currentItem();
    if (item == nullptr) {
        return std::nullopt;
    }
    return item->data(0, kStepRole).toUInt();
}

void RunPanel::selectNextOpen()
{
    if (!m_run) {
        return;
    }
    for (const core::RunStepInfo& s : m_run->steps) {
        if (s.state == core::StepState::Open) {
            QTreeWidgetItem* item = m_list->topLevelItem(int(s.n) - 1);
            m_list->setCurrentItem(item);
            m_list->scrollToItem(item);
            return;
        }
    }
}

void RunPanel::tick(std::uint32_t step)
{
    if (!m_run || m_run->finished || step == 0 || step > m_run->steps.size()) {
        return;
    }
    if (m_run->steps[step - 1].state != core::StepState::Open) {
        emit message(tr("Step %1 is already recorded as %2; a run keeps each step once.")
                         .arg(step)
                         .arg(stateText(m_run->steps[step - 1].state)));
        return;
    }
    m_list->setCurrentItem(m_list->topLevelItem(int(step) - 1));
    record(core::StepState::Done);
}

void RunPanel::record(core::StepState state)
{
    const auto step = selectedStep();
    if (!m_run || m_run->finished || !step) {
        return;
    }
    auto written = m_controller.runStep(m_run->id, *step, state, m_note->text().trimmed());
    if (!written) {
        m_error->setText(written.error().message);
        return;
    }
    // What core recorded, shown without reading the run again (each read is audited).
    core::RunStepInfo& s = m_run->steps[*step - 1];
    s.state = state;
    s.by = toStd(m_controller.userName());
    s.time = m_controller.now();
    s.note = toStd(m_note->text().trimmed());
    m_error->clear();
    m_note->clear();
    recorded();
    selectNextOpen();
    if (m_run && m_run->count(core::StepState::Open) == 0) {
        emit message(tr("Every step is recorded: finish the run to sign it."));
    }
}

void RunPanel::finish()
{
    if (!m_run || m_run->finished) {
        return;
    }
    const auto open = m_run->count(core::StepState::Open);
    QMessageBox box(QMessageBox::Question, tr("Finish the run"),
                    open > 0 ? counted(open, tr("%1 step is still open. Finish the run anyway?"),
                                       tr("%1 steps are still open. Finish the run anyway?"))
                             : tr("Finish the run and sign it?"),
                    QMessageBox::NoButton, this);
    box.setInformativeText(
        open > 0 ? tr("The evidence will show them as not done, and no step can be recorded "
                      "after the finish.")
                 : tr("No step can be recorded after the finish."));
    auto* yes = box.addButton(tr("Finish run"), QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(open > 0 ? qobject_cast<QPushButton*>(box.button(QMessageBox::Cancel))
                                  : yes);
    const core::Id id = m_run->id;
    box.exec();
    // The box waited in an event loop of its own: an idle lock or another SOP may have come.
    if (box.clickedButton() != yes || !m_controller.isUnlocked() || !m_run || m_run->id != id) {
        return;
    }
    auto finished = m_controller.finishRun(id);
    if (!finished) {
        m_error->setText(finished.error().message);
        return;
    }
    m_run->finished = m_controller.now();
    m_run->finishedBy = toStd(m_controller.userName());
    recorded();
    emit message(tr("Run finished and signed. Copy the evidence into the ticket."));
}

void RunPanel::copyEvidence()
{
    if (!m_run) {
        return;
    }
    auto text = m_controller.runEvidenceText(m_run->id);
    if (!text) {
        m_error->setText(text.error().message);
        return;
    }
    // Exempt from the copy limits: step titles only, never the SOP's text.
    QApplication::clipboard()->setText(*text);
    emit message(tr("Evidence copied: paste it into the ticket."));
}

void RunPanel::exportEvidence()
{
    if (!m_run) {
        return;
    }
    ExportDialog dialog(m_controller, *m_run, this);
    if (dialog.exec() == QDialog::Accepted) {
        emit message(dialog.doneMessage());
    }
}

void RunPanel::close()
{
    const bool wasOpen = m_run && !m_run->finished;
    m_run.reset();
    m_note->clear();
    m_error->clear();
    offerResume();
    fill();
    emit changed();
    if (wasOpen) {
        emit message(tr("The run stays open: resume it from this SOP."));
    }
}

} // namespace sopvault::desktop
