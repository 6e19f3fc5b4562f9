// The first-run wizard's three pages.
#include "FirstRunWizard.h"

#include "PasswordFields.h"
#include "Widgets.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QVBoxLayout>

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
    m_ownerPage = addPage(owner);
    addPage(buildRecoveryPage());
    addPage(buildSamplesPage());

    connect(&m_controller, &VaultController::busyChanged, this, [this, owner](bool busy) {
        m_busy->setVisible(busy);
        owner->changed();
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
    auto* form = new QFormLayout(page);
    form->addRow(tr("Owner &name:"), m_owner);
    m_fields = new PasswordFields(*form, tr("&Password:"), this);
    form->addRow(m_busy);
    form->addRow(m_error);
    connect(m_owner, &QLineEdit::textChanged, page, &CheckedPage::changed);
    connect(m_fields, &PasswordFields::changed, page, &CheckedPage::changed);
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
