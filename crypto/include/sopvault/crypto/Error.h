// The one error type of SOP Vault's libraries: a code from the CLI's exit-code set and a sentence
// a person can act on. Crypto and core return std::expected<T, Error>; nothing throws across them.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace sopvault {

// Values are the CLI's exit codes (docs/cli.md), so a front end can pass them straight through.
enum class ErrorCode
{
    Failed = 1,
    Usage = 2,
    Auth = 3,
    Denied = 4,
    Integrity = 5,
    NotFound = 6,
    Busy = 7,
};

struct Error
{
    ErrorCode code = ErrorCode::Failed;
    std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

// The code word printed by the CLI: failed, usage, auth, denied, integrity, not-found, busy.
[[nodiscard]] std::string_view codeWord(ErrorCode code) noexcept;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string message)
{
    return std::unexpected(Error{code, std::move(message)});
}

} // namespace sopvault

// Propagation helpers (g++ 12's std::expected has no and_then): return the error, or go on.
#define SOPVAULT_TRY(var, expr)                                                                    \
    auto var##Result_ = (expr);                                                                    \
    if (!var##Result_) {                                                                           \
        return std::unexpected(std::move(var##Result_.error()));                                   \
    }                                                                                              \
    auto var = std::move(*var##Result_)

#define SOPVAULT_CONCAT_(a, b) a##b
#define SOPVAULT_CONCAT(a, b) SOPVAULT_CONCAT_(a, b)
// A unique name per use, so a check nested in a lambda inside another check does not shadow.
#define SOPVAULT_CHECK_NAMED(expr, name)                                                           \
    do {                                                                                           \
        if (auto name = (expr); !name) {                                                           \
            return std::unexpected(std::move(name.error()));                                       \
        }                                                                                          \
    } while (false)
#define SOPVAULT_CHECK(expr) SOPVAULT_CHECK_NAMED(expr, SOPVAULT_CONCAT(checkResult_, __COUNTER__))
