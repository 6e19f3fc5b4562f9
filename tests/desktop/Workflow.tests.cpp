// The day's small things, driven through the real widgets: a restore that asks first and says
// what it did, a diff that says "no differences" and shows no raw hunk headers, a SOP archived,
// listed again and published, a draft saved as a draft, an empty state instead of an unrelated
// SOP, the clipboard emptied on lock, the shortcuts list, the reader's zoom, and Ctrl+N that
// says why it cannot start a SOP.
#include "DesktopSupport.h"
#include "HistoryDialog.h"
#include "MainWindow.h"
#include "PasswordDialog.h"
#include "TempDir.h"

#include <catch2/catch.hpp>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

namespace {

QStringList titles(QTreeView* list)
{
    QStringList out;
    for (int i = 0; i < list->model()->rowCount(); ++i) {
        out << list->model()->index(i, 0).data().toString();
    }
    return out;
}

void pick(QTreeView* list, const QString& title)
{
    const int i = int(titles(list).indexOf(title));
    INFO("row " << title.toStdString());
    REQUIRE(i >= 0);
    list->setCurrentIndex(list->model()->index(i, 0));
}

QAction* action(QWidget* window, const char* name)
{
    return child<QAction>(window, name);
}

// A vault made through the wizard (ten samples), its main window shown, the settings this file
// changes back to their defaults before and after.
struct Desk
{
    TempDir dir;
    VaultController controller{dir.path() / "team.sopvault", dir.path() / "state"};
    core::ManualClock clock{kStart};
    std::optional<MainWindow> window;

    Desk()
    {
        resetSettings();
        controller.setClock(&clock);
        createThroughWizard(controller);
        window.emplace(controller);
        window->resize(1280, 800);
        window->showVault();
        window->show();
        // Shortcuts go to the active window, as on a desktop.
        window->activateWindow();
        REQUIRE(QTest::qWaitForWindowActive(&*window));
    }
    ~Desk() { resetSettings(); }
    Desk(const Desk&) = delete;
    Desk& operator=(const Desk&) = delete;

    static void resetSettings()
    {
        QSettings().remove(QStringLiteral("reader/zoom"));
        QSettings().remove(QStringLiteral("list/showArchived"));
    }
    QTreeView* list() { return child<QTreeView>(&*window, "sopList"); }
    QString status() { return window->statusBar()->currentMessage(); }
};

} // namespace

TEST_CASE("restore asks first, then makes a new version and says which", "[desktop][history]")
{
    Desk d;
    pick(d.list(), QStringLiteral("Monthly patching"));
    const core::Id sop = *d.window->currentSop();
    auto& s = d.controller.session();
    core::SopEdit edit;
    auto view = s.readSop(sop);
    REQUIRE(view);
    edit.body = view->body + "\nReboot the hosts in the agreed window.\n";
    edit.baseVersion = view->version;
    REQUIRE(s.editSop(sop, edit));

    HistoryDialog history(d.controller, sop, &*d.window);
    history.show();
    auto* versions = child<QTreeWidget>(&history, "versions");
    REQUIRE(versions->topLevelItemCount() == 2);
    auto* diff = child<QTextBrowser>(&history, "diffView");
    // A change in words: no raw hunk header, the added line marked.
    CHECK_FALSE(diff->toPlainText().contains(QStringLiteral("@@")));
    CHECK(diff->toPlainText().contains(QStringLiteral("from line")));
    CHECK(diff->toPlainText().contains(QStringLiteral("+ Reboot the hosts")));
    screenshot(&history, "history-diff-words");

    QSignalSpy restored(&history, &HistoryDialog::restored);
    versions->setCurrentItem(versions->topLevelItem(0));
    auto* restore = child<QPushButton>(&history, "restoreButton");
    SECTION("Cancel changes nothing")
    {
        QString asked;
        answerNextBox(QStringLiteral("Cancel"), &asked);
        QTest::mouseClick(restore, Qt::LeftButton);
        CHECK(asked.contains(QStringLiteral("Restore version 1?")));
        CHECK(asked.contains(QStringLiteral("new version 3")));
        CHECK(restored.isEmpty());
        CHECK(versions->topLevelItemCount() == 2);
        auto h = s.history(sop);
        REQUIRE(h);
        CHECK(h->size() == 2);
    }
    SECTION("Restore writes version 3, refreshes the list and says so")
    {
        answerNextBox(QStringLiteral("Restore"));
        QTest::mouseClick(restore, Qt::LeftButton);
        REQUIRE(restored.count() == 1);
        CHECK(restored.at(0).at(0).toULongLong() == 1);
        CHECK(restored.at(0).at(1).toULongLong() == 3);
        CHECK(versions->topLevelItemCount() == 3);
        CHECK(child<QLabel>(&history, "historyStatus")->text() ==
              QStringLiteral("Restored: version 3 has the text of version 1."));
        // Version 1 against version 3: the same text, said in words, not a blank pane.
        auto* from = child<QComboBox>(&history, "fromVersion");
        auto* to = child<QComboBox>(&history, "toVersion");
        from->setCurrentIndex(0);
        to->setCurrentIndex(2);
        CHECK(diff->toPlainText().startsWith(QStringLiteral("No differences")));
        screenshot(&history, "history-no-differences");
        // Restoring the current version is not a new version.
        versions->setCurrentItem(versions->topLevelItem(2));
        QTest::mouseClick(restore, Qt::LeftButton);
        CHECK(child<QLabel>(&history, "historyStatus")
                  ->text()
                  .contains(QStringLiteral("already the current one")));
        CHECK(restored.count() == 1);
    }
}

