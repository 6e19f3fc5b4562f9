// The sopvault:// link form and the scanner of a Markdown text's link and image targets: one
// home for both, so import, export, the links index and the front ends agree on what a link is.
#include "sopvault/core/Links.h"

#include <algorithm>
#include <cctype>

namespace sopvault::core {

namespace {

constexpr std::string_view kScheme = "sopvault://";
constexpr std::string_view kSopPart = "/sop/";
// A tag longer than this is not scanned: hostile text must not make the scanner quadratic.
constexpr std::size_t kMaxTagBytes = 64 * 1024;

bool isAsciiAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isAsciiDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char lowerAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lowerAscii(x) == lowerAscii(y);
           });
}

int hexValue(char c)
{
    if (isAsciiDigit(c)) {
        return c - '0';
    }
    const char l = lowerAscii(c);
    return (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
}

// The length of a scheme ("https:", "sopvault:") at the start of `s`, or 0.
std::size_t schemeLength(std::string_view s)
{
    if (s.empty() || !isAsciiAlpha(s.front())) {
        return 0;
    }
    for (std::size_t i = 1; i < s.size() && i <= 32; ++i) {
        const char c = s[i];
        if (c == ':') {
            return i + 1;
        }
        if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != '+' && c != '.' && c != '-') {
            return 0;
        }
    }
    return 0;
}

// The scanner over one text. Positions are byte offsets into it.
class Scanner
{
public:
    explicit Scanner(std::string_view text) : m_t(text) {}

    std::vector<LinkTarget> run()
    {
        std::size_t j = 0;
        bool lineStart = true;
        while (j < m_t.size()) {
            if (lineStart) {
                lineStart = false;
                if (const auto next = atLineStart(j)) {
                    j = *next;
                    lineStart = true;
                    continue;
                }
            }
            const char c = m_t[j];
            if (c == '\n') {
                lineStart = true;
                ++j;
            } else if (c == '\\') {
                j += 2;
            } else if (c == '`') {
                j = codeSpan(j);
            } else if (c == '[') {
                m_opens.push_back({j, j > 0 && m_t[j - 1] == '!' && !escaped(j - 1)});
                ++j;
            } else if (c == ']') {
                j = closeBracket(j);
            } else if (c == '<') {
                j = angle(j);
            } else {
                ++j;
            }
        }
        std::sort(m_out.begin(), m_out.end(),
                  [](const LinkTarget& a, const LinkTarget& b) { return a.begin < b.begin; });
        return std::move(m_out);
    }

private:
    struct Open
    {
        std::size_t pos;
        bool image;
    };

    std::size_t lineEnd(std::size_t from) const
    {
        const auto nl = m_t.find('\n', from);
        return nl == std::string_view::npos ? m_t.size() : nl;
    }

    bool escaped(std::size_t pos) const
    {
        std::size_t backslashes = 0;
        while (pos > backslashes && m_t[pos - backslashes - 1] == '\\') {
            ++backslashes;
        }
        return backslashes % 2 == 1;
    }

    // Fences, blank lines and reference definitions: where the line is used up, the start of
    // the next one.
    std::optional<std::size_t> atLineStart(std::size_t j)
    {
        const std::size_t end = lineEnd(j);
        const std::size_t next = end < m_t.size() ? end + 1 : end;
        std::string_view line = m_t.substr(j, end - j);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        std::size_t indent = 0;
        while (indent < line.size() && line[indent] == ' ') {
            ++indent;
        }
        const std::string_view rest = line.substr(indent);
        if (indent <= 3 && (rest.starts_with("```") || rest.starts_with("~~~"))) {
            const char fence = rest.front();
            const std::size_t run = rest.find_first_not_of(fence);
            const std::size_t length = run == std::string_view::npos ? rest.size() : run;
            if (m_fence == 0) {
                m_fence = fence;
                m_fenceLength = length;
                m_opens.clear();
                return next;
            }
            const bool onlyFence = rest.find_first_not_of(" \t", length) == std::string_view::npos;
            if (fence == m_fence && length >= m_fenceLength && onlyFence) {
                m_fence = 0;
                return next;
            }
        }
        if (m_fence != 0) {
            return next;
        }
        if (rest.find_first_not_of(" \t") == std::string_view::npos) {
            m_opens.clear(); // a blank line ends the paragraph and any bracket left open
            return next;
        }
        if (indent <= 3 && rest.starts_with('[')) {
            if (referenceDefinition(j + indent, end)) {
                return next;
            }
        }
        return std::nullopt;
    }

