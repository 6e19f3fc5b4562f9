// The desktop app driven through its real widgets, offscreen: first run, unlock, reading,
// searching, editing with preview, history and restore, reviews, administration, export, and a
// technician for whom export, print and copy-all are off; the unlock dialog after a mistyped
// password; key derivation off the GUI thread; passwords out of Qt's text fields. Screenshots
// land under the build tree.
#include "AdminDialog.h"
#include "DesktopSupport.h"
#include "ExportDialog.h"
#include "FirstRunWizard.h"
#include "HistoryDialog.h"
#include "MainWindow.h"
#include "PasswordDialog.h"
#include "ReviewDialog.h"
#include "SignoffDialog.h"
#include "SopListModel.h"
#include "TempDir.h"
#include "UnlockDialog.h"
#include "Widgets.h"

#include <catch2/catch.hpp>

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateEdit>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextTable>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;

namespace {

// The own-password step an unlock with an owner's choice of password opens, once it shows.
PasswordDialog* ownPasswordStep(UnlockDialog& unlock)
{
    PasswordDialog* own = nullptr;
    REQUIRE(waitFor([&] {
        own = unlock.findChild<PasswordDialog*>(QStringLiteral("ownPasswordDialog"));
        return own != nullptr && own->isVisible();
    }));
    return own;
}

using sopvault::test::TempDir;

// The lowest contrast between any piece of text in a rich-text view and what it is drawn
// on: its own background, its table cell's, or the view's base.
double worstContrast(QTextBrowser* view)
{
    const QPalette palette = view->palette();
    double worst = 21;
    for (QTextBlock block = view->document()->begin(); block.isValid(); block = block.next()) {
        QColor behind = palette.color(QPalette::Base);
        QTextCursor cursor(block);
        if (QTextTable* table = cursor.currentTable()) {
            const QBrush cell = table->cellAt(cursor).format().background();
            if (cell.style() != Qt::NoBrush) {
                behind = cell.color();
            }
        }
        if (block.blockFormat().background().style() != Qt::NoBrush) {
            behind = block.blockFormat().background().color();
        }
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (!fragment.isValid() || fragment.text().trimmed().isEmpty()) {
                continue;
            }
            const QTextCharFormat format = fragment.charFormat();
            const QColor fg = format.foreground().style() != Qt::NoBrush
                                  ? format.foreground().color()
                                  : palette.color(QPalette::Text);
            const QColor bg =
                format.background().style() != Qt::NoBrush ? format.background().color() : behind;
            worst = std::min(worst, contrastRatio(fg, bg));
        }
    }
    return worst;
}

// Types like a person: QTest::keyClicks has no key for a newline, so lines end with Return.
void typeText(QWidget* widget, const QString& text)
{
    const QStringList lines = text.split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (i > 0) {
            QTest::keyClick(widget, Qt::Key_Return);
        }
        QTest::keyClicks(widget, lines[i]);
    }
}

// The SOP list is an item model: rows and the title column, as the view shows them.
int rows(QTreeView* list)
{
    return list->model()->rowCount();
}

QStringList titles(QTreeView* list)
{
    QStringList out;
    for (int i = 0; i < rows(list); ++i) {
        out << list->model()->index(i, 0).data().toString();
    }
    return out;
}

// The row showing `title`, or an invalid index.
QModelIndex findRow(QTreeView* list, const QString& title)
{
    const int i = int(titles(list).indexOf(title));
    return i < 0 ? QModelIndex() : list->model()->index(i, 0);
}

QTreeWidgetItem* findItem(QTreeWidget* list, const QString& title)
{
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        if (list->topLevelItem(i)->text(0) == title) {
            return list->topLevelItem(i);
        }
    }
    return nullptr;
}

} // namespace

