// The PDF exporter: QPdfWriter pages, the SOP laid out by QTextDocument between two watermark
// bands, each band also saying which page of how many it is on.
#include "PdfExporter.h"

#include "VaultController.h"

#include <QCoreApplication>
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

} // namespace

bool PdfExporter::write(const core::ExportedSop& sop, const QString& file)
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
    QTextDocument doc;
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