    // [label]: target "title"
    bool referenceDefinition(std::size_t open, std::size_t end)
    {
        std::size_t k = open + 1;
        while (k < end && m_t[k] != ']' && m_t[k] != '[') {
            k += m_t[k] == '\\' ? 2U : 1U;
        }
        if (k + 1 >= end || m_t[k] != ']' || m_t[k + 1] != ':' || k == open + 1) {
            return false;
        }
        k += 2;
        while (k < end && (m_t[k] == ' ' || m_t[k] == '\t')) {
            ++k;
        }
        std::size_t begin = k;
        std::size_t stop = k;
        if (k < end && m_t[k] == '<') {
            begin = k + 1;
            stop = m_t.find('>', begin);
            if (stop == std::string_view::npos || stop > end) {
                return false;
            }
        } else {
            while (stop < end && !isSpace(m_t[stop])) {
                ++stop;
            }
        }
        if (stop == begin) {
            return false;
        }
        std::size_t lineStop = end;
        if (lineStop > 0 && m_t[lineStop - 1] == '\r') {
            --lineStop;
        }
        m_out.push_back({LinkKind::Reference, begin, stop, std::max(lineStop, stop),
                         m_t.substr(begin, stop - begin)});
        return true;
    }

    // A code span is skipped whole; an unmatched run of backticks is literal text.
    std::size_t codeSpan(std::size_t j) const
    {
        std::size_t run = 0;
        while (j + run < m_t.size() && m_t[j + run] == '`') {
            ++run;
        }
        const std::size_t from = j + run;
        auto paragraphEnd = m_t.find("\n\n", from);
        if (paragraphEnd == std::string_view::npos) {
            paragraphEnd = m_t.size();
        }
        std::size_t k = from;
        while (k < paragraphEnd) {
            k = m_t.find('`', k);
            if (k == std::string_view::npos || k >= paragraphEnd) {
                break;
            }
            std::size_t other = 0;
            while (k + other < m_t.size() && m_t[k + other] == '`') {
                ++other;
            }
            if (other == run) {
                return k + other;
            }
            k += other;
        }
        return from;
    }

    // A ']' that closes an open '[' and is followed by "(target ...)".
    std::size_t closeBracket(std::size_t j)
    {
        if (m_opens.empty()) {
            return j + 1;
        }
        const Open open = m_opens.back();
        m_opens.pop_back();
        if (j + 1 >= m_t.size() || m_t[j + 1] != '(') {
            return j + 1;
        }
        const std::size_t end = lineEnd(j);
        std::size_t k = j + 2;
        while (k < end && (m_t[k] == ' ' || m_t[k] == '\t')) {
            ++k;
        }
        std::size_t begin = k;
        std::size_t stop = k;
        if (k < end && m_t[k] == '<') {
            begin = k + 1;
            stop = begin;
            while (stop < end && m_t[stop] != '>' && m_t[stop] != '<') {
                stop += m_t[stop] == '\\' ? 2U : 1U;
            }
            if (stop >= end || m_t[stop] != '>') {
                return j + 1;
            }
            k = stop + 1;
        } else {
            int depth = 0;
            while (stop < end && !isSpace(m_t[stop])) {
                if (m_t[stop] == '\\') {
                    stop += 2;
                    continue;
                }
                if (m_t[stop] == '(') {
                    ++depth;
                } else if (m_t[stop] == ')') {
                    if (depth == 0) {
                        break;
                    }
                    --depth;
                }
                ++stop;
            }
            stop = std::min(stop, end);
            k = stop;
        }
        // An optional title, then the closing parenthesis.
        while (k < end && (m_t[k] == ' ' || m_t[k] == '\t')) {
            ++k;
        }
        if (k < end && (m_t[k] == '"' || m_t[k] == '\'' || m_t[k] == '(')) {
            const char close = m_t[k] == '(' ? ')' : m_t[k];
            ++k;
            while (k < end && m_t[k] != close) {
                k += m_t[k] == '\\' ? 2U : 1U;
            }
            if (k >= end) {
                return j + 1;
            }
            ++k;
            while (k < end && (m_t[k] == ' ' || m_t[k] == '\t')) {
                ++k;
            }
        }
        if (k >= end || m_t[k] != ')') {
            return j + 1;
        }
        m_out.push_back({open.image ? LinkKind::Image : LinkKind::Link, begin, stop, k + 1,
                         m_t.substr(begin, stop - begin)});
        // Link text cannot hold another link: brackets opened inside it are closed with it.
        while (!m_opens.empty() && m_opens.back().pos > open.pos) {
            m_opens.pop_back();
        }
        return k + 1;
    }

