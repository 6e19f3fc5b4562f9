// Team sync in the desktop app, offscreen through the real widgets: the status indicator's
// states, F5 and the File menu, the conflict view's three ways out (an unsettled conflict never
// writes), publish and clone refusing what core refuses, the lock that waits for a worker, and
// (tagged [pg], against the run's PostgreSQL cluster) the wake-up thread and two people whose
// offline edits conflict. Screenshots of the status bar states and the conflict view at two
// sizes, light and dark.
#include "CloneDialog.h"
#include "ConflictDialog.h"
#include "DesktopSupport.h"
#include "FirstRunWizard.h"
#include "MainWindow.h"
#include "PublishDialog.h"
#include "SyncStatus.h"
#include "TempDir.h"
#include "TestServer.h"
#include "WakeUp.h"

#include "sopvault/remote/Listen.h"

#include <catch2/catch.hpp>

#include <QAction>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTest>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimeZone>

#include <atomic>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

namespace {

SyncState stateOf(SyncState::Kind kind)
{
    SyncState s;
    s.kind = kind;
    s.server = QStringLiteral("postgresql://olivia@db.example.com/sopvault");
    s.fingerprint = QStringLiteral("412 · 9f3a 61c0 d2e7");
    s.lastSync = kStart + 3600;
    return s;
}

// Every state the indicator has, as a person would meet them.
std::vector<std::pair<QString, SyncState>> allStates()
{
    std::vector<std::pair<QString, SyncState>> out;
    out.emplace_back(QStringLiteral("not-shared"), SyncState{});
    out.emplace_back(QStringLiteral("synced"), stateOf(SyncState::Kind::Synced));
    SyncState waiting = stateOf(SyncState::Kind::Waiting);
    waiting.pending = 3;
    out.emplace_back(QStringLiteral("waiting"), waiting);
    SyncState offline = stateOf(SyncState::Kind::Offline);
    offline.since = kStart + 14 * 3600 + 2 * 60;
    offline.pending = 2;
    out.emplace_back(QStringLiteral("offline"), offline);
    SyncState conflict = stateOf(SyncState::Kind::Conflict);
    conflict.conflicts = 1;
    out.emplace_back(QStringLiteral("conflict"), conflict);
    SyncState failed = stateOf(SyncState::Kind::Failed);
    failed.message = QStringLiteral("The server's history cannot be trusted: position 12 differs "
                                    "from what this computer verified.");
    out.emplace_back(QStringLiteral("failed"), failed);
    return out;
}

QString hhmm(core::Timestamp t)
{
    return QDateTime::fromSecsSinceEpoch(t, QTimeZone::utc())
        .toLocalTime()
        .toString(QStringLiteral("HH:mm"));
}

core::Id sampleSop(VaultController& controller, const char* title)
{
    auto list = controller.listSops({});
    REQUIRE(list);
    for (const auto& s : *list) {
        if (s.title == title) {
            return s.id;
        }
    }
    FAIL("no sample SOP " << title);
    return {};
}

// A SOP with two versions: the first plays "mine", the second "theirs", so the conflict view
// shows real text from the vault.
struct TwoSides
{
    core::SyncConflict conflict;
    core::SopVersionView mine;
    core::SopVersionView theirs;
};

TwoSides twoSides(VaultController& controller)
{
    const core::Id sop = sampleSop(controller, "P1 major incident");
    auto first = controller.readSop(sop, {}, {});
    REQUIRE(first);
    core::SopEdit edit;
    edit.body =
        first->body + "\n\n## Afterwards\nWrite the post-incident review within two days.\n";
    edit.message = "post-incident review";
    edit.baseVersion = first->version;
    auto second = controller.editSop(sop, edit);
    REQUIRE(second);
    auto theirs = controller.readSop(sop, {}, {});
    REQUIRE(theirs);
    REQUIRE(theirs->version == first->version + 1);
    return {core::SyncConflict{sop, first->title, first->version + 1, theirs->version}, *first,
            *theirs};
}

// A text's lines without the empty ones at its end (padding, or the final newline).
std::vector<std::string> linesOf(const QString& text)
{
    std::vector<std::string> lines;
    for (const QString& line : text.split(u'\n')) {
        lines.push_back(line.toStdString());
    }
    while (!lines.empty() && QString::fromStdString(lines.back()).trimmed().isEmpty()) {
        lines.pop_back();
    }
    return lines;
}

// Whether the first occurrence of `text` in the view is drawn on a marked background.
bool marked(QTextBrowser* view, const QString& text)
{
    const QTextCursor found = view->document()->find(text);
    REQUIRE_FALSE(found.isNull());
    return found.charFormat().background().style() != Qt::NoBrush;
}

std::uint64_t versionsOf(VaultController& controller, const core::Id& sop)
{
    auto h = controller.history(sop);
    REQUIRE(h);
    return h->size();
}

} // namespace

