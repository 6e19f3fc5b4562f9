// MarkdownEditor: images and local files out of the clipboard or a drop become signals.
#include "MarkdownEditor.h"

#include <QMimeData>
#include <QUrl>

namespace sopvault::desktop {

namespace {

// The local files a drop or paste carries; empty when any of it is not a local file.
QStringList localFiles(const QMimeData* source)
{
    QStringList out;
    if (!source->hasUrls()) {
        return out;
    }
    for (const QUrl& url : source->urls()) {
        if (!url.isLocalFile()) {
            return {};
        }
        out << url.toLocalFile();
    }
    return out;
}

} // namespace

MarkdownEditor::MarkdownEditor(QWidget* parent) : QPlainTextEdit(parent) {}

bool MarkdownEditor::canInsertFromMimeData(const QMimeData* source) const
{
    return source->hasImage() || !localFiles(source).isEmpty() ||
           QPlainTextEdit::canInsertFromMimeData(source);
}

void MarkdownEditor::insertFromMimeData(const QMimeData* source)
{
    // A screenshot tool puts an image (and sometimes a file name as text): the image wins.
    if (source->hasImage()) {
        const QImage image = qvariant_cast<QImage>(source->imageData());
        if (!image.isNull()) {
            emit imagePasted(image);
            return;
        }
    }
    if (const QStringList files = localFiles(source); !files.isEmpty()) {
        emit filesDropped(files);
        return;
    }
    QPlainTextEdit::insertFromMimeData(source);
}

} // namespace sopvault::desktop
