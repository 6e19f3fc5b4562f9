// Line diffs over dtl: see sopvault/core/Diff.h.
#include "sopvault/core/Diff.h"

#include <dtl/dtl.hpp>

#include <sstream>

namespace sopvault::core {

namespace {

using LineDiff = dtl::Diff<std::string, std::vector<std::string>>;

std::vector<std::string> splitLines(std::string_view text)
{
    std::vector<std::string> lines;
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

} // namespace

std::vector<DiffLine> lineDiff(std::string_view from, std::string_view to)
{
    LineDiff d(splitLines(from), splitLines(to));
    d.compose();
    std::vector<DiffLine> out;
    for (const auto& [line, info] : d.getSes().getSequence()) {
        const DiffLine::Change change = info.type == dtl::SES_DELETE ? DiffLine::Change::Removed
                                        : info.type == dtl::SES_ADD  ? DiffLine::Change::Added
                                                                     : DiffLine::Change::Same;
        out.push_back({change, line});
    }
    return out;
}

std::string unifiedDiff(std::string_view from, std::string_view to)
{
    LineDiff d(splitLines(from), splitLines(to));
    d.compose();
    d.composeUnifiedHunks();
    std::ostringstream out;
    d.printUnifiedFormat(out);
    return out.str();
}

} // namespace sopvault::core
