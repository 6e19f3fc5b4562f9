// The HTML half of rendering: cmark-gfm's output (raw HTML kept) re-parsed with gumbo as a
// fragment and written out again from an allowlist. The only file that includes gumbo.h.
#pragma once

#include "sopvault/core/Markdown.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sopvault::core::detail {

// An upper bound, found in one linear pass, on the scope walks gumbo 0.10 makes for this HTML:
// tags times the deepest nesting they could reach, plus each tag's attributes squared. gumbo
// walks its stack of open elements for most tags (20,000 nested <div> cost 0.5 s, 250,000
// nested block quotes over a minute) and checks each attribute against the tag's others
// (20,000 attributes on one tag: 0.7 s).
[[nodiscard]] std::uint64_t htmlParseSteps(std::string_view html);

// Safe HTML from any UTF-8 HTML (see renderHtml in Markdown.h for what is kept).
[[nodiscard]] std::string sanitizeHtml(std::string_view html, const RenderOptions& options);

} // namespace sopvault::core::detail
