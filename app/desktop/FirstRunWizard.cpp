// The first-run wizard's pages: create (owner and location, recovery code, samples), open a file
// one already has, or join (clone, done).
#include "FirstRunWizard.h"

#include "CloneDialog.h"
#include "PasswordFields.h"
#include "Widgets.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPrintDialog>
#include <QPrinter>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSaveFile>
#include <QSettings>
#include <QTextDocument>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>

namespace sopvault::desktop {

// A wizard page whose "Next" waits for a condition the wizard checks.
class CheckedPage : public QWizardPage
{
public:
    explicit CheckedPage(std::function<bool()> complete) : m_complete(std::move(complete)) {}
    bool isComplete() const override { return m_complete(); }
    void changed() { emit completeChanged(); }

private:
    std::function<bool()> m_complete;
};

FirstRunWizard::FirstRunWizard(VaultController& controller, QWidget* parent)
    : QWizard(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("firstRunWizard"));
    setWindowTitle(tr("Create your SOP vault"));
    setWizardStyle(QWizard::ModernStyle);
    setOption(QWizard::NoBackButtonOnLastPage);
    setOption(QWizard::NoCancelButtonOnLastPage);
    resize(640, 520);
    auto* owner = buildOwnerPage();
    // Creating the vault cannot be taken back from inside the wizard.
    owner->setCommitPage(true);
    setButtonText(QWizard::CommitButton, tr("&Create vault"));
    m_ownerPageWidget = owner;
    m_ownerPage = addPage(owner);
    m_recoveryPage = addPage(buildRecoveryPage());
    m_samplesPage = addPage(buildSamplesPage());
    auto* clone = buildClonePage();
    clone->setCommitPage(true);
    m_clonePage = addPage(clone);
    m_clonedPage = addPage(buildClonedPage());

    connect(&m_controller, &VaultController::busyChanged, this, [this, owner, clone](bool busy) {
        m_busy->setVisible(busy && !m_join->isChecked());
        m_cloneBusy->setVisible(busy && m_join->isChecked());
        m_cloneFields->setBusy(busy);
        owner->changed();
        clone->changed();
    });
    connect(&m_controller, &VaultController::progress, this,
            [this](int done, int total, const QString& what) {
                m_cloneBusy->setRange(0, std::max(total, 1));
                m_cloneBusy->setValue(done);
                m_cloneBusy->setFormat(tr("%1: %2 of %3").arg(what).arg(done).arg(total));
            });
    connect(&m_controller, &VaultController::cloneFailed, this,
            [this](const Failure& f) { m_cloneError->setText(f.message); });
    connect(&m_controller, &VaultController::cloned, this,
            [this](const QString&, qulonglong records, const QString& fingerprint) {
                m_cloned = true;
                dropCancel();
                m_clonedText->setText(clonedText(records, fingerprint));
                next();
            });
    connect(&m_controller, &VaultController::created, this,
            [this](const QString&, const QString& fingerprint, const QString& code) {
                showCreated(fingerprint, code);
            });
    connect(&m_controller, &VaultController::createFailed, this,
            [this](const Failure& f) { m_error->setText(f.message); });
    // A copied recovery code leaves the clipboard after a minute.
    m_clipboardClear.setSingleShot(true);
    m_clipboardClear.setInterval(60000);
    connect(&m_clipboardClear, &QTimer::timeout, this, &FirstRunWizard::forgetCopiedCode);
}

namespace {

// A line edit with a "Browse…" button beside it, in one row of a form.
QWidget* pathRow(QLineEdit* edit, QPushButton* browse)
{
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return row;
}

// The file this machine opens next time when no --vault is given (main.cpp).
const QString kLastVaultKey = QStringLiteral("vault/lastFile");

} // namespace

QString FirstRunWizard::lastVaultFile()
{
    return QSettings().value(kLastVaultKey).toString();
}

