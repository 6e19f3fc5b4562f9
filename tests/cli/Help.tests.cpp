// --help on every sopvault-cli command and subcommand, the examples, and --version.
#include "CliRunner.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sopvault::clitest;

TEST_CASE("help: every command and subcommand answers --help without a vault or a user", "[cli]")
{
    TempDir home;
    const CliRunner cli(home.path());
    const std::vector<std::vector<std::string>> commands = {
        {},
        {"init"},
        {"recover"},
        {"whoami"},
        {"passwd"},
        {"user"},
        {"user", "add"},
        {"user", "list"},
        {"user", "remove"},
        {"owner"},
        {"owner", "add"},
        {"role"},
        {"role", "list"},
        {"role", "add"},
        {"role", "remove"},
        {"collection"},
        {"collection", "add"},
        {"collection", "list"},
        {"grant"},
        {"ungrant"},
        {"access"},
        {"sop"},
        {"sop", "add"},
        {"sop", "list"},
        {"sop", "show"},
        {"sop", "edit"},
        {"sop", "history"},
        {"sop", "diff"},
        {"sop", "restore"},
        {"sop", "archive"},
        {"sop", "flag"},
        {"sop", "link"},
        {"search"},
        {"review"},
        {"review", "due"},
        {"review", "signoff"},
        {"review", "history"},
        {"review", "report"},
        {"export"},
        {"import"},
        {"audit"},
        {"verify"},
        {"remote"},
        {"remote", "set"},
        {"remote", "show"},
        {"remote", "publish"},
        {"clone"},
        {"sync"},
        {"conflicts"},
        {"resolve"},
        {"server"},
        {"server", "init"},
        {"server", "add-member"},
        {"server", "remove-member"},
    };
    // The commands whose help carries an example in Cli.cpp.
    const std::vector<std::vector<std::string>> withExample = {{"init"},
                                                               {"whoami"},
                                                               {"passwd"},
                                                               {"user", "add"},
                                                               {"role", "add"},
                                                               {"collection", "add"},
                                                               {"grant"},
                                                               {"ungrant"},
                                                               {"sop", "add"},
                                                               {"sop", "show"},
                                                               {"sop", "edit"},
                                                               {"sop", "flag"},
                                                               {"review", "due"},
                                                               {"review", "signoff"},
                                                               {"review", "report"},
                                                               {"user", "remove"},
                                                               {"remote", "set"},
                                                               {"remote", "show"},
                                                               {"remote", "publish"},
                                                               {"clone"},
                                                               {"sync"},
                                                               {"conflicts"},
                                                               {"resolve"},
                                                               {"server", "init"},
                                                               {"server", "add-member"},
                                                               {"server", "remove-member"}};

    for (const auto& command : commands) {
        auto args = command;
        args.emplace_back("--help");
        const auto r = cli.run(args);
        INFO(r.describe());
        CHECK(r.code == kOk);
        CHECK(r.err.empty());
        std::string usage = "Usage: sopvault-cli";
        for (const auto& word : command) {
            usage += " " + word;
        }
        CHECK(r.out.find(usage) != std::string::npos);
        const bool example =
            std::find(withExample.begin(), withExample.end(), command) != withExample.end();
        if (example) {
            CHECK(r.out.find("\nExample: ") != std::string::npos);
        }
    }
    CHECK_FALSE(std::filesystem::exists(cli.defaultVault()));
}

TEST_CASE("version: --version prints the name and version", "[cli]")
{
    TempDir home;
    const CliRunner cli(home.path());
    const auto r = cli.run({"--version"});
    INFO(r.describe());
    CHECK(r.code == kOk);
    CHECK(r.out == "sopvault-cli 0.1.0\n");
    CHECK(r.err.empty());
}

TEST_CASE("help: the team commands name their secrets' sources and the global --offline",
          "[cli][sync]")
{
    TempDir home;
    const CliRunner cli(home.path());
    const auto top = cli.run({"--help"});
    CHECK(top.out.find("--offline") != std::string::npos);
    const auto set = cli.run({"remote", "set", "--help"});
    CHECK(set.out.find("SOPVAULT_DB_PASSWORD") != std::string::npos);
    // server add-member names the vault by its id; --vault is the global vault file.
    const auto add = cli.run({"server", "add-member", "--help"});
    CHECK(add.out.find("--vault-id") != std::string::npos);
    const auto remove = cli.run({"user", "remove", "--help"});
    CHECK(remove.out.find("--db-role") != std::string::npos);
}
