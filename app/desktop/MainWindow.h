// The main window: collection tree, SOP list with search as you type, a reader for rendered
// runbooks and an editor with live preview. Every decision comes from core through the
// controller; the window only greys out what core says this person may not do.
#pragma once

#include "AttachmentSource.h"
#include "VaultController.h"

#include <QMainWindow>
#include <QSet>
#include <QTimer>

#include <optional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QToolBar;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QSystemTrayIcon;
class QTreeView;
class QTreeWidget;

namespace sopvault::desktop {

class MarkdownEditor;
class RunPanel;
class SafeBrowser;
class SopListModel;
class SyncStatus;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(VaultController& controller, QWidget* parent = nullptr);

    // After unlock: fill every view. After lock: clear every view.
    void showVault();
    void clearViews();
    // The newest version, or `version` (a run's, which goes on with the text it started on).
    void openSop(const core::Id& sop, std::optional<std::uint64_t> version = std::nullopt);
    // Opens a SOP from a sopvault:// link (from the command line or a ticket).
    void openLink(const QString& url);
    // For the reader: the current SOP's id, or nothing.
    [[nodiscard]] std::optional<core::Id> currentSop() const { return m_currentId; }

    void newSop();
    // New SOPs: fills the editor with the chosen template ("Blank": the built-in outline).
    void applyTemplate(int index);
    void editCurrent();
    void saveEditor();
    void cancelEditor();
    void showHistory();
    void showReviews();
    // Editors and owners: who must confirm reading which SOP version, by when (others: only
    // themselves, as core decides).
    void showAttestations();
    void showAuditLog();
    // Owners: usage and coverage, each a chart and a list (DashboardDialog).
    void showDashboard();
    // Run mode (RunPanel): a run of the SOP on screen for the ticket in the toolbar.
    void startRun();
    void showAdmin();
    void showExport();
    void printCurrent();
    void copyAll();
    void flagCurrent();
    void importFolder();
    // Team sync: F5, File > Share on a server…, File > Clone a team vault…, the conflict view,
    // and the editor opened with my side of a conflict (saving it resolves it).
    void syncNow();
    void shareOnServer();
    void cloneTeamVault();
    void showConflicts();
    void mergeConflict(const core::Id& sop, const core::SopVersionView& mine);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildUi();
    void buildToolbar();
    QWidget* buildReader();
    QWidget* buildEditor();
    void buildMenus();
    // The everyday actions on the toolbar, with their icons, before the search field.
    void fillToolbar();
    void buildToolsMenu();
    void buildViewMenu();
    void setCurrentState(core::SopState state);
    void showShortcuts();
    void zoomReader(int steps);
    void showEmptyState(const QString& text);
    void verifyVault();
    void setIdleMinutes();
    void refreshCollections();
    void refreshList();
    void showSearchResults();
    // The reader (MainWindowReader.cpp): a click on a task box, an attachment, a SOP link or a
    // web link; the attachments and links shown under the text; one attachment enlarged or saved.
    void followLink(const QUrl& url);
    // Shows the attest bar when this person must confirm reading the version on screen.
    void updateAttestBar();
    void attestCurrent();
    // The run on screen changed: the reader shows its version and its done steps ticked.
    void runChanged();
    void showReaderExtras(const std::vector<core::AttachmentInfo>& attachments);
    void showAttachment(const QString& name);
    void saveAttachment(const QString& name);
    // The editor: a pasted screenshot or dropped files become attachments of the next save, and
    // their references go in at the cursor.
    void attachPastedImage(const QImage& image);
    void attachFiles(const QStringList& paths);
    void insertAttachment(const crypto::Bytes& bytes, const QString& wanted);
    void updatePreview();
    void updateActions();
    void updateReaderActions();
    void fillEditor(const core::SopVersionView& view);
    [[nodiscard]] bool saveNew(const std::vector<std::string>& tags);
    [[nodiscard]] bool saveEdit(const std::vector<std::string>& tags);
    void remindReviews();
    // Owners: the exfiltration alarm's bursts (core's viewAlerts) in the status bar and tray.
    void warnOfAlerts();
    void notify(const QString& title, const QString& text, bool warning);
    void copyToClipboard(const QString& text);
    void showFailure(const QString& what, const Failure& failure);
    void afterSync(const core::SyncReport& report);
    void endMerge();
    [[nodiscard]] QString selectedCollection() const;

