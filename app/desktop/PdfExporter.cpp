// The PDF exporter: A4 pages at 150 dpi, the SOP laid out by QTextDocument with the HTML
// export's stylesheet between two watermark bands, each band also saying which page of how
// many it is on. The same pages draw into an image for the tests and the screenshots.
#include "PdfExporter.h"

#include "SafeBrowser.h"
#include "VaultController.h"

#include "sopvault/core/Attachments.h"
#include "sopvault/core/Markdown.h"

#include <QAbstractTextDocumentLayout>
#include <QCoreApplication>
#include <QHash>
#include <QPageLayout>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QTextOption>

namespace sopvault::desktop {

namespace {

constexpr int kResolution = 150; // dots per inch, of the file and of the page images

// A4 with its margins, as the writer and the page images share it.
QPageLayout pageLayout()
{
    return QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(18, 22, 18, 22),
                       QPageLayout::Millimeter);
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

// One SOP laid out on pages of `device`: its fonts measured at the device's resolution, so
// 10 pt text is 10 pt on paper (laid out for the screen, it came out at about 6 pt).
class Pages
{
public:
    Pages(const core::ExportedSop& sop, const PdfExporter::ImageSource& images,
          QPaintDevice& device)
        : m_page(pageLayout().paintRectPixels(kResolution)), m_band(kResolution / 3),
          m_textHeight(m_page.height() - 2 * m_band), m_mark(toQString(sop.watermark)),
          m_doc(images, m_page.width() - 8)
    {
        m_doc.documentLayout()->setPaintDevice(&device);
        m_doc.setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 10));
        // Paper cannot scroll: a long path or command line breaks where it must.
        QTextOption wrap = m_doc.defaultTextOption();
        wrap.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
        m_doc.setDefaultTextOption(wrap);
        m_doc.setDefaultStyleSheet(toQString(core::exportStylesheet()));
        m_doc.setHtml(QStringLiteral("<h1>%1</h1>%2")
                          .arg(toQString(sop.title).toHtmlEscaped(), printableHtml(sop.html)));
        m_doc.setPageSize(QSizeF(m_page.width(), m_textHeight));
    }

    [[nodiscard]] int count() const { return m_doc.pageCount(); }
    [[nodiscard]] QSize size() const { return m_page.size(); }

    // Page `index` with the painter at the page's top left corner.
    void draw(QPainter& painter, int index)
    {
        drawBands(painter, index);
        painter.save();
        painter.translate(0, m_band - index * m_textHeight);
        m_doc.drawContents(&painter, QRectF(0, index * m_textHeight, m_page.width(), m_textHeight));
        painter.restore();
    }

private:
    // The watermark above and below one page's text.
    void drawBands(QPainter& painter, int index) const
    {
        painter.save();
        painter.setFont(QFont(QStringLiteral("DejaVu Sans"), 7));
        painter.setPen(QColor(0x6b, 0x72, 0x80));
        const int width = m_page.width();
        painter.drawText(QRect(0, 0, width, m_band),
                         Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, m_mark);
        painter.drawText(QRect(0, m_page.height() - m_band, width, m_band),
                         Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap,
                         QCoreApplication::translate("PdfExporter", "%1 · page %2 of %3")
                             .arg(m_mark)
                             .arg(index + 1)
                             .arg(count()));
        painter.restore();
    }

    QRect m_page;
    int m_band;
    int m_textHeight;
    QString m_mark;
    PdfDocument m_doc;
};

} // namespace

bool PdfExporter::write(const core::ExportedSop& sop, const QString& file,
                        const ImageSource& images)
{
    QPdfWriter writer(file);
    writer.setTitle(toQString(sop.title));
    writer.setCreator(QStringLiteral("SOP Vault"));
    writer.setPageLayout(pageLayout());
    writer.setResolution(kResolution);
    QPainter painter;
    if (!painter.begin(&writer)) {
        return false;
    }
    Pages pages(sop, images, writer);
    for (int i = 0; i < pages.count(); ++i) {
        if (i > 0) {
            writer.newPage();
        }
        pages.draw(painter, i);
    }
    return painter.end();
}

QList<QImage> PdfExporter::pageImages(const core::ExportedSop& sop, const ImageSource& images)
{
    // An image at the file's resolution, so the layout measures as it does for the file.
    const auto atResolution = [](QSize size) {
        QImage image(size, QImage::Format_RGB32);
        const int dotsPerMeter = qRound(kResolution / 0.0254);
        image.setDotsPerMeterX(dotsPerMeter);
        image.setDotsPerMeterY(dotsPerMeter);
        image.fill(Qt::white);
        return image;
    };
    QImage probe = atResolution(QSize(1, 1));
    Pages pages(sop, images, probe);
    QList<QImage> out;
    for (int i = 0; i < pages.count(); ++i) {
        QImage page = atResolution(pages.size());
        QPainter painter(&page);
        pages.draw(painter, i);
        painter.end();
        out.append(page);
    }
    return out;
}

} // namespace sopvault::desktop
