// sopvault desktop entry point: hardens the process, finds the vault (first run: the wizard;
// otherwise unlock), shows the main window, and returns to the unlock dialog on every lock.
#include "FirstRunWizard.h"
#include "MainWindow.h"
#include "ProcessHardening.h"
#include "UnlockDialog.h"

#include "sopvault/core/Locations.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>

int main(int argc, char** argv)
{
    sopvault::app::hardenProcess();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("SOP Vault"));
    QApplication::setApplicationName(QStringLiteral("SOP Vault"));
    QApplication::setApplicationVersion(QStringLiteral(SOPVAULT_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/sopvault.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("SOP Vault: encrypted, reviewed runbooks"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption vaultOption(QStringLiteral("vault"), QStringLiteral("The vault file."),
                                   QStringLiteral("path"));
    parser.addOption(vaultOption);
    parser.addPositionalArgument(QStringLiteral("link"),
                                 QStringLiteral("A sopvault:// link to open after unlocking."));
    parser.process(app);

    // The same defaults as the CLI: core's one rule over $SOPVAULT_VAULT and the XDG folders.
    const sopvault::core::Locations defaults = sopvault::core::defaultLocations();
    // Without --vault: the default file, or else the one last created or opened through the
    // wizard on this machine.
    std::filesystem::path vault =
        parser.isSet(vaultOption) ? std::filesystem::path(parser.value(vaultOption).toStdString())
                                  : defaults.vault;
    if (!parser.isSet(vaultOption)) {
        std::error_code ec;
        const QString last = sopvault::desktop::FirstRunWizard::lastVaultFile();
        if (!std::filesystem::exists(vault, ec) && !last.isEmpty() &&
            std::filesystem::exists(last.toStdString(), ec)) {
            vault = last.toStdString();
        }
    }
    const std::filesystem::path state = defaults.stateDir;

    using namespace sopvault::desktop;
    VaultController controller(vault, state);
    if (!controller.vaultExists()) {
        FirstRunWizard wizard(controller);
        if (wizard.exec() != QDialog::Accepted && !controller.isUnlocked()) {
            return 0;
        }
        if (wizard.joined() || wizard.opened()) {
            // A clone or a file one already has opens as any vault does: with one's own name
            // and password.
            UnlockDialog unlock(controller);
            if (unlock.exec() != QDialog::Accepted) {
                return 0;
            }
        }
        if (controller.isUnlocked() && wizard.loadSamplesChosen()) {
            if (auto failed = controller.loadSamples()) {
                QMessageBox::warning(nullptr, QObject::tr("Samples"), failed->message);
            }
        }
    } else {
        UnlockDialog unlock(controller);
        if (unlock.exec() != QDialog::Accepted) {
            return 0;
        }
    }
    if (!controller.isUnlocked()) {
        return 0;
    }

    MainWindow window(controller);
    window.showVault();
    window.show();
    const QStringList links = parser.positionalArguments();
    if (!links.isEmpty()) {
        window.openLink(links.front());
    }
    // Every lock (Ctrl+L, idle) hides the window until someone unlocks again.
    unlockAgainOnLock(controller, window, [] { QApplication::quit(); });
    return QApplication::exec();
}
