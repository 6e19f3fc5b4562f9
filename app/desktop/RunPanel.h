// Run mode in the reader: a run of the SOP's checklist for a ticket and a client, each step done
// or skipped with a note, the progress ("3 of 12"), the evidence for the ticket on the clipboard,
// and the finish that signs it. Every rule (who may record, each step once, the version a run
// follows) is core's: the panel shows what core returns and passes on what core refuses.
#pragma once

#include "VaultController.h"

#include <QFrame>
#include <QSet>

#include <optional>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace sopvault::desktop {

class RunPanel : public QFrame
{
    Q_OBJECT

public:
    explicit RunPanel(VaultController& controller, QWidget* parent = nullptr);

    // The SOP on screen and the number of steps its checklist has: a run of another SOP is set
    // aside (it stays open, to resume later), this SOP's open runs are offered to resume.
    void showSop(const core::Id& sop, std::size_t steps);
    // Locked, or nothing on screen.
    void clear();
    // Asks for the ticket (`ticket` first, the toolbar's) and the client, then starts a run of
    // the SOP on screen on its newest version.
    void start(const QString& ticket);
    // Resumes the open run `run` (its SOP must be on screen).
    void resume(const core::Id& run);
    // The run on screen leaves the screen (it stays as it is in the vault); nothing is emitted.
    void setAside();
    // A task box of the reader (1-based step): recorded done when the run is open and open.
    void tick(std::uint32_t step);

    // Whether the reader's SOP may be exported (the export right): the evidence file needs it,
    // the clipboard's ticket note does not.
    void setMayExport(bool may);

    // The run on screen, open or just finished.
    [[nodiscard]] const std::optional<core::RunInfo>& active() const { return m_run; }
    // True when a run of the SOP on screen may be started now.
    [[nodiscard]] bool canStart() const;
    // The reader's task boxes (0-based) ticked because their step is done in the run on screen.
    [[nodiscard]] QSet<int> doneBoxes() const;

signals:
    // The run on screen changed (started, a step, finished, closed): the reader redraws its
    // boxes and shows the run's version.
    void changed();
    void message(const QString& text);
    void failed(const QString& what, const Failure& failure);
    // "What changed": the SOP's history, from the run's version to the newest.
    void changesWanted();

private:
    void recorded();
    void fill();
    void record(core::StepState state);
    void finish();
    void copyEvidence();
    void exportEvidence();
    void close();
    void offerResume();
    [[nodiscard]] std::optional<std::uint32_t> selectedStep() const;
    void selectNextOpen();

    VaultController& m_controller;
    std::optional<core::Id> m_sop;
    std::size_t m_steps = 0;
    std::optional<core::RunInfo> m_run;
    std::optional<core::Id> m_resumable;

    QWidget* m_resumeBar = nullptr;
    QLabel* m_resumeText = nullptr;
    QWidget* m_body = nullptr;
    QLabel* m_header = nullptr;
    QLabel* m_newer = nullptr;
    QProgressBar* m_progress = nullptr;
    QTreeWidget* m_list = nullptr;
    QLineEdit* m_note = nullptr;
    QLabel* m_error = nullptr;
    QPushButton* m_done = nullptr;
    QPushButton* m_skip = nullptr;
    QPushButton* m_finish = nullptr;
    QPushButton* m_copy = nullptr;
    QPushButton* m_export = nullptr;
};

} // namespace sopvault::desktop
