// Where sopvault-cli gets passwords: never argv. The acting user's from $SOPVAULT_PASSWORD_FILE,
// $SOPVAULT_PASSWORD or a no-echo prompt; a new one from $SOPVAULT_NEW_PASSWORD or a prompt
// asked twice.
#pragma once

#include "sopvault/crypto/SecureBuffer.h"

#include <optional>
#include <string_view>

namespace sopvault::cli {

[[nodiscard]] Result<crypto::SecureBuffer> readPassword(std::string_view user);
[[nodiscard]] Result<crypto::SecureBuffer> readNewPassword(std::string_view forWhom);
// $SOPVAULT_RECOVERY_CODE, else a no-echo prompt.
[[nodiscard]] Result<crypto::SecureBuffer> readRecoveryCode();
// The value of the environment variable `name` copied into secure memory, and the variable
// unset; nullopt when it is not set.
[[nodiscard]] std::optional<Result<crypto::SecureBuffer>> takeSecretFromEnv(const char* name);

} // namespace sopvault::cli
