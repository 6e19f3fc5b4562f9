// The shared machinery of sopvault-cli's commands (see Runner.h): opening the session, the
// sync around a command, the output, progress and the error line.
#include "Runner.h"

#include "Password.h"
#include "sopvault/core/Locations.h"
#include "sopvault/core/Markdown.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace sopvault::cli {
namespace {

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

// libpq waits up to its connect_timeout for an unreachable host; a PSA script calling the CLI
// must not hang on one, so unless the URL says otherwise an attempt gives up after 3 s.
std::string withConnectTimeout(std::string_view url)
{
    std::string out(url);
    if (out.find("connect_timeout") != std::string::npos) {
        return out;
    }
    if (out.starts_with("postgresql://") || out.starts_with("postgres://")) {
        return out + (out.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=3";
    }
    return out + (out.empty() ? "" : " ") + "connect_timeout=3";
}

bool urlHasPassword(std::string_view url)
{
    constexpr std::string_view kPassword = "password";
    for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (!url.starts_with(scheme)) {
            continue;
        }
        const std::string_view rest = url.substr(scheme.size());
        const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
        const auto at = authority.rfind('@');
        if (at != std::string_view::npos &&
            authority.substr(0, at).find(':') != std::string_view::npos) {
            return true; // postgresql://user:secret@host
        }
        const auto query = rest.find('?');
        if (query == std::string_view::npos) {
            return false;
        }
        std::string_view params = rest.substr(query + 1);
        while (!params.empty()) {
            const auto amp = params.find('&');
            const std::string_view param = params.substr(0, amp);
            if (param.substr(0, param.find('=')) == kPassword) {
                return true; // ...?password=secret
            }
            params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
        }
        return false;
    }
    // key=value form: the keyword at the start or after a space, then optional spaces and '='.
    for (auto at = url.find(kPassword); at != std::string_view::npos;
         at = url.find(kPassword, at + 1)) {
        if (at != 0 && url[at - 1] != ' ' && url[at - 1] != '\t') {
            continue;
        }
        auto after = at + kPassword.size();
        while (after < url.size() && (url[after] == ' ' || url[after] == '\t')) {
            ++after;
        }
        if (after < url.size() && url[after] == '=') {
            return true;
        }
    }
    return false;
}

} // namespace

Result<void> refusePasswordInUrl(std::string_view url)
{
    if (urlHasPassword(url)) {
        // argv is visible to every user of the machine (ps, /proc): a secret never goes there.
        return usage("The server URL contains a password; remove it and use "
                     "$SOPVAULT_DB_PASSWORD, PGPASSFILE (~/.pgpass) or a service file instead.");
    }
    return {};
}

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

void Runner::adviseOwnPassword(const core::Session& session)
{
    if (::isatty(STDERR_FILENO) != 0 && session.passwordSetByOwner()) {
        notice(say("sopvault-cli: an owner chose the password you unlocked with; choose your "
                   "own with 'sopvault-cli passwd' (until then the owner's password opens your "
                   "keys)."));
    }
}

void Runner::notice(const TerminalText& line)
{
    m_notice += line.str();
    if (!m_notice.ends_with('\n')) {
        m_notice += '\n';
    }
}

core::ServerResult<remote::PgServer*> Runner::connect(std::string_view url)
{
    if (m_server) {
        return &*m_server;
    }
    if (!m_dbPasswordTaken) {
        m_dbPasswordTaken = true;
        if (auto taken = takeSecretFromEnv("SOPVAULT_DB_PASSWORD")) {
            if (!*taken) {
                return std::unexpected(
                    core::ServerError{core::ServerFault::Other, std::move(taken->error())});
            }
            if (!(*taken)->empty()) {
                m_dbPassword = std::move(**taken);
            }
        }
    }
    auto server =
        remote::PgServer::connect(withConnectTimeout(url), m_dbPassword ? &*m_dbPassword : nullptr);
    if (!server) {
        return std::unexpected(std::move(server.error()));
    }
    m_server.emplace(std::move(*server));
    return &*m_server;
}

Result<remote::PgServer*> Runner::server(std::string_view url)
{
    if (m_g.offline) {
        return usage("This command works with the server; run it without --offline.");
    }
    SOPVAULT_CHECK(refusePasswordInUrl(url));
    auto server = connect(url);
    if (!server) {
        return std::unexpected(std::move(server.error().error));
    }
    return *server;
}

bool Runner::noteOffline(const Error& error, const std::string& url)
{
    // Core reports a server it could not reach (or lost) as `failed`; every other code is a
    // finding about the vault or the person and stops the command.
    if (error.code != ErrorCode::Failed) {
        return false;
    }
    m_offlineAt = remote::displayUrl(url);
    m_server.reset();
    return true;
}

Result<void> Runner::syncNow(core::Session& session, const std::string& url)
{
    auto report = session.sync(*m_server);
    if (!report) {
        if (noteOffline(report.error(), url)) {
            return {};
        }
        return std::unexpected(std::move(report.error()));
    }
    for (const auto& refused : report->refused) {
        notice(say("sopvault-cli: not applied on the shared history: {}", refused));
    }
    for (const auto& note : report->notices) {
        notice(say("sopvault-cli: {}", note));
    }
    if (!report->conflicts.empty()) {
        notice(say("sopvault-cli: {} SOP edit(s) of yours met another edit; see "
                   "'sopvault-cli conflicts' and settle each with 'sopvault-cli resolve'.",
                   report->conflicts.size()));
    }
    return {};
}

