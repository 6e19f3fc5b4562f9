// The small text rules core's readers share (front matter in Transfer.cpp, site files in
// ImportRules.cpp, checklist steps in Markdown.cpp): blanks around a value, runs of blanks inside
// one, and the quotes around a YAML or TOML scalar.
#pragma once

#include <string>
#include <string_view>

namespace sopvault::core::detail {

// `s` without the spaces, tabs and carriage returns at either end.
inline std::string_view trimBlank(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

// `text` with each run of characters `isBlank` accepts made one space, and none at either end.
template <typename IsBlank>
std::string collapseBlanks(std::string_view text, IsBlank isBlank)
{
    std::string out;
    for (char c : text) {
        if (!isBlank(c)) {
            out += c;
        } else if (!out.empty() && out.back() != ' ') {
            out += ' ';
        }
    }
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

// A trimmed scalar without one pair of matching double or single quotes around it.
inline std::string unquote(std::string_view s)
{
    s = trimBlank(s);
    if (s.size() >= 2 &&
        ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\''))) {
        s = s.substr(1, s.size() - 2);
    }
    return std::string(s);
}

} // namespace sopvault::core::detail
