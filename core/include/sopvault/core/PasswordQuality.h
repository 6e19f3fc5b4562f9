// How strong a new password is, judged by libpwquality (Debian's, with cracklib's dictionary and
// the system's /etc/security/pwquality.conf): the one strength rule both front ends ask for. It
// is advice shown while a password is chosen; the key derivation is what protects the vault.
#pragma once

#include <string>
#include <string_view>

namespace sopvault::core {

enum class PasswordStrength
{
    Empty,
    Weak,
    Fair,
    Strong
};

struct PasswordQuality
{
    PasswordStrength strength = PasswordStrength::Empty;
    int score = 0;      // libpwquality's 0-100; 0 when it refuses the password
    std::string advice; // one sentence for the person choosing it
};

// `password` is only read (copied for libpwquality into locked memory, wiped after); `user` is
// the name it belongs to (a password containing it is weak).
[[nodiscard]] PasswordQuality passwordQuality(std::string_view password, std::string_view user);

} // namespace sopvault::core
