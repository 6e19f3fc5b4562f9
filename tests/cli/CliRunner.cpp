// The sopvault-cli test harness (see CliRunner.h): fork/execve with pipes (or pseudo-terminals)
// and poll.
#include "CliRunner.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef SOPVAULT_CLI
#error "SOPVAULT_CLI must name the sopvault-cli binary under test"
#endif

namespace sopvault::clitest {
namespace {

constexpr auto kRunTimeout = std::chrono::seconds(60);

// A pipe, or a pseudo-terminal in raw mode, whose ends are closed on exec and on destruction.
// The CLI writes to fd[1] (for a terminal, the slave: a terminal to isatty) and the test reads
// fd[0] (the master), so the run loop treats both alike.
struct Pipe
{
    int fd[2] = {-1, -1};
    explicit Pipe(bool terminal = false)
    {
        if (!terminal) {
            if (::pipe2(fd, O_CLOEXEC) != 0) {
                FAIL("pipe2: " << std::strerror(errno));
            }
            return;
        }
        termios raw{};
        ::cfmakeraw(&raw);
        winsize size{};
        size.ws_row = 40;
        size.ws_col = 120;
        if (::openpty(&fd[0], &fd[1], nullptr, &raw, &size) != 0) {
            FAIL("openpty: " << std::strerror(errno));
        }
        ::fcntl(fd[0], F_SETFD, FD_CLOEXEC);
        ::fcntl(fd[1], F_SETFD, FD_CLOEXEC);
    }
    ~Pipe()
    {
        closeEnd(0);
        closeEnd(1);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void closeEnd(int i)
    {
        const auto index = static_cast<std::size_t>(i);
        if (fd[index] >= 0) {
            ::close(fd[index]);
            fd[index] = -1;
        }
    }
};

void ignoreSigpipe()
{
    // A CLI that fails before reading its stdin closes the pipe; writing to it must give EPIPE
    // here, not kill the test process.
    static const bool done = [] {
        struct sigaction action
        {};
        action.sa_handler = SIG_IGN;
        ::sigemptyset(&action.sa_mask);
        ::sigaction(SIGPIPE, &action, nullptr);
        return true;
    }();
    (void)done;
}

std::vector<char*> pointers(std::vector<std::string>& strings)
{
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

} // namespace

// --- RunResult ---

std::string RunResult::describe() const
{
    std::string command = "sopvault-cli";
    for (const auto& a : args) {
        command += " " + a;
    }
    return fmt::format("{} -> exit {}{}\nstdout: {}\nstderr: {}", command, code,
                       signal != 0 ? fmt::format(" (signal {})", signal) : std::string(), out, err);
}

// --- CliRunner ---

CliRunner::CliRunner(std::filesystem::path home) : m_home(std::move(home))
{
    ignoreSigpipe();
    std::filesystem::create_directories(m_home / "tmp");
    m_base = {
        {"HOME", m_home.string()},
        {"XDG_DATA_HOME", (m_home / "data").string()},
        {"XDG_STATE_HOME", (m_home / "state").string()},
        {"TMPDIR", (m_home / "tmp").string()},
        {"PATH", "/usr/bin:/bin"},
        {"LANG", "C.UTF-8"},
    };
    // Sanitizer builds (bash .ci/run) configure the child through these.
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
        if (const char* value = std::getenv(name); value != nullptr) {
            m_base[name] = value;
        }
    }
}

std::filesystem::path CliRunner::defaultVault() const
{
    return m_home / "data" / "sopvault" / "vault.sopvault";
}

RunResult CliRunner::run(const std::vector<std::string>& args, const Env& env,
                         std::string_view input) const
{
    return execute(args, env, input, false);
}

RunResult CliRunner::runAtTerminal(const std::vector<std::string>& args, const Env& env,
                                   std::string_view input) const
{
    return execute(args, env, input, true);
}

RunResult CliRunner::execute(const std::vector<std::string>& args, const Env& env,
                             std::string_view input, bool terminal) const
{
    RunResult result;
    result.args = args;

    Env merged = m_base;
    for (const auto& [name, value] : env) {
        merged[name] = value;
    }
    // Passwords travel by environment or file only: never let a test put one in argv.
    for (const auto& [name, value] : merged) {
        if (name.find("PASSWORD") != std::string::npos && !value.empty() &&
            name != "SOPVAULT_PASSWORD_FILE") {
            for (const auto& a : args) {
                REQUIRE(a.find(value) == std::string::npos);
            }
        }
    }

    std::vector<std::string> argStrings{SOPVAULT_CLI};
    argStrings.insert(argStrings.end(), args.begin(), args.end());
    std::vector<std::string> envStrings;
    for (const auto& [name, value] : merged) {
        envStrings.push_back(name + "=" + value);
    }
    auto argv = pointers(argStrings);
    auto envp = pointers(envStrings);

    Pipe in;
    Pipe out(terminal);
    Pipe err(terminal);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Child: only async-signal-safe calls from here to execve.
        // No controlling terminal: /dev/tty cannot be opened. A pseudo-terminal inherited as a
        // descriptor (not opened after setsid) does not become one.
        ::setsid();
        struct sigaction action
        {};
        action.sa_handler = SIG_DFL;
        ::sigaction(SIGPIPE, &action, nullptr);
        if (::dup2(in.fd[0], 0) < 0 || ::dup2(out.fd[1], 1) < 0 || ::dup2(err.fd[1], 2) < 0) {
            ::_exit(126);
        }
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    in.closeEnd(0);
    out.closeEnd(1);
    err.closeEnd(1);
    ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);