TEST_CASE("the desktop app, driven like a user drives it", "[desktop]")
{
    TempDir dir;
    const auto vault = dir.path() / "team.sopvault";
    VaultController controller(vault, dir.path() / "state");
    // Reviews run on days: a clock the test can move.
    core::ManualClock clock(kStart);
    controller.setClock(&clock);
    REQUIRE_FALSE(controller.vaultExists());
    createThroughWizard(controller);

    MainWindow window(controller);
    window.resize(1280, 800);
    window.showVault();
    window.show();
    auto* list = child<QTreeView>(&window, "sopList");
    REQUIRE(rows(list) == 10);
    CHECK(titles(list).contains(QStringLiteral("P1 major incident")));

    // Read a sample SOP: rendered, tickable, with its actions.
    list->setCurrentIndex(findRow(list, QStringLiteral("P1 major incident")));
    auto* reader = child<QTextBrowser>(&window, "readerView");
    CHECK(reader->toPlainText().contains(QStringLiteral("30 minutes")));
    CHECK(child<QPushButton>(&window, "exportButton")->isEnabled());
    screenshot(&window, "03-main-window-samples");

    SECTION("search finds a sample SOP by a word in its body, as you type")
    {
        auto* search = child<QLineEdit>(&window, "search");
        QTest::keyClicks(search, QStringLiteral("callbac"));
        // The list turns into search results (fewer rows, the match among them).
        REQUIRE(waitFor([&] {
            return rows(list) < 10 &&
                   findRow(list, QStringLiteral("Password reset with identity check")).isValid();
        }));
        CHECK_FALSE(findRow(list, QStringLiteral("Monthly patching")).isValid());
        screenshot(&window, "04-search");
        search->clear();
        REQUIRE(waitFor([&] { return rows(list) == 10; }));
    }

    SECTION("create and edit a SOP with a live preview; history shows the diff; restore")
    {
        window.newSop();
        auto* title = child<QLineEdit>(&window, "editorTitle");
        auto* text = child<QPlainTextEdit>(&window, "editorText");
        auto* preview = child<QTextBrowser>(&window, "editorPreview");
        QTest::keyClicks(title, QStringLiteral("Printer jam at reception"));
        child<QComboBox>(&window, "editorCollection")
            ->setCurrentText(QStringLiteral("Service desk"));
        text->selectAll();
        typeText(text, QStringLiteral("# Printer jam\n\n- [ ] Open tray 2\n- [ ] Clear the "
                                      "paper\n"));
        REQUIRE(waitFor(
            [&] { return preview->toPlainText().contains(QStringLiteral("Clear the paper")); }));
        QTest::keyClicks(child<QLineEdit>(&window, "editorMessage"), QStringLiteral("first draft"));
        child<QSpinBox>(&window, "editorReviewEvery")->setValue(30);
        screenshot(&window, "05-editor-preview");
        QTest::mouseClick(child<QPushButton>(&window, "saveButton"), Qt::LeftButton);
        REQUIRE(findRow(list, QStringLiteral("Printer jam at reception")).isValid());
        CHECK(child<QStackedWidget>(&window, "contentStack")->currentIndex() == 1);
        CHECK(reader->toPlainText().contains(QStringLiteral("Clear the paper")));
        {
            auto& session = controller.session();
            REQUIRE(window.currentSop());
            auto view = session.readSop(*window.currentSop());
            REQUIRE(view);
            CHECK(view->reviewEveryDays == 30); // the review schedule is set from the editor
        }

        window.editCurrent();
        text->moveCursor(QTextCursor::End);
        typeText(text, QStringLiteral("- [ ] Print a test page\n"));
        QTest::keySequence(&window, QKeySequence::Save);
        REQUIRE(
            waitFor([&] { return reader->toPlainText().contains(QStringLiteral("test page")); }));

        const auto id = *window.currentSop();
        HistoryDialog history(controller, id, &window);
        history.show();
        auto* versions = child<QTreeWidget>(&history, "versions");
        REQUIRE(versions->topLevelItemCount() == 2);
        CHECK(child<QTextBrowser>(&history, "diffView")
                  ->toPlainText()
                  .contains(QStringLiteral("+ - [ ] Print a test page")));
        screenshot(&history, "06-history-diff");
        QSignalSpy restored(&history, &HistoryDialog::restored);
        versions->setCurrentItem(versions->topLevelItem(0));
        answerNextBox(QStringLiteral("Restore"));
        QTest::mouseClick(child<QPushButton>(&history, "restoreButton"), Qt::LeftButton);
        CHECK(restored.count() == 1);
        CHECK(versions->topLevelItemCount() == 3);
        history.close();
        window.openSop(*window.currentSop());
        CHECK_FALSE(reader->toPlainText().contains(QStringLiteral("test page")));
    }

    SECTION("the review dashboard plans ahead and a sign-off clears the SOP")
    {
        {
            ReviewDialog today(controller, &window);
            CHECK(child<QTreeWidget>(&today, "dueList")->topLevelItemCount() == 0);
            // Planning ahead: the as-of date shows what will be overdue.
            auto* asOf = child<QDateEdit>(&today, "asOf");
            asOf->setDate(asOf->date().addDays(100));
            CHECK(child<QTreeWidget>(&today, "dueList")->topLevelItemCount() == 10);
        }
        clock.advance(100 * 86400); // a hundred days later, nothing was reviewed
        ReviewDialog reviews(controller, &window);
        reviews.show();
        auto* due = child<QTreeWidget>(&reviews, "dueList");
        REQUIRE(due->topLevelItemCount() == 10);
        CHECK(due->topLevelItem(0)->text(3) == QStringLiteral("overdue"));
        screenshot(&reviews, "07-review-dashboard");
        const QString first = due->topLevelItem(0)->text(0);
        SignoffDialog signoff(
            controller, due->topLevelItem(0)->data(0, kReviewIdRole).value<core::Id>(), &reviews);
        signoff.show();
        QTest::keyClicks(child<QPlainTextEdit>(&signoff, "comment"), QStringLiteral("checked"));
        screenshot(&signoff, "08-signoff");
        signoff.submit();
        reviews.load();
        CHECK(due->topLevelItemCount() == 9);
        CHECK(findItem(due, first) == nullptr);
    }

    SECTION("administration, and a technician for whom export, print and copy-all are off")
    {
        addTom(controller.session());
        AdminDialog admin(controller, QStringLiteral("Security"), &window);
        admin.show();
        child<QComboBox>(&admin, "grantUser")->setCurrentText(QStringLiteral("tom"));
        child<QComboBox>(&admin, "grantRole")->setCurrentText(QStringLiteral("technician"));
        child<QComboBox>(&admin, "grantCollection")->setCurrentText(QStringLiteral("Security"));
        QTest::mouseClick(child<QPushButton>(&admin, "grantButton"), Qt::LeftButton);
        auto* grants = child<QTreeWidget>(&admin, "grantList");
        REQUIRE(grants->topLevelItemCount() == 1);
        child<QComboBox>(&admin, "accessTarget")->setCurrentText(QStringLiteral("Security"));
        CHECK(findItem(child<QTreeWidget>(&admin, "accessList"), QStringLiteral("tom")) != nullptr);
        screenshot(&admin, "09-administration");
        child<QTabWidget>(&admin, "adminTabs")->setCurrentIndex(3);
        screenshot(&admin, "10-who-can-see-this");
        admin.close();

        QSignalSpy locked(&controller, &VaultController::locked);
        controller.lock();
        CHECK(locked.count() == 1);
        CHECK(rows(list) == 0); // locking clears every view
        CHECK(reader->toPlainText().isEmpty());

        UnlockDialog unlock(controller);
        unlock.show();
        child<QLineEdit>(&unlock, "user")->setText(QStringLiteral("tom"));
        QTest::keyClicks(child<QLineEdit>(&unlock, "password"), QStringLiteral("wrong"));
        QTest::mouseClick(child<QPushButton>(&unlock, "unlockButton"), Qt::LeftButton);
        REQUIRE(waitFor([&] { return !child<QLabel>(&unlock, "error")->text().isEmpty(); }));
        CHECK(child<QLabel>(&unlock, "error")->text().contains(QStringLiteral("wrong password")));
        screenshot(&unlock, "11-unlock");
        QTest::keyClicks(child<QLineEdit>(&unlock, "password"), QStringLiteral("tom pw"));
        QTest::mouseClick(child<QPushButton>(&unlock, "unlockButton"), Qt::LeftButton);
        // The owner chose tom's password: he chooses his own before the vault opens.
        PasswordDialog* own = ownPasswordStep(unlock);
        CHECK(unlock.isVisible());
        CHECK(unlock.result() != QDialog::Accepted);
        CHECK(child<QLabel>(own, "passwordNote")->text().contains(QStringLiteral("owner chose")));
        screenshot(own, "11b-choose-own-password");
        QTest::keyClicks(child<QLineEdit>(own, "password"), QStringLiteral("tom's own words"));
        QTest::keyClicks(child<QLineEdit>(own, "confirm"), QStringLiteral("tom's own words"));
        QTest::mouseClick(child<QPushButton>(own, "okButton"), Qt::LeftButton);
        REQUIRE(waitFor([&] { return !unlock.isVisible(); }));
        CHECK(unlock.result() == QDialog::Accepted);
        REQUIRE(controller.isUnlocked());
        CHECK_FALSE(controller.passwordSetByOwner());

        window.showVault();
        REQUIRE(rows(list) == 2); // Security only
        list->setCurrentIndex(list->model()->index(0, 0));
        for (const char* name : {"exportButton", "printButton", "copyAllButton", "editButton"}) {
            INFO(name);
            CHECK_FALSE(child<QPushButton>(&window, name)->isEnabled());
        }
        CHECK(child<QPushButton>(&window, "exportButton")
                  ->toolTip()
                  .contains(QStringLiteral("export right")));
        CHECK(child<QPushButton>(&window, "flagButton")->isEnabled());
        screenshot(&window, "12-technician");

        // The button is only a hint: the copy path itself reaches core, which refuses.
        QApplication::clipboard()->clear();
        window.statusBar()->clearMessage();
        window.copyAll();
        CHECK(window.statusBar()->currentMessage().contains(
            QStringLiteral("You do not have the 'export' right on Security")));
        CHECK(QApplication::clipboard()->text().isEmpty());

        // Ctrl+A then Ctrl+C in the reader is a copy of everything: the same check, no text.
        window.statusBar()->clearMessage();
        reader->setFocus();
        QTest::keyClick(reader, Qt::Key_A, Qt::ControlModifier);
        REQUIRE(reader->textCursor().hasSelection());
        QTest::keyClick(reader, Qt::Key_C, Qt::ControlModifier);
        CHECK(QApplication::clipboard()->text().isEmpty());
        CHECK(window.statusBar()->currentMessage().contains(
            QStringLiteral("You do not have the 'export' right")));

        // The owner sees both refusals in the audit log: core refused them, not the widgets.
        controller.lock();
        controller.unlock(QStringLiteral("olivia"),
                          *crypto::SecureBuffer::copyOf(std::string_view("correct horse battery")));
        REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
        auto audit = controller.session().audit();
        REQUIRE(audit);
        int denied = 0;
        for (const auto& entry : *audit) {
            denied += entry.action == "export-denied" && entry.actor == "tom" ? 1 : 0;
        }
        CHECK(denied == 2);
    }

    SECTION("export to PDF with the watermark preview")
    {
        REQUIRE(window.currentSop());
        ExportDialog dialog(controller, *window.currentSop(), &window);
        dialog.show();
        CHECK(child<QLabel>(&dialog, "watermarkPreview")
                  ->text()
                  .contains(QStringLiteral("Exported from SOP Vault by olivia")));
        const QString out = QString::fromStdString((dir.path() / "p1.pdf").string());
        child<QLineEdit>(&dialog, "exportPath")->setText(out);
        screenshot(&dialog, "13-export-dialog");
        dialog.doExport();
        QFile pdf(out);
        REQUIRE(pdf.open(QIODevice::ReadOnly));
        CHECK(pdf.read(4) == QByteArray("%PDF"));
        CHECK(pdf.size() > 2000);
    }

    SECTION("a lock closes the export dialog, and nothing is exported")
    {
        REQUIRE(window.currentSop());
        ExportDialog dialog(controller, *window.currentSop(), &window);
        const QString out = QString::fromStdString((dir.path() / "after-lock.pdf").string());
        child<QLineEdit>(&dialog, "exportPath")->setText(out);
        bool openAfterLock = false;
        bool shown = false;
        QTimer::singleShot(0, &dialog, [&] {
            shown = dialog.isVisible();
            controller.lock(); // as the idle timer does
            openAfterLock = dialog.isVisible();
            if (openAfterLock) {
                dialog.doExport(); // what a click on Export would do: it must fail
                dialog.done(QDialog::Accepted);
            }
        });
        CHECK(dialog.exec() == QDialog::Rejected);
        CHECK(shown);
        CHECK_FALSE(openAfterLock);
        CHECK_FALSE(QFileInfo::exists(out));
    }
}

