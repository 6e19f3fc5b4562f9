// Input checks for names, paths, titles, bodies and tags.
#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>

namespace sopvault::core::detail {
namespace {

bool hasControl(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
    });
}

// On text already known to be UTF-8: C1 controls (U+0080-U+009F; U+009B is CSI to many
// terminals), the bidirectional embeddings, overrides, isolates and marks (U+202A-U+202E,
// U+2066-U+2069, U+061C, U+200E, U+200F), which make a title or path read differently from what
// it is, and the Unicode line and paragraph separators (U+2028, U+2029).
bool hasInvisibleControl(std::string_view text)
{
    const auto at = [&](std::size_t i) {
        return i < text.size() ? static_cast<unsigned char>(text[i]) : 0U;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned lead = at(i);
        if (lead == 0xC2 && at(i + 1) >= 0x80 && at(i + 1) <= 0x9F) {
            return true;
        }
        if (lead == 0xD8 && at(i + 1) == 0x9C) {
            return true;
        }
        if (lead == 0xE2 && at(i + 1) == 0x80) {
            const unsigned third = at(i + 2);
            if (third == 0x8E || third == 0x8F || (third >= 0xA8 && third <= 0xAE)) {
                return true;
            }
        }
        if (lead == 0xE2 && at(i + 1) == 0x81 && at(i + 2) >= 0xA6 && at(i + 2) <= 0xA9) {
            return true;
        }
    }
    return false;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

Result<void> validateName(std::string_view what, std::string_view name)
{
    const bool ok = !name.empty() && name.size() <= kMaxNameBytes &&
                    std::all_of(name.begin(), name.end(),
                                [](char c) {
                                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                           (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                                           c == '-';
                                }) &&
                    name.front() != '-' && name.front() != '@';
    if (!ok) {
        return fail(ErrorCode::Usage,
                    fmt::format("'{}' is not a valid {} name: use 1-64 letters, digits, '.', "
                                "'_' or '-', not starting with '-'.",
                                name, what));
    }
    return {};
}

Result<std::string> normalisePath(std::string_view path)
{
    if (!isValidUtf8(path) || hasControl(path) || hasInvisibleControl(path)) {
        return fail(ErrorCode::Usage, "A collection path must be UTF-8 text without control "
                                      "characters or bidirectional overrides (such as U+009B "
                                      "or U+202E).");
    }
    std::string out;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            slash = path.size();
        }
        const std::string_view segment = trim(path.substr(start, slash - start));
        start = slash + 1;
        if (segment.empty()) {
            continue;
        }
        if (segment == "." || segment == ".." || segment.size() > 100) {
            return fail(ErrorCode::Usage,
                        fmt::format("'{}' is not a valid collection name.", segment));
        }
        if (!out.empty()) {
            out += '/';
        }
        out += segment;
    }
    if (out.empty()) {
        return fail(ErrorCode::Usage, "A collection path may not be empty (e.g. Clients/Acme).");
    }
    return out;
}

std::string parentPath(std::string_view path)
{
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

Result<void> validateTitle(std::string_view title)
{
    if (trim(title).empty()) {
        return fail(ErrorCode::Usage, "A SOP needs a title.");
    }
    if (title.size() > kMaxTitleBytes) {
        return fail(ErrorCode::Usage,
                    fmt::format("A title may be at most {} bytes long.", kMaxTitleBytes));
    }
    if (!isValidUtf8(title) || hasControl(title) || hasInvisibleControl(title)) {
        return fail(ErrorCode::Usage, "A title must be UTF-8 text without control characters or "
                                      "bidirectional overrides (such as U+009B or U+202E).");
    }
    return {};
}

Result<void> validateBody(std::string_view body)
{
    if (trim(body).empty() || body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return fail(ErrorCode::Usage, "The SOP body is empty; write the procedure first.");
    }
    if (body.size() > kMaxBodyBytes) {
        return fail(ErrorCode::Usage,
                    fmt::format("The SOP body is {} bytes; the limit is {} bytes (1 MiB). Split "
                                "it into several SOPs.",
                                body.size(), kMaxBodyBytes));
    }
    if (!isValidUtf8(body)) {
        return fail(ErrorCode::Usage, "The SOP body is not UTF-8 text; convert the file to "
                                      "UTF-8 first.");
    }
    if (body.find('\0') != std::string_view::npos) {
        return fail(ErrorCode::Usage, "The SOP body contains NUL bytes; it looks like a binary "
                                      "file.");
    }
    return {};
}

Result<std::vector<std::string>> normaliseTags(const std::vector<std::string>& tags)
{
    std::vector<std::string> out;
    for (const auto& raw : tags) {
        const std::string_view tag = trim(raw);
        if (tag.empty()) {
            continue;
        }
        if (tag.size() > kMaxTagBytes || !isValidUtf8(tag) || hasControl(tag) ||
            hasInvisibleControl(tag) || tag.find(',') != std::string_view::npos) {
            return fail(ErrorCode::Usage,
                        fmt::format("'{}' is not a valid tag: at most {} bytes of text, no commas, "
                                    "no control characters or bidirectional overrides.",
                                    tag, kMaxTagBytes));
        }
        if (std::find(out.begin(), out.end(), tag) == out.end()) {
            out.emplace_back(tag);
        }
    }
    if (out.size() > kMaxTags) {
        return fail(ErrorCode::Usage, fmt::format("A SOP may carry at most {} tags.", kMaxTags));
    }
    return out;
}

} // namespace sopvault::core::detail
