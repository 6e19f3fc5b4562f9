// The first-run wizard beyond the happy path: the vault created where the person chooses, a vault
// file one already has opened instead, and the recovery code copied (and cleared), saved
// (readable by its owner only) and printed.
#include "DesktopSupport.h"
#include "FirstRunWizard.h"
#include "TempDir.h"

#include <catch2/catch.hpp>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPrinter>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QTest>

#include <filesystem>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

namespace {

const QString kLastVault = QStringLiteral("vault/lastFile");

QString str(const std::filesystem::path& p)
{
    return QString::fromStdString(p.string());
}

// Fills the owner page as a person does; the caller presses Create.
void fillOwner(FirstRunWizard& wizard)
{
    QTest::keyClicks(child<QLineEdit>(&wizard, "ownerName"), QStringLiteral("olivia"));
    QTest::keyClicks(child<QLineEdit>(&wizard, "password"),
                     QStringLiteral("correct horse battery"));
    QTest::keyClicks(child<QLineEdit>(&wizard, "confirm"), QStringLiteral("correct horse battery"));
    child<QComboBox>(&wizard, "kdf")->setCurrentIndex(1); // interactive: quick tests
}

} // namespace

TEST_CASE("the wizard creates the vault at the location chosen and remembers it",
          "[desktop][wizard]")
{
    QSettings().remove(kLastVault);
    TempDir dir;
    VaultController controller(dir.path() / "default.sopvault", dir.path() / "state");
    FirstRunWizard wizard(controller);
    wizard.show();
    auto* location = child<QLineEdit>(&wizard, "vaultLocation");
    CHECK(location->text() == str(dir.path() / "default.sopvault"));
    fillOwner(wizard);

    // A file already there is never overwritten.
    const auto taken = dir.path() / "taken.sopvault";
    {
        QFile f(str(taken));
        REQUIRE(f.open(QIODevice::WriteOnly));
        f.write("not a vault");
    }
    location->setText(str(taken));
    wizard.next();
    CHECK(wizard.currentId() == 0);
    CHECK(child<QLabel>(&wizard, "error")->text().contains(QStringLiteral("already")));
    CHECK(QFile(str(taken)).size() == 11);

    const auto chosen = dir.path() / "team" / "runbooks.sopvault";
    std::filesystem::create_directories(chosen.parent_path());
    location->setText(str(chosen));
    wizard.next();
    REQUIRE(waitFor([&] { return wizard.currentId() == 1; }));
    CHECK(controller.vaultFile() == chosen);
    CHECK(std::filesystem::exists(chosen));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "default.sopvault"));
    CHECK(FirstRunWizard::lastVaultFile() == str(chosen));
    child<QCheckBox>(&wizard, "writtenDown")->setChecked(true);
    wizard.next();
    wizard.accept();
    CHECK(controller.isUnlocked());
    QSettings().remove(kLastVault);
}

TEST_CASE("the wizard opens a vault file one already has, and says so when there is none",
          "[desktop][wizard]")
{
    QSettings().remove(kLastVault);
    TempDir dir;
    const auto existing = dir.path() / "usb" / "team.sopvault";
    std::filesystem::create_directories(existing.parent_path());
    {
        VaultController maker(existing, dir.path() / "state");
        createThroughWizard(maker);
    }

    VaultController controller(dir.path() / "fresh.sopvault", dir.path() / "state");
    FirstRunWizard wizard(controller);
    wizard.show();
    child<QRadioButton>(&wizard, "openVault")->click();
    CHECK_FALSE(child<QLineEdit>(&wizard, "ownerName")->isVisible());
    auto* path = child<QLineEdit>(&wizard, "existingVault");
    REQUIRE(path->isVisible());
    auto* open = wizard.button(QWizard::FinishButton);
    CHECK_FALSE(open->isEnabled()); // nothing chosen yet
    // Nothing exists yet to keep: Cancel is offered.
    CHECK(wizard.button(QWizard::CancelButton)->isVisible());
    path->setText(str(dir.path() / "missing.sopvault"));
    REQUIRE(open->isVisible());
    REQUIRE(open->isEnabled());
    screenshot(&wizard, "wizard-open-existing");
    open->click();
    CHECK(wizard.isVisible());
    CHECK(child<QLabel>(&wizard, "openError")->text().contains(QStringLiteral("no file")));
    CHECK_FALSE(wizard.opened());

    path->setText(str(existing));
    CHECK(child<QLabel>(&wizard, "openError")->text().isEmpty());
    open->click();
    CHECK(wizard.opened());
    CHECK_FALSE(wizard.loadSamplesChosen()); // the samples never go into a file one opens
    CHECK_FALSE(wizard.isVisible());
    CHECK(controller.vaultFile() == existing);
    CHECK(controller.vaultExists());
    CHECK_FALSE(controller.isUnlocked()); // the unlock dialog comes next
    CHECK(FirstRunWizard::lastVaultFile() == str(existing));
    QSettings().remove(kLastVault);
}

TEST_CASE("the recovery code is copied then cleared and saved for its owner only and printed",
          "[desktop][wizard]")
{
    QSettings().remove(kLastVault);
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    FirstRunWizard wizard(controller);
    wizard.show();
    fillOwner(wizard);
    wizard.next();
    REQUIRE(waitFor([&] { return wizard.currentId() == 1; }));
    const QString code = child<QLabel>(&wizard, "recoveryCode")->text();
    REQUIRE_FALSE(code.isEmpty());

    QApplication::clipboard()->setText(QStringLiteral("something else"));
    child<QPushButton>(&wizard, "copyRecovery")->click();
    CHECK(QApplication::clipboard()->text() == code);
    CHECK(child<QLabel>(&wizard, "recoveryStatus")->text().contains(QStringLiteral("minute")));

    const QString saved = str(dir.path() / "recovery.txt");
    QString error;
    REQUIRE(wizard.saveRecoverySheet(saved, &error));
    QFile file(saved);
    REQUIRE(file.open(QIODevice::ReadOnly));
    const QString sheet = QString::fromUtf8(file.readAll());
    CHECK(sheet.contains(code));
    CHECK(sheet.contains(str(dir.path() / "team.sopvault")));
    CHECK(sheet.contains(QStringLiteral("fingerprint")));
    namespace fs = std::filesystem;
    CHECK(fs::status(saved.toStdString()).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(child<QLabel>(&wizard, "recoveryStatus")->text().contains(QStringLiteral("you only")));
    // A place that cannot be written: a sentence, and nothing claimed.
    CHECK_FALSE(wizard.saveRecoverySheet(str(dir.path() / "no" / "such" / "dir.txt"), &error));
    CHECK(error.contains(QStringLiteral("not saved")));

    const QString pdf = str(dir.path() / "recovery.pdf");
    {
        QPrinter printer;
        printer.setOutputFormat(QPrinter::PdfFormat);
        printer.setOutputFileName(pdf);
        wizard.printRecoverySheet(printer);
    }
    QFile printed(pdf);
    REQUIRE(printed.open(QIODevice::ReadOnly));
    CHECK(printed.read(5) == QByteArray("%PDF-"));
    CHECK(printed.size() > 1000);
    screenshot(&wizard, "wizard-recovery-actions");

    // Finishing the wizard takes the code off the clipboard.
    child<QCheckBox>(&wizard, "writtenDown")->setChecked(true);
    wizard.next();
    wizard.accept();
    CHECK(QApplication::clipboard()->text().isEmpty());
}
