// SafeBrowser and the reader's rendering of a SOP.
#include "SafeBrowser.h"

#include "VaultController.h"
#include "Widgets.h"

#include "sopvault/core/Attachments.h"
#include "sopvault/core/Markdown.h"

#include <QKeyEvent>
#include <QMimeData>
#include <QRegularExpression>

#include <algorithm>

namespace sopvault::desktop {

namespace {

// Each task box as a ballot box: ticked where `ticked` says (see renderSop's `exact`), as a
// "task:N" link when the reader may tick it, or as plain text on paper.
QString withTicks(const QString& html, const QSet<int>& ticked, bool exact, bool links)
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
        const bool checked =
            (m.capturedLength(1) > 0 && !exact) ? !ticked.contains(n) : ticked.contains(n);
        const QString mark = checked ? QStringLiteral("&#9745;") : QStringLiteral("&#9744;");
        out += links ? QStringLiteral("<a href=\"task:%1\" style=\"text-decoration:none\">%2</a>")
                           .arg(n)
                           .arg(mark)
                     : mark;
        last = m.capturedEnd();
        ++n;
    }
    out += html.mid(last);
    return out;
}

// A task list's box is its items' marker: the list shows no bullet besides it.
QString withoutTaskBullets(const QString& html)
{
    static const QRegularExpression list(
        QStringLiteral(R"re(<ul>(\s*<li>\s*(?:<p>)?<input type="checkbox"))re"));
    QString out = html;
    out.replace(list, QStringLiteral(R"(<ul style="list-style-type:none">\1)"));
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
               "pre{white-space:pre-wrap;}"
               "blockquote{color:%5;margin-left:12px;}</style>")
        .arg(heading, rule, head, code, quote);
}

// Each attachment image the renderer wrote, inside a link to itself: a click enlarges it.
QString withImageLinks(const QString& html)
{
    static const QRegularExpression image(
        QStringLiteral(R"re((<img src="(attachment:[^"]*)"[^>]*/>))re"));
    QString out = html;
    out.replace(image, QStringLiteral(R"(<a href="\2">\1</a>)"));
    return out;
}

} // namespace

QString renderSop(const std::string& markdown, const QSet<int>& ticked,
                  const std::vector<core::AttachmentInfo>& attachments, bool exact)
{
    auto listed = [&](std::string_view target, bool image) -> std::optional<std::string> {
        const auto name = core::attachmentNameFor(target);
        const bool found =
            name && std::any_of(attachments.begin(), attachments.end(), [&](const auto& a) {
                return a.name == *name && (a.inlineImage || !image);
            });
        return found ? std::optional<std::string>(core::attachmentUrl(*name)) : std::nullopt;
    };
    core::RenderOptions options;
    options.image = [&](std::string_view src) {
        return listed(src, true);
    };
    options.link = [&](std::string_view href) {
        return listed(href, false);
    };
    auto html = core::renderHtml(markdown, options);
    if (!html) {
        return QStringLiteral("<p><i>%1</i></p>")
            .arg(toQString(html.error().message).toHtmlEscaped());
    }
    return readerCss() +
           withImageLinks(withTicks(withoutTaskBullets(toQString(*html)), ticked, exact, true));
}

QString printableHtml(const std::string& html)
{
    return withTicks(withoutTaskBullets(toQString(html)), {}, false, false);
}

SafeBrowser::SafeBrowser(QWidget* parent) : QTextBrowser(parent)
{
    setOpenLinks(false);
    setOpenExternalLinks(false);
    // A long path or command breaks where it must rather than push the page sideways, code
    // blocks wrap (readerCss) and images fit the width (loadResource): nothing is wider than
    // the view but Qt's rounding of a table or code frame by a pixel, which is no reason for a
    // scrollbar.
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
}

QVariant SafeBrowser::loadResource(int type, const QUrl& name)
{
    // Nothing is ever fetched, local or remote: only the SOP's own attachments show.
    if (type != QTextDocument::ImageResource || !m_images) {
        return {};
    }
    const auto attachment = core::attachmentFromUrl(toStd(name.toString(QUrl::FullyEncoded)));
    if (!attachment) {
        return {};
    }
    QImage image = m_images(toQString(*attachment));
    // Room for the indent of a list item too: an image never makes the page scroll sideways.
    const int room = viewport()->width() - 2 * int(document()->documentMargin()) - 48;
    if (!image.isNull() && room > 32 && image.width() > room) {
        image = image.scaledToWidth(room, Qt::SmoothTransformation);
    }
    return image;
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