Result<void> Runner::syncBefore(core::Session& session)
{
    if (m_g.offline) {
        return {};
    }
    SOPVAULT_TRY(info, session.remote());
    if (info.url.empty()) {
        return {};
    }
    auto server = connect(info.url);
    if (!server) {
        if (server.error().fault == core::ServerFault::Offline) {
            m_offlineAt = remote::displayUrl(info.url);
            return {};
        }
        return std::unexpected(std::move(server.error().error));
    }
    auto fresh = session.upToDate(**server);
    if (!fresh) {
        if (noteOffline(fresh.error(), info.url)) {
            return {};
        }
        return std::unexpected(std::move(fresh.error()));
    }
    if (*fresh) {
        return {};
    }
    return syncNow(session, info.url);
}

Result<void> Runner::syncAfter(core::Session& session)
{
    if (m_g.offline) {
        return {};
    }
    SOPVAULT_TRY(info, session.remote());
    if (info.url.empty()) {
        return {};
    }
    if (m_server && info.pending > 0) {
        SOPVAULT_CHECK(syncNow(session, info.url));
        SOPVAULT_TRY(after, session.remote());
        info = std::move(after);
    }
    if (!m_offlineAt.empty()) {
        // Exactly one line: a script sees that it worked on the replica, and how much waits.
        notice(say("offline: cannot reach {}; working on this replica ({} change{} waiting)",
                   m_offlineAt, info.pending, info.pending == 1 ? "" : "s"));
    }
    return {};
}

void Runner::plain(CLI::App* cmd, std::function<Result<void>()> action)
{
    cmd->callback([this, action] { m_action = action; });
}

std::filesystem::path Runner::vaultPath() const
{
    if (!m_g.vault.empty()) {
        return m_g.vault;
    }
    return core::defaultLocations().vault;
}

Result<core::Timestamp> Runner::asOf(const core::Session& session) const
{
    if (m_g.asOf.empty()) {
        return session.now();
    }
    return core::parseDate(m_g.asOf);
}

Result<std::string> Runner::actingUser() const
{
    if (!m_g.user.empty()) {
        return m_g.user;
    }
    if (const char* env = std::getenv("SOPVAULT_USER"); env != nullptr && *env != '\0') {
        return std::string(env);
    }
    return usage("Say who is acting: pass --user NAME or set SOPVAULT_USER.");
}

Result<std::unique_ptr<core::Session>> Runner::openSession()
{
    SOPVAULT_TRY(user, actingUser());
    const auto path = vaultPath();
    if (!std::filesystem::exists(path)) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no vault at {}; create one with 'sopvault-cli init' "
                                "or pass --vault.",
                                path.string()));
    }
    SOPVAULT_TRY(password, readPassword(user));
    SOPVAULT_TRY(session, core::unlock(path, user, password, core::defaultOpenOptions()));
    if (session->firstOpen()) {
        m_notice = say("sopvault-cli: first time this vault is opened here as {}. Its owner key "
                       "fingerprint is\n    {}\nCheck it with the owner; from now on an older or "
                       "different copy is refused.\n",
                       user, session->ownerFingerprint())
                       .str();
    }
    return session;
}

void Runner::emit(Output output) const
{
    if (m_g.json) {
        makeUtf8Safe(output.doc);
        std::cout << output.doc.dump(2) << "\n";
    } else {
        const std::string& text = output.text.str();
        std::cout << text << (text.ends_with('\n') ? "" : "\n");
    }
}

std::function<void(std::size_t, std::size_t)> Runner::progress(std::string what)
{
    // Progress only for a person watching a terminal: scripts get one line or nothing.
    const bool draw = !m_g.json && ::isatty(STDERR_FILENO) != 0;
    return [this, draw, what = std::move(what)](std::size_t done, std::size_t total) {
        if (!draw || total == 0) {
            return;
        }
        std::cerr << fmt::format("\r{} {}/{}", what, done, total) << (done == total ? "\n" : "")
                  << std::flush;
        m_progressOpen = done != total;
    };
}

int Runner::execute()
{
    if (!m_action) {
        return report(Error{ErrorCode::Usage, "Give a command; see --help."});
    }
    auto result = m_action();
    if (!result) {
        return report(result.error());
    }
    std::cerr << m_notice;
    return 0;
}

int Runner::report(const Error& error)
{
    if (m_progressOpen) {
        std::cerr << "\n";
        m_progressOpen = false;
    }
    // Core's messages quote what was typed ("'...' is not a valid tag"): escaped like any text.
    std::cerr
        << say("sopvault-cli: error: {}: {}\n", codeWord(error.code), oneLine(error.message)).str();
    return static_cast<int>(error.code);
}

std::unexpected<Error> usage(std::string message)
{
    return fail(ErrorCode::Usage, std::move(message));
}

Result<crypto::KdfProfile> kdfOf(const std::string& name)
{
    return crypto::parseKdfProfile(name);
}

void addKdfOption(CLI::App* cmd, std::string& kdf)
{
    cmd->add_option("--kdf", kdf, "interactive|moderate|sensitive")->capture_default_str();
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

} // namespace sopvault::cli