TEST_CASE("a SOP is archived out of the list, listed again on request, and published back",
          "[desktop][states]")
{
    Desk d;
    pick(d.list(), QStringLiteral("Monthly patching"));
    const core::Id sop = *d.window->currentSop();
    auto* archive = action(&*d.window, "archiveAction");
    auto* publish = action(&*d.window, "publishAction");
    CHECK(archive->isEnabled());
    CHECK_FALSE(publish->isEnabled()); // the samples are published
    archive->trigger();
    CHECK_FALSE(titles(d.list()).contains(QStringLiteral("Monthly patching")));
    CHECK(child<QStackedWidget>(&*d.window, "contentStack")->currentIndex() == 0);
    CHECK(child<QLabel>(&*d.window, "emptyState")->text().contains(QStringLiteral("Archived")));
    auto view = d.controller.session().readSop(sop);
    REQUIRE(view);
    CHECK(view->state == core::SopState::Archived);

    action(&*d.window, "showArchivedAction")->setChecked(true);
    REQUIRE(titles(d.list()).contains(QStringLiteral("Monthly patching")));
    pick(d.list(), QStringLiteral("Monthly patching"));
    CHECK_FALSE(archive->isEnabled());
    CHECK(publish->isEnabled());
    CHECK(child<QLabel>(&*d.window, "readerMeta")->text().contains(QStringLiteral("archived")));
    publish->trigger();
    view = d.controller.session().readSop(sop);
    REQUIRE(view);
    CHECK(view->state == core::SopState::Published);
    CHECK(d.status().contains(QStringLiteral("Now published")));
    // The history keeps all three.
    auto h = d.controller.session().history(sop);
    REQUIRE(h);
    CHECK(h->size() == 3);
}

TEST_CASE("the editor saves a new SOP as a draft when asked, and a technician's Ctrl+N says why",
          "[desktop][states]")
{
    Desk d;
    d.window->newSop();
    child<QLineEdit>(&*d.window, "editorTitle")->setText(QStringLiteral("Printer swap"));
    auto* state = child<QComboBox>(&*d.window, "editorState");
    CHECK(state->currentData().toInt() == int(core::SopState::Published));
    state->setCurrentIndex(state->findData(int(core::SopState::Draft)));
    d.window->saveEditor();
    const auto id = d.window->currentSop();
    REQUIRE(id);
    auto view = d.controller.session().readSop(*id);
    REQUIRE(view);
    CHECK(view->state == core::SopState::Draft);
    CHECK(d.status().contains(QStringLiteral("(draft)")));

    auto& s = d.controller.session();
    addTom(s);
    REQUIRE(s.grant("tom", "technician", "Service desk"));
    d.controller.lock();
    d.controller.unlock(QStringLiteral("tom"),
                        *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return d.controller.isUnlocked(); }));
    d.window->showVault();
    QTest::keyClick(&*d.window, Qt::Key_N, Qt::ControlModifier);
    CHECK(child<QStackedWidget>(&*d.window, "contentStack")->currentIndex() != 2);
    CHECK(d.status().contains(QStringLiteral("may not write SOPs")));
}

TEST_CASE("a search with no match shows an empty state, not the SOP that was open",
          "[desktop][empty]")
{
    Desk d;
    pick(d.list(), QStringLiteral("Monthly patching"));
    auto* stack = child<QStackedWidget>(&*d.window, "contentStack");
    REQUIRE(stack->currentIndex() == 1);
    auto* search = child<QLineEdit>(&*d.window, "search");
    QTest::keyClicks(search, QStringLiteral("zebracorn"));
    REQUIRE(waitFor([&] { return d.list()->model()->rowCount() == 0; }));
    CHECK(stack->currentIndex() == 0);
    CHECK(child<QLabel>(&*d.window, "emptyState")->text().contains(QStringLiteral("zebracorn")));
    CHECK_FALSE(d.window->currentSop());
    CHECK_FALSE(child<QPushButton>(&*d.window, "editButton")->isEnabled());
    screenshot(&*d.window, "empty-search");
}

