// Widget factories and palette-aware colours shared by the screens.
#include "Widgets.h"

#include <QApplication>
#include <QBoxLayout>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPalette>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QTreeWidget>

#include <algorithm>
#include <cmath>

namespace sopvault::desktop {

QPushButton* namedButton(const QString& text, const char* objectName)
{
    auto* b = new QPushButton(text);
    b->setObjectName(QString::fromLatin1(objectName));
    return b;
}

QTreeWidget* namedTree(const char* objectName, const QStringList& headers)
{
    auto* t = new QTreeWidget;
    t->setObjectName(QString::fromLatin1(objectName));
    t->setHeaderLabels(headers);
    t->setRootIsDecorated(false);
    t->setAlternatingRowColors(true);
    t->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return t;
}

QLabel* errorLabel(const char* objectName)
{
    auto* label = new QLabel;
    label->setObjectName(QString::fromLatin1(objectName));
    label->setStyleSheet(
        QStringLiteral("color: %1")
            .arg(themed(QColor(0xb0, 0x00, 0x20), QColor(0xff, 0x8a, 0x80)).name()));
    label->setWordWrap(true);
    return label;
}

QString mutedStyle(const char* extra)
{
    return QStringLiteral("color: %1; %2")
        .arg(themed(QColor(0x5f, 0x66, 0x70), QColor(0xa8, 0xae, 0xb8)).name(),
             QString::fromLatin1(extra));
}

QProgressBar* busyBar(const char* objectName)
{
    auto* bar = new QProgressBar;
    bar->setObjectName(QString::fromLatin1(objectName));
    bar->setRange(0, 0);
    bar->setVisible(false);
    return bar;
}

ButtonRow::ButtonRow(const QList<QWidget*>& left, const QList<QWidget*>& right, QWidget* parent)
    : QWidget(parent)
{
    m_left = new QHBoxLayout;
    for (auto* w : left) {
        m_left->addWidget(w);
    }
    m_left->addStretch();
    m_right = new QHBoxLayout;
    m_right->addStretch();
    for (auto* w : right) {
        m_right->addWidget(w);
    }
    m_layout = new QBoxLayout(QBoxLayout::LeftToRight, this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    // The row says itself how narrow it may get (one group's width), not the layout.
    m_layout->setSizeConstraint(QLayout::SetNoConstraint);
    m_layout->addLayout(m_left);
    m_layout->addLayout(m_right);
}

QSize ButtonRow::minimumSizeHint() const
{
    const int width = std::max(m_left->minimumSize().width(), m_right->minimumSize().width());
    return {width, m_layout->minimumSize().height()};
}

bool ButtonRow::wrapped() const
{
    return m_layout->direction() == QBoxLayout::TopToBottom;
}

void ButtonRow::resizeEvent(QResizeEvent* event)
{
    const int both =
        m_left->minimumSize().width() + m_layout->spacing() + m_right->minimumSize().width();
    const auto direction = width() < both ? QBoxLayout::TopToBottom : QBoxLayout::LeftToRight;
    if (direction != m_layout->direction()) {
        m_layout->setDirection(direction);
        updateGeometry(); // one row or two: the height the window must give it changes
    }
    QWidget::resizeEvent(event);
}

void warn(QWidget* parent, const Failure& failure)
{
    QMessageBox::warning(parent, QObject::tr("That did not work"), failure.message);
}

ServerTaskParts serverTaskLayout(QDialog& dialog, const QString& intro, const char* resultName,
                                 QDialogButtonBox* buttons)
{
    ServerTaskParts parts;
    parts.intro = new QLabel(intro);
    parts.intro->setWordWrap(true);
    parts.form = new QFormLayout;
    parts.busy = busyBar("busy");
    parts.error = errorLabel("error");
    parts.result = new QLabel;
    parts.result->setObjectName(QString::fromLatin1(resultName));
    parts.result->setWordWrap(true);
    parts.buttons = buttons;
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(parts.intro);
    layout->addLayout(parts.form);
    layout->addWidget(parts.busy);
    layout->addWidget(parts.error);
    layout->addWidget(parts.result);
    layout->addStretch();
    layout->addWidget(parts.buttons);
    return parts;
}

QLineEdit* serverUrlField()
{
    auto* url = new QLineEdit;
    url->setObjectName(QStringLiteral("serverUrl"));
    url->setPlaceholderText(QStringLiteral("postgresql://you@db.example.com/sopvault"));
    url->setToolTip(QObject::tr("A libpq URL without a password: the password comes from "
                                "$SOPVAULT_DB_PASSWORD, ~/.pgpass or a service file."));
    return url;
}

QString counted(qulonglong n, const QString& one, const QString& many)
{
    return (n == 1 ? one : many).arg(n);
}

QComboBox* periodCombo(const char* objectName, std::initializer_list<int> days, int selected)
{
    auto* box = new QComboBox;
    box->setObjectName(QString::fromLatin1(objectName));
    for (const int d : days) {
        box->addItem(QObject::tr("Last %1 days").arg(d), d);
    }
    box->addItem(QObject::tr("All time"), 0);
    box->setCurrentIndex(std::max(0, box->findData(selected)));
    return box;
}

std::optional<core::Timestamp> periodStart(const QComboBox& period, core::Timestamp now)
{
    constexpr core::Timestamp kDay = 24 * 60 * 60;
    const int days = period.currentData().toInt();
    if (days <= 0) {
        return std::nullopt;
    }
    return now - days * kDay;
}

bool darkPalette()
{
    const QPalette palette = QApplication::palette();
    return palette.color(QPalette::Base).lightnessF() < palette.color(QPalette::Text).lightnessF();
}

QColor themed(QColor light, QColor dark)
{
    return darkPalette() ? dark : light;
}

namespace {

double luminance(const QColor& c)
{
    auto channel = [](double v) {
        return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

} // namespace

double contrastRatio(const QColor& a, const QColor& b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

namespace {

// The styles of an added and a removed line, readable on the current palette.
QString addedStyle()
{
    return darkPalette() ? QStringLiteral("background:#12361f;color:#7ee2a0")
                         : QStringLiteral("background:#e6ffec;color:#116329");
}

QString removedStyle()
{
    return darkPalette() ? QStringLiteral("background:#4a1419;color:#ffa198")
                         : QStringLiteral("background:#ffebe9;color:#82071e");
}

const QString kPre = QStringLiteral("<pre style=\"font-family:'DejaVu Sans Mono',monospace;\">");

} // namespace

SideBySide sideBySide(const std::vector<core::DiffLine>& diff)
{
    SideBySide out;
    // HTML drops a newline right after <pre>: this one, so a text's own first empty line stays.
    out.left = kPre + u'\n';
    out.right = kPre + u'\n';
    const QString added = addedStyle();
    const QString removed = removedStyle();
    // A run of changes between two kept lines: each side shows its own lines, then empty ones
    // until both are as long, so the next kept line sits on the same row on both sides.
    std::vector<const core::DiffLine*> lefts;
    std::vector<const core::DiffLine*> rights;
    int row = 0;
    auto flush = [&] {
        const std::size_t rows = std::max(lefts.size(), rights.size());
        for (std::size_t i = 0; i < rows; ++i) {
            out.left += i < lefts.size()
                            ? QStringLiteral("<span style=\"%1\">%2</span>\n")
                                  .arg(removed, toQString(lefts[i]->text).toHtmlEscaped())
                            : QStringLiteral("\n");
            out.right += i < rights.size()
                             ? QStringLiteral("<span style=\"%1\">%2</span>\n")
                                   .arg(added, toQString(rights[i]->text).toHtmlEscaped())
                             : QStringLiteral("\n");
        }
        if (rows > 0 && out.firstChange < 0) {
            out.firstChange = row;
        }
        row += int(rows);
        out.changedLeft += int(lefts.size());
        out.changedRight += int(rights.size());
        lefts.clear();
        rights.clear();
    };
    for (const core::DiffLine& line : diff) {
        switch (line.change) {
        case core::DiffLine::Change::Removed:
            lefts.push_back(&line);
            break;
        case core::DiffLine::Change::Added:
            rights.push_back(&line);
            break;
        case core::DiffLine::Change::Same:
            flush();
            out.left += toQString(line.text).toHtmlEscaped() + u'\n';
            out.right += toQString(line.text).toHtmlEscaped() + u'\n';
            ++row;
            break;
        }
    }
    flush();
    out.left += QStringLiteral("</pre>");
    out.right += QStringLiteral("</pre>");
    return out;
}

QString diffToHtml(const QString& diff)
{
    const QString added = addedStyle();
    const QString removed = removedStyle();
    const QString muted = mutedStyle();
    QString from;
    QString to;
    QString notes;
    QString body;
    static const QRegularExpression hunk(
        QStringLiteral(R"(^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@)"));
    for (const QString& line : diff.split(u'\n')) {
        const QString escaped = line.toHtmlEscaped();
        if (line.startsWith(QStringLiteral("--- version "))) {
            from = line.mid(12);
        } else if (line.startsWith(QStringLiteral("+++ version "))) {
            to = line.mid(12);
        } else if (line.startsWith(QStringLiteral("# "))) {
            // "# title: a -> b": what changed besides the text, in words.
            const QString what = line.mid(2).section(u':', 0, 0);
            const QString change = line.mid(2).section(u':', 1).trimmed();
            notes += QStringLiteral("<p><b>%1</b> changed: %2</p>")
                         .arg(what.left(1).toUpper() + what.mid(1).toHtmlEscaped(),
                              change.toHtmlEscaped().replace(QStringLiteral("-&gt;"),
                                                             QStringLiteral("→")));
        } else if (const auto m = hunk.match(line); m.hasMatch()) {
            // No raw "@@" line: where the change is, in words.
            body += QStringLiteral("<span style=\"%1\">⋯ from line %2</span>\n")
                        .arg(muted, m.captured(1));
        } else if (line.startsWith(u'+')) {
            body += QStringLiteral("<span style=\"%1\">+ %2</span>\n").arg(added, escaped.mid(1));
        } else if (line.startsWith(u'-')) {
            body += QStringLiteral("<span style=\"%1\">− %2</span>\n").arg(removed, escaped.mid(1));
        } else if (line.startsWith(u' ')) {
            body += QStringLiteral("  ") + escaped.mid(1) + u'\n';
        } else if (!line.isEmpty()) {
            body += escaped + u'\n';
        }
    }
    if (notes.isEmpty() && body.isEmpty()) {
        return QStringLiteral("<p style=\"%1\">%2</p>")
            .arg(muted, QCoreApplication::translate("HistoryDialog",
                                                    "No differences: version %1 and version %2 "
                                                    "have the same title, tags, state and text.")
                            .arg(from, to)
                            .toHtmlEscaped());
    }
    QString html = QStringLiteral("<p style=\"%1\">%2</p>")
                       .arg(muted, QCoreApplication::translate("HistoryDialog",
                                                               "From version %1 to version %2")
                                       .arg(from, to)
                                       .toHtmlEscaped());
    html += notes;
    if (!body.isEmpty()) {
        html += kPre + body + QStringLiteral("</pre>");
    }
    return html;
}

} // namespace sopvault::desktop
