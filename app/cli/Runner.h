// What every sopvault-cli command shares: the global options, the one command a run performs,
// the unlocked session it acts through, and where its output goes (one JSON document or
// terminal-safe text on stdout, progress and notices on stderr).
#pragma once

#include "Output.h"
#include "sopvault/core/Vault.h"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
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
};

class Runner
{
public:
    explicit Runner(const Globals& globals) : m_g(globals) {}

    // Registers a command whose action needs an unlocked session.
    template <typename F>
    void withSession(CLI::App* cmd, F action)
    {
        cmd->callback([this, action] {
            m_action = [this, action]() -> Result<void> {
                SOPVAULT_TRY(session, openSession());
                return action(*session);
            };
        });
    }
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

    // Runs the parsed command and ends the run: its exit code, the error line or the notice.
    [[nodiscard]] int execute();
    // The one stderr line of a failure; returns its exit code.
    int report(const Error& error);

private:
    [[nodiscard]] Result<std::string> actingUser() const;
    [[nodiscard]] Result<std::unique_ptr<core::Session>> openSession();

    const Globals& m_g;
    std::function<Result<void>()> m_action;
    // Said on stderr once the command has succeeded (a failure stays one line).
    std::string m_notice;
    // A progress line is drawn without its newline yet: a failure after it must start a line
    // of its own, not be glued to the count.
    bool m_progressOpen = false;
};

[[nodiscard]] std::unexpected<Error> usage(std::string message);
[[nodiscard]] Result<crypto::KdfProfile> kdfOf(const std::string& name);
// A SOP body from a file, or stdin for "" and "-".
[[nodiscard]] Result<std::string> readBody(const std::string& file);
[[nodiscard]] std::vector<std::string> splitList(const std::string& list);
// The --kdf option of every command that sets a password.
void addKdfOption(CLI::App* cmd, std::string& kdf);

} // namespace sopvault::cli
