// Names for exported files and folders that work on every disk they may land on: a Linux
// folder, a Windows share, a USB stick formatted FAT32, a zip opened on a Mac.
#pragma once

#include <string>
#include <string_view>

namespace sopvault::core {

// `name` (a title, a collection's last segment, an attachment's file name) made safe as one path
// segment: no '/', '\\', ':', '*', '?', '"', '<', '>', '|' or control characters (each becomes
// '_'), no leading dot or space, no trailing dot or space, not a Windows device name (CON, NUL,
// COM1, LPT1, ... with any extension: "_" is put before it), at most `maxBytes` bytes without
// cutting a UTF-8 sequence, and never empty ("untitled").
[[nodiscard]] std::string safeFileName(std::string_view name, std::size_t maxBytes = 100);

} // namespace sopvault::core