    VaultController& m_controller;
    QTreeWidget* m_collections = nullptr;
    QLineEdit* m_search = nullptr;
    QToolBar* m_toolbar = nullptr;
    QAction* m_searchSlot = nullptr; // the toolbar's search field: actions go before it
    QLineEdit* m_ticket = nullptr;
    QTreeView* m_list = nullptr;
    SopListModel* m_model = nullptr;
    QStackedWidget* m_stack = nullptr;
    QLabel* m_info = nullptr;
    // Reader.
    QLabel* m_readerTitle = nullptr;
    QLabel* m_readerMeta = nullptr;
    SafeBrowser* m_reader = nullptr;
    QLabel* m_readerFiles = nullptr; // the version's attachments, to enlarge or save
    QLabel* m_readerLinks = nullptr; // links to and from other SOPs
    QWidget* m_attestBar = nullptr;  // "You are asked to confirm you have read version N"
    QLabel* m_attestText = nullptr;
    QPushButton* m_editButton = nullptr;
    QPushButton* m_historyButton = nullptr;
    QPushButton* m_flagButton = nullptr;
    QPushButton* m_exportButton = nullptr;
    QPushButton* m_printButton = nullptr;
    QPushButton* m_copyAllButton = nullptr;
    QPushButton* m_copyLinkButton = nullptr;
    QPushButton* m_runButton = nullptr;
    RunPanel* m_runPanel = nullptr;
    // Editor.
    QLineEdit* m_editorTitle = nullptr;
    QLineEdit* m_editorTags = nullptr;
    QComboBox* m_editorCollection = nullptr;
    QComboBox* m_editorTemplate = nullptr; // new SOPs only: "Blank" and the vault's templates
    MarkdownEditor* m_editorText = nullptr;
    SafeBrowser* m_preview = nullptr;
    QLineEdit* m_editorMessage = nullptr;
    QSpinBox* m_editorReviewEvery = nullptr;
    QLineEdit* m_editorReviewer = nullptr;
    QPushButton* m_saveButton = nullptr;
    QLabel* m_editorError = nullptr;
    // Actions.
    QAction* m_newAction = nullptr;
    QAction* m_lockAction = nullptr;
    QAction* m_adminAction = nullptr;
    QAction* m_attestationsAction = nullptr;
    QAction* m_auditAction = nullptr;
    QAction* m_dashboardAction = nullptr;
    QAction* m_startRunAction = nullptr;
    QAction* m_importAction = nullptr;
    QAction* m_syncAction = nullptr;
    QAction* m_shareAction = nullptr;
    QAction* m_cloneAction = nullptr;
    QAction* m_archiveAction = nullptr;
    QAction* m_publishAction = nullptr;
    QAction* m_showArchivedAction = nullptr;
    QLabel* m_emptyState = nullptr; // the content pane when no SOP is on screen, and why
    QComboBox* m_editorState = nullptr;
    core::SopState m_currentState = core::SopState::Draft;
    int m_zoom = 0; // reader zoom steps from the default size, kept in the settings
    SyncStatus* m_syncStatus = nullptr; // permanent in the status bar
    QSystemTrayIcon* m_tray = nullptr;
    QLabel* m_alerts = nullptr; // permanent in the status bar; owners only, when there are any

    std::optional<core::Id> m_currentId;
    std::uint64_t m_currentVersion = 0;
    bool m_olderVersion = false; // the reader shows a run's version, not the newest
    core::Id m_currentCollection{};
    std::string m_currentBody;
    bool m_editingNew = false;
    std::optional<core::Id> m_merging; // the editor holds my side of this SOP's conflict
    QSet<int> m_ticked;
    AttachmentSource m_readerAttachments{m_controller};
    AttachmentSource m_editorAttachments{m_controller}; // the version edited, plus pasted files
    QTimer m_searchDelay;
    QTimer m_previewDelay;
    QTimer m_idle;
    QTimer m_clipboardClear;
    QString m_clipboardText;
};

} // namespace sopvault::desktop
