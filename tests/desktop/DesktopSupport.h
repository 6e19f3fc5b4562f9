// Helpers the desktop tests share: the fixed start of their clock, finding a named widget,
// screenshots under the build tree, a dark palette, the first-run wizard as a person runs it, a
// list's column, an owners-only action seen by a technician, and the one loop over themes and
// window sizes the screenshot tests use.
#pragma once

#include "VaultController.h"

#include <catch2/catch.hpp>

#include <QApplication>
#include <QImage>
#include <QPalette>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>

class QTreeWidget;

namespace sopvault::desktoptest {

// Where the desktop tests' clock starts: 2027-01-01T00:00:00Z, the core tests' start, so a
// review date or an overdue mark is the same on every day the tests run.
constexpr core::Timestamp kStart = 1798761600;

template <typename T>
T* child(QObject* parent, const char* name)
{
    auto* w = parent->findChild<T*>(QString::fromLatin1(name));
    INFO("widget " << name);
    REQUIRE(w != nullptr);
    return w;
}

void screenshot(QWidget* widget, const QString& name);
void screenshot(QWidget* widget, const char* name);
// An image drawn off screen (a PDF page), beside the widgets' screenshots.
void screenshot(const QImage& image, const char* name);

// A dark palette such as a desktop's dark theme hands to Qt, for as long as the scope lasts.
class DarkPalette
{
public:
    DarkPalette();
    ~DarkPalette();
    DarkPalette(const DarkPalette&) = delete;
    DarkPalette& operator=(const DarkPalette&) = delete;

private:
    QPalette m_saved;
};

// Answers the next modal message box with the button whose text (without its &) contains
// `button`, as a person would click it, once the box is shown; its question and informative
// text go to `seen` if given. The box must come: the test fails if none is modal then.
void answerNextBox(const QString& button, QString* seen = nullptr);

bool waitFor(const std::function<bool()>& condition, int ms = 60000);

// The texts of column `c` of a flat list, top to bottom.
QStringList column(QTreeWidget* list, int c);

// An owner adds tom, password "tom pw" (an owner's choice, so tom is asked for his own at an
// unlock through the dialog), with the quick KDF.
void addTom(core::Session& session);

// Tom (a technician whose password is "tom pw") unlocks in a new window: its action
// `actionName` is greyed and its tooltip says only owners may use it.
void checkOwnersOnly(desktop::VaultController& controller, const char* actionName);

// Runs the first-run wizard as a person would: owner, password twice, interactive KDF, the
// recovery code page, the samples page (loaded). `shots` prefixes the screenshots' names (each
// theme writes its own).
void createThroughWizard(desktop::VaultController& controller, const QString& shots = {});

// One look of the screens: a theme, a window size, and the label its screenshots carry
// ("1024x700-dark").
struct Look
{
    QString theme;
    QSize size;
    [[nodiscard]] QString label() const;
};

// For light and then dark (that palette applied meanwhile): a fresh vault made through the wizard
// (its screenshots prefixed `prefix` + theme + "-") on a clock fixed at kStart, `prepare` once,
// then `shoot` at 1024x700 and at 1440x900.
void forEachThemeAndSize(const QString& prefix,
                         const std::function<void(desktop::VaultController&)>& prepare,
                         const std::function<void(desktop::VaultController&, const Look&)>& shoot);

} // namespace sopvault::desktoptest
