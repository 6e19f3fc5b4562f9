// What every sopvault-cli command shares: the global options, the one command a run performs,
// the unlocked session it acts through, and where its output goes (one JSON document or
// terminal-safe text on stdout, progress and notices on stderr).
#pragma once

#include "Output.h"
#include "sopvault/core/Vault.h"
#include "sopvault/remote/PgServer.h"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::cli {

struct Globals
{
    std::string vault;
    std::string user;
    bool json = false;
    std::string asOf;
    bool offline = false; // --offline: never contact the server, work on the replica
};

// Whether a command's run talks to the vault's server around it (docs/cli.md, "Team sync").
enum class SyncMode
{
    Auto,   // sync first when the server has news, push what the command wrote afterwards
    Manual, // the command speaks to the server itself (sync, remote ...), or must not
};

class Runner
{
public:
    explicit Runner(const Globals& globals) : m_g(globals) {}

    // Registers a command whose action needs an unlocked session. With SyncMode::Auto, a vault
    // with a remote is brought up to date before the action and what it wrote is pushed after.
    template <typename F>
    void withSession(CLI::App* cmd, F action, SyncMode mode = SyncMode::Auto)
    {
        cmd->callback([this, action, mode] {
            m_action = [this, action, mode]() -> Result<void> {
                SOPVAULT_TRY(session, openSession());
                if (mode == SyncMode::Auto) {
                    SOPVAULT_CHECK(syncBefore(*session));
                }
                SOPVAULT_CHECK(action(*session));
                if (mode == SyncMode::Auto) {
                    SOPVAULT_CHECK(syncAfter(*session));
                }
                adviseOwnPassword(*session);
                return {};
            };
        });
    }
    // A person at a terminal who still unlocks with the password an owner chose is told, after
    // the command, to choose their own (`passwd`); scripts' stderr stays as it was.
    void adviseOwnPassword(const core::Session& session);
    // Registers a command that opens no session (it creates or recovers a vault).
    void plain(CLI::App* cmd, std::function<Result<void>()> action);

    [[nodiscard]] const Globals& globals() const { return m_g; }
    // --vault, else core's default location.
    [[nodiscard]] std::filesystem::path vaultPath() const;
    // The day review commands evaluate: --as-of, else the session's today.
    [[nodiscard]] Result<core::Timestamp> asOf(const core::Session& session) const;

    void emit(Output output) const;
    // A progress callback (done, total) that draws "\r<what> done/total" on stderr for a person
    // watching a terminal, and does nothing for scripts.
    [[nodiscard]] std::function<void(std::size_t, std::size_t)> progress(std::string what);

    // Who acts: --user, else $SOPVAULT_USER.
    [[nodiscard]] Result<std::string> actingUser() const;
    // Unlocks the vault at vaultPath() as the acting user (the first-open notice included).
    [[nodiscard]] Result<std::unique_ptr<core::Session>> openSession();

    // The server at `url`, connected once per run (connect_timeout 3 s unless the URL sets one;
    // the password from $SOPVAULT_DB_PASSWORD or libpq's own files). For the commands that need
    // it: unreachable is `failed`, and --offline is refused.
    [[nodiscard]] Result<remote::PgServer*> server(std::string_view url);
    // The server the automatic sync reached in this run, or nullptr (no remote, --offline, or
    // unreachable).
    [[nodiscard]] remote::PgServer* reachedServer() { return m_server ? &*m_server : nullptr; }
    // True when this run found the server unreachable and works on the replica.
    [[nodiscard]] bool workingOffline() const { return !m_offlineAt.empty(); }
    // A line said on stderr once the command has succeeded.
    void notice(const TerminalText& line);

    // Runs the parsed command and ends the run: its exit code, the error line or the notice.
    [[nodiscard]] int execute();
    // The one stderr line of a failure; returns its exit code.
    int report(const Error& error);

private:
    [[nodiscard]] core::ServerResult<remote::PgServer*> connect(std::string_view url);
    // SyncMode::Auto around an action: the cheap upToDate() question and a sync when it says
    // no; afterwards a push when the outbox holds anything. An unreachable server is a notice.
    [[nodiscard]] Result<void> syncBefore(core::Session& session);
    [[nodiscard]] Result<void> syncAfter(core::Session& session);
    [[nodiscard]] Result<void> syncNow(core::Session& session, const std::string& url);
    // Notes the server as unreachable for this run; `false` when `error` is not an offline one.
    bool noteOffline(const Error& error, const std::string& url);

    const Globals& m_g;
    std::function<Result<void>()> m_action;
    // Said on stderr once the command has succeeded (a failure stays one line).
    std::string m_notice;
    // A progress line is drawn without its newline yet: a failure after it must start a line
    // of its own, not be glued to the count.
    bool m_progressOpen = false;
    std::optional<remote::PgServer> m_server;
    // $SOPVAULT_DB_PASSWORD, taken from the environment at the first connection.
    std::optional<crypto::SecureBuffer> m_dbPassword;
    bool m_dbPasswordTaken = false;
    // The server (as shown) this run could not reach; empty while it could.
    std::string m_offlineAt;
};

[[nodiscard]] std::unexpected<Error> usage(std::string message);
[[nodiscard]] Result<crypto::KdfProfile> kdfOf(const std::string& name);
// A SOP body from a file, or stdin for "" and "-".
[[nodiscard]] Result<std::string> readBody(const std::string& file);
[[nodiscard]] std::vector<std::string> splitList(const std::string& list);
// Reading SOP text into a pipe or a file is an export (security.md): without a terminal on
// stdout it needs the export right, and a refusal is audited as export-denied by core.
[[nodiscard]] Result<void> requireTerminalOrExport(core::Session& s, const core::Id& id);
// `usage` when a server URL carries a password: secrets never go on a command line.
[[nodiscard]] Result<void> refusePasswordInUrl(std::string_view url);
// The --kdf option of every command that sets a password.
void addKdfOption(CLI::App* cmd, std::string& kdf);

} // namespace sopvault::cli
