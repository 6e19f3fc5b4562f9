// The sopvault-cli commands. Each command is a small function over a core Session; rules
// live in core, this file only parses, reads passwords and formats output. Text a person typed
// reaches the terminal only through HumanText; JSON carries it exactly.
#include "Cli.h"

#include "HumanText.h"
#include "Password.h"
#include "ServerCommands.h"
#include "sopvault/core/Markdown.h"
#include "sopvault/core/Vault.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace sopvault::cli {
namespace {

using core::Id;
using json = nlohmann::json;

struct Globals
{
    std::string vault;
    std::string user;
    bool json = false;
    std::string asOf;
    std::string kdf = "moderate";
};

std::unexpected<Error> usage(std::string message)
{
    return fail(ErrorCode::Usage, std::move(message));
}

std::string envOr(const char* name, std::string fallback)
{
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

std::filesystem::path vaultPath(const Globals& g)
{
    if (!g.vault.empty()) {
        return g.vault;
    }
    if (auto env = envOr("SOPVAULT_VAULT", ""); !env.empty()) {
        return env;
    }
    const std::string home = envOr("HOME", ".");
    const std::string data = envOr("XDG_DATA_HOME", home + "/.local/share");
    return std::filesystem::path(data) / "sopvault" / "vault.sopvault";
}

Result<std::string> actingUser(const Globals& g)
{
    if (!g.user.empty()) {
        return g.user;
    }
    if (auto env = envOr("SOPVAULT_USER", ""); !env.empty()) {
        return env;
    }
    return usage("Say who is acting: pass --user NAME or set SOPVAULT_USER.");
}

// A notice for stderr once the command has succeeded.
std::string& pendingNotice()
{
    static std::string notice;
    return notice;
}

core::OpenOptions openOptions()
{
    core::OpenOptions options;
    const std::string home = envOr("HOME", ".");
    options.stateDir =
        std::filesystem::path(envOr("XDG_STATE_HOME", home + "/.local/state")) / "sopvault";
    return options;
}

Result<std::unique_ptr<core::Session>> openSession(const Globals& g)
{
    SOPVAULT_TRY(user, actingUser(g));
    const auto path = vaultPath(g);
    if (!std::filesystem::exists(path)) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no vault at {}; create one with 'sopvault-cli init' "
                                "or pass --vault.",
                                path.string()));
    }
    SOPVAULT_TRY(password, readPassword(user));
    SOPVAULT_TRY(session, core::unlock(path, user, password, openOptions()));
    if (session->firstOpen()) {
        // Said after the command succeeds: a failure must stay one line on stderr.
        pendingNotice() = fmt::format("sopvault-cli: first time this vault is opened here as {}. "
                                      "Its owner key fingerprint is\n    {}\nCheck it with the "
                                      "owner; from now on an older or different copy is refused.\n",
                                      humanLine(user), session->ownerFingerprint());
    }
    return session;
}

// Whether a progress line ("\rImporting 3/10") is drawn on stderr without its newline yet: a
// failure after it must start a line of its own, not be glued to the count.
bool& progressLineOpen()
{
    static bool open = false;
    return open;
}

// Progress only for a person watching a terminal: scripts get one line or nothing.
bool drawsProgress(const Globals& g)
{
    return !g.json && ::isatty(STDERR_FILENO) != 0;
}

void drawProgress(std::string_view what, std::size_t done, std::size_t total)
{
    std::cerr << fmt::format("\r{} {}/{}", what, done, total) << (done == total ? "\n" : "")
              << std::flush;
    progressLineOpen() = done != total;
}

Result<std::string> readBody(const std::string& file)
{
    std::string body;
    if (file.empty() || file == "-") {
        body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            return fail(ErrorCode::NotFound, fmt::format("Cannot read the file {}.", file));
        }
        body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return body;
}

std::vector<std::string> splitList(const std::string& list)
{
    std::vector<std::string> out;
    std::stringstream in(list);
    for (std::string item; std::getline(in, item, ',');) {
        out.push_back(item);
    }
    return out;
}

json rightsJson(core::Rights r)
{
    return r.names();
}

void print(const std::string& text)
{
    std::cout << text << (text.ends_with('\n') ? "" : "\n");
}

// Reading SOP text into a pipe or a file is an export (security.md): without a terminal on
// stdout it needs the export right, and a refusal is audited as export-denied by core.
Result<void> requireTerminalOrExport(core::Session& s, const core::Id& id)
{
    if (::isatty(STDOUT_FILENO) != 0) {
        return {};
    }
    auto allowed = s.checkExport(id);
    if (!allowed && allowed.error().code == ErrorCode::Denied) {
        auto line = s.summary(id);
        return fail(ErrorCode::Denied,
                    fmt::format("Printing SOP text to a pipe or a file is an export, and you do "
                                "not have the export right on {}; run the command in a "
                                "terminal to read it.",
                                line ? line->collection : std::string("its collection")));
    }
    return allowed;
}

// After a list that marked SOPs whose review and flag records failed verification: the
// command still fails (exit 5), so a script never reads a partial list as complete.
Result<void> damagedReviewLog(std::size_t damaged, std::string_view what)
{
    if (damaged == 0) {
        return {};
    }
    return fail(ErrorCode::Integrity,
                fmt::format("The {} of {} SOP(s) cannot be trusted because their review and "
                            "flag records failed verification; run 'verify'.",
                            what, damaged));
}

// Left-aligned columns for plain output. Every cell is a one-line field, escaped here, so a
// newline in a comment or a ticket cannot start a row of its own.
std::string table(const std::vector<std::string>& header,
                  std::vector<std::vector<std::string>> rows)
{
    for (auto& row : rows) {
        for (auto& cell : row) {
            cell = humanLine(cell);
        }
    }
    std::vector<std::size_t> width(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        width[i] = header[i].size();
        for (const auto& row : rows) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string l;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            l += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}  ", cells[i], width[i]);
        }
        while (!l.empty() && l.back() == ' ') {
            l.pop_back();
        }
        out += l + "\n";
    };
    line(header);
    for (const auto& row : rows) {
        line(row);
    }
    return out;
}

// JSON strings must be UTF-8 (dump() throws otherwise); a file name or a message that is not
// is given with its stray bytes as \xNN, everything else exactly as it is.
void makeUtf8Safe(json& doc)
{
    if (doc.is_string()) {
        const auto& text = doc.get_ref<const std::string&>();
        if (!core::isValidUtf8(text)) {
            doc = utf8Safe(text);
        }
    } else if (doc.is_structured()) {
        for (auto& item : doc) {
            makeUtf8Safe(item);
        }
    }
}

