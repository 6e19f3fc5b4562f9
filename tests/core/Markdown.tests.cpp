// Markdown to safe HTML: GFM features render; hostile HTML and links do not; bad input is refused.
#include "sopvault/core/Markdown.h"
#include "sopvault/core/Types.h"

#include <catch2/catch.hpp>

#include <string>

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
    CHECK(contains(linked, "<a href=\"https://example.com/runbook\">"));
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
    CHECK(
        contains(render("![x](https://example.com/a.png)\n"), "src=\"https://example.com/a.png\""));
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