CheckedPage* FirstRunWizard::buildOwnerPage()
{
    auto* page = new CheckedPage([this] {
        if (m_join->isChecked()) {
            return true;
        }
        if (m_open->isChecked()) {
            return !m_existing->text().trimmed().isEmpty();
        }
        return !m_owner->text().trimmed().isEmpty() && !m_location->text().trimmed().isEmpty() &&
               !m_fields->isEmpty() && m_fields->matches() && !m_controller.busy();
    });
    page->setTitle(tr("Welcome to SOP Vault"));
    page->setSubTitle(tr("Start a new vault and become its first owner, open a vault file you "
                         "already have, or join your team's vault on its server."));
    m_owner = new QLineEdit;
    m_owner->setObjectName(QStringLiteral("ownerName"));
    m_owner->setPlaceholderText(tr("e.g. olivia"));
    m_error = errorLabel("error");
    m_busy = busyBar("busy");
    m_create = new QRadioButton(tr("Start a &new vault (you are its first owner)"));
    m_create->setObjectName(QStringLiteral("createVault"));
    m_create->setChecked(true);
    m_open = new QRadioButton(tr("&Open a vault file I already have"));
    m_open->setObjectName(QStringLiteral("openVault"));
    m_join = new QRadioButton(tr("&Join a team vault (clone it from your team's server)"));
    m_join->setObjectName(QStringLiteral("joinTeamVault"));

    m_ownerFields = new QWidget;
    auto* form = new QFormLayout(m_ownerFields);
    form->setContentsMargins(0, 0, 0, 0);
    m_location = new QLineEdit(QString::fromStdString(m_controller.vaultFile().string()));
    m_location->setObjectName(QStringLiteral("vaultLocation"));
    auto* browseNew = namedButton(tr("&Browse…"), "browseLocation");
    form->addRow(tr("&Location:"), pathRow(m_location, browseNew));
    form->addRow(tr("Owner &name:"), m_owner);
    m_fields = new PasswordFields(*form, tr("&Password:"), this);
    m_fields->watchUserName(m_owner);
    form->addRow(m_busy);
    form->addRow(m_error);

    m_openFields = new QWidget;
    auto* openForm = new QFormLayout(m_openFields);
    openForm->setContentsMargins(0, 0, 0, 0);
    m_existing = new QLineEdit;
    m_existing->setObjectName(QStringLiteral("existingVault"));
    m_existing->setPlaceholderText(tr("e.g. a .sopvault file on a USB key or a share"));
    auto* browseOld = namedButton(tr("B&rowse…"), "browseExisting");
    openForm->addRow(tr("Vault &file:"), pathRow(m_existing, browseOld));
    m_openError = errorLabel("openError");
    openForm->addRow(m_openError);
    m_openFields->setVisible(false);

    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_create);
    layout->addWidget(m_open);
    layout->addWidget(m_join);
    layout->addSpacing(8);
    layout->addWidget(m_ownerFields);
    layout->addWidget(m_openFields);
    layout->addStretch();
    connect(m_owner, &QLineEdit::textChanged, page, &CheckedPage::changed);
    connect(m_location, &QLineEdit::textChanged, page, &CheckedPage::changed);
    connect(m_existing, &QLineEdit::textChanged, page, [this, page] {
        m_openError->clear();
        page->changed();
    });
    connect(m_fields, &PasswordFields::changed, page, &CheckedPage::changed);
    connect(m_join, &QRadioButton::toggled, this, &FirstRunWizard::setMode);
    connect(m_open, &QRadioButton::toggled, this, &FirstRunWizard::setMode);
    connect(browseNew, &QPushButton::clicked, this, &FirstRunWizard::chooseLocation);
    connect(browseOld, &QPushButton::clicked, this, &FirstRunWizard::chooseExisting);
    return page;
}

void FirstRunWizard::chooseLocation()
{
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Where to keep the new vault"), m_location->text(),
                                     tr("SOP vaults (*.sopvault);;All files (*)"));
    if (!path.isEmpty()) {
        m_location->setText(path);
    }
}