    // An autolink <scheme:...> or an HTML tag, whose href (a) or src (img) is a target.
    std::size_t angle(std::size_t j)
    {
        const std::string_view rest = m_t.substr(j + 1);
        if (const std::size_t scheme = schemeLength(rest); scheme > 0) {
            std::size_t k = j + 1 + scheme;
            while (k < m_t.size() && m_t[k] != '>' && m_t[k] != '<' && !isSpace(m_t[k]) &&
                   static_cast<unsigned char>(m_t[k]) >= 0x20) {
                ++k;
            }
            if (k < m_t.size() && m_t[k] == '>') {
                m_out.push_back(
                    {LinkKind::Autolink, j + 1, k, k + 1, m_t.substr(j + 1, k - j - 1)});
                return k + 1;
            }
        }
        if (rest.empty() || !isAsciiAlpha(rest.front())) {
            return j + 1;
        }
        std::size_t k = j + 1;
        while (k < m_t.size() && (isAsciiAlpha(m_t[k]) || isAsciiDigit(m_t[k]) || m_t[k] == '-')) {
            ++k;
        }
        const std::string tag = lowered(m_t.substr(j + 1, k - j - 1));
        std::vector<LinkTarget> found;
        const std::size_t limit = std::min(m_t.size(), j + kMaxTagBytes);
        while (k < limit) {
            while (k < limit && isSpace(m_t[k])) {
                ++k;
            }
            if (k < limit && m_t[k] == '>') {
                m_out.insert(m_out.end(), found.begin(), found.end());
                return k + 1;
            }
            if (k + 1 < limit && m_t[k] == '/' && m_t[k + 1] == '>') {
                m_out.insert(m_out.end(), found.begin(), found.end());
                return k + 2;
            }
            const std::size_t nameStart = k;
            while (k < limit && !isSpace(m_t[k]) && m_t[k] != '=' && m_t[k] != '>' &&
                   m_t[k] != '<' && m_t[k] != '"' && m_t[k] != '\'' && m_t[k] != '/') {
                ++k;
            }
            if (k == nameStart) {
                return j + 1; // not a tag: a '<' in text, like "a < b"
            }
            const std::string name = lowered(m_t.substr(nameStart, k - nameStart));
            while (k < limit && isSpace(m_t[k])) {
                ++k;
            }
            if (k >= limit || m_t[k] != '=') {
                continue;
            }
            ++k;
            while (k < limit && isSpace(m_t[k])) {
                ++k;
            }
            std::size_t begin = k;
            std::size_t stop = k;
            std::size_t after = k;
            if (k < limit && (m_t[k] == '"' || m_t[k] == '\'')) {
                const char quote = m_t[k];
                begin = k + 1;
                stop = m_t.find(quote, begin);
                if (stop == std::string_view::npos || stop >= limit) {
                    return j + 1;
                }
                after = stop + 1;
            } else {
                while (stop < limit && !isSpace(m_t[stop]) && m_t[stop] != '>' &&
                       m_t[stop] != '<' && m_t[stop] != '"' && m_t[stop] != '\'') {
                    ++stop;
                }
                after = stop;
            }
            k = after;
            if ((tag == "a" && name == "href") || (tag == "img" && name == "src")) {
                found.push_back({tag == "a" ? LinkKind::HtmlHref : LinkKind::HtmlSrc, begin, stop,
                                 after, m_t.substr(begin, stop - begin)});
            }
        }
        return j + 1;
    }

