// cmark-gfm behind one function: parse with the GFM extensions, render with raw HTML kept, and
// hand the whole HTML to the sanitizer (HtmlSanitizer.cpp), inside budgets that keep both linear.
#include "sopvault/core/Markdown.h"

#include "HtmlSanitizer.h"
#include "ImportText.h"
#include "sopvault/core/Types.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

namespace sopvault::core {
namespace {

struct ParserDeleter
{
    void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter
{
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};

void registerExtensions()
{
    static std::once_flag once;
    std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

// Debian 12's cmark-gfm (0.29.0.gfm.6) lacks upstream's later fixes for two super-linear cases
// (docs/reliability.md): a table pads every row to its header's width and prints each cell by
// walking its row (rows x columns cells, rows x columns squared steps; CVE-2023-37463), and every
// inline link walks back over all unclosed image openers before it (CVE-2023-22486). A 140 KB
// table exhausted memory; 1 MiB of "![[]()" took minutes. These budgets bound both (about a
// tenth of a second each); a text over them is shown as plain text, which takes linear time.
constexpr std::uint64_t kMaxTableCells = 100'000;
constexpr std::uint64_t kMaxTablePrintSteps = 10'000'000;
constexpr std::uint64_t kMaxImageOpenerClosers = 20'000'000;
// gumbo 0.10 walks its stack of open elements for most tags: 20,000 nested <div> took 0.5 s and
// cmark-gfm's 250,000 nested block quotes over a minute. detail::htmlParseSteps bounds tags x
// depth; this budget is a few hundredths of a second.
constexpr std::uint64_t kMaxHtmlParseSteps = 40'000'000;

// What renderHtml must know about a text before handing it to cmark-gfm, found in one pass.
struct Shape
{
    // It could make cmark-gfm 0.29.0.gfm.6 do super-linear work. Conservative: a line with '|'
    // and '-' may be a table's delimiter row, with at most pipes + 1 columns, and its table runs
    // at most to the next blank line; "![" may be an image opener, ']' a closer.
    bool tooComplex = false;
    // cmark-gfm 0.29.0.gfm.6 drops the text of a footnote reference whose label has a line
    // break ("[^\nabc]" renders as "[^]") and can cut a UTF-8 character in half doing so (found
    // by tests/fuzz). Such a text renders with footnotes off, as written.
    bool brokenFootnoteLabel = false;
};

Shape shapeOf(std::string_view markdown)
{
    // Most bytes are none of these, and cost one look-up.
    static constexpr auto kSpecial = [] {
        std::array<bool, 256> table{};
        for (const char c : std::string_view("\n\r \t|-[]")) {
            table[static_cast<unsigned char>(c)] = true;
        }
        return table;
    }();
    Shape shape;
    std::uint64_t cells = 0;
    std::uint64_t steps = 0;
    std::uint64_t openColumns = 0; // of the possible tables still open at this line
    std::uint64_t openSquares = 0; // the same, each table's columns squared
    std::uint64_t pipes = 0;
    bool dash = false;
    bool blank = true;
    bool inLabel = false; // inside "[^...]"
    std::uint64_t imageOpeners = 0;
    std::uint64_t closers = 0;
    const auto endLine = [&] {
        if (blank) {
            openColumns = 0; // a blank line ends every table
            openSquares = 0;
        } else {
            if (dash && pipes > 0) {
                openColumns += pipes + 1;
                openSquares += (pipes + 1) * (pipes + 1);
            }
            cells += openColumns; // this line is a row of every table still open
            steps += openSquares;
        }
        pipes = 0;
        dash = false;
        blank = true;
        return cells > kMaxTableCells || steps > kMaxTablePrintSteps;
    };
    const std::size_t size = markdown.size();
    for (std::size_t i = 0; i < size; ++i) {
        const char c = markdown[i];
        if (!kSpecial[static_cast<unsigned char>(c)]) {
            blank = false;
            continue;
        }
        switch (c) {
        case '\r':
        case '\n':
            if (c == '\r' && i + 1 < size && markdown[i + 1] == '\n') {
                ++i; // CR LF is one line ending, as cmark reads it
            }
            shape.brokenFootnoteLabel = shape.brokenFootnoteLabel || inLabel;
            if (endLine()) {
                shape.tooComplex = true;
                return shape;
            }
            break;
        case '|':
            blank = false;
            ++pipes;
            break;
        case '-':
            blank = false;
            dash = true;
            break;
        case '[':
            blank = false;
            if (i > 0 && markdown[i - 1] == '!') {
                ++imageOpeners;
            }
            if (i + 1 < size && markdown[i + 1] == '^') {
                inLabel = true;
                ++i;
            }
            break;
        case ']':
            blank = false;
            ++closers;
            inLabel = false;
            break;
        default: // ' ', '\t'
            break;
        }
    }
    shape.tooComplex = endLine() || imageOpeners * closers > kMaxImageOpenerClosers;
    return shape;
}

// The linear fallback: the text itself, escaped, under a line that says why.
std::string plainTextHtml(std::string_view markdown)
{
    return "<p><em>This text is too complex to format safely; it is shown as plain "
           "text.</em></p>\n<pre>" +
           escapeHtml(markdown) + "</pre>\n";
}

} // namespace

std::string escapeHtml(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\0':
            out += "\xEF\xBF\xBD"; // U+FFFD, as cmark replaces NUL
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string decodeUrlPath(std::string_view url)
{
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    std::string out;
    out.reserve(url.size());
    for (std::size_t i = 0; i < url.size(); ++i) {
        if (url[i] == '%' && i + 2 < url.size() && hex(url[i + 1]) >= 0 && hex(url[i + 2]) >= 0) {
            out += static_cast<char>(hex(url[i + 1]) * 16 + hex(url[i + 2]));
            i += 2;
        } else {
            out += url[i];
        }
    }
    return out;
}

Result<std::string> renderHtml(std::string_view markdown)
{
    return renderHtml(markdown, RenderOptions{});
}

Result<std::string> renderHtml(std::string_view markdown, const RenderOptions& renderOptions)
{
    if (markdown.size() > kMaxBodyBytes) {
        return fail(ErrorCode::Usage, "The text is too large to render (over 1 MiB).");
    }
    if (!isValidUtf8(markdown)) {
        return fail(ErrorCode::Usage, "The text is not UTF-8 and cannot be rendered.");
    }
    const Shape shape = shapeOf(markdown);
    if (shape.tooComplex) {
        return plainTextHtml(markdown);
    }
    registerExtensions();
    // Raw HTML is kept (CMARK_OPT_UNSAFE) and so are javascript: links: the sanitizer sees the
    // whole output and decides about every element and URL, cmark-gfm's own and the author's.
    // No tag filter: it would show a <script> as text, where the sanitizer drops it.
    const int options = CMARK_OPT_DEFAULT | CMARK_OPT_UNSAFE | CMARK_OPT_VALIDATE_UTF8 |
                        (shape.brokenFootnoteLabel ? 0 : CMARK_OPT_FOOTNOTES) |
                        CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
    std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(options));
    if (!parser) {
        return fail(ErrorCode::Failed, "The Markdown renderer could not start.");
    }
    for (const char* name : {"table", "tasklist", "strikethrough", "autolink"}) {
        if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
            cmark_parser_attach_syntax_extension(parser.get(), ext);
        }
    }
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    std::unique_ptr<cmark_node, NodeDeleter> doc(cmark_parser_finish(parser.get()));
    if (!doc) {
        return fail(ErrorCode::Failed, "The Markdown text could not be parsed.");
    }
    char* html =
        cmark_render_html(doc.get(), options, cmark_parser_get_syntax_extensions(parser.get()));
    if (html == nullptr) {
        return fail(ErrorCode::Failed, "The Markdown text could not be rendered.");
    }
    std::string out(html);
    cmark_get_default_mem_allocator()->free(html);
    // The last line of defence against the library's own bugs: never hand on broken UTF-8.
    if (!isValidUtf8(out) || detail::htmlParseSteps(out) > kMaxHtmlParseSteps) {
        return plainTextHtml(markdown);
    }
    return detail::sanitizeHtml(out, renderOptions);
}

namespace {

// The plain text under `node`, not descending into nested lists (their items are steps of
// their own).
void appendPlainText(cmark_node* node, std::string& out)
{
    for (cmark_node* child = cmark_node_first_child(node); child != nullptr;
         child = cmark_node_next(child)) {
        switch (cmark_node_get_type(child)) {
        case CMARK_NODE_LIST:
            break;
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            if (const char* text = cmark_node_get_literal(child)) {
                out += text;
            }
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            out += ' ';
            break;
        default:
            if (cmark_node_get_type(child) == CMARK_NODE_PARAGRAPH && !out.empty()) {
                out += ' ';
            }
            appendPlainText(child, out);
        }
    }
}

} // namespace

std::vector<std::string> checklistSteps(std::string_view markdown)
{
    std::vector<std::string> steps;
    if (markdown.size() > kMaxBodyBytes || !isValidUtf8(markdown)) {
        return steps;
    }
    registerExtensions();
    std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(CMARK_OPT_DEFAULT));
    if (!parser) {
        return steps;
    }
    cmark_syntax_extension* tasklist = cmark_find_syntax_extension("tasklist");
    if (tasklist == nullptr) {
        return steps;
    }
    cmark_parser_attach_syntax_extension(parser.get(), tasklist);
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    std::unique_ptr<cmark_node, NodeDeleter> doc(cmark_parser_finish(parser.get()));
    if (!doc) {
        return steps;
    }
    cmark_iter* iter = cmark_iter_new(doc.get());
    for (cmark_event_type ev = cmark_iter_next(iter); ev != CMARK_EVENT_DONE;
         ev = cmark_iter_next(iter)) {
        cmark_node* node = cmark_iter_get_node(iter);
        if (ev != CMARK_EVENT_ENTER || cmark_node_get_syntax_extension(node) != tasklist) {
            continue;
        }
        std::string text;
        appendPlainText(node, text);
        steps.push_back(detail::collapseBlanks(
            text, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }));
    }
    cmark_iter_free(iter);
    return steps;
}

namespace {

constexpr std::string_view kCss = R"css(
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; max-width: 48em; margin: 2em auto;
       padding: 0 1em; color: #1d232a; line-height: 1.5; }
h1, h2, h3 { line-height: 1.25; }
p, li { line-height: 140%; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #c8ccd1; padding: 0.3em 0.6em; text-align: left; }
th { background: #f1f3f5; }
code, pre { font-family: "DejaVu Sans Mono", Consolas, monospace; background: #f4f5f7; }
pre { padding: 0.8em; white-space: pre-wrap; }
td, th, code { overflow-wrap: anywhere; }
li input[type=checkbox] { margin-right: 0.4em; }
li:has(> input[type=checkbox]), li:has(> p > input[type=checkbox]) { list-style: none; }
.watermark { font-size: 0.8em; color: #6b7280; border: 1px solid #d1d5db; padding: 0.4em 0.8em;
             margin: 1em 0; }
@media print { body { margin: 0; max-width: none; } .watermark { break-inside: avoid; } }
)css";

} // namespace

std::string_view exportStylesheet()
{
    return kCss;
}

} // namespace sopvault::core
