// Markdown to safe HTML: a small wrapper over cmark-gfm (tables, task lists, strikethrough,
// autolinks, tag filter) in its default safe mode: raw HTML and javascript:, vbscript:, file:
// and data: links (other than images) are dropped.
#pragma once

#include "sopvault/crypto/Error.h"

#include <string>
#include <string_view>

namespace sopvault::core {

// `usage` for input over the body size cap or not UTF-8. Text that could make cmark-gfm work
// super-linearly (huge tables, thousands of image openers before links) comes back as escaped
// plain text under a one-line notice.
[[nodiscard]] Result<std::string> renderHtml(std::string_view markdown);

// Text made safe inside HTML elements and attribute values (&, <, >, " escaped; NUL shown as
// U+FFFD).
[[nodiscard]] std::string escapeHtml(std::string_view text);

} // namespace sopvault::core
