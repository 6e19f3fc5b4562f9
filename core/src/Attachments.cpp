// Attachments (issue 16): type detection from the bytes, the name rules, and the Session calls
// that attach, list, open and save the files a SOP version lists in its encrypted content.
#include "sopvault/core/Attachments.h"

#include "sopvault/core/Links.h"
#include "sopvault/core/Markdown.h"
#include "sopvault/core/Vault.h"

#include "AttachmentRules.h"
#include "Engine.h"
#include "storage/PrivateFiles.h"

#include <algorithm>
#include <cstring>
#include <set>

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

std::optional<std::string> attachmentNameFor(std::string_view target)
{
    if (!isRelativeTarget(target)) {
        return std::nullopt;
    }
    const RelativeTarget split = splitRelativeTarget(target);
    if (split.path.empty()) {
        return std::nullopt;
    }
    auto name = normaliseAttachmentName(split.path);
    return name ? std::optional<std::string>(std::move(*name)) : std::nullopt;
}

std::string attachmentUrl(std::string_view name)
{
    return "attachment:" + encodeRelativeTarget(name);
}

std::optional<std::string> attachmentFromUrl(std::string_view url)
{
    constexpr std::string_view kScheme = "attachment:";
    if (!url.starts_with(kScheme)) {
        return std::nullopt;
    }
    auto name = normaliseAttachmentName(decodeUrlPath(url.substr(kScheme.size())));
    return name ? std::optional<std::string>(std::move(*name)) : std::nullopt;
}

namespace detail {

namespace {

constexpr std::uint64_t kMb = 1024 * 1024;

} // namespace

AttachmentInfo attachmentInfo(const AttachmentRef& ref)
{
    return AttachmentInfo{ref.name, ref.type, ref.size, crypto::toHex(ref.contentHash),
                          showsInline(ref.type)};
}

Result<std::vector<AttachmentBlob>> changeAttachments(const Engine& e, const Id& sopId,
                                                      const Id& collection, SopContent& content,
                                                      std::vector<AttachmentFile> add,
                                                      const std::vector<std::string>& remove)
{
    for (const std::string& raw : remove) {
        SOPVAULT_TRY(name, normaliseAttachmentName(raw));
        const auto before = content.attachments.size();
        std::erase_if(content.attachments, [&](const AttachmentRef& a) { return a.name == name; });
        if (content.attachments.size() == before) {
            return fail(ErrorCode::NotFound,
                        fmt::format("This SOP has no attachment \"{}\" to remove.", name));
        }
    }
    const std::uint64_t fileCap = e.state().attachmentFileMb;
    const std::uint64_t sopCap = e.state().attachmentSopMb;
    std::vector<AttachmentBlob> blobs;
    std::set<std::string> named;
    for (AttachmentFile& file : add) {
        SOPVAULT_TRY(name, normaliseAttachmentName(file.name));
        if (!named.insert(name).second) {
            return fail(ErrorCode::Usage,
                        fmt::format("\"{}\" is given twice; attach each name once.", name));
        }
        if (file.bytes.size() > fileCap * kMb) {
            return fail(
                ErrorCode::Usage,
                fmt::format(
                    "\"{}\" is larger than the {} MB an attachment may be; an "
                    "owner can raise the cap (`sopvault-cli sop attachment-caps --file-mb N`).",
                    name, fileCap));
        }
        AttachmentRef ref;
        ref.name = name;
        ref.type = sniffType(file.bytes);
        ref.size = file.bytes.size();
        ref.contentHash = crypto::hash32(file.bytes);
        // The same bytes already in this SOP (under any name): one blob, one key.
        const AttachmentRef* same = nullptr;
        for (const AttachmentRef& a : content.attachments) {
            if (a.contentHash == ref.contentHash && a.size == ref.size) {
                same = &a;
            }
        }
        if (same != nullptr) {
            ref.blobId = same->blobId;
            ref.dataKey = same->dataKey;
        } else {
            SOPVAULT_TRY(key, crypto::randomKey());
            SOPVAULT_TRY(sealed, crypto::seal(key, file.bytes,
                                              attachmentAd(e.state().vaultId, collection, sopId,
                                                           ref.contentHash)));
            ref.blobId = crypto::hash32(sealed);
            ref.dataKey = std::make_shared<const crypto::SecureBuffer>(std::move(key));
            blobs.push_back(AttachmentBlob{ref.blobId, sopId, 0, std::move(sealed)});
        }
        crypto::wipe(file.bytes);
        std::erase_if(content.attachments, [&](const AttachmentRef& a) { return a.name == name; });
        content.attachments.push_back(std::move(ref));
    }
    std::uint64_t total = 0;
    for (const AttachmentRef& a : content.attachments) {
        total += a.size;
    }
    if (total > sopCap * kMb) {
        return fail(ErrorCode::Usage,
                    fmt::format("The attachments of this SOP would come to more than the {} MB a "
                                "SOP may hold; an owner can raise the cap "
                                "(`sopvault-cli sop attachment-caps --sop-mb N`).",
                                sopCap));
    }
    std::sort(content.attachments.begin(), content.attachments.end(),
              [](const AttachmentRef& a, const AttachmentRef& b) { return a.name < b.name; });
    return blobs;
}

Result<crypto::SecureBuffer> openBlob(const Engine& e, const Id& sopId, const Id& collection,
                                      const AttachmentRef& ref)
{
    auto broken = [&](std::string_view why) {
        return fail(ErrorCode::Integrity,
                    fmt::format("The attachment \"{}\" of SOP {} failed verification ({}); run "
                                "'verify' and restore from a backup.",
                                ref.name, toHex(sopId), why));
    };
    SOPVAULT_TRY(blob, e.file().blob(ref.blobId));
    if (!blob) {
        return broken("its stored bytes are missing");
    }
    if (crypto::hash32(blob->data) != ref.blobId) {
        return broken("its stored bytes were changed");
    }
    if (blob->sopId != sopId || !ref.dataKey) {
        return broken("it is filed under another SOP");
    }
    auto plain =
        crypto::openSecret(*ref.dataKey, blob->data,
                           attachmentAd(e.state().vaultId, collection, sopId, ref.contentHash));
    if (!plain) {
        return broken("it does not decrypt with the key its version holds");
    }
    if (plain->size() != ref.size || crypto::hash32(plain->span()) != ref.contentHash) {
        return broken("its bytes do not match the hash its version lists");
    }
    return std::move(*plain);
}

} // namespace detail

