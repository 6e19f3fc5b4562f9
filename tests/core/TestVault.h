// Test fixture for core: a vault in a fresh temporary folder, people with known passwords,
// a fixed clock, and raw access to the file for tamper tests (RawFile.h, Attacker.h).
#pragma once

#include "TempDir.h"
#include "sopvault/core/Vault.h"
#include "storage/Database.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sopvault::test {

crypto::SecureBuffer password(std::string_view text);

// Everyone's password is "<name>-pw"; the KDF is the interactive profile to keep tests quick.
class TestVault
{
public:
    TestVault();
    [[nodiscard]] const std::filesystem::path& file() const { return m_file; }
    [[nodiscard]] core::ManualClock& clock() { return m_clock; }

    // Unlocks as `user`; REQUIREs success.
    std::unique_ptr<core::Session> as(std::string_view user);
    [[nodiscard]] Result<std::unique_ptr<core::Session>> tryAs(std::string_view user,
                                                               std::string_view pw = {});
    // owner "olivia" adds `name`.
    void addUser(std::string_view name);
    // Runs verify as the owner and returns the report.
    core::VerifyReport verifyAsOwner();
    // Raw database handle for tamper tests (the vault must not be open elsewhere).
    core::storage::Database raw();
    // Turns on rollback detection: this "machine" keeps its marks under the test folder.
    void useStateDir() { m_options.stateDir = m_dir.path() / "state"; }
    [[nodiscard]] const core::OpenOptions& options() const { return m_options; }
    // The recovery code createVault showed once.
    [[nodiscard]] const std::string& recoveryCode() const { return m_recoveryCode; }

private:
    TempDir m_dir;
    std::filesystem::path m_file;
    core::ManualClock m_clock{1798761600}; // 2027-01-01T00:00:00Z
    core::OpenOptions m_options;
    std::string m_recoveryCode;
};

// Adds a SOP as `s`; REQUIREs success.
core::Id addSop(core::Session& s, const std::string& collection, const std::string& title,
                const std::string& body, std::vector<std::string> tags = {});

// A whole file's bytes (REQUIREs it opens), and writing them back in its place.
crypto::Bytes readFile(const std::filesystem::path& path);
void writeFile(const std::filesystem::path& path, const crypto::Bytes& bytes);

// Every file under `dir` (recursively), and every file directly in the system temp dir written
// since `since` (older files there belong to other programs), that contains `marker`.
std::vector<std::filesystem::path> filesContaining(const std::filesystem::path& dir,
                                                   std::string_view marker,
                                                   std::filesystem::file_time_type since);

} // namespace sopvault::test
