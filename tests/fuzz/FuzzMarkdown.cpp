// Fuzz target: the Markdown wrapper (cmark-gfm with the GFM extensions in safe mode). No input
// may crash it or hang it, and no output may carry raw HTML tags or script links.
#include "Fuzz.h"

#include "sopvault/core/Markdown.h"
#include "sopvault/core/Types.h"

#include <array>
#include <string>

using namespace sopvault;

namespace {

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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view markdown = fuzz::text({data, size});
    auto html = core::renderHtml(markdown);
    if (!html) {
        fuzz::check(html.error().code == ErrorCode::Usage &&
                        (size > core::kMaxBodyBytes || !core::isValidUtf8(markdown)),
                    "renderHtml refused input that is UTF-8 and under the cap");
        return 0;
    }
    fuzz::check(core::isValidUtf8(*html), "rendered HTML is not UTF-8");
    const std::string out = lower(*html);
    // Safe mode: raw HTML becomes a comment, dangerous URLs become empty ones.
    // (An alt text may say "file:"; only where a URL goes does it matter.)
    for (const std::string_view bad : std::array<std::string_view, 12>{
             "<script", "<iframe", "<img src=x", "<style", "<object",
             "href=\"javascript:", "src=\"javascript:", "href=\"vbscript:", "src=\"vbscript:",
             "href=\"file:", "src=\"file:", "href=\"data:text"}) {
        fuzz::check(out.find(bad) == std::string::npos, "rendered HTML carries raw HTML or a "
                                                        "script link");
    }
    return 0;
}
