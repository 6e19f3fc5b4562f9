// Tamper cases 12, 13 and 16 (on the server) of security.md through the CLI: the malicious server,
// played by the superuser with the append-only triggers off, drops, reorders, changes, rolls back
// or forks the log. Each client that meets it fails closed (exit 5) naming what it found, and
// changes nothing.
#include "SyncRecords.h"
#include "Team.h"
#include "TestServer.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

using namespace sopvault;
using namespace sopvault::synctest;
using nlohmann::json;

namespace {

// The superuser as a server that lies: rewrites a vault's rows in one transaction with the
// triggers off (so nobody else ever sees them off), then makes the chain heads and the vault's
// position match what is left, as a careful liar would.
class MaliciousServer
{
public:
    explicit MaliciousServer(const Team& team) : m_admin(team.admin()), m_vault(team.vaultId()) {}

    // Each statement gets the vault id as $1.
    void rewrite(const std::vector<std::string>& statements)
    {
        const std::vector<remote::Param> v{remote::Param::text(m_vault)};
        exec(m_admin, "BEGIN");
        for (const char* table : kTables) {
            exec(m_admin, fmt::format("ALTER TABLE sopvault.{} DISABLE TRIGGER USER", table));
        }
        for (const auto& sql : statements) {
            exec(m_admin, sql, v);
        }
        exec(m_admin, "DELETE FROM sopvault.chain_heads WHERE vault_id = $1", v);
        exec(m_admin,
             "INSERT INTO sopvault.chain_heads (vault_id, chain, height, head_hash) SELECT "
             "DISTINCT ON (chain) vault_id, chain, height, entry_hash FROM sopvault.records "
             "WHERE vault_id = $1 ORDER BY chain, height DESC",
             v);
        exec(m_admin,
             "UPDATE sopvault.vaults SET last_position = (SELECT coalesce(max(position), 0) "
             "FROM sopvault.records WHERE vault_id = $1) WHERE vault_id = $1",
             v);
        for (const char* table : kTables) {
            exec(m_admin, fmt::format("ALTER TABLE sopvault.{} ENABLE TRIGGER USER", table));
        }
        exec(m_admin, "COMMIT");
    }

    [[nodiscard]] std::int64_t positionOf(std::string_view chain, std::int64_t height)
    {
        auto rows = servertest::must(m_admin,
                                     "SELECT position FROM sopvault.records WHERE vault_id = $1 "
                                     "AND chain = $2 AND height = $3",
                                     {remote::Param::text(m_vault), remote::Param::text(chain),
                                      remote::Param::int64(height)});
        REQUIRE(rows.size() == 1);
        return rows.int64(0, 0);
    }
    [[nodiscard]] std::int64_t last()
    {
        return countRows(m_admin, "SELECT last_position FROM sopvault.vaults WHERE vault_id = $1",
                         {remote::Param::text(m_vault)});
    }
    [[nodiscard]] remote::Connection& admin() { return m_admin; }

private:
    static constexpr const char* kTables[] = {"records", "chain_heads", "vaults"};
    remote::Connection m_admin;
    std::string m_vault;
};

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Exit 5 with the one error line, which names what was found (one of `words`).
void checkCaught(const RunResult& r, std::initializer_list<std::string_view> words)
{
    clitest::checkError(r, clitest::kIntegrity, "integrity");
    const std::string said = lower(r.err);
    INFO(r.describe());
    CHECK(std::any_of(words.begin(), words.end(),
                      [&](std::string_view w) { return said.find(w) != std::string::npos; }));
}

// The client's replica did not move: what it had verified before still stands.
void checkUnchanged(const Person& p, const json& before)
{
    const auto now = p.remoteShow(true);
    CHECK(now.at("position") == before.at("position"));
    CHECK(now.at("fingerprint") == before.at("fingerprint"));
}

const std::string kV1 = "# Firewall change\n\n1. Open a change ticket.\n";

// The owner publishes a SOP, a technician clones it, everyone settles; then the owner edits it
// three times (versions 2 to 4) while the technician does not sync. Returns the SOP's id.
std::string writeOn(Team& team)
{
    Person& owner = team.owner();
    team.found();
    const std::string id = owner
                               .json({"sop", "add", "Clients", "--title", "Firewall", "--file",
                                      owner.inputFile("v1.md", kV1)})
                               .at("id");
    (void)team.join("tom", "technician", "Clients");
    team.settle();
    for (int v = 2; v <= 4; ++v) {
        owner.ok({"sop", "edit", id, "--file",
                  owner.inputFile("v.md", kV1 + fmt::format("{}. Step {}.\n", v, v))});
    }
    return id;
}

} // namespace