TEST_CASE("the sync indicator says where team sync stands, and only a conflict opens anything",
          "[desktop][sync]")
{
    const auto states = allStates();
    CHECK(syncStatusText(states[0].second) == QStringLiteral("Not shared"));
    CHECK(syncStatusText(states[1].second) == QStringLiteral("Synced"));
    CHECK(syncStatusText(states[2].second) == QStringLiteral("3 waiting"));
    CHECK(syncStatusText(states[3].second) ==
          QStringLiteral("Offline since %1").arg(hhmm(states[3].second.since)));
    CHECK(syncStatusText(states[4].second) == QStringLiteral("Conflict"));
    CHECK(syncStatusText(states[5].second) == QStringLiteral("Sync stopped"));
    // The details a person needs are in the tooltip: what waits, what was found, what to compare.
    CHECK(syncStatusToolTip(states[3].second).contains(QStringLiteral("2 record(s)")));
    CHECK(syncStatusToolTip(states[5].second).contains(QStringLiteral("cannot be trusted")));
    CHECK(syncStatusToolTip(states[1].second).contains(states[1].second.fingerprint));
    CHECK(syncStatusToolTip(states[0].second).contains(QStringLiteral("Share on a server")));

    SyncStatus status;
    status.show();
    QSignalSpy clicked(&status, &SyncStatus::conflictClicked);
    for (const auto& [name, state] : states) {
        INFO(name.toStdString());
        status.setState(state);
        CHECK(status.text() == syncStatusText(state));
        const int before = int(clicked.count());
        QTest::mouseClick(&status, Qt::LeftButton);
        CHECK(clicked.count() == before + (state.kind == SyncState::Kind::Conflict ? 1 : 0));
    }
}

