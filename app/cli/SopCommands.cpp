// SOPs: sop add, list, show, edit, history, diff, restore, archive, link, links, and
// attachments (sop attach, attachments, attachment).
#include "Commands.h"
#include "Presenters.h"
#include "sopvault/core/Links.h"
#include "sopvault/core/Markdown.h"

#include <fmt/format.h>

#include <filesystem>
#include <tuple>

namespace sopvault::cli {
namespace {

std::string link(const core::Session& s, const core::Id& sop)
{
    return core::sopLink(s.vaultId(), sop);
}

void addSopAdd(CLI::App& sop, Runner& r, SopOptions& o)
{
    auto* add = sop.add_subcommand("add", "Add a SOP; the body comes from --file or stdin");
    add->add_option("COLLECTION", o.collection)->required();
    add->add_option("--title", o.title)->required();
    add->add_option("--file", o.file, "Markdown file (default: stdin)");
    add->add_option("--tags", o.tags, "comma-separated tags");
    add->add_option("--review-every", o.reviewEvery, "days between reviews")->capture_default_str();
    add->add_option("--reviewer", o.reviewer, "USER or @ROLE");
    auto* fromTemplate = add->add_option("--template", o.templateName,
                                         "start the body from a template "
                                         "('template list')");
    fromTemplate->excludes("--file");
    add->footer("Example: sopvault-cli --user erin sop add Clients/Acme --title \"Reset a "
                "password\" --file reset.md --tags identity");
    r.withSession(add, [&r, &o](core::Session& s) -> Result<void> {
        core::NewSop n;
        if (!o.templateName.empty()) {
            SOPVAULT_TRY(text, s.templateText(o.templateName));
            n.body = std::move(text);
        } else {
            SOPVAULT_TRY(body, readBody(o.file));
            n.body = std::move(body);
        }
        n.collection = o.collection;
        n.title = o.title;
        n.tags = splitList(o.tags);
        n.reviewEveryDays = o.reviewEvery;
        n.reviewer = o.reviewer;
        SOPVAULT_TRY(id, s.addSop(n));
        r.emit({{{"id", core::toHex(id)}}, say("{}", core::toHex(id))});
        return {};
    });
}

void addSopList(CLI::App& sop, Runner& r, SopOptions& o)
{
    auto* list = sop.add_subcommand("list", "List the SOPs you may view");
    list->add_option("--collection", o.collection);
    list->add_option("--tag", o.tag);
    r.withSession(list, [&r, &o](core::Session& s) -> Result<void> {
        core::SopFilter f;
        if (!o.collection.empty()) {
            f.collection = o.collection;
        }
        if (!o.tag.empty()) {
            f.tag = o.tag;
        }
        SOPVAULT_TRY(sops, s.listSops(f));
        r.emit(presentSopList(sops));
        return {};
    });
}

void addSopShow(CLI::App& sop, Runner& r, SopOptions& o)
{
    auto* show = sop.add_subcommand("show", "Show a SOP (newest version unless --version)");
    show->add_option("SOP", o.sop, "id or exact title")->required();
    show->add_option("--version", o.version);
    show->add_option("--format", o.format, "md|html")->check(CLI::IsMember({"md", "html"}));
    show->add_option("--ticket", o.ticket, "ticket reference for the audit log");
    show->footer(
        "Example: sopvault-cli --user tom sop show \"Reset a password\" --ticket T-1234\n"
        "On a terminal, view is enough; into a pipe or a file it is an export and needs the "
        "export right.");
    r.withSession(show, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_CHECK(requireTerminalOrExport(s, id));
        std::optional<std::uint64_t> v;
        if (o.version != 0) {
            v = o.version;
        }
        SOPVAULT_TRY(view, s.readSop(id, v, o.ticket));
        std::string body = view.body;
        if (o.format == "html") {
            SOPVAULT_TRY(html, core::renderHtml(view.body));
            body = std::move(html);
        }
        r.emit(presentSop(view, body, link(s, view.id)));
        return {};
    });
}

// The options of `sop edit` that were given; an option not given leaves its field alone.
struct EditGiven
{
    CLI::Option* file;
    CLI::Option* title;
    CLI::Option* tags;
    CLI::Option* every;
    CLI::Option* reviewer;
    CLI::Option* state;
};

Result<core::SopEdit> editFrom(const SopOptions& o, const EditGiven& given)
{
    core::SopEdit e;
    if (given.file->count() > 0) {
        SOPVAULT_TRY(body, readBody(o.file));
        e.body = std::move(body);
    }
    if (given.title->count() > 0) {
        e.title = o.title;
    }
    if (given.tags->count() > 0) {
        e.tags = splitList(o.tags);
    }
    if (given.every->count() > 0) {
        e.reviewEveryDays = o.reviewEvery;
    }
    if (given.reviewer->count() > 0) {
        e.reviewer = o.reviewer;
    }
    if (given.state->count() > 0) {
        SOPVAULT_TRY(parsed, core::parseState(o.state));
        e.state = parsed;
    }
    if (!e.body && !e.title && !e.tags && !e.reviewEveryDays && !e.reviewer && !e.state) {
        return usage("Nothing to change: give --file, --title, --tags, --review-every, "
                     "--reviewer or --state.");
    }
    e.message = o.message;
    e.minor = o.minor;
    return e;
}

void addSopEdit(CLI::App& sop, Runner& r, SopOptions& o)
{
    auto* edit = sop.add_subcommand("edit", "Save a new version of a SOP");
    edit->add_option("SOP", o.sop)->required();
    EditGiven given{};
    given.file = edit->add_option("--file", o.file, "new Markdown body ('-' for stdin)");
    given.title = edit->add_option("--title", o.title);
    given.tags = edit->add_option("--tags", o.tags);
    given.every = edit->add_option("--review-every", o.reviewEvery, "days between reviews");
    given.reviewer =
        edit->add_option("--reviewer", o.reviewer, "USER or @ROLE ('' for anyone with review)");
    given.state = edit->add_option("--state", o.state, "draft|published|archived");
    edit->add_option("--message", o.message, "what changed and why");
    edit->add_flag("--minor", o.minor,
                   "a minor change: attestations of the version before carry over");
    edit->footer("Example: sopvault-cli --user erin sop edit \"Reset a password\" --file "
                 "reset.md --message \"add MFA step\"");
    r.withSession(edit, [&r, &o, given](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_TRY(e, editFrom(o, given));
        SOPVAULT_TRY(v, s.editSop(id, e));
        r.emit({{{"id", core::toHex(id)}, {"version", v}}, say("Saved version {}.", v)});
        return {};
    });
}

void addSopHistoryAndDiff(CLI::App& sop, Runner& r, SopOptions& o)
{
    auto* history = sop.add_subcommand("history", "Versions of a SOP");
    history->add_option("SOP", o.sop)->required();
    r.withSession(history, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_TRY(h, s.history(id));
        r.emit(presentHistory(h));
        return {};
    });

