// Renders one exported SOP (already checked, watermarked and audited by core) to a PDF file
// with the watermark at the top and bottom of every page, in the HTML export's stylesheet.
#pragma once

#include "sopvault/core/Vault.h"

#include <QImage>
#include <QList>
#include <QString>

#include <functional>

namespace sopvault::desktop {

class PdfExporter
{
public:
    // The image of one of the SOP's attachments, by name (a null image: its alt text shows).
    using ImageSource = std::function<QImage(const QString& name)>;
    // False when the file cannot be written. Images are fit to the page's width.
    [[nodiscard]] static bool write(const core::ExportedSop& sop, const QString& file,
                                    const ImageSource& images = {});
    // The same pages as images at the file's resolution (150 dpi), white, one per page.
    [[nodiscard]] static QList<QImage> pageImages(const core::ExportedSop& sop,
                                                  const ImageSource& images = {});
};

} // namespace sopvault::desktop
