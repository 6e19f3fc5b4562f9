// The owners' dashboard, driven through its widgets: usage (views and runs per SOP) and coverage
// (a PSA ticket export against the SOPs tagged for its categories) each as a chart and a list
// that say what core says; a bad export refused with core's sentence and nothing changed; closed
// to everyone but the owners.
#include "DashboardDialog.h"
#include "DesktopSupport.h"
#include "MainWindow.h"
#include "TempDir.h"

#include <catch2/catch.hpp>

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QTabWidget>
#include <QTest>
#include <QTreeWidget>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

namespace {

QString writeFile(const std::filesystem::path& path, const QByteArray& text)
{
    QFile f(QString::fromStdString(path.string()));
    REQUIRE(f.open(QIODevice::WriteOnly));
    f.write(text);
    return f.fileName();
}

} // namespace

TEST_CASE("the owners' dashboard charts usage and coverage and only owners open it",
          "[desktop][dashboard]")
{
    TempDir dir;
    core::ManualClock clock(kStart);
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    controller.setClock(&clock);
    createThroughWizard(controller);
    auto& s = controller.session();
    auto sops = s.listSops({});
    REQUIRE(sops);
    REQUIRE(sops->size() >= 3);
    // One SOP read five times and run once, another read twice.
    const auto& most = sops->at(2);
    for (int i = 0; i < 5; ++i) {
        REQUIRE(s.readSop(most.id));
    }
    REQUIRE(s.readSop(sops->at(1).id));
    REQUIRE(s.readSop(sops->at(1).id));
    auto run = s.startRun(most.id, "T-7", "Acme");
    REQUIRE(run);
    REQUIRE(s.finishRun(*run));
    addTom(s);
    REQUIRE(s.grant("tom", "technician", "Service desk"));

    {
        MainWindow window(controller);
        window.resize(1280, 800);
        window.showVault();
        window.show();
        auto* action = child<QAction>(&window, "dashboardAction");
        REQUIRE(action->isEnabled());
        action->trigger();
        auto* dialog = window.findChild<DashboardDialog*>(QStringLiteral("dashboardDialog"));
        REQUIRE(dialog != nullptr);
        REQUIRE(dialog->isVisible());

        // Usage: the list and the chart are core's figures, most used first.
        auto expected = s.usage(controller.now() - 90 * 24 * 60 * 60, controller.now());
        REQUIRE(expected);
        REQUIRE_FALSE(expected->empty());
        CHECK(expected->front().id == most.id);
        auto* usage = child<QTreeWidget>(dialog, "usageList");
        REQUIRE(usage->topLevelItemCount() == int(expected->size()));
        CHECK(usage->topLevelItem(0)->text(0) == toQString(most.title));
        CHECK(usage->topLevelItem(0)->text(1) == QString::number(expected->front().views));
        CHECK(usage->topLevelItem(0)->text(2) == QStringLiteral("1"));
        auto* chart = child<BarChart>(dialog, "usageChart");
        REQUIRE_FALSE(chart->bars().empty());
        CHECK(chart->bars().front().label == toQString(most.title));
        CHECK(chart->bars().front().second == 1.0);
        CHECK(chart->bars().size() <= 10);
        CHECK(child<QLabel>(dialog, "usageSummary")->text().contains(QStringLiteral(" 1 run ")));
        dialog->resize(1024, 700);
        screenshot(dialog, "dashboard-usage");

        // Coverage from a PSA export of category counts.
        const QString csv = writeFile(dir.path() / "tickets.csv",
                                      "Category,Count\nidentity,40\nPrinters,12\nbackup,8\n");
        REQUIRE(dialog->loadCoverage(csv));
        auto rows =
            s.coverage("Category,Count\nidentity,40\nPrinters,12\nbackup,8\n", controller.now());
        REQUIRE(rows);
        REQUIRE(rows->size() == 3);
        CHECK(child<QTabWidget>(dialog, "dashboardTabs")->currentIndex() == 1);
        auto* coverage = child<QTreeWidget>(dialog, "coverageList");
        CHECK(column(coverage, 0) == QStringList{QStringLiteral("identity"),
                                                 QStringLiteral("Printers"),
                                                 QStringLiteral("backup")});
        CHECK(column(coverage, 1) ==
              QStringList{QStringLiteral("40"), QStringLiteral("12"), QStringLiteral("8")});
        for (int i = 0; i < 3; ++i) {
            CHECK(
                coverage->topLevelItem(i)->text(2) ==
                (rows->at(std::size_t(i)).covered ? QStringLiteral("yes") : QStringLiteral("no")));
        }
        CHECK(coverage->topLevelItem(1)->text(3) == QStringLiteral("none tagged"));
        CHECK_FALSE(rows->at(0).sops.empty());
        CHECK(coverage->topLevelItem(0)->text(3).contains(toQString(rows->at(0).sops[0].title)));
        auto* coverageChart = child<BarChart>(dialog, "coverageChart");
        REQUIRE(coverageChart->bars().size() == 3);
        CHECK(coverageChart->bars()[1].alert); // Printers: nothing tagged
        CHECK(child<QLabel>(dialog, "coverageSummary")->text().contains(QStringLiteral("top 3")));
        screenshot(dialog, "dashboard-coverage");
        {
            DarkPalette dark;
            dialog->update();
            screenshot(dialog, "dashboard-coverage-dark");
        }

        // A file that is not a ticket export: core's sentence, and the coverage shown stays.
        const QString bad = writeFile(dir.path() / "notes.csv", "Name,Colour\nbob,blue\n");
        CHECK_FALSE(dialog->loadCoverage(bad));
        CHECK_FALSE(child<QLabel>(dialog, "coverageError")->text().isEmpty());
        CHECK(coverage->topLevelItemCount() == 3);
        CHECK_FALSE(
            dialog->loadCoverage(QString::fromStdString((dir.path() / "none.csv").string())));
        CHECK(child<QLabel>(dialog, "coverageError")->text().contains(QStringLiteral("none.csv")));

        // All time counts every view the vault ever had.
        auto* period = child<QComboBox>(dialog, "dashboardPeriod");
        period->setCurrentIndex(period->findData(0));
        auto all = s.usage(std::nullopt, controller.now());
        REQUIRE(all);
        CHECK(usage->topLevelItemCount() == int(all->size()));
        dialog->close();
    }

    // Tom is no owner: the action is greyed and says why.
    checkOwnersOnly(controller, "dashboardAction");
}
