// The role dialog: one line for the name, one box per right.
#include "RoleDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>

namespace sopvault::desktop {

RoleDialog::RoleDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("roleDialog"));
    setWindowTitle(tr("Add role"));
    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("roleName"));
    auto* form = new QFormLayout(this);
    form->addRow(tr("&Name:"), m_name);
    for (const char* right : {"view", "edit", "export", "review", "manage"}) {
        auto* box = new QCheckBox(QString::fromLatin1(right));
        box->setObjectName(QString::fromLatin1(right));
        m_rights << box;
        form->addRow(QString(), box);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString RoleDialog::name() const
{
    return m_name->text().trimmed();
}

QStringList RoleDialog::rights() const
{
    QStringList out;
    for (const auto* box : m_rights) {
        if (box->isChecked()) {
            out << box->objectName();
        }
    }
    return out;
}

} // namespace sopvault::desktop
