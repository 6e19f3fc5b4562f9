// Fuzz target: raw HTML through renderHtml's sanitizer (gumbo and the allowlist). No input may
// crash or hang it, and every tag of the output must be one the allowlist writes, with allowed
// attributes, no dangerous URL and no image the caller did not hand back.
#include "Fuzz.h"

#include "sopvault/core/Markdown.h"
#include "sopvault/core/Types.h"

#include <array>
#include <optional>
#include <string>

using namespace sopvault;

namespace {

constexpr std::string_view kImage = "data:image/png;base64,AAAA";

bool oneOf(std::string_view name, std::span<const std::string_view> names)
{
    for (const std::string_view n : names) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// Text is escaped, so every '<' opens a tag the sanitizer wrote: check each one.
void checkMarkup(const std::string& html)
{
    static constexpr std::array<std::string_view, 44> kTags{
        "table", "thead", "tbody", "tfoot", "tr",    "th",         "td",     "details", "summary",
        "br",    "hr",    "sup",   "sub",   "kbd",   "p",          "ul",     "ol",      "li",
        "dl",    "dt",    "dd",    "code",  "pre",   "blockquote", "strong", "em",      "b",
        "i",     "s",     "del",   "ins",   "mark",  "h1",         "h2",     "h3",      "h4",
        "h5",    "h6",    "div",   "span",  "input", "img",        "a",      "section"};
    static constexpr std::array<std::string_view, 17> kAttributes{
        "align", "colspan", "rowspan", "start", "open",   "class", "id",      "href",    "rel",
        "title", "src",     "alt",     "width", "height", "type",  "checked", "disabled"};
    std::size_t i = 0;
    while ((i = html.find('<', i)) != std::string::npos) {
        ++i;
        if (i < html.size() && html[i] == '/') {
            ++i;
        }
        std::size_t end = i;
        while (end < html.size() &&
               ((html[end] >= 'a' && html[end] <= 'z') || (html[end] >= '0' && html[end] <= '9'))) {
            ++end;
        }
        fuzz::check(oneOf(std::string_view(html).substr(i, end - i), kTags),
                    "the output has a tag outside the allowlist");
        i = end;
        while (i < html.size() && html.compare(i, 3, " />") != 0 && html[i] == ' ') {
            ++i;
            const std::size_t eq = html.find("=\"", i);
            fuzz::check(eq != std::string::npos, "an attribute without a quoted value");
            const std::size_t close = html.find('"', eq + 2);
            fuzz::check(close != std::string::npos, "an attribute value without its end");
            const std::string_view name = std::string_view(html).substr(i, eq - i);
            const std::string_view raw = std::string_view(html).substr(eq + 2, close - eq - 2);
            const std::string value = lower(raw);
            fuzz::check(oneOf(name, kAttributes), "the output has an attribute outside the "
                                                  "allowlist");
            if (name == "href") {
                for (const std::string_view bad : {"javascript:", "vbscript:", "file:", "data:"}) {
                    fuzz::check(!value.starts_with(bad), "an href with a dangerous scheme");
                }
            }
            if (name == "src") {
                fuzz::check(raw == kImage, "an img src the caller did not return");
            }
            i = close + 1;
        }
        if (html.compare(i, 3, " />") == 0) {
            i += 3;
        } else {
            fuzz::check(i < html.size() && html[i] == '>', "a tag that does not end");
            ++i;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input input(data, size);
    const std::uint8_t choice = input.byte();
    const std::string_view markdown = fuzz::text(input.rest());
    core::RenderOptions options;
    if ((choice & 1) != 0) {
        options.image = [](std::string_view src) -> std::optional<std::string> {
            return src.size() % 2 == 0 ? std::optional<std::string>(kImage) : std::nullopt;
        };
    }
    if ((choice & 2) != 0) {
        options.link = [](std::string_view href) -> std::optional<std::string> {
            return href.ends_with(".md") ? std::optional<std::string>("other.html") : std::nullopt;
        };
    }
    auto html = core::renderHtml(markdown, options);
    if (!html) {
        fuzz::check(html.error().code == ErrorCode::Usage &&
                        (markdown.size() > core::kMaxBodyBytes || !core::isValidUtf8(markdown)),
                    "renderHtml refused input that is UTF-8 and under the cap");
        return 0;
    }
    fuzz::check(core::isValidUtf8(*html), "rendered HTML is not UTF-8");
    checkMarkup(*html);
    return 0;
}
