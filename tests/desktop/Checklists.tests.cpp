// Reading obligations and starting points, driven through the real widgets: the bar that asks a
// person to confirm they read the version on screen and its button, the owners' attestations
// view, and the New SOP template chooser filling the editor.
#include "DesktopSupport.h"
#include "MainWindow.h"
#include "TempDir.h"

#include <catch2/catch.hpp>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

namespace {

// A vault made through the wizard (ten samples), its main window shown.
struct Desk
{
    TempDir dir;
    VaultController controller{dir.path() / "team.sopvault", dir.path() / "state"};
    core::ManualClock clock{kStart};
    std::optional<MainWindow> window;

    Desk()
    {
        QSettings().remove(QStringLiteral("reader/zoom"));
        controller.setClock(&clock);
        createThroughWizard(controller);
        window.emplace(controller);
        window->resize(1280, 800);
        window->showVault();
        window->show();
        window->activateWindow();
        REQUIRE(QTest::qWaitForWindowActive(&*window));
    }
    Desk(const Desk&) = delete;
    Desk& operator=(const Desk&) = delete;

    // The first sample SOP of "Service desk".
    core::Id serviceDeskSop()
    {
        core::SopFilter filter;
        filter.collection = "Service desk";
        auto sops = controller.session().listSops(filter);
        REQUIRE(sops);
        REQUIRE_FALSE(sops->empty());
        return sops->front().id;
    }

    // Tom, a technician of "Service desk", asked to read `sop` within 7 days; then Tom unlocks.
    void tomMustRead(const core::Id& sop)
    {
        auto& s = controller.session();
        addTom(s);
        REQUIRE(s.grant("tom", "technician", "Service desk"));
        REQUIRE(s.requireAttestation(sop, "technician", 7));
        controller.lock();
        controller.unlock(QStringLiteral("tom"),
                          *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
        REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
        window->showVault();
    }
};

} // namespace

TEST_CASE("the attest bar asks for the version on screen and its button signs it",
          "[desktop][attest]")
{
    Desk d;
    const core::Id sop = d.serviceDeskSop();
    // Before any requirement the owner sees no bar.
    d.window->openSop(sop);
    auto* bar = child<QWidget>(&*d.window, "attestBar");
    CHECK_FALSE(bar->isVisible());

    d.tomMustRead(sop);
    d.window->openSop(sop);
    REQUIRE(bar->isVisible());
    const auto version = d.controller.session().summary(sop);
    REQUIRE(version);
    const QString text = child<QLabel>(&*d.window, "attestText")->text();
    CHECK(text.contains(QStringLiteral("confirm you have read version %1").arg(version->version)));
    CHECK(text.contains(formatDate(kStart + 7 * 86400)));
    screenshot(&*d.window, "attest-bar");

    QTest::mouseClick(child<QPushButton>(&*d.window, "attestButton"), Qt::LeftButton);
    CHECK_FALSE(bar->isVisible());
    auto due = d.controller.session().myAttestationsDue(d.clock.now());
    REQUIRE(due);
    CHECK(due->empty());
    auto rows = d.controller.session().attestationStatus(sop, d.clock.now());
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().user == "tom");
    CHECK(rows->front().attested.has_value());
    // Opened again, the SOP asks nothing more.
    d.window->openSop(sop);
    CHECK_FALSE(bar->isVisible());
}

TEST_CASE("the attestations view lists who must read what, read or overdue", "[desktop][attest]")
{
    Desk d;
    const core::Id sop = d.serviceDeskSop();
    auto& s = d.controller.session();
    addTom(s);
    REQUIRE(s.grant("tom", "technician", "Service desk"));
    REQUIRE(s.requireAttestation(sop, "technician", 7));
    d.clock.advance(8 * 86400); // past the due day

    QStringList rows;
    QTimer::singleShot(0, [&rows] {
        auto* dialog = QApplication::activeModalWidget();
        REQUIRE(dialog != nullptr);
        auto* list = child<QTreeWidget>(dialog, "attestationsList");
        for (int i = 0; i < list->topLevelItemCount(); ++i) {
            QStringList cells;
            for (int c = 0; c < list->columnCount(); ++c) {
                cells << list->topLevelItem(i)->text(c);
            }
            rows << cells.join(u'|');
        }
        dialog->close();
    });
    child<QAction>(&*d.window, "attestationsAction")->trigger();
    auto summary = s.summary(sop);
    REQUIRE(summary);
    CHECK(rows.contains(QStringLiteral("%1|%2|tom|%3|overdue")
                            .arg(toQString(summary->title))
                            .arg(summary->version)
                            .arg(formatDate(kStart + 7 * 86400))));
}

TEST_CASE("the attestations view in light and dark at two sizes", "[desktop][attest][shots]")
{
    forEachThemeAndSize(
        QStringLiteral("attestations-"),
        [](VaultController& controller) {
            auto& s = controller.session();
            core::SopFilter filter;
            filter.collection = "Service desk";
            auto sops = s.listSops(filter);
            REQUIRE(sops);
            addTom(s);
            REQUIRE(s.grant("tom", "technician", "Service desk"));
            for (const auto& sop : *sops) {
                REQUIRE(s.requireAttestation(sop.id, "technician", 7));
            }
        },
        [](VaultController& controller, const Look& look) {
            MainWindow window(controller);
            window.resize(look.size);
            window.showVault();
            window.show();
            QTimer::singleShot(0, [&look] {
                auto* dialog = QApplication::activeModalWidget();
                REQUIRE(dialog != nullptr);
                dialog->resize(look.size * 0.8);
                CHECK(child<QTreeWidget>(dialog, "attestationsList")->topLevelItemCount() > 0);
                screenshot(dialog, QStringLiteral("attestations-%1").arg(look.label()));
                dialog->close();
            });
            child<QAction>(&window, "attestationsAction")->trigger();
        });
}

TEST_CASE("New SOP offers Blank and the templates, and the chosen one fills the editor",
          "[desktop][templates]")
{
    Desk d;
    const auto templates = d.controller.session().templates();
    REQUIRE_FALSE(templates.empty());
    d.window->newSop();
    auto* chooser = child<QComboBox>(&*d.window, "editorTemplate");
    auto* editor = child<QPlainTextEdit>(&*d.window, "editorText");
    REQUIRE(chooser->isVisible());
    REQUIRE(chooser->count() == int(templates.size()) + 1);
    CHECK(chooser->itemText(0) == QStringLiteral("Blank"));
    const QString blank = editor->toPlainText();

    chooser->setFocus();
    QTest::keyClick(chooser, Qt::Key_Down);
    REQUIRE(chooser->currentIndex() == 1);
    auto first = d.controller.session().templateText(templates.front().name);
    REQUIRE(first);
    CHECK(editor->toPlainText() == toQString(*first));
    CHECK(editor->toPlainText() != blank);

    // Text of one's own is not thrown away without asking.
    editor->appendPlainText(QStringLiteral("my own step"));
    answerNextBox(QStringLiteral("Cancel"));
    QTest::keyClick(chooser, Qt::Key_Up);
    CHECK(editor->toPlainText().contains(QStringLiteral("my own step")));
    answerNextBox(QStringLiteral("Yes"));
    chooser->setCurrentIndex(1);
    QTest::keyClick(chooser, Qt::Key_Up);
    CHECK(editor->toPlainText() == blank);

    // Editing an existing SOP offers no templates.
    d.window->cancelEditor();
    d.window->openSop(d.serviceDeskSop());
    d.window->editCurrent();
    CHECK_FALSE(chooser->isVisible());
}