namespace {

UnlockDialog* visibleUnlockDialog()
{
    for (QWidget* w : QApplication::topLevelWidgets()) {
        if (auto* d = qobject_cast<UnlockDialog*>(w); d != nullptr && d->isVisible()) {
            return d;
        }
    }
    return nullptr;
}

// Keys go where a person's keys go: to whatever has the focus.
QWidget* focused()
{
    QWidget* w = QApplication::focusWidget();
    INFO("focus widget");
    REQUIRE(w != nullptr);
    return w;
}

} // namespace

TEST_CASE("a mistyped password then the right one and Enter unlocks, never quits",
          "[desktop][unlock]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    MainWindow window(controller);
    window.showVault();
    window.show();
    bool quit = false;
    unlockAgainOnLock(controller, window, [&] { quit = true; });

    controller.lock();
    QPointer<UnlockDialog> unlock;
    REQUIRE(waitFor([&] {
        unlock = visibleUnlockDialog();
        return unlock != nullptr;
    }));
    CHECK_FALSE(window.isVisible());
    REQUIRE(QTest::qWaitForWindowActive(unlock.data()));
    child<QLineEdit>(unlock.data(), "user")->setText(QStringLiteral("olivia"));
    auto* password = child<QLineEdit>(unlock.data(), "password");
    password->setFocus();

    QTest::keyClicks(focused(), QStringLiteral("wrong"));
    QTest::keyClick(focused(), Qt::Key_Return);
    CHECK(password->text().isEmpty()); // it went to secure memory
    // Enter again while the key is derived: nothing, the dialog stays.
    QTest::keyClick(focused(), Qt::Key_Return);
    QTest::keyClick(focused(), Qt::Key_Escape);
    REQUIRE(unlock);
    CHECK(unlock->isVisible());
    REQUIRE(waitFor([&] { return !child<QLabel>(unlock.data(), "error")->text().isEmpty(); }));
    CHECK(focused() == password);
    CHECK(password->selectedText() == password->text());
    screenshot(unlock.data(), "14-unlock-after-wrong-password");

    QTest::keyClicks(focused(), QStringLiteral("correct horse battery"));
    QTest::keyClick(focused(), Qt::Key_Return);
    REQUIRE(waitFor([&] { return controller.isUnlocked() && window.isVisible(); }));
    CHECK_FALSE(quit);
    CHECK(rows(child<QTreeView>(&window, "sopList")) == 10);
}

