// The owners' dashboard: usage (views and runs per SOP, the stale ones still used) and coverage
// (a PSA export's top ticket categories against the SOPs tagged for them), each a chart above a
// list.
#include "DashboardDialog.h"

#include "Widgets.h"

#include "sopvault/core/Reports.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace sopvault::desktop {

namespace {

constexpr int kChartRows = 10;              // the top ten: what a chart can say at a glance
constexpr qint64 kMaxCsvBytes = 32LL << 20; // a year of tickets from a large PSA fits

QColor firstColour()
{
    return themed(QColor(0x2f, 0x6f, 0xb5), QColor(0x7a, 0xb0, 0xf0));
}

QColor secondColour()
{
    return themed(QColor(0x2e, 0x8b, 0x57), QColor(0x7e, 0xd6, 0x9e));
}

QColor alertColour()
{
    return themed(QColor(0xc0, 0x39, 0x2b), QColor(0xff, 0x8a, 0x80));
}

QString reviewText(core::ReviewStatus s)
{
    switch (s) {
    case core::ReviewStatus::Ok:
        return QCoreApplication::translate("DashboardDialog", "reviewed");
    case core::ReviewStatus::DueSoon:
        return QCoreApplication::translate("DashboardDialog", "due soon");
    case core::ReviewStatus::Due:
        return QCoreApplication::translate("DashboardDialog", "due");
    case core::ReviewStatus::Overdue:
        break;
    }
    return QCoreApplication::translate("DashboardDialog", "overdue");
}

constexpr int kRowHeight = 22;
constexpr int kLegendHeight = 24;

} // namespace

BarChart::BarChart(QString firstName, QString secondName, QString empty, QWidget* parent)
    : QWidget(parent), m_firstName(std::move(firstName)), m_secondName(std::move(secondName)),
      m_empty(std::move(empty))
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void BarChart::setBars(std::vector<Bar> bars)
{
    m_bars = std::move(bars);
    updateGeometry();
    update();
}

QSize BarChart::sizeHint() const
{
    return {520, minimumSizeHint().height()};
}

QSize BarChart::minimumSizeHint() const
{
    const int rows = std::max<int>(1, int(m_bars.size()));
    return {320, kLegendHeight + rows * kRowHeight + 8};
}

void BarChart::paintEvent(QPaintEvent* /*event*/)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm(font());
    const QColor text = palette().color(QPalette::WindowText);

    // The legend: a swatch and a name for each part, and the alert colour's meaning.
    int x = 4;
    auto swatch = [&](const QColor& c, const QString& name) {
        p.fillRect(QRect(x, 6, 12, 12), c);
        x += 16;
        p.setPen(text);
        p.drawText(QRect(x, 0, fm.horizontalAdvance(name) + 4, kLegendHeight),
                   Qt::AlignVCenter | Qt::AlignLeft, name);
        x += fm.horizontalAdvance(name) + 16;
    };
    swatch(firstColour(), m_firstName);
    if (!m_secondName.isEmpty()) {
        swatch(secondColour(), m_secondName);
    }
    if (m_bars.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(QRect(0, kLegendHeight, width(), kRowHeight), Qt::AlignCenter, m_empty);
        return;
    }

    double top = 0;
    for (const Bar& b : m_bars) {
        top = std::max(top, b.first + b.second);
    }
    top = std::max(top, 1.0);
    // The labels take up to a third of the width, elided; the bars the rest, with the number.
    int labelWidth = 0;
    for (const Bar& b : m_bars) {
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(b.label));
    }
    labelWidth = std::min(labelWidth + 8, width() / 3);
    const int numberWidth = fm.horizontalAdvance(QStringLiteral("000000")) + 8;
    const int barSpace = std::max(10, width() - labelWidth - numberWidth - 8);
    int y = kLegendHeight;
    for (const Bar& b : m_bars) {
        p.setPen(text);
        p.drawText(QRect(0, y, labelWidth - 8, kRowHeight), Qt::AlignVCenter | Qt::AlignRight,
                   fm.elidedText(b.label, Qt::ElideRight, labelWidth - 8));
        const int w1 = int(barSpace * (b.first / top));
        const int w2 = int(barSpace * (b.second / top));
        const QRect bar1(labelWidth, y + 4, w1, kRowHeight - 8);
        p.fillRect(bar1, b.alert && m_secondName.isEmpty() ? alertColour() : firstColour());
        if (w2 > 0) {
            p.fillRect(QRect(labelWidth + w1, y + 4, w2, kRowHeight - 8), secondColour());
        }
        if (b.alert && !m_secondName.isEmpty()) {
            p.setPen(QPen(alertColour(), 2));
            p.drawRect(QRect(labelWidth, y + 4, std::max(w1 + w2, 2), kRowHeight - 8));
        }
        p.setPen(text);
        p.drawText(QRect(labelWidth + w1 + w2 + 6, y, numberWidth, kRowHeight),
                   Qt::AlignVCenter | Qt::AlignLeft, QString::number(b.first + b.second));
        y += kRowHeight;
    }
}

