// The people of the team sync tests: each with a HOME of their own and the real CLI, one vault on
// a test server (the run's shared cluster, or a private one a test may stop), a fresh vault id.
#pragma once

#include "CliRunner.h"
#include "TempDir.h"
#include "sopvault/core/Vault.h"
#include "sopvault/remote/PgServer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::synctest {

using clitest::Env;
using clitest::RunResult;
using test::TempDir;

// A libpq URL for `role` on the sopvault database of the cluster whose socket is in `socketDir`.
[[nodiscard]] std::string urlOn(std::string_view socketDir, std::string_view role);
// REQUIRE-s a connection as `role` (trust authentication on the test clusters).
[[nodiscard]] remote::Connection connectOn(std::string_view socketDir, std::string_view role);
// The cluster's schema applied (idempotent).
void ensureSchemaOn(std::string_view socketDir);

// A PostgreSQL cluster of this test alone, for tests that stop or restart the server (never the
// shared one). Started in the constructor, stopped and removed in the destructor.
class PrivateCluster
{
public:
    PrivateCluster();
    ~PrivateCluster();
    PrivateCluster(const PrivateCluster&) = delete;
    PrivateCluster& operator=(const PrivateCluster&) = delete;
    [[nodiscard]] std::string socketDir() const;
    // Stops the server, keeping its data (clients now find no server).
    void pause();
    // Starts it again on the same data and socket.
    void resume();
    // Both: the server restarted.
    void restart();

private:
    void script(std::string_view action) const;
    std::filesystem::path m_dir;
    bool m_running = false;
};

// One person on one laptop: a HOME (data, state and the vault at its default place), an inputs
// folder, the CLI, and their own database login role, named like their vault user.
class Person
{
public:
    Person(std::string name, std::string socketDir);
    [[nodiscard]] const std::string& name() const { return m_name; }
    // Their login on the server.
    [[nodiscard]] std::string url() const { return urlOn(m_socket, m_name); }
    [[nodiscard]] const clitest::CliRunner& cli() const { return m_cli; }
    [[nodiscard]] std::filesystem::path vault() const { return m_cli.defaultVault(); }
    // Where the CLI keeps this machine's marks ($XDG_STATE_HOME/sopvault).
    [[nodiscard]] std::filesystem::path stateDir() const;

    // As this person (SOPVAULT_USER, SOPVAULT_PASSWORD), stdout and stderr pipes.
    [[nodiscard]] RunResult run(const std::vector<std::string>& args, std::string_view input = {},
                                const Env& env = {}) const;
    // REQUIRE-s exit 0.
    RunResult ok(const std::vector<std::string>& args, std::string_view input = {},
                 const Env& env = {}) const;
    // `--json` first, REQUIRE-s exit 0 and one JSON document.
    nlohmann::json json(const std::vector<std::string>& args, std::string_view input = {},
                        const Env& env = {}) const;
    // At a terminal (reading SOP text into a pipe would be an export).
    nlohmann::json jsonAtTerminal(const std::vector<std::string>& args) const;
    [[nodiscard]] RunResult runAtTerminal(const std::vector<std::string>& args) const;

    // `remote show --json` (it syncs first unless `offline`).
    nlohmann::json remoteShow(bool offline = false) const;
    // `sync --json`, REQUIRE-ing exit 0.
    nlohmann::json sync() const;
    // The SOP's `sop history --json`, the fields every replica must agree on.
    nlohmann::json history(std::string_view sop) const;
    // The body of a SOP's newest version (or `version`), read at a terminal.
    std::string body(std::string_view sop, std::uint64_t version = 0) const;
    // Writes `content` to inputs()/name, returns the path.
    std::string inputFile(std::string_view name, std::string_view content) const;

    // This person's vault unlocked through core (for tests that drive the engine directly).
    [[nodiscard]] std::unique_ptr<core::Session> unlock() const;
    // A member connection to the server as core's RecordServer.
    [[nodiscard]] remote::PgServer server() const;

private:
    std::string m_name;
    std::string m_socket;
    TempDir m_home;
    TempDir m_inputs;
    clitest::CliRunner m_cli;
};

// A team on one server: the owner (made in the constructor) and whoever joins. Names are fresh
// per test (database roles are per cluster), so tests on the shared cluster never meet.
class Team
{
public:
    // On the run's shared cluster ($SOPVAULT_TEST_PGHOST), or on `socketDir`.
    Team();
    explicit Team(std::string socketDir);

    [[nodiscard]] Person& owner() { return *m_people.front(); }
    // Everyone, the owner first, in the order they were added.
    [[nodiscard]] const std::deque<std::unique_ptr<Person>>& people() const { return m_people; }
    [[nodiscard]] const std::string& vaultId() const { return m_vaultId; }
    [[nodiscard]] const std::string& socketDir() const { return m_socket; }

    // The owner runs `init` (vault id noted) and gets a member role for it.
    void init();
    // `remote set` and `remote publish` as the owner.
    void publish();
    // init, a collection "Clients", publish.
    void found();

    // A new person in the vault: the owner adds them (vault password set) and grants `role` on
    // `collection`; their database role joins the vault; they clone it.
    Person& join(std::string_view prefix, std::string_view role = "technician",
                 std::string_view collection = "Clients");
    // The same without cloning, or without being a vault user at all.
    Person& addPerson(std::string_view prefix);
    void addVaultUser(const Person& who, std::string_view role, std::string_view collection);
    void addMember(const Person& who);
    void clone(const Person& who);

    // The database administrator (the superuser; in tamper tests the malicious server).
    [[nodiscard]] std::string adminUrl() const { return urlOn(m_socket, "postgres"); }
    [[nodiscard]] remote::Connection admin() const { return connectOn(m_socket, "postgres"); }
    // Rows of this vault on the server, and rows whose entry hash appears more than once.
    [[nodiscard]] std::int64_t serverRecords() const;
    [[nodiscard]] std::int64_t serverDoubles() const;
    // Records whose chain height is not one more than the previous record of their chain, in
    // position order (0: every chain went up in order, no gaps).
    [[nodiscard]] std::int64_t serverOutOfOrder() const;

    // Everyone with a replica (but `except`) syncs until a round pushes nothing, then REQUIRE-s
    // that every replica stands at the same position with the same fingerprint and nothing
    // pending, the server's position; returns that position.
    std::int64_t settle(const std::vector<const Person*>& except = {});

private:
    std::string m_socket;
    std::string m_vaultId;
    std::deque<std::unique_ptr<Person>> m_people;
};

// The count(*) a superuser query gives.
[[nodiscard]] std::int64_t countRows(remote::Connection& c, std::string_view sql,
                                     const std::vector<remote::Param>& params = {});
// A statement that must succeed.
void exec(remote::Connection& c, std::string_view sql,
          const std::vector<remote::Param>& params = {});

} // namespace sopvault::synctest
