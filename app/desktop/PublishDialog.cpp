// The publish dialog: one URL field, core's answer in it, the result with the fingerprint.
#include "PublishDialog.h"

#include "Widgets.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>

namespace sopvault::desktop {

PublishDialog::PublishDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("publishDialog"));
    setWindowTitle(tr("Share on a server"));
    resize(640, 340);
    m_publish = namedButton(tr("&Share"), "publishButton");
    m_publish->setDefault(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_close = buttons->button(QDialogButtonBox::Close);
    buttons->addButton(m_publish, QDialogButtonBox::ActionRole);
    const ServerTaskParts parts = serverTaskLayout(
        *this,
        tr("Everyone you added works on their own computer, online or offline, and the team's "
           "PostgreSQL server orders and keeps the records. It only ever holds them encrypted "
           "and signed: no SOP text, no keys.<br><br>First the server's administrator runs "
           "<tt>sopvault-cli server add-member</tt> for vault <b>%1</b> and for you.")
            .arg(controller.isUnlocked() ? controller.vaultId() : QString()),
        "publishResult", buttons);
    parts.intro->setObjectName(QStringLiteral("publishIntro"));
    m_url = serverUrlField();
    parts.form->addRow(tr("&Server:"), m_url);
    m_busy = parts.busy;
    m_busy->setFormat(tr("Uploading the vault…"));
    m_error = parts.error;
    m_result = parts.result;

    auto refresh = [this] {
        m_publish->setEnabled(!m_url->text().trimmed().isEmpty() && !m_running);
    };
    connect(m_url, &QLineEdit::textChanged, this, refresh);
    refresh();
    connect(m_publish, &QPushButton::clicked, this, &PublishDialog::startPublish);
    connect(buttons, &QDialogButtonBox::rejected, this, &PublishDialog::reject);
    connect(&m_controller, &VaultController::publishFailed, this, [this](const Failure& f) {
        if (m_running) {
            setBusy(false);
            m_error->setText(f.message);
        }
    });
    connect(&m_controller, &VaultController::published, this,
            [this](const core::SyncReport& report) {
                if (!m_running) {
                    return;
                }
                setBusy(false);
                auto info = m_controller.remoteInfo();
                m_result->setText(
                    tr("Shared: %n record(s) went up. Fingerprint <b>%1</b>: colleagues who "
                       "clone the vault see the same one.",
                       nullptr, int(report.pushed))
                        .arg(info ? toQString(info->fingerprint).toHtmlEscaped() : QString()));
                m_publish->setVisible(false);
                m_url->setReadOnly(true);
            });
}

void PublishDialog::setBusy(bool busy)
{
    m_running = busy;
    m_busy->setVisible(busy);
    m_url->setReadOnly(busy);
    m_close->setEnabled(!busy);
    m_publish->setEnabled(!busy && !m_url->text().trimmed().isEmpty());
}

void PublishDialog::startPublish()
{
    if (m_running || m_controller.busy() || m_url->text().trimmed().isEmpty()) {
        return;
    }
    m_error->clear();
    m_result->clear();
    setBusy(true);
    m_controller.publish(m_url->text().trimmed());
}

void PublishDialog::reject()
{
    if (!m_running) {
        QDialog::reject();
    }
}

} // namespace sopvault::desktop