DashboardDialog::DashboardDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("dashboardDialog"));
    setWindowTitle(tr("Dashboard"));
    resize(900, 640);

    // Usage: the period, the chart of the most used, the list of every SOP used.
    m_period = periodCombo("dashboardPeriod", {30, 90, 365}, 90);
    auto* periodLabel = new QLabel(tr("&Period:"));
    periodLabel->setBuddy(m_period);
    m_usageSummary = new QLabel;
    m_usageSummary->setObjectName(QStringLiteral("usageSummary"));
    m_usageSummary->setWordWrap(true);
    m_usageError = errorLabel("usageError");
    m_usageChart =
        new BarChart(tr("Views"), tr("Runs"), tr("No SOP was read or run in this period."));
    m_usageChart->setObjectName(QStringLiteral("usageChart"));
    m_usageList = namedTree("usageList", {tr("SOP"), tr("Views"), tr("Runs"), tr("Review"),
                                          tr("Open flags"), tr("Fix first")});
    m_usageList->setRootIsDecorated(false);
    m_usageList->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_usageList->header()->setStretchLastSection(false);
    auto* periodRow = new QHBoxLayout;
    periodRow->addWidget(periodLabel);
    periodRow->addWidget(m_period);
    periodRow->addWidget(m_usageSummary, 1);
    auto* usage = new QWidget;
    auto* usageLayout = new QVBoxLayout(usage);
    usageLayout->addLayout(periodRow);
    usageLayout->addWidget(m_usageError);
    usageLayout->addWidget(m_usageChart);
    usageLayout->addWidget(m_usageList, 1);

    // Coverage: a ticket export chosen, the chart of its top categories, the list of them all.
    auto* open = namedButton(tr("&Open a ticket export…"), "coverageOpen");
    open->setToolTip(tr("A CSV from your PSA: a category and a count column, or one row per "
                        "ticket with a category column"));
    m_coverageSummary = new QLabel(
        tr("Open a ticket export from your PSA to see which of your top ticket categories have a "
           "published, reviewed SOP. SOPs count for a category when they carry its tag."));
    m_coverageSummary->setObjectName(QStringLiteral("coverageSummary"));
    m_coverageSummary->setWordWrap(true);
    m_coverageError = errorLabel("coverageError");
    m_coverageChart = new BarChart(tr("Tickets"), QString(), tr("No ticket export opened yet."));
    m_coverageChart->setObjectName(QStringLiteral("coverageChart"));
    m_coverageList = namedTree("coverageList",
                               {tr("Category"), tr("Tickets"), tr("Covered"), tr("SOPs tagged")});
    m_coverageList->setRootIsDecorated(false);
    m_coverageList->header()->setSectionResizeMode(3, QHeaderView::Stretch);
    m_coverageList->header()->setStretchLastSection(false);
    auto* openRow = new QHBoxLayout;
    openRow->addWidget(open);
    openRow->addWidget(m_coverageSummary, 1);
    auto* coverage = new QWidget;
    auto* coverageLayout = new QVBoxLayout(coverage);
    coverageLayout->addLayout(openRow);
    coverageLayout->addWidget(m_coverageError);
    coverageLayout->addWidget(m_coverageChart);
    coverageLayout->addWidget(m_coverageList, 1);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("dashboardTabs"));
    m_tabs->addTab(usage, tr("&Usage"));
    m_tabs->addTab(coverage, tr("&Coverage"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(buttons);

    connect(m_period, &QComboBox::currentIndexChanged, this, &DashboardDialog::reloadUsage);
    // Gone at a lock (what it shows is the owner's), greyed while a sync holds the Session.
    connect(&m_controller, &VaultController::locked, this, &QDialog::close);
    connect(&m_controller, &VaultController::busyChanged, this,
            [this](bool busy) { setEnabled(!busy); });
    connect(open, &QPushButton::clicked, this, &DashboardDialog::chooseCoverageFile);
    reloadUsage();
}

void DashboardDialog::reloadUsage()
{
    const std::optional<core::Timestamp> since = periodStart(*m_period, m_controller.now());
    m_usageError->clear();
    m_usageList->clear();
    auto rows = m_controller.usage(since);
    if (!rows) {
        m_usageError->setText(rows.error().message);
        m_usageChart->setBars({});
        m_usageSummary->clear();
        return;
    }
    std::vector<BarChart::Bar> bars;
    std::size_t fixFirst = 0;
    std::uint64_t views = 0;
    std::uint64_t runs = 0;
    for (const core::UsageRow& r : *rows) {
        views += r.views;
        runs += r.runs;
        fixFirst += r.staleButUsed ? 1 : 0;
        if (bars.size() < kChartRows && r.views + r.runs > 0) {
            bars.push_back({toQString(r.title), double(r.views), double(r.runs), r.staleButUsed});
        }
        auto* item = new QTreeWidgetItem(
            m_usageList,
            {toQString(r.title), QString::number(r.views), QString::number(r.runs),
             reviewText(r.reviewStatus), r.openFlags > 0 ? QString::number(r.openFlags) : QString(),
             r.staleButUsed ? tr("yes") : QString()});
        for (int c : {1, 2, 4}) {
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        }
        if (r.staleButUsed) {
            item->setForeground(5, alertColour());
            item->setToolTip(5, tr("Used while overdue for review or flagged as wrong"));
        }
    }
    m_usageChart->setBars(std::move(bars));
    QString summary = tr("%1 and %2 in this period.")
                          .arg(counted(views, tr("%1 view"), tr("%1 views")),
                               counted(runs, tr("%1 run"), tr("%1 runs")));
    if (fixFirst > 0) {
        summary +=
            QLatin1Char(' ') +
            counted(fixFirst, tr("%1 SOP is still used while overdue or flagged: fix it first."),
                    tr("%1 SOPs are still used while overdue or flagged: fix them first."));
    }
    m_usageSummary->setText(summary);
}

void DashboardDialog::chooseCoverageFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a ticket export"), QString(),
                                                      tr("CSV files (*.csv);;All files (*)"));
    if (!path.isEmpty()) {
        loadCoverage(path);
    }
}

