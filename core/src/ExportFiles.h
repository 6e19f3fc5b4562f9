// What every file that leaves the vault shares (Transfer.cpp): the watermark line and writing a
// new file private to its owner. SOP exports and run evidence both use them.
#pragma once

#include "Engine.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace sopvault::core {

// The line on every exported page: who, when, which vault, collection and version.
[[nodiscard]] std::string watermarkText(const detail::Engine& e, std::string_view collection,
                                        std::uint64_t version, Timestamp when);
// A new file (it must not exist), 0600 in folders made 0700, whatever the umask.
[[nodiscard]] Result<void> writeNewFile(const std::filesystem::path& file,
                                        std::string_view content);

} // namespace sopvault::core