TEST_CASE("the toolbar holds the everyday actions, each with its icon and shortcut",
          "[desktop][toolbar]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    MainWindow window(controller);
    window.showVault();
    auto* toolbar = child<QToolBar>(&window, "mainToolbar");
    QStringList names;
    for (QAction* action : toolbar->actions()) {
        if (action->isSeparator() || action->objectName().isEmpty()) {
            continue; // the search and ticket fields are widgets
        }
        names << action->objectName();
        INFO(action->objectName().toStdString());
        // The icon is in the build (a missing resource gives a null pixmap).
        CHECK_FALSE(action->icon().pixmap(QSize(22, 22)).isNull());
        CHECK_FALSE(action->toolTip().contains(QLatin1Char('&')));
        if (!action->shortcut().isEmpty()) {
            CHECK(
                action->toolTip().contains(action->shortcut().toString(QKeySequence::NativeText)));
        }
    }
    CHECK(names == QStringList{QStringLiteral("newAction"), QStringLiteral("importAction"),
                               QStringLiteral("printAction"), QStringLiteral("exportAction"),
                               QStringLiteral("reviewsAction"), QStringLiteral("syncNowAction"),
                               QStringLiteral("lockAction"), QStringLiteral("shortcutsAction")});
    // They are the menus' own actions: one enabled state, one shortcut.
    CHECK(child<QAction>(&window, "lockAction")->isEnabled());
    QSignalSpy locked(&controller, &VaultController::locked);
    child<QAction>(&window, "lockAction")->trigger();
    CHECK(locked.count() == 1);
}

