// The one way sopvault-cli prints text that a person typed (titles, comments, bodies, file
// names, ...) for humans: nothing in it can move the cursor, retitle the terminal or fake a line.
#pragma once

#include <string>
#include <string_view>

namespace sopvault::cli {

// A one-line field (a title, name, comment, message, ticket, audit detail, file name, path):
// C0 controls, DEL, C1 controls, bidirectional controls and bytes that are not UTF-8 are shown
// as escapes (\x1b, \u202e, \xff), newlines as \n, carriage returns as \r and tabs as \t.
[[nodiscard]] std::string humanLine(std::string_view text);

// Multi-line text for a terminal (a body, a diff): newlines, tabs and CRLF line ends stay;
// everything else humanLine escapes is escaped the same way.
[[nodiscard]] std::string humanBlock(std::string_view text);

// For JSON: valid UTF-8 is returned exactly as it is (JSON escapes its own controls); bytes
// that are not UTF-8 become \xNN, so the document stays valid and nothing throws.
[[nodiscard]] std::string utf8Safe(std::string_view text);

} // namespace sopvault::cli
