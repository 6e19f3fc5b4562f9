// libpwquality behind the strength rule (see PasswordQuality.h).
#include "sopvault/core/PasswordQuality.h"

#include "sopvault/crypto/SecureBuffer.h"

#include <pwquality.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

namespace sopvault::core {
namespace {

struct SettingsFree
{
    void operator()(pwquality_settings_t* s) const { pwquality_free_settings(s); }
};
using Settings = std::unique_ptr<pwquality_settings_t, SettingsFree>;

Settings settings(int minLength)
{
    Settings s(pwquality_default_settings());
    if (s) {
        void* aux = nullptr;
        if (pwquality_read_config(s.get(), nullptr, &aux) != 0) {
            pwquality_strerror(nullptr, 0, 0, aux); // frees aux; the defaults stay
        }
        if (minLength > 0) {
            pwquality_set_int_value(s.get(), PWQ_SETTING_MIN_LENGTH, minLength);
        }
    }
    return s;
}

// libpwquality wants C strings: `text` with a NUL after it, in locked memory.
std::optional<crypto::SecureBuffer> cString(std::string_view text)
{
    auto buffer = crypto::SecureBuffer::allocate(text.size() + 1);
    if (!buffer) {
        return std::nullopt;
    }
    std::copy(text.begin(), text.end(), buffer->data());
    buffer->data()[text.size()] = 0;
    return std::move(*buffer);
}

const char* chars(const crypto::SecureBuffer& b)
{
    return reinterpret_cast<const char*>(b.data());
}

// The password without the digits and symbols people add to a word to pass a rule
// ("Password1234!" -> "password"), in lower case.
std::string wordCore(std::string_view password)
{
    std::size_t end = password.size();
    while (end > 0 && !std::isalpha(static_cast<unsigned char>(password[end - 1]))) {
        --end;
    }
    std::string out(password.substr(0, end));
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

PasswordQuality passwordQuality(std::string_view password, std::string_view user)
{
    if (password.empty()) {
        return {PasswordStrength::Empty, 0,
                "Choose a password (a passphrase of four or more words is best)."};
    }
    const auto pw = cString(password);
    const auto name = cString(user);
    const Settings s = settings(0);
    if (!pw || !name || !s) {
        return {PasswordStrength::Fair, 0, "The strength of this password cannot be checked."};
    }
    void* aux = nullptr;
    const int score =
        pwquality_check(s.get(), chars(*pw), nullptr, user.empty() ? nullptr : chars(*name), &aux);
    if (score < 0) {
        char text[256];
        std::string why = pwquality_strerror(text, sizeof text, score, aux);
        return {PasswordStrength::Weak, 0, "Weak: " + why + "."};
    }
    // A dictionary word with digits or symbols after it is among the first guesses, however
    // libpwquality scores the whole ("Password1234").
    const std::string word = wordCore(password);
    if (word.size() >= 6 && word.size() < password.size()) {
        const Settings loose = settings(6); // libpwquality's lowest minimum length
        const auto core = cString(word);
        void* wordAux = nullptr;
        const int wordScore =
            loose && core ? pwquality_check(loose.get(), chars(*core), nullptr, nullptr, &wordAux)
                          : 0;
        pwquality_strerror(nullptr, 0, wordScore, wordAux); // frees wordAux
        if (wordScore == PWQ_ERROR_CRACKLIB_CHECK) {
            return {PasswordStrength::Weak, score,
                    "Weak: a dictionary word with digits or symbols added is guessed early; use a "
                    "passphrase of several unrelated words."};
        }
    }
    if (password.size() < 12 || score < 50) {
        return {PasswordStrength::Fair, score,
                "Fair: longer is stronger; a passphrase of four unrelated words is better."};
    }
    return {PasswordStrength::Strong, score, "Strong."};
}

} // namespace sopvault::core
