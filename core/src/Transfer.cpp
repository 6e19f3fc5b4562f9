// Import from the old shared drive and export with rights and watermarks. Import is one
// transaction and one audit entry; export checks the export right per collection, audits a
// denial, and stamps every file with who exported what, when and from which vault.
#include "sopvault/core/Attachments.h"
#include "sopvault/core/FileNames.h"
#include "sopvault/core/ImportRules.h"
#include "sopvault/core/Links.h"
#include "sopvault/core/Markdown.h"
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "ExportFiles.h"
#include "ImportText.h"
#include "Validation.h"
#include "storage/PrivateFiles.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <span>

namespace sopvault::core {

using namespace detail;

namespace {

constexpr std::string_view kWatermarkPrefix = "> Exported from SOP Vault by ";

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Text that reads as itself inside Markdown: the characters that would start markup escaped.
std::string markdownText(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (std::string_view("\\`*_{}[]()<>#+-.!|~\"&").find(c) != std::string_view::npos) {
            out += '\\';
        }
        out += c;
    }
    return out;
}

} // namespace

namespace {

// One key of a front matter and what it says: a scalar, or the items of a list.
struct MatterField
{
    std::string key;
    std::string value;
    std::vector<std::string> items;
    bool list = false;
};

// The items of "[a, 'b', c]" or of "a, b, c".
std::vector<std::string> splitItems(std::string_view value)
{
    if (value.starts_with('[') && value.ends_with(']')) {
        value = value.substr(1, value.size() - 2);
    }
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= value.size()) {
        auto comma = value.find(',', pos);
        if (comma == std::string_view::npos) {
            comma = value.size();
        }
        if (auto item = unquote(value.substr(pos, comma - pos)); !item.empty()) {
            out.push_back(std::move(item));
        }
        pos = comma + 1;
    }
    return out;
}

bool indented(std::string_view line)
{
    return !line.empty() && (line.front() == ' ' || line.front() == '\t');
}

// The keys of a YAML ("key: value", block lists "  - item", block scalars "key: >") or TOML
// ("key = value") front matter, in order. Nested maps are kept as their text, one line each.
std::vector<MatterField> readMatter(std::string_view matter, bool toml)
{
    std::vector<MatterField> out;
    char block = 0; // '|' or '>' while reading a block scalar
    while (!matter.empty()) {
        const auto nl = matter.find('\n');
        std::string_view line = matter.substr(0, nl);
        matter = nl == std::string_view::npos ? std::string_view() : matter.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        const std::string_view text = trimBlank(line);
        if (text.empty() || text.starts_with('#')) {
            if (block == '|' && !out.empty() && text.empty()) {
                out.back().value += '\n';
            }
            continue;
        }
        if (!out.empty() && (indented(line) || (!toml && text.starts_with("- ")))) {
            MatterField& f = out.back();
            if (block != 0) {
                f.value +=
                    f.value.empty() || f.value.back() == '\n' ? "" : (block == '|' ? "\n" : " ");
                f.value += std::string(text);
            } else if (text.starts_with("- ") || text == "-") {
                f.list = true;
                if (auto item = unquote(text.substr(1)); !item.empty()) {
                    f.items.push_back(std::move(item));
                }
            } else {
                f.value += (f.value.empty() ? "" : "; ") + std::string(text);
            }
            continue;
        }
        block = 0;
        const auto sep = line.find(toml ? '=' : ':');
        if (sep == std::string_view::npos) {
            continue;
        }
        MatterField f;
        f.key = lower(trimBlank(line.substr(0, sep)));
        const std::string_view value = trimBlank(line.substr(sep + 1));
        if (value == "|" || value == "|-" || value == "|+" || value == ">" || value == ">-" ||
            value == ">+") {
            block = value.front();
        } else if (value.starts_with('[') && value.ends_with(']')) {
            f.list = true;
            f.items = splitItems(value);
        } else {
            f.value = unquote(value);
        }
        if (!f.key.empty()) {
            out.push_back(std::move(f));
        }
    }
    for (MatterField& f : out) {
        while (!f.value.empty() && (f.value.back() == '\n' || f.value.back() == ' ')) {
            f.value.pop_back();
        }
    }
    return out;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

} // namespace

SopFile parseSopFile(std::string text, std::string_view fileName, std::string_view siteTitle)
{
    const std::filesystem::path file(fileName);
    SopFile out;
    std::string_view rest(text);
    const bool yaml = rest.starts_with("---\n") || rest.starts_with("---\r\n");
    const bool toml = rest.starts_with("+++\n") || rest.starts_with("+++\r\n");
    if (yaml || toml) {
        const auto start = rest.find('\n') + 1;
        const auto end = rest.find(toml ? "\n+++" : "\n---", start - 1);
        if (end != std::string_view::npos) {
            const std::string_view matter =
                end + 1 > start ? rest.substr(start, end + 1 - start) : std::string_view();
            std::string description;
            for (MatterField& f : readMatter(matter, toml)) {
                if (f.key == "title") {
                    out.title = f.value;
                } else if (f.key == "collection") {
                    out.collection = f.value;
                } else if (f.key == "review_every_days") {
                    std::uint32_t n = 0;
                    if (std::sscanf(f.value.c_str(), "%u", &n) == 1 && n >= 1 && n <= 3650) {
                        out.reviewEveryDays = n;
                    }
                } else if (f.key == "tags") {
                    auto items = f.list ? std::move(f.items) : splitItems(f.value);
                    out.tags.insert(out.tags.end(), items.begin(), items.end());
                } else if (f.key == "summary" && out.summary.empty()) {
                    out.summary = f.value;
                } else if (f.key == "description" && description.empty() && !f.list) {
                    description = f.value;
                } else {
                    out.metadata.emplace_back(f.key, f.list ? joined(f.items) : f.value);
                }
            }
            if (out.summary.empty()) {
                out.summary = description;
            } else if (!description.empty()) {
                out.metadata.emplace_back("description", description);
            }
            auto after = rest.find('\n', end + 1);
            rest = after == std::string_view::npos ? std::string_view() : rest.substr(after + 1);
        }
    }
    // A watermark line from an earlier export is not part of the procedure.
    if (rest.starts_with(kWatermarkPrefix)) {
        const auto nl = rest.find('\n');
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        if (rest.starts_with("\n")) {
            rest.remove_prefix(1);
        } else if (rest.starts_with("\r\n")) {
            rest.remove_prefix(2);
        }
    }
    out.body = std::string(rest);
    if (out.title.empty()) {
        out.title = firstHeading(out.body);
    }
    if (out.title.empty()) {
        out.title = std::string(trimBlank(siteTitle));
    }
    if (out.title.empty()) {
        out.title = readableFileName(file.stem().string());
    }
    return out;
}

