// Safe HTML from cmark-gfm's output: gumbo parses it as the HTML5 parser of a browser would (as
// a fragment inside a div) and the tree is written out again from an allowlist, so what the
// reader, the HTML export and the PDF get is only markup this file wrote itself.
#include "HtmlSanitizer.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace sopvault::core::detail {
namespace {

constexpr bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

constexpr bool isAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr char toLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), toLower);
    return out;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (toLower(text[i]) != prefix[i]) {
            return false;
        }
    }
    return true;
}

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

// ---- The parse budget -------------------------------------------------------------------------
//
// A tokenizer of the tags only, close enough to HTML5's that it never sees an end tag the real
// parser would not see: comments, bogus comments, CDATA, attribute values and the contents of
// raw-text elements are skipped where the real parser skips them or later. Start tags are
// always counted (where it cannot tell, it counts more), so the depth it finds is at most a
// small factor below gumbo's (an end tag the parser ignores inside a table or an object) and
// usually above it (a <p> or <td> closed by the next one counts once).

// Where the tag that starts at `i` (just after its name) ends: one past its '>', or the end;
// `attributes` counts what it carries (gumbo compares each new one with all before it).
std::size_t skipTagRest(std::string_view html, std::size_t i, std::uint64_t& attributes)
{
    const std::size_t n = html.size();
    attributes = 0;
    while (i < n) {
        const char c = html[i];
        if (c == '>') {
            return i + 1;
        }
        if (isSpace(c) || c == '/') {
            ++i;
            continue;
        }
        // An attribute name ('=' may be its first character), then perhaps a value.
        ++attributes;
        ++i;
        while (i < n && !isSpace(html[i]) && html[i] != '/' && html[i] != '>' && html[i] != '=') {
            ++i;
        }
        while (i < n && isSpace(html[i])) {
            ++i;
        }
        if (i < n && html[i] == '=') {
            ++i;
            while (i < n && isSpace(html[i])) {
                ++i;
            }
            if (i < n && (html[i] == '"' || html[i] == '\'')) {
                const std::size_t close = html.find(html[i], i + 1);
                if (close == std::string_view::npos) {
                    return n;
                }
                i = close + 1;
            } else {
                while (i < n && !isSpace(html[i]) && html[i] != '>') {
                    ++i;
                }
            }
        }
    }
    return n;
}

// Where the contents of a raw-text element end: at "</name" followed by a space, '/' or '>'.
std::size_t rawTextEnd(std::string_view html, std::size_t i, std::string_view name)
{
    for (;;) {
        const std::size_t at = html.find("</", i);
        if (at == std::string_view::npos) {
            return html.size();
        }
        const std::size_t after = at + 2 + name.size();
        if (startsWithNoCase(html.substr(at + 2), name) &&
            (after >= html.size() || isSpace(html[after]) || html[after] == '/' ||
             html[after] == '>')) {
            return at;
        }
        i = at + 2;
    }
}

bool isVoid(std::string_view name)
{
    return isOneOf(name, {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame",
                          "hr", "image", "img", "input", "keygen", "link", "meta", "param",
                          "source", "track", "wbr"});
}

// Elements a start tag of the same group closes (a <td> the next <td>): counted once.
std::string_view implicitGroup(std::string_view name)
{
    if (isOneOf(name, {"li", "p", "tr"})) {
        return name;
    }
    if (name == "dd" || name == "dt") {
        return "dd";
    }
    if (name == "td" || name == "th") {
        return "td";
    }
    if (name == "thead" || name == "tbody" || name == "tfoot") {
        return "tbody";
    }
    if (name == "option" || name == "optgroup") {
        return "option";
    }
    if (isOneOf(name, {"rb", "rt", "rp", "rtc"})) {
        return "rt";
    }
    return {};
}

// ---- Writing the tree back --------------------------------------------------------------------

enum class Kind
{
    Keep,    // written with its allowed attributes
    Unwrap,  // its content without it (HTML that only styles or groups)
    Drop,    // gone with its content
    Literal, // shown as the text written, with its content (not HTML, or a placeholder)
};

