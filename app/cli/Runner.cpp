// The shared machinery of sopvault-cli's commands (see Runner.h): opening the session, the
// output, progress and the error line.
#include "Runner.h"

#include "Password.h"
#include "sopvault/core/Locations.h"
#include "sopvault/core/Markdown.h"

#include <fmt/format.h>

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

} // namespace

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