namespace {

bool importable(const std::filesystem::path& file)
{
    const std::string ext = lower(file.extension().string());
    return ext == ".md" || ext == ".markdown" || ext == ".txt";
}

std::string htmlDocument(const ExportedSop& sop)
{
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">\n"
        "<title>{0}</title>\n<style>{1}</style>\n</head>\n<body>\n"
        "<div class=\"watermark\">{2}</div>\n<article>\n<h1>{0}</h1>\n{3}</article>\n"
        "<div class=\"watermark\">{2}</div>\n</body>\n</html>\n",
        escapeHtml(sop.title), exportStylesheet(), escapeHtml(sop.watermark), sop.html);
}

std::string markdownDocument(const ExportedSop& sop)
{
    std::string tags;
    for (const auto& t : sop.tags) {
        tags += (tags.empty() ? "" : ", ") + t;
    }
    // Front matter and the watermark line are what import reads back (and strips).
    return fmt::format(
        "---\ntitle: \"{}\"\ntags: [{}]\n---\n{}{}\n\n{}", sop.title, tags, kWatermarkPrefix,
        sop.watermark.substr(std::string_view("Exported from SOP Vault by ").size()), sop.markdown);
}

} // namespace

// The line on every exported page: who, when, which vault, collection and version.
std::string watermarkText(const Engine& e, std::string_view collection, std::uint64_t version,
                          Timestamp when)
{
    return fmt::format("Exported from SOP Vault by {} on {} · vault {} · {} · "
                       "version {} · not for distribution",
                       e.myName(), formatTime(when), toHex(e.state().vaultId), collection, version);
}

// An export is private to the person who made it (0600, new folders 0700), whatever the umask:
// it is SOP text out of the vault, watermarked but not encrypted.
Result<void> writeNewFile(const std::filesystem::path& file, std::string_view content)
{
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} already exists; choose another path (nothing was written).",
                                file.string()));
    }
    if (file.has_parent_path()) {
        if (auto made = storage::createPrivateDirectories(file.parent_path()); !made) {
            return fail(ErrorCode::Failed,
                        fmt::format("Cannot write {}: {}.", file.string(), made.error().message));
        }
    }
    if (auto written = storage::writeNewPrivateFile(file, crypto::asBytes(content)); !written) {
        return fail(ErrorCode::Failed,
                    fmt::format("Cannot write {}: {}.", file.string(), written.error().message));
    }
    return {};
}

namespace {

// The body as it leaves in one file of an export: a link to a SOP exported beside it points at
// that file (relative, its #anchor kept), a link to any other SOP stays its sopvault:// link with
// the SOP's title after it (when the person may view it), so nothing in the export is dead.
// A reference to one of the SOP's attachments becomes `attachments`' target for its name.
std::string exportedBody(const Engine& e, std::string_view markdown,
                         const std::map<Id, std::filesystem::path>& files,
                         const std::filesystem::path& here,
                         const std::map<std::string, std::string>& attachments = {})
{
    const std::string vault = toHex(e.state().vaultId);
    return rewriteLinks(markdown, [&](const LinkTarget& t) -> std::optional<LinkRewrite> {
        if (!attachments.empty() && t.kind != LinkKind::Autolink && isRelativeTarget(t.url)) {
            if (auto name = attachmentNameFor(t.url)) {
                if (auto found = attachments.find(*name); found != attachments.end()) {
                    return LinkRewrite{found->second, {}};
                }
            }
            return std::nullopt;
        }
        const auto id = parseSopLink(vault, t.url);
        if (!id) {
            return std::nullopt;
        }
        const auto hash = t.url.find('#');
        const std::string fragment(hash == std::string_view::npos ? "" : t.url.substr(hash));
        if (const auto file = files.find(*id); file != files.end()) {
            const auto rel = file->second.lexically_relative(here.parent_path()).generic_string();
            if (t.kind == LinkKind::Autolink) {
                return std::nullopt; // <path> is no link in Markdown; the sopvault:// one stays
            }
            return LinkRewrite{encodeRelativeTarget(rel) + fragment, {}};
        }
        if (t.kind != LinkKind::Link && t.kind != LinkKind::Autolink) {
            return std::nullopt;
        }
        const auto sop = e.state().sops.find(*id);
        if (sop == e.state().sops.end() || !sop->second.problem.empty() ||
            !e.policy().allows(e.me(), Right::View, sop->second.collection)) {
            return std::nullopt;
        }
        auto line = e.headLine(*id, sop->second);
        if (!line) {
            return std::nullopt;
        }
        return LinkRewrite{std::nullopt,
                           fmt::format(" (\"{}\", not in this export)", markdownText(line->title))};
    });
}

std::string base64(std::span<const std::uint8_t> bytes)
{
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) |
                                (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0U) |
                                (i + 2 < bytes.size() ? std::uint32_t{bytes[i + 2]} : 0U);
        out += kAlphabet[(n >> 18) & 63U];
        out += kAlphabet[(n >> 12) & 63U];
        out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63U] : '=';
        out += i + 2 < bytes.size() ? kAlphabet[n & 63U] : '=';
    }
    return out;
}