TEST_CASE("someone whose password an owner chose cannot open the vault without choosing "
          "their own",
          "[desktop][unlock]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    addTom(controller.session());
    controller.lock();

    UnlockDialog unlock(controller);
    unlock.show();
    child<QLineEdit>(&unlock, "user")->setText(QStringLiteral("tom"));
    QTest::keyClicks(child<QLineEdit>(&unlock, "password"), QStringLiteral("tom pw"));
    QTest::mouseClick(child<QPushButton>(&unlock, "unlockButton"), Qt::LeftButton);
    PasswordDialog* own = ownPasswordStep(unlock);
    // Quit instead: the vault locks again and the unlock is refused, as its Cancel would.
    QTest::mouseClick(child<QPushButton>(own, "cancelButton"), Qt::LeftButton);
    REQUIRE(waitFor([&] { return !unlock.isVisible(); }));
    CHECK(unlock.result() == QDialog::Rejected);
    CHECK_FALSE(controller.isUnlocked());

    // The owner's choice still opens the keys, and is asked about again next time.
    controller.unlock(QStringLiteral("tom"),
                      *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
    CHECK(controller.passwordSetByOwner());

    // A lock while a password dialog is open closes it: no write through a session gone.
    PasswordDialog change(controller, PasswordDialog::Purpose::ChangePassword);
    change.show();
    controller.lock();
    CHECK_FALSE(change.isVisible());
    CHECK(change.result() == QDialog::Rejected);
}

TEST_CASE("adding a user derives the key on a worker while the dialog shows it is busy",
          "[desktop][admin]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    AdminDialog admin(controller, QString());
    admin.show();
    auto* users = child<QTreeWidget>(&admin, "userList");
    QTest::mouseClick(child<QPushButton>(&admin, "addUserButton"), Qt::LeftButton);
    QPointer<PasswordDialog> add =
        admin.findChild<PasswordDialog*>(QStringLiteral("addUserDialog"));
    REQUIRE(add);
    REQUIRE(add->isVisible());
    QTest::keyClicks(child<QLineEdit>(add.data(), "userName"), QStringLiteral("tom"));
    QTest::keyClicks(child<QLineEdit>(add.data(), "password"), QStringLiteral("tom's first pw"));
    auto* confirm = child<QLineEdit>(add.data(), "confirm");
    QTest::keyClicks(confirm, QStringLiteral("tom's first pw"));
    auto* kdf = child<QComboBox>(add.data(), "kdf");
    kdf->setCurrentIndex(kdf->findData(int(crypto::KdfProfile::Interactive)));
    QSignalSpy added(&controller, &VaultController::userAdded);

    QTest::keyClick(confirm, Qt::Key_Return);
    // The key press has returned, so Argon2id did not run on this thread: the work is still
    // out on the worker, the dialog says so, and tom is not there yet.
    CHECK(controller.busy());
    CHECK(child<QProgressBar>(add.data(), "busy")->isVisible());
    CHECK(added.count() == 0);
    CHECK(findItem(users, QStringLiteral("tom")) == nullptr);
    CHECK(child<QLineEdit>(add.data(), "password")->text().isEmpty());
    CHECK(confirm->text().isEmpty());
    screenshot(add.data(), "15-add-user-deriving");

    REQUIRE(waitFor([&] { return added.count() == 1; }));
    CHECK_FALSE(controller.busy());
    CHECK(findItem(users, QStringLiteral("tom")) != nullptr);
    REQUIRE(waitFor([&] { return add.isNull() || !add->isVisible(); }));

    // The password that reached core is the one typed.
    controller.lock();
    controller.unlock(QStringLiteral("tom"),
                      *crypto::SecureBuffer::copyOf(std::string_view("tom's first pw")));
    REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
    CHECK(controller.session().userName() == "tom");
}

namespace {
const QChar* g_wiped = nullptr;
bool g_wipedToZero = false;
} // namespace

TEST_CASE("a password taken from its field overwrites the field's own text buffer, not a copy",
          "[desktop][secrets]")
{
    QLineEdit field;
    field.setEchoMode(QLineEdit::Password);
    QTest::keyClicks(&field, QStringLiteral("hunter2 horse"));
    REQUIRE(field.isUndoAvailable());
    // The buffer the field holds the text in (a copy of a QString shares it).
    const QChar* fieldBuffer = field.text().constData();
    g_wiped = nullptr;
    g_wipedToZero = false;
    detail::setTextWipeObserver([](const QChar* data, qsizetype size) {
        g_wiped = data;
        g_wipedToZero = std::all_of(data, data + size, [](QChar c) { return c.isNull(); });
    });
    auto password = takePassword(field);
    detail::setTextWipeObserver(nullptr);
    REQUIRE(password);
    CHECK(password->view() == "hunter2 horse");
    CHECK(field.text().isEmpty());
    CHECK_FALSE(field.isUndoAvailable()); // the undo list of typed characters is gone too
    CHECK(g_wiped == fieldBuffer);
    CHECK(g_wipedToZero);
}

TEST_CASE("a text buffer that another QString still shares is let go, not overwritten",
          "[desktop][secrets]")
{
    QString kept = QString::fromUtf8("shared secret");
    QString copy = kept;
    CHECK_FALSE(wipeText(copy)); // overwriting would only have detached a fresh copy
    CHECK(copy.isEmpty());
    CHECK(kept == QStringLiteral("shared secret"));
    QString alone = QString::fromUtf8("lonely secret");
    CHECK(wipeText(alone));
    CHECK(alone.isEmpty());
}

TEST_CASE("the list's review date after an approval is core's new due date, not created + "
          "interval",
          "[desktop][reviews]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    core::ManualClock clock(kStart);
    controller.setClock(&clock);
    createThroughWizard(controller);
    MainWindow window(controller);
    window.showVault();
    window.show();
    auto* list = child<QTreeView>(&window, "sopList");
    auto row = findRow(list, QStringLiteral("P1 major incident"));
    REQUIRE(row.isValid());
    const QString createdDue = row.siblingAtColumn(3).data().toString();
    const auto id = row.data(SopListModel::IdRole).value<core::Id>();
    auto summary = controller.session().summary(id);
    REQUIRE(summary);
    const std::uint32_t interval = summary->reviewEveryDays;

    clock.advance(40 * 86400); // approved forty days after it was written
    SignoffDialog signoff(controller, id, &window);
    signoff.show();
    QTest::keyClicks(child<QPlainTextEdit>(&signoff, "comment"), QStringLiteral("still right"));
    signoff.submit();
    window.showVault();

    row = findRow(list, QStringLiteral("P1 major incident"));
    REQUIRE(row.isValid());
    CHECK(row.siblingAtColumn(3).data().toString() ==
          formatDate(clock.now() + std::int64_t(interval) * 86400));
    CHECK(row.siblingAtColumn(3).data().toString() != createdDue);
    screenshot(&window, "16-review-date-after-approval");
}

TEST_CASE("an owner sees the exfiltration alarm in the status bar", "[desktop][alarm]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    core::ManualClock clock(kStart);
    controller.setClock(&clock);
    createThroughWizard(controller);
    MainWindow window(controller);
    window.showVault();
    window.show();
    auto* alert = child<QLabel>(&window, "alertLabel");
    CHECK_FALSE(alert->isVisible());

    // The owner's signed threshold: more than three SOPs in ten minutes.
    auto& s = controller.session();
    REQUIRE(s.setAlarm({3, 10}));
    auto list = s.listSops();
    REQUIRE(list);
    REQUIRE(list->size() >= 4);
    for (std::size_t i = 0; i < 4; ++i) {
        REQUIRE(s.readSop((*list)[i].id));
        clock.advance(30);
    }
    window.showVault();
    REQUIRE(alert->isVisible());
    CHECK(alert->text().contains(toQString(s.userName())));
    CHECK(alert->text().contains(QStringLiteral("read 4 SOPs")));
    screenshot(&window, "17-reading-alert");
}

TEST_CASE("the SOP list carries each SOP's id in a role, in a listing and in search results",
          "[desktop][model]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    MainWindow window(controller);
    window.showVault();
    window.show();
    auto* list = child<QTreeView>(&window, "sopList");
    auto sops = controller.session().listSops();
    REQUIRE(sops);
    REQUIRE(rows(list) == int(sops->size()));
    for (const auto& s : *sops) {
        const auto row = findRow(list, toQString(s.title));
        INFO(s.title);
        REQUIRE(row.isValid());
        CHECK(row.data(SopListModel::IdRole).value<core::Id>() == s.id);
        CHECK(row.data(SopListModel::CollectionRole).toString() == toQString(s.collection));
    }

    QTest::keyClicks(child<QLineEdit>(&window, "search"), QStringLiteral("callbac"));
    REQUIRE(waitFor([&] { return rows(list) > 0 && rows(list) < int(sops->size()); }));
    const auto hit = findRow(list, QStringLiteral("Password reset with identity check"));
    REQUIRE(hit.isValid());
    const auto id = hit.data(SopListModel::IdRole).value<core::Id>();
    auto summary = controller.session().summary(id);
    REQUIRE(summary);
    CHECK(summary->title == "Password reset with identity check");
    // Choosing the row opens exactly that SOP.
    list->setCurrentIndex(hit);
    REQUIRE(window.currentSop());
    CHECK(*window.currentSop() == id);
}

TEST_CASE("ungranting rotates keys on a worker while administration shows it is busy",
          "[desktop][admin]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    addTom(controller.session());
    REQUIRE(controller.session().grant("tom", "technician", "Security"));
    AdminDialog admin(controller, QStringLiteral("Security"));
    admin.show();
    auto* grants = child<QTreeWidget>(&admin, "grantList");
    REQUIRE(grants->topLevelItemCount() == 1);
    child<QComboBox>(&admin, "grantUser")->setCurrentText(QStringLiteral("tom"));
    child<QComboBox>(&admin, "grantRole")->setCurrentText(QStringLiteral("technician"));
    child<QComboBox>(&admin, "grantCollection")->setCurrentText(QStringLiteral("Security"));
    QSignalSpy ungranted(&controller, &VaultController::ungranted);

    QTest::mouseClick(child<QPushButton>(&admin, "ungrantButton"), Qt::LeftButton);
    // The click has returned and the re-keying is still out on the worker: the dialog is
    // greyed out and cannot be closed under it.
    CHECK(controller.busy());
    CHECK_FALSE(child<QTabWidget>(&admin, "adminTabs")->isEnabled());
    CHECK(ungranted.count() == 0);
    admin.reject();
    CHECK(admin.isVisible());

    REQUIRE(waitFor([&] { return ungranted.count() == 1; }));
    CHECK_FALSE(controller.busy());
    CHECK(child<QTabWidget>(&admin, "adminTabs")->isEnabled());
    CHECK(grants->topLevelItemCount() == 0);
    CHECK(child<QLabel>(&admin, "status")->text().contains(QStringLiteral("rotated")));
    auto access = controller.session().access("Security");
    REQUIRE(access);
    for (const auto& a : *access) {
        CHECK(a.user != "tom");
    }
}

TEST_CASE("the add-user dialog says the two passwords differ as they are typed, like the "
          "first-run wizard",
          "[desktop][password]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    {
        FirstRunWizard wizard(controller);
        wizard.show();
        QTest::keyClicks(child<QLineEdit>(&wizard, "password"), QStringLiteral("one two three"));
        QTest::keyClicks(child<QLineEdit>(&wizard, "confirm"), QStringLiteral("one two"));
        CHECK(child<QLabel>(&wizard, "mismatch")->isVisible());
        CHECK(child<QLabel>(&wizard, "mismatch")->text().contains(QStringLiteral("differ")));
    }
    createThroughWizard(controller);
    PasswordDialog add(controller, PasswordDialog::Purpose::AddUser);
    add.show();
    auto* mismatch = child<QLabel>(&add, "mismatch");
    QTest::keyClicks(child<QLineEdit>(&add, "password"), QStringLiteral("tom's first pw"));
    CHECK(child<QLabel>(&add, "strength")->text().contains(QStringLiteral("Strong")));
    QTest::keyClicks(child<QLineEdit>(&add, "confirm"), QStringLiteral("tom's"));
    CHECK(mismatch->isVisible());
    CHECK(mismatch->text().contains(QStringLiteral("differ")));
    QTest::keyClicks(child<QLineEdit>(&add, "confirm"), QStringLiteral(" first pw"));
    CHECK_FALSE(mismatch->isVisible());
}

