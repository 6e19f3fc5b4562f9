// Signing off one SOP: what changed since the last approval (or the whole SOP), the decision
// and a comment, signed by the reviewer.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QRadioButton;

namespace sopvault::desktop {

class SignoffDialog : public QDialog
{
    Q_OBJECT

public:
    SignoffDialog(VaultController& controller, core::Id sop, QWidget* parent = nullptr);
    void submit();

private:
    VaultController& m_controller;
    core::Id m_sop;
    QRadioButton* m_approve = nullptr;
    QRadioButton* m_changes = nullptr;
    QPlainTextEdit* m_comment = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace sopvault::desktop