Kind kindOf(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_KBD:
    case GUMBO_TAG_P:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_B:
    case GUMBO_TAG_I:
    case GUMBO_TAG_S:
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_MARK:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_A:
    case GUMBO_TAG_SECTION: // cmark-gfm's footnotes; written as a plain section
        return Kind::Keep;
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_MARQUEE:
        return Kind::Drop;
    // Styling and grouping that real pages carry (pasted from a wiki): the words stay.
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_BIG:
    case GUMBO_TAG_CITE:
    case GUMBO_TAG_Q:
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_ABBR:
    case GUMBO_TAG_ACRONYM:
    case GUMBO_TAG_VAR:
    case GUMBO_TAG_SAMP:
    case GUMBO_TAG_U:
    case GUMBO_TAG_TT:
    case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_FONT:
    case GUMBO_TAG_NOBR:
    case GUMBO_TAG_WBR:
    case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO:
    case GUMBO_TAG_RUBY:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_RB:
    case GUMBO_TAG_RTC:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_BLINK:
    case GUMBO_TAG_MULTICOL:
    case GUMBO_TAG_SPACER:
    case GUMBO_TAG_BASEFONT:
        return Kind::Unwrap;
    // Not HTML (GUMBO_TAG_UNKNOWN: <cluster-id>, <host-name>), MathML or SVG names outside
    // their element, and HTML names runbooks use as placeholders (`ping <address>`, `cp
    // <source> <dest>`, <title>, <label>): a reader must see what was written.
    default:
        return Kind::Literal;
    }
}

