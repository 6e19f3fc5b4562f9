// The conflict view: each of my SOP edits that met another edit of the same version, mine and
// theirs side by side, and the three ways out: keep mine, keep theirs, merge in the editor.
#pragma once

#include "VaultController.h"

#include <QDialog>

class QLabel;
class QListWidget;
class QPushButton;

namespace sopvault::desktop {

class SafeBrowser;

class ConflictDialog : public QDialog
{
    Q_OBJECT

public:
    ConflictDialog(VaultController& controller, QWidget* parent = nullptr);
    // Shows one conflict's two sides (the dialog fetches them itself through the controller).
    void showConflict(const core::SyncConflict& conflict, const core::SopVersionView& mine,
                      const core::SopVersionView& theirs);
    void keepMine();
    void keepTheirs();
    void mergeInEditor();
    [[nodiscard]] int conflictCount() const;

signals:
    // A conflict was settled: the SOP's newest version now.
    void resolved(sopvault::core::Id sop, std::uint64_t version);
    // Open the editor with my text; saving it resolves the conflict with Keep::Merged.
    void mergeRequested(sopvault::core::Id sop, sopvault::core::SopVersionView mine);

private:
    void load();
    void select(int row);
    void settle(core::Keep keep);

    VaultController& m_controller;
    std::vector<core::SyncConflict> m_conflicts;
    std::optional<core::SyncConflict> m_current;
    std::optional<core::SopVersionView> m_mine;
    QListWidget* m_list = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_mineTitle = nullptr;
    QLabel* m_theirsTitle = nullptr;
    SafeBrowser* m_mineText = nullptr;
    SafeBrowser* m_theirsText = nullptr;
    QLabel* m_error = nullptr;
    QPushButton* m_keepMine = nullptr;
    QPushButton* m_keepTheirs = nullptr;
    QPushButton* m_merge = nullptr;
};

} // namespace sopvault::desktop

Q_DECLARE_METATYPE(sopvault::core::SopVersionView)
