// The first-run wizard's pages: create (owner, recovery code, samples) or join (clone, done).
#include "FirstRunWizard.h"

#include "CloneDialog.h"
#include "PasswordFields.h"
#include "Widgets.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QRadioButton>
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
                m_clonedText->setText(clonedText(records, fingerprint));
                next();
            });
    connect(&m_controller, &VaultController::created, this,
            [this](const QString&, const QString& fingerprint, const QString& code) {
                showCreated(fingerprint, code);
            });
    connect(&m_controller, &VaultController::createFailed, this,
            [this](const Failure& f) { m_error->setText(f.message); });
}

CheckedPage* FirstRunWizard::buildOwnerPage()
{
    auto* page = new CheckedPage([this] {
        if (m_join->isChecked()) {
            return true;
        }
        return !m_owner->text().trimmed().isEmpty() && !m_fields->isEmpty() &&
               m_fields->matches() && !m_controller.busy();
    });
    page->setTitle(tr("The first owner"));
    page->setSubTitle(tr("Owners add people, decide who may see, edit and export each "
                         "collection, and read the audit log. The vault is created at %1.")
                          .arg(QString::fromStdString(m_controller.vaultFile().string())));
    m_owner = new QLineEdit;
    m_owner->setObjectName(QStringLiteral("ownerName"));
    m_owner->setPlaceholderText(tr("e.g. olivia"));
    m_error = errorLabel("error");
    m_busy = busyBar("busy");
    m_create = new QRadioButton(tr("Start a &new vault (you are its first owner)"));
    m_create->setObjectName(QStringLiteral("createVault"));
    m_create->setChecked(true);
    m_join = new QRadioButton(tr("&Join a team vault (clone it from your team's server)"));
    m_join->setObjectName(QStringLiteral("joinTeamVault"));
    m_ownerFields = new QWidget;
    auto* form = new QFormLayout(m_ownerFields);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Owner &name:"), m_owner);
    m_fields = new PasswordFields(*form, tr("&Password:"), this);
    m_fields->watchUserName(m_owner);
    form->addRow(m_busy);
    form->addRow(m_error);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_create);
    layout->addWidget(m_join);
    layout->addSpacing(8);
    layout->addWidget(m_ownerFields);
    layout->addStretch();
    connect(m_owner, &QLineEdit::textChanged, page, &CheckedPage::changed);
    connect(m_fields, &PasswordFields::changed, page, &CheckedPage::changed);
    connect(m_join, &QRadioButton::toggled, this, &FirstRunWizard::setJoining);
    return page;
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
    m_writtenDown = new QCheckBox(tr("I have &written it down"));
    m_writtenDown->setObjectName(QStringLiteral("writtenDown"));
    connect(m_writtenDown, &QCheckBox::toggled, page, &CheckedPage::changed);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_code);
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

void FirstRunWizard::setJoining(bool joining)
{
    m_ownerFields->setVisible(!joining);
    m_ownerPageWidget->setCommitPage(!joining);
    setWindowTitle(joining ? tr("Join a team vault") : tr("Create your SOP vault"));
    setButtonText(QWizard::CommitButton, joining ? tr("&Clone") : tr("&Create vault"));
    m_ownerPageWidget->changed();
}

int FirstRunWizard::nextId() const
{
    const int id = currentId();
    if (id == m_ownerPage) {
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
        // Into secure memory before the slow work starts; the fields are emptied.
        const auto profile = m_fields->profile();
        auto password = m_fields->take();
        m_error->clear();
        if (!password) {
            m_error->setText(VaultController::failure(password.error()).message);
            return false;
        }
        m_controller.createVault(m_owner->text().trimmed(), std::move(*password), profile);
        return false; // moves on by itself when the vault exists
    }
    return QWizard::validateCurrentPage();
}

void FirstRunWizard::reject()
{
    if (!m_controller.busy()) {
        QWizard::reject();
    }
}

bool FirstRunWizard::loadSamplesChosen() const
{
    return m_samples->isChecked();
}

} // namespace sopvault::desktop
