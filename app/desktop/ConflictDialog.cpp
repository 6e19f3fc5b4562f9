// The conflict dialog: the list of conflicts core reports (shown when there is a choice), both
// sides as Markdown source side by side with core's line diff marked, in browsers that never let
// the whole text out, and the decisions sent back through the controller.
#include "ConflictDialog.h"

#include "SafeBrowser.h"
#include "Widgets.h"

#include <QAbstractTextDocumentLayout>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace sopvault::desktop {

namespace {

SafeBrowser* sourceView(const char* name)
{
    auto* view = new SafeBrowser;
    view->setObjectName(QString::fromLatin1(name));
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // Unwrapped, so row n is line n on both sides and they scroll together.
    view->setLineWrapMode(QTextEdit::NoWrap);
    return view;
}

QString sideTitle(const QString& whose, const core::SopVersionView& v)
{
    return ConflictDialog::tr("<b>%1</b> · version %2 · %3 · %4")
        .arg(whose)
        .arg(v.version)
        .arg(toQString(v.author).toHtmlEscaped(), formatTime(v.time));
}

} // namespace

ConflictDialog::ConflictDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("conflictDialog"));
    setWindowTitle(tr("Conflicting edits"));
    resize(1100, 680);
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("conflictList"));
    m_list->setMaximumHeight(110);
    m_list->setVisible(false);
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("conflictSummary"));
    m_summary->setWordWrap(true);
    m_mineTitle = new QLabel;
    m_mineTitle->setObjectName(QStringLiteral("mineTitle"));
    m_theirsTitle = new QLabel;
    m_theirsTitle->setObjectName(QStringLiteral("theirsTitle"));
    m_mineText = sourceView("mineText");
    m_theirsText = sourceView("theirsText");
    m_error = errorLabel("error");
    m_keepMine = namedButton(tr("Keep &mine"), "keepMine");
    m_keepMine->setToolTip(tr("Your edit becomes a new version on top of theirs."));
    m_keepTheirs = namedButton(tr("Keep &theirs"), "keepTheirs");
    m_keepTheirs->setToolTip(tr("Your edit is dropped; theirs stays the newest version."));
    m_merge = namedButton(tr("Merge in the &editor…"), "mergeInEditor");
    m_merge->setToolTip(tr("Opens the editor with your text; saving it puts the merged text on "
                           "top of theirs."));
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);

    auto* sides = new QGridLayout;
    sides->addWidget(m_mineTitle, 0, 0);
    sides->addWidget(m_theirsTitle, 0, 1);
    sides->addWidget(m_mineText, 1, 0);
    sides->addWidget(m_theirsText, 1, 1);
    sides->setRowStretch(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_list);
    layout->addWidget(m_summary);
    layout->addLayout(sides, 1);
    layout->addWidget(m_error);
    layout->addWidget(new ButtonRow({m_keepMine, m_keepTheirs, m_merge}, {close}));

    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_list, &QListWidget::currentRowChanged, this, &ConflictDialog::select);
    for (auto [from, to] :
         {std::pair{m_mineText, m_theirsText}, std::pair{m_theirsText, m_mineText}}) {
        connect(from->verticalScrollBar(), &QScrollBar::valueChanged, to->verticalScrollBar(),
                &QScrollBar::setValue);
        connect(from->horizontalScrollBar(), &QScrollBar::valueChanged, to->horizontalScrollBar(),
                &QScrollBar::setValue);
    }
    connect(m_keepMine, &QPushButton::clicked, this, &ConflictDialog::keepMine);
    connect(m_keepTheirs, &QPushButton::clicked, this, &ConflictDialog::keepTheirs);
    connect(m_merge, &QPushButton::clicked, this, &ConflictDialog::mergeInEditor);
    load();
}

int ConflictDialog::conflictCount() const
{
    return int(m_conflicts.size());
}