bool allDigits(std::string_view text, std::size_t maxDigits)
{
    return !text.empty() && text.size() <= maxDigits &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const GumboAttribute* attribute(const GumboElement& element, const char* name)
{
    return gumbo_get_attribute(&element.attributes, name);
}

std::string attributeText(const char* name, std::string_view value)
{
    return std::string(" ") + name + "=\"" + escapeHtml(value) + "\"";
}

// A URL's scheme as a browser finds it: ASCII whitespace and controls are ignored anywhere
// (java&#9;script: is javascript:), case does not matter; empty when the URL is relative.
std::string schemeOf(std::string_view url)
{
    std::string compact;
    for (std::size_t i = 0; i < url.size(); ++i) {
        // U+FFFD too (what the parser makes of &#0; and raw controls): a browser would read
        // "\uFFFDjavascript:" as a path, but nothing is lost by being stricter.
        if (url.substr(i).starts_with("\xEF\xBF\xBD")) {
            i += 2;
            continue;
        }
        const char c = url[i];
        if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) {
            compact += toLower(c);
        }
    }
    const std::size_t colon = compact.find(':');
    if (colon == std::string::npos || colon == 0 || !isAlpha(compact[0])) {
        return {};
    }
    for (std::size_t i = 0; i < colon; ++i) {
        const char c = compact[i];
        if (!(isAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
            return {}; // a '/' '?' '#' or other character first: a path, not a scheme
        }
    }
    return compact.substr(0, colon);
}

class Writer
{
public:
    explicit Writer(const RenderOptions& options) : m_options(options) {}

    std::string write(const GumboNode* root)
    {
        // An explicit stack: a fragment may nest as deep as the parse budget lets it.
        struct Frame
        {
            const GumboVector* children;
            unsigned next;
            std::string close;
        };
        std::vector<Frame> stack;
        stack.push_back({&root->v.element.children, 0, {}});
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (top.next >= top.children->length) {
                m_out += top.close;
                stack.pop_back();
                continue;
            }
            const auto* node = static_cast<const GumboNode*>(top.children->data[top.next++]);
            std::string close;
            if (open(node, close)) {
                stack.push_back({&node->v.element.children, 0, std::move(close)});
            }
        }
        return std::move(m_out);
    }

private:
    // Writes the start of a node; true when its children follow (then `close` ends it).
    bool open(const GumboNode* node, std::string& close)
    {
        switch (node->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_WHITESPACE:
        case GUMBO_NODE_CDATA:
            m_out += escapeHtml(node->v.text.text);
            return false;
        case GUMBO_NODE_COMMENT:
        case GUMBO_NODE_DOCUMENT:
        case GUMBO_NODE_TEMPLATE:
            return false;
        case GUMBO_NODE_ELEMENT:
            break;
        }
        const GumboElement& element = node->v.element;
        if (element.tag_namespace != GUMBO_NAMESPACE_HTML) {
            return false; // only under svg or math, which are dropped whole anyway
        }
        switch (kindOf(element.tag)) {
        case Kind::Drop:
            return false;
        case Kind::Unwrap:
            return true;
        case Kind::Literal:
            m_out += escapeHtml({element.original_tag.data, element.original_tag.length});
            close = escapeHtml({element.original_end_tag.data, element.original_end_tag.length});
            return true;
        case Kind::Keep:
            break;
        }
        return keep(element, close);
    }

    bool keep(const GumboElement& element, std::string& close)
    {
        const char* name = gumbo_normalized_tagname(element.tag);
        std::string attributes;
        switch (element.tag) {
        case GUMBO_TAG_IMG:
            return image(element);
        case GUMBO_TAG_INPUT: {
            // Only the task list's checkbox, always disabled (the reader ticks its own copy).
            const GumboAttribute* type = attribute(element, "type");
            if (type == nullptr || lowered(type->value) != "checkbox") {
                return false;
            }
            m_out += attribute(element, "checked") != nullptr
                         ? "<input type=\"checkbox\" checked=\"\" disabled=\"\" />"
                         : "<input type=\"checkbox\" disabled=\"\" />";
            return false;
        }
        case GUMBO_TAG_BR:
        case GUMBO_TAG_HR:
            m_out += std::string("<") + name + " />";
            return false;
        case GUMBO_TAG_A:
            attributes = linkAttributes(element);
            break;
        case GUMBO_TAG_TD:
        case GUMBO_TAG_TH:
            if (const GumboAttribute* align = attribute(element, "align")) {
                const std::string value = lowered(align->value);
                if (isOneOf(value, {"left", "right", "center", "justify"})) {
                    attributes += attributeText("align", value);
                }
            }
            for (const char* span : {"colspan", "rowspan"}) {
                if (const GumboAttribute* a = attribute(element, span);
                    a != nullptr && allDigits(a->value, 3)) {
                    attributes += attributeText(span, a->value);
                }
            }
            break;
        case GUMBO_TAG_OL:
            if (const GumboAttribute* start = attribute(element, "start");
                start != nullptr && allDigits(start->value, 9)) {
                attributes += attributeText("start", start->value);
            }
            break;
        case GUMBO_TAG_DETAILS:
            if (attribute(element, "open") != nullptr) {
                attributes += " open=\"\"";
            }
            break;
        case GUMBO_TAG_CODE:
            // A fenced block's language (cmark-gfm writes class="language-bash").
            if (const GumboAttribute* c = attribute(element, "class")) {
                const std::string_view value = c->value;
                if (value.starts_with("language-") && value.size() <= 64 &&
                    std::all_of(value.begin(), value.end(), [](char ch) {
                        return isAlpha(ch) || (ch >= '0' && ch <= '9') ||
                               isOneOf(std::string_view(&ch, 1), {"-", "_", "+", "#", "."});
                    })) {
                    attributes += attributeText("class", value);
                }
            }
            break;
        default:
            break;
        }
        attributes += footnoteAttributes(element);
        m_out += std::string("<") + name + attributes + ">";
        close = std::string("</") + name + ">";
        if (element.tag == GUMBO_TAG_PRE) {
            // The parser ate a newline right after <pre>; a browser would eat the next one.
            const GumboVector& children = element.children;
            if (children.length > 0) {
                const auto* first = static_cast<const GumboNode*>(children.data[0]);
                if ((first->type == GUMBO_NODE_TEXT || first->type == GUMBO_NODE_WHITESPACE) &&
                    first->v.text.text[0] == '\n') {
                    m_out += '\n';
                }
            }
        }
        return true;
    }

    // The footnotes cmark-gfm writes link by id: ids "fn-..." and "fnref-..." and its three
    // class names stay, so a reference still jumps to its note and back.
    static std::string footnoteAttributes(const GumboElement& element)
    {
        std::string out;
        if (const GumboAttribute* id = attribute(element, "id")) {
            const std::string_view value = id->value;
            if ((value.starts_with("fn-") || value.starts_with("fnref-")) && value.size() <= 80) {
                out += attributeText("id", value);
            }
        }
        if (element.tag != GUMBO_TAG_CODE) {
            if (const GumboAttribute* c = attribute(element, "class");
                c != nullptr &&
                isOneOf(c->value, {"footnotes", "footnote-ref", "footnote-backref"})) {
                out += attributeText("class", c->value);
            }
        }
        return out;
    }

    std::string linkAttributes(const GumboElement& element) const
    {
        std::string out;
        if (const GumboAttribute* href = attribute(element, "href")) {
            const std::string_view url = href->value;
            const std::string scheme = schemeOf(url);
            std::optional<std::string> target;
            if (scheme.empty() || scheme == "sopvault") {
                if (m_options.link) {
                    target = m_options.link(url);
                }
                if (!target) {
                    target = std::string(url);
                }
            } else if (isOneOf(scheme, {"http", "https", "mailto", "tel"})) {
                target = std::string(url);
            }
            // Any other scheme (javascript:, vbscript:, file:, data:, ...) loses its href and
            // keeps its text.
            if (target) {
                out += attributeText("href", *target) + " rel=\"noopener noreferrer\"";
            }
        }
        if (const GumboAttribute* title = attribute(element, "title")) {
            out += attributeText("title", title->value);
        }
        return out;
    }

    // An image only through the caller's mapping; otherwise its alt text where it stood.
    bool image(const GumboElement& element)
    {
        const GumboAttribute* alt = attribute(element, "alt");
        const GumboAttribute* src = attribute(element, "src");
        std::optional<std::string> target;
        if (src != nullptr && m_options.image) {
            target = m_options.image(src->value);
        }
        if (!target) {
            if (alt != nullptr) {
                m_out += escapeHtml(alt->value);
            }
            return false;
        }
        m_out += "<img" + attributeText("src", *target) +
                 attributeText("alt", alt != nullptr ? alt->value : "");
        if (const GumboAttribute* title = attribute(element, "title")) {
            m_out += attributeText("title", title->value);
        }
        for (const char* size : {"width", "height"}) {
            if (const GumboAttribute* a = attribute(element, size);
                a != nullptr && allDigits(a->value, 5)) {
                m_out += attributeText(size, a->value);
            }
        }
        m_out += " />";
        return false;
    }

    const RenderOptions& m_options;
    std::string m_out;
};

