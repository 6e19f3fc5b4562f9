// Attachments (issue 16): type detection from the bytes, the name rules, and the Session calls
// that attach, list, open and save the files a SOP version lists in its encrypted content.
#include "sopvault/core/Attachments.h"

#include "sopvault/core/Vault.h"

#include "Engine.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace sopvault::core {

using crypto::ByteView;

namespace {

bool startsWith(ByteView bytes, std::string_view magic, std::size_t at = 0)
{
    return bytes.size() >= at + magic.size() &&
           std::memcmp(bytes.data() + at, magic.data(), magic.size()) == 0;
}

// Text that is valid UTF-8 without NUL or other control bytes than tab, CR and LF.
bool looksLikeText(ByteView bytes)
{
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (!isValidUtf8(text)) {
        return false;
    }
    return std::none_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F;
    });
}

// An SVG is XML whose root element is <svg>: skip a BOM, whitespace, the XML declaration,
// comments and a doctype before looking for it.
bool looksLikeSvg(ByteView bytes)
{
    std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                          std::min<std::size_t>(bytes.size(), 4096));
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    for (;;) {
        const auto start = text.find_first_not_of(" \t\r\n");
        if (start == std::string_view::npos) {
            return false;
        }
        text.remove_prefix(start);
        std::string_view close;
        if (text.starts_with("<?")) {
            close = "?>";
        } else if (text.starts_with("<!--")) {
            close = "-->";
        } else if (text.starts_with("<!")) {
            close = ">";
        } else {
            break;
        }
        const auto end = text.find(close);
        if (end == std::string_view::npos) {
            return false;
        }
        text.remove_prefix(end + close.size());
    }
    return text.starts_with("<svg") && text.size() > 4 &&
           (text[4] == ' ' || text[4] == '>' || text[4] == '\t' || text[4] == '\n' ||
            text[4] == '\r' || text[4] == '/');
}

} // namespace

std::string sniffType(ByteView bytes)
{
    if (startsWith(bytes, "\x89PNG\r\n\x1A\n")) {
        return "image/png";
    }
    if (startsWith(bytes, "\xFF\xD8\xFF")) {
        return "image/jpeg";
    }
    if (startsWith(bytes, "GIF87a") || startsWith(bytes, "GIF89a")) {
        return "image/gif";
    }
    if (startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8)) {
        return "image/webp";
    }
    if (startsWith(bytes, "%PDF-")) {
        return "application/pdf";
    }
    if (looksLikeSvg(bytes)) {
        return "image/svg+xml";
    }
    if (looksLikeText(bytes)) {
        return "text/plain";
    }
    return "application/octet-stream";
}

bool showsInline(std::string_view type)
{
    return type == "image/png" || type == "image/jpeg" || type == "image/gif" ||
           type == "image/webp";
}

Result<std::string> normaliseAttachmentName(std::string_view raw)
{
    std::string name(raw);
    std::replace(name.begin(), name.end(), '\\', '/');
    if (name.empty()) {
        return fail(ErrorCode::Usage, "An attachment needs a name.");
    }
    if (!isValidUtf8(name)) {
        return fail(ErrorCode::Usage, "An attachment's name must be UTF-8 text.");
    }
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            return fail(ErrorCode::Usage, "An attachment's name must not hold control characters.");
        }
    }
    if (name.front() == '/' || (name.size() >= 2 && name[1] == ':')) {
        return fail(ErrorCode::Usage,
                    fmt::format("\"{}\" is an absolute path; name the attachment as the SOP "
                                "references it, relative to the SOP.",
                                name));
    }
    const auto colon = name.find(':');
    const auto slash = name.find('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
        return fail(ErrorCode::Usage,
                    fmt::format("\"{}\" is a URL; only files can be attached.", name));
    }
    std::vector<std::string> segments;
    bool pastLeadingUp = false;
    std::size_t begin = 0;
    while (begin <= name.size()) {
        auto end = name.find('/', begin);
        if (end == std::string::npos) {
            end = name.size();
        }
        const std::string segment = name.substr(begin, end - begin);
        begin = end + 1;
        if (segment.empty() || segment == ".") {
            continue;
        }
        if (segment == "..") {
            if (pastLeadingUp) {
                return fail(ErrorCode::Usage,
                            fmt::format("\"{}\": \"..\" may only lead an attachment's name.", raw));
            }
            segments.push_back(segment);
            continue;
        }
        if (segment.size() > 255) {
            return fail(ErrorCode::Usage,
                        "A part of an attachment's name is longer than 255 bytes.");
        }
        pastLeadingUp = true;
        segments.push_back(segment);
    }
    if (segments.empty() || segments.back() == "..") {
        return fail(ErrorCode::Usage, fmt::format("\"{}\" does not name a file.", raw));
    }
    std::string out;
    for (const auto& s : segments) {
        if (!out.empty()) {
            out += '/';
        }
        out += s;
    }
    return out;
}

Result<std::uint64_t> Session::attach(const Id&, std::vector<AttachmentFile>, std::string_view)
{
    return fail(ErrorCode::Usage, "Attachments are not built yet.");
}

Result<std::vector<AttachmentInfo>> Session::attachments(const Id&,
                                                         std::optional<std::uint64_t>) const
{
    return fail(ErrorCode::Usage, "Attachments are not built yet.");
}

Result<AttachmentData> Session::openAttachment(const Id&, std::uint64_t, std::string_view) const
{
    return fail(ErrorCode::Usage, "Attachments are not built yet.");
}

Result<void> Session::saveAttachment(const Id&, std::string_view, const std::filesystem::path&,
                                     std::optional<std::uint64_t>)
{
    return fail(ErrorCode::Usage, "Attachments are not built yet.");
}

} // namespace sopvault::core