TEST_CASE("an unshared vault shows Not shared, F5 says how to share it, and only owners may",
          "[desktop][sync]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    // A connector that must never be asked: a vault without a remote has no server to call.
    std::atomic<int> asked{0};
    controller.setServerConnector([&asked](const std::string&) {
        ++asked;
        return core::ServerResult<std::unique_ptr<core::RecordServer>>(std::unexpected(
            core::ServerError{core::ServerFault::Offline, Error{ErrorCode::Failed, "no"}}));
    });
    createThroughWizard(controller);
    {
        MainWindow window(controller);
        window.showVault();
        window.show();
        auto* status = child<SyncStatus>(&window, "syncStatus");
        CHECK(status->text() == QStringLiteral("Not shared"));
        CHECK(controller.syncState().kind == SyncState::Kind::NotShared);
        child<QAction>(&window, "syncNowAction")->trigger();
        CHECK(window.statusBar()->currentMessage().contains(QStringLiteral("not shared")));
        CHECK(status->text() == QStringLiteral("Not shared"));
        CHECK(child<QAction>(&window, "shareAction")->isEnabled());
        CHECK(child<QAction>(&window, "cloneAction")->isEnabled());
        CHECK_FALSE(controller.listening());
        // F5 is the shortcut a person presses.
        CHECK(child<QAction>(&window, "syncNowAction")->shortcut() == QKeySequence(Qt::Key_F5));
    }
    CHECK(asked == 0);

    auto& s = controller.session();
    addTom(s);
    REQUIRE(s.grant("tom", "editor", "Service desk"));
    controller.lock();
    controller.unlock(QStringLiteral("tom"),
                      *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
    MainWindow window(controller);
    window.showVault();
    CHECK_FALSE(child<QAction>(&window, "shareAction")->isEnabled());
    child<QAction>(&window, "syncNowAction")->trigger();
    CHECK(window.statusBar()->currentMessage().contains(QStringLiteral("its owner")));
}

TEST_CASE("the status bar in each sync state at 1024x700 and 1440x900, light and dark",
          "[desktop][sync][screenshots]")
{
    forEachThemeAndSize(
        QStringLiteral("sync-"), {}, [](VaultController& controller, const Look& look) {
            MainWindow window(controller);
            window.resize(look.size);
            window.showVault();
            window.show();
            auto* status = child<SyncStatus>(&window, "syncStatus");
            for (const auto& [name, state] : allStates()) {
                INFO(name.toStdString());
                status->setState(state);
                QTest::qWait(20);
                // The words fit: the indicator is never squeezed below what its text needs.
                CHECK(status->isVisible());
                CHECK(status->width() >= status->fontMetrics().horizontalAdvance(status->text()));
                screenshot(window.statusBar(),
                           QStringLiteral("sync-status-%1-%2").arg(look.label(), name));
            }
            status->setState(allStates()[4].second);
            screenshot(&window, QStringLiteral("sync-window-%1-conflict").arg(look.label()));
        });
}

TEST_CASE(
    "the conflict view shows mine and theirs, and a conflict core does not know writes nothing",
    "[desktop][sync][conflict]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    core::ManualClock clock(kStart);
    controller.setClock(&clock);
    createThroughWizard(controller);
    MainWindow window(controller);
    window.resize(1280, 800);
    window.showVault();
    window.show();
    const TwoSides sides = twoSides(controller);
    const std::uint64_t versions = versionsOf(controller, sides.conflict.sop);

    ConflictDialog dialog(controller, &window);
    // Core reports no conflict for this vault: nothing to decide, nothing offered.
    CHECK(dialog.conflictCount() == 0);
    CHECK_FALSE(child<QPushButton>(&dialog, "keepMine")->isEnabled());
    CHECK(
        child<QLabel>(&dialog, "conflictSummary")->text().contains(QStringLiteral("No conflicts")));

    dialog.showConflict(sides.conflict, sides.mine, sides.theirs);
    dialog.show();
    // Side by side, row for row: mine is padded where theirs has more, the lines only theirs has
    // are marked, and a line both have is not.
    auto* mineText = child<QTextBrowser>(&dialog, "mineText");
    auto* theirsText = child<QTextBrowser>(&dialog, "theirsText");
    CHECK(linesOf(theirsText->toPlainText()) == linesOf(toQString(sides.theirs.body)));
    CHECK(linesOf(mineText->toPlainText()) == linesOf(toQString(sides.mine.body)));
    CHECK(mineText->document()->blockCount() == theirsText->document()->blockCount());
    CHECK(marked(theirsText, QStringLiteral("Write the post-incident review")));
    CHECK_FALSE(marked(theirsText, QStringLiteral("P1")));
    CHECK_FALSE(marked(mineText, QStringLiteral("P1")));
    CHECK_FALSE(child<QLabel>(&dialog, "theirsTitle")->text().contains(QStringLiteral(" 0 line")));
    CHECK(child<QLabel>(&dialog, "mineTitle")->text().contains(QStringLiteral("0 line(s)")));
    CHECK(child<QLabel>(&dialog, "mineTitle")
              ->text()
              .contains(QStringLiteral("version %1").arg(sides.mine.version)));
    CHECK(child<QLabel>(&dialog, "theirsTitle")
              ->text()
              .contains(QStringLiteral("version %1").arg(sides.theirs.version)));

    SECTION("keep mine and keep theirs are refused by core and change nothing")
    {
        QSignalSpy resolved(&dialog, &ConflictDialog::resolved);
        for (const char* button : {"keepMine", "keepTheirs"}) {
            INFO(button);
            child<QLabel>(&dialog, "error")->clear();
            QTest::mouseClick(child<QPushButton>(&dialog, button), Qt::LeftButton);
            CHECK_FALSE(child<QLabel>(&dialog, "error")->text().isEmpty());
            CHECK(dialog.isVisible());
        }
        CHECK(resolved.count() == 0);
        CHECK(versionsOf(controller, sides.conflict.sop) == versions);
    }

    SECTION("merge in the editor opens my text; saving asks core to resolve, which refuses")
    {
        QObject::connect(&dialog, &ConflictDialog::mergeRequested, &window,
                         &MainWindow::mergeConflict);
        QTest::mouseClick(child<QPushButton>(&dialog, "mergeInEditor"), Qt::LeftButton);
        CHECK_FALSE(dialog.isVisible());
        auto* stack = child<QStackedWidget>(&window, "contentStack");
        REQUIRE(stack->currentIndex() == 2);
        auto* text = child<QPlainTextEdit>(&window, "editorText");
        CHECK(text->toPlainText() == toQString(sides.mine.body));
        // A resolution carries only the text.
        CHECK_FALSE(child<QLineEdit>(&window, "editorTitle")->isEnabled());
        screenshot(&window, "sync-merge-in-editor");
        text->moveCursor(QTextCursor::End);
        QTest::keyClick(text, Qt::Key_Return);
        QTest::keyClicks(text, QStringLiteral("merged line"));
        auto* error = child<QLabel>(&window, "editorError");
        const QString hint = error->text();
        CHECK(hint.contains(QStringLiteral("Merging")));
        window.saveEditor();
        CHECK(stack->currentIndex() == 2); // still editing: nothing was resolved
        CHECK_FALSE(error->text().isEmpty());
        CHECK(error->text() != hint); // core's sentence, not the hint
        CHECK(versionsOf(controller, sides.conflict.sop) == versions);
        window.cancelEditor();
        CHECK(child<QLineEdit>(&window, "editorTitle")->isEnabled());
    }
}

TEST_CASE("the conflict view at 1024x700 and 1440x900, light and dark",
          "[desktop][sync][conflict][screenshots]")
{
    std::optional<TwoSides> sides;
    forEachThemeAndSize(
        QStringLiteral("conflict-"),
        [&sides](VaultController& controller) { sides = twoSides(controller); },
        [&sides](VaultController& controller, const Look& look) {
            ConflictDialog dialog(controller);
            dialog.resize(look.size);
            dialog.showConflict(sides->conflict, sides->mine, sides->theirs);
            dialog.show();
            QTest::qWait(20);
            for (const char* name : {"keepMine", "keepTheirs", "mergeInEditor"}) {
                auto* button = child<QPushButton>(&dialog, name);
                INFO(name);
                CHECK(button->width() >= button->minimumSizeHint().width());
            }
            // One conflict, or one shown by hand: no list to choose from, so no empty strip.
            CHECK_FALSE(child<QListWidget>(&dialog, "conflictList")->isVisible());
            screenshot(&dialog, QStringLiteral("sync-conflict-%1").arg(look.label()));
        });
}

TEST_CASE("share and clone show core's refusal of a URL with a password, and of a dead server",
          "[desktop][sync][share]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    const QString withPassword = QStringLiteral("postgresql://olivia:hunter2@db.example.com/x");
    const QString dead = QStringLiteral("postgresql:///sopvault?host=") +
                         QString::fromStdString((dir.path() / "no-server").string());

    SECTION("share")
    {
        PublishDialog dialog(controller);
        dialog.show();
        CHECK(child<QLabel>(&dialog, "publishIntro")->text().contains(controller.vaultId()));
        auto* url = child<QLineEdit>(&dialog, "serverUrl");
        auto* share = child<QPushButton>(&dialog, "publishButton");
        CHECK_FALSE(share->isEnabled());
        for (const QString& target : {withPassword, dead}) {
            url->setText(target);
            REQUIRE(share->isEnabled());
            QTest::mouseClick(share, Qt::LeftButton);
            REQUIRE(waitFor([&] { return !controller.busy() && share->isEnabled(); }));
            const QString error = child<QLabel>(&dialog, "error")->text();
            INFO(error.toStdString());
            CHECK((target == withPassword ? error.contains(QStringLiteral("password"))
                                          : error.contains(QStringLiteral("Cannot reach"))));
        }
        screenshot(&dialog, "sync-share-refused");
        CHECK(controller.syncState().kind == SyncState::Kind::NotShared);
    }

    SECTION("clone, from the File menu")
    {
        CloneDialog dialog(controller);
        dialog.show();
        const auto target = dir.path() / "clone.sopvault";
        child<QLineEdit>(&dialog, "clonePath")->setText(QString::fromStdString(target.string()));
        child<QLineEdit>(&dialog, "vaultIdField")->setText(controller.vaultId());
        auto* clone = child<QPushButton>(&dialog, "cloneButton");
        CHECK_FALSE(clone->isEnabled());
        for (const QString& source : {withPassword, dead}) {
            child<QLineEdit>(&dialog, "serverUrl")->setText(source);
            REQUIRE(clone->isEnabled());
            QTest::mouseClick(clone, Qt::LeftButton);
            REQUIRE(waitFor([&] { return !controller.busy() && clone->isEnabled(); }));
            const QString error = child<QLabel>(&dialog, "error")->text();
            INFO(error.toStdString());
            CHECK((source == withPassword ? error.contains(QStringLiteral("password"))
                                          : error.contains(QStringLiteral("Cannot reach"))));
            CHECK_FALSE(std::filesystem::exists(target));
        }
        CHECK(controller.isUnlocked()); // a failed clone leaves the open vault as it was
    }
}

TEST_CASE("the first-run wizard joins a team vault: server, vault id, path, then the clone",
          "[desktop][sync][wizard]")
{
    TempDir dir;
    const auto vault = dir.path() / "team.sopvault";
    VaultController controller(vault, dir.path() / "state");
    FirstRunWizard wizard(controller);
    wizard.show();
    child<QRadioButton>(&wizard, "joinTeamVault")->setChecked(true);
    CHECK_FALSE(child<QLineEdit>(&wizard, "ownerName")->isVisible());
    screenshot(&wizard, "sync-wizard-join");
    wizard.next();
    auto* url = child<QLineEdit>(&wizard, "serverUrl");
    REQUIRE(url->isVisible());
    CHECK(child<QLineEdit>(&wizard, "clonePath")->text() == QString::fromStdString(vault.string()));
    CHECK_FALSE(wizard.button(QWizard::CommitButton)->isEnabled());
    url->setText(QStringLiteral("postgresql://tom:secret@db.example.com/sopvault"));
    child<QLineEdit>(&wizard, "vaultIdField")
        ->setText(QStringLiteral("00112233445566778899aabbccddeeff"));
    REQUIRE(wizard.button(QWizard::CommitButton)->isEnabled());
    wizard.next();
    REQUIRE(waitFor([&] { return !controller.busy(); }));
    CHECK(child<QLabel>(&wizard, "cloneError")->text().contains(QStringLiteral("password")));
    CHECK_FALSE(wizard.joined());
    CHECK_FALSE(controller.vaultExists());
    CHECK_FALSE(controller.isUnlocked());
    screenshot(&wizard, "sync-wizard-clone-refused");
    // And back to the usual path: the owner page still creates a vault.
    child<QRadioButton>(&wizard, "createVault")->setChecked(true);
}

TEST_CASE("a lock asked for while a worker holds the session waits for it, then happens",
          "[desktop][sync]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    QSignalSpy locked(&controller, &VaultController::locked);
    controller.ungrant(QStringLiteral("olivia"), QStringLiteral("owner"), QStringLiteral("x"));
    REQUIRE(controller.busy());
    controller.lock(); // the idle timer's lock, while the worker runs
    CHECK(controller.isUnlocked());
    REQUIRE(waitFor([&] { return !controller.busy(); }));
    CHECK(locked.count() == 1);
    CHECK_FALSE(controller.isUnlocked());
}

TEST_CASE("the wake-up thread asks for a sync on each append to its vault, follows a restart "
          "of its session, and stops at once",
          "[desktop][sync][pg]")
{
    using namespace sopvault::servertest;
    ensureSchema();
    const std::string vault = freshVaultId();
    const std::string other = freshVaultId();
    const std::string olivia = freshMember({vault, other});
    const std::string tom = freshMember({vault});
    std::atomic<int> wakeUps{0};
    auto watcher = std::make_unique<WakeUpThread>(
        urlAs(tom), vault, [&wakeUps] { ++wakeUps; }, std::chrono::milliseconds(50));
    // Listening: one call back at once, for what came while nobody listened.
    REQUIRE(waitFor([&] { return watcher->listening() && wakeUps >= 1; }));
    const int first = wakeUps;

    auto c = connectAs(olivia);
    REQUIRE(remote::append(c, other, std::vector{record("admin", 1)})); // not ours
    REQUIRE(remote::append(c, vault, std::vector{record("admin", 1)}));
    REQUIRE(waitFor([&] { return wakeUps > first; }));

    // The server ends the session (a restart, an administrator): it listens again by itself.
    auto admin = connectAdmin();
    auto pids =
        must(admin, "SELECT pid FROM pg_stat_activity WHERE usename = $1 AND query LIKE 'LISTEN%'",
             {remote::Param::text(tom)});
    REQUIRE(pids.size() == 1);
    const int before = wakeUps;
    must(admin, "SELECT pg_terminate_backend($1::int)", {remote::Param::int64(pids.int64(0, 0))});
    REQUIRE(waitFor([&] {
        return wakeUps > before && watcher->listening() &&
               count(admin,
                     "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND "
                     "query LIKE 'LISTEN%'",
                     {remote::Param::text(tom)}) == 1;
    }));
    const int again = wakeUps;
    REQUIRE(remote::append(c, vault, std::vector{record("admin", 2)}));
    REQUIRE(waitFor([&] { return wakeUps > again; }));

    // Gone means gone: once destroyed it calls back no more, even for news it was sent.
    auto witness = remote::Listener::open(urlAs(olivia), vault);
    REQUIRE(witness);
    watcher.reset();
    const int after = wakeUps;
    REQUIRE(remote::append(c, vault, std::vector{record("admin", 3)}));
    REQUIRE(witness->wait(std::chrono::seconds(30)) == remote::WakeUp::Notified);
    CHECK(witness->lastNotified() == 3); // positions are the vault's own: the other vault took none
    CHECK(wakeUps == after);
}

TEST_CASE("a vault whose server is gone says Offline since, keeps working and counts what waits",
          "[desktop][sync][offline]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    core::ManualClock clock(kStart + 14 * 3600 + 2 * 60);
    controller.setClock(&clock);
    createThroughWizard(controller);
    const std::string dead = "postgresql:///sopvault?host=" + (dir.path() / "no-server").string();
    REQUIRE(controller.session().setRemote(dead));
    MainWindow window(controller);
    window.showVault();
    window.show();
    auto* status = child<SyncStatus>(&window, "syncStatus");
    child<QAction>(&window, "syncNowAction")->trigger();
    REQUIRE(waitFor([&] {
        return controller.syncState().kind == SyncState::Kind::Offline &&
               !controller.syncState().syncing;
    }));
    const core::Timestamp since = controller.syncState().since;
    CHECK(since == clock.now());
    CHECK(status->text() == QStringLiteral("Offline since %1").arg(hhmm(since)));
    CHECK(status->toolTip().contains(QStringLiteral("cannot be reached")));
    // The network's slow part never took the Session: the window was never greyed for it.
    CHECK(window.centralWidget()->isEnabled());
    CHECK_FALSE(controller.listening());

    // Work goes on, and what waits is counted; the time it went offline stays.
    const std::uint64_t before = controller.syncState().pending;
    clock.advance(600);
    const core::Id sop = sampleSop(controller, "P1 major incident");
    auto view = controller.readSop(sop, {}, {});
    REQUIRE(view);
    core::SopEdit edit;
    edit.body = view->body + "\nOne more line.\n";
    edit.baseVersion = view->version;
    REQUIRE(controller.editSop(sop, edit));
    CHECK(controller.syncState().pending > before);
    CHECK(controller.syncState().kind == SyncState::Kind::Offline);
    child<QAction>(&window, "syncNowAction")->trigger();
    REQUIRE(waitFor([&] { return !controller.syncState().syncing; }));
    CHECK(controller.syncState().since == since);
    CHECK(status->toolTip().contains(QStringLiteral("wait to go up")));
}

TEST_CASE("an owner shares through the dialog, a colleague clones through the wizard, and an "
          "edit reaches the owner's window by the wake-up",
          "[desktop][sync][pg]")
{
    using namespace sopvault::servertest;
    ensureSchema();
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "olivia");
    VaultController owner(dir.path() / "olivia" / "team.sopvault", dir.path() / "olivia-state");
    createThroughWizard(owner);
    const std::string vault = toStd(owner.vaultId());
    const std::string oliviaRole = freshMember({vault});
    const std::string tomRole = freshMember({vault});
    addTom(owner.session());
    REQUIRE(owner.session().grant("tom", "editor", "Service desk"));

    MainWindow window(owner);
    window.showVault();
    window.show();
    {
        PublishDialog share(owner, &window);
        share.show();
        child<QLineEdit>(&share, "serverUrl")->setText(QString::fromStdString(urlAs(oliviaRole)));
        QTest::mouseClick(child<QPushButton>(&share, "publishButton"), Qt::LeftButton);
        REQUIRE(waitFor([&] {
            return !owner.busy() && !child<QLabel>(&share, "publishResult")->text().isEmpty();
        }));
        INFO(child<QLabel>(&share, "error")->text().toStdString());
        CHECK(child<QLabel>(&share, "error")->text().isEmpty());
        screenshot(&share, "sync-shared");
    }
    REQUIRE(waitFor([&] {
        return owner.syncState().kind == SyncState::Kind::Synced && !owner.syncState().syncing;
    }));
    CHECK(child<SyncStatus>(&window, "syncStatus")->text() == QStringLiteral("Synced"));
    CHECK_FALSE(child<QAction>(&window, "shareAction")->isEnabled()); // shared once is enough
    REQUIRE(waitFor([&] { return owner.listening(); }));

    // Tom's new laptop: the wizard's join path, then the normal unlock.
    const auto tomFile = dir.path() / "tom" / "team.sopvault";
    std::filesystem::create_directories(tomFile.parent_path());
    VaultController tom(tomFile, dir.path() / "tom-state");
    {
        FirstRunWizard wizard(tom);
        wizard.show();
        child<QRadioButton>(&wizard, "joinTeamVault")->setChecked(true);
        wizard.next();
        child<QLineEdit>(&wizard, "serverUrl")->setText(QString::fromStdString(urlAs(tomRole)));
        child<QLineEdit>(&wizard, "vaultIdField")->setText(owner.vaultId());
        wizard.next();
        REQUIRE(waitFor([&] { return wizard.joined() || !tom.busy(); }));
        REQUIRE(waitFor([&] { return !tom.busy(); }));
        INFO(child<QLabel>(&wizard, "cloneError")->text().toStdString());
        REQUIRE(wizard.joined());
        auto ownerInfo = owner.remoteInfo();
        REQUIRE(ownerInfo);
        // Both see one history: the fingerprint the wizard shows is the owner's.
        CHECK(child<QLabel>(&wizard, "clonedText")
                  ->text()
                  .contains(toQString(ownerInfo->fingerprint).toHtmlEscaped()));
    }
    REQUIRE(std::filesystem::exists(tomFile));
    tom.unlock(QStringLiteral("tom"), *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return tom.isUnlocked(); }));

    // Tom edits; the owner's window follows without anyone pressing F5.
    const core::Id sop = sampleSop(tom, "Password reset with identity check");
    auto view = tom.readSop(sop, {}, {});
    REQUIRE(view);
    core::SopEdit edit;
    edit.body = view->body + "\nTom's addition.\n";
    edit.baseVersion = view->version;
    auto edited = tom.editSop(sop, edit);
    REQUIRE(edited);
    REQUIRE(waitFor([&] {
        auto now = owner.summary(sop);
        return now && now->version == *edited;
    }));
    REQUIRE(waitFor([&] {
        return tom.syncState().kind == SyncState::Kind::Synced && !tom.syncState().syncing &&
               owner.syncState().kind == SyncState::Kind::Synced && !owner.syncState().syncing;
    }));
}

