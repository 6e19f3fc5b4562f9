// The one temporary folder of every test program: private (mode 0700, from mkdtemp), removed
// with everything in it at the end of the test.
#pragma once

#include <filesystem>

namespace sopvault::test {

class TempDir
{
public:
    // FAILs the running test when the folder cannot be made.
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

} // namespace sopvault::test
