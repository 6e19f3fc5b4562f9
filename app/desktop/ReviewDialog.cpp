// The review dashboard and the flags list; sign-off opens SignoffDialog.
#include "ReviewDialog.h"

#include "SignoffDialog.h"
#include "Widgets.h"

#include <QDateEdit>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTimeZone>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sopvault::desktop {

namespace {

QColor statusColour(core::ReviewStatus s)
{
    switch (s) {
    case core::ReviewStatus::Overdue:
        return themed(QColor(0xb0, 0x00, 0x20), QColor(0xff, 0x8a, 0x80));
    case core::ReviewStatus::Due:
        return themed(QColor(0xc0, 0x5a, 0x00), QColor(0xff, 0xb7, 0x4d));
    case core::ReviewStatus::DueSoon:
        return themed(QColor(0x8a, 0x6d, 0x00), QColor(0xe6, 0xcc, 0x5c));
    case core::ReviewStatus::Ok:
        break;
    }
    return themed(QColor(0x2e, 0x7d, 0x32), QColor(0x81, 0xc7, 0x84));
}

std::optional<core::Id> idOf(const QTreeWidgetItem* item)
{
    if (item == nullptr) {
        return std::nullopt;
    }
    return item->data(0, kReviewIdRole).value<core::Id>();
}

} // namespace

ReviewDialog::ReviewDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("reviewDialog"));
    setWindowTitle(tr("Reviews"));
    resize(1000, 600);
    auto* tabs = new QTabWidget;
    tabs->addTab(buildDuePage(), tr("Due for review"));
    tabs->addTab(buildFlagPage(), tr("Flags from technicians"));
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_asOf, &QDateEdit::dateChanged, this, &ReviewDialog::load);
    connect(m_signoff, &QPushButton::clicked, this, &ReviewDialog::signOffSelected);
    connect(m_resolve, &QPushButton::clicked, this, &ReviewDialog::resolveSelectedFlag);
    load();
}

QWidget* ReviewDialog::buildDuePage()
{
    m_asOf =
        new QDateEdit(QDateTime::fromSecsSinceEpoch(m_controller.now(), QTimeZone::utc()).date());
    m_asOf->setObjectName(QStringLiteral("asOf"));
    m_asOf->setCalendarPopup(true);
    m_asOf->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_due = namedTree("dueList", {tr("SOP"), tr("Collection"), tr("Due"), tr("Status"),
                                  tr("Since last review"), tr("Open flags")});
    m_signoff = namedButton(tr("&Sign off…"), "signoffButton");
    auto* open = namedButton(tr("&Open SOP"), "openButton");
    connect(open, &QPushButton::clicked, this, [this] {
        if (auto id = idOf(m_due->currentItem())) {
            emit openRequested(*id);
            accept();
        }
    });
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("As of")));
    top->addWidget(m_asOf);
    top->addStretch();
    top->addWidget(open);
    top->addWidget(m_signoff);
    layout->addLayout(top);
    layout->addWidget(m_due);
    return page;
}

QWidget* ReviewDialog::buildFlagPage()
{
    m_flags = namedTree("flagList", {tr("SOP"), tr("By"), tr("Date"), tr("Comment"), tr("State")});
    m_resolve = namedButton(tr("&Resolve flag…"), "resolveButton");
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_flags);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_resolve);
    layout->addLayout(buttons);
    return page;
}

void ReviewDialog::load()
{
    const QDate d = m_asOf->date();
    const core::Timestamp asOf = QDateTime(d, QTime(12, 0), QTimeZone::utc()).toSecsSinceEpoch();
    m_due->clear();
    if (auto due = m_controller.reviewsDue(asOf, 30)) {
        for (const auto& item : *due) {
            if (item.attestation) {
                continue; // a reading to attest, not a review to sign off
            }
            auto* row = new QTreeWidgetItem(
                m_due, {toQString(item.title), toQString(item.collection), formatDate(item.due),
                        toQString(core::statusName(item.status)),
                        item.changedSinceReview ? tr("changed") : QString(),
                        item.openFlags > 0 ? QString::number(item.openFlags) : QString()});
            row->setData(0, kReviewIdRole, QVariant::fromValue(item.id));
            row->setForeground(3, statusColour(item.status));
        }
    }
    m_flags->clear();
    if (auto flags = m_controller.openFlags()) {
        for (const auto& f : *flags) {
            auto* row = new QTreeWidgetItem(m_flags, {toQString(f.sopTitle), toQString(f.author),
                                                      formatDate(f.time), toQString(f.comment),
                                                      f.resolved ? tr("resolved") : tr("open")});
            row->setData(0, kReviewIdRole, QVariant::fromValue(f.id));
        }
    }
    m_signoff->setEnabled(m_due->topLevelItemCount() > 0);
    m_resolve->setEnabled(m_flags->topLevelItemCount() > 0);
    if (m_due->topLevelItemCount() > 0) {
        m_due->setCurrentItem(m_due->topLevelItem(0));
    }
}

void ReviewDialog::signOffSelected()
{
    const auto id = idOf(m_due->currentItem());
    if (!id) {
        return;
    }
    SignoffDialog dialog(m_controller, *id, this);
    if (dialog.exec() == QDialog::Accepted) {
        load();
    }
}

void ReviewDialog::resolveSelectedFlag()
{
    const auto id = idOf(m_flags->currentItem());
    if (!id) {
        return;
    }
    bool ok = false;
    const QString note = QInputDialog::getText(this, tr("Resolve flag"), tr("What was done?"),
                                               QLineEdit::Normal, {}, &ok);
    if (!ok || note.trimmed().isEmpty()) {
        return;
    }
    if (auto done = m_controller.resolveFlag(*id, note); !done) {
        warn(this, done.error());
    }
    load();
}

} // namespace sopvault::desktop
