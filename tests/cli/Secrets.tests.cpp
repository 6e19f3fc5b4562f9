// Secrets from the environment leave it as soon as sopvault-cli reads them, and `init` pins the
// new vault on this machine so an impostor with the same owner name is refused.
#include "CliRunner.h"
#include "Password.h"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace sopvault::clitest;

TEST_CASE("secrets read from the environment are unset at once and kept in secure memory",
          "[cli][secrets]")
{
    for (const char* name :
         {"SOPVAULT_PASSWORD", "SOPVAULT_NEW_PASSWORD", "SOPVAULT_RECOVERY_CODE"}) {
        INFO(name);
        REQUIRE(::setenv(name, "Env-Secret-9Kq", 1) == 0);
        auto secret = std::string_view(name) == "SOPVAULT_PASSWORD"
                          ? sopvault::cli::readPassword("olivia")
                      : std::string_view(name) == "SOPVAULT_NEW_PASSWORD"
                          ? sopvault::cli::readNewPassword("olivia")
                          : sopvault::cli::readRecoveryCode();
        REQUIRE(secret);
        CHECK(secret->view() == "Env-Secret-9Kq");
        CHECK(std::getenv(name) == nullptr);
    }
}

TEST_CASE("init pins the vault here: an impostor vault with the same owner name is refused",
          "[cli][secrets]")
{
    Team team;
    team.init("olivia");
    // Mallory makes her own vault with an owner called olivia, on another machine (another
    // state folder), and puts it in place of the real one.
    const auto impostor = team.inputs() / "impostor.sopvault";
    const auto made = team.cli().run(
        {"--vault", impostor.string(), "init", "--owner", "olivia", "--kdf", "interactive"},
        {{"SOPVAULT_NEW_PASSWORD", passwordOf("olivia")},
         {"XDG_STATE_HOME", (team.inputs() / "mallory-state").string()}});
    INFO(made.describe());
    REQUIRE(made.code == kOk);
    std::filesystem::copy_file(impostor, team.vault(),
                               std::filesystem::copy_options::overwrite_existing);
    for (const char* suffix : {"-wal", "-shm"}) {
        std::filesystem::path side = team.vault();
        side += suffix;
        std::filesystem::remove(side);
    }
    checkError(team.run("olivia", {"sop", "list"}), kIntegrity, "integrity");
}
