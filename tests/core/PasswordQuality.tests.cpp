// The password strength rule (libpwquality with cracklib's dictionary): the passwords people
// really pick are called weak, a passphrase strong, and the advice says why.
#include "sopvault/core/PasswordQuality.h"

#include <catch2/catch.hpp>

using namespace sopvault::core;

TEST_CASE("a dictionary word with digits added is weak, however long", "[password]")
{
    for (const char* pw : {"Password1234", "password2024!", "Welcome12345", "Summer2026!!"}) {
        INFO(pw);
        const PasswordQuality q = passwordQuality(pw, "olivia");
        CHECK(q.strength == PasswordStrength::Weak);
        CHECK(q.advice.find("Weak") == 0);
    }
}

TEST_CASE("short passwords, the user's own name and dictionary words are weak, with the reason",
          "[password]")
{
    const PasswordQuality tooShort = passwordQuality("tom pw", "tom");
    CHECK(tooShort.strength == PasswordStrength::Weak);
    CHECK(tooShort.advice.find("shorter") != std::string::npos);
    const PasswordQuality named = passwordQuality("olivia2024!", "olivia");
    CHECK(named.strength == PasswordStrength::Weak);
    CHECK(named.advice.find("user name") != std::string::npos);
    CHECK(passwordQuality("dictionary", "").strength == PasswordStrength::Weak);
}

TEST_CASE("a passphrase of unrelated words is strong; a short mixed one only fair; none is empty",
          "[password]")
{
    CHECK(passwordQuality("blue-lantern-cactus-river", "olivia").strength ==
          PasswordStrength::Strong);
    CHECK(passwordQuality("correct horse battery", "olivia").strength == PasswordStrength::Strong);
    // A famous word in disguise is still a word: cracklib undoes the substitutions.
    CHECK(passwordQuality("Tr0ub4dor&3", "olivia").strength == PasswordStrength::Weak);
    const PasswordQuality shortMixed = passwordQuality("Kx9#vQ2m!p", "olivia");
    CHECK(shortMixed.strength == PasswordStrength::Fair);
    CHECK(shortMixed.score > 0);
    const PasswordQuality none = passwordQuality("", "olivia");
    CHECK(none.strength == PasswordStrength::Empty);
    CHECK_FALSE(none.advice.empty());
}
