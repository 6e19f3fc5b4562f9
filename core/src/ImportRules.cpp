// Titles, site navigation and the files that are not SOPs (see ImportRules.h).
#include "sopvault/core/ImportRules.h"

#include "ImportText.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <vector>

namespace sopvault::core {
namespace {

using detail::collapseBlanks;
using detail::trimBlank;
using detail::unquote;

bool isUpper(char c)
{
    return c >= 'A' && c <= 'Z';
}
bool isLower(char c)
{
    return c >= 'a' && c <= 'z';
}
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
// Letters, digits and every byte of a non-ASCII character are part of a word.
bool isWordByte(char c)
{
    return isUpper(c) || isLower(c) || isDigit(c) || static_cast<unsigned char>(c) >= 0x80;
}

std::string lowerAscii(std::string_view s)
{
    std::string out(s);
    for (char& c : out) {
        if (isUpper(c)) {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    return out;
}

// Leading spaces of a line, a tab counted as reaching the next multiple of four.
std::size_t indentOf(std::string_view line)
{
    std::size_t n = 0;
    for (char c : line) {
        if (c == ' ') {
            n += 1;
        } else if (c == '\t') {
            n += 4 - n % 4;
        } else {
            break;
        }
    }
    return n;
}

// A code fence's character and length when `line` opens or closes one.
std::optional<std::pair<char, std::size_t>> fenceOf(std::string_view line)
{
    if (indentOf(line) > 3) {
        return std::nullopt;
    }
    line = trimBlank(line);
    if (line.empty() || (line.front() != '`' && line.front() != '~')) {
        return std::nullopt;
    }
    const char c = line.front();
    const std::size_t n = std::min(line.find_first_not_of(c), line.size());
    if (n < 3) {
        return std::nullopt;
    }
    return std::make_pair(c, n);
}

} // namespace

std::string normaliseTitle(std::string_view title)
{
    std::string out;
    for (std::size_t i = 0; i < title.size(); ++i) {
        const char c = title[i];
        if (!isWordByte(c)) {
            if (!out.empty() && out.back() != ' ') {
                out += ' ';
            }
            continue;
        }
        if (i > 0 && !out.empty() && out.back() != ' ') {
            const char prev = title[i - 1];
            const bool next = i + 1 < title.size() && isLower(title[i + 1]);
            const bool boundary = (isUpper(c) && (isLower(prev) || isDigit(prev))) ||
                                  (isUpper(c) && isUpper(prev) && next) ||
                                  (isDigit(c) && (isUpper(prev) || isLower(prev))) ||
                                  ((isUpper(c) || isLower(c)) && isDigit(prev));
            if (boundary) {
                out += ' ';
            }
        }
        out += isUpper(c) ? static_cast<char>(c - 'A' + 'a') : c;
    }
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

std::string readableFileName(std::string_view stem)
{
    std::string out =
        collapseBlanks(stem, [](char c) { return c == '_' || c == '-' || c == ' ' || c == '\t'; });
    if (!out.empty() && isLower(out.front())) {
        out.front() = static_cast<char>(out.front() - 'a' + 'A');
    }
    return out.empty() ? std::string(stem) : out;
}

std::string firstHeading(std::string_view markdown)
{
    char fenceChar = 0; // the open fence's character, 0 outside code
    std::size_t fenceLength = 0;
    std::string_view paragraph; // the previous line, when it may be a setext heading's text
    for (std::string_view line : lines(markdown)) {
        if (fenceChar != 0) {
            const auto close = fenceOf(line);
            if (close && close->first == fenceChar && close->second >= fenceLength &&
                trimBlank(line).find_first_not_of(fenceChar) == std::string_view::npos) {
                fenceChar = 0;
            }
            continue;
        }
        if (auto open = fenceOf(line)) {
            fenceChar = open->first;
            fenceLength = open->second;
            paragraph = {};
            continue;
        }
        const std::string_view text = trimBlank(line);
        if (indentOf(line) > 3) {
            if (paragraph.empty()) {
                continue; // indented code (or a paragraph's continuation, which is no heading)
            }
        } else if (text.starts_with('#')) {
            const std::size_t hashes = text.find_first_not_of('#');
            if (hashes == 1 && (text[1] == ' ' || text[1] == '\t')) {
                std::string_view rest = trimBlank(text.substr(1));
                // A closing sequence of #s after a space is not part of the heading.
                const auto end = rest.find_last_not_of('#');
                if (end != std::string_view::npos && end + 1 < rest.size() &&
                    (rest[end] == ' ' || rest[end] == '\t')) {
                    rest = trimBlank(rest.substr(0, end));
                }
                if (!rest.empty()) {
                    return std::string(rest);
                }
            }
            paragraph = {};
            continue;
        } else if (!paragraph.empty() && !text.empty() &&
                   text.find_first_not_of('=') == std::string_view::npos) {
            return std::string(paragraph);
        }
        paragraph = text.empty() || text.starts_with('>') || text.starts_with('|') ||
                            text.starts_with("- ") || text.starts_with("* ") ||
                            text.starts_with('<')
                        ? std::string_view()
                        : (paragraph.empty() ? text : std::string_view());
    }
    return {};
}

std::map<std::string, std::string> mkdocsNavTitles(std::string_view yml)
{
    std::string docsDir = "docs";
    std::vector<std::pair<std::string, std::string>> entries;
    bool inNav = false;
    for (std::string_view line : lines(yml)) {
        const std::string_view text = trimBlank(line);
        if (text.empty() || text.starts_with('#')) {
            continue;
        }
        const bool topLevel = indentOf(line) == 0 && !text.starts_with('-');
        if (topLevel) {
            inNav = text == "nav:";
            if (text.starts_with("docs_dir:")) {
                docsDir = unquote(text.substr(9));
            }
            continue;
        }
        if (!inNav || !text.starts_with("- ")) {
            continue;
        }
        std::string_view item = trimBlank(text.substr(2));
        std::string title;
        std::string_view rest;
        if (!item.empty() && (item.front() == '"' || item.front() == '\'')) {
            const auto close = item.find(item.front(), 1);
            if (close == std::string_view::npos) {
                continue;
            }
            title = std::string(item.substr(1, close - 1));
            rest = trimBlank(item.substr(close + 1));
            if (!rest.starts_with(':')) {
                continue; // a bare quoted path names no title
            }
            rest = trimBlank(rest.substr(1));
        } else {
            const auto colon = item.rfind(": ");
            if (colon == std::string_view::npos) {
                continue; // "- page.md" (no title) or "- Section:" (a heading of the nav)
            }
            title = std::string(trimBlank(item.substr(0, colon)));
            rest = trimBlank(item.substr(colon + 2));
        }
        const std::string path = unquote(rest);
        const std::string ext = lowerAscii(std::filesystem::path(path).extension().string());
        if (title.empty() || (ext != ".md" && ext != ".markdown") ||
            path.find("://") != std::string::npos) {
            continue;
        }
        entries.emplace_back(path, title);
    }
    std::map<std::string, std::string> out;
    for (const auto& [path, title] : entries) {
        const auto full =
            (std::filesystem::path(docsDir) / path).lexically_normal().generic_string();
        out.emplace(full, title); // the first entry naming a page gives its title
    }
    return out;
}

std::optional<std::string> notASop(std::string_view rel)
{
    const std::filesystem::path p{std::string(rel)};
    const std::string name = lowerAscii(p.filename().string());
    const std::string stem = lowerAscii(p.stem().string());
    const std::string ext = lowerAscii(p.extension().string());
    const bool prose = ext.empty() || ext == ".md" || ext == ".markdown" || ext == ".txt";

    for (const auto& part : p.parent_path()) {
        const std::string dir = lowerAscii(part.string());
        if (dir == "templates" || dir == "_templates" || dir == "template" || dir == "archetypes") {
            return "a template, not a SOP";
        }
    }
    if (prose && (stem == "template" || stem == "example" || stem == "_template" ||
                  stem.ends_with("-template") || stem.ends_with("_template") ||
                  stem.starts_with("template-") || stem.starts_with("template_"))) {
        return "a template, not a SOP";
    }
    static constexpr std::array kLicences{"license", "licence", "copying", "unlicense", "notice"};
    if (prose && std::find(kLicences.begin(), kLicences.end(), stem) != kLicences.end()) {
        return "a licence, not a SOP";
    }
    static constexpr std::array kChangelogs{"changelog", "changes", "history", "news"};
    if (prose && std::find(kChangelogs.begin(), kChangelogs.end(), stem) != kChangelogs.end()) {
        return "a changelog (the folder's history; the vault keeps each SOP's versions)";
    }
    static constexpr std::array kBuild{
        "runtime.txt",    "package.json", "package-lock.json", "yarn.lock",   "pnpm-lock.yaml",
        "makefile",       "gnumakefile",  "cmakelists.txt",    "gemfile",     "pipfile",
        "pyproject.toml", "setup.py",     "setup.cfg",         "tox.ini",     "go.mod",
        "go.sum",         "cargo.toml",   "dockerfile",        "mkdocs.yml",  "mkdocs.yaml",
        "_config.yml",    "hugo.toml",    "hugo.yaml",         "config.toml", "netlify.toml",
        "vercel.json",    "procfile",     "book.toml",         "cname",       "robots.txt"};
    if (std::find(kBuild.begin(), kBuild.end(), name) != kBuild.end() || ext == ".lock" ||
        (ext == ".txt" && (stem.starts_with("requirements") || stem.starts_with("constraints")))) {
        return "a build or dependency file, not a SOP";
    }
    return std::nullopt;
}

} // namespace sopvault::core
