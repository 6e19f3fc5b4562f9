// The owners' audit log view: what core recorded, newest first, narrowed by period, person,
// action and text; the bursts of reading above it; closed to everyone but the owners.
#include "AuditDialog.h"
#include "DesktopSupport.h"
#include "MainWindow.h"
#include "TempDir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QTest>
#include <QTreeWidget>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

TEST_CASE("the audit log view lists what happened and filters it and only owners open it",
          "[desktop][audit]")
{
    TempDir dir;
    core::ManualClock clock(kStart);
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    controller.setClock(&clock);
    createThroughWizard(controller);
    auto& s = controller.session();
    core::SopFilter filter;
    filter.collection = "Service desk";
    auto sops = s.listSops(filter);
    REQUIRE(sops);
    REQUIRE(sops->size() >= 2);
    // Long ago, and today: the period decides which are shown.
    REQUIRE(s.readSop(sops->at(0).id));
    clock.advance(60 * 24 * 60 * 60);
    addTom(s);
    REQUIRE(s.grant("tom", "technician", "Service desk"));
    REQUIRE(s.readSop(sops->at(1).id));

    {
        MainWindow window(controller);
        window.resize(1280, 800);
        window.showVault();
        window.show();
        auto* action = child<QAction>(&window, "auditAction");
        REQUIRE(action->isEnabled());
        action->trigger();
        auto* dialog = window.findChild<AuditDialog*>(QStringLiteral("auditDialog"));
        REQUIRE(dialog != nullptr);
        REQUIRE(dialog->isVisible());
        auto* list = child<QTreeWidget>(dialog, "auditList");
        const QString oldTitle = toQString(sops->at(0).title);
        const QString newTitle = toQString(sops->at(1).title);
        auto* text = child<QLineEdit>(dialog, "auditText");
        auto* what = child<QComboBox>(dialog, "auditAction");
        // The last 30 days: today's read and the people added, not the read 60 days ago.
        CHECK(column(list, 2).contains(QStringLiteral("user-add")));
        CHECK_FALSE(column(list, 2).contains(QStringLiteral("vault-created")));
        CHECK(column(list, 3).join(u'\n').contains(newTitle));
        CHECK_FALSE(column(list, 3).join(u'\n').contains(oldTitle));
        auto* period = child<QComboBox>(dialog, "auditPeriod");
        period->setCurrentIndex(period->findData(0)); // all time
        // Newest first: today's entries above those of 60 days ago.
        const QStringList times = column(list, 0);
        REQUIRE(times.size() >= 2);
        CHECK(times.front() > times.back());
        QStringList sorted = times;
        std::sort(sorted.begin(), sorted.end(), std::greater<>());
        CHECK(times == sorted);
        CHECK(column(list, 2).contains(QStringLiteral("vault-created")));
        CHECK(column(list, 3).join(u'\n').contains(oldTitle));
        const int all = dialog->shown();

        what->setCurrentIndex(what->findData(QStringLiteral("view")));
        for (const QString& a : column(list, 2)) {
            CHECK(a == QStringLiteral("view"));
        }
        const int views = dialog->shown();
        CHECK(views >= 2);
        CHECK(child<QLabel>(dialog, "auditCount")
                  ->text()
                  .startsWith(QStringLiteral("%1 of ").arg(views)));
        QTest::keyClicks(text, oldTitle);
        // Only the views of that SOP, the one of 60 days ago among them.
        CHECK(dialog->shown() >= 1);
        CHECK(dialog->shown() < views);
        for (const QString& d : column(list, 3)) {
            CHECK(d.contains(oldTitle));
        }
        CHECK(column(list, 0).join(u' ').contains(formatTime(kStart).left(10)));
        text->clear();
        what->setCurrentIndex(0);
        CHECK(dialog->shown() == all);
        auto* who = child<QComboBox>(dialog, "auditPerson");
        REQUIRE(who->findData(QStringLiteral("olivia")) > 0);
        who->setCurrentIndex(who->findData(QStringLiteral("olivia")));
        CHECK(dialog->shown() > 0);
        for (const QString& p : column(list, 1)) {
            CHECK(p == QStringLiteral("olivia"));
        }
        dialog->resize(1024, 700);
        screenshot(dialog, "audit-log");
        // A lock takes the log off the screen.
        QPointer<AuditDialog> open(dialog);
        controller.lock();
        REQUIRE(waitFor([&] { return open.isNull(); }));
    }

    // Tom is no owner: the action is greyed and says why.
    checkOwnersOnly(controller, "auditAction");
}
