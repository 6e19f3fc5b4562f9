// Renders one exported SOP (already checked, watermarked and audited by core) to a PDF file
// with the watermark at the top and bottom of every page.
#pragma once

#include "sopvault/core/Vault.h"

#include <QString>

namespace sopvault::desktop {

class PdfExporter
{
public:
    // False when the file cannot be written.
    [[nodiscard]] static bool write(const core::ExportedSop& sop, const QString& file);
};

} // namespace sopvault::desktop
