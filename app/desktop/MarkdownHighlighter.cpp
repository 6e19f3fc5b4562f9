// Markdown highlighting rules; fenced code blocks carry state from line to line.
#include "MarkdownHighlighter.h"

#include "Widgets.h"

namespace sopvault::desktop {

MarkdownHighlighter::MarkdownHighlighter(QTextDocument* document) : QSyntaxHighlighter(document)
{
    auto rule = [this](const char* pattern, QColor colour, bool bold = false, bool italic = false) {
        QTextCharFormat f;
        f.setForeground(colour);
        if (bold) {
            f.setFontWeight(QFont::Bold);
        }
        f.setFontItalic(italic);
        m_rules.push_back({QRegularExpression(QString::fromLatin1(pattern)), f});
    };
    // The dark variants keep each colour readable on a dark editor background.
    const QColor code = themed(QColor(0xb3, 0x3a, 0x3a), QColor(0xff, 0x9b, 0x9b));
    rule(R"(^#{1,6}\s.*$)", themed(QColor(0x1f, 0x4e, 0x8c), QColor(0x8a, 0xb4, 0xf8)), true);
    rule(R"(^\s*([-*+]|\d+[.)])\s)", themed(QColor(0x8a, 0x3f, 0xb8), QColor(0xd2, 0xa8, 0xff)),
         true);
    rule(R"(\[[ xX]\])", themed(QColor(0x0f, 0x7b, 0x3f), QColor(0x7e, 0xe2, 0xa0)), true);
    rule(R"(\*\*[^*]+\*\*|__[^_]+__)", themed(QColor(0x20, 0x20, 0x20), QColor(0xf0, 0xf0, 0xf0)),
         true);
    rule(R"((?<![*\w])\*[^*\s][^*]*\*(?!\*)|(?<!\w)_[^_\s][^_]*_(?!\w))",
         themed(QColor(0x40, 0x40, 0x40), QColor(0xd0, 0xd0, 0xd0)), false, true);
    rule(R"(`[^`]+`)", code);
    rule(R"(\[[^\]]+\]\([^)]+\))", themed(QColor(0x0b, 0x63, 0xc4), QColor(0x79, 0xc0, 0xff)));
    rule(R"(^\s*\|.*\|\s*$)", themed(QColor(0x5a, 0x5a, 0x5a), QColor(0xb0, 0xb0, 0xb0)));
    rule(R"(^>.*$)", themed(QColor(0x6b, 0x72, 0x80), QColor(0xa0, 0xa8, 0xb4)), false, true);
    m_codeBlock.setForeground(code);
    m_codeBlock.setFontFamilies({QStringLiteral("DejaVu Sans Mono"), QStringLiteral("monospace")});
}

void MarkdownHighlighter::highlightBlock(const QString& text)
{
    const bool fence = text.trimmed().startsWith(QStringLiteral("```"));
    const bool inBlock = previousBlockState() == 1;
    if (inBlock || fence) {
        setFormat(0, int(text.size()), m_codeBlock);
        setCurrentBlockState(fence ? (inBlock ? 0 : 1) : 1);
        return;
    }
    setCurrentBlockState(0);
    for (const Rule& r : m_rules) {
        auto it = r.pattern.globalMatch(text);
        while (it.hasNext()) {
            const auto m = it.next();
            setFormat(int(m.capturedStart()), int(m.capturedLength()), r.format);
        }
    }
}

} // namespace sopvault::desktop