TEST_CASE("locking empties the clipboard of what was copied from the vault", "[desktop][clipboard]")
{
    Desk d;
    pick(d.list(), QStringLiteral("Monthly patching"));
    QTest::mouseClick(child<QPushButton>(&*d.window, "copyLinkButton"), Qt::LeftButton);
    REQUIRE(QApplication::clipboard()->text().startsWith(QStringLiteral("sopvault://")));
    d.controller.lock();
    CHECK(QApplication::clipboard()->text().isEmpty());

    // Something the person copied elsewhere is theirs: a lock leaves it.
    REQUIRE(waitFor([&] { return !d.controller.isUnlocked(); }));
    QApplication::clipboard()->setText(QStringLiteral("not from the vault"));
    d.controller.unlock(QStringLiteral("olivia"),
                        *crypto::SecureBuffer::copyOf(std::string_view("correct horse battery")));
    if (waitFor([&] { return d.controller.isUnlocked(); }, 20000)) {
        d.controller.lock();
    }
    CHECK(QApplication::clipboard()->text() == QStringLiteral("not from the vault"));
}

TEST_CASE("Help lists the shortcuts from the menus, the reader zooms, and its buttons leave Alt "
          "keys to the menus",
          "[desktop][shortcuts]")
{
    Desk d;
    pick(d.list(), QStringLiteral("Monthly patching"));
    for (const char* name : {"editButton", "historyButton", "flagButton"}) {
        INFO(name);
        CHECK_FALSE(child<QPushButton>(&*d.window, name)->text().contains(u'&'));
    }

    auto* reader = child<QTextBrowser>(&*d.window, "readerView");
    const qreal before = reader->font().pointSizeF();
    reader->setFocus();
    QTest::keyClick(reader, Qt::Key_Equal, Qt::ControlModifier);
    QTest::keyClick(reader, Qt::Key_Equal, Qt::ControlModifier);
    CHECK(reader->font().pointSizeF() == Approx(before + 2));
    CHECK(QSettings().value(QStringLiteral("reader/zoom")).toInt() == 2);
    QTest::keyClick(reader, Qt::Key_Minus, Qt::ControlModifier);
    CHECK(reader->font().pointSizeF() == Approx(before + 1));
    QTest::keyClick(reader, Qt::Key_0, Qt::ControlModifier);
    CHECK(reader->font().pointSizeF() == Approx(before));

    QStringList rows;
    QTimer::singleShot(0, [&rows] {
        auto* dialog = QApplication::activeModalWidget();
        REQUIRE(dialog != nullptr);
        auto* list = child<QTreeWidget>(dialog, "shortcutsList");
        for (int i = 0; i < list->topLevelItemCount(); ++i) {
            rows << list->topLevelItem(i)->text(0) + u'=' + list->topLevelItem(i)->text(1);
        }
        screenshot(dialog, "shortcuts");
        dialog->close();
    });
    action(&*d.window, "shortcutsAction")->trigger();
    CHECK(rows.contains(QStringLiteral("File › New SOP=Ctrl+N")));
    CHECK(rows.contains(QStringLiteral("File › Lock=Ctrl+L")));
    CHECK(rows.contains(QStringLiteral("SOP › History=Ctrl+H")));
    CHECK(rows.contains(QStringLiteral("View › Zoom in=Ctrl++, Ctrl+=")));
}

TEST_CASE("adding a person, the strength hint is libpwquality's: a word with digits is weak",
          "[desktop][password]")
{
    Desk d;
    PasswordDialog dialog(d.controller, PasswordDialog::Purpose::AddUser, &*d.window);
    dialog.show();
    auto* strength = child<QLabel>(&dialog, "strength");
    QTest::keyClicks(child<QLineEdit>(&dialog, "userName"), QStringLiteral("maria"));
    QTest::keyClicks(child<QLineEdit>(&dialog, "password"), QStringLiteral("Password1234"));
    CHECK(strength->text().startsWith(QStringLiteral("Weak")));
    screenshot(&dialog, "add-user-weak-password");
    child<QLineEdit>(&dialog, "password")->clear();
    QTest::keyClicks(child<QLineEdit>(&dialog, "password"), QStringLiteral("maria-likes-2024"));
    CHECK(strength->text().contains(QStringLiteral("user name")));
    child<QLineEdit>(&dialog, "password")->clear();
    QTest::keyClicks(child<QLineEdit>(&dialog, "password"),
                     QStringLiteral("blue lantern cactus river"));
    CHECK(strength->text() == QStringLiteral("Strong."));
}
