// Markdown highlighting rules; fenced code blocks carry state from line to line.
#include "MarkdownHighlighter.h"

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
    rule(R"(^#{1,6}\s.*$)", QColor(0x1f, 0x4e, 0x8c), true);
    rule(R"(^\s*([-*+]|\d+[.)])\s)", QColor(0x8a, 0x3f, 0xb8), true);
    rule(R"(\[[ xX]\])", QColor(0x0f, 0x7b, 0x3f), true);
    rule(R"(\*\*[^*]+\*\*|__[^_]+__)", QColor(0x20, 0x20, 0x20), true);
    rule(R"((?<![*\w])\*[^*\s][^*]*\*(?!\*)|(?<!\w)_[^_\s][^_]*_(?!\w))", QColor(0x40, 0x40, 0x40),
         false, true);
    rule(R"(`[^`]+`)", QColor(0xb3, 0x3a, 0x3a));
    rule(R"(\[[^\]]+\]\([^)]+\))", QColor(0x0b, 0x63, 0xc4));
    rule(R"(^\s*\|.*\|\s*$)", QColor(0x5a, 0x5a, 0x5a));
    rule(R"(^>.*$)", QColor(0x6b, 0x72, 0x80), false, true);
    m_codeBlock.setForeground(QColor(0xb3, 0x3a, 0x3a));
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