TEST_CASE("history offers restore only to those who may edit the SOP's own collection",
          "[desktop][history]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    auto& s = controller.session();
    auto sops = s.listSops();
    REQUIRE(sops);
    const auto it = std::find_if(sops->begin(), sops->end(),
                                 [](const auto& x) { return x.collection == "Security"; });
    REQUIRE(it != sops->end());
    const core::Id sop = it->id;
    core::SopEdit edit;
    edit.title = it->title;
    auto view = s.readSop(sop);
    REQUIRE(view);
    edit.body = view->body + "\nOne more line.\n";
    edit.baseVersion = view->version;
    REQUIRE(s.editSop(sop, edit));
    addTom(s);
    // tom edits elsewhere, and only reads Security.
    REQUIRE(s.grant("tom", "editor", "Service desk"));
    REQUIRE(s.grant("tom", "technician", "Security"));
    controller.lock();
    controller.unlock(QStringLiteral("tom"),
                      *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return controller.isUnlocked(); }));

    HistoryDialog history(controller, sop);
    history.show();
    REQUIRE(child<QTreeWidget>(&history, "versions")->topLevelItemCount() == 2);
    CHECK_FALSE(child<QPushButton>(&history, "restoreButton")->isEnabled());
    // Core agrees: the restore itself is refused.
    CHECK_FALSE(controller.session().restore(sop, 1));
}

