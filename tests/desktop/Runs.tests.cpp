// Run mode in the reader, driven like a technician on a ticket: the run started with the
// toolbar's ticket and a client, steps done from the list, the keyboard and the reader's own
// boxes, a step skipped with a note, the evidence on the clipboard, the run set aside and
// resumed (also from a new window), a newer version said in a sentence while the run goes on with
// its own, and the finish confirmed.
#include "DesktopSupport.h"
#include "ExportDialog.h"
#include "MainWindow.h"
#include "SafeBrowser.h"
#include "TempDir.h"

#include "sopvault/core/Markdown.h"

#include <catch2/catch.hpp>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QStatusBar>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <optional>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

namespace {

// The first sample SOP of "Service desk" with a checklist, and its steps.
struct Runnable
{
    core::Id id{};
    std::string title;
    std::vector<std::string> steps;
};

Runnable runnableSop(core::Session& s)
{
    auto sops = s.listSops({});
    REQUIRE(sops);
    for (const auto& sop : *sops) {
        auto view = s.readSop(sop.id);
        REQUIRE(view);
        auto steps = core::checklistSteps(view->body);
        if (steps.size() >= 4) {
            return {sop.id, sop.title, std::move(steps)};
        }
    }
    FAIL("no sample SOP has a checklist of four steps");
    return {};
}

// Presses the start action and fills the dialog as a person does; returns the dialog's ticket.
QString startThroughDialog(MainWindow& window, const QString& client)
{
    child<QAction>(&window, "startRunAction")->trigger();
    auto* dialog = window.findChild<QDialog*>(QStringLiteral("startRunDialog"));
    REQUIRE(dialog != nullptr);
    REQUIRE(dialog->isVisible());
    const QString ticket = child<QLineEdit>(dialog, "runTicket")->text();
    QTest::keyClicks(child<QLineEdit>(dialog, "runClient"), client);
    child<QPushButton>(dialog, "startRunOk")->click();
    return ticket;
}

} // namespace