TEST_CASE("Tamper 12: a server that drops, reorders or changes records is caught (exit 5) by a "
          "client that pulls them, and nothing is changed",
          "[sync][tamper]")
{
    Team team;
    const std::string id = writeOn(team);
    Person& tech = *team.people().back();
    const std::string chain = "sop/" + id;
    MaliciousServer server(team);
    const std::int64_t p2 = server.positionOf(chain, 2);
    const std::int64_t p3 = server.positionOf(chain, 3);
    const json behind = tech.remoteShow(true);
    REQUIRE(behind.at("position").get<std::int64_t>() < p2);

    SECTION("a record dropped, leaving a gap")
    {
        server.rewrite({fmt::format(
            "DELETE FROM sopvault.records WHERE vault_id = $1 AND position = {}", p2)});
        checkCaught(tech.run({"sync"}), {"gap", "missing", "position", "dropped"});
    }
    SECTION("a record dropped and the later ones moved up to hide it")
    {
        server.rewrite(
            {fmt::format("DELETE FROM sopvault.records WHERE vault_id = $1 AND position = {}", p2),
             fmt::format("UPDATE sopvault.records SET position = position + 1000000 WHERE "
                         "vault_id = $1 AND position > {}",
                         p2),
             "UPDATE sopvault.records SET position = position - 1000001 WHERE vault_id = $1 AND "
             "position > 1000000"});
        checkCaught(tech.run({"sync"}), {"chain", "position", "missing", "seen", "hash"});
    }
    SECTION("two records swapped")
    {
        server.rewrite(
            {fmt::format("UPDATE sopvault.records SET position = 1000000 WHERE vault_id = $1 AND "
                         "position = {}",
                         p2),
             fmt::format("UPDATE sopvault.records SET position = {} WHERE vault_id = $1 AND "
                         "position = {}",
                         p2, p3),
             fmt::format("UPDATE sopvault.records SET position = {} WHERE vault_id = $1 AND "
                         "position = 1000000",
                         p3)});
        checkCaught(tech.run({"sync"}), {"order", "chain", "position", "seen", "height"});
    }
    SECTION("a record's bytes changed")
    {
        server.rewrite({fmt::format(
            "UPDATE sopvault.records SET body = set_byte(body, length(body) / 2, "
            "get_byte(body, length(body) / 2) # 1) WHERE vault_id = $1 AND position = {}",
            p3)});
        checkCaught(tech.run({"sync"}), {"signature", "hash", "record", "damaged"});
    }
    SECTION("a record's entry hash changed")
    {
        server.rewrite({fmt::format(
            "UPDATE sopvault.records SET entry_hash = sha256(entry_hash) WHERE vault_id = $1 AND "
            "position = {}",
            p3)});
        checkCaught(tech.run({"sync"}), {"hash", "chain", "record"});
    }
    checkUnchanged(tech, behind);
    // It keeps failing closed: the next command meets the same lie.
    checkCaught(tech.run({"sop", "list"}), {"gap", "missing", "position", "chain", "seen", "hash",
                                            "order", "height", "signature", "record", "dropped"});
    checkUnchanged(tech, behind);
}

TEST_CASE("Tamper 12: a server that serves an older log than the clients saw (a restored old "
          "dump) is caught (exit 5) by every one of them",
          "[sync][tamper][rollback]")
{
    Team team;
    Person& owner = team.owner();
    const std::string id = writeOn(team);
    Person& tech = *team.people().back();
    MaliciousServer server(team);
    const std::int64_t p2 = server.positionOf("sop/" + id, 2);
    // Both have seen everything; then the server forgets the newest records.
    (void)tech.sync();
    const json owners = owner.remoteShow();
    const json techs = tech.remoteShow();
    // (Each command adds its own audit entry, so the two stand at most a few records apart.)
    REQUIRE(std::abs(techs.at("position").get<std::int64_t>() -
                     owners.at("position").get<std::int64_t>()) <= 2);
    server.rewrite(
        {fmt::format("DELETE FROM sopvault.records WHERE vault_id = $1 AND position >= {}", p2)});
    REQUIRE(server.last() < techs.at("position").get<std::int64_t>());
    checkCaught(tech.run({"sync"}), {"roll", "older", "position", "behind"});
    checkCaught(owner.run({"sync"}), {"roll", "older", "position", "behind"});
    // An ordinary command does not go on as if nothing happened either.
    checkCaught(owner.run({"sop", "list"}), {"roll", "older", "position", "behind"});
    checkUnchanged(tech, techs);
    checkUnchanged(owner, owners);
    // The replica itself lost nothing: offline, it still shows every version.
    CHECK(owner.json({"--offline", "sop", "history", id}).size() == 4);
}