bool DashboardDialog::loadCoverage(const QString& path)
{
    m_coverageError->clear();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_coverageError->setText(tr("%1 cannot be read (%2). Choose the CSV your PSA exported.")
                                     .arg(QDir::toNativeSeparators(path), file.errorString()));
        return false;
    }
    if (file.size() > kMaxCsvBytes) {
        m_coverageError->setText(tr("%1 is larger than 32 MB: export a shorter period, or the "
                                    "categories with their counts.")
                                     .arg(QDir::toNativeSeparators(path)));
        return false;
    }
    auto rows = m_controller.coverage(file.readAll());
    if (!rows) {
        m_coverageError->setText(rows.error().message); // what stood before stays
        return false;
    }
    m_coverageList->clear();
    std::vector<BarChart::Bar> bars;
    std::size_t uncovered = 0;
    const std::size_t top = std::min<std::size_t>(rows->size(), kChartRows);
    for (std::size_t i = 0; i < rows->size(); ++i) {
        const core::CoverageRow& r = (*rows)[i];
        QStringList sops;
        for (const core::CoveredSop& s : r.sops) {
            // Covered needs an approval on record, not only a review date still ahead.
            const QString review = s.reviewed ? tr("reviewed")
                                   : s.reviewStatus == core::ReviewStatus::Overdue
                                       ? tr("review overdue")
                                       : tr("never reviewed");
            sops << tr("%1 (%2, %3)")
                        .arg(toQString(s.title), toQString(core::stateName(s.state)), review);
        }
        auto* item = new QTreeWidgetItem(
            m_coverageList,
            {toQString(r.category), QString::number(r.tickets), r.covered ? tr("yes") : tr("no"),
             sops.isEmpty() ? tr("none tagged") : sops.join(QStringLiteral("; "))});
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(3, sops.join(QLatin1Char('\n')));
        if (!r.covered) {
            item->setForeground(2, alertColour());
        }
        if (i < top) {
            bars.push_back({toQString(r.category), double(r.tickets), 0, !r.covered});
            uncovered += r.covered ? 0 : 1;
        }
    }
    m_coverageChart->setBars(std::move(bars));
    m_coverageSummary->setText(
        tr("%1: %2 of the top %3 categories have no published, reviewed SOP (in red).")
            .arg(QFileInfo(path).fileName(), QString::number(uncovered), QString::number(top)));
    m_tabs->setCurrentIndex(1);
    return true;
}

} // namespace sopvault::desktop