std::filesystem::path lowerPath(const std::filesystem::path& p)
{
    return lower(p.generic_string());
}

// Opens one attachment of an exported SOP's version (Session::openAttachment).
using OpenAttachment =
    std::function<Result<AttachmentData>(const ExportedSop&, const std::string& name)>;

// Writes the files of an export: each SOP to its file in `files`, its attachments beside it
// where the Markdown's references resolve (the same folder layout as the import that brought
// them), or into "<title> files/" beside it when a reference would leave `root` or meet another
// file of the same name. HTML shows inline images as data: URIs (the page is self-contained
// under its Content-Security-Policy); any other attachment is a file it links to.
Result<void> writeExport(const Engine& e, std::vector<ExportedSop>& docs,
                         const std::map<Id, std::filesystem::path>& files,
                         const std::filesystem::path& root, ExportFormat format,
                         const OpenAttachment& open, ExportReport& report)
{
    std::map<std::filesystem::path, std::string> written; // lower-cased path -> content hash
    for (const auto& [id, file] : files) {
        written.emplace(lowerPath(file), std::string());
    }
    for (ExportedSop& doc : docs) {
        const std::filesystem::path& file = files.at(doc.id);
        const std::filesystem::path dir = file.parent_path();
        std::map<std::string, std::string> targets;
        std::map<std::string, std::string> inlined; // name -> data: URI (HTML's inline images)
        std::vector<std::pair<std::filesystem::path, std::string>> toWrite; // path, name
        for (const AttachmentInfo& a : doc.attachments) {
            if (format == ExportFormat::Html && a.inlineImage) {
                SOPVAULT_TRY(data, open(doc, a.name));
                inlined[a.name] =
                    fmt::format("data:{};base64,{}", a.type, base64(data.bytes.span()));
                continue;
            }
            std::filesystem::path place = dir;
            std::string_view rest = a.name;
            while (!rest.empty()) {
                const auto slash = rest.find('/');
                const std::string_view segment = rest.substr(0, slash);
                place /= segment == ".." ? std::string("..") : safeFileName(segment, 255);
                rest =
                    slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
            }
            place = place.lexically_normal();
            const auto inside = place.lexically_relative(root).generic_string();
            auto taken = written.find(lowerPath(place));
            if (inside.empty() || inside.starts_with("..") ||
                (taken != written.end() && taken->second != a.hash)) {
                const auto leaf = std::filesystem::path(a.name).filename().string();
                const std::filesystem::path aside =
                    dir / (safeFileName(file.stem().string(), 90) + " files");
                place = aside / safeFileName(leaf, 200);
                for (int n = 2; written.contains(lowerPath(place)); ++n) {
                    place = aside / fmt::format("{} {}", n, safeFileName(leaf, 200));
                }
                taken = written.end();
            }
            targets[a.name] = encodeRelativeTarget(place.lexically_relative(dir).generic_string());
            if (taken == written.end()) {
                written.emplace(lowerPath(place), a.hash);
                toWrite.emplace_back(place, a.name);
            }
        }
        doc.markdown = exportedBody(e, doc.markdown, files, file, targets);
        if (format == ExportFormat::Html) {
            // The renderer shows an image only through this mapping: the page's own data: URIs.
            RenderOptions options;
            options.image = [&](std::string_view src) -> std::optional<std::string> {
                const auto name = attachmentNameFor(src);
                if (!name) {
                    return std::nullopt;
                }
                const auto found = inlined.find(*name);
                return found == inlined.end() ? std::nullopt
                                              : std::optional<std::string>(found->second);
            };
            SOPVAULT_TRY(html, renderHtml(doc.markdown, options));
            doc.html = std::move(html);
        }
        SOPVAULT_CHECK(writeNewFile(file, format == ExportFormat::Html ? htmlDocument(doc)
                                                                       : markdownDocument(doc)));
        report.files.push_back(file);
        for (const auto& [place, name] : toWrite) {
            SOPVAULT_TRY(data, open(doc, name));
            SOPVAULT_CHECK(writeNewFile(place, data.bytes.view()));
            report.files.push_back(place);
        }
    }
    return {};
}

} // namespace

std::string_view importOutcomeName(ImportOutcome outcome)
{
    switch (outcome) {
    case ImportOutcome::Added:
        return "added";
    case ImportOutcome::Updated:
        return "updated";
    case ImportOutcome::Unchanged:
        return "unchanged";
    case ImportOutcome::Attachment:
        return "attachment";
    case ImportOutcome::Skipped:
        break;
    }
    return "skipped";
}

Result<ExportFormat> parseExportFormat(std::string_view name)
{
    if (name == "md" || name == "markdown") {
        return ExportFormat::Markdown;
    }
    if (name == "html") {
        return ExportFormat::Html;
    }
    return fail(ErrorCode::Usage,
                fmt::format("Unknown export format '{}'; use md or html (PDF is exported from "
                            "the desktop app).",
                            name));
}

Result<std::vector<Id>> Session::sopsIn(std::string_view collection) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(root, e.collectionByPath(collection));
    std::vector<std::pair<std::string, Id>> found;
    for (const auto& [id, sop] : e.state().sops) {
        if (sop.readable() && e.state().isWithin(sop.collection, root) &&
            e.policy().allows(e.me(), Right::View, sop.collection)) {
            found.emplace_back(e.pathOf(sop.collection), id);
        }
    }
    std::sort(found.begin(), found.end());
    std::vector<Id> out;
    for (const auto& [path, id] : found) {
        out.push_back(id);
    }
    return out;
}