TEST_CASE("Tamper 13: a server that serves two histories to two clients is caught when they "
          "meet (exit 5), by either of them",
          "[sync][tamper][fork]")
{
    Team team;
    Person& owner = team.owner();
    team.found();
    const std::string id = owner
                               .json({"sop", "add", "Clients", "--title", "Firewall", "--file",
                                      owner.inputFile("v1.md", kV1)})
                               .at("id");
    Person& tech = team.join("tom", "technician", "Clients");
    Person& erin = team.join("erin", "editor", "Clients");
    const std::int64_t common = team.settle();
    MaliciousServer server(team);

    // History one: the owner's edit, which the technician pulls.
    owner.ok({"sop", "edit", id, "--file", owner.inputFile("v2.md", kV1 + "2. Peer review.\n")});
    tech.sync();
    const json techs = tech.remoteShow();
    const std::int64_t seenByTech = techs.at("position");
    REQUIRE(seenByTech > common);

    // The server takes history one out of sight and lets erin, who never saw it, write another.
    server.rewrite({fmt::format(
        "DELETE FROM sopvault.records WHERE vault_id = $1 AND position > {}", common)});
    for (int i = 0; i < 10 && server.last() <= seenByTech + 1; ++i) {
        const std::string title = fmt::format("Erin {}", i);
        erin.ok({"sop", "add", "Clients", "--title", title, "--file",
                 erin.inputFile("e.md", "# " + title + "\n")});
    }
    REQUIRE(server.last() > seenByTech + 1);
    // Erin's own replica is consistent with what she was shown.
    CHECK(erin.json({"verify"}).at("ok") == true);
    const json erins = erin.remoteShow();
    CHECK(erins.at("position") == server.last());

    // The histories meet: the technician and the owner pull erin's records.
    checkCaught(tech.run({"sync"}), {"fork", "histor", "position", "seen"});
    checkCaught(owner.run({"sync"}), {"fork", "histor", "position", "seen"});
    checkUnchanged(tech, techs);
}

TEST_CASE("Tamper 16 on the server: a screenshot stripped from the record that carries it, or "
          "changed in it, is caught (exit 5) by the client that pulls it, and nothing is taken",
          "[sync][tamper][attachments]")
{
    const bool changed = GENERATE(false, true);
    Team team;
    Person& owner = team.owner();
    team.found();
    const std::string id = owner
                               .json({"sop", "add", "Clients", "--title", "Expand a PVC", "--file",
                                      owner.inputFile("v1.md", "![d](shot.png)\n")})
                               .at("id");
    Person& tech = team.join("tom", "technician", "Clients");
    team.settle();
    const std::string shot = std::string("\x89PNG\r\n\x1A\n", 8) + "IDATPIXELS";
    owner.ok({"sop", "attach", id, owner.inputFile("shot.png", shot)});

    // The server reads the envelope the way clients write it, and writes it back without the
    // blob, or with one byte of it changed: the record's own hash and signatures still hold.
    MaliciousServer server(team);
    const std::int64_t at = server.positionOf("sop/" + id, 2);
    const auto rows = servertest::must(
        server.admin(), "SELECT body FROM sopvault.records WHERE vault_id = $1 AND position = $2",
        {remote::Param::text(team.vaultId()), remote::Param::int64(at)});
    auto envelope = core::detail::decodeEnvelope(rows.bytes(0, 0));
    REQUIRE(envelope);
    REQUIRE(envelope->blobs.size() == 1);
    if (changed) {
        envelope->blobs[0].data.back() ^= 0x01;
    } else {
        envelope->blobs.clear();
    }
    server.rewrite({fmt::format("UPDATE sopvault.records SET body = '\\x{}'::bytea WHERE "
                                "vault_id = $1 AND position = {}",
                                crypto::toHex(core::detail::encodeEnvelope(*envelope)), at)});

    const json before = tech.remoteShow(true);
    if (changed) {
        checkCaught(tech.run({"sync"}), {"does not match its id"});
    } else {
        checkCaught(tech.run({"sync"}), {"no server record carried it"});
    }
    checkUnchanged(tech, before);
}
