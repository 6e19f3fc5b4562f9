// The one way sopvault-cli prints text that a person typed (titles, comments, bodies, file
// names, ...) for humans: nothing in it can move the cursor, retitle the terminal or fake a line.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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

class TerminalText;
namespace detail {
struct TerminalTextMaker;
}

// Text that is safe to write to a terminal, because it can only be made from program text and
// escaped pieces: say() escapes every string it is given, line() and block() escape what a
// person typed, table() escapes every cell. The CLI prints human output only as TerminalText,
// so a field that skipped escaping does not compile.
class TerminalText
{
public:
    TerminalText() = default;
    // A one-line field a person typed (humanLine).
    [[nodiscard]] static TerminalText line(std::string_view text);
    // A body or a diff a person typed (humanBlock).
    [[nodiscard]] static TerminalText block(std::string_view text);

    [[nodiscard]] const std::string& str() const { return m_text; }
    [[nodiscard]] bool empty() const { return m_text.empty(); }
    TerminalText& operator+=(const TerminalText& more)
    {
        m_text += more.m_text;
        return *this;
    }

private:
    friend struct detail::TerminalTextMaker;
    explicit TerminalText(std::string text) : m_text(std::move(text)) {}
    std::string m_text;
};

namespace detail {

struct TerminalTextMaker
{
    static TerminalText make(std::string text) { return TerminalText(std::move(text)); }
};

// What say() puts in place of each argument: strings escaped, terminal text as it is, numbers
// as they are.
inline std::string shown(std::string_view text)
{
    return humanLine(text);
}
inline const std::string& shown(const TerminalText& text)
{
    return text.str();
}
template <typename T>
requires std::is_arithmetic_v<std::remove_cvref_t<T>> T shown(T value)
{
    return value;
}
template <typename T>
using Shown = std::remove_cvref_t<decltype(shown(std::declval<T>()))>;

} // namespace detail

// fmt::format for the terminal: the format string is program text; every string argument is a
// one-line field and is escaped (humanLine), TerminalText is inserted as it is.
template <typename... Args>
[[nodiscard]] TerminalText say(fmt::format_string<detail::Shown<Args>...> format, Args&&... args)
{
    // The format string was checked against the shown types when it was built.
    return detail::TerminalTextMaker::make(
        fmt::vformat(fmt::string_view(format), fmt::make_format_args(detail::shown(args)...)));
}

// Left-aligned columns for plain output. Every cell is a one-line field, escaped here, so a
// newline in a comment or a ticket cannot start a row of its own.
[[nodiscard]] TerminalText table(const std::vector<std::string>& header,
                                 std::vector<std::vector<std::string>> rows);

} // namespace sopvault::cli
