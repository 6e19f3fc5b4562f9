// The people of the team sync tests and their server: see Team.h.
#include "Team.h"

#include "TestServer.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace sopvault::synctest {

using clitest::passwordOf;
using nlohmann::json;

std::string urlOn(std::string_view socketDir, std::string_view role)
{
    return fmt::format("postgresql:///sopvault?host={}&user={}", socketDir, role);
}

remote::Connection connectOn(std::string_view socketDir, std::string_view role)
{
    auto c = remote::Connection::open(urlOn(socketDir, role));
    INFO((c ? std::string() : c.error().error.message));
    REQUIRE(c);
    return std::move(*c);
}

void ensureSchemaOn(std::string_view socketDir)
{
    auto admin = connectOn(socketDir, "postgres");
    auto applied = remote::applyMigrations(admin);
    INFO((applied ? std::string() : applied.error().error.message));
    REQUIRE(applied);
}

std::int64_t countRows(remote::Connection& c, std::string_view sql,
                       const std::vector<remote::Param>& params)
{
    return servertest::count(c, sql, params);
}

void exec(remote::Connection& c, std::string_view sql, const std::vector<remote::Param>& params)
{
    (void)servertest::must(c, sql, params);
}

// --- PrivateCluster ---

PrivateCluster::PrivateCluster()
    // Directly under /tmp: a Unix socket path must stay short, and the postgres user (the server
    // runs as it when the tests run as root) must reach the folder.
    : m_dir(std::filesystem::path("/tmp") / servertest::freshName("svpg"))
{
    script("start");
    m_running = true;
    ensureSchemaOn(socketDir());
}

PrivateCluster::~PrivateCluster()
{
    const std::string command =
        fmt::format("'{}' stop '{}' >/dev/null 2>&1", SOPVAULT_PG_CLUSTER_SCRIPT, m_dir.string());
    // Nothing more to do if it fails: a destructor cannot fail the test, and the next start of a
    // cluster in this folder removes what is left.
    [[maybe_unused]] const int status = std::system(command.c_str());
    std::error_code ignored;
    std::filesystem::remove(m_dir.string() + ".log", ignored);
}

std::string PrivateCluster::socketDir() const
{
    return (m_dir / "sock").string();
}

void PrivateCluster::script(std::string_view action) const
{
    const std::string log = m_dir.string() + ".log";
    const std::string command = fmt::format("'{}' {} '{}' >'{}' 2>&1", SOPVAULT_PG_CLUSTER_SCRIPT,
                                            action, m_dir.string(), log);
    const int status = std::system(command.c_str());
    INFO("pg-cluster " << action << ": " << clitest::readFile(log));
    REQUIRE(status == 0);
}

void PrivateCluster::pause()
{
    REQUIRE(m_running);
    script("pause");
    m_running = false;
}

void PrivateCluster::resume()
{
    REQUIRE_FALSE(m_running);
    script("resume");
    m_running = true;
}

void PrivateCluster::restart()
{
    pause();
    resume();
}

// --- Person ---

Person::Person(std::string name, std::string socketDir)
    : m_name(std::move(name)), m_socket(std::move(socketDir)), m_cli(m_home.path())
{}

std::filesystem::path Person::stateDir() const
{
    return m_home.path() / "state" / "sopvault";
}

RunResult Person::run(const std::vector<std::string>& args, std::string_view input,
                      const Env& env) const
{
    Env all = clitest::as(m_name);
    for (const auto& [key, value] : env) {
        all[key] = value;
    }
    return m_cli.run(args, all, input);
}

RunResult Person::ok(const std::vector<std::string>& args, std::string_view input,
                     const Env& env) const
{
    auto r = run(args, input, env);
    INFO(m_name << ": " << r.describe());
    REQUIRE(r.code == clitest::kOk);
    return r;
}

json Person::json(const std::vector<std::string>& args, std::string_view input,
                  const Env& env) const
{
    std::vector<std::string> all{"--json"};
    all.insert(all.end(), args.begin(), args.end());
    return clitest::parseJson(ok(all, input, env));
}

RunResult Person::runAtTerminal(const std::vector<std::string>& args) const
{
    return m_cli.runAtTerminal(args, clitest::as(m_name));
}

json Person::jsonAtTerminal(const std::vector<std::string>& args) const
{
    std::vector<std::string> all{"--json"};
    all.insert(all.end(), args.begin(), args.end());
    auto r = runAtTerminal(all);
    INFO(m_name << ": " << r.describe());
    REQUIRE(r.code == clitest::kOk);
    return clitest::parseJson(r);
}

json Person::remoteShow(bool offline) const
{
    if (offline) {
        return json({"--offline", "remote", "show"});
    }
    return json({"remote", "show"});
}

json Person::sync() const
{
    return json({"sync"});
}

json Person::history(std::string_view sop) const
{
    return json({"sop", "history", std::string(sop)});
}

std::string Person::body(std::string_view sop, std::uint64_t version) const
{
    std::vector<std::string> args{"sop", "show", std::string(sop)};
    if (version != 0) {
        args.insert(args.end(), {"--version", std::to_string(version)});
    }
    return jsonAtTerminal(args).at("body").get<std::string>();
}

std::string Person::inputFile(std::string_view name, std::string_view content) const
{
    const auto file = m_inputs.path() / name;
    clitest::writeFile(file, content);
    return file.string();
}

std::unique_ptr<core::Session> Person::unlock() const
{
    auto password = crypto::SecureBuffer::copyOf(passwordOf(m_name));
    REQUIRE(password);
    core::OpenOptions options;
    options.stateDir = stateDir();
    auto session = core::unlock(vault(), m_name, *password, options);
    INFO(m_name << ": " << (session ? std::string() : session.error().message));
    REQUIRE(session);
    return std::move(*session);
}