class Runner
{
public:
    explicit Runner(Globals& g) : m_g(g) {}

    // Registers a command whose action needs an unlocked session.
    template <typename F>
    void withSession(CLI::App* cmd, F action)
    {
        cmd->callback([this, action] {
            m_action = [this, action]() -> Result<void> {
                SOPVAULT_TRY(session, openSession(m_g));
                return action(*session);
            };
        });
    }
    void plain(CLI::App* cmd, std::function<Result<void>()> action)
    {
        cmd->callback([this, action] { m_action = action; });
    }
    void notYet(CLI::App* cmd, std::string what)
    {
        plain(cmd, [what]() -> Result<void> {
            return fail(
                ErrorCode::Failed,
                fmt::format("'{}' is not available in this version of SOP Vault yet.", what));
        });
    }
    [[nodiscard]] bool hasAction() const { return bool(m_action); }
    Result<void> execute() { return m_action(); }
    void emit(json doc, const std::string& text) const
    {
        if (m_g.json) {
            makeUtf8Safe(doc);
            std::cout << doc.dump(2) << "\n";
        } else {
            print(text);
        }
    }
    [[nodiscard]] const Globals& globals() const { return m_g; }

private:
    Globals& m_g;
    std::function<Result<void>()> m_action;
};

Result<crypto::KdfProfile> kdfOf(const Globals& g)
{
    return crypto::parseKdfProfile(g.kdf);
}

std::string link(const core::Session& s, const Id& sop)
{
    return fmt::format("sopvault://{}/sop/{}", s.vaultId(), core::toHex(sop));
}

