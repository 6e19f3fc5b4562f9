// Escaping of person-supplied text for the terminal (see HumanText.h).
#include "HumanText.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>

namespace sopvault::cli {
namespace {

// One decoded code point and its length in bytes; nullopt for a byte that does not start a
// well-formed UTF-8 sequence (overlong forms, surrogates and values past U+10FFFF included).
struct CodePoint
{
    char32_t value = 0;
    std::size_t length = 0;
};

std::optional<CodePoint> decode(std::string_view text, std::size_t at)
{
    const auto byte = [&](std::size_t i) {
        return static_cast<unsigned char>(text[at + i]);
    };
    const unsigned char lead = byte(0);
    if (lead < 0x80) {
        return CodePoint{lead, 1};
    }
    std::size_t length = 0;
    char32_t value = 0;
    char32_t least = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        value = lead & 0x1Fu;
        least = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        value = lead & 0x0Fu;
        least = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        value = lead & 0x07u;
        least = 0x10000;
    } else {
        return std::nullopt;
    }
    if (at + length > text.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) {
            return std::nullopt;
        }
        value = (value << 6) | (byte(i) & 0x3Fu);
    }
    if (value < least || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        return std::nullopt;
    }
    return CodePoint{value, length};
}

// Code points that change how a terminal draws what follows: C1 controls (U+009B is CSI on
// many terminals), the bidirectional embeddings, overrides, isolates and marks (which reorder
// text, e.g. "txt.exe" drawn as "exe.txt"), and the Unicode line and paragraph separators.
bool invisibleControl(char32_t c)
{
    return (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x061C || c == 0x200E || c == 0x200F ||
           c == 0x2028 || c == 0x2029;
}

std::string escape(std::string_view text, bool block)
{
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    while (at < text.size()) {
        const auto cp = decode(text, at);
        if (!cp) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[at]));
            at += 1;
            continue;
        }
        const char32_t c = cp->value;
        if (c < 0x20 || c == 0x7F) {
            const bool crlf = c == '\r' && at + 1 < text.size() && text[at + 1] == '\n';
            if (block && (c == '\n' || c == '\t' || crlf)) {
                out += static_cast<char>(c);
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '\r') {
                out += "\\r";
            } else if (c == '\t') {
                out += "\\t";
            } else {
                out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
            }
        } else if (invisibleControl(c)) {
            out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(c));
        } else {
            out.append(text.substr(at, cp->length));
        }
        at += cp->length;
    }
    return out;
}

} // namespace

std::string humanLine(std::string_view text)
{
    return escape(text, false);
}

std::string humanBlock(std::string_view text)
{
    return escape(text, true);
}

TerminalText TerminalText::line(std::string_view text)
{
    return TerminalText(humanLine(text));
}

TerminalText TerminalText::block(std::string_view text)
{
    return TerminalText(humanBlock(text));
}

TerminalText table(const std::vector<std::string>& header,
                   std::vector<std::vector<std::string>> rows)
{
    for (auto& row : rows) {
        for (auto& cell : row) {
            cell = humanLine(cell);
        }
    }
    std::vector<std::size_t> width(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        width[i] = header[i].size();
        for (const auto& row : rows) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string l;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            l += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}  ", cells[i], width[i]);
        }
        while (!l.empty() && l.back() == ' ') {
            l.pop_back();
        }
        out += l + "\n";
    };
    line(header);
    for (const auto& row : rows) {
        line(row);
    }
    return detail::TerminalTextMaker::make(std::move(out));
}

std::string utf8Safe(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    while (at < text.size()) {
        if (const auto cp = decode(text, at)) {
            out.append(text.substr(at, cp->length));
            at += cp->length;
        } else {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[at]));
            at += 1;
        }
    }
    return out;
}

} // namespace sopvault::cli