Result<std::vector<ExportedSop>> Session::prepareExport(const std::vector<Id>& sops,
                                                        std::string_view format)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    // Every SOP first: a single one without the right stops the whole export.
    for (const Id& id : sops) {
        SOPVAULT_TRY(sop, e.viewableSop(id));
        if (auto allowed = e.policy().require(e.me(), Right::Export, sop->collection); !allowed) {
            AuditNote denied{"export-denied", id, true, {}};
            denied.detail.title = e.pathOf(sop->collection);
            denied.detail.note = fmt::format("{} export of {} SOP(s) refused", format, sops.size());
            SOPVAULT_CHECK(e.writes().audit(denied));
            return fail(ErrorCode::Denied,
                        fmt::format("You do not have the 'export' right on {}; nothing was "
                                    "exported, and the attempt was recorded.",
                                    e.pathOf(sop->collection)));
        }
    }
    const Timestamp now = e.clock().now();
    std::vector<ExportedSop> out;
    std::string titles;
    for (const Id& id : sops) {
        const SopRecordState& sop = e.state().sops.at(id);
        const std::uint64_t version = sop.versions.back().version;
        SOPVAULT_TRY(content, e.readContent(id, version));
        // Links to other SOPs read as titles with their links (a PDF has no files to point at);
        // the file exports point them at the exported files instead (finishExported).
        SOPVAULT_TRY(listed, attachments(id, version));
        // The version's own images as attachment: URLs, for the front end that lays the page
        // out (the desktop's PDF) to show from the vault; anything else shows its alt text.
        RenderOptions options;
        options.image = [&listed](std::string_view src) -> std::optional<std::string> {
            const auto name = attachmentNameFor(src);
            const bool shown =
                name && std::any_of(listed.begin(), listed.end(), [&](const AttachmentInfo& a) {
                    return a.name == *name && a.inlineImage;
                });
            return shown ? std::optional<std::string>(attachmentUrl(*name)) : std::nullopt;
        };
        SOPVAULT_TRY(html, renderHtml(exportedBody(e, content.body, {}, {}), options));
        ExportedSop x;
        x.id = id;
        x.collection = e.pathOf(sop.collection);
        x.version = version;
        x.watermark = watermarkText(e, x.collection, version, now);
        x.title = std::move(content.title);
        x.tags = std::move(content.tags);
        x.markdown = std::move(content.body);
        x.html = std::move(html);
        x.attachments = std::move(listed);
        titles += fmt::format("{}{} (v{})", titles.empty() ? "" : "; ", x.title, version);
        out.push_back(std::move(x));
    }
    AuditNote note{"export", sops.size() == 1 ? sops.front() : Id{}, sops.size() == 1, {}};
    note.detail.title = titles;
    note.detail.note = fmt::format("{} SOP(s) as {}", sops.size(), format);
    SOPVAULT_CHECK(e.writes().audit(note));
    return out;
}

Result<std::string> Session::watermarkLine(const Id& sopId, std::uint64_t version) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    const std::uint64_t newest = sop->versions.back().version;
    if (version > newest) {
        return fail(ErrorCode::NotFound,
                    fmt::format("This SOP has no version {}; its newest is {}.", version, newest));
    }
    return watermarkText(e, e.pathOf(sop->collection), version == 0 ? newest : version,
                         e.clock().now());
}

Result<ExportReport> Session::exportSop(const Id& sop, ExportFormat format,
                                        const std::filesystem::path& out)
{
    std::error_code ec;
    if (std::filesystem::exists(out, ec)) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} already exists; choose another path (nothing was written).",
                                out.string()));
    }
    SOPVAULT_TRY(docs, prepareExport({sop}, format == ExportFormat::Html ? "html" : "md"));
    ExportReport report;
    SOPVAULT_CHECK(writeExport(
        *m_engine, docs, {{sop, out}}, out.parent_path(), format,
        [this](const ExportedSop& d, const std::string& name) {
            return openAttachment(d.id, d.version, name);
        },
        report));
    report.sops = 1;
    return report;
}

Result<ExportReport> Session::exportCollection(std::string_view collection, ExportFormat format,
                                               const std::filesystem::path& outDir)
{
    std::error_code ec;
    if (std::filesystem::exists(outDir, ec) && !std::filesystem::is_empty(outDir, ec)) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} is not empty; export a collection into a new or empty folder.",
                                outDir.string()));
    }
    SOPVAULT_TRY(root, m_engine->collectionByPath(collection));
    const std::string rootPath = m_engine->pathOf(root);
    SOPVAULT_TRY(ids, sopsIn(collection));
    if (ids.empty()) {
        return fail(ErrorCode::NotFound, fmt::format("{} holds no SOPs you can see.", rootPath));
    }
    SOPVAULT_TRY(docs, prepareExport(ids, format == ExportFormat::Html ? "html" : "md"));
    ExportReport report;
    // Every file's name first: a link to a SOP written later in the loop needs it.
    std::set<std::filesystem::path> used;
    std::map<Id, std::filesystem::path> files;
    const std::string ext = format == ExportFormat::Html ? ".html" : ".md";
    for (const ExportedSop& doc : docs) {
        std::filesystem::path dir = outDir;
        if (doc.collection.size() > rootPath.size()) {
            std::string_view below = std::string_view(doc.collection).substr(rootPath.size() + 1);
            while (!below.empty()) {
                const auto slash = below.find('/');
                dir /= safeFileName(below.substr(0, slash));
                below =
                    slash == std::string_view::npos ? std::string_view() : below.substr(slash + 1);
            }
        }
        const std::string base = safeFileName(doc.title);
        std::filesystem::path file = dir / (base + ext);
        // Case-insensitive disks (Windows, a Mac) see "Reset.md" and "reset.md" as one file.
        for (int n = 2; used.contains(lowerPath(file)); ++n) {
            file = dir / fmt::format("{} ({}){}", base, n, ext);
        }
        used.insert(lowerPath(file));
        files.emplace(doc.id, file);
    }
    SOPVAULT_CHECK(writeExport(
        *m_engine, docs, files, outDir, format,
        [this](const ExportedSop& d, const std::string& name) {
            return openAttachment(d.id, d.version, name);
        },
        report));
    report.sops = docs.size();
    return report;
}

