// Small widget factories and formatting the screens share: named buttons and lists (tests and
// screen readers find them by name), the error label, the busy bar, the coloured diff, and the
// colours that must stay readable in a light and a dark palette alike.
#pragma once

#include "VaultController.h"

#include "sopvault/core/Diff.h"

#include <QColor>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <initializer_list>
#include <optional>

class QComboBox;
class QDialog;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTreeWidget;
class QBoxLayout;
class QHBoxLayout;

namespace sopvault::desktop {

QPushButton* namedButton(const QString& text, const char* objectName);
// A flat list with headers whose columns take what their text needs.
QTreeWidget* namedTree(const char* objectName, const QStringList& headers);
// An empty, word-wrapped label in the error colour, for the sentences core returns.
QLabel* errorLabel(const char* objectName);
// The style sheet of secondary text (and `extra`), readable on a light or a dark palette.
QString mutedStyle(const char* extra = "");
// An indeterminate, hidden progress bar: shown while slow work runs off the GUI thread.
QProgressBar* busyBar(const char* objectName);
// "1 step", "3 steps": `one` and `many` each hold %1 for the number (no translation ships, so
// tr()'s %n forms would show their "(s)" as written).
QString counted(qulonglong n, const QString& one, const QString& many);
// A period to look back on: "Last N days" for each of `days`, then "All time"; `selected` (one
// of `days`) is chosen.
QComboBox* periodCombo(const char* objectName, std::initializer_list<int> days, int selected);
// Where the period a periodCombo shows starts, counted back from `now`; none for "All time".
std::optional<core::Timestamp> periodStart(const QComboBox& period, core::Timestamp now);
// The sentence core returned, in a message box titled "That did not work".
void warn(QWidget* parent, const Failure& failure);

// The layout of a dialog that runs one task against the team's server (share, clone): an intro,
// the form, a busy bar, core's error, the result, and the buttons at the bottom. The dialog
// owns every part; `resultName` names the result label for tests and screen readers.
struct ServerTaskParts
{
    QLabel* intro = nullptr;
    QFormLayout* form = nullptr;
    QProgressBar* busy = nullptr;
    QLabel* error = nullptr;
    QLabel* result = nullptr;
    QDialogButtonBox* buttons = nullptr;
};
ServerTaskParts serverTaskLayout(QDialog& dialog, const QString& intro, const char* resultName,
                                 QDialogButtonBox* buttons);
// The server URL field both dialogs and the wizard show: a libpq URL, never its password.
QLineEdit* serverUrlField();

// Two groups of buttons side by side (one at the left, one at the right) that go on two rows
// when the width is too small for both, so a narrow window clips no button.
class ButtonRow : public QWidget
{
    Q_OBJECT

public:
    ButtonRow(const QList<QWidget*>& left, const QList<QWidget*>& right, QWidget* parent = nullptr);
    [[nodiscard]] QSize minimumSizeHint() const override;
    [[nodiscard]] bool wrapped() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    QBoxLayout* m_layout = nullptr;
    QHBoxLayout* m_left = nullptr;
    QHBoxLayout* m_right = nullptr;
};

// Unified diff text as coloured HTML, in colours readable on the current palette's base.
QString diffToHtml(const QString& diff);

// Two texts side by side as HTML from core's line diff of left to right: the lines only the left
// has in the removed colour, those only the right has in the added colour, and empty lines
// padding the shorter side of each change so kept lines sit on the same row.
struct SideBySide
{
    QString left;
    QString right;
    int changedLeft = 0;
    int changedRight = 0;
    int firstChange = -1; // the row of the first change, -1 when the texts are the same
};
[[nodiscard]] SideBySide sideBySide(const std::vector<core::DiffLine>& diff);

// True when the application's palette is dark (light text on a dark base).
[[nodiscard]] bool darkPalette();
// A colour with a readable contrast against the current palette's base: `light` on a light
// palette, `dark` on a dark one.
[[nodiscard]] QColor themed(QColor light, QColor dark);
// WCAG contrast ratio of two colours (1 to 21); 4.5 is the floor for body text.
[[nodiscard]] double contrastRatio(const QColor& a, const QColor& b);

} // namespace sopvault::desktop
