// The review dashboard: what is due, due soon or overdue as of a chosen day (plan a quarter
// ahead), and the flags technicians raised.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QDateEdit;
class QPushButton;
class QTreeWidget;
class QWidget;

namespace sopvault::desktop {

// Each row of the due and flag lists carries its SOP's (or flag's) core::Id in this role.
inline constexpr int kReviewIdRole = Qt::UserRole;

class ReviewDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ReviewDialog(VaultController& controller, QWidget* parent = nullptr);
    void load();
    void signOffSelected();
    void resolveSelectedFlag();

signals:
    void openRequested(sopvault::core::Id sop);

private:
    QWidget* buildDuePage();
    QWidget* buildFlagPage();

    VaultController& m_controller;
    QDateEdit* m_asOf = nullptr;
    QTreeWidget* m_due = nullptr;
    QTreeWidget* m_flags = nullptr;
    QPushButton* m_signoff = nullptr;
    QPushButton* m_resolve = nullptr;
};

} // namespace sopvault::desktop