namespace {

// The plan of an import: every candidate file under `dir` in a stable order, without reading
// any yet; what is passed over and why goes into `report`.
// The walk of an import: the files that may be SOPs, and the other regular files, which may be
// the attachments a SOP references (relative paths, forward slashes).
struct ImportWalk
{
    std::vector<std::filesystem::path> files;
    std::set<std::string> others;
    std::map<std::string, std::string> notSops;    // other files the rules say are not SOPs
    std::map<std::string, std::string> siteTitles; // what a site file (mkdocs.yml) calls a page
    std::vector<ImportedFile> skips;               // each file passed over, with its reason
};

// What mkdocs.yml files of the folder call their pages, by path relative to the folder.
void readSiteTitles(const std::filesystem::path& dir, const std::string& rel, ImportWalk& walk)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(dir / rel, ec);
    if (ec || size > kMaxBodyBytes) {
        return;
    }
    std::ifstream in(dir / rel, std::ios::binary);
    const std::string yml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::filesystem::path site = std::filesystem::path(rel).parent_path();
    for (const auto& [page, title] : mkdocsNavTitles(yml)) {
        walk.siteTitles.emplace((site / page).lexically_normal().generic_string(), title);
    }
}

Result<ImportWalk> planImport(const std::filesystem::path& dir, ImportReport& report)
{
    ImportWalk walk;
    std::error_code ec;
    auto it = std::filesystem::recursive_directory_iterator(
        dir, std::filesystem::directory_options::skip_permission_denied, ec);
    if (ec) {
        return fail(ErrorCode::Failed,
                    fmt::format("Cannot read {}: {}.", dir.string(), ec.message()));
    }
    for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            // A walk cut short would import part of the folder and call it the whole.
            return fail(ErrorCode::Failed,
                        fmt::format("Cannot read all of {}: {}; nothing was imported.",
                                    dir.string(), ec.message()));
        }
        const auto& entry = *it;
        const std::string name = entry.path().filename().string();
        // Lexically: relative() would resolve a symbolic link and report its target instead.
        const std::string rel = entry.path().lexically_relative(dir).generic_string();
        // The non-throwing forms: a file that vanishes or cannot be examined is skipped with a
        // reason, never an exception or a silent gap.
        std::error_code statusError;
        const auto linkStatus = entry.symlink_status(statusError);
        if (statusError) {
            report.skipped.push_back({rel, "cannot be examined: " + statusError.message()});
            walk.skips.push_back(
                {rel, {}, {}, ImportOutcome::Skipped, report.skipped.back().reason});
            continue;
        }
        if (name.starts_with('.')) {
            if (std::filesystem::is_directory(linkStatus)) {
                it.disable_recursion_pending();
            }
            continue; // hidden files and folders (.git, .DS_Store) are not SOPs
        }
        if (std::filesystem::is_symlink(linkStatus)) {
            report.skipped.push_back({rel, "a symbolic link (not followed)"});
            walk.skips.push_back(
                {rel, {}, {}, ImportOutcome::Skipped, report.skipped.back().reason});
            continue; // the walk does not follow links, so there is nothing below to prune
        }
        if (!std::filesystem::is_regular_file(linkStatus)) {
            continue;
        }
        const std::string lowerName = lower(name);
        if (lowerName == "mkdocs.yml" || lowerName == "mkdocs.yaml") {
            readSiteTitles(dir, rel, walk);
        }
        auto rule = notASop(rel);
        if (!importable(entry.path())) {
            // Still an attachment when a SOP references it; reported with the rule's reason
            // when none does.
            walk.others.insert(rel);
            if (rule) {
                walk.notSops.emplace(rel, std::move(*rule));
            }
            continue;
        }
        if (rule) {
            report.skipped.push_back({rel, *rule});
            walk.skips.push_back({rel, {}, {}, ImportOutcome::Skipped, std::move(*rule)});
            continue;
        }
        walk.files.push_back(entry.path());
    }
    std::sort(walk.files.begin(), walk.files.end());
    return walk;
}

struct Candidate
{
    SopFile parsed;
    std::vector<std::string> tags;
};

// One file read and checked as a SOP; the reason it is not one otherwise (a skip, not an error).
std::expected<Candidate, std::string> readCandidate(const std::filesystem::path& file,
                                                    std::string_view siteTitle)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) {
        return std::unexpected("cannot be read");
    }
    if (size > kMaxBodyBytes) {
        return std::unexpected("over the 1 MiB size cap");
    }
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
        return std::unexpected("cannot be read");
    }
    if (text.find('\0') != std::string::npos) {
        return std::unexpected("binary, not text");
    }
    if (!isValidUtf8(text)) {
        return std::unexpected("not UTF-8 text (convert it to UTF-8 first)");
    }
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.erase(0, 3); // a byte-order mark is not content
    }
    Candidate out{parseSopFile(std::move(text), file.filename().string(), siteTitle), {}};
    if (out.parsed.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return std::unexpected("empty");
    }
    if (!validateTitle(out.parsed.title)) {
        return std::unexpected("its title is not usable (too long or control characters)");
    }
    auto tags = normaliseTags(out.parsed.tags);
    if (!tags) {
        return std::unexpected(tags.error().message);
    }
    out.tags = std::move(*tags);
    return out;
}

// One file the import will write: what it says, where it goes, and the SOP it becomes (an id
// chosen before anything is written, so other files can link to it).
struct PlannedFile
{
    std::string rel; // relative to the imported folder, forward slashes
    Candidate candidate;
    std::string target; // collection path
    Id id{};
    std::vector<AttachmentFile> attachments;  // the files its Markdown references
    std::vector<std::string> attachmentPaths; // where they are, relative to the folder
};

