// The small text rules import's two readers share (front matter in Transfer.cpp, site files in
// ImportRules.cpp): blanks around a value, and the quotes around a YAML or TOML scalar.
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