    auto* diff = sop.add_subcommand("diff", "Unified diff of versions N and M");
    diff->add_option("SOP", o.sop)->required();
    diff->add_option("N", o.version)->required();
    diff->add_option("M", o.versionTo)->required();
    diff->footer("On a terminal, view is enough; into a pipe or a file it is an export and "
                 "needs the export right.");
    r.withSession(diff, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_CHECK(requireTerminalOrExport(s, id));
        SOPVAULT_TRY(d, s.diff(id, o.version, o.versionTo));
        r.emit(presentDiff(id, o.version, o.versionTo, d));
        return {};
    });
}

void addSopVersions(CLI::App& sop, Runner& r, SopOptions& o)
{
    auto* restore = sop.add_subcommand("restore", "A new version equal to version N");
    restore->add_option("SOP", o.sop)->required();
    restore->add_option("N", o.version)->required();
    r.withSession(restore, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_TRY(v, s.restore(id, o.version));
        r.emit({{{"id", core::toHex(id)}, {"version", v}},
                say("Restored version {} as version {}.", o.version, v)});
        return {};
    });

    auto* archive = sop.add_subcommand("archive", "Archive a SOP (nothing is deleted)");
    archive->add_option("SOP", o.sop)->required();
    r.withSession(archive, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_TRY(v, s.archive(id));
        r.emit({{{"id", core::toHex(id)}, {"version", v}}, say("Archived (version {}).", v)});
        return {};
    });

    auto* sopLink = sop.add_subcommand("link", "The sopvault:// link for a ticket");
    sopLink->add_option("SOP", o.sop)->required();
    r.withSession(sopLink, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        r.emit({{{"id", core::toHex(id)}, {"link", link(s, id)}}, say("{}", link(s, id))});
        return {};
    });

    auto* links = sop.add_subcommand("links", "Links from and to other SOPs");
    links->add_option("SOP", o.sop, "id or exact title")->required();
    links->footer("Example: sopvault-cli --user erin sop links \"P1 major incident\"");
    r.withSession(links, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        SOPVAULT_TRY(found, s.links(id));
        r.emit(presentSopLinks(found, s.vaultId()));
        return {};
    });
}

