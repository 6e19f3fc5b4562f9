// The clone fields and dialog: the work runs on the controller's worker with progress.
#include "CloneDialog.h"

#include "Widgets.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>

#include <algorithm>

namespace sopvault::desktop {

CloneFields::CloneFields(QFormLayout& form, const std::filesystem::path& defaultPath,
                         QObject* parent)
    : QObject(parent)
{
    m_url = serverUrlField();
    m_vaultId = new QLineEdit;
    m_vaultId->setObjectName(QStringLiteral("vaultIdField"));
    m_vaultId->setPlaceholderText(tr("the id your vault's owner gave you"));
    m_path = new QLineEdit(QString::fromStdString(defaultPath.string()));
    m_path->setObjectName(QStringLiteral("clonePath"));
    form.addRow(tr("&Server:"), m_url);
    form.addRow(tr("&Vault id:"), m_vaultId);
    form.addRow(tr("Save &as:"), m_path);
    for (auto* field : {m_url, m_vaultId, m_path}) {
        connect(field, &QLineEdit::textChanged, this, &CloneFields::changed);
    }
}

bool CloneFields::filled() const
{
    return !url().isEmpty() && !vaultId().isEmpty() && !m_path->text().trimmed().isEmpty();
}

QString CloneFields::url() const
{
    return m_url->text().trimmed();
}

QString CloneFields::vaultId() const
{
    return m_vaultId->text().trimmed();
}

std::filesystem::path CloneFields::path() const
{
    return std::filesystem::path(m_path->text().trimmed().toStdString());
}

void CloneFields::setBusy(bool busy)
{
    for (auto* field : {m_url, m_vaultId, m_path}) {
        field->setReadOnly(busy);
    }
}

QString clonedText(qulonglong records, const QString& fingerprint)
{
    return CloneDialog::tr("Fetched and checked %n record(s). The vault's fingerprint is "
                           "<b>%1</b>: compare it with a colleague's. Next, unlock it with your "
                           "own name and password.",
                           nullptr, int(records))
        .arg(fingerprint.toHtmlEscaped());
}

CloneDialog::CloneDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("cloneDialog"));
    setWindowTitle(tr("Clone a team vault"));
    resize(620, 320);
    m_clone = namedButton(tr("&Clone"), "cloneButton");
    m_clone->setDefault(true);
    m_open = namedButton(tr("&Open it"), "openCloneButton");
    m_open->setVisible(false);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    buttons->addButton(m_clone, QDialogButtonBox::ActionRole);
    buttons->addButton(m_open, QDialogButtonBox::AcceptRole);
    const ServerTaskParts parts = serverTaskLayout(
        *this,
        tr("A copy of a vault your team shares on a server, kept in step with it. Your owner "
           "adds you to the vault first; the server holds only encrypted, signed records."),
        "cloneResult", buttons);
    m_busy = parts.busy;
    m_error = parts.error;
    m_result = parts.result;
    // Beside the vault in use, under a name nothing has yet (core refuses to clone over a file).
    const auto folder = controller.vaultFile().parent_path();
    auto defaultPath = folder / "team.sopvault";
    for (int n = 2; std::filesystem::exists(defaultPath) && n < 100; ++n) {
        defaultPath = folder / ("team-" + std::to_string(n) + ".sopvault");
    }
    m_fields = new CloneFields(*parts.form, defaultPath, this);

    auto refresh = [this] {
        m_clone->setEnabled(m_fields->filled() && !m_running);
    };
    connect(m_fields, &CloneFields::changed, this, refresh);
    refresh();
    connect(m_clone, &QPushButton::clicked, this, &CloneDialog::startClone);
    connect(buttons, &QDialogButtonBox::rejected, this, &CloneDialog::reject);
    connect(m_open, &QPushButton::clicked, this, &QDialog::accept);
    connect(&m_controller, &VaultController::progress, this,
            [this](int done, int total, const QString& what) {
                if (!m_running) {
                    return;
                }
                m_busy->setRange(0, std::max(total, 1));
                m_busy->setValue(done);
                m_busy->setFormat(tr("%1: %2 of %3").arg(what).arg(done).arg(total));
            });
    connect(&m_controller, &VaultController::cloneFailed, this, [this](const Failure& f) {
        if (m_running) {
            setBusy(false);
            m_error->setText(f.message);
        }
    });
    connect(&m_controller, &VaultController::cloned, this,
            [this](const QString&, qulonglong records, const QString& fingerprint) {
                if (!m_running) {
                    return;
                }
                setBusy(false);
                m_done = m_fields->path();
                m_result->setText(clonedText(records, fingerprint));
                m_clone->setVisible(false);
                m_open->setVisible(true);
                m_open->setDefault(true);
                m_fields->setBusy(true);
            });
}

void CloneDialog::setBusy(bool busy)
{
    m_running = busy;
    m_busy->setRange(0, 0);
    m_busy->setVisible(busy);
    m_fields->setBusy(busy);
    m_clone->setEnabled(!busy && m_fields->filled());
}

void CloneDialog::startClone()
{
    if (m_running || m_controller.busy() || !m_fields->filled()) {
        return;
    }
    m_error->clear();
    setBusy(true);
    m_controller.cloneVault(m_fields->url(), m_fields->vaultId(), m_fields->path());
}

void CloneDialog::reject()
{
    if (!m_running) {
        QDialog::reject();
    }
}

} // namespace sopvault::desktop