void FirstRunWizard::chooseExisting()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a vault file"), m_existing->text(),
                                     tr("SOP vaults (*.sopvault);;All files (*)"));
    if (!path.isEmpty()) {
        m_existing->setText(path);
    }
}

QWizardPage* FirstRunWizard::buildRecoveryPage()
{
    auto* page = new CheckedPage([this] { return m_writtenDown->isChecked(); });
    page->setTitle(tr("Your recovery code"));
    page->setSubTitle(tr("Write this code down and keep it somewhere safe, away from this "
                         "computer. It can set a new password for an owner. It is shown "
                         "only now."));
    m_code = new QLabel;
    m_code->setObjectName(QStringLiteral("recoveryCode"));
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSize(mono.pointSize() + 5);
    mono.setBold(true);
    m_code->setFont(mono);
    m_code->setAlignment(Qt::AlignCenter);
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // The palette's base and text: the code stays readable in a dark theme too.
    m_code->setAutoFillBackground(true);
    m_code->setBackgroundRole(QPalette::Base);
    m_code->setForegroundRole(QPalette::Text);
    m_code->setFrameShape(QFrame::Box);
    m_code->setMargin(16);
    m_fingerprint = new QLabel;
    m_fingerprint->setObjectName(QStringLiteral("fingerprint"));
    m_fingerprint->setWordWrap(true);
    m_writtenDown = new QCheckBox(tr("I have &written it down or stored it safely"));
    m_writtenDown->setObjectName(QStringLiteral("writtenDown"));
    connect(m_writtenDown, &QCheckBox::toggled, page, &CheckedPage::changed);
    auto* copy = namedButton(tr("&Copy"), "copyRecovery");
    auto* save = namedButton(tr("&Save to a file…"), "saveRecovery");
    auto* print = namedButton(tr("&Print…"), "printRecovery");
    m_recoveryStatus = new QLabel;
    m_recoveryStatus->setObjectName(QStringLiteral("recoveryStatus"));
    m_recoveryStatus->setWordWrap(true);
    auto* actions = new QHBoxLayout;
    actions->addWidget(copy);
    actions->addWidget(save);
    actions->addWidget(print);
    actions->addStretch();
    connect(copy, &QPushButton::clicked, this, &FirstRunWizard::copyRecoveryCode);
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save the recovery code"), QStringLiteral("sopvault-recovery-code.txt"),
            tr("Text files (*.txt)"));
        QString error;
        if (!path.isEmpty() && !saveRecoverySheet(path, &error)) {
            m_recoveryStatus->setText(error);
        }
    });
    connect(print, &QPushButton::clicked, this, [this] {
        QPrinter printer;
        QPrintDialog dialog(&printer, this);
        if (dialog.exec() == QDialog::Accepted) {
            printRecoverySheet(printer);
            m_recoveryStatus->setText(tr("Sent to the printer. Collect the page at once."));
        }
    });
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_code);
    layout->addLayout(actions);
    layout->addWidget(m_recoveryStatus);
    layout->addWidget(m_fingerprint);
    layout->addStretch();
    layout->addWidget(m_writtenDown);
    return page;
}

QWizardPage* FirstRunWizard::buildSamplesPage()
{
    auto* page = new QWizardPage;
    page->setTitle(tr("Start with examples?"));
    page->setSubTitle(tr("Ten sample SOPs (client onboarding, password reset with identity "
                         "check, P1 major incident, monthly patching and more) show how a "
                         "good runbook reads. Edit or archive them at any time."));
    m_samples = new QCheckBox(tr("&Load the sample library"));
    m_samples->setObjectName(QStringLiteral("loadSamples"));
    m_samples->setChecked(true);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_samples);
    layout->addStretch();
    return page;
}

