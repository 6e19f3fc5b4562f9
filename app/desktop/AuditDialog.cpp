// The audit log view: core's entries for the chosen period, filtered here by person, action and
// text; core's reading-burst alerts above them.
#include "AuditDialog.h"

#include "Widgets.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace sopvault::desktop {
AuditDialog::AuditDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("auditDialog"));
    setWindowTitle(tr("Audit log"));
    resize(960, 560);

    m_period = periodCombo("auditPeriod", {7, 30, 90}, 30);
    m_person = new QComboBox;
    m_person->setObjectName(QStringLiteral("auditPerson"));
    m_action = new QComboBox;
    m_action->setObjectName(QStringLiteral("auditAction"));
    m_text = new QLineEdit;
    m_text->setObjectName(QStringLiteral("auditText"));
    m_text->setPlaceholderText(tr("Ticket, SOP title, file name…"));
    m_text->setClearButtonEnabled(true);

    auto* filters = new QHBoxLayout;
    auto* periodLabel = new QLabel(tr("&Period:"));
    periodLabel->setBuddy(m_period);
    auto* personLabel = new QLabel(tr("P&erson:"));
    personLabel->setBuddy(m_person);
    auto* actionLabel = new QLabel(tr("&Action:"));
    actionLabel->setBuddy(m_action);
    auto* textLabel = new QLabel(tr("&Find:"));
    textLabel->setBuddy(m_text);
    for (QWidget* w : std::initializer_list<QWidget*>{periodLabel, m_period, personLabel, m_person,
                                                      actionLabel, m_action, textLabel}) {
        filters->addWidget(w);
    }
    filters->addWidget(m_text, 1);

    m_alerts = new QLabel;
    m_alerts->setObjectName(QStringLiteral("auditAlerts"));
    m_alerts->setWordWrap(true);
    m_alerts->setTextFormat(Qt::RichText);
    m_error = errorLabel("auditError");
    m_list = namedTree("auditList", {tr("When"), tr("Person"), tr("Action"), tr("Detail")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setSectionResizeMode(3, QHeaderView::Stretch);
    m_list->header()->setStretchLastSection(true);
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("auditCount"));
    m_count->setStyleSheet(mutedStyle());

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_count, 1);
    bottom->addWidget(buttons);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(m_alerts);
    layout->addWidget(m_error);
    layout->addWidget(m_list, 1);
    layout->addLayout(bottom);

    connect(m_period, &QComboBox::currentIndexChanged, this, &AuditDialog::reload);
    // Gone at a lock (what it shows is the owner's), greyed while a sync holds the Session.
    connect(&m_controller, &VaultController::locked, this, &QDialog::close);
    connect(&m_controller, &VaultController::busyChanged, this,
            [this](bool busy) { setEnabled(!busy); });
    connect(m_person, &QComboBox::currentIndexChanged, this, &AuditDialog::refilter);
    connect(m_action, &QComboBox::currentIndexChanged, this, &AuditDialog::refilter);
    connect(m_text, &QLineEdit::textChanged, this, &AuditDialog::refilter);
    reload();
}

void AuditDialog::reload()
{
    core::AuditFilter filter;
    filter.since = periodStart(*m_period, m_controller.now());
    m_error->clear();
    auto entries = m_controller.audit(filter);
    if (!entries) {
        m_entries.clear();
        m_error->setText(entries.error().message);
    } else {
        m_entries = std::move(*entries);
    }
    std::sort(m_entries.begin(), m_entries.end(),
              [](const core::AuditEntry& a, const core::AuditEntry& b) { return a.seq > b.seq; });

    // The choices are the people and actions of the period, each kept when still there.
    const QString person = m_person->currentData().toString();
    const QString action = m_action->currentData().toString();
    QStringList people;
    QStringList actions;
    for (const core::AuditEntry& e : m_entries) {
        people << toQString(e.actor);
        actions << toQString(e.action);
    }
    people.removeDuplicates();
    actions.removeDuplicates();
    people.sort(Qt::CaseInsensitive);
    actions.sort();
    const QSignalBlocker blockPerson(m_person);
    const QSignalBlocker blockAction(m_action);
    m_person->clear();
    m_person->addItem(tr("Everyone"), QString());
    for (const QString& p : people) {
        m_person->addItem(p, p);
    }
    m_person->setCurrentIndex(std::max(0, m_person->findData(person)));
    m_action->clear();
    m_action->addItem(tr("Every action"), QString());
    for (const QString& a : actions) {
        m_action->addItem(a, a);
    }
    m_action->setCurrentIndex(std::max(0, m_action->findData(action)));

    QStringList alerts;
    if (auto found = m_controller.viewAlerts()) {
        for (const core::ViewAlert& a : *found) {
            if (filter.since && a.to < *filter.since) {
                continue;
            }
            alerts << tr("<b>%1</b> read %2 SOPs (%3 reads) between %4 and %5.")
                          .arg(toQString(a.actor).toHtmlEscaped(), QString::number(a.sops),
                               QString::number(a.reads), formatTime(a.from), formatTime(a.to));
        }
    }
    m_alerts->setText(alerts.isEmpty()
                          ? QString()
                          : tr("<b>Unusual reading:</b> %1").arg(alerts.join(QStringLiteral(" "))));
    m_alerts->setVisible(!alerts.isEmpty());
    refilter();
}

void AuditDialog::refilter()
{
    const QString person = m_person->currentData().toString();
    const QString action = m_action->currentData().toString();
    const QString text = m_text->text().trimmed();
    m_list->setUpdatesEnabled(false);
    m_list->clear();
    QList<QTreeWidgetItem*> items;
    for (const core::AuditEntry& e : m_entries) {
        const QString actor = toQString(e.actor);
        const QString what = toQString(e.action);
        const QString detail = toQString(e.detail);
        if ((!person.isEmpty() && actor != person) || (!action.isEmpty() && what != action)) {
            continue;
        }
        if (!text.isEmpty() && !detail.contains(text, Qt::CaseInsensitive) &&
            !toQString(e.target).contains(text, Qt::CaseInsensitive)) {
            continue;
        }
        auto* item = new QTreeWidgetItem({formatTime(e.time), actor, what, detail});
        item->setToolTip(3, detail);
        items << item;
    }
    m_list->addTopLevelItems(items);
    m_list->setUpdatesEnabled(true);
    m_count->setText(tr("%1 of %2 entries in this period").arg(items.size()).arg(m_entries.size()));
}

int AuditDialog::shown() const
{
    return m_list->topLevelItemCount();
}

} // namespace sopvault::desktop
