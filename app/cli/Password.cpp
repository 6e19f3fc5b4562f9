// Password sources for the CLI; the prompt reads straight into secure memory with echo off.
#include "Password.h"

#include "HumanText.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace sopvault::cli {
namespace {

constexpr std::size_t kMaxPassword = 1024;

// Reads one line from `fd` into secure memory (no std::string copies).
Result<crypto::SecureBuffer> readLine(int fd)
{
    SOPVAULT_TRY(buffer, crypto::SecureBuffer::allocate(kMaxPassword));
    std::size_t length = 0;
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(fd, &c, 1);
        if (n <= 0 || c == '\n') {
            break;
        }
        if (length == kMaxPassword) {
            return fail(ErrorCode::Usage, "The password is longer than 1024 bytes.");
        }
        buffer.data()[length++] = static_cast<std::uint8_t>(c);
    }
    if (length > 0 && buffer.data()[length - 1] == '\r') {
        --length;
    }
    buffer.truncate(length);
    return buffer;
}

// Without a terminal, `noTerminal` is the error: it names the variables that would have worked.
Result<crypto::SecureBuffer> prompt(std::string_view text, const Error& noTerminal)
{
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return std::unexpected(noTerminal);
    }
    if (::write(fd, text.data(), text.size()) < 0) {
        ::close(fd);
        return fail(ErrorCode::Failed, "Cannot write the password prompt to the terminal.");
    }
    termios old{};
    const bool isTty = ::tcgetattr(fd, &old) == 0;
    if (isTty) {
        termios silent = old;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &silent);
    }
    auto line = readLine(fd);
    if (isTty) {
        ::tcsetattr(fd, TCSAFLUSH, &old);
    }
    [[maybe_unused]] const ssize_t newline = ::write(fd, "\n", 1);
    ::close(fd);
    return line;
}

} // namespace

std::optional<Result<crypto::SecureBuffer>> takeSecretFromEnv(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    auto copy = crypto::SecureBuffer::copyOf(std::string_view(value));
    // Gone from the environment at once: no child, crash report or later getenv sees it.
    ::unsetenv(name);
    return copy;
}

Result<crypto::SecureBuffer> readPassword(std::string_view user)
{
    if (const char* file = std::getenv("SOPVAULT_PASSWORD_FILE"); file != nullptr && *file) {
        const int fd = ::open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return fail(ErrorCode::Failed, fmt::format("Cannot read the password file {}: {}.",
                                                       file, std::strerror(errno)));
        }
        auto line = readLine(fd);
        ::close(fd);
        return line;
    }
    if (auto pw = takeSecretFromEnv("SOPVAULT_PASSWORD")) {
        return std::move(*pw);
    }
    return prompt(say("Password for {}: ", user).str(),
                  Error{ErrorCode::Auth, "No password given: set SOPVAULT_PASSWORD_FILE or "
                                         "SOPVAULT_PASSWORD, or run on a terminal."});
}

Result<crypto::SecureBuffer> readNewPassword(std::string_view forWhom)
{
    if (auto pw = takeSecretFromEnv("SOPVAULT_NEW_PASSWORD")) {
        if (*pw && (*pw)->empty()) {
            return fail(ErrorCode::Usage, "SOPVAULT_NEW_PASSWORD is empty.");
        }
        return std::move(*pw);
    }
    // A missing new password is a missing input (usage), not a failed authentication.
    const Error noTerminal{ErrorCode::Usage, "No new password given: set SOPVAULT_NEW_PASSWORD, "
                                             "or run on a terminal."};
    SOPVAULT_TRY(first, prompt(say("New password for {}: ", forWhom).str(), noTerminal));
    SOPVAULT_TRY(second, prompt("Repeat it: ", noTerminal));
    if (first.empty()) {
        return fail(ErrorCode::Usage, "The new password may not be empty.");
    }
    if (first.size() != second.size() ||
        std::memcmp(first.data(), second.data(), first.size()) != 0) {
        return fail(ErrorCode::Usage, "The two passwords differ; nothing was changed.");
    }
    return first;
}

Result<crypto::SecureBuffer> readRecoveryCode()
{
    if (auto code = takeSecretFromEnv("SOPVAULT_RECOVERY_CODE");
        code && !(*code && (*code)->empty())) {
        return std::move(*code);
    }
    return prompt("Recovery code: ",
                  Error{ErrorCode::Usage, "No recovery code given: set SOPVAULT_RECOVERY_CODE, "
                                          "or run on a terminal."});
}

} // namespace sopvault::cli