    std::size_t written = 0;
    if (input.empty()) {
        in.closeEnd(1);
    }
    const auto deadline = std::chrono::steady_clock::now() + kRunTimeout;
    bool timedOut = false;
    char buffer[65536];
    while (out.fd[0] >= 0 || err.fd[0] >= 0) {
        std::vector<pollfd> fds;
        if (out.fd[0] >= 0) {
            fds.push_back({out.fd[0], POLLIN, 0});
        }
        if (err.fd[0] >= 0) {
            fds.push_back({err.fd[0], POLLIN, 0});
        }
        if (in.fd[1] >= 0) {
            fds.push_back({in.fd[1], POLLOUT, 0});
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timedOut = true;
            ::kill(pid, SIGKILL);
            break;
        }
        const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        REQUIRE(ready >= 0);
        for (const auto& p : fds) {
            if (p.revents == 0) {
                continue;
            }
            if (p.fd == in.fd[1]) {
                const ssize_t n = ::write(in.fd[1], input.data() + written, input.size() - written);
                if (n > 0) {
                    written += static_cast<std::size_t>(n);
                }
                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                    in.closeEnd(1); // EPIPE: the CLI stopped reading; that is its business
                } else if (written == input.size()) {
                    in.closeEnd(1);
                }
                continue;
            }
            const ssize_t n = ::read(p.fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            // A pseudo-terminal's master reads EIO once the CLI's last descriptor of the slave
            // is closed: that is its end of file.
            std::string& sink = p.fd == out.fd[0] ? result.out : result.err;
            if (n <= 0) {
                (p.fd == out.fd[0] ? out : err).closeEnd(0);
            } else {
                sink.append(buffer, static_cast<std::size_t>(n));
            }
        }
    }
    in.closeEnd(1);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        REQUIRE(errno == EINTR);
    }
    if (WIFEXITED(status)) {
        result.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
        result.code = 128 + result.signal;
    }
    if (timedOut) {
        FAIL("sopvault-cli ran longer than 60 s: " << result.describe());
    }
    if (result.code == 127 && result.err.empty()) {
        FAIL("could not execute " << SOPVAULT_CLI);
    }
    return result;
}

// --- people ---

std::string passwordOf(std::string_view user)
{
    return fmt::format("{}-Pw-7Qx2-secret", user);
}

Env as(std::string_view user)
{
    return {{"SOPVAULT_USER", std::string(user)}, {"SOPVAULT_PASSWORD", passwordOf(user)}};
}

// --- Team ---

Team::Team() : m_cli(m_home.path()) {}

nlohmann::json Team::init(std::string_view owner) const
{
    const auto r =
        m_cli.run({"--json", "init", "--owner", std::string(owner), "--kdf", "interactive"},
                  {{"SOPVAULT_NEW_PASSWORD", passwordOf(owner)}});
    INFO(r.describe());
    REQUIRE(r.code == kOk);
    return parseJson(r);
}

RunResult Team::runAs(bool terminal, std::string_view user, const std::vector<std::string>& args,
                      std::string_view input, const Env& env) const
{
    Env all = as(user);
    for (const auto& [name, value] : env) {
        all[name] = value;
    }
    return terminal ? m_cli.runAtTerminal(args, all, input) : m_cli.run(args, all, input);
}

