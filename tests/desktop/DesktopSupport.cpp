// Helpers the desktop tests share: see DesktopSupport.h.
#include "DesktopSupport.h"

#include "FirstRunWizard.h"
#include "MainWindow.h"
#include "TempDir.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <optional>

namespace sopvault::desktoptest {

using namespace sopvault::desktop;

void screenshot(QWidget* widget, const QString& name)
{
    QDir().mkpath(QStringLiteral(SOPVAULT_SCREENSHOT_DIR));
    widget->repaint();
    QCoreApplication::processEvents();
    const QString file = QStringLiteral(SOPVAULT_SCREENSHOT_DIR "/%1.png").arg(name);
    REQUIRE(widget->grab().save(file));
}

void screenshot(QWidget* widget, const char* name)
{
    screenshot(widget, QString::fromLatin1(name));
}

void screenshot(const QImage& image, const char* name)
{
    QDir().mkpath(QStringLiteral(SOPVAULT_SCREENSHOT_DIR));
    REQUIRE(image.save(QStringLiteral(SOPVAULT_SCREENSHOT_DIR "/%1.png").arg(QLatin1String(name))));
}

DarkPalette::DarkPalette() : m_saved(QApplication::palette())
{
    QPalette p;
    const QColor text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3b));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, QColor(0x35, 0x37, 0x3b));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9e, 0xa6));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x6f, 0xb6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x79, 0xc0, 0xff));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    QApplication::setPalette(p);
}

DarkPalette::~DarkPalette()
{
    QApplication::setPalette(m_saved);
}

void answerNextBox(const QString& button, QString* seen)
{
    QTimer::singleShot(0, [button, seen] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        REQUIRE(box != nullptr);
        if (seen != nullptr) {
            *seen = box->text() + u'\n' + box->informativeText();
        }
        for (QAbstractButton* b : box->buttons()) {
            if (b->text().remove(u'&').contains(button)) {
                b->click();
                return;
            }
        }
        FAIL("no button " << button.toStdString());
    });
}

bool waitFor(const std::function<bool()>& condition, int ms)
{
    return QTest::qWaitFor(condition, ms);
}

QStringList column(QTreeWidget* list, int c)
{
    QStringList out;
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        out << list->topLevelItem(i)->text(c);
    }
    return out;
}

void addTom(core::Session& session)
{
    REQUIRE(session.addUser("tom", *crypto::SecureBuffer::copyOf(std::string_view("tom pw")),
                            crypto::KdfProfile::Interactive));
}

void checkOwnersOnly(VaultController& controller, const char* actionName)
{
    if (controller.isUnlocked()) {
        controller.lock();
    }
    controller.unlock(QStringLiteral("tom"),
                      *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
    REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
    MainWindow window(controller);
    window.showVault();
    auto* action = child<QAction>(&window, actionName);
    CHECK_FALSE(action->isEnabled());
    CHECK(action->toolTip().contains(QStringLiteral("Only owners")));
}

void createThroughWizard(VaultController& controller, const QString& shots)
{
    FirstRunWizard wizard(controller);
    wizard.show();
    QTest::keyClicks(child<QLineEdit>(&wizard, "ownerName"), QStringLiteral("olivia"));
    QTest::keyClicks(child<QLineEdit>(&wizard, "password"),
                     QStringLiteral("correct horse battery"));
    QTest::keyClicks(child<QLineEdit>(&wizard, "confirm"), QStringLiteral("correct horse battery"));
    CHECK(child<QLabel>(&wizard, "strength")->text().contains(QStringLiteral("Strong")));
    child<QComboBox>(&wizard, "kdf")->setCurrentIndex(1); // interactive: quick tests
    screenshot(&wizard, shots + QStringLiteral("01-first-run-wizard"));
    wizard.next();
    REQUIRE(waitFor([&] { return wizard.currentId() == 1; }));
    const QString code = child<QLabel>(&wizard, "recoveryCode")->text();
    CHECK(QRegularExpression(QStringLiteral("^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$"))
              .match(code)
              .hasMatch());
    CHECK_FALSE(wizard.button(QWizard::NextButton)->isEnabled()); // not before "written down"
    // The vault exists: no Cancel, and Esc does not skip the recovery code.
    CHECK_FALSE(wizard.button(QWizard::CancelButton)->isVisible());
    QTest::keyClick(&wizard, Qt::Key_Escape);
    CHECK(wizard.isVisible());
    screenshot(&wizard, shots + QStringLiteral("02-recovery-code"));
    child<QCheckBox>(&wizard, "writtenDown")->setChecked(true);
    CHECK(wizard.button(QWizard::NextButton)->isEnabled());
    wizard.next();
    CHECK(child<QCheckBox>(&wizard, "loadSamples")->isChecked());
    wizard.accept();
    REQUIRE(controller.isUnlocked());
    REQUIRE_FALSE(controller.loadSamples().has_value());
}

QString Look::label() const
{
    return QStringLiteral("%1x%2-%3").arg(size.width()).arg(size.height()).arg(theme);
}

void forEachThemeAndSize(const QString& prefix,
                         const std::function<void(VaultController&)>& prepare,
                         const std::function<void(VaultController&, const Look&)>& shoot)
{
    for (const bool darkTheme : {false, true}) {
        std::optional<DarkPalette> dark;
        if (darkTheme) {
            dark.emplace();
        }
        const QString theme = darkTheme ? QStringLiteral("dark") : QStringLiteral("light");
        test::TempDir dir;
        core::ManualClock clock(kStart); // outlives the controller, which may write as it closes
        VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
        controller.setClock(&clock);
        createThroughWizard(controller, prefix + theme + u'-');
        if (prepare) {
            prepare(controller);
        }
        for (const QSize size : {QSize(1024, 700), QSize(1440, 900)}) {
            INFO(theme.toStdString() << " at " << size.width() << "x" << size.height());
            shoot(controller, Look{theme, size});
        }
    }
}

} // namespace sopvault::desktoptest
