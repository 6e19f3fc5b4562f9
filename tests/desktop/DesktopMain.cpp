// Catch2 main for the desktop tests: one offscreen QApplication for the whole run, settings
// in Qt's test locations so nothing touches the user's own.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QApplication>
#include <QStandardPaths>

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("SOP Vault Tests"));
    QApplication::setApplicationName(QStringLiteral("SOP Vault Tests"));
    return Catch::Session().run(argc, argv);
}
