// The SOP editor's text field: plain Markdown, with a pasted screenshot or dropped files handed
// to the window as attachments (it inserts their references) instead of being lost or pasted as
// a file path.
#pragma once

#include <QImage>
#include <QPlainTextEdit>
#include <QStringList>

namespace sopvault::desktop {

class MarkdownEditor : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit MarkdownEditor(QWidget* parent = nullptr);

signals:
    void imagePasted(const QImage& image);
    void filesDropped(const QStringList& paths);

protected:
    [[nodiscard]] bool canInsertFromMimeData(const QMimeData* source) const override;
    void insertFromMimeData(const QMimeData* source) override;
};

} // namespace sopvault::desktop