TEST_CASE("run mode records each step once and copies the evidence and resumes a run set aside",
          "[desktop][runs]")
{
    TempDir dir;
    core::ManualClock clock(kStart);
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    controller.setClock(&clock);
    createThroughWizard(controller);
    const Runnable sop = runnableSop(controller.session());
    const auto total = QString::number(sop.steps.size());

    std::optional<MainWindow> window(std::in_place, controller);
    window->resize(1280, 800);
    window->showVault();
    window->show();
    window->activateWindow();
    REQUIRE(QTest::qWaitForWindowActive(&*window));
    auto* panel = child<QWidget>(&*window, "runPanel");
    window->openSop(sop.id);
    CHECK_FALSE(panel->isVisible()); // no run yet: the reader is the whole page
    auto* startButton = child<QPushButton>(&*window, "startRunButton");
    REQUIRE(startButton->isEnabled());

    // The ticket typed in the toolbar is the run's.
    QTest::keyClicks(child<QLineEdit>(&*window, "ticket"), QStringLiteral("T-1042"));
    CHECK(startThroughDialog(*window, QStringLiteral("Acme Dental")) == QStringLiteral("T-1042"));
    REQUIRE(panel->isVisible());
    CHECK_FALSE(startButton->isEnabled()); // one run of this SOP on screen at a time
    auto* progress = child<QProgressBar>(&*window, "runProgress");
    auto* steps = child<QTreeWidget>(&*window, "runSteps");
    CHECK(progress->text() == QStringLiteral("0 of %1 done").arg(total));
    CHECK(child<QLabel>(&*window, "runHeader")->text().contains(QStringLiteral("T-1042")));
    CHECK(child<QLabel>(&*window, "runHeader")->text().contains(QStringLiteral("Acme Dental")));
    REQUIRE(steps->topLevelItemCount() == int(sop.steps.size()));
    CHECK(steps->topLevelItem(0)->text(1) == toQString(sop.steps[0]));
    CHECK(steps->currentItem() == steps->topLevelItem(0)); // the first open step is selected

    // Step 1 done with the button, step 2 skipped with a note, step 3 with the keyboard.
    child<QPushButton>(&*window, "runDone")->click();
    CHECK(progress->text() == QStringLiteral("1 of %1 done").arg(total));
    CHECK(steps->currentItem() == steps->topLevelItem(1));
    QTest::keyClicks(child<QLineEdit>(&*window, "runNote"), QStringLiteral("No VPN at this site"));
    child<QPushButton>(&*window, "runSkip")->click();
    CHECK(column(steps, 2).mid(0, 2) ==
          QStringList{QStringLiteral("done"), QStringLiteral("skipped")});
    CHECK(steps->topLevelItem(1)->text(5) == QStringLiteral("No VPN at this site"));
    CHECK(steps->topLevelItem(0)->text(3) == QStringLiteral("olivia"));
    CHECK(child<QLineEdit>(&*window, "runNote")->text().isEmpty());
    steps->setFocus();
    QTest::keyClick(steps, Qt::Key_Return, Qt::ControlModifier);
    CHECK(steps->topLevelItem(2)->text(2) == QStringLiteral("done"));
    CHECK(progress->text() == QStringLiteral("2 of %1 done, 1 skipped").arg(total));

    // The reader's boxes are the run's: done steps are ticked; a box ticks its step, once.
    auto* reader = child<SafeBrowser>(&*window, "readerView");
    const QString ticked = QStringLiteral("\u2611");
    CHECK(reader->toPlainText().count(ticked) == 2);
    emit reader->anchorClicked(QUrl(QStringLiteral("task:3"))); // the fourth box
    CHECK(steps->topLevelItem(3)->text(2) == QStringLiteral("done"));
    CHECK(reader->toPlainText().count(ticked) == 3);
    emit reader->anchorClicked(QUrl(QStringLiteral("task:0"))); // already done: nothing changes
    CHECK(reader->toPlainText().count(ticked) == 3);
    {
        auto open = controller.session().runs({});
        REQUIRE(open);
        REQUIRE(open->size() == 1);
        CHECK(controller.session().run(open->front().id)->count(core::StepState::Done) == 3);
    }

    // The evidence: the ticket, the client, the steps and their notes, no SOP text beyond them.
    QApplication::clipboard()->clear();
    child<QPushButton>(&*window, "runCopyEvidence")->click();
    const QString evidence = QApplication::clipboard()->text();
    CHECK(evidence.contains(QStringLiteral("T-1042")));
    CHECK(evidence.contains(QStringLiteral("Acme Dental")));
    CHECK(evidence.contains(toQString(sop.steps[0])));
    CHECK(evidence.contains(QStringLiteral("No VPN at this site")));
    window->resize(1024, 700);
    screenshot(&*window, "run-mode");

    // Closed, the run stays open and is offered again; another SOP sets it aside.
    child<QPushButton>(&*window, "runClose")->click();
    REQUIRE(panel->isVisible());
    CHECK(child<QLabel>(&*window, "runResumeText")->text().contains(QStringLiteral("T-1042")));
    CHECK(reader->toPlainText().count(ticked) == 0);
    CHECK(startButton->isEnabled()); // a second run of the same SOP may start
    window.reset();

    // The SOP changed meanwhile; a new window (as after a restart) resumes the run on its version.
    auto current = controller.session().readSop(sop.id);
    REQUIRE(current);
    core::SopEdit edit;
    edit.body = current->body + "\n- [ ] A step added later\n";
    edit.message = "one more step";
    REQUIRE(controller.session().editSop(sop.id, edit));
    window.emplace(controller);
    window->resize(1280, 800);
    window->showVault();
    window->show();
    window->openSop(sop.id);
    panel = child<QWidget>(&*window, "runPanel");
    REQUIRE(panel->isVisible());
    child<QPushButton>(&*window, "runResume")->click();
    steps = child<QTreeWidget>(&*window, "runSteps");
    progress = child<QProgressBar>(&*window, "runProgress");
    reader = child<SafeBrowser>(&*window, "readerView");
    CHECK(steps->topLevelItemCount() == int(sop.steps.size())); // the run's version, not the new
    CHECK(progress->text() == QStringLiteral("3 of %1 done, 1 skipped").arg(total));
    auto* newer = child<QLabel>(&*window, "runNewerVersion");
    CHECK(newer->isVisible());
    CHECK(newer->text().contains(QStringLiteral("version 2")));
    CHECK(child<QLabel>(&*window, "readerMeta")->text().contains(QStringLiteral("version 1")));
    CHECK(steps->currentItem() == steps->topLevelItem(4));
    // Edits start from the newest text: not from the run's version on screen.
    CHECK_FALSE(child<QPushButton>(&*window, "editButton")->isEnabled());
    // A list refresh (as after a sync) keeps the run's version in the reader.
    window->showVault();
    window->openSop(sop.id);
    CHECK(child<QLabel>(&*window, "readerMeta")->text().contains(QStringLiteral("version 1")));
    CHECK(reader->toPlainText().count(ticked) == 3);

    // The evidence as a file: HTML or Markdown (no PDF), named for the ticket, watermarked with
    // the run's version (1, though the SOP is at 2 now), and said in the status bar.
    auto* exportButton = child<QPushButton>(&*window, "runExportEvidence");
    REQUIRE(exportButton->isEnabled());
    const QString saved = QString::fromStdString((dir.path() / "evidence.html").string());
    QString offered;
    bool pdfOffered = true;
    QTimer::singleShot(0, [&] {
        auto* dialog = qobject_cast<ExportDialog*>(QApplication::activeModalWidget());
        REQUIRE(dialog != nullptr);
        pdfOffered = child<QRadioButton>(dialog, "formatPdf")->isVisible();
        CHECK(child<QLabel>(dialog, "watermarkPreview")
                  ->text()
                  .contains(QStringLiteral("· version 1 ·")));
        offered = child<QLineEdit>(dialog, "exportPath")->text();
        screenshot(dialog, "run-export-evidence");
        child<QLineEdit>(dialog, "exportPath")->setText(saved);
        dialog->doExport();
    });
    exportButton->click();
    CHECK_FALSE(pdfOffered);
    CHECK(offered.contains(QStringLiteral("T-1042")));
    CHECK(offered.endsWith(QStringLiteral("evidence.html")));
    {
        QFile file(saved);
        REQUIRE(file.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(file.readAll());
        CHECK(html.contains(QStringLiteral("T-1042")));
        CHECK(html.contains(QStringLiteral("No VPN at this site")));
        CHECK(html.contains(QStringLiteral("Exported from SOP Vault by olivia")));
        CHECK(html.contains(QStringLiteral("version 1 ·")));
        CHECK_FALSE(html.contains(QStringLiteral("version 2 ·")));
    }
    CHECK(window->statusBar()->currentMessage().contains(saved));

    // Finish with steps open: a question first; "Cancel" changes nothing, "Finish run" signs.
    QString asked;
    answerNextBox(QStringLiteral("Cancel"), &asked);
    child<QPushButton>(&*window, "runFinish")->click();
    CHECK(asked.contains(QStringLiteral("still open")));
    CHECK(child<QPushButton>(&*window, "runDone")->isEnabled());
    answerNextBox(QStringLiteral("Finish run"));
    child<QPushButton>(&*window, "runFinish")->click();
    CHECK_FALSE(child<QPushButton>(&*window, "runDone")->isEnabled());
    CHECK(child<QLabel>(&*window, "runHeader")->text().contains(QStringLiteral("finished by")));
    auto runs = controller.session().runs({});
    REQUIRE(runs);
    REQUIRE(runs->size() == 1);
    CHECK(runs->front().finished.has_value());
    emit reader->anchorClicked(QUrl(QStringLiteral("task:5")));
    CHECK(controller.session().run(runs->front().id)->count(core::StepState::Done) == 3);

    // Closed after the finish: the newest version is back, with nothing left to resume.
    child<QPushButton>(&*window, "runClose")->click();
    CHECK_FALSE(panel->isVisible());
    CHECK(child<QLabel>(&*window, "readerMeta")->text().contains(QStringLiteral("version 2")));
}

TEST_CASE("run mode screenshots", "[desktop][runs][screenshots]")
{
    forEachThemeAndSize(
        QStringLiteral("runs-"),
        [](VaultController& controller) {
            auto& s = controller.session();
            const Runnable sop = runnableSop(s);
            auto run = s.startRun(sop.id, "T-1042", "Acme Dental");
            REQUIRE(run);
            REQUIRE(s.runStep(*run, 1, core::StepState::Done, ""));
            REQUIRE(s.runStep(*run, 2, core::StepState::Skipped, "No VPN at this site"));
            REQUIRE(s.runStep(*run, 3, core::StepState::Done, "Checked with the client's manager"));
        },
        [](VaultController& controller, const Look& look) {
            const Runnable sop = runnableSop(controller.session());
            MainWindow window(controller);
            window.resize(look.size);
            window.showVault();
            window.show();
            window.openSop(sop.id);
            child<QPushButton>(&window, "runResume")->click();
            REQUIRE(child<QWidget>(&window, "runSteps")->isVisible());
            QTest::qWait(50);
            screenshot(&window, QStringLiteral("run-mode-%1").arg(look.label()));
        });
}
