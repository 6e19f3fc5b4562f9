// Links between SOPs: the one place the sopvault:// form is built and read, and the one scanner
// of the link and image targets a Markdown text holds (import, export and the links index).
#pragma once

#include "sopvault/core/Types.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core {

// sopvault://<vault hex>/sop/<sop hex>, with the vault's id as Session::vaultId() gives it.
[[nodiscard]] std::string sopLink(std::string_view vault, const Id& sop);

// The SOP a link names when it is a sopvault:// link into `vault` (a #fragment after it is
// allowed and ignored); nothing for anything else, a link into another vault included.
[[nodiscard]] std::optional<Id> parseSopLink(std::string_view vault, std::string_view url);

enum class LinkKind
{
    Link,      // [text](target)
    Image,     // ![alt](target)
    Reference, // [label]: target
    Autolink,  // <scheme:...>
    HtmlHref,  // <a href="target">
    HtmlSrc,   // <img src="target">
};

// One target inside a Markdown text: `url` is text[begin, end) as written (escapes and
// %-encoding untouched); `after` is just past the construct it belongs to (the ')' of an inline
// link, the '>' of an autolink or tag, the end of a reference line). Code spans and fenced code
// are not scanned: a link shown as code is not a link.
struct LinkTarget
{
    LinkKind kind = LinkKind::Link;
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t after = 0;
    std::string_view url;
};
[[nodiscard]] std::vector<LinkTarget> linkTargets(std::string_view markdown);

// What to do with one target: a new target text, and text to insert just after its construct.
struct LinkRewrite
{
    std::optional<std::string> target;
    std::string appendAfter;
};

// The text with each target replaced as `map` says (nothing: kept as written).
[[nodiscard]] std::string
rewriteLinks(std::string_view markdown,
             const std::function<std::optional<LinkRewrite>(const LinkTarget&)>& map);

// A target that names a place relative to the file it is in: no scheme, not absolute, not only
// a #fragment.
[[nodiscard]] bool isRelativeTarget(std::string_view url);

// A relative target split for lookup: the path with %-escapes and backslash escapes decoded,
// and the "#fragment" (with its '#', as written) to keep. A ?query is dropped from the path.
struct RelativeTarget
{
    std::string path;
    std::string fragment;
};
[[nodiscard]] RelativeTarget splitRelativeTarget(std::string_view url);

// A relative path (forward slashes) written as a Markdown link target: the characters that
// would end or break a target %-encoded, so "Reset a password.md" survives every renderer.
[[nodiscard]] std::string encodeRelativeTarget(std::string_view path);

} // namespace sopvault::core