CheckedPage* FirstRunWizard::buildClonePage()
{
    auto* page =
        new CheckedPage([this] { return m_cloneFields->filled() && !m_controller.busy(); });
    page->setTitle(tr("Join a team vault"));
    page->setSubTitle(tr("Your vault's owner adds you and gives you the server and the vault "
                         "id. The copy here stays in step with the server and works offline."));
    auto* form = new QFormLayout(page);
    m_cloneFields = new CloneFields(*form, m_controller.vaultFile(), this);
    m_cloneBusy = busyBar("cloneBusy");
    m_cloneError = errorLabel("cloneError");
    form->addRow(m_cloneBusy);
    form->addRow(m_cloneError);
    connect(m_cloneFields, &CloneFields::changed, page, &CheckedPage::changed);
    return page;
}

QWizardPage* FirstRunWizard::buildClonedPage()
{
    auto* page = new QWizardPage;
    page->setTitle(tr("Cloned"));
    m_clonedText = new QLabel;
    m_clonedText->setObjectName(QStringLiteral("clonedText"));
    m_clonedText->setWordWrap(true);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_clonedText);
    layout->addStretch();
    return page;
}

void FirstRunWizard::setMode()
{
    const bool joining = m_join->isChecked();
    const bool opening = m_open->isChecked();
    m_ownerFields->setVisible(!joining && !opening);
    m_openFields->setVisible(opening);
    m_ownerPageWidget->setCommitPage(!joining && !opening);
    // Opening a file ends on this page, yet nothing exists to keep: Cancel stays. The last
    // page of the other paths comes after the vault exists, and has none.
    setOption(QWizard::NoCancelButtonOnLastPage, !opening);
    setWindowTitle(joining   ? tr("Join a team vault")
                   : opening ? tr("Open a vault file")
                             : tr("Create your SOP vault"));
    setButtonText(QWizard::CommitButton, joining ? tr("&Clone") : tr("&Create vault"));
    setButtonText(QWizard::FinishButton, opening ? tr("Op&en") : tr("&Finish"));
    m_ownerPageWidget->changed();
}

int FirstRunWizard::nextId() const
{
    const int id = currentId();
    if (id == m_ownerPage) {
        if (m_open->isChecked()) {
            return -1; // the unlock dialog follows
        }
        return m_join->isChecked() ? m_clonePage : m_recoveryPage;
    }
    if (id == m_clonePage) {
        return m_clonedPage;
    }
    if (id == m_clonedPage || id == m_samplesPage) {
        return -1; // the samples page ends the "new vault" path, the cloned page the other
    }
    return QWizard::nextId();
}

void FirstRunWizard::showCreated(const QString& fingerprint, const QString& code)
{
    m_created = true;
    dropCancel();
    m_code->setText(code);
    m_fingerprint->setText(tr("Owner key fingerprint: <b>%1</b><br>Colleagues can compare it "
                              "when they first open the vault.")
                               .arg(fingerprint));
    next();
}