    static std::string lowered(std::string_view s)
    {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(), lowerAscii);
        return out;
    }

    std::string_view m_t;
    std::vector<LinkTarget> m_out;
    std::vector<Open> m_opens;
    char m_fence = 0;
    std::size_t m_fenceLength = 0;
};

} // namespace

std::string sopLink(std::string_view vault, const Id& sop)
{
    std::string out(kScheme);
    for (char c : vault) {
        out += lowerAscii(c);
    }
    out += kSopPart;
    out += toHex(sop);
    return out;
}

std::optional<Id> parseSopLink(std::string_view vault, std::string_view url)
{
    if (const auto hash = url.find('#'); hash != std::string_view::npos) {
        url = url.substr(0, hash);
    }
    if (url.size() < kScheme.size() || !equalsIgnoreCase(url.substr(0, kScheme.size()), kScheme)) {
        return std::nullopt;
    }
    url.remove_prefix(kScheme.size());
    const auto slash = url.find('/');
    if (slash == std::string_view::npos || !equalsIgnoreCase(url.substr(0, slash), vault) ||
        vault.empty()) {
        return std::nullopt;
    }
    url.remove_prefix(slash);
    if (!url.starts_with(kSopPart)) {
        return std::nullopt;
    }
    url.remove_prefix(kSopPart.size());
    if (url.size() != 32 ||
        !std::all_of(url.begin(), url.end(), [](char c) { return hexValue(c) >= 0; })) {
        return std::nullopt;
    }
    std::string hex;
    for (char c : url) {
        hex += lowerAscii(c);
    }
    auto id = idFromHex(hex);
    return id ? std::optional<Id>(*id) : std::nullopt;
}

std::vector<LinkTarget> linkTargets(std::string_view markdown)
{
    return Scanner(markdown).run();
}

std::string rewriteLinks(std::string_view markdown,
                         const std::function<std::optional<LinkRewrite>(const LinkTarget&)>& map)
{
    std::string out;
    out.reserve(markdown.size());
    std::size_t copied = 0;
    for (const LinkTarget& t : linkTargets(markdown)) {
        if (t.begin < copied) {
            continue; // overlapping constructs: the first one wins
        }
        auto change = map(t);
        if (!change) {
            continue;
        }
        out.append(markdown.substr(copied, t.begin - copied));
        out.append(change->target ? std::string_view(*change->target) : t.url);
        out.append(markdown.substr(t.end, t.after - t.end));
        out.append(change->appendAfter);
        copied = t.after;
    }
    out.append(markdown.substr(copied));
    return out;
}

bool isRelativeTarget(std::string_view url)
{
    if (url.empty() || url.front() == '#' || url.front() == '/' || url.front() == '\\') {
        return false;
    }
    const auto cut = url.find_first_of("/?#");
    return schemeLength(url.substr(0, cut == std::string_view::npos ? url.size() : cut + 1)) == 0;
}

RelativeTarget splitRelativeTarget(std::string_view url)
{
    RelativeTarget out;
    if (const auto hash = url.find('#'); hash != std::string_view::npos) {
        out.fragment = std::string(url.substr(hash));
        url = url.substr(0, hash);
    }
    if (const auto query = url.find('?'); query != std::string_view::npos) {
        url = url.substr(0, query);
    }
    for (std::size_t i = 0; i < url.size(); ++i) {
        const char c = url[i];
        if (c == '\\' && i + 1 < url.size() &&
            std::ispunct(static_cast<unsigned char>(url[i + 1]))) {
            out.path += url[++i];
        } else if (c == '%' && i + 2 < url.size() && hexValue(url[i + 1]) >= 0 &&
                   hexValue(url[i + 2]) >= 0) {
            out.path += static_cast<char>(hexValue(url[i + 1]) * 16 + hexValue(url[i + 2]));
            i += 2;
        } else {
            out.path += c;
        }
    }
    return out;
}

std::string encodeRelativeTarget(std::string_view path)
{
    constexpr std::string_view kEncode = " ()<>#%?\"'[]\\`";
    std::string out;
    for (char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F || kEncode.find(c) != std::string_view::npos) {
            constexpr std::string_view kHex = "0123456789ABCDEF";
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace sopvault::core