namespace {

// A connector to the test cluster that a test can unplug: offline plays a laptop without network.
struct Cable
{
    std::shared_ptr<std::atomic<bool>> plugged = std::make_shared<std::atomic<bool>>(true);
    [[nodiscard]] ServerConnector connector() const
    {
        return [plugged = plugged, real = postgresConnector()](const std::string& url) {
            if (!*plugged) {
                return core::ServerResult<std::unique_ptr<core::RecordServer>>(
                    std::unexpected(core::ServerError{core::ServerFault::Offline,
                                                      Error{ErrorCode::Failed, "unplugged"}}));
            }
            return real(url);
        };
    }
};

// Syncs now and waits for it to end in `kind`.
void syncAndWait(VaultController& controller, SyncState::Kind kind)
{
    controller.syncNow();
    REQUIRE(waitFor([&] {
        return !controller.syncState().syncing && !controller.busy() &&
               controller.syncState().kind == kind;
    }));
}

std::uint64_t editOffline(VaultController& controller, const core::Id& sop, std::uint64_t base,
                          const std::string& line)
{
    auto view = controller.readSop(sop, base, {});
    REQUIRE(view);
    core::SopEdit edit;
    edit.body = view->body + "\n" + line + "\n";
    edit.baseVersion = base;
    edit.message = line;
    auto version = controller.editSop(sop, edit);
    REQUIRE(version);
    return *version;
}

// What a window shows of conflicts: the indicator's words, and the view's one conflict with its
// marked lines, at the size a screenshot keeps.
void seesConflict(VaultController& controller, MainWindow& window, const core::Id& sop,
                  const std::string& mineLine, const std::string& theirsLine, const char* shot)
{
    CHECK(child<SyncStatus>(&window, "syncStatus")->text() == QStringLiteral("Conflict"));
    ConflictDialog dialog(controller, &window);
    dialog.resize(1024, 700);
    dialog.show();
    REQUIRE(dialog.conflictCount() == 1);
    CHECK_FALSE(child<QListWidget>(&dialog, "conflictList")->isVisible());
    auto open = controller.conflicts();
    REQUIRE(open);
    REQUIRE(open->size() == 1);
    CHECK(open->front().sop == sop);
    CHECK(marked(child<QTextBrowser>(&dialog, "mineText"), toQString(mineLine)));
    CHECK(marked(child<QTextBrowser>(&dialog, "theirsText"), toQString(theirsLine)));
    screenshot(&dialog, shot);
}

} // namespace

