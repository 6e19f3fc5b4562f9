// The attachments figure of performance.md (wave 2): importing a folder of runbooks with
// screenshots, against inserting the same files' bytes into a plain SQLite table.
#pragma once

#include "Support.h"

#include <filesystem>

namespace sopvault::bench {

// 200 SOPs in 10 folders, each referencing two of the folder's screenshots (about 150 KiB of
// incompressible bytes each, as real screenshots are), one shared by two SOPs.
[[nodiscard]] Figure screenshotImportFigure(const std::filesystem::path& work);

} // namespace sopvault::bench