// The name a file given on the command line is attached under: its path as given when that is
// relative (the way a SOP's Markdown references it), else its file name.
std::string attachmentNameOf(const std::string& file)
{
    const std::filesystem::path p(file);
    return p.is_absolute() ? p.filename().generic_string() : p.generic_string();
}

void addSopAttachments(CLI::App& sop, Runner& r, SopOptions& o)
{
    auto* attach = sop.add_subcommand(
        "attach", "A new version with these files attached (images show inline)");
    attach->add_option("SOP", o.sop)->required();
    attach->add_option("FILE", o.files, "files, named as the SOP's Markdown references them")
        ->required();
    attach->add_option("--message", o.message, "what changed and why");
    attach->footer("Example: sopvault-cli --user erin sop attach \"Reset a password\" "
                   "screenshots/reset-dialog.png");
    r.withSession(attach, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        std::vector<core::AttachmentFile> files;
        for (const std::string& f : o.files) {
            SOPVAULT_TRY(bytes, readBody(f));
            files.push_back({attachmentNameOf(f), crypto::Bytes(bytes.begin(), bytes.end())});
        }
        SOPVAULT_TRY(v, s.attach(id, std::move(files), o.message));
        r.emit({{{"id", core::toHex(id)}, {"version", v}},
                say("Attached {} file(s): version {}.", o.files.size(), v)});
        return {};
    });

    auto* list = sop.add_subcommand("attachments", "List the attachments");
    list->add_option("SOP", o.sop)->required();
    list->add_option("--version", o.version, "a version (default: the newest)");
    r.withSession(list, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        const auto version = o.version == 0 ? std::nullopt : std::optional(o.version);
        SOPVAULT_TRY(items, s.attachments(id, version));
        r.emit(presentAttachments(items));
        return {};
    });

    auto* one = sop.add_subcommand("attachment", "Save one attachment (needs export)");
    one->add_option("SOP", o.sop)->required();
    one->add_option("NAME", o.name, "as `sop attachments` lists it")->required();
    one->add_option("--out", o.out, "a file that does not exist yet")->required();
    one->add_option("--version", o.version, "a version (default: the newest)");
    one->footer("Saving an attachment out of the vault is recorded in the audit log.");
    r.withSession(one, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        const auto version = o.version == 0 ? std::nullopt : std::optional(o.version);
        SOPVAULT_CHECK(s.saveAttachment(id, o.name, o.out, version));
        r.emit({{{"id", core::toHex(id)}, {"name", o.name}, {"out", o.out}},
                say("Saved {} to {}.", o.name, o.out)});
        return {};
    });

    auto* caps = sop.add_subcommand("attachment-caps",
                                    "The largest attachment and the most a SOP version may hold; "
                                    "owners change them (signed, for every replica)");
    auto* fileMb = caps->add_option("--file-mb", o.fileMb, "the largest file, in MB");
    auto* sopMb =
        caps->add_option("--sop-mb", o.sopMb, "the most a SOP version holds, all its files, in MB");
    caps->footer("Example: sopvault-cli --user olivia sop attachment-caps --file-mb 100");
    r.withSession(caps, [&r, &o, fileMb, sopMb](core::Session& s) -> Result<void> {
        auto [fileCap, sopCap] = s.attachmentCaps();
        // Core checks the range (an explicit 0 included); what is not given stays.
        const bool change = fileMb->count() > 0 || sopMb->count() > 0;
        if (change) {
            SOPVAULT_CHECK(s.setAttachmentCaps(fileMb->count() > 0 ? o.fileMb : fileCap,
                                               sopMb->count() > 0 ? o.sopMb : sopCap));
            std::tie(fileCap, sopCap) = s.attachmentCaps();
        }
        r.emit({{{"file_mb", fileCap}, {"sop_mb", sopCap}},
                say("{}: at most {} MB a file and {} MB a SOP version.",
                    change ? "Attachment caps set" : "Attachment caps", fileCap, sopCap)});
        return {};
    });
}

} // namespace

CLI::App* addSopCommands(CLI::App& app, Runner& r, SopOptions& o)
{
    auto* sop = app.add_subcommand("sop", "Standard operating procedures")->require_subcommand(1);
    addSopAdd(*sop, r, o);
    addSopList(*sop, r, o);
    addSopShow(*sop, r, o);
    addSopEdit(*sop, r, o);
    addSopHistoryAndDiff(*sop, r, o);
    addSopVersions(*sop, r, o);
    addSopAttachments(*sop, r, o);
    return sop;
}

} // namespace sopvault::cli