// The SOPs already in one target collection: by title, and by the file each came from.
struct KnownSops
{
    std::map<std::string, Id> byTitle;
    std::map<std::string, Id> byPath;
    std::map<Id, std::string> pathOf;
};

// The writing half of one import, inside its transaction: first every file read and named
// (plan), then each written with its links to other imported files made sopvault:// links.
class Importer
{
public:
    // `addAs` is Session::addSopAs, which is not public: only an import chooses ids.
    using AddAs = std::function<Result<Id>(const NewSop&, const Id&)>;
    Importer(Session& session, AddAs addAs, const Engine& engine, const std::filesystem::path& dir,
             std::string rootPath, const ImportWalk& walk, ImportReport& report)
        : m_session(session), m_addAs(std::move(addAs)), m_e(engine), m_dir(dir),
          m_root(std::move(rootPath)), m_walk(walk), m_others(walk.others), m_report(report)
    {
        for (const auto& file : walk.files) {
            m_importing.insert(file.lexically_relative(dir).generic_string());
        }
        for (const ImportedFile& skip : walk.skips) {
            m_files.emplace(skip.path, skip);
        }
    }

    Result<Id> collection(const std::string& path)
    {
        if (auto known = m_collections.find(path); known != m_collections.end()) {
            return known->second;
        }
        SOPVAULT_TRY(id, m_session.ensureCollectionPath(path, &m_report.collectionsCreated));
        m_collections[path] = id;
        return id;
    }

    // Reads one file and names its SOP; a file that is not a SOP is skipped with its reason.
    void plan(const std::filesystem::path& file, const std::string& rel)
    {
        const auto site = m_walk.siteTitles.find(rel);
        auto candidate =
            readCandidate(file, site == m_walk.siteTitles.end() ? "" : site->second.c_str());
        if (!candidate) {
            skip(rel, candidate.error());
            return;
        }
        std::string target = m_root;
        const auto folder = file.parent_path().lexically_relative(m_dir).generic_string();
        if (!folder.empty() && folder != ".") {
            auto sub = normalisePath(folder);
            if (!sub) {
                skip(rel, sub.error().message);
                return;
            }
            target += "/" + *sub;
        }
        PlannedFile planned{rel, std::move(*candidate), target, {}, {}, {}};
        if (auto files = referencedFiles(planned); !files) {
            skip(rel, files.error().message);
            return;
        }
        // The SOP this file became before (by the path it came from), else the SOP of the same
        // title in the same collection, in this import or in the vault; else a new one.
        const std::string& title = planned.candidate.parsed.title;
        const auto key = std::make_pair(target, title);
        if (auto existing = existingSop(target, rel, title)) {
            planned.id = *existing;
        } else if (auto seen = m_named.find(key); seen != m_named.end()) {
            planned.id = seen->second;
        } else {
            planned.id = randomId();
        }
        m_named.emplace(key, planned.id);
        m_byPath.emplace(rel, planned.id);
        for (const auto& [k, v] : planned.candidate.parsed.metadata) {
            m_report.metadataKept[k] += 1;
        }
        for (const std::string& a : planned.attachmentPaths) {
            m_files.try_emplace(a,
                                ImportedFile{a, planned.id, title, ImportOutcome::Attachment, {}});
        }
        m_planned.push_back(std::move(planned));
    }

    // Every file of the folder and what became of it, sorted by path.
    [[nodiscard]] std::vector<ImportedFile> files() const
    {
        std::vector<ImportedFile> out;
        for (const auto& [path, file] : m_files) {
            out.push_back(file);
        }
        return out;
    }

    // The files no SOP references, once per folder and kind: a folder of 300 screenshots is
    // one line, not 300.
    void reportUnreferenced()
    {
        std::map<std::pair<std::string, std::string>, std::size_t> counts;
        for (const std::string& rel : m_others) {
            if (m_referenced.contains(rel)) {
                continue;
            }
            if (auto rule = m_walk.notSops.find(rel); rule != m_walk.notSops.end()) {
                skip(rel, rule->second);
                continue;
            }
            m_files.emplace(rel, ImportedFile{rel,
                                              {},
                                              {},
                                              ImportOutcome::Skipped,
                                              "not a SOP, and no imported SOP references it"});
            const auto folder = std::filesystem::path(rel).parent_path().generic_string();
            counts[{folder.empty() ? std::string(".") : folder, kindOf(m_dir / rel)}] += 1;
        }
        for (const auto& [where, n] : counts) {
            m_report.skipped.push_back(
                {where.first, fmt::format("{} {} file(s) that no imported SOP references (not "
                                          "imported)",
                                          n, where.second)});
        }
    }

    [[nodiscard]] std::size_t plannedCount() const { return m_planned.size(); }
    [[nodiscard]] const std::string& plannedPath(std::size_t i) const { return m_planned[i].rel; }

    // Writes the i-th planned file. A file the vault refuses as bad input is skipped with its
    // reason; any other failure ends the import (the caller rolls it back).
    Result<void> write(std::size_t i)
    {
        PlannedFile& p = m_planned[i];
        p.candidate.parsed.body = linkedBody(p);
        SOPVAULT_TRY(collectionId, collection(p.target));
        auto written = write(p, collectionId);
        if (!written && written.error().code == ErrorCode::Usage) {
            skip(p.rel, written.error().message);
            for (const std::string& a : p.attachmentPaths) {
                if (auto f = m_files.find(a); f != m_files.end() && f->second.id == p.id) {
                    f->second = {a,
                                 {},
                                 {},
                                 ImportOutcome::Skipped,
                                 "referenced only by a file that was skipped"};
                }
            }
            return {};
        }
        return written;
    }

private:
    void skip(const std::string& rel, std::string reason)
    {
        m_report.skipped.push_back({rel, reason});
        m_files.insert_or_assign(
            rel, ImportedFile{rel, {}, {}, ImportOutcome::Skipped, std::move(reason)});
    }

