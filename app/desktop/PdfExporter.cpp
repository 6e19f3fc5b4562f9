// The PDF exporter: QPdfWriter pages, the SOP laid out by QTextDocument between two watermark
// bands, each band also saying which page of how many it is on.
#include "PdfExporter.h"

#include "VaultController.h"

#include "sopvault/core/Attachments.h"

#include <QCoreApplication>
#include <QHash>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>

namespace sopvault::desktop {

namespace {

// The watermark above and below one page's text.
void drawBands(QPainter& painter, const QRect& page, int band, const QString& mark, int index,
               int pages)
{
    painter.save();
    painter.setFont(QFont(QStringLiteral("DejaVu Sans"), 7));
    painter.setPen(QColor(0x6b, 0x72, 0x80));
    painter.drawText(QRect(0, 0, page.width(), band),
                     Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, mark);
    painter.drawText(QRect(0, page.height() - band, page.width(), band),
                     Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap,
                     QCoreApplication::translate("PdfExporter", "%1 · page %2 of %3")
                         .arg(mark)
                         .arg(index + 1)
                         .arg(pages));
    painter.restore();
}

// The page's text with its images from the attachments (core wrote them as attachment: URLs),
// each at most as wide as the text.
class PdfDocument : public QTextDocument
{
public:
    PdfDocument(const PdfExporter::ImageSource& images, int width)
        : m_images(images), m_width(width)
    {}

protected:
    QVariant loadResource(int type, const QUrl& name) override
    {
        const auto attachment = core::attachmentFromUrl(toStd(name.toString(QUrl::FullyEncoded)));
        if (type != QTextDocument::ImageResource || !m_images || !attachment) {
            return {}; // nothing is fetched from anywhere else
        }
        const QString key = toQString(*attachment);
        if (auto known = m_cache.constFind(key); known != m_cache.constEnd()) {
            return *known; // the layout asks once per page pass: decrypt once
        }
        QImage image = m_images(key);
        if (!image.isNull() && image.width() > m_width) {
            image = image.scaledToWidth(m_width, Qt::SmoothTransformation);
        }
        m_cache.insert(key, image);
        return image;
    }

private:
    const PdfExporter::ImageSource& m_images;
    int m_width;
    QHash<QString, QImage> m_cache;
};

} // namespace

bool PdfExporter::write(const core::ExportedSop& sop, const QString& file,
                        const ImageSource& images)
{
    QPdfWriter writer(file);
    writer.setTitle(toQString(sop.title));
    writer.setCreator(QStringLiteral("SOP Vault"));
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(18, 22, 18, 22), QPageLayout::Millimeter);
    writer.setResolution(150);
    QPainter painter;
    if (!painter.begin(&writer)) {
        return false;
    }
    const QRect page = writer.pageLayout().paintRectPixels(writer.resolution());
    const int band = writer.resolution() / 3; // room for the watermark at top and bottom
    const int textHeight = page.height() - 2 * band;
    PdfDocument doc(images, page.width() - 8);
    doc.setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 10));
    doc.setHtml(QStringLiteral("<h1>%1</h1>%2")
                    .arg(toQString(sop.title).toHtmlEscaped(), toQString(sop.html)));
    doc.setPageSize(QSizeF(page.width(), textHeight));
    const int pages = doc.pageCount();
    const QString mark = toQString(sop.watermark);
    for (int i = 0; i < pages; ++i) {
        if (i > 0) {
            writer.newPage();
        }
        drawBands(painter, page, band, mark, i, pages);
        painter.save();
        painter.translate(0, band - i * textHeight);
        doc.drawContents(&painter, QRectF(0, i * textHeight, page.width(), textHeight));
        painter.restore();
    }
    return painter.end();
}

} // namespace sopvault::desktop
