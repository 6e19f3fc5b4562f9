// SafeBrowser and the reader's rendering of a SOP.
#include "SafeBrowser.h"

#include "VaultController.h"
#include "Widgets.h"

#include "sopvault/core/Markdown.h"

#include <QKeyEvent>
#include <QMimeData>
#include <QRegularExpression>

namespace sopvault::desktop {

namespace {

QString withTicks(const QString& html, const QSet<int>& ticked)
{
    static const QRegularExpression box(
        QStringLiteral(R"(<input type="checkbox"( checked="")? disabled="" />)"));
    QString out;
    qsizetype last = 0;
    int n = 0;
    auto it = box.globalMatch(html);
    while (it.hasNext()) {
        const auto m = it.next();
        out += html.mid(last, m.capturedStart() - last);
        const bool checked = m.capturedLength(1) > 0 ? !ticked.contains(n) : ticked.contains(n);
        out += QStringLiteral("<a href=\"task:%1\" style=\"text-decoration:none\">%2</a>")
                   .arg(n)
                   .arg(checked ? QStringLiteral("&#9745;") : QStringLiteral("&#9744;"));
        last = m.capturedEnd();
        ++n;
    }
    out += html.mid(last);
    return out;
}

// Headings, table heads and code get their own colours; on a dark palette they are the dark
// variants, so the text on them keeps its contrast.
QString readerCss()
{
    const bool dark = darkPalette();
    const QString heading = dark ? QStringLiteral("#9cc3ff") : QStringLiteral("#1f3b63");
    const QString rule = dark ? QStringLiteral("#5a6270") : QStringLiteral("#c8ccd1");
    const QString head = dark ? QStringLiteral("#2f3744") : QStringLiteral("#eef1f5");
    const QString code = dark ? QStringLiteral("#2b2f36") : QStringLiteral("#f4f5f7");
    const QString quote = dark ? QStringLiteral("#b8bec8") : QStringLiteral("#555555");
    return QStringLiteral(
               "<style>body{font-family:'DejaVu Sans',sans-serif;font-size:11pt;"
               "line-height:140%;} h1,h2,h3{color:%1;} table{border-collapse:collapse;"
               "margin:6px 0;} th,td{border:1px solid %2;padding:3px 8px;} th{background:%3;}"
               "code,pre{font-family:'DejaVu Sans Mono',monospace;background:%4;}"
               "blockquote{color:%5;margin-left:12px;}</style>")
        .arg(heading, rule, head, code, quote);
}

} // namespace

QString renderSop(const std::string& markdown, const QSet<int>& ticked)
{
    auto html = core::renderHtml(markdown);
    if (!html) {
        return QStringLiteral("<p><i>%1</i></p>")
            .arg(toQString(html.error().message).toHtmlEscaped());
    }
    return readerCss() + withTicks(toQString(*html), ticked);
}

SafeBrowser::SafeBrowser(QWidget* parent) : QTextBrowser(parent)
{
    setOpenLinks(false);
    setOpenExternalLinks(false);
}

QVariant SafeBrowser::loadResource(int, const QUrl&)
{
    return {}; // nothing is ever fetched, local or remote
}

bool SafeBrowser::wholeSelected() const
{
    const QTextCursor cursor = textCursor();
    // characterCount() counts the final paragraph separator, which no selection includes.
    return cursor.hasSelection() && cursor.selectionStart() == 0 &&
           cursor.selectionEnd() >= document()->characterCount() - 1;
}

void SafeBrowser::keyPressEvent(QKeyEvent* event)
{
    if ((event->matches(QKeySequence::Copy) || event->matches(QKeySequence::Cut)) &&
        wholeSelected()) {
        event->accept();
        emit wholeCopyRequested();
        return;
    }
    QTextBrowser::keyPressEvent(event);
}

QMimeData* SafeBrowser::createMimeDataFromSelection() const
{
    // Every route out of the widget (copy, drag, the X11 selection) asks here.
    if (wholeSelected()) {
        return new QMimeData;
    }
    return QTextBrowser::createMimeDataFromSelection();
}

} // namespace sopvault::desktop
