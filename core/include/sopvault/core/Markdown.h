// Markdown to safe HTML: cmark-gfm (tables, task lists, strikethrough, autolinks, footnotes) with
// raw HTML kept, then the whole HTML re-parsed by an HTML5 parser and rebuilt from an allowlist.
#pragma once

#include "sopvault/crypto/Error.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

// How the caller maps what a SOP points at. Both see a URL as the HTML carries it: entities
// decoded, and a Markdown destination percent-encoded by cmark (a space is "%20"; see
// decodeUrlPath). What they return is used as the URL, escaped but not checked again: it is the
// caller's own (a data: URI of an attachment, a resource URL of the reader, an exported file).
struct RenderOptions
{
    // Every img src. Nothing: the image is dropped and its alt text kept in its place. Without
    // this function no image is shown at all (nothing is ever fetched from the network).
    std::function<std::optional<std::string>(std::string_view src)> image;
    // Every relative or sopvault: href. Nothing: the href stays as written (those are safe).
    std::function<std::optional<std::string>(std::string_view href)> link;
};

// `usage` for input over the body size cap or not UTF-8. Text that could make cmark-gfm or the
// HTML parser work super-linearly (huge tables, thousands of image openers before links,
// elements nested thousands deep) comes back as escaped plain text under a one-line notice.
// Kept from raw HTML: tables, details/summary, lists, headings, code, quotes, the inline
// elements of emphasis, plain div/span, task-list checkboxes, img (only through
// RenderOptions::image) and a (http, https, mailto, tel, relative and sopvault: links only,
// with rel="noopener noreferrer"). Dropped with their content: script, style, iframe, object,
// embed, form, template, noscript, svg, math and the like; every other attribute. A tag that is
// not HTML (`<cluster-id>`, `<host-name>`) and a few HTML names that runbooks use as
// placeholders (`<address>`, `<source>`, `<label>`) show as the literal text written.
[[nodiscard]] Result<std::string> renderHtml(std::string_view markdown);
[[nodiscard]] Result<std::string> renderHtml(std::string_view markdown,
                                             const RenderOptions& options);

// The look of an exported page, for the HTML export and the desktop's PDF alike: body font,
// bordered and padded tables, code, task items with their box and no bullet, the watermark.
[[nodiscard]] std::string_view exportStylesheet();

// Text made safe inside HTML elements and attribute values (&, <, >, " escaped; NUL shown as
// U+FFFD).
[[nodiscard]] std::string escapeHtml(std::string_view text);

// A URL path with its %XX escapes decoded (how an attachment name is written in a Markdown
// destination); a malformed escape stays as written. "%2F" decodes to '/', like any other.
[[nodiscard]] std::string decodeUrlPath(std::string_view url);

// The steps of a checklist: every task-list item (`- [ ]` or `- [x]`) of the text, in document
// order, as its plain text on one line (markup dropped, whitespace collapsed). The one home of
// "the steps of a version" that runs number 1.. from. Text over the body cap has no steps.
[[nodiscard]] std::vector<std::string> checklistSteps(std::string_view markdown);

} // namespace sopvault::core
