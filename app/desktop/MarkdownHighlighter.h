// Markdown syntax colouring for the SOP editor: headings, emphasis, code, lists, task boxes,
// links and tables, so the structure of a runbook stands out while it is written.
#pragma once

#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace sopvault::desktop {

class MarkdownHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    explicit MarkdownHighlighter(QTextDocument* document);

protected:
    void highlightBlock(const QString& text) override;

private:
    struct Rule
    {
        QRegularExpression pattern;
        QTextCharFormat format;
    };
    std::vector<Rule> m_rules;
    QTextCharFormat m_codeBlock;
};

} // namespace sopvault::desktop
