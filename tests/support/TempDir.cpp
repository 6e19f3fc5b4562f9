// The shared temporary folder (see TempDir.h).
#include "TempDir.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sopvault::test {

TempDir::TempDir()
{
    // mkdtemp picks a name no other test (or run) has and makes the folder 0700 in one step, so
    // nobody else on the machine can look into a vault a test is tampering with.
    std::string pattern = std::filesystem::temp_directory_path() / "sopvault-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        FAIL("cannot make a temporary folder from " << pattern << ": " << std::strerror(errno));
    }
    m_path = pattern;
}

TempDir::~TempDir()
{
    // A destructor must not throw (Catch2 reports by throwing); a folder left behind in the
    // system temp folder harms no later test, since every test gets a new name.
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

} // namespace sopvault::test