using namespace detail;

Result<std::uint64_t> Session::attach(const Id& sop, std::vector<AttachmentFile> files,
                                      std::string_view message)
{
    if (files.empty()) {
        return fail(ErrorCode::Usage, "Name at least one file to attach.");
    }
    SopEdit edit;
    edit.addAttachments = std::move(files);
    edit.message = message.empty() ? std::string("Attached files") : std::string(message);
    return editSop(sop, edit);
}

Result<std::vector<AttachmentInfo>> Session::attachments(const Id& sopId,
                                                         std::optional<std::uint64_t> version) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_TRY(content, e.readContent(sopId, version.value_or(sop->versions.back().version)));
    std::vector<AttachmentInfo> out;
    for (const AttachmentRef& a : content.attachments) {
        out.push_back(attachmentInfo(a));
    }
    return out;
}

Result<AttachmentData> Session::openAttachment(const Id& sopId, std::uint64_t version,
                                               std::string_view name) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_TRY(content, e.readContent(sopId, version));
    SOPVAULT_TRY(normalised, normaliseAttachmentName(name));
    const AttachmentRef* ref = content.attachment(normalised);
    if (ref == nullptr) {
        return fail(
            ErrorCode::NotFound,
            fmt::format("Version {} of this SOP has no attachment \"{}\".", version, normalised));
    }
    SOPVAULT_TRY(bytes, openBlob(e, sopId, sop->collection, *ref));
    return AttachmentData{attachmentInfo(*ref), std::move(bytes)};
}

Result<void> Session::saveAttachment(const Id& sopId, std::string_view name,
                                     const std::filesystem::path& out,
                                     std::optional<std::uint64_t> version)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    const std::uint64_t n = version.value_or(sop->versions.back().version);
    SOPVAULT_CHECK(checkExport(sopId));
    std::error_code ec;
    if (std::filesystem::exists(out, ec)) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} already exists; choose another path (nothing was written).",
                                out.string()));
    }
    SOPVAULT_TRY(data, openAttachment(sopId, n, name));
    SOPVAULT_TRY(title, e.readContent(sopId, n));
    AuditNote saved{"save-attachment", sopId, true, {}};
    saved.detail.title = title.title;
    saved.detail.note = fmt::format("{} (version {}, {} bytes) to {}", data.info.name, n,
                                    data.info.size, out.filename().string());
    SOPVAULT_CHECK(e.writes().audit(saved));
    if (auto written = storage::replaceFileAtomically(out, data.bytes.span()); !written) {
        return fail(ErrorCode::Failed,
                    fmt::format("Cannot write {}: {}.", out.string(), written.error().message));
    }
    return {};
}

std::pair<std::uint64_t, std::uint64_t> Session::attachmentCaps() const
{
    return {m_engine->state().attachmentFileMb, m_engine->state().attachmentSopMb};
}

Result<void> Session::setAttachmentCaps(std::uint64_t fileMb, std::uint64_t sopMb)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "change the attachment caps"));
    if (fileMb < 1 || sopMb < 1 || fileMb > kMaxAttachmentCapMb || sopMb > kMaxAttachmentCapMb) {
        return fail(ErrorCode::Usage, fmt::format("Each attachment cap must be from 1 to {} MB.",
                                                  kMaxAttachmentCapMb));
    }
    const std::pair<std::string_view, std::uint64_t> changes[] = {{kAttachmentFileSetting, fileMb},
                                                                  {kAttachmentSopSetting, sopMb}};
    for (const auto& [key, value] : changes) {
        const std::uint64_t now =
            key == kAttachmentFileSetting ? e.state().attachmentFileMb : e.state().attachmentSopMb;
        if (now == value) {
            continue;
        }
        AuditNote n{"setting", {}, false, {}};
        n.detail.note = fmt::format("{} = {}", key, value);
        SOPVAULT_CHECK(e.writes().commitAdmin(RecordKind::Setting,
                                              encode(SettingPayload{std::string(key), value}), n));
    }
    return {};
}

} // namespace sopvault::core
