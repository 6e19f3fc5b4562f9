// Raw HTML in SOPs (issue 16 item 5): what a runbook means survives, hostile HTML does not, and
// no input makes the HTML parser work super-linearly. Corpus: tests/data/html/.
#include "sopvault/core/Markdown.h"
#include "sopvault/core/Types.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace sopvault;
using namespace sopvault::core;

namespace {

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return text;
}

std::string repeat(std::string_view part, std::size_t times)
{
    std::string out;
    out.reserve(part.size() * times);
    for (std::size_t i = 0; i < times; ++i) {
        out += part;
    }
    return out;
}

std::string corpus(const char* name)
{
    std::ifstream in(std::string(SOPVAULT_HTML_CORPUS) + "/" + name, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The vault's side: attachments become data: URIs, links to .md files become .html files.
RenderOptions exportOptions()
{
    RenderOptions options;
    options.image = [](std::string_view src) -> std::optional<std::string> {
        if (src.starts_with("helpers/") || src == "a.png" || src == "my shot.png") {
            return "data:image/png;base64,iVBORw0KGgo=";
        }
        return std::nullopt;
    };
    options.link = [](std::string_view href) -> std::optional<std::string> {
        if (href.ends_with(".md")) {
            return std::string(href.substr(0, href.size() - 3)) + ".html";
        }
        return std::nullopt;
    };
    return options;
}

std::string render(std::string_view markdown, const RenderOptions& options = {})
{
    auto html = renderHtml(markdown, options);
    if (!html) {
        FAIL("renderHtml failed: " << html.error().message);
    }
    return *html;
}

// Text is escaped, so every '<' of the output opens a tag the sanitizer wrote: each must be on
// the allowlist with allowed attributes only, every href of a safe scheme and every src one the
// caller returned.
void requireOnlyAllowedMarkup(const std::string& html)
{
    static const std::set<std::string, std::less<>> kTags{
        "table", "thead", "tbody", "tfoot", "tr",    "th",         "td",     "details", "summary",
        "br",    "hr",    "sup",   "sub",   "kbd",   "p",          "ul",     "ol",      "li",
        "dl",    "dt",    "dd",    "code",  "pre",   "blockquote", "strong", "em",      "b",
        "i",     "s",     "del",   "ins",   "mark",  "h1",         "h2",     "h3",      "h4",
        "h5",    "h6",    "div",   "span",  "input", "img",        "a",      "section"};
    static const std::set<std::string, std::less<>> kAttributes{
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
        const std::string tag = html.substr(i, end - i);
        INFO("tag <" << tag << "> at " << i << " in: " << html.substr(i > 40 ? i - 40 : 0, 120));
        REQUIRE(kTags.contains(tag));
        i = end;
        while (i < html.size() && html[i] == ' ' && html.compare(i, 3, " />") != 0) {
            ++i;
            const std::size_t eq = html.find("=\"", i);
            REQUIRE(eq != std::string::npos);
            const std::string name = html.substr(i, eq - i);
            const std::size_t close = html.find('"', eq + 2);
            REQUIRE(close != std::string::npos);
            const std::string value = lower(html.substr(eq + 2, close - eq - 2));
            INFO("attribute " << name << "=\"" << value << "\"");
            REQUIRE(kAttributes.contains(name));
            if (name == "href") {
                for (const char* bad : {"javascript:", "vbscript:", "file:", "data:"}) {
                    CHECK_FALSE(value.starts_with(bad));
                }
            }
            if (name == "src") {
                CHECK(value.starts_with("data:image/png;base64,"));
            }
            i = close + 1;
        }
        if (html.compare(i, 3, " />") == 0) {
            i += 3;
        } else {
            REQUIRE(i < html.size());
            REQUIRE(html[i] == '>');
            ++i;
        }
    }
}

} // namespace

TEST_CASE("safe html: a runbook's own HTML keeps what it says", "[core][markdown][html]")
{
    const std::string html = render(corpus("ceph-osd-down.md"), exportOptions());
    INFO(html);
    requireOnlyAllowedMarkup(html);
    // The severity table, whole: before, raw HTML was dropped with its content.
    CHECK(contains(html, "<table>"));
    CHECK(contains(html, "<th>Severity</th>"));
    CHECK(contains(html, "<th align=\"center\">Page?</th>"));
    CHECK(contains(html, "<td>Cluster read-only</td>"));
    CHECK(contains(html, "<td colspan=\"3\">SEV3 and below: ticket only</td>"));
    // details keeps its label, and the Markdown inside it still renders.
    CHECK(contains(html, "<details>"));
    CHECK(contains(html, "<summary>Show the recovery commands</summary>"));
    CHECK(contains(html, "ceph osd in &lt;osd-id&gt;"));
    // Placeholders read as written, in code and out of it.
    CHECK(contains(html, "<code>/var/log/ceph/&lt;cluster-id&gt;/ceph-osd.&lt;id&gt;.log</code>"));
    CHECK(contains(html, "/var/log/ceph/&lt;cluster-id&gt;/ceph.log on &lt;host-name&gt;."));
    CHECK(contains(html, "<kbd>Ctrl</kbd>+<kbd>C</kbd>"));
    CHECK(contains(html, "2<sup>nd</sup>"));
    CHECK(contains(html, "H<sub>2</sub>O"));
    CHECK(contains(html, "If a &lt; b and b &gt; c"));
    // Task lists keep the exact form the reader's checkboxes look for.
    CHECK(contains(html, "<input type=\"checkbox\" checked=\"\" disabled=\"\" /> Silence"));
    CHECK(contains(html, "<input type=\"checkbox\" disabled=\"\" /> Replace"));
    // Links through the caller's mapping; the screenshot through the image mapping.
    CHECK(contains(html, "<a href=\"../before/what_is_an_incident.html\" rel=\"noopener "
                         "noreferrer\">what is an incident</a>"));
    CHECK(contains(html, "href=\"sopvault://00112233445566778899aabbccddeeff/sop/"
                         "ffeeddccbbaa99887766554433221100\""));
    CHECK(
        contains(html, "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"OSD dashboard\" />"));
}

TEST_CASE("safe html: elements that are not HTML show as the text written",
          "[core][markdown][html]")
{
    for (const auto& [markdown, shown] : std::vector<std::pair<std::string, std::string>>{
             {"Paste <your-token> here.", "Paste &lt;your-token&gt; here."},
             {"<cluster-id>\n", "&lt;cluster-id&gt;"},
             {"Path /var/log/<cluster-id>/x.log now", "/var/log/&lt;cluster-id&gt;/x.log now"},
             {"Set <Host-Name a=\"1\"> and </Host-Name> done",
              "Set &lt;Host-Name a=&quot;1&quot;&gt; and &lt;/Host-Name&gt; done"},
             // An HTML block element ends the paragraph, as in a browser; the words stay in
             // order.
             {"ping <address> twice", "&lt;address&gt; twice"},
             {"cp <source> <dest>", "cp &lt;source&gt; &lt;dest&gt;"},
             {"1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"},
         }) {
        INFO(markdown);
        const std::string html = render(markdown);
        INFO(html);
        CHECK(contains(html, shown));
        requireOnlyAllowedMarkup(html);
    }
    // Styling wrappers that carry no meaning keep their words and lose the tags.
    const std::string styled = render("<center><font color=red><u>Stop</u> the VM</font></center>");
    CHECK(contains(styled, "Stop the VM"));
    CHECK_FALSE(contains(styled, "font"));
}

TEST_CASE("safe html: hostile HTML is dropped, with its content where it is code",
          "[core][markdown][html][security]")
{
    const std::string html = render(corpus("hostile.md"), exportOptions());
    INFO(html);
    requireOnlyAllowedMarkup(html);
    const std::string low = lower(html);
    for (const char* gone :
         {"<script", "<iframe",      "<object",       "<embed",    "<form",       "<style",
          "<svg",    "<math",        "<template",     "<noscript", "<base",       "<meta",
          "<link",   "<button",      "onerror",       "onload",    "onclick",     "onmouseover",
          "style=",  "evil.example", "display: none", "x.swf",     "javascript:", "vbscript:",
          "file:",   "data:text"}) {
        INFO(gone);
        CHECK_FALSE(contains(low, gone));
    }
    // The words around it, and the text of every neutralised link, stay.
    for (const char* kept : {"before", "after", "click", "entity", "tab", "case", "vb", "file",
                             "data", "styled", "hover"}) {
        CHECK(contains(html, kept));
    }
    CHECK(contains(html, "<a>entity</a>"));
    CHECK(contains(html, "<div>styled</div>"));
    CHECK(contains(html, "<p>hover</p>"));
}

TEST_CASE("safe html: parser tricks (mutation XSS) leave nothing executable",
          "[core][markdown][html][security]")
{
    for (const char* trick : {
             "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
             "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
             "<template><script>alert(1)</script></template>",
             "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
             "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
             "<a href=\"javascript&colon;alert(1)\">x</a>",
             "<a href=\"jav&#x61;script:alert(1)\">x</a>",
             "<xmp><script>alert(1)</script></xmp>",
             "<title><script>alert(1)</script></title>",
             "<textarea><script>alert(1)</script></textarea>",
             "<!--><img src=x onerror=alert(1)>-->",
             "<!--!><img src=x onerror=alert(1)>-->",
             "<div>\n<img/src=x/onerror=alert(1)>",
             "<div>\n<img src=`x` onerror=alert(1)>",
             "<div>\n<a href=\"https://ok\"onclick=alert(1)>x</a>",
             "<div>\n<scr\0ipt>alert(1)</scr\0ipt>",
         }) {
        INFO(trick);
        const std::string html = render(std::string(trick) + "\n\nafter\n", exportOptions());
        INFO(html);
        requireOnlyAllowedMarkup(html);
        const std::string low = lower(html);
        CHECK_FALSE(contains(low, "onerror"));
        CHECK_FALSE(contains(low, "onclick"));
        CHECK_FALSE(contains(low, "<script"));
        CHECK_FALSE(contains(low, "javascript:"));
    }
}

TEST_CASE("safe html: every URL form of a dangerous scheme loses its href",
          "[core][markdown][html][security]")
{
    for (const char* url :
         {"javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
          "&#106;avascript:alert(1)", "&#x6A;avascript&#x3A;alert(1)", "java&#x09;script:alert(1)",
          "java&#10;script:alert(1)", "java&#13;script:alert(1)", "&#0;javascript:alert(1)",
          "\x01javascript:alert(1)", "vbscript:msgbox(1)", "VbScRiPt:msgbox(1)",
          "file:///etc/passwd", "FILE://server/share", "data:text/html,<script>x</script>",
          "data:image/svg+xml,<svg onload=alert(1)>", "jar:file:x", "ms-msdt:x"}) {
        INFO(url);
        const std::string html = render(std::string("<a href=\"") + url + "\">go</a> <img src=\"" +
                                            url + "\" alt=\"pic\">",
                                        exportOptions());
        INFO(html);
        requireOnlyAllowedMarkup(html);
        CHECK(contains(html, "<a>go</a>"));
        CHECK(contains(html, "pic"));
        CHECK_FALSE(contains(html, "<img"));
    }
    // Safe schemes keep their href (the checks above are not vacuous).
    for (const char* url : {"https://wiki.example/x", "http://a.example", "mailto:noc@example.com",
                            "tel:+15551234", "#fn-1", "other.md#step-3", "/abs/path"}) {
        INFO(url);
        const std::string html = render(std::string("<a href=\"") + url + "\">go</a>");
        CHECK(contains(html, std::string("href=\"") + url + "\" rel=\"noopener noreferrer\""));
    }
}

TEST_CASE("safe html: links and images go through RenderOptions", "[core][markdown][html]")
{
    std::vector<std::string> images;
    std::vector<std::string> links;
    RenderOptions options;
    options.image = [&](std::string_view src) -> std::optional<std::string> {
        images.emplace_back(src);
        return decodeUrlPath(src) == "my shot.png"
                   ? std::optional<std::string>("data:image/png;base64,AAAA")
                   : std::nullopt;
    };
    options.link = [&](std::string_view href) -> std::optional<std::string> {
        links.emplace_back(href);
        return href == "a.md" ? std::optional<std::string>("a.html") : std::nullopt;
    };
    const std::string html = render(
        "![shot](<my shot.png>) <img src=\"my shot.png\" alt=\"raw\" width=\"640\" height=\"1e9\" "
        "onerror=\"x\"> ![web](https://example.com/x.png)\n\n"
        "[a](a.md) <a href=\"b.md\">b</a> [web](https://example.com) [sop](sopvault://v/sop/s)\n",
        options);
    INFO(html);
    requireOnlyAllowedMarkup(html);
    CHECK(images ==
          std::vector<std::string>{"my%20shot.png", "my shot.png", "https://example.com/x.png"});
    CHECK(links == std::vector<std::string>{"a.md", "b.md", "sopvault://v/sop/s"});
    CHECK(contains(html, "<img src=\"data:image/png;base64,AAAA\" alt=\"shot\" />"));
    CHECK(contains(html, "<img src=\"data:image/png;base64,AAAA\" alt=\"raw\" width=\"640\" />"));
    CHECK_FALSE(contains(html, "example.com/x.png"));
    CHECK(contains(html, "web"));
    CHECK(contains(html, "href=\"a.html\""));
    CHECK(contains(html, "href=\"b.md\""));
    CHECK(contains(html, "href=\"https://example.com\""));
    CHECK(contains(html, "href=\"sopvault://v/sop/s\""));

    CHECK(decodeUrlPath("helpers/a%20b%2Fc.png") == "helpers/a b/c.png");
    CHECK(decodeUrlPath("100%") == "100%");
    CHECK(decodeUrlPath("%zz%4") == "%zz%4");
}

TEST_CASE("safe html: footnotes, code languages and pre keep what makes them work",
          "[core][markdown][html]")
{
    const std::string notes = render("Text[^1].\n\n[^1]: A note.\n");
    INFO(notes);
    requireOnlyAllowedMarkup(notes);
    CHECK(contains(notes, "href=\"#fn-1\""));
    CHECK(contains(notes, "id=\"fn-1\""));
    CHECK(contains(notes, "class=\"footnotes\""));

    const std::string code = render("```bash\nls <dir>\n```\n");
    CHECK(contains(code, "<pre><code class=\"language-bash\">ls &lt;dir&gt;\n</code></pre>"));
    CHECK_FALSE(contains(render("<code class=\"x onclick\">c</code>"), "class"));

    // A <pre> whose text starts with a blank line keeps it (a browser eats one newline).
    CHECK(contains(render("<pre>\n\nindented</pre>\n"), "<pre>\n\nindented</pre>"));
}

TEST_CASE("safe html: pathological HTML finishes with bounded, allowed output",
          "[core][markdown][html][security]")
{
    std::string attributes = "<div";
    for (int i = 0; i < 100000; ++i) {
        attributes += " a" + std::to_string(i) + "=x";
    }
    attributes += ">many attributes</div>";
    std::string distinctFormatting;
    for (int i = 0; i < 20000; ++i) {
        distinctFormatting += "<b class=c" + std::to_string(i) + ">";
    }
    struct Case
    {
        const char* what;
        std::string input;
        bool capped; // over the parse budget: shown as plain text
    };
    const std::vector<Case> cases{
        {"100,000 nested <div>", repeat("<div>", 100000), true},
        {"100,000 nested unknown elements", repeat("<x-y>", 100000), true},
        {"100,000 attributes on one element", attributes, true},
        {"1,000 attributes on one element", "<div" + repeat(" a=x", 1000) + ">many</div>", false},
        {"50,000 unclosed <p>", repeat("<p>a", 50000), false},
        {"50,000 unclosed <li>", repeat("<li>a", 50000), false},
        {"100,000 comment openers", repeat("<!--", 100000), false},
        {"comments that hide end tags", "<div>\n" + repeat("<div><!--</div>-->", 50000), true},
        {"end tags inside attribute values", "<div>\n" + repeat("<div title=\"</div>\">", 50000),
         true},
        // "<div>" and a line break open an HTML block: cmark-gfm passes the rest as written,
        // so the parser sees forms cmark would have escaped as text.
        {"tag names the parser reads whole", "<div>\n" + repeat("<div!x></div>", 50000), true},
        {"CDATA that hides end tags",
         "<div>\n" + repeat("<div><svg><![CDATA[></div>]]></svg>", 20000), true},
        {"script data escapes",
         "<div>\n<div><script><!--<script></script>" + repeat("</div><div>", 1) +
             repeat("<div></script></div>", 30000),
         true},
        {"CDATA and bogus comments", "<div>\n" + repeat("<![CDATA[x]]><?x?><!x></3>", 2000), false},
        {"2,000 nested tables", repeat("<table><tr><td>", 2000), false},
        {"tables in paragraphs", repeat("<p><table><tr><td><p>", 5000), true},
        {"mis-nested formatting", repeat("<b><i>x</b>y</i>", 50000), false},
        {"20,000 distinct open <b> then paragraphs", distinctFormatting + repeat("<p>x</p>", 20000),
         true},
        {"stray end tags", "<div>\n" + repeat("</div></span></table>", 40000), false},
        {"an unclosed attribute quote", "<div title=\"" + repeat("<b>", 50000), false},
        {"a plaintext element", "<plaintext>" + repeat("<script>", 200), false},
    };
    for (const auto& [what, input, capped] : cases) {
        INFO(what << " (" << input.size() << " bytes)");
        REQUIRE(input.size() <= kMaxBodyBytes);
        auto html = renderHtml(input, exportOptions());
        REQUIRE(html);
        CHECK(contains(*html, "too complex to format") == capped);
        CHECK(html->size() <= 8 * input.size() + 4096);
        if (!capped) {
            requireOnlyAllowedMarkup(*html);
        }
    }
}
