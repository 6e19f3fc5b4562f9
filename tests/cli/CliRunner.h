// Test harness for sopvault-cli: runs the real binary, captures its output; temp dirs, helpers.
#pragma once

#include "TempDir.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::clitest {

// The exit codes of docs/cli.md, by their stderr code word.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;
inline constexpr int kAuth = 3;
inline constexpr int kDenied = 4;
inline constexpr int kIntegrity = 5;
inline constexpr int kNotFound = 6;
inline constexpr int kBusy = 7;

// A private temporary directory (mode 0700), removed with everything in it at the end.
using test::TempDir;

using Env = std::map<std::string, std::string>;

struct RunResult
{
    std::vector<std::string> args;
    int code = -1;   // the exit code; 128 + signal when the process was killed by a signal
    int signal = 0;  // the signal that ended the process, or 0
    std::string out; // stdout
    std::string err; // stderr
    // "sopvault-cli <args> -> exit N\nstdout: ...\nstderr: ..." for failure messages.
    [[nodiscard]] std::string describe() const;
};

// Runs the sopvault-cli binary under test. Every run gets a fresh, explicit environment: HOME,
// XDG_DATA_HOME, XDG_STATE_HOME and TMPDIR under `home`, PATH and LANG, sanitizer options if
// the test process has them, and the variables the test passes; nothing else is inherited
// (so no SOPVAULT_* from the developer's shell). The child runs in a new session without a
// controlling terminal, so a password prompt cannot open /dev/tty.
class CliRunner
{
public:
    explicit CliRunner(std::filesystem::path home);

    // Runs with `env` on top of the base environment and `input` on stdin (then EOF); stdout
    // and stderr are pipes, as for a script.
    [[nodiscard]] RunResult run(const std::vector<std::string>& args, const Env& env = {},
                                std::string_view input = {}) const;
    // The same for a person at a terminal: stdout and stderr are each a pseudo-terminal of its
    // own (raw mode, so the bytes arrive as written; isatty() is true for both), captured
    // separately. stdin stays a pipe, and the terminals are not the controlling terminal, so a
    // password prompt still cannot open /dev/tty.
    [[nodiscard]] RunResult runAtTerminal(const std::vector<std::string>& args, const Env& env = {},
                                          std::string_view input = {}) const;

    [[nodiscard]] const std::filesystem::path& home() const { return m_home; }
    // $XDG_DATA_HOME/sopvault/vault.sopvault: where the CLI looks without --vault.
    [[nodiscard]] std::filesystem::path defaultVault() const;

private:
    [[nodiscard]] RunResult execute(const std::vector<std::string>& args, const Env& env,
                                    std::string_view input, bool terminal) const;
    std::filesystem::path m_home;
    Env m_base;
};

// Everyone's password in these tests: distinctive, so a scan of the file can look for it.
[[nodiscard]] std::string passwordOf(std::string_view user);
// SOPVAULT_USER and SOPVAULT_PASSWORD for `user`.
[[nodiscard]] Env as(std::string_view user);

// A fresh home (the vault goes to its default XDG location) and an inputs folder. Helpers
// REQUIRE success; every password is set with --kdf interactive to keep runs quick.
class Team
{
public:
    Team();
    // `--json init --owner OWNER --kdf interactive`; returns init's JSON document.
    nlohmann::json init(std::string_view owner = "olivia") const;
    [[nodiscard]] const CliRunner& cli() const { return m_cli; }
    [[nodiscard]] std::filesystem::path vault() const { return m_cli.defaultVault(); }
    // A scratch folder for input files, outside the home that the CLI writes to.
    [[nodiscard]] const std::filesystem::path& inputs() const { return m_inputs.path(); }

    // Runs as `user` (password from SOPVAULT_PASSWORD), with extra variables in `env`.
    [[nodiscard]] RunResult run(std::string_view user, const std::vector<std::string>& args,
                                std::string_view input = {}, const Env& env = {}) const;
    // The same, REQUIRE-ing exit 0 (stderr may hold notices).
    RunResult ok(std::string_view user, const std::vector<std::string>& args,
                 std::string_view input = {}, const Env& env = {}) const;
    // `--json` prepended, REQUIRE-ing exit 0 and exactly one JSON document on stdout.
    nlohmann::json json(std::string_view user, const std::vector<std::string>& args,
                        std::string_view input = {}, const Env& env = {}) const;
    // The three above for `user` at a terminal (CliRunner::runAtTerminal).
    [[nodiscard]] RunResult runAtTerminal(std::string_view user,
                                          const std::vector<std::string>& args,
                                          std::string_view input = {}, const Env& env = {}) const;
    RunResult okAtTerminal(std::string_view user, const std::vector<std::string>& args,
                           std::string_view input = {}, const Env& env = {}) const;
    nlohmann::json jsonAtTerminal(std::string_view user, const std::vector<std::string>& args,
                                  std::string_view input = {}, const Env& env = {}) const;

    void addUser(std::string_view name) const;
    void grant(std::string_view user, std::string_view role, std::string_view collection) const;
    // Writes `content` to inputs()/name and returns the path as a string.
    std::string inputFile(std::string_view name, std::string_view content) const;

private:
    // The three kinds of run above, with stdout and stderr pipes or terminals.
    [[nodiscard]] RunResult runAs(bool terminal, std::string_view user,
                                  const std::vector<std::string>& args, std::string_view input,
                                  const Env& env) const;
    RunResult okAs(bool terminal, std::string_view user, const std::vector<std::string>& args,
                   std::string_view input, const Env& env) const;
    nlohmann::json jsonAs(bool terminal, std::string_view user,
                          const std::vector<std::string>& args, std::string_view input,
                          const Env& env) const;
    TempDir m_home;
    TempDir m_inputs;
    CliRunner m_cli;
};

// REQUIREs that all of stdout is one JSON document and returns it.
nlohmann::json parseJson(const RunResult& result);

// CHECKs the failure contract: exit `code`, and stderr is exactly one line
// "sopvault-cli: error: <word>: <sentence>".
void checkError(const RunResult& result, int code, std::string_view word);

// True when the process ended by itself (no signal, an exit code below 128).
[[nodiscard]] bool endedNormally(const RunResult& result);

[[nodiscard]] std::string readFile(const std::filesystem::path& file);
void writeFile(const std::filesystem::path& file, std::string_view content);

// A POSIX advisory byte-range lock on a file, held by this test process until destroyed. SQLite
// (unix VFS) locks the bytes from 2^30 on: holding them is what another program with the vault
// open (or writing to it) does. The descriptor is close-on-exec and this process never closes
// another descriptor of the file meanwhile (that would drop the lock).
class ByteRangeLock
{
public:
    static constexpr long kPendingByte = 0x40000000L;
    static constexpr long kSharedFirst = kPendingByte + 2;
    static constexpr long kSharedSize = 510;

    // `exclusive`: a write lock (F_WRLCK), else a read lock (F_RDLCK). REQUIREs success.
    ByteRangeLock(const std::filesystem::path& file, bool exclusive, long start, long length);
    ~ByteRangeLock();
    ByteRangeLock(const ByteRangeLock&) = delete;
    ByteRangeLock& operator=(const ByteRangeLock&) = delete;

private:
    int m_fd = -1;
};

} // namespace sopvault::clitest
