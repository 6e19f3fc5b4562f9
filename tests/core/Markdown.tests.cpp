// Markdown to safe HTML: GFM features render; hostile HTML and links do not; bad input is refused.
#include "sopvault/core/Markdown.h"
#include "sopvault/core/Types.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace sopvault;
using namespace sopvault::core;

namespace {

std::string render(std::string_view markdown)
{
    auto html = renderHtml(markdown);
    if (!html) {
        FAIL("renderHtml failed: " << html.error().message);
    }
    return *html;
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

std::string lower(std::string text)
{
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return text;
}

} // namespace

TEST_CASE("markdown: GFM tables, task lists, strikethrough and autolinks render",
          "[core][markdown]")
{
    const std::string table = render("| Step | Owner |\n|------|-------|\n| Reboot | Ops |\n");
    CHECK(contains(table, "<table>"));
    CHECK(contains(table, "<th>Step</th>"));
    CHECK(contains(table, "<td>Reboot</td>"));

    const std::string tasks = render("- [x] Back up\n- [ ] Restore\n");
    CHECK(contains(tasks, "type=\"checkbox\""));
    CHECK(contains(tasks, "checked"));
    CHECK(contains(tasks, "Restore"));

    const std::string struck = render("Use ~~the old switch~~ the new one.\n");
    CHECK(contains(struck, "<del>the old switch</del>"));

    const std::string linked = render("See https://example.com/runbook for details.\n");
    // Every kept link gains rel="noopener noreferrer" (issue 16 item 5).
    CHECK(contains(linked, "<a href=\"https://example.com/runbook\" rel=\"noopener noreferrer\">"));
}

TEST_CASE("markdown: raw HTML is not passed through", "[core][markdown][security]")
{
    for (const char* hostile :
         {"<script>alert(1)</script>\n", "Text <script>alert(1)</script> inline\n",
          "<img src=x onerror=alert(1)>\n", "<iframe src=\"https://evil.example\"></iframe>\n"}) {
        INFO(hostile);
        const std::string html = render(hostile);
        CHECK_FALSE(contains(html, "<script"));
        CHECK_FALSE(contains(html, "onerror"));
        CHECK_FALSE(contains(html, "<iframe"));
    }
}

TEST_CASE("markdown: javascript:, vbscript: and file: links produce no such href",
          "[core][markdown][security]")
{
    for (const char* hostile :
         {"[x](javascript:alert(1))\n", "[x](JavaScript:alert(1))\n", "[x](vbscript:msgbox(1))\n",
          "[x](file:///etc/passwd)\n", "[x](data:text/html,<script>alert(1)</script>)\n",
          "<javascript:alert(1)>\n", "[x]: javascript:alert(1)\n\n[x]\n",
          "![x](javascript:alert(1))\n"}) {
        INFO(hostile);
        const std::string html = lower(render(hostile));
        INFO(html);
        for (const char* attribute : {"href=\"", "src=\""}) {
            for (const char* scheme : {"javascript:", "vbscript:", "file:", "data:text"}) {
                CHECK_FALSE(contains(html, std::string(attribute) + scheme));
            }
        }
    }
    // A harmless link still works, so the checks above are not vacuous.
    CHECK(contains(render("[x](https://example.com)\n"), "href=\"https://example.com\""));
    // An image comes only through RenderOptions::image (nothing from the network, ever: issue
    // 16 item 3); what that returns is the src. Without it the alt text stands in its place.
    RenderOptions vault;
    vault.image = [](std::string_view src) -> std::optional<std::string> {
        return src == "a.png" ? std::optional<std::string>("data:image/png;base64,AAAA")
                              : std::nullopt;
    };
    auto shown = renderHtml("![x](a.png)\n", vault);
    REQUIRE(shown);
    CHECK(contains(*shown, "<img src=\"data:image/png;base64,AAAA\" alt=\"x\" />"));
    const std::string remote = render("![remote shot](https://example.com/a.png)\n");
    CHECK_FALSE(contains(remote, "<img"));
    CHECK(contains(remote, "remote shot"));
}

TEST_CASE("markdown: input over the size cap or not UTF-8 is a usage error", "[core][markdown]")
{
    auto large = renderHtml(std::string(kMaxBodyBytes + 1, 'a'));
    REQUIRE_FALSE(large);
    CHECK(large.error().code == ErrorCode::Usage);
    CHECK(renderHtml(std::string(kMaxBodyBytes, 'a')));

    for (const std::string& bad : {std::string("caf\xE9 latin-1"), std::string("\xC0\xAF"),
                                   std::string("\xED\xA0\x80 surrogate"), std::string("\xFF")}) {
        auto html = renderHtml(bad);
        REQUIRE_FALSE(html);
        CHECK(html.error().code == ErrorCode::Usage);
    }
}

TEST_CASE("markdown: pathological input finishes and returns something", "[core][markdown]")
{
    std::string brackets(50000, '[');
    std::string quotes = std::string(10000, '>') + " deep\n";
    std::string emphasis;
    for (int i = 0; i < 20000; ++i) {
        emphasis += "*a **a ";
    }
    std::string nestedLists;
    for (int i = 0; i < 500; ++i) {
        nestedLists += std::string(static_cast<std::size_t>(i) * 2, ' ') + "- item\n";
    }
    std::string tableRows = "| a | b |\n|---|---|\n";
    for (int i = 0; i < 20000; ++i) {
        tableRows += "| x |\n";
    }
    std::string links;
    for (int i = 0; i < 30000; ++i) {
        links += "[a](";
    }
    for (const auto& [what, input] :
         std::vector<std::pair<const char*, std::string>>{{"50,000 '['", brackets},
                                                          {"10,000 nested quotes", quotes},
                                                          {"'*a **a ' x 20,000", emphasis},
                                                          {"500 nested list items", nestedLists},
                                                          {"20,000 short table rows", tableRows},
                                                          {"30,000 unclosed links", links}}) {
        INFO(what);
        REQUIRE(input.size() <= kMaxBodyBytes);
        auto html = renderHtml(input);
        REQUIRE(html);
        CHECK_FALSE(html->empty());
    }
}

namespace {

std::string repeat(std::string_view part, std::size_t times)
{
    std::string out;
    out.reserve(part.size() * times);
    for (std::size_t i = 0; i < times; ++i) {
        out += part;
    }
    return out;
}

} // namespace

TEST_CASE("markdown: cmark-gfm's own pathological cases, at hundreds of KB, render with "
          "bounded output, and the super-linear ones hit the wrapper's budget",
          "[core][markdown][security]")
{
    // The cases of cmark-gfm's test/pathological_tests.py (and cmark's) at about half the body
    // cap, plus the two that are super-linear in Debian 12's cmark-gfm 0.29.0.gfm.6 (about 20 s
    // and out of memory at this size without the wrapper's budgets). What is asserted does not
    // depend on the machine's speed: those two must be caught by the budget (shown as plain
    // text), the rest must be formatted, and no output may grow beyond a fixed multiple of
    // its input (a table padded to millions of cells would).
    std::string deepLists;
    for (std::size_t i = 0; i < 1000; ++i) {
        deepLists += std::string(2 * i, ' ') + "* a\n";
    }
    std::string backticks;
    for (std::size_t i = 1; i < 1000; ++i) {
        backticks += "e" + std::string(i, '`');
    }
    std::string references;
    for (std::size_t i = 1; references.size() < 300'000; ++i) {
        references += "[" + std::to_string(i) + "]: u\n";
    }
    references += repeat("[0] ", 25000);
    // Nested block quotes are the widest honest case: "> " becomes "<blockquote>\n" and its
    // closing tag, about 14 bytes of output per input byte.
    constexpr std::size_t kMaxGrowth = 16;
    struct Case
    {
        const char* what;
        std::string input;
        bool capped = false; // super-linear in gfm.6: must be shown as plain text
    };
    const std::vector<Case> cases{
        // Quadratic in gumbo 0.10, which re-parses the HTML (issue 16 item 5): 130,000 nested
        // formatting elements (its list of them is walked per tag: 40,000 took 0.9 s) and
        // 250,000 nested quotes (its stack is walked per tag: about 90 s). Formatted before the
        // sanitizer; the parse budget shows them as plain text now.
        {"nested strong emph", repeat("*a **a ", 65000) + "b" + repeat(" a** a*", 65000), true},
        {"many emph closers with no openers", repeat("a_ ", 150000)},
        {"many emph openers with no closers", repeat("_a ", 150000)},
        {"many link closers with no openers", repeat("a]", 250000)},
        {"many link openers with no closers", repeat("[a", 250000)},
        {"mismatched openers and closers", repeat("*a_ ", 125000)},
        {"openers and closers multiple of 3", "a**b" + repeat("c* ", 150000)},
        {"link openers and emph closers", repeat("[ a_", 125000)},
        {"pattern [ (]( repeated", repeat("[ (](", 100000)},
        {"pattern ![[]() repeated (quadratic in gfm.6)", repeat("![[]()", 85000), true},
        {"hard link/emph case", "**x [a*b**c*](d)"},
        {"nested brackets", repeat("[", 250000) + "a" + repeat("]", 250000)},
        {"nested block quotes", repeat("> ", 250000) + "a", true},
        {"deeply nested lists", deepLists},
        {"U+0000 in input", std::string("abc\0de\0", 7)},
        {"backticks", backticks},
        {"unclosed links A", repeat("[a](<b", 85000)},
        {"unclosed links B", repeat("[a](b", 100000)},
        {"unclosed <!--", "</" + repeat("<!--", 125000)},
        {"tables with CR and VT", repeat("aaa\rbbb\n-\v\n", 45000)},
        {"many references", references},
        {"many autolinks", repeat("www.a.b ", 65000)},
        {"autolink @ runs", repeat("a@", 100000)},
        {"strikethrough runs", repeat("~~a ", 125000)},
        {"one row of a table 60,000 columns wide (quadratic in gfm.6)",
         repeat("|a", 60000) + "|\n" + repeat("|-", 60000) + "|\n|x|\n", true},
    };
    for (const auto& [what, input, capped] : cases) {
        INFO(what << " (" << input.size() << " bytes)");
        REQUIRE(input.size() <= kMaxBodyBytes);
        auto html = renderHtml(input);
        REQUIRE(html);
        CHECK_FALSE(html->empty());
        CHECK(contains(*html, "too complex to format") == capped);
        INFO("output " << html->size() << " bytes");
        CHECK(html->size() <= kMaxGrowth * input.size() + 4096);
    }
}

TEST_CASE("markdown: a table cannot amplify a small text into millions of cells",
          "[core][markdown][security]")
{
    // 200 columns and 20,000 one-cell rows: 62 KB of text that gfm.6 pads to 4,000,000 cells
    // (hundreds of MB); 20,000 columns and rows exhausted memory outright. Such a text is shown
    // as plain text instead, with a notice.
    const std::string table =
        repeat("|a", 200) + "|\n" + repeat("|-", 200) + "|\n" + repeat("|x\n", 20000);
    auto html = renderHtml(table);
    REQUIRE(html);
    CHECK(html->size() < 4 * table.size());
    CHECK(contains(*html, "too complex to format"));
    CHECK(contains(*html, "<pre>"));
    CHECK_FALSE(contains(*html, "<td>"));

    // Real tables, even long ones, still render as tables.
    const std::string normal =
        "| Step | Owner | When |\n|---|---|---|\n" + repeat("| Reboot | Ops | nightly |\n", 2000);
    auto rendered = renderHtml(normal);
    REQUIRE(rendered);
    CHECK(contains(*rendered, "<td>Reboot</td>"));
    CHECK_FALSE(contains(*rendered, "too complex"));

    // The plain-text fallback escapes everything: no raw HTML gets through it either.
    auto hostile = renderHtml(repeat("![", 5000) + "<script>alert(1)</script>" + repeat("]", 5000));
    REQUIRE(hostile);
    CHECK(contains(*hostile, "too complex"));
    CHECK_FALSE(contains(*hostile, "<script"));
}

TEST_CASE("markdown: a footnote reference broken over lines keeps its text and stays UTF-8",
          "[core][markdown]")
{
    // Found by tests/fuzz/FuzzMarkdown.cpp: cmark-gfm 0.29.0.gfm.6 rendered "[^\nabc]" as "[^]"
    // and cut "é" after its first byte (tests/data/fuzz/markdown/regressions/).
    for (const std::string& input : std::vector<std::string>{
             "[^\nabc]", "[^\n\xC3\xA9\xC3\xA9)]", "x [^\r\nab] y", std::string("[^\n\0)]", 6)}) {
        INFO(input);
        const std::string html = render(input);
        CHECK(isValidUtf8(html));
        CHECK((contains(html, "abc") || contains(html, "\xC3\xA9\xC3\xA9") ||
               contains(html, "ab") || contains(html, ")")));
    }
    CHECK(contains(render("[^\nabc]"), "abc"));
    // Footnotes written on one line still work.
    CHECK(contains(render("Text[^1].\n\n[^1]: A note.\n"), "footnote"));
}