bool FirstRunWizard::validateCurrentPage()
{
    if (currentId() == m_ownerPage && m_join->isChecked()) {
        return true;
    }
    if (currentId() == m_ownerPage && m_open->isChecked()) {
        const QFileInfo file(m_existing->text().trimmed());
        if (!file.isFile()) {
            m_openError->setText(tr("There is no file at %1. Choose the vault file with "
                                    "Browse.")
                                     .arg(file.filePath()));
            return false;
        }
        if (!m_controller.switchVault(file.absoluteFilePath().toStdString())) {
            return false;
        }
        QSettings().setValue(kLastVaultKey, file.absoluteFilePath());
        m_opened = true;
        return true;
    }
    if (currentId() == m_clonePage && !m_cloned) {
        if (!m_controller.busy()) {
            m_cloneError->clear();
            m_controller.cloneVault(m_cloneFields->url(), m_cloneFields->vaultId(),
                                    m_cloneFields->path());
        }
        return false; // moves on by itself when the clone is done
    }
    if (currentId() == m_ownerPage && !m_created) {
        if (m_controller.busy()) {
            return false;
        }
        const QFileInfo location(m_location->text().trimmed());
        if (location.exists()) {
            m_error->setText(tr("A file is already at %1. Choose another location, or choose "
                                "“Open a vault file I already have”.")
                                 .arg(location.filePath()));
            return false;
        }
        // Into secure memory before the slow work starts; the fields are emptied.
        const auto profile = m_fields->profile();
        auto password = m_fields->take();
        m_error->clear();
        if (!password) {
            m_error->setText(VaultController::failure(password.error()).message);
            return false;
        }
        if (location.absoluteFilePath().toStdString() != m_controller.vaultFile().string()) {
            if (!m_controller.switchVault(location.absoluteFilePath().toStdString())) {
                return false;
            }
            QSettings().setValue(kLastVaultKey, location.absoluteFilePath());
        }
        m_controller.createVault(m_owner->text().trimmed(), std::move(*password), profile);
        return false; // moves on by itself when the vault exists
    }
    return QWizard::validateCurrentPage();
}

void FirstRunWizard::reject()
{
    // Once the vault exists there is nothing to cancel: Esc and the window's close wait for
    // the recovery code to be confirmed, and Finish ends the wizard.
    if (!m_controller.busy() && !m_created && !m_cloned) {
        QWizard::reject();
    }
}

void FirstRunWizard::dropCancel()
{
    setButtonLayout({QWizard::Stretch, QWizard::BackButton, QWizard::NextButton,
                     QWizard::CommitButton, QWizard::FinishButton});
}

void FirstRunWizard::done(int result)
{
    forgetCopiedCode();
    QWizard::done(result);
}

QString FirstRunWizard::recoverySheet() const
{
    return tr("SOP Vault recovery code\n\n"
              "Vault: %1\n"
              "Code: %2\n\n"
              "%3\n\n"
              "This code can set a new password for an owner of this vault. Keep it away from "
              "the computer the vault is on, where only the owners can reach it. Whoever holds "
              "it and the vault file can take an owner's place.\n")
        .arg(QString::fromStdString(m_controller.vaultFile().string()), m_code->text(),
             QTextDocumentFragment::fromHtml(m_fingerprint->text()).toPlainText());
}

bool FirstRunWizard::saveRecoverySheet(const QString& path, QString* error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        file.write(recoverySheet().toUtf8()) < 0 || !file.commit()) {
        if (error != nullptr) {
            *error = tr("The recovery code was not saved to %1 (%2). Choose another place.")
                         .arg(path, file.errorString());
        }
        return false;
    }
    m_recoveryStatus->setText(tr("Saved to %1, readable by you only. Move it off this computer "
                                 "(a USB key in a safe, a password manager).")
                                  .arg(QDir::toNativeSeparators(path)));
    return true;
}

void FirstRunWizard::printRecoverySheet(QPrinter& printer) const
{
    QTextDocument sheet;
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    font.setPointSize(12);
    sheet.setDefaultFont(font);
    sheet.setPlainText(recoverySheet());
    sheet.print(&printer);
}

void FirstRunWizard::copyRecoveryCode()
{
    QApplication::clipboard()->setText(m_code->text());
    m_clipboardClear.start();
    m_recoveryStatus->setText(tr("Copied. It leaves the clipboard in a minute, or when this "
                                 "window closes: paste it into your password manager now."));
}

void FirstRunWizard::forgetCopiedCode()
{
    m_clipboardClear.stop();
    if (m_code != nullptr && !m_code->text().isEmpty() &&
        QApplication::clipboard()->text() == m_code->text()) {
        QApplication::clipboard()->clear();
    }
}

bool FirstRunWizard::loadSamplesChosen() const
{
    return m_created && m_samples->isChecked(); // never into a file opened or cloned
}

} // namespace sopvault::desktop
