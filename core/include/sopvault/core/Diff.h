// Line diffs of SOP text (dtl): the unified text history and the CLI print, and the marked
// lines the desktop's conflict view shows side by side. The one home of how SOP text is compared.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

struct DiffLine
{
    enum class Change
    {
        Same,
        Removed,
        Added
    };
    Change change = Change::Same;
    std::string text;
};

// The lines of `from` and `to` in order, each kept, removed (only in `from`) or added (only in
// `to`); a removal comes before the addition that replaces it.
[[nodiscard]] std::vector<DiffLine> lineDiff(std::string_view from, std::string_view to);

// The unified diff hunks (3 lines of context) from `from` to `to`, without the file headers.
[[nodiscard]] std::string unifiedDiff(std::string_view from, std::string_view to);

} // namespace sopvault::core