TEST_CASE("two people edit the same SOPs offline: each sees the conflict they lost, settles it "
          "in the conflict view, and both end on one history",
          "[desktop][sync][conflict][pg]")
{
    using namespace sopvault::servertest;
    ensureSchema();
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "olivia");
    std::filesystem::create_directories(dir.path() / "tom");
    core::ManualClock clock(kStart);
    VaultController olivia(dir.path() / "olivia" / "team.sopvault", dir.path() / "olivia-state");
    olivia.setClock(&clock);
    Cable oliviaCable;
    olivia.setServerConnector(oliviaCable.connector());
    createThroughWizard(olivia);
    const std::string vault = toStd(olivia.vaultId());
    const std::string oliviaRole = freshMember({vault});
    const std::string tomRole = freshMember({vault});
    addTom(olivia.session());
    REQUIRE(olivia.session().grant("tom", "editor", "Service desk"));
    REQUIRE(olivia.session().grant("tom", "editor", "Security"));
    QSignalSpy published(&olivia, &VaultController::published);
    olivia.publish(QString::fromStdString(urlAs(oliviaRole)));
    REQUIRE(waitFor([&] { return published.count() == 1 && !olivia.busy(); }));

    VaultController tom(dir.path() / "tom" / "team.sopvault", dir.path() / "tom-state");
    tom.setClock(&clock);
    Cable tomCable;
    tom.setServerConnector(tomCable.connector());
    QSignalSpy cloned(&tom, &VaultController::cloned);
    tom.cloneVault(QString::fromStdString(urlAs(tomRole)), olivia.vaultId(), tom.vaultFile());
    REQUIRE(waitFor([&] { return cloned.count() == 1 && !tom.busy(); }));
    tom.unlock(QStringLiteral("tom"), *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return tom.isUnlocked() && !tom.busy(); }));

    MainWindow oliviaWindow(olivia);
    oliviaWindow.resize(1024, 700);
    oliviaWindow.showVault();
    oliviaWindow.show();
    MainWindow tomWindow(tom);
    tomWindow.resize(1024, 700);
    tomWindow.showVault();
    tomWindow.show();
    syncAndWait(olivia, SyncState::Kind::Synced);
    syncAndWait(tom, SyncState::Kind::Synced);

    // Two SOPs both may edit, both at the same version on both laptops.
    const core::Id first = sampleSop(olivia, "P1 major incident");
    const core::Id second = sampleSop(olivia, "Password reset with identity check");
    const std::uint64_t firstBase = versionsOf(olivia, first);
    const std::uint64_t secondBase = versionsOf(olivia, second);
    REQUIRE(versionsOf(tom, first) == firstBase);
    REQUIRE(versionsOf(tom, second) == secondBase);

    // Tom's laptop is offline: Olivia's edit of the second SOP reaches the server first.
    tomCable.plugged->store(false);
    editOffline(olivia, second, secondBase, "Olivia: call back on the number on file.");
    syncAndWait(olivia, SyncState::Kind::Synced);
    editOffline(tom, second, secondBase, "Tom: ask for the employee number.");
    // Then Olivia's is: Tom's edit of the first SOP reaches the server first.
    oliviaCable.plugged->store(false);
    editOffline(tom, first, firstBase, "Tom: page the duty manager.");
    tomCable.plugged->store(true);
    syncAndWait(tom, SyncState::Kind::Conflict);
    editOffline(olivia, first, firstBase, "Olivia: open the bridge call.");
    oliviaCable.plugged->store(true);
    syncAndWait(olivia, SyncState::Kind::Conflict);

    // Each sees the one they lost: the indicator says so, the view marks both sides' lines.
    seesConflict(olivia, oliviaWindow, first, "Olivia: open the bridge call.",
                 "Tom: page the duty manager.", "sync-two-people-olivia-conflict");
    seesConflict(tom, tomWindow, second, "Tom: ask for the employee number.",
                 "Olivia: call back on the number on file.", "sync-two-people-tom-conflict");
    screenshot(&oliviaWindow, "sync-two-people-olivia-window");

    // Olivia keeps hers on top of Tom's; Tom keeps Olivia's and drops his, both in the view.
    {
        ConflictDialog dialog(olivia, &oliviaWindow);
        dialog.show();
        QTest::mouseClick(child<QPushButton>(&dialog, "keepMine"), Qt::LeftButton);
        INFO(child<QLabel>(&dialog, "error")->text().toStdString());
        CHECK(dialog.conflictCount() == 0);
    }
    {
        ConflictDialog dialog(tom, &tomWindow);
        dialog.show();
        QTest::mouseClick(child<QPushButton>(&dialog, "keepTheirs"), Qt::LeftButton);
        INFO(child<QLabel>(&dialog, "error")->text().toStdString());
        CHECK(dialog.conflictCount() == 0);
    }
    syncAndWait(olivia, SyncState::Kind::Synced);
    syncAndWait(tom, SyncState::Kind::Synced);
    syncAndWait(olivia, SyncState::Kind::Synced);
    CHECK(child<SyncStatus>(&oliviaWindow, "syncStatus")->text() == QStringLiteral("Synced"));
    CHECK(child<SyncStatus>(&tomWindow, "syncStatus")->text() == QStringLiteral("Synced"));

    // One history: the same newest text of both SOPs, and the same fingerprint at one position.
    for (const core::Id& sop : {first, second}) {
        auto mine = olivia.readSop(sop, {}, {});
        auto theirs = tom.readSop(sop, {}, {});
        REQUIRE(mine);
        REQUIRE(theirs);
        CHECK(mine->version == theirs->version);
        CHECK(mine->body == theirs->body);
    }
    auto firstNow = olivia.readSop(first, {}, {});
    REQUIRE(firstNow);
    CHECK(firstNow->body.find("Olivia: open the bridge call.") != std::string::npos);
    auto secondNow = tom.readSop(second, {}, {});
    REQUIRE(secondNow);
    CHECK(secondNow->body.find("Olivia: call back") != std::string::npos);
    CHECK(secondNow->body.find("Tom: ask for the employee number.") == std::string::npos);
    auto oliviaInfo = olivia.remoteInfo();
    auto tomInfo = tom.remoteInfo();
    REQUIRE(oliviaInfo);
    REQUIRE(tomInfo);
    const std::int64_t common = std::min(oliviaInfo->position, tomInfo->position);
    auto a = olivia.session().fingerprintAt(common);
    auto b = tom.session().fingerprintAt(common);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
}