RunResult Team::okAs(bool terminal, std::string_view user, const std::vector<std::string>& args,
                     std::string_view input, const Env& env) const
{
    auto r = runAs(terminal, user, args, input, env);
    INFO(r.describe());
    REQUIRE(r.code == kOk);
    // stderr may carry notices on success (e.g. the first-open fingerprint); cli.md only
    // constrains it on failure.
    return r;
}

nlohmann::json Team::jsonAs(bool terminal, std::string_view user,
                            const std::vector<std::string>& args, std::string_view input,
                            const Env& env) const
{
    std::vector<std::string> all{"--json"};
    all.insert(all.end(), args.begin(), args.end());
    return parseJson(okAs(terminal, user, all, input, env));
}

RunResult Team::run(std::string_view user, const std::vector<std::string>& args,
                    std::string_view input, const Env& env) const
{
    return runAs(false, user, args, input, env);
}

RunResult Team::ok(std::string_view user, const std::vector<std::string>& args,
                   std::string_view input, const Env& env) const
{
    return okAs(false, user, args, input, env);
}

nlohmann::json Team::json(std::string_view user, const std::vector<std::string>& args,
                          std::string_view input, const Env& env) const
{
    return jsonAs(false, user, args, input, env);
}

RunResult Team::runAtTerminal(std::string_view user, const std::vector<std::string>& args,
                              std::string_view input, const Env& env) const
{
    return runAs(true, user, args, input, env);
}

RunResult Team::okAtTerminal(std::string_view user, const std::vector<std::string>& args,
                             std::string_view input, const Env& env) const
{
    return okAs(true, user, args, input, env);
}

nlohmann::json Team::jsonAtTerminal(std::string_view user, const std::vector<std::string>& args,
                                    std::string_view input, const Env& env) const
{
    return jsonAs(true, user, args, input, env);
}

void Team::addUser(std::string_view name) const
{
    (void)ok("olivia", {"user", "add", std::string(name), "--kdf", "interactive"}, {},
             {{"SOPVAULT_NEW_PASSWORD", passwordOf(name)}});
}

void Team::grant(std::string_view user, std::string_view role, std::string_view collection) const
{
    (void)ok("olivia", {"grant", std::string(user), std::string(role), std::string(collection)});
}

std::string Team::inputFile(std::string_view name, std::string_view content) const
{
    const auto file = inputs() / name;
    writeFile(file, content);
    return file.string();
}

// --- checks ---

nlohmann::json parseJson(const RunResult& result)
{
    INFO(result.describe());
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(result.out); // the whole of stdout: one document, nothing else
    } catch (const nlohmann::json::exception& e) {
        FAIL("stdout is not exactly one JSON document: " << e.what());
    }
    return doc;
}

void checkError(const RunResult& result, int code, std::string_view word)
{
    INFO(result.describe());
    CHECK(result.code == code);
    const std::string prefix = fmt::format("sopvault-cli: error: {}: ", word);
    CHECK(result.err.starts_with(prefix));
    CHECK(result.err.ends_with('\n'));
    CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
    // A sentence follows the code word.
    CHECK(result.err.size() > prefix.size() + 2);
}

bool endedNormally(const RunResult& result)
{
    return result.signal == 0 && result.code >= 0 && result.code < 128;
}

std::string readFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const std::filesystem::path& file, std::string_view content)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    REQUIRE(out.good());
}

// --- ByteRangeLock ---

ByteRangeLock::ByteRangeLock(const std::filesystem::path& file, bool exclusive, long start,
                             long length)
{
    m_fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    if (m_fd < 0) {
        FAIL("open " << file << ": " << std::strerror(errno));
    }
    struct flock lock
    {};
    lock.l_type = static_cast<short>(exclusive ? F_WRLCK : F_RDLCK);
    lock.l_whence = SEEK_SET;
    lock.l_start = static_cast<off_t>(start);
    lock.l_len = static_cast<off_t>(length);
    if (::fcntl(m_fd, F_SETLK, &lock) != 0) {
        const int error = errno;
        ::close(m_fd);
        FAIL("fcntl(F_SETLK) on " << file << ": " << std::strerror(error));
    }
}

ByteRangeLock::~ByteRangeLock()
{
    if (m_fd >= 0) {
        ::close(m_fd); // closing drops this process's locks on the file
    }
}

} // namespace sopvault::clitest