TEST_CASE("in a dark palette the reader's headings, table heads, code and quotes stay readable",
          "[desktop][theme]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    DarkPalette dark;
    REQUIRE(darkPalette());
    createThroughWizard(controller, QStringLiteral("dark-"));
    MainWindow window(controller);
    window.showVault();
    window.show();
    auto* list = child<QTreeView>(&window, "sopList");
    auto* reader = child<QTextBrowser>(&window, "readerView");
    // Every sample: between them they have headings, tables, code and quotes.
    for (const QString& title : titles(list)) {
        list->setCurrentIndex(findRow(list, title));
        INFO(title.toStdString());
        CHECK(worstContrast(reader) >= 4.5);
    }
}

TEST_CASE("the main screens at 1024x700 and 1440x900, in a light and a dark palette",
          "[desktop][screenshots]")
{
    forEachThemeAndSize(
        QStringLiteral("theme-"), {}, [](VaultController& controller, const Look& look) {
            const QString shot = QStringLiteral("size-%1-").arg(look.label());
            MainWindow window(controller);
            window.resize(look.size);
            window.showVault();
            window.show();
            auto* list = child<QTreeView>(&window, "sopList");
            list->setCurrentIndex(findRow(list, QStringLiteral("P1 major incident")));
            REQUIRE(window.currentSop());
            QTest::qWait(50); // the layouts settle as they would on screen
            // Every button of the reader fits: none is squeezed below what its text needs.
            for (auto* button :
                 child<QWidget>(&window, "contentStack")->findChildren<QPushButton*>()) {
                if (button->isVisible()) {
                    INFO(button->objectName().toStdString()
                         << " at " << look.label().toStdString());
                    CHECK(button->width() >= button->minimumSizeHint().width());
                }
            }
            // Titles and collection names are readable, not squeezed to their first letters.
            const QFontMetrics metrics(list->font());
            CHECK(list->columnWidth(0) >=
                  metrics.horizontalAdvance(QStringLiteral("P1 major incident")));
            auto* collections = child<QTreeWidget>(&window, "collections");
            for (QTreeWidgetItemIterator it(collections); *it != nullptr; ++it) {
                const QModelIndex index = collections->indexFromItem(*it);
                INFO((*it)->text(0).toStdString() << " at " << look.label().toStdString());
                CHECK(collections->visualRect(index).left() +
                          metrics.horizontalAdvance((*it)->text(0)) <=
                      collections->viewport()->width());
            }
            screenshot(&window, shot + QStringLiteral("reader"));
            // No sample makes the reader scroll sideways: long code lines and paths in tables
            // wrap (the Technician offboarding sample has both).
            auto* reader = child<QTextBrowser>(&window, "readerView");
            for (int row = 0; row < list->model()->rowCount(); ++row) {
                list->setCurrentIndex(list->model()->index(row, 0));
                QTest::qWait(50); // a long page is laid out in steps
                INFO(list->currentIndex().data().toString().toStdString()
                     << " at " << look.label().toStdString());
                CHECK_FALSE(reader->horizontalScrollBar()->isVisible());
                CHECK(reader->document()->size().width() <= reader->viewport()->width() + 2);
            }
            list->setCurrentIndex(findRow(list, QStringLiteral("P1 major incident")));
            window.newSop();
            screenshot(&window, shot + QStringLiteral("editor"));
            window.cancelEditor();
            ReviewDialog reviews(controller, &window);
            reviews.resize(look.size);
            reviews.show();
            screenshot(&reviews, shot + QStringLiteral("reviews"));
            reviews.close();
            AdminDialog admin(controller, QStringLiteral("Security"), &window);
            admin.resize(look.size);
            admin.show();
            screenshot(&admin, shot + QStringLiteral("administration"));
            admin.close();
            HistoryDialog history(controller, *window.currentSop(), &window);
            history.resize(look.size);
            history.show();
            screenshot(&history, shot + QStringLiteral("history"));
            history.close();
        });
}