void ConflictDialog::load()
{
    m_conflicts.clear();
    m_list->clear();
    auto open = m_controller.conflicts();
    if (!open) {
        m_error->setText(open.error().message);
    } else {
        m_conflicts = std::move(*open);
    }
    for (const auto& c : m_conflicts) {
        m_list->addItem(tr("%1: your version %2 against version %3")
                            .arg(toQString(c.title))
                            .arg(c.mine)
                            .arg(c.theirs));
    }
    const bool any = !m_conflicts.empty();
    // A list of one is no choice: the summary names the SOP.
    m_list->setVisible(m_conflicts.size() > 1);
    if (any) {
        m_list->setCurrentRow(0);
    } else {
        m_current.reset();
        m_mine.reset();
        m_summary->setText(tr("No conflicts left: every edit made here is on the shared "
                              "history."));
        m_mineTitle->clear();
        m_theirsTitle->clear();
        m_mineText->clear();
        m_theirsText->clear();
    }
    m_keepMine->setEnabled(any);
    m_keepTheirs->setEnabled(any);
    m_merge->setEnabled(any);
}

void ConflictDialog::select(int row)
{
    if (row < 0 || row >= int(m_conflicts.size())) {
        return;
    }
    const core::SyncConflict& conflict = m_conflicts[std::size_t(row)];
    m_error->clear();
    auto mine = m_controller.conflictingEdit(conflict.sop);
    if (!mine) {
        m_error->setText(mine.error().message);
        return;
    }
    auto theirs = m_controller.readSop(conflict.sop, {}, tr("resolving a conflict"));
    if (!theirs) {
        m_error->setText(theirs.error().message);
        return;
    }
    showConflict(conflict, *mine, *theirs);
}

void ConflictDialog::showConflict(const core::SyncConflict& conflict,
                                  const core::SopVersionView& mine,
                                  const core::SopVersionView& theirs)
{
    m_current = conflict;
    m_mine = mine;
    m_summary->setText(
        tr("You edited <b>%1</b> from the same version as someone else, and theirs reached "
           "the server first. Nothing was overwritten: choose what the shared history keeps.")
            .arg(toQString(conflict.title).toHtmlEscaped()));
    const SideBySide sides = sideBySide(core::lineDiff(mine.body, theirs.body));
    m_mineTitle->setText(sideTitle(tr("Mine"), mine) +
                         tr(" · %n line(s) only here", nullptr, sides.changedLeft));
    m_theirsTitle->setText(sideTitle(tr("Theirs"), theirs) +
                           tr(" · %n line(s) only here", nullptr, sides.changedRight));
    m_mineText->setHtml(sides.left);
    m_theirsText->setHtml(sides.right);
    // Open at the first difference, a few lines of context above it (the other side follows);
    // once laid out, since a view not yet shown has nothing to scroll.
    QTimer::singleShot(
        0, this,
        [this, row = std::max(sides.firstChange - 3, 0), changed = sides.firstChange >= 0] {
            const QTextBlock block = m_theirsText->document()->findBlockByNumber(row);
            if (changed && block.isValid()) {
                const qreal top =
                    m_theirsText->document()->documentLayout()->blockBoundingRect(block).top();
                m_theirsText->verticalScrollBar()->setValue(int(top));
            }
        });
    m_keepMine->setEnabled(true);
    m_keepTheirs->setEnabled(true);
    m_merge->setEnabled(true);
}

void ConflictDialog::settle(core::Keep keep)
{
    if (!m_current) {
        return;
    }
    const core::Id sop = m_current->sop;
    auto version = m_controller.resolveConflict(sop, keep);
    if (!version) {
        m_error->setText(version.error().message);
        return;
    }
    emit resolved(sop, *version);
    load();
    if (m_conflicts.empty()) {
        accept();
    }
}

void ConflictDialog::keepMine()
{
    settle(core::Keep::Mine);
}

void ConflictDialog::keepTheirs()
{
    settle(core::Keep::Theirs);
}

void ConflictDialog::mergeInEditor()
{
    if (!m_current || !m_mine) {
        return;
    }
    emit mergeRequested(m_current->sop, *m_mine);
    accept();
}

} // namespace sopvault::desktop