remote::PgServer Person::server() const
{
    auto server = remote::PgServer::connect(url());
    INFO(m_name << ": " << (server ? std::string() : server.error().error.message));
    REQUIRE(server);
    return std::move(*server);
}

// --- Team ---

Team::Team() : Team(servertest::socketDir()) {}

Team::Team(std::string socketDir) : m_socket(std::move(socketDir))
{
    ensureSchemaOn(m_socket);
    m_people.push_back(std::make_unique<Person>(servertest::freshName("olivia"), m_socket));
}

void Team::init()
{
    Person& o = owner();
    auto created = o.cli().run({"--json", "init", "--owner", o.name(), "--kdf", "interactive"},
                               {{"SOPVAULT_NEW_PASSWORD", passwordOf(o.name())}});
    INFO(created.describe());
    REQUIRE(created.code == clitest::kOk);
    m_vaultId = clitest::parseJson(created).at("vault_id").get<std::string>();
    addMember(o);
}

void Team::publish()
{
    owner().ok({"remote", "set", owner().url()});
    owner().ok({"remote", "publish"});
}

void Team::found()
{
    init();
    owner().ok({"collection", "add", "Clients"});
    publish();
}

Person& Team::addPerson(std::string_view prefix)
{
    m_people.push_back(std::make_unique<Person>(servertest::freshName(prefix), m_socket));
    return *m_people.back();
}

void Team::addVaultUser(const Person& who, std::string_view role, std::string_view collection)
{
    owner().ok({"user", "add", who.name(), "--kdf", "interactive"}, {},
               {{"SOPVAULT_NEW_PASSWORD", passwordOf(who.name())}});
    owner().ok({"grant", who.name(), std::string(role), std::string(collection)});
}

void Team::addMember(const Person& who)
{
    REQUIRE_FALSE(m_vaultId.empty());
    auto added = owner().cli().run({"server", "add-member", who.name(), "--vault-id", m_vaultId,
                                    "--no-password", "--admin", adminUrl()});
    INFO(added.describe());
    REQUIRE(added.code == clitest::kOk);
}

void Team::clone(const Person& who)
{
    // The folder the vault goes in is private, as the CLI makes its own.
    const auto folder = who.vault().parent_path();
    std::filesystem::create_directories(folder);
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all);
    who.ok({"--vault", who.vault().string(), "clone", who.url(), m_vaultId});
}

Person& Team::join(std::string_view prefix, std::string_view role, std::string_view collection)
{
    Person& who = addPerson(prefix);
    addVaultUser(who, role, collection);
    addMember(who);
    clone(who);
    return who;
}

std::int64_t Team::serverRecords() const
{
    auto c = admin();
    return countRows(c, "SELECT count(*) FROM sopvault.records WHERE vault_id = $1",
                     {remote::Param::text(m_vaultId)});
}

std::int64_t Team::serverDoubles() const
{
    auto c = admin();
    return countRows(c,
                     "SELECT count(*) - count(DISTINCT entry_hash) FROM sopvault.records WHERE "
                     "vault_id = $1",
                     {remote::Param::text(m_vaultId)});
}

std::int64_t Team::serverOutOfOrder() const
{
    auto c = admin();
    return countRows(c,
                     "SELECT count(*) FROM (SELECT height, lag(height) OVER (PARTITION BY chain "
                     "ORDER BY position) AS prev FROM sopvault.records WHERE vault_id = $1) t "
                     "WHERE height <> coalesce(prev, 0) + 1",
                     {remote::Param::text(m_vaultId)});
}

std::int64_t Team::settle(const std::vector<const Person*>& except)
{
    // Everyone who holds a replica: the owner and whoever cloned.
    std::vector<const Person*> replicas;
    for (const auto& p : m_people) {
        if (std::filesystem::exists(p->vault()) &&
            std::find(except.begin(), except.end(), p.get()) == except.end()) {
            replicas.push_back(p.get());
        }
    }
    // Every command adds its own audit entry (an unlock is audited), so replicas never stand at
    // one position for long: after everyone synced, each shows its standing, and all must agree
    // on the fingerprint at the lowest position among them, with nothing of theirs left waiting.
    for (const Person* p : replicas) {
        (void)p->sync();
    }
    std::vector<nlohmann::json> shown;
    std::int64_t common = -1;
    std::int64_t newest = 0;
    for (const Person* p : replicas) {
        shown.push_back(p->remoteShow());
        const auto position = shown.back().at("position").get<std::int64_t>();
        common = common < 0 ? position : std::min(common, position);
        newest = std::max(newest, position);
    }
    std::string agreed;
    for (std::size_t i = 0; i < replicas.size(); ++i) {
        INFO(replicas[i]->name() << ": " << shown[i].dump());
        CHECK(shown[i].at("vault_id") == m_vaultId);
        CHECK(shown[i].at("pending") == 0);
        const auto at = replicas[i]->json({"remote", "show", "--at", std::to_string(common)});
        CHECK(at.at("position") == common);
        if (agreed.empty()) {
            agreed = at.at("fingerprint").get<std::string>();
        }
        CHECK(at.at("fingerprint") == agreed);
    }
    // The last to show had pulled everything before it and pushed its own entry.
    CHECK(newest <= serverRecords());
    CHECK(common >= newest - static_cast<std::int64_t>(replicas.size()));
    return serverRecords();
}

} // namespace sopvault::synctest