struct OutputDeleter
{
    void operator()(GumboOutput* output) const
    {
        gumbo_destroy_output(&kGumboDefaultOptions, output);
    }
};

} // namespace

std::uint64_t htmlParseSteps(std::string_view html)
{
    std::unordered_map<std::string, std::uint64_t> open; // per name (or group), as counted
    std::uint64_t tags = 0;
    std::uint64_t depth = 0;
    std::uint64_t deepest = 0;
    std::uint64_t pairs = 0; // attributes compared with each other
    const std::size_t n = html.size();
    std::size_t i = 0;
    // Where only start tags count: the contents of a comment or raw-text element.
    std::size_t quietUntil = 0;
    while (i < n) {
        const std::size_t lt = html.find('<', i);
        if (lt == std::string_view::npos || lt + 1 >= n) {
            break;
        }
        i = lt + 1;
        const std::string_view rest = html.substr(i);
        if (rest.starts_with("!--")) {
            const std::size_t end = html.find("-->", i + 3);
            quietUntil = std::max(quietUntil, end == std::string_view::npos ? n : end + 3);
            continue; // start tags inside still count: see the comment above skipTagRest
        }
        if (startsWithNoCase(rest, "![cdata[")) {
            const std::size_t end = html.find("]]>", i);
            quietUntil = std::max(quietUntil, end == std::string_view::npos ? n : end + 3);
            continue;
        }
        if (rest[0] == '!' || rest[0] == '?' ||
            (rest[0] == '/' && rest.size() > 1 && !isAlpha(rest[1]))) {
            const std::size_t end = html.find('>', i);
            quietUntil = std::max(quietUntil, end == std::string_view::npos ? n : end + 1);
            continue;
        }
        const bool endTag = rest[0] == '/';
        const std::size_t nameStart = endTag ? i + 1 : i;
        if (nameStart >= n || !isAlpha(html[nameStart])) {
            continue; // a '<' that is text ("a < b")
        }
        std::size_t nameEnd = nameStart;
        while (nameEnd < n && !isSpace(html[nameEnd]) && html[nameEnd] != '/' &&
               html[nameEnd] != '>') {
            ++nameEnd;
        }
        const std::string name = lowered(html.substr(nameStart, nameEnd - nameStart));
        const bool quiet = lt < quietUntil;
        std::uint64_t attributes = 0;
        if (quiet) {
            // Inside a comment or raw text a quote is text: skipping to its pair could pass over
            // real tags after the region. Where the parser does read this as a tag (a <style>
            // in SVG), its attributes end at the next '>' or later.
            const std::size_t gt = html.find('>', nameEnd);
            const std::size_t end = gt == std::string_view::npos ? n : gt;
            for (std::size_t k = nameEnd; k < end; ++k) {
                if (isSpace(html[k]) || html[k] == '/') {
                    ++attributes;
                }
            }
            i = end;
        } else {
            i = skipTagRest(html, nameEnd, attributes);
        }
        ++tags;
        pairs += attributes * attributes;
        if (endTag) {
            if (quiet) {
                continue; // the parser may see this as text: never let it lower the depth
            }
            const std::string_view group = implicitGroup(name);
            auto it = open.find(group.empty() ? name : std::string(group));
            if (it != open.end() && it->second > 0) {
                --it->second;
                --depth;
            }
            continue;
        }
        if (!isVoid(name)) {
            const std::string_view group = implicitGroup(name);
            std::uint64_t& count = open[group.empty() ? name : std::string(group)];
            if (group.empty() || count == 0) {
                ++depth;
                deepest = std::max(deepest, depth);
            }
            ++count;
        }
        if (!quiet) {
            if (name == "plaintext") {
                quietUntil = n;
            } else if (name == "script") {
                // Script data has escapes ("<!--<script>") that can carry it past its first
                // "</script>": then everything after it is quiet.
                const std::size_t end = rawTextEnd(html, i, name);
                const bool escaped = html.substr(i, end - i).find("<!--") != std::string::npos;
                quietUntil = escaped ? n : end;
            } else if (isOneOf(name, {"style", "xmp", "iframe", "noembed", "noframes", "noscript",
                                      "textarea", "title"})) {
                quietUntil = rawTextEnd(html, i, name);
            }
        }
    }
    return (tags + 1) * (deepest + 1) + pairs;
}

std::string sanitizeHtml(std::string_view html, const RenderOptions& options)
{
    GumboOptions parse = kGumboDefaultOptions;
    parse.fragment_context = GUMBO_TAG_DIV;
    parse.fragment_namespace = GUMBO_NAMESPACE_HTML;
    parse.max_errors = 0; // nobody reads them; a hostile text could make millions
    std::unique_ptr<GumboOutput, OutputDeleter> output(
        gumbo_parse_with_options(&parse, html.data(), html.size()));
    if (!output || output->root == nullptr || output->root->type != GUMBO_NODE_ELEMENT) {
        return {};
    }
    return Writer(options).write(output->root);
}

} // namespace sopvault::core::detail
