// The sign-off dialog: the changes to review, then approve or request changes.
#include "SignoffDialog.h"

#include "SafeBrowser.h"
#include "Widgets.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace sopvault::desktop {

SignoffDialog::SignoffDialog(VaultController& controller, core::Id sop, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_sop(sop)
{
    setObjectName(QStringLiteral("signoffDialog"));
    setWindowTitle(tr("Sign off"));
    resize(860, 620);
    auto changes = m_controller.changesSinceReview(sop);
    auto* intro = new QLabel;
    intro->setWordWrap(true);
    // A SafeBrowser: the SOP as the reader shows it (never raw Markdown), fetching nothing.
    auto* view = new SafeBrowser;
    view->setObjectName(QStringLiteral("changesView"));
    if (changes && !changes->isEmpty()) {
        intro->setText(tr("<b>Changed since the last approval</b>: review these changes."));
        view->setHtml(diffToHtml(*changes));
    } else {
        intro->setText(changes ? tr("<b>No approval yet, or nothing changed since</b>: review "
                                    "the whole SOP.")
                               : changes.error().message.toHtmlEscaped());
        if (auto sopView = m_controller.readSop(sop, {}, {})) {
            view->setHtml(renderSop(sopView->body, {}));
        }
    }
    m_approve = new QRadioButton(tr("&Approved"));
    m_approve->setObjectName(QStringLiteral("approve"));
    m_approve->setChecked(true);
    m_changes = new QRadioButton(tr("&Changes requested"));
    m_changes->setObjectName(QStringLiteral("requestChanges"));
    m_comment = new QPlainTextEdit;
    m_comment->setObjectName(QStringLiteral("comment"));
    m_comment->setPlaceholderText(tr("Comment (optional; kept with the signed sign-off)"));
    m_comment->setMaximumHeight(90);
    m_error = errorLabel("error");
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    auto* sign = buttons->addButton(tr("&Sign"), QDialogButtonBox::AcceptRole);
    sign->setObjectName(QStringLiteral("signButton"));
    auto* decisions = new QHBoxLayout;
    decisions->addWidget(m_approve);
    decisions->addWidget(m_changes);
    decisions->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(view, 1);
    layout->addLayout(decisions);
    layout->addWidget(m_comment);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SignoffDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SignoffDialog::submit()
{
    auto done =
        m_controller.signOff(m_sop,
                             m_approve->isChecked() ? core::ReviewDecision::Approved
                                                    : core::ReviewDecision::ChangesRequested,
                             m_comment->toPlainText());
    if (!done) {
        m_error->setText(done.error().message);
        return;
    }
    accept();
}

} // namespace sopvault::desktop