TEST_CASE("the export dialog previews core's own watermark line", "[desktop][export]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    core::ManualClock clock(kStart);
    controller.setClock(&clock);
    createThroughWizard(controller);
    auto sops = controller.session().listSops();
    REQUIRE(sops);
    REQUIRE_FALSE(sops->empty());
    const core::Id sop = sops->front().id;
    ExportDialog dialog(controller, sop);
    dialog.show();
    auto line = controller.session().watermarkLine(sop);
    REQUIRE(line);
    CHECK(child<QLabel>(&dialog, "watermarkPreview")->text() == toQString(*line));
}

TEST_CASE("the menus offer what core's abilities say: an editor may import, not administer",
          "[desktop][abilities]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    auto& s = controller.session();
    addTom(s);
    REQUIRE(s.grant("tom", "editor", "Service desk"));
    controller.lock();
    controller.unlock(QStringLiteral("tom"),
                      *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
    MainWindow window(controller);
    window.showVault();
    window.show();
    const core::Abilities can = controller.session().abilities();
    REQUIRE(can.importFolders);
    REQUIRE_FALSE(can.administer);
    CHECK(child<QAction>(&window, "importAction")->isEnabled());
    CHECK(child<QAction>(&window, "newAction")->isEnabled() == can.createSops);
    CHECK_FALSE(child<QAction>(&window, "adminAction")->isEnabled());
}