void addCommands(CLI::App& app, Runner& r, Globals& g)
{
    // --- init, whoami, passwd, recover ---
    static std::string owner;
    auto* init = app.add_subcommand("init", "Create the vault and its first owner");
    init->add_option("--owner", owner, "the first owner's user name")->required();
    init->add_option("--kdf", g.kdf, "interactive|moderate|sensitive")->capture_default_str();
    init->footer("Example: SOPVAULT_NEW_PASSWORD=... sopvault-cli init --owner olivia");
    r.plain(init, [&r, &g]() -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(g));
        const auto path = vaultPath(g);
        if (std::filesystem::exists(path)) {
            return fail(
                ErrorCode::Failed,
                fmt::format("A vault already exists at {}; nothing was changed.", path.string()));
        }
        SOPVAULT_TRY(password, readNewPassword(owner));
        // With this machine's state folder, so the creator's next open checks the file against
        // the marks made here (an impostor vault with the same owner name is then refused).
        SOPVAULT_TRY(created, core::createVault(path, owner, password, profile, openOptions()));
        // The only time the recovery code is shown; it leaves secure memory only here.
        const std::string code(created.recoveryCode.view());
        r.emit({{"vault_id", created.vaultId},
                {"owner", owner},
                {"recovery_code", code},
                {"owner_fingerprint", created.ownerFingerprint},
                {"path", path.string()}},
               fmt::format("Created vault {} at {}\nOwner: {}\nOwner key fingerprint: {}\n\n"
                           "Recovery code (shown once; write it down and keep it safe, it can "
                           "set a new password for an owner):\n\n    {}\n",
                           created.vaultId, humanLine(path.string()), humanLine(owner),
                           created.ownerFingerprint, code));
        return {};
    });

    auto* whoami = app.add_subcommand("whoami", "Who you are, your roles and grants");
    whoami->footer("Example: sopvault-cli --user tom whoami");
    r.withSession(whoami, [&r](core::Session& s) -> Result<void> {
        json grants = json::array();
        std::vector<std::vector<std::string>> rows;
        for (const auto& gi : s.grantsOf(s.userName())) {
            grants.push_back({{"role", gi.role},
                              {"collection", gi.collection},
                              {"rights", rightsJson(gi.rights)}});
            rows.push_back({gi.role, gi.collection, gi.rights.toString()});
        }
        r.emit({{"user", s.userName()}, {"owner", s.isOwner()}, {"grants", grants}},
               fmt::format("{}{}\n{}", humanLine(s.userName()), s.isOwner() ? " (owner)" : "",
                           rows.empty() ? std::string("No grants.")
                                        : table({"ROLE", "COLLECTION", "RIGHTS"}, rows)));
        return {};
    });

    auto* passwd = app.add_subcommand("passwd", "Change your own password");
    passwd->add_option("--kdf", g.kdf, "interactive|moderate|sensitive")->capture_default_str();
    passwd->footer("Example: SOPVAULT_NEW_PASSWORD=... sopvault-cli --user tom passwd");
    r.withSession(passwd, [&r, &g](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(g));
        SOPVAULT_TRY(pw, readNewPassword(s.userName()));
        SOPVAULT_CHECK(s.changePassword(pw, profile));
        r.emit({{"ok", true}}, "Password changed.");
        return {};
    });

    auto* recover = app.add_subcommand("recover", "Set a new password for an owner with the "
                                                  "recovery code");
    static std::string recoverOwner;
    recover->add_option("OWNER", recoverOwner)->required();
    recover->add_option("--kdf", g.kdf, "interactive|moderate|sensitive")->capture_default_str();
    recover->footer("Example: SOPVAULT_RECOVERY_CODE=... SOPVAULT_NEW_PASSWORD=... "
                    "sopvault-cli recover olivia");
    r.plain(recover, [&r, &g]() -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(g));
        const auto path = vaultPath(g);
        if (!std::filesystem::exists(path)) {
            return fail(ErrorCode::NotFound,
                        fmt::format("There is no vault at {}.", path.string()));
        }
        SOPVAULT_TRY(code, readRecoveryCode());
        SOPVAULT_TRY(pw, readNewPassword(recoverOwner));
        SOPVAULT_CHECK(core::recoverOwner(path, recoverOwner, code, pw, profile, openOptions()));
        r.emit({{"owner", recoverOwner}, {"recovered", true}},
               fmt::format("New password set for {}; the old one no longer works. The recovery "
                           "is recorded in the audit log.",
                           humanLine(recoverOwner)));
        return {};
    });

    // --- users and owners ---
    auto* user = app.add_subcommand("user", "Users")->require_subcommand(1);
    static std::string userName;
    auto* userAdd = user->add_subcommand("add", "Owner: add a user");
    userAdd->add_option("NAME", userName)->required();
    userAdd->add_option("--kdf", g.kdf, "interactive|moderate|sensitive")->capture_default_str();
    userAdd->footer("Example: SOPVAULT_NEW_PASSWORD=... sopvault-cli --user olivia user add tom");
    r.withSession(userAdd, [&r, &g](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(g));
        SOPVAULT_TRY(pw, readNewPassword(userName));
        SOPVAULT_CHECK(s.addUser(userName, pw, profile));
        r.emit({{"user", userName}}, fmt::format("Added user {}.", humanLine(userName)));
        return {};
    });
    auto* userList = user->add_subcommand("list", "List users");
    r.withSession(userList, [&r](core::Session& s) -> Result<void> {
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        for (const auto& u : s.users()) {
            out.push_back({{"user", u.name},
                           {"owner", u.owner},
                           {"removed", u.removed},
                           {"fingerprint", u.fingerprint},
                           {"id", core::toHex(u.id)}});
            rows.push_back(
                {u.name, u.owner ? "owner" : (u.removed ? "removed" : ""), u.fingerprint});
        }
        r.emit(out, table({"USER", "OWNER", "KEY FINGERPRINT"}, rows));
        return {};
    });
    auto* userRemove = user->add_subcommand("remove", "Owner: remove a user and rotate keys");
    userRemove->add_option("NAME", userName)->required();
    userRemove->footer("Example: sopvault-cli --user olivia user remove tom");
    r.withSession(userRemove, [&r](core::Session& s) -> Result<void> {
        const bool draw = drawsProgress(r.globals());
        SOPVAULT_CHECK(s.removeUser(userName, [draw](std::size_t done, std::size_t total) {
            if (draw && total > 0) {
                drawProgress("Rotating collection keys:", done, total);
            }
        }));
        r.emit({{"user", userName}, {"removed", true}},
               fmt::format("Removed {}; every collection key they held was rotated.",
                           humanLine(userName)));
        return {};
    });

    auto* ownerCmd = app.add_subcommand("owner", "Owners")->require_subcommand(1);
    auto* ownerAdd = ownerCmd->add_subcommand("add", "Owner: make another user an owner");
    ownerAdd->add_option("NAME", userName)->required();
    r.withSession(ownerAdd, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_CHECK(s.addOwner(userName));
        r.emit({{"owner", userName}}, fmt::format("{} is now an owner.", humanLine(userName)));
        return {};
    });

    // --- roles ---
    auto* role = app.add_subcommand("role", "Roles")->require_subcommand(1);
    static std::string roleName;
    static std::string roleRights;
    r.withSession(
        role->add_subcommand("list", "List roles"), [&r](core::Session& s) -> Result<void> {
            json out = json::array();
            std::vector<std::vector<std::string>> rows;
            for (const auto& rd : s.roles()) {
                out.push_back({{"role", rd.name},
                               {"rights", rightsJson(rd.rights)},
                               {"built_in", rd.builtIn}});
                rows.push_back({rd.name, rd.rights.toString(), rd.builtIn ? "built-in" : "custom"});
            }
            r.emit(out, table({"ROLE", "RIGHTS", "KIND"}, rows));
            return {};
        });
    auto* roleAdd = role->add_subcommand("add", "Owner: define a custom role");
    roleAdd->add_option("NAME", roleName)->required();
    roleAdd->add_option("--rights", roleRights, "view,edit,export,review,manage")->required();
    roleAdd->footer("Example: sopvault-cli --user olivia role add lead --rights view,edit,export");
    r.withSession(roleAdd, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(rights, core::Rights::parse(roleRights));
        SOPVAULT_CHECK(s.defineRole(roleName, rights));
        r.emit({{"role", roleName}, {"rights", rightsJson(rights)}},
               fmt::format("Role {} = {}.", humanLine(roleName), rights.toString()));
        return {};
    });
    auto* roleRemove = role->add_subcommand("remove", "Owner: remove a custom role");
    roleRemove->add_option("NAME", roleName)->required();
    r.withSession(roleRemove, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_CHECK(s.removeRole(roleName));
        r.emit({{"role", roleName}}, fmt::format("Removed role {}.", humanLine(roleName)));
        return {};
    });

    // --- collections, grants, access ---
    auto* collection = app.add_subcommand("collection", "Collections")->require_subcommand(1);
    static std::string path;
    auto* collectionAdd = collection->add_subcommand("add", "Add a collection (owner, or manage "
                                                            "on the parent)");
    collectionAdd->add_option("PATH", path)->required();
    collectionAdd->footer("Example: sopvault-cli --user olivia collection add Clients/Acme");
    r.withSession(collectionAdd, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.addCollection(path));
        r.emit({{"id", core::toHex(id)}, {"path", path}},
               fmt::format("Added collection {}.", humanLine(path)));
        return {};
    });
    r.withSession(collection->add_subcommand("list", "List collections"),
                  [&r](core::Session& s) -> Result<void> {
                      json out = json::array();
                      std::vector<std::vector<std::string>> rows;
                      for (const auto& c : s.collections()) {
                          out.push_back({{"id", core::toHex(c.id)},
                                         {"path", c.path},
                                         {"readable", c.readable},
                                         {"rights", rightsJson(c.rights)}});
                          rows.push_back({c.path, c.rights.toString(), core::toHex(c.id)});
                      }
                      r.emit(out, table({"COLLECTION", "YOUR RIGHTS", "ID"}, rows));
                      return {};
                  });
    static std::string grantUser;
    static std::string grantRole;
    static std::string grantCollection;
    for (const bool isGrant : {true, false}) {
        auto* cmd = app.add_subcommand(isGrant ? "grant" : "ungrant",
                                       isGrant ? "Grant USER a ROLE on COLLECTION"
                                               : "Take a ROLE on COLLECTION from USER");
        cmd->add_option("USER", grantUser)->required();
        cmd->add_option("ROLE", grantRole)->required();
        cmd->add_option("COLLECTION", grantCollection)->required();
        cmd->footer(fmt::format("Example: sopvault-cli --user olivia {} tom technician Clients",
                                isGrant ? "grant" : "ungrant"));
        r.withSession(cmd, [&r, isGrant](core::Session& s) -> Result<void> {
            SOPVAULT_CHECK(isGrant ? s.grant(grantUser, grantRole, grantCollection)
                                   : s.ungrant(grantUser, grantRole, grantCollection));
            r.emit({{"user", grantUser}, {"role", grantRole}, {"collection", grantCollection}},
                   fmt::format("{} {} {} on {}.", isGrant ? "Granted" : "Ungranted",
                               humanLine(grantUser), humanLine(grantRole),
                               humanLine(grantCollection)));
            return {};
        });
    }
    static std::string target;
    auto* access = app.add_subcommand("access", "Who may do what on a SOP or collection");
    access->add_option("TARGET", target)->required();
    r.withSession(access, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(list, s.access(target));
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        for (const auto& a : list) {
            out.push_back({{"user", a.user},
                           {"role", a.role},
                           {"collection", a.collection},
                           {"rights", rightsJson(a.rights)}});
            rows.push_back({a.user, a.role, a.collection, a.rights.toString()});
        }
        r.emit(out, table({"USER", "ROLE", "GRANTED ON", "RIGHTS"}, rows));
        return {};
    });

    // --- SOPs ---
    auto* sop = app.add_subcommand("sop", "Standard operating procedures")->require_subcommand(1);
    static std::string sopRef, title, file, tags, reviewer, message, format = "md", ticket;
    static std::string sopCollection, sopTag;
    static std::uint32_t reviewEvery = 90;
    static std::uint64_t version = 0, versionTo = 0;

    auto* sopAdd = sop->add_subcommand("add", "Add a SOP; the body comes from --file or stdin");
    sopAdd->add_option("COLLECTION", sopCollection)->required();
    sopAdd->add_option("--title", title)->required();
    sopAdd->add_option("--file", file, "Markdown file (default: stdin)");
    sopAdd->add_option("--tags", tags, "comma-separated tags");
    sopAdd->add_option("--review-every", reviewEvery, "days between reviews")
        ->capture_default_str();
    sopAdd->add_option("--reviewer", reviewer, "USER or @ROLE");
    sopAdd->footer("Example: sopvault-cli --user erin sop add Clients/Acme --title \"Reset a "
                   "password\" --file reset.md --tags identity");
    r.withSession(sopAdd, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(body, readBody(file));
        core::NewSop n;
        n.collection = sopCollection;
        n.title = title;
        n.body = std::move(body);
        n.tags = splitList(tags);
        n.reviewEveryDays = reviewEvery;
        n.reviewer = reviewer;
        SOPVAULT_TRY(id, s.addSop(n));
        r.emit({{"id", core::toHex(id)}}, core::toHex(id));
        return {};
    });

    auto* sopList = sop->add_subcommand("list", "List the SOPs you may view");
    sopList->add_option("--collection", sopCollection);
    sopList->add_option("--tag", sopTag);
    r.withSession(sopList, [&r](core::Session& s) -> Result<void> {
        core::SopFilter f;
        if (!sopCollection.empty()) {
            f.collection = sopCollection;
        }
        if (!sopTag.empty()) {
            f.tag = sopTag;
        }
        SOPVAULT_TRY(list, s.listSops(f));
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        for (const auto& x : list) {
            const std::string due = x.damaged         ? ""
                                    : x.reviewDamaged ? "damaged"
                                                      : core::formatDate(x.reviewDue);
            out.push_back({{"id", core::toHex(x.id)},
                           {"title", x.title},
                           {"collection", x.collection},
                           {"version", x.version},
                           {"updated", x.damaged ? "" : core::formatTime(x.updated)},
                           {"state", x.damaged ? "damaged" : std::string(core::stateName(x.state))},
                           {"review_due", due},
                           {"tags", x.tags}});
            rows.push_back({x.title, x.collection, std::to_string(x.version),
                            x.damaged ? "damaged" : std::string(core::stateName(x.state)),
                            x.damaged ? "" : core::formatDate(x.updated), due, core::toHex(x.id)});
        }
        r.emit(out, list.empty() ? std::string("No SOPs you can see.")
                                 : table({"TITLE", "COLLECTION", "VER", "STATE", "UPDATED",
                                          "REVIEW DUE", "ID"},
                                         rows));
        return {};
    });

    auto* sopShow = sop->add_subcommand("show", "Show a SOP (newest version unless --version)");
    sopShow->add_option("SOP", sopRef, "id or exact title")->required();
    sopShow->add_option("--version", version);
    sopShow->add_option("--format", format, "md|html")->check(CLI::IsMember({"md", "html"}));
    sopShow->add_option("--ticket", ticket, "ticket reference for the audit log");
    sopShow->footer(
        "Example: sopvault-cli --user tom sop show \"Reset a password\" --ticket T-1234\n"
        "On a terminal, view is enough; into a pipe or a file it is an export and needs the "
        "export right.");
    r.withSession(sopShow, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_CHECK(requireTerminalOrExport(s, id));
        std::optional<std::uint64_t> v;
        if (version != 0) {
            v = version;
        }
        SOPVAULT_TRY(view, s.readSop(id, v, ticket));
        std::string body = view.body;
        if (format == "html") {
            SOPVAULT_TRY(html, core::renderHtml(view.body));
            body = std::move(html);
        }
        r.emit({{"id", core::toHex(view.id)},
                {"title", view.title},
                {"collection", view.collection},
                {"version", view.version},
                {"author", view.author},
                {"updated", core::formatTime(view.time)},
                {"tags", view.tags},
                {"state", core::stateName(view.state)},
                {"body", body},
                {"link", link(s, view.id)}},
               fmt::format("# {}\n{} · version {} of {} · {} · {} · {}\n\n{}",
                           humanLine(view.title), humanLine(view.collection), view.version,
                           view.headVersion, humanLine(view.author), core::formatTime(view.time),
                           core::stateName(view.state), humanBlock(body)));
        return {};
    });

    auto* sopEdit = sop->add_subcommand("edit", "Save a new version of a SOP");
    sopEdit->add_option("SOP", sopRef)->required();
    auto* editFile = sopEdit->add_option("--file", file, "new Markdown body ('-' for stdin)");
    auto* editTitle = sopEdit->add_option("--title", title);
    auto* editTags = sopEdit->add_option("--tags", tags);
    auto* editEvery = sopEdit->add_option("--review-every", reviewEvery, "days between reviews");
    auto* editReviewer = sopEdit->add_option("--reviewer", reviewer,
                                             "USER or @ROLE ('' for anyone "
                                             "with review)");
    static std::string state;
    auto* editState = sopEdit->add_option("--state", state, "draft|published|archived");
    sopEdit->add_option("--message", message, "what changed and why");
    sopEdit->footer("Example: sopvault-cli --user erin sop edit \"Reset a password\" --file "
                    "reset.md --message \"add MFA step\"");
    r.withSession(
        sopEdit,
        [&r, editFile, editTitle, editTags, editEvery, editReviewer,
         editState](core::Session& s) -> Result<void> {
            SOPVAULT_TRY(id, s.resolveSop(sopRef));
            core::SopEdit e;
            if (editFile->count() > 0) {
                SOPVAULT_TRY(body, readBody(file));
                e.body = std::move(body);
            }
            if (editTitle->count() > 0) {
                e.title = title;
            }
            if (editTags->count() > 0) {
                e.tags = splitList(tags);
            }
            if (editEvery->count() > 0) {
                e.reviewEveryDays = reviewEvery;
            }
            if (editReviewer->count() > 0) {
                e.reviewer = reviewer;
            }
            if (editState->count() > 0) {
                SOPVAULT_TRY(parsed, core::parseState(state));
                e.state = parsed;
            }
            if (!e.body && !e.title && !e.tags && !e.reviewEveryDays && !e.reviewer && !e.state) {
                return usage("Nothing to change: give --file, --title, --tags, --review-every, "
                             "--reviewer or --state.");
            }
            e.message = message;
            SOPVAULT_TRY(v, s.editSop(id, e));
            r.emit({{"id", core::toHex(id)}, {"version", v}}, fmt::format("Saved version {}.", v));
            return {};
        });

    auto* sopHistory = sop->add_subcommand("history", "Versions of a SOP");
    sopHistory->add_option("SOP", sopRef)->required();
    r.withSession(sopHistory, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_TRY(h, s.history(id));
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        for (const auto& e : h) {
            out.push_back({{"version", e.version},
                           {"author", e.author},
                           {"time", core::formatTime(e.time)},
                           {"message", e.message},
                           {"hash", e.hash}});
            rows.push_back(
                {std::to_string(e.version), core::formatTime(e.time), e.author, e.message});
        }
        r.emit(out, table({"VER", "TIME", "AUTHOR", "MESSAGE"}, rows));
        return {};
    });

    auto* sopDiff = sop->add_subcommand("diff", "Unified diff of versions N and M");
    sopDiff->add_option("SOP", sopRef)->required();
    sopDiff->add_option("N", version)->required();
    sopDiff->add_option("M", versionTo)->required();
    sopDiff->footer("On a terminal, view is enough; into a pipe or a file it is an export and "
                    "needs the export right.");
    r.withSession(sopDiff, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_CHECK(requireTerminalOrExport(s, id));
        SOPVAULT_TRY(d, s.diff(id, version, versionTo));
        r.emit({{"id", core::toHex(id)}, {"from", version}, {"to", versionTo}, {"diff", d}},
               humanBlock(d));
        return {};
    });

    auto* sopRestore = sop->add_subcommand("restore", "A new version equal to version N");
    sopRestore->add_option("SOP", sopRef)->required();
    sopRestore->add_option("N", version)->required();
    r.withSession(sopRestore, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_TRY(v, s.restore(id, version));
        r.emit({{"id", core::toHex(id)}, {"version", v}},
               fmt::format("Restored version {} as version {}.", version, v));
        return {};
    });

    auto* sopArchive = sop->add_subcommand("archive", "Archive a SOP (nothing is deleted)");
    sopArchive->add_option("SOP", sopRef)->required();
    r.withSession(sopArchive, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_TRY(v, s.archive(id));
        r.emit({{"id", core::toHex(id)}, {"version", v}}, fmt::format("Archived (version {}).", v));
        return {};
    });

    auto* sopLink = sop->add_subcommand("link", "The sopvault:// link for a ticket");
    sopLink->add_option("SOP", sopRef)->required();
    r.withSession(sopLink, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        r.emit({{"id", core::toHex(id)}, {"link", link(s, id)}}, link(s, id));
        return {};
    });

    auto* sopFlag = sop->add_subcommand("flag", "Say a SOP is wrong or stale (KCS)");
    sopFlag->add_option("SOP", sopRef)->required();
    sopFlag->add_option("--comment", message, "what is wrong")->required();
    sopFlag->footer("Example: sopvault-cli --user tom sop flag \"Monthly patching\" --comment "
                    "\"step 3 names the old WSUS server\"");
    r.withSession(sopFlag, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_TRY(flagId, s.flag(id, message));
        r.emit({{"id", core::toHex(flagId)}, {"sop", core::toHex(id)}},
               fmt::format("Flagged; editors will see it (flag {}).", core::toHex(flagId)));
        return {};
    });

    static bool allFlags = false;
    auto* sopFlags = sop->add_subcommand("flags", "Open flags on the SOPs you may view");
    sopFlags->add_flag("--all", allFlags, "include resolved flags");
    r.withSession(sopFlags, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(list, s.flags(!allFlags));
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        std::size_t damaged = 0;
        for (const auto& f : list) {
            if (f.damaged) {
                damaged += 1;
                out.push_back({{"sop", core::toHex(f.sop)},
                               {"title", f.sopTitle},
                               {"collection", f.collection},
                               {"damaged", true},
                               {"problem", f.problem}});
                rows.push_back(
                    {f.sopTitle, "", "", "(its flags failed verification)", "damaged", ""});
                continue;
            }
            out.push_back({{"id", core::toHex(f.id)},
                           {"sop", core::toHex(f.sop)},
                           {"title", f.sopTitle},
                           {"collection", f.collection},
                           {"version", f.version},
                           {"author", f.author},
                           {"time", core::formatTime(f.time)},
                           {"comment", f.comment},
                           {"resolved", f.resolved},
                           {"resolved_by", f.resolvedBy},
                           {"resolution", f.resolution}});
            rows.push_back({f.sopTitle, f.author, core::formatDate(f.time), f.comment,
                            f.resolved ? "resolved" : "open", core::toHex(f.id)});
        }
        r.emit(out, list.empty() ? std::string("No open flags.")
                                 : table({"SOP", "BY", "DATE", "COMMENT", "STATE", "FLAG"}, rows));
        return damagedReviewLog(damaged, "flags");
    });

    static std::string flagRef;
    auto* sopResolve = sop->add_subcommand("resolve", "Editors: resolve a flag with a note");
    sopResolve->add_option("FLAG", flagRef, "flag id (from 'sop flags')")->required();
    sopResolve->add_option("--note", message, "what was done")->required();
    r.withSession(sopResolve, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, core::idFromHex(flagRef));
        SOPVAULT_CHECK(s.resolveFlag(id, message));
        r.emit({{"id", flagRef}, {"resolved", true}}, "Flag resolved.");
        return {};
    });

    // --- reviews ---
    auto* review = app.add_subcommand("review", "Quarterly reviews")->require_subcommand(1);
    static std::uint32_t within = 0;
    static std::string decision, quarter;
    auto* reviewDue =
        review->add_subcommand("due", "Due, due-soon and overdue SOPs you may review");
    auto* withinOpt = reviewDue->add_option("--within", within, "list what is due within DAYS");
    reviewDue->footer("Example: sopvault-cli --user rita --as-of 2027-03-01 review due");
    r.withSession(reviewDue, [&r, withinOpt](core::Session& s) -> Result<void> {
        core::Timestamp asOf = s.now();
        if (!r.globals().asOf.empty()) {
            SOPVAULT_TRY(t, core::parseDate(r.globals().asOf));
            asOf = t;
        }
        std::optional<std::uint32_t> w;
        if (withinOpt->count() > 0) {
            w = within;
        }
        SOPVAULT_TRY(list, s.reviewsDue(asOf, w));
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        std::size_t damaged = 0;
        for (const auto& item : list) {
            if (item.damaged) {
                damaged += 1;
                out.push_back({{"id", core::toHex(item.id)},
                               {"title", item.title},
                               {"collection", item.collection},
                               {"due", ""},
                               {"status", "damaged"},
                               {"reviewer", item.reviewer},
                               {"version", item.headVersion},
                               {"problem", item.problem}});
                rows.push_back(
                    {item.title, item.collection, "", "damaged", "", "", core::toHex(item.id)});
                continue;
            }
            out.push_back({{"id", core::toHex(item.id)},
                           {"title", item.title},
                           {"collection", item.collection},
                           {"due", core::formatDate(item.due)},
                           {"status", core::statusName(item.status)},
                           {"reviewer", item.reviewer},
                           {"version", item.headVersion},
                           {"last_approved_version",
                            item.lastApprovedVersion ? json(*item.lastApprovedVersion) : json()},
                           {"changed_since_review", item.changedSinceReview},
                           {"open_flags", item.openFlags}});
            rows.push_back({item.title, item.collection, core::formatDate(item.due),
                            std::string(core::statusName(item.status)),
                            item.changedSinceReview ? "changed" : "",
                            item.openFlags > 0 ? std::to_string(item.openFlags) : "",
                            core::toHex(item.id)});
        }
        r.emit(out,
               list.empty()
                   ? fmt::format("Nothing due for review as of {}.", core::formatDate(asOf))
                   : table({"TITLE", "COLLECTION", "DUE", "STATUS", "SINCE REVIEW", "FLAGS", "ID"},
                           rows));
        return damagedReviewLog(damaged, "review status");
    });

    auto* signoff = review->add_subcommand("signoff", "Approve or request changes to a SOP");
    signoff->add_option("SOP", sopRef)->required();
    signoff->add_option("--decision", decision, "approved|changes-requested")->required();
    signoff->add_option("--comment", message);
    signoff->footer("Example: sopvault-cli --user rita review signoff \"Monthly patching\" "
                    "--decision approved --comment \"checked against the new WSUS\"");
    r.withSession(signoff, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(d, core::parseDecision(decision));
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_CHECK(s.signOff(id, d, message));
        r.emit({{"id", core::toHex(id)}, {"decision", decision}},
               fmt::format("Signed off: {}.", decision));
        return {};
    });

    auto* reviewHistory = review->add_subcommand("history", "Sign-offs of a SOP");
    reviewHistory->add_option("SOP", sopRef)->required();
    r.withSession(reviewHistory, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(id, s.resolveSop(sopRef));
        SOPVAULT_TRY(list, s.reviewHistory(id));
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        for (const auto& rec : list) {
            out.push_back({{"version", rec.version},
                           {"reviewer", rec.reviewer},
                           {"decision", core::decisionName(rec.decision)},
                           {"comment", rec.comment},
                           {"time", core::formatTime(rec.time)}});
            rows.push_back({core::formatTime(rec.time), std::to_string(rec.version), rec.reviewer,
                            std::string(core::decisionName(rec.decision)), rec.comment});
        }
        r.emit(out, list.empty() ? std::string("No sign-offs yet.")
                                 : table({"TIME", "VER", "REVIEWER", "DECISION", "COMMENT"}, rows));
        return {};
    });

    auto* reviewReport =
        review->add_subcommand("report", "What was signed off in a quarter, what was "
                                         "missed");
    reviewReport->add_option("--quarter", quarter, "YYYY-QN")->required();
    reviewReport->footer("Example: sopvault-cli --user olivia review report --quarter 2027-Q1");
    r.withSession(reviewReport, [&r](core::Session& s) -> Result<void> {
        core::Timestamp asOf = s.now();
        if (!r.globals().asOf.empty()) {
            SOPVAULT_TRY(t, core::parseDate(r.globals().asOf));
            asOf = t;
        }
        SOPVAULT_TRY(rows, s.quarterReport(quarter, asOf));
        json out = json::array();
        std::vector<std::vector<std::string>> dueCells;
        std::vector<std::vector<std::string>> signoffCells;
        for (const auto& row : rows) {
            out.push_back(
                {{"id", core::toHex(row.sop)},
                 {"title", row.title},
                 {"collection", row.collection},
                 {"due", core::formatDate(row.due)},
                 {"outcome", row.outcome},
                 {"signed_by", row.signedBy},
                 {"signed_at", row.signedAt ? json(core::formatTime(*row.signedAt)) : json()},
                 {"version", row.version ? json(*row.version) : json()},
                 {"kind", core::quarterRowKindName(row.kind)},
                 {"decision", row.decision ? json(core::decisionName(*row.decision)) : json()}});
            const std::string on = row.signedAt ? core::formatDate(*row.signedAt) : std::string();
            const std::string signedVersion = row.version ? std::to_string(*row.version) : "";
            if (row.kind == core::QuarterRowKind::Signoff) {
                signoffCells.push_back({on, row.title, row.collection, signedVersion, row.outcome,
                                        row.signedBy, core::formatDate(row.due)});
            } else {
                dueCells.push_back({row.title, row.collection, core::formatDate(row.due),
                                    row.outcome, row.signedBy, on});
            }
        }
        // What was due and what became of it, then every sign-off made in the quarter: an
        // approval in a quarter with nothing due still shows.
        std::string text =
            dueCells.empty()
                ? fmt::format("Nothing was due in {}.", humanLine(quarter))
                : fmt::format("Due in {}:\n{}", quarter,
                              table({"TITLE", "COLLECTION", "DUE", "OUTCOME", "SIGNED BY", "ON"},
                                    dueCells));
        text += signoffCells.empty()
                    ? fmt::format("\nNothing was signed off in {}.", humanLine(quarter))
                    : fmt::format("\nSigned off in {}:\n{}", quarter,
                                  table({"ON", "TITLE", "COLLECTION", "VER", "DECISION", "REVIEWER",
                                         "WAS DUE"},
                                        signoffCells));
        r.emit(out, text);
        return {};
    });

    // --- search, import, export ---
    static std::string query;
    static std::size_t limit = 20;
    auto* search = app.add_subcommand("search", "Full-text search over what you may view");
    search->add_option("QUERY", query, "words; each matches as a prefix")->required();
    search->add_option("--collection", sopCollection, "only in this collection and below");
    search->add_option("--tag", sopTag);
    search->add_option("--limit", limit)->capture_default_str();
    search->footer("Example: sopvault-cli --user tom search \"password reset\"");
    r.withSession(search, [&r](core::Session& s) -> Result<void> {
        core::SearchQuery q;
        q.text = query;
        q.limit = limit;
        if (!sopCollection.empty()) {
            q.collection = sopCollection;
        }
        if (!sopTag.empty()) {
            q.tag = sopTag;
        }
        SOPVAULT_TRY(hits, s.search(q));
        json out = json::array();
        std::string text;
        for (const auto& h : hits) {
            out.push_back({{"id", core::toHex(h.id)},
                           {"title", h.title},
                           {"collection", h.collection},
                           {"snippet", h.snippet},
                           {"score", h.score},
                           {"state", core::stateName(h.state)},
                           {"tags", h.tags}});
            text += fmt::format("{}  ({})  {}\n    {}\n", humanLine(h.title),
                                humanLine(h.collection), core::toHex(h.id), humanLine(h.snippet));
        }
        r.emit(out, hits.empty()
                        ? fmt::format("Nothing you can see matches '{}'.", humanLine(query))
                        : text);
        return {};
    });

    static std::string importDir;
    auto* importCmd = app.add_subcommand("import", "Import a folder of .md/.markdown/.txt files; "
                                                   "subfolders become collections");
    importCmd->add_option("DIR", importDir)->required()->check(CLI::ExistingDirectory);
    importCmd->add_option("--collection", sopCollection, "where to put them")->required();
    importCmd->footer("Example: sopvault-cli --user olivia import /mnt/shared/SOPs --collection "
                      "Imported");
    r.withSession(importCmd, [&r](core::Session& s) -> Result<void> {
        const bool draw = drawsProgress(r.globals());
        SOPVAULT_TRY(
            report, s.importFolder(importDir, sopCollection, [draw](const core::ImportProgress& p) {
                if (draw && p.total > 0) {
                    drawProgress("Importing", p.done, p.total);
                }
                return true;
            }));
        nlohmann::json skipped = nlohmann::json::array();
        std::string text = fmt::format("Imported {} new SOP(s), updated {}, {} unchanged.\n",
                                       report.imported, report.updated, report.unchanged);
        for (const auto& c : report.collectionsCreated) {
            text += fmt::format("  new collection  {}\n", humanLine(c));
        }
        for (const auto& k : report.skipped) {
            skipped.push_back({{"path", k.path}, {"reason", k.reason}});
            text += fmt::format("  skipped  {}: {}\n", humanLine(k.path), humanLine(k.reason));
        }
        r.emit({{"imported", report.imported},
                {"updated", report.updated},
                {"unchanged", report.unchanged},
                {"collections_created", report.collectionsCreated},
                {"skipped", skipped}},
               text);
        return {};
    });

    static std::string exportOut;
    static std::string exportFormat;
    static std::string exportSopRef;
    auto* exportCmd = app.add_subcommand("export", "Export with rights and a watermark (md or "
                                                   "html; PDF from the desktop app)");
    exportCmd->add_option("SOP", exportSopRef, "id or exact title");
    exportCmd->add_option("--collection", sopCollection, "export a collection as a folder tree");
    exportCmd->add_option("--format", exportFormat, "md|html|pdf")->required();
    exportCmd->add_option("--out", exportOut, "file (one SOP) or folder (a collection)")
        ->required();
    exportCmd->footer("Example: sopvault-cli --user olivia export \"P1 major incident\" --format "
                      "html --out p1.html");
    r.withSession(exportCmd, [&r](core::Session& s) -> Result<void> {
        if (exportSopRef.empty() == sopCollection.empty()) {
            return usage("Name either one SOP or --collection C to export.");
        }
        if (exportFormat == "pdf") {
            return usage("PDF export is done from the desktop app (File > Export); use md or "
                         "html here.");
        }
        SOPVAULT_TRY(kind, core::parseExportFormat(exportFormat));
        core::ExportReport report;
        if (!exportSopRef.empty()) {
            SOPVAULT_TRY(id, s.resolveSop(exportSopRef));
            SOPVAULT_TRY(done, s.exportSop(id, kind, exportOut));
            report = std::move(done);
        } else {
            SOPVAULT_TRY(done, s.exportCollection(sopCollection, kind, exportOut));
            report = std::move(done);
        }
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : report.files) {
            files.push_back(f.string());
        }
        r.emit({{"sops", report.sops}, {"files", files}},
               fmt::format("Exported {} SOP(s) to {} (watermarked; recorded in the audit log).",
                           report.sops, humanLine(exportOut)));
        return {};
    });

    // --- audit, verify ---
    static std::string since, actor;
    auto* audit = app.add_subcommand("audit", "Owners: the audit log");
    audit->add_option("--since", since, "YYYY-MM-DD");
    audit->add_option("--actor", actor, "USER");
    static bool alerts = false;
    static std::uint64_t alarmViews = 0, alarmMinutes = 0;
    audit->add_flag("--alerts", alerts,
                    "only the exfiltration alarms: bursts in which someone read more distinct "
                    "SOPs than the alarm allows");
    auto* viewsOpt = audit
                         ->add_option("--alarm-views", alarmViews,
                                      "with --alerts: set the alarm to more than N SOPs (signed)")
                         ->needs("--alerts");
    auto* minutesOpt = audit
                           ->add_option("--alarm-window", alarmMinutes,
                                        "with --alerts: set the alarm's window in minutes (signed)")
                           ->needs("--alerts");
    audit->footer("Example: sopvault-cli --user olivia audit --alerts --alarm-views 40");
    r.withSession(audit, [&r, viewsOpt, minutesOpt](core::Session& s) -> Result<void> {
        core::AuditFilter f;
        if (!since.empty()) {
            SOPVAULT_TRY(t, core::parseDate(since));
            f.since = t;
        }
        if (!actor.empty()) {
            f.actor = actor;
        }
        if (alerts) {
            core::AlarmSettings alarm = s.alarmSettings();
            if (viewsOpt->count() > 0) {
                alarm.views = alarmViews;
            }
            if (minutesOpt->count() > 0) {
                alarm.minutes = alarmMinutes;
            }
            SOPVAULT_CHECK(s.setAlarm(alarm));
            SOPVAULT_TRY(found, s.viewAlerts(f));
            json out = json::array();
            std::string text;
            for (const auto& a : found) {
                out.push_back({{"actor", a.actor},
                               {"from", core::formatTime(a.from)},
                               {"to", core::formatTime(a.to)},
                               {"sops", a.sops},
                               {"reads", a.reads},
                               {"threshold", alarm.views},
                               {"window_minutes", alarm.minutes}});
                text += fmt::format("ALERT  {} read {} distinct SOPs ({} reads) from {} to {}\n",
                                    a.actor, a.sops, a.reads, core::formatTime(a.from),
                                    core::formatTime(a.to));
            }
            text += fmt::format("{} alert(s); the alarm is more than {} SOPs within {} minutes.",
                                found.size(), alarm.views, alarm.minutes);
            r.emit(out, text);
            return {};
        }
        SOPVAULT_TRY(entries, s.audit(f));
        json out = json::array();
        std::vector<std::vector<std::string>> rows;
        for (const auto& e : entries) {
            out.push_back({{"seq", e.seq},
                           {"time", core::formatTime(e.time)},
                           {"actor", e.actor},
                           {"action", e.action},
                           {"target", e.target},
                           {"detail", e.detail}});
            rows.push_back(
                {std::to_string(e.seq), core::formatTime(e.time), e.actor, e.action, e.detail});
        }
        r.emit(out, table({"SEQ", "TIME", "ACTOR", "ACTION", "DETAIL"}, rows));
        return {};
    });

    auto* verify = app.add_subcommand("verify", "Check every signature, chain, commitment and "
                                                "ciphertext");
    r.withSession(verify, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(report, s.verify());
        json problems = json::array();
        std::string text;
        for (const auto& p : report.problems) {
            problems.push_back({{"record", p.record}, {"problem", p.problem}});
            text += fmt::format("PROBLEM  {}: {}\n", humanLine(p.record), humanLine(p.problem));
        }
        const std::size_t records =
            report.adminRecords + report.auditRecords + report.sopVersions + report.reviewRecords;
        r.emit({{"ok", report.ok},
                {"checked",
                 {{"records", records},
                  {"admin_records", report.adminRecords},
                  {"audit_records", report.auditRecords},
                  {"sop_versions", report.sopVersions},
                  {"review_records", report.reviewRecords},
                  {"ciphertexts", report.ciphertexts},
                  {"unreadable", report.unreadable}}},
                {"problems", problems}},
               text + fmt::format("{}: {} records checked ({} administration, {} audit, {} SOP "
                                  "versions); {} ciphertexts opened, {} not readable by you.",
                                  report.ok ? "OK" : "FAILED", records, report.adminRecords,
                                  report.auditRecords, report.sopVersions, report.ciphertexts,
                                  report.unreadable));
        if (!report.ok) {
            return fail(ErrorCode::Integrity,
                        fmt::format("{} problem(s) found; see above.", report.problems.size()));
        }
        return {};
    });
}