    // The SOP of the collection at `path` that came from the file `rel`, else the one of this
    // title unless it came from another file of this import (that file updates it instead).
    std::optional<Id> existingSop(const std::string& path, const std::string& rel,
                                  const std::string& title)
    {
        auto collectionId = m_e.collectionByPath(path);
        if (!collectionId) {
            return std::nullopt;
        }
        const KnownSops& known = knownIn(*collectionId);
        if (auto byPath = known.byPath.find(rel); byPath != known.byPath.end()) {
            return byPath->second;
        }
        const auto found = known.byTitle.find(title);
        if (found == known.byTitle.end()) {
            return std::nullopt;
        }
        const auto from = known.pathOf.find(found->second);
        if (from != known.pathOf.end() && from->second != rel &&
            m_importing.contains(from->second)) {
            return std::nullopt;
        }
        return found->second;
    }

    // The files of the folder a SOP's Markdown references (images, <img src>, and links to
    // files that are not SOPs), read as attachments named as the Markdown writes them.
    Result<void> referencedFiles(PlannedFile& p)
    {
        const auto& out = p.attachments;
        const std::filesystem::path from = std::filesystem::path(p.rel).parent_path();
        for (const LinkTarget& t : linkTargets(p.candidate.parsed.body)) {
            if (t.kind == LinkKind::Autolink || !isRelativeTarget(t.url)) {
                continue;
            }
            const RelativeTarget split = splitRelativeTarget(t.url);
            if (split.path.empty()) {
                continue;
            }
            const std::string resolved = (from / split.path).lexically_normal().generic_string();
            if (!m_others.contains(resolved)) {
                continue; // a SOP, a file outside the folder, or nothing at all
            }
            auto name = normaliseAttachmentName(split.path);
            if (!name || std::any_of(out.begin(), out.end(),
                                     [&](const AttachmentFile& f) { return f.name == *name; })) {
                continue;
            }
            // A file over the vault's cap stays out, said once; its SOP comes in without it
            // (the reference shows as its text). The cap for all of a SOP's files together is
            // checked when the SOP is written.
            const std::uint64_t cap = m_e.state().attachmentFileMb;
            std::error_code sizeError;
            if (const auto size = std::filesystem::file_size(m_dir / resolved, sizeError);
                !sizeError && size > cap * 1024 * 1024) {
                m_referenced.insert(resolved);
                if (!m_files.contains(resolved)) {
                    skip(resolved,
                         fmt::format("larger than the {} MB an attachment may be; the SOPs that "
                                     "reference it came in without it (an owner can raise the "
                                     "cap: sopvault-cli sop attachment-caps --file-mb N)",
                                     cap));
                }
                continue;
            }
            // Reading is bounded too: a file that grew since cannot take all memory.
            auto bytes =
                storage::readWholeFile(m_dir / resolved, kMaxAttachmentCapMb * 1024 * 1024);
            if (!bytes) {
                return fail(ErrorCode::Usage,
                            fmt::format("{} cannot be read, or is larger than any attachment cap "
                                        "({} MB)",
                                        resolved, kMaxAttachmentCapMb));
            }
            m_referenced.insert(resolved);
            p.attachmentPaths.push_back(resolved);
            p.attachments.push_back({std::move(*name), std::move(*bytes)});
        }
        return {};
    }

    // What a file is, from its first bytes (as attachments are typed), for the report.
    static std::string kindOf(const std::filesystem::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        crypto::Bytes head(4096);
        in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
        return sniffType(head);
    }

    // The body with each relative link to another imported file made that SOP's sopvault://
    // link, its #anchor kept. Images and links to anything else stay as written.
    std::string linkedBody(const PlannedFile& p) const
    {
        const std::string vault = toHex(m_e.state().vaultId);
        const std::filesystem::path from = std::filesystem::path(p.rel).parent_path();
        return rewriteLinks(
            p.candidate.parsed.body, [&](const LinkTarget& t) -> std::optional<LinkRewrite> {
                if (t.kind == LinkKind::Image || t.kind == LinkKind::HtmlSrc ||
                    !isRelativeTarget(t.url)) {
                    return std::nullopt;
                }
                const RelativeTarget split = splitRelativeTarget(t.url);
                if (split.path.empty()) {
                    return std::nullopt;
                }
                const std::string resolved =
                    (from / split.path).lexically_normal().generic_string();
                const auto found = m_byPath.find(resolved);
                if (found == m_byPath.end()) {
                    return std::nullopt;
                }
                return LinkRewrite{sopLink(vault, found->second) + split.fragment, {}};
            });
    }

