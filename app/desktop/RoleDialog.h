// Defining a custom role: a name and the rights it carries.
#pragma once

#include <QDialog>
#include <QList>
#include <QStringList>

class QCheckBox;
class QLineEdit;

namespace sopvault::desktop {

class RoleDialog : public QDialog
{
    Q_OBJECT

public:
    explicit RoleDialog(QWidget* parent = nullptr);
    [[nodiscard]] QString name() const;
    // The ticked rights by their core names ("view", "edit", ...).
    [[nodiscard]] QStringList rights() const;

private:
    QLineEdit* m_name = nullptr;
    QList<QCheckBox*> m_rights;
};

} // namespace sopvault::desktop