// cli.md promises one stderr line per failure; some core messages list candidates on lines of
// their own ("...by its id:\n  <id>  (<path>)"), so fold them: "...by its id: <id>  (<path>); ...".
std::string oneLine(std::string_view message)
{
    std::string out;
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = message.find('\n', start);
        if (end == std::string_view::npos) {
            end = message.size();
        }
        std::string_view line = message.substr(start, end - start);
        start = end + 1;
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            line.remove_prefix(1);
        }
        while (!line.empty() &&
               (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;
        }
        if (!out.empty()) {
            out += out.back() == ':' ? " " : "; ";
        }
        out += line;
    }
    return out;
}

int report(const Error& error)
{
    if (progressLineOpen()) {
        std::cerr << "\n";
        progressLineOpen() = false;
    }
    // Core's messages quote what was typed ("'...' is not a valid tag"): escaped like any text.
    std::cerr << "sopvault-cli: error: " << codeWord(error.code) << ": "
              << humanLine(oneLine(error.message)) << "\n";
    return static_cast<int>(error.code);
}

int runCommand(int argc, char** argv)
{
    Globals g;
    CLI::App app{"sopvault-cli: the SOP Vault command line. Passwords come from "
                 "$SOPVAULT_PASSWORD_FILE, $SOPVAULT_PASSWORD or a prompt, never from arguments.",
                 "sopvault-cli"};
    app.set_version_flag("--version", std::string("sopvault-cli ") + SOPVAULT_VERSION);
    app.add_option("--vault", g.vault, "vault file (else $SOPVAULT_VAULT, else the XDG data dir)");
    app.add_option("--user", g.user, "who acts (else $SOPVAULT_USER)");
    app.add_flag("--json", g.json, "print exactly one JSON document");
    app.add_option("--as-of", g.asOf, "review commands: evaluate as of YYYY-MM-DD");
    app.require_subcommand(1);
    app.fallthrough();
    Runner runner(g);
    addCommands(app, runner, g);
    addServerCommands(app, g.json, [&runner](CLI::App* c, auto a) { runner.plain(c, a); });
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report(Error{ErrorCode::Usage, std::string(e.what()) + " (see --help)"});
    }
    if (!runner.hasAction()) {
        return report(Error{ErrorCode::Usage, "Give a command; see --help."});
    }
    auto result = runner.execute();
    if (!result) {
        return report(result.error());
    }
    std::cerr << pendingNotice();
    return 0;
}

} // namespace

int run(int argc, char** argv)
{
    // Nothing may end the process with std::terminate (exit 134): a library that throws (JSON,
    // the file system, an allocation) ends the command with exit 1 and the usual one line.
    try {
        return runCommand(argc, argv);
    } catch (const std::exception& e) {
        return report(Error{ErrorCode::Failed,
                            fmt::format("An unexpected internal error stopped the command ({}); "
                                        "run 'verify' if it was meant to change the vault.",
                                        e.what())});
    } catch (...) {
        return report(Error{ErrorCode::Failed,
                            "An unexpected internal error stopped the command; "
                            "run 'verify' if it was meant to change the vault."});
    }
}

} // namespace sopvault::cli