    Result<void> write(PlannedFile& p, const Id& collectionId)
    {
        const Candidate& c = p.candidate;
        const SopFile& f = c.parsed;
        if (m_e.state().sops.contains(p.id)) {
            const auto& sop = m_e.state().sops.at(p.id);
            const std::uint64_t head = sop.versions.back().version;
            auto content = m_e.readContent(p.id, head);
            auto had = m_session.attachments(p.id, head);
            SopEdit edit;
            if (had) {
                for (const AttachmentInfo& old : *had) {
                    if (std::none_of(p.attachments.begin(), p.attachments.end(),
                                     [&](const AttachmentFile& a) { return a.name == old.name; })) {
                        edit.removeAttachments.push_back(old.name);
                    }
                }
            }
            for (AttachmentFile& a : p.attachments) {
                const std::string hash = crypto::toHex(crypto::hash32(a.bytes));
                const bool same =
                    had && std::any_of(had->begin(), had->end(), [&](const AttachmentInfo& old) {
                        return old.name == a.name && old.hash == hash;
                    });
                if (!same) {
                    edit.addAttachments.push_back(std::move(a));
                }
            }
            if (content && content->title == f.title && content->body == f.body &&
                content->tags == c.tags && content->summary == f.summary &&
                // A SOP written in the vault (no source path) that the file says exactly is
                // unchanged: the path alone is not worth a version; the next change records it.
                (content->sourcePath == p.rel || content->sourcePath.empty()) &&
                content->metadata == f.metadata && edit.addAttachments.empty() &&
                edit.removeAttachments.empty()) {
                m_report.unchanged += 1;
                record(p, ImportOutcome::Unchanged);
                return {};
            }
            edit.title = f.title;
            edit.body = f.body;
            edit.tags = c.tags;
            edit.summary = f.summary;
            edit.sourcePath = p.rel;
            edit.metadata = f.metadata;
            edit.message = fmt::format("Re-imported from {}", p.rel);
            SOPVAULT_CHECK(m_session.editSop(p.id, edit));
            m_report.updated += 1;
            record(p, ImportOutcome::Updated);
            return {};
        }
        NewSop n;
        n.collection = p.target;
        n.title = f.title;
        n.body = f.body;
        n.tags = c.tags;
        n.reviewEveryDays = f.reviewEveryDays;
        n.message = fmt::format("Imported from {}", p.rel);
        n.attachments = std::move(p.attachments);
        n.summary = f.summary;
        n.sourcePath = p.rel;
        n.metadata = f.metadata;
        SOPVAULT_CHECK(m_addAs(n, p.id));
        (void)collectionId;
        m_report.imported += 1;
        record(p, ImportOutcome::Added);
        return {};
    }

    void record(const PlannedFile& p, ImportOutcome outcome)
    {
        m_files.insert_or_assign(p.rel,
                                 ImportedFile{p.rel, p.id, p.candidate.parsed.title, outcome, {}});
    }

    // The SOPs already in a target collection, read once per collection.
    const KnownSops& knownIn(const Id& target)
    {
        auto [entry, inserted] = m_known.try_emplace(target);
        if (inserted) {
            for (const auto& [id, sop] : m_e.state().sops) {
                if (sop.collection == target && sop.problem.empty() && !sop.versions.empty()) {
                    if (auto content = m_e.headLine(id, sop)) {
                        entry->second.byTitle.emplace(content->title, id);
                        if (!content->sourcePath.empty()) {
                            entry->second.byPath.emplace(content->sourcePath, id);
                            entry->second.pathOf.emplace(id, content->sourcePath);
                        }
                    }
                }
            }
        }
        return entry->second;
    }

    Session& m_session;
    AddAs m_addAs;
    const Engine& m_e;
    const std::filesystem::path& m_dir;
    std::string m_root;
    const ImportWalk& m_walk;
    const std::set<std::string>& m_others;
    std::set<std::string> m_importing; // the relative paths of the files that may be SOPs
    std::map<std::string, ImportedFile> m_files;
    std::set<std::string> m_referenced;
    ImportReport& m_report;
    std::vector<PlannedFile> m_planned;
    std::map<std::pair<std::string, std::string>, Id> m_named; // (collection, title)
    std::map<std::string, Id> m_byPath;                        // relative path of each file
    std::map<std::string, Id> m_collections;
    std::map<Id, KnownSops> m_known;
};

} // namespace

Result<ImportReport>
Session::importFolder(const std::filesystem::path& dir, std::string_view collection,
                      const std::function<bool(const ImportProgress&)>& progress)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return fail(ErrorCode::NotFound, fmt::format("{} is not a folder.", dir.string()));
    }
    SOPVAULT_TRY(rootPath, normalisePath(collection));
    // Someone who may not add SOPs to an existing target learns it before any progress is shown.
    if (auto existing = e.collectionByPath(rootPath)) {
        SOPVAULT_CHECK(e.policy().require(e.me(), Right::Edit, *existing));
    }
    ImportReport report;
    SOPVAULT_TRY(walk, planImport(dir, report));
    const auto& files = walk.files;

    SOPVAULT_TRY(tx, e.file().beginWrite());
    e.writes().joinBatch(tx);
    struct BatchEnd
    {
        Engine& engine;
        ~BatchEnd() { engine.writes().endBatch(); }
    } batchEnd{e};
    auto abandon = [&](Error error) -> Result<ImportReport> {
        e.writes().endBatch();
        e.file().rollback();
        (void)e.reload();
        return std::unexpected(std::move(error));
    };

    Importer importer(
        *this, [this](const NewSop& n, const Id& id) { return addSopAs(n, id); }, e, dir, rootPath,
        walk, report);
    if (auto ok = importer.collection(rootPath); !ok) {
        return abandon(ok.error());
    }
    for (const auto& file : files) {
        importer.plan(file, file.lexically_relative(dir).generic_string());
    }
    importer.reportUnreferenced();
    const std::size_t total = importer.plannedCount();
    for (std::size_t i = 0; i < total; ++i) {
        if (progress && !progress(ImportProgress{i, total, importer.plannedPath(i)})) {
            return abandon(Error{ErrorCode::Failed, "The import was cancelled; nothing was "
                                                    "imported."});
        }
        if (auto ok = importer.write(i); !ok) {
            return abandon(ok.error());
        }
    }
    AuditNote note{"import", {}, false, {}};
    note.detail.title = rootPath;
    note.detail.note = fmt::format("{} new, {} updated, {} unchanged, {} skipped, from {}",
                                   report.imported, report.updated, report.unchanged,
                                   report.skipped.size(), dir.filename().string());
    e.writes().endBatch(); // the one audit entry of the whole import, in the same transaction
    if (auto ok = e.writes().appendAuditInTransaction(note); !ok) {
        return abandon(ok.error());
    }
    if (auto ok = tx.commit(); !ok) {
        (void)e.reload();
        return std::unexpected(ok.error());
    }
    report.files = importer.files();
    const auto recorded = e.writes().recordSeen();
    if (progress) {
        progress(ImportProgress{total, total, {}});
    }
    SOPVAULT_CHECK(recorded);
    return report;
}

} // namespace sopvault::core
