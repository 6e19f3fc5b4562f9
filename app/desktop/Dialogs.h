// The secondary screens: version history with coloured diffs and restore, the review
// dashboard and sign-off, administration (people, roles, grants, "who can see this?"),
// export with a watermark preview (Markdown, HTML, PDF) and print, and import with progress.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QButtonGroup;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QTextBrowser;
class QTreeWidget;

namespace sopvault::desktop {

// Unified diff text as coloured HTML.
QString diffToHtml(const QString& diff);

class HistoryDialog : public QDialog
{
    Q_OBJECT

public:
    HistoryDialog(VaultController& controller, core::Id sop, QWidget* parent = nullptr);
    void showDiff();
    void restoreSelected();

signals:
    void restored();

private:
    void load();

    VaultController& m_controller;
    core::Id m_sop;
    QTreeWidget* m_versions = nullptr;
    QComboBox* m_from = nullptr;
    QComboBox* m_to = nullptr;
    QTextBrowser* m_diff = nullptr;
    QPushButton* m_restore = nullptr;
};

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

class ReviewDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ReviewDialog(VaultController& controller, QWidget* parent = nullptr);
    void load();
    void signOffSelected();
    void resolveSelectedFlag();

signals:
    void openRequested(QString sopId);

private:
    VaultController& m_controller;
    QDateEdit* m_asOf = nullptr;
    QTreeWidget* m_due = nullptr;
    QTreeWidget* m_flags = nullptr;
    QPushButton* m_signoff = nullptr;
    QPushButton* m_resolve = nullptr;
};

class AdminDialog : public QDialog
{
    Q_OBJECT

public:
    AdminDialog(VaultController& controller, const QString& collection, QWidget* parent = nullptr);
    void load();
    void addUser();
    void makeOwner();
    void removeSelectedUser();
    void addRole();
    void grant(bool give);
    void showAccess();
    void addCollection();
    // Not while a worker holds the session (adding or removing a person).
    void reject() override;

private:
    VaultController& m_controller;
    QTreeWidget* m_users = nullptr;
    QTreeWidget* m_roles = nullptr;
    QTreeWidget* m_grants = nullptr;
    QComboBox* m_grantUser = nullptr;
    QComboBox* m_grantRole = nullptr;
    QComboBox* m_grantCollection = nullptr;
    QComboBox* m_accessTarget = nullptr;
    QTreeWidget* m_access = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
};

class ExportDialog : public QDialog
{
    Q_OBJECT

public:
    ExportDialog(VaultController& controller, core::Id sop, QWidget* parent = nullptr);
    void doExport();
    // Prints the SOP (export right required; audited like an export).
    static void print(VaultController& controller, const core::Id& sop, QWidget* parent);
    // Renders one exported SOP to PDF with the watermark on every page.
    static bool writePdf(const core::ExportedSop& sop, const QString& file);

private:
    void updatePreview();

    VaultController& m_controller;
    core::Id m_sop;
    QRadioButton* m_md = nullptr;
    QRadioButton* m_html = nullptr;
    QRadioButton* m_pdf = nullptr;
    QLineEdit* m_path = nullptr;
    QLabel* m_watermark = nullptr;
    QLabel* m_status = nullptr;
};

class ImportDialog : public QDialog
{
    Q_OBJECT

public:
    ImportDialog(VaultController& controller, const QString& folder, const QString& collection,
                 QWidget* parent = nullptr);

private:
    VaultController& m_controller;
    QProgressBar* m_progress = nullptr;
    QLabel* m_current = nullptr;
    QTextBrowser* m_report = nullptr;
    QPushButton* m_cancel = nullptr;
};

} // namespace sopvault::desktop
