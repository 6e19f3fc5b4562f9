// Team sync in core against the run's PostgreSQL: people with a vault file and a state folder
// each, syncing through remote::PgServer. A superuser connection plays the malicious server.
#include "TempDir.h"
#include "TestServer.h"
#include "sopvault/core/Vault.h"
#include "sopvault/remote/PgServer.h"

#include <catch2/catch.hpp>

#include <ctime>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

using namespace sopvault;
using namespace sopvault::servertest;
using sopvault::ErrorCode;

namespace {

crypto::SecureBuffer pw(std::string_view name)
{
    auto b = crypto::SecureBuffer::copyOf(std::string(name) + "-pw");
    REQUIRE(b);
    return std::move(*b);
}

template <typename T>
T ok(sopvault::Result<T> r)
{
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r);
    if constexpr (!std::is_void_v<T>) {
        return std::move(*r);
    }
}

// One person's laptop: a vault file, a state folder, a clock, a database role.
struct Laptop
{
    test::TempDir dir;
    core::ManualClock clock{1798761600}; // 2027-01-01
    core::OpenOptions options;
    std::filesystem::path file;
    std::string member;
    std::string url;
    std::unique_ptr<remote::PgServer> server;
    std::unique_ptr<core::Session> session;

    explicit Laptop(const std::string& vault)
    {
        options.clock = &clock;
        options.stateDir = dir.path() / "state";
        file = dir.path() / "vault.db";
        member = freshMember({vault});
        url = urlAs(member);
        auto s = remote::PgServer::connect(url);
        INFO((s ? std::string() : s.error().error.message));
        REQUIRE(s);
        server = std::make_unique<remote::PgServer>(std::move(*s));
    }
    core::Session& as(std::string_view user)
    {
        session.reset();
        auto s = core::unlock(file, user, pw(user), options);
        INFO((s ? std::string() : s.error().message));
        REQUIRE(s);
        session = std::move(*s);
        return *session;
    }
    core::SyncReport sync() { return ok(session->sync(*server)); }
    core::RemoteInfo info() { return ok(session->remote()); }
};

// An owner's vault on the server, and a technician who cloned it.
struct Team
{
    std::string vault;
    std::unique_ptr<Laptop> olivia;
    std::unique_ptr<Laptop> tom;
    core::Id sop{};
    crypto::SecureBuffer recoveryCode; // the owner's, from the vault's creation

    Team()
    {
        ensureSchema();
        test::TempDir scratch;
        // The vault id is the owner's: create first, then the server's members for it.
        auto made = core::createVault(scratch.path() / "v.db", "olivia", pw("olivia"),
                                      crypto::KdfProfile::Interactive);
        REQUIRE(made);
        vault = made->vaultId;
        recoveryCode = std::move(made->recoveryCode);
        olivia = std::make_unique<Laptop>(vault);
        std::filesystem::copy_file(scratch.path() / "v.db", olivia->file);
        core::Session& o = olivia->as("olivia");
        ok(o.addCollection("Ops"));
        ok(o.addUser("tom", pw("tom"), crypto::KdfProfile::Interactive));
        ok(o.grant("tom", "editor", "Ops"));
        core::NewSop n;
        n.collection = "Ops";
        n.title = "Restart the print spooler";
        n.body = "1. Stop the service\n";
        sop = ok(o.addSop(n));
        const core::SyncReport published = ok(o.publish(*olivia->server, olivia->url));
        CHECK(published.pushed > 0);
        CHECK(olivia->info().pending == 0);

        tom = std::make_unique<Laptop>(vault);
        auto cloned = core::cloneVault(*tom->server, tom->url, vault, tom->file);
        INFO((cloned ? std::string() : cloned.error().message));
        REQUIRE(cloned);
        CHECK(cloned->position == olivia->info().position);
        CHECK(cloned->fingerprint == olivia->info().fingerprint);
        tom->as("tom");
    }

    // Both replicas at the same position, nothing waiting.
    void settle()
    {
        for (int i = 0; i < 4; ++i) {
            olivia->sync();
            tom->sync();
            if (olivia->info().position == tom->info().position && olivia->info().pending == 0 &&
                tom->info().pending == 0) {
                return;
            }
        }
        FAIL("the replicas did not settle");
    }
};

std::string bodyOf(core::Session& s, const core::Id& sop)
{
    return ok(s.readSop(sop)).body;
}

core::SopEdit bodyEdit(std::string body)
{
    core::SopEdit e;
    e.body = std::move(body);
    return e;
}

std::int64_t serverCount(const std::string& vault, std::string_view where = "true")
{
    auto admin = connectAdmin();
    return count(
        admin,
        fmt::format("SELECT count(*) FROM sopvault.records WHERE vault_id = $1 AND ({})", where),
        {remote::Param::text(vault)});
}

// A server whose answer to an append is lost after it committed.
class LosingServer final : public core::RecordServer
{
public:
    explicit LosingServer(core::RecordServer& inner) : m_inner(inner) {}
    std::string describe() const override { return m_inner.describe(); }
    core::ServerResult<std::int64_t> lastPosition(std::string_view v) override
    {
        return m_inner.lastPosition(v);
    }
    core::ServerResult<std::vector<core::ServerRecord>>
    recordsAfter(std::string_view v, std::int64_t p, std::int64_t l) override
    {
        if (m_lost) {
            return std::unexpected(core::ServerError{core::ServerFault::Offline,
                                                     {ErrorCode::Failed, "connection lost"}});
        }
        return m_inner.recordsAfter(v, p, l);
    }
    core::ServerResult<std::int64_t> append(std::string_view v,
                                            std::span<const core::ServerRecord> batch) override
    {
        auto done = m_inner.append(v, batch);
        if (done) {
            m_lost = true; // committed on the server; the client never hears of it
            return std::unexpected(core::ServerError{core::ServerFault::Offline,
                                                     {ErrorCode::Failed, "connection lost"}});
        }
        return done;
    }

private:
    core::RecordServer& m_inner;
    bool m_lost = false;
};

// A superuser editing the server's tables behind the members' backs.
void asMaliciousServer(const std::string& sql, const std::string& vault)
{
    auto admin = connectAdmin();
    must(admin, "BEGIN");
    must(admin, "ALTER TABLE sopvault.records DISABLE TRIGGER USER");
    must(admin, "ALTER TABLE sopvault.vaults DISABLE TRIGGER USER");
    must(admin, "ALTER TABLE sopvault.chain_heads DISABLE TRIGGER USER");
    must(admin, sql, {remote::Param::text(vault)});
    must(admin, "ALTER TABLE sopvault.records ENABLE TRIGGER USER");
    must(admin, "ALTER TABLE sopvault.vaults ENABLE TRIGGER USER");
    must(admin, "ALTER TABLE sopvault.chain_heads ENABLE TRIGGER USER");
    must(admin, "COMMIT");
}

sopvault::Error syncError(Laptop& l)
{
    auto r = l.session->sync(*l.server);
    REQUIRE_FALSE(r);
    return r.error();
}

} // namespace

TEST_CASE("an owner publishes; a technician clones, unlocks and reads; edits, grants and "
          "sign-offs travel both ways",
          "[sync][engine]")
{
    Team t;
    core::Session& tom = *t.tom->session;
    CHECK(bodyOf(tom, t.sop) == "1. Stop the service\n");
    CHECK(ok(tom.remote()).url == t.tom->url);

    // Tom's edit reaches Olivia.
    ok(tom.editSop(t.sop, bodyEdit("1. Stop the service\n2. Clear the queue\n")));
    CHECK(t.tom->info().pending > 0);
    CHECK(t.tom->sync().pushed > 0);
    CHECK(t.tom->info().pending == 0);
    CHECK(t.olivia->sync().pulled > 0);
    core::Session& olivia = *t.olivia->session;
    CHECK(bodyOf(olivia, t.sop) == "1. Stop the service\n2. Clear the queue\n");

    // Olivia's grant and sign-off reach Tom.
    ok(olivia.addCollection("Clients"));
    ok(olivia.grant("tom", "technician", "Clients"));
    core::NewSop n;
    n.collection = "Clients";
    n.title = "Onboard a client";
    n.body = "Collect the contract\n";
    const core::Id clients = ok(olivia.addSop(n));
    ok(olivia.signOff(t.sop, core::ReviewDecision::Approved, "looks right"));
    t.olivia->sync();
    t.tom->sync();
    CHECK(bodyOf(tom, clients) == "Collect the contract\n");
    auto reviews = ok(tom.reviewHistory(t.sop));
    REQUIRE(reviews.size() == 1);
    CHECK(reviews[0].reviewer == "olivia");
    CHECK(reviews[0].comment == "looks right");

    t.settle();
    CHECK(ok(t.olivia->session->upToDate(*t.olivia->server)));
    CHECK(ok(t.tom->session->upToDate(*t.tom->server)));
    CHECK(t.olivia->info().fingerprint == t.tom->info().fingerprint);
    // Every record landed once: the server holds exactly what the replicas verified.
    CHECK(serverCount(t.vault) == t.tom->info().position);

    // A new session on the clone (a new laptop's second day) still opens and verifies.
    core::Session& again = t.tom->as("tom");
    CHECK(bodyOf(again, clients) == "Collect the contract\n");
    auto report = ok(t.olivia->as("olivia").verify());
    CHECK(report.ok);
}

TEST_CASE("attestations, minor changes and templates travel both ways", "[sync][engine][attest]")
{
    Team t;
    core::Session& olivia = *t.olivia->session;
    ok(olivia.defineRole("reader", core::Rights{core::Right::View}));
    ok(olivia.grant("tom", "reader", "Ops"));
    ok(olivia.addTemplate("change", "Ops", "# Change request\n"));
    ok(olivia.requireAttestation(t.sop, "reader", 7));
    t.olivia->sync();
    t.tom->sync();
    core::Session& tom = *t.tom->session;
    CHECK(ok(tom.templateText("change")) == "# Change request\n");
    REQUIRE(ok(tom.myAttestationsDue(tom.now())).size() == 1);
    CHECK(ok(tom.attest(t.sop)) == 1);
    core::SopEdit minor = bodyEdit("1. Stop the service.\n");
    minor.minor = true;
    ok(tom.editSop(t.sop, minor));
    t.settle();
    auto rows = ok(t.olivia->session->attestationStatus(t.sop, t.olivia->session->now()));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user == "tom");
    CHECK(rows[0].version == 2);
    CHECK(rows[0].attested); // carried over by tom's minor change, which travelled with it
    CHECK(ok(t.olivia->as("olivia").verify()).ok);
}

TEST_CASE("a remote URL with a password in it is refused", "[sync][engine]")
{
    Team t;
    auto refused = t.tom->session->setRemote("postgresql://tom:hunter2@db.example.com/sopvault");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::Usage);
    CHECK(t.tom->info().url == t.tom->url);
}

TEST_CASE("a push whose answer is lost is confirmed by the next pull, never doubled",
          "[sync][engine]")
{
    Team t;
    t.settle();
    ok(t.tom->session->editSop(t.sop, bodyEdit("2. Restart it\n")));
    const std::uint64_t waiting = t.tom->info().pending;
    REQUIRE(waiting > 0);
    const std::int64_t before = serverCount(t.vault);
    LosingServer losing(*t.tom->server);
    auto lost = t.tom->session->sync(losing);
    REQUIRE_FALSE(lost);
    CHECK(t.tom->info().pending == waiting); // it never heard back
    CHECK(serverCount(t.vault) == before + static_cast<std::int64_t>(waiting));

    const core::SyncReport again = t.tom->sync();
    CHECK(again.pushed == 0);
    CHECK(t.tom->info().pending == 0);
    CHECK(serverCount(t.vault) == before + static_cast<std::int64_t>(waiting));
    CHECK(serverCount(t.vault, fmt::format("chain = 'sop/{}'", core::toHex(t.sop))) == 2);
    t.olivia->sync();
    CHECK(bodyOf(*t.olivia->session, t.sop) == "2. Restart it\n");
}

TEST_CASE("audit entries of two people racing are rebased, and both replicas end on one history",
          "[sync][engine][rebase]")
{
    Team t;
    t.settle();
    // Both read (an audit entry each) and neither has synced: their audit logs collide.
    (void)bodyOf(*t.olivia->session, t.sop);
    (void)bodyOf(*t.tom->session, t.sop);
    t.olivia->sync();
    const core::SyncReport tom = t.tom->sync();
    CHECK(tom.rebased > 0);
    CHECK(tom.refused.empty());
    t.settle();
    CHECK(t.olivia->info().fingerprint == t.tom->info().fingerprint);
    auto audit = ok(t.olivia->session->audit());
    const auto views = std::count_if(audit.begin(), audit.end(),
                                     [](const core::AuditEntry& a) { return a.action == "view"; });
    CHECK(views == 2);
    CHECK(ok(t.olivia->as("olivia").verify()).ok);
    CHECK(bodyOf(t.tom->as("tom"), t.sop) == "1. Stop the service\n");
}

TEST_CASE("an administration act whose author was ungranted first is dropped and reported",
          "[sync][engine][rebase]")
{
    Team t;
    core::Session& olivia = *t.olivia->session;
    ok(olivia.defineRole("lead", core::Rights{core::Right::View, core::Right::Manage}));
    ok(olivia.grant("tom", "lead", "Ops"));
    ok(olivia.addUser("rita", pw("rita"), crypto::KdfProfile::Interactive));
    t.settle();
    // Offline, Tom grants Rita; meanwhile Olivia takes Tom's lead role away and syncs first.
    ok(t.tom->session->grant("rita", "technician", "Ops"));
    ok(olivia.ungrant("tom", "lead", "Ops"));
    t.olivia->sync();
    const core::SyncReport tom = t.tom->sync();
    REQUIRE(tom.refused.size() == 1);
    CHECK(tom.refused[0].find("grant") != std::string::npos);
    t.settle();
    auto grants = t.olivia->session->grantsOf("rita");
    CHECK(grants.empty());
    CHECK(t.olivia->info().fingerprint == t.tom->info().fingerprint);
}

TEST_CASE("two edits of one SOP from the same version are a conflict a person resolves",
          "[sync][engine][conflict]")
{
    const auto keep = GENERATE(core::Keep::Mine, core::Keep::Theirs, core::Keep::Merged);
    Team t;
    t.settle();
    ok(t.olivia->session->editSop(t.sop, bodyEdit("olivia's steps\n")));
    ok(t.tom->session->editSop(t.sop, bodyEdit("tom's steps\n")));
    t.olivia->sync();
    const core::SyncReport report = t.tom->sync();
    REQUIRE(report.conflicts.size() == 1);
    CHECK(report.conflicts[0].sop == t.sop);
    CHECK(report.conflicts[0].mine == 2);
    CHECK(report.conflicts[0].theirs == 2);
    core::Session& tom = *t.tom->session;
    CHECK(bodyOf(tom, t.sop) == "olivia's steps\n"); // theirs is the head
    CHECK(ok(tom.conflictingEdit(t.sop)).body == "tom's steps\n");
    // Nothing of Tom's version reached the server.
    CHECK(serverCount(t.vault, fmt::format("chain = 'sop/{}'", core::toHex(t.sop))) == 2);

    std::optional<std::string> merged;
    std::string expected = "olivia's steps\n";
    if (keep == core::Keep::Mine) {
        expected = "tom's steps\n";
    } else if (keep == core::Keep::Merged) {
        merged = "olivia's and tom's steps\n";
        expected = *merged;
    }
    const std::uint64_t head = ok(tom.resolve(t.sop, keep, merged));
    CHECK(head == (keep == core::Keep::Theirs ? 2U : 3U));
    CHECK(ok(tom.conflicts()).empty());
    t.settle();
    CHECK(bodyOf(*t.olivia->session, t.sop) == expected);
    CHECK(bodyOf(*t.tom->session, t.sop) == expected);
    auto mine = ok(t.tom->session->history(t.sop));
    auto theirs = ok(t.olivia->session->history(t.sop));
    REQUIRE(mine.size() == theirs.size());
    for (std::size_t i = 0; i < mine.size(); ++i) {
        CHECK(mine[i].hash == theirs[i].hash);
    }
    CHECK(t.olivia->info().fingerprint == t.tom->info().fingerprint);
}

TEST_CASE("a conflicting edit that attached a file keeps it, on every replica, when it is "
          "resolved as mine or merged",
          "[sync][engine][conflict][attachments]")
{
    const auto keep = GENERATE(core::Keep::Mine, core::Keep::Merged);
    Team t;
    t.settle();
    ok(t.olivia->session->editSop(t.sop, bodyEdit("olivia's steps\n")));
    const std::string shot = std::string("\x89PNG\r\n\x1A\n", 8) + "tom's screenshot";
    core::SopEdit tomsEdit = bodyEdit("tom's steps\n\n![dialog](shot.png)\n");
    tomsEdit.addAttachments.push_back({"shot.png", crypto::Bytes(shot.begin(), shot.end())});
    ok(t.tom->session->editSop(t.sop, tomsEdit));
    t.olivia->sync();
    REQUIRE(t.tom->sync().conflicts.size() == 1);
    std::optional<std::string> merged;
    if (keep == core::Keep::Merged) {
        merged = "olivia's and tom's steps\n\n![dialog](shot.png)\n";
    }
    const std::uint64_t head = ok(t.tom->session->resolve(t.sop, keep, merged));
    t.settle();
    for (Laptop* l : {t.olivia.get(), t.tom.get()}) {
        const auto data = ok(l->session->openAttachment(t.sop, head, "shot.png"));
        CHECK(std::string(data.bytes.view()) == shot);
        const auto verified = ok(l->session->verify());
        CHECK(verified.ok);
        CHECK(verified.attachments == 1);
    }
}

TEST_CASE("a server that rolls back its log is caught", "[sync][engine][tamper]")
{
    Team t;
    t.settle();
    const std::int64_t at = t.tom->info().position;
    ok(t.olivia->session->editSop(t.sop, bodyEdit("newer\n")));
    t.olivia->sync();
    t.tom->sync();
    asMaliciousServer(fmt::format("WITH gone AS (DELETE FROM sopvault.records WHERE vault_id = $1 "
                                  "AND position > {0} RETURNING 1) UPDATE sopvault.vaults SET "
                                  "last_position = {0} WHERE vault_id = $1",
                                  at),
                      t.vault);
    const sopvault::Error e = syncError(*t.tom);
    CHECK(e.code == ErrorCode::Integrity);
    CHECK(e.message.find("rolled back") != std::string::npos);
    // The replica still reads what it verified.
    CHECK(bodyOf(*t.tom->session, t.sop) == "newer\n");
}

TEST_CASE("a server that drops, swaps or changes records is caught before anything is taken",
          "[sync][engine][tamper]")
{
    const std::string attack =
        GENERATE(std::string("drop"), std::string("swap"), std::string("change"));
    Team t;
    t.settle();
    const std::int64_t at = t.tom->info().position;
    ok(t.olivia->session->editSop(t.sop, bodyEdit("newer\n")));
    t.olivia->sync();
    REQUIRE(t.olivia->info().position >= at + 2);
    if (attack == "drop") {
        asMaliciousServer(fmt::format("DELETE FROM sopvault.records WHERE vault_id = $1 AND "
                                      "position = {}",
                                      at + 1),
                          t.vault);
    } else if (attack == "swap") {
        // A primary key is checked row by row: the swap goes through a free position.
        const std::int64_t aside = at + 1000000;
        for (const auto& [from, to] :
             {std::pair{at + 1, aside}, std::pair{at + 2, at + 1}, std::pair{aside, at + 2}}) {
            asMaliciousServer(fmt::format("UPDATE sopvault.records SET position = {} WHERE "
                                          "vault_id = $1 AND position = {}",
                                          to, from),
                              t.vault);
        }
        // Olivia's next record names the history she saw: Tom's order differs from it.
        (void)bodyOf(*t.olivia->session, t.sop);
        t.olivia->sync();
    } else {
        asMaliciousServer(fmt::format("UPDATE sopvault.records SET body = set_byte(body, "
                                      "length(body) / 2, get_byte(body, length(body) / 2) # 1) "
                                      "WHERE vault_id = $1 AND position = {}",
                                      at + 1),
                          t.vault);
    }
    const std::int64_t before = t.tom->info().position;
    const sopvault::Error e = syncError(*t.tom);
    INFO(e.message);
    CHECK(e.code == ErrorCode::Integrity);
    CHECK(t.tom->info().position == before); // nothing taken
    CHECK(bodyOf(*t.tom->session, t.sop) == "1. Stop the service\n");
}

TEST_CASE("a server that serves two histories is caught when they meet", "[sync][engine][tamper]")
{
    Team t;
    t.settle();
    const std::int64_t at = t.tom->info().position;
    auto admin = connectAdmin();
    const remote::Param v = remote::Param::text(t.vault);
    must(admin,
         "CREATE TEMP TABLE heads0 AS SELECT * FROM sopvault.chain_heads WHERE vault_id = $1", {v});
    // Olivia's history.
    ok(t.olivia->session->editSop(t.sop, bodyEdit("olivia's world\n")));
    t.olivia->sync();
    must(admin, "CREATE TEMP TABLE recsA AS SELECT * FROM sopvault.records WHERE vault_id = $1",
         {v});
    must(admin,
         "CREATE TEMP TABLE headsA AS SELECT * FROM sopvault.chain_heads WHERE vault_id = $1", {v});
    const auto swapTo = [&](const char* records, const char* heads, std::int64_t last) {
        must(admin, "BEGIN");
        must(admin, "ALTER TABLE sopvault.records DISABLE TRIGGER USER");
        must(admin, "ALTER TABLE sopvault.vaults DISABLE TRIGGER USER");
        must(admin, "ALTER TABLE sopvault.chain_heads DISABLE TRIGGER USER");
        must(admin,
             fmt::format("DELETE FROM sopvault.records WHERE vault_id = $1 AND position > {}", at),
             {v});
        if (records != nullptr) {
            must(admin,
                 fmt::format("INSERT INTO sopvault.records SELECT * FROM {} WHERE position > {}",
                             records, at));
        }
        must(admin, "DELETE FROM sopvault.chain_heads WHERE vault_id = $1", {v});
        must(admin, fmt::format("INSERT INTO sopvault.chain_heads SELECT * FROM {}", heads));
        must(admin,
             fmt::format("UPDATE sopvault.vaults SET last_position = {} WHERE vault_id = $1", last),
             {v});
        must(admin, "ALTER TABLE sopvault.records ENABLE TRIGGER USER");
        must(admin, "ALTER TABLE sopvault.vaults ENABLE TRIGGER USER");
        must(admin, "ALTER TABLE sopvault.chain_heads ENABLE TRIGGER USER");
        must(admin, "COMMIT");
    };
    const std::int64_t oliviaAt = t.olivia->info().position;
    // Tom is shown the vault as it was, and writes his own history on it.
    swapTo(nullptr, "heads0", at);
    core::NewSop n;
    n.collection = "Ops";
    n.title = "Tom's own SOP";
    n.body = "tom's world\n";
    (void)ok(t.tom->session->addSop(n));
    t.tom->sync();
    // Olivia is shown hers again and goes on writing; then Tom meets her history.
    swapTo("recsA", "headsA", oliviaAt);
    ok(t.olivia->session->editSop(t.sop, bodyEdit("olivia's world, day 2\n")));
    t.olivia->sync();
    const sopvault::Error e = syncError(*t.tom);
    INFO(e.message);
    CHECK(e.code == ErrorCode::Integrity);
}

TEST_CASE("a password change travels as the person's newest wrap: a new laptop unlocks with it",
          "[sync][engine]")
{
    Team t;
    auto changed = crypto::SecureBuffer::copyOf(std::string("tom-new-pw"));
    REQUIRE(changed);
    ok(t.tom->session->changePassword(*changed, crypto::KdfProfile::Interactive));
    t.tom->sync();
    Laptop laptop(t.vault);
    auto cloned = core::cloneVault(*laptop.server, laptop.url, t.vault, laptop.file);
    INFO((cloned ? std::string() : cloned.error().message));
    REQUIRE(cloned);
    auto old = core::unlock(laptop.file, "tom", pw("tom"), laptop.options);
    REQUIRE_FALSE(old);
    CHECK(old.error().code == ErrorCode::Auth);
    auto fresh = core::unlock(laptop.file, "tom", *changed, laptop.options);
    INFO((fresh ? std::string() : fresh.error().message));
    REQUIRE(fresh);
    CHECK(bodyOf(**fresh, t.sop) == "1. Stop the service\n");
    // Cloning into a path that exists is refused, and nothing is left half made.
    auto again = core::cloneVault(*laptop.server, laptop.url, t.vault, laptop.file);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::Usage);
}

namespace {

// A removed person's own client, as an insider would build it from his file: it shows him the
// server's log only up to `upTo` (so it never learns of his removal) and appends only his SOP
// versions (his audit entries would meet the owner's and be refused as stale).
class InsiderClient final : public core::RecordServer
{
public:
    InsiderClient(core::RecordServer& inner, std::int64_t upTo) : m_inner(inner), m_upTo(upTo) {}
    std::string describe() const override { return m_inner.describe(); }
    core::ServerResult<std::int64_t> lastPosition(std::string_view v) override
    {
        auto last = m_inner.lastPosition(v);
        if (last && m_lagging) {
            return std::min(*last, m_upTo);
        }
        return last;
    }
    core::ServerResult<std::vector<core::ServerRecord>>
    recordsAfter(std::string_view v, std::int64_t p, std::int64_t l) override
    {
        auto rows = m_inner.recordsAfter(v, p, l);
        if (rows && m_lagging) {
            std::erase_if(*rows, [&](const core::ServerRecord& r) { return r.position > m_upTo; });
        }
        return rows;
    }
    core::ServerResult<std::int64_t> append(std::string_view v,
                                            std::span<const core::ServerRecord> batch) override
    {
        std::vector<core::ServerRecord> versions;
        for (const auto& r : batch) {
            if (r.chain.starts_with("sop/")) {
                versions.push_back(r);
            }
        }
        if (!m_lagging || versions.empty()) {
            return std::unexpected(
                core::ServerError{core::ServerFault::Offline, {ErrorCode::Failed, "done"}});
        }
        m_lagging = false;
        return m_inner.append(v, versions);
    }

private:
    core::RecordServer& m_inner;
    std::int64_t m_upTo = 0;
    bool m_lagging = true;
};

// A third person on the team, a technician on Ops with a clone of their own.
std::unique_ptr<Laptop> joinSam(Team& t)
{
    core::Session& o = *t.olivia->session;
    ok(o.addUser("sam", pw("sam"), crypto::KdfProfile::Interactive));
    ok(o.grant("sam", "technician", "Ops"));
    t.olivia->sync();
    auto sam = std::make_unique<Laptop>(t.vault);
    auto cloned = core::cloneVault(*sam->server, sam->url, t.vault, sam->file);
    INFO((cloned ? std::string() : cloned.error().message));
    REQUIRE(cloned);
    sam->as("sam");
    return sam;
}

// Olivia and Sam sync until both stand at one position with one fingerprint.
void agree(Laptop& a, Laptop& b)
{
    for (int i = 0; i < 4; ++i) {
        a.sync();
        b.sync();
        if (a.info().position == b.info().position && a.info().pending == 0 &&
            b.info().pending == 0) {
            CHECK(a.info().fingerprint == b.info().fingerprint);
            return;
        }
    }
    FAIL("the replicas did not agree");
}

const std::string kStops = "1. Stop the service\n";
const std::string kToms = "1. Stop the service\n2. Tom's late step\n";

// After the refused version: everyone is shown the version before it, and the SOP goes on.
void refusedEverywhere(Team& t, Laptop& sam)
{
    for (Laptop* l : {t.olivia.get(), &sam}) {
        const core::SopVersionView head = ok(l->session->readSop(t.sop));
        CHECK(head.body == kStops);
        CHECK(head.version == 2); // the refused version is a link of the chain
        const auto verified = ok(l->session->verify());
        for (const auto& p : verified.problems) {
            UNSCOPED_INFO(p.record << ": " << p.problem);
        }
        CHECK(verified.ok);
    }
    ok(t.olivia->session->editSop(t.sop, bodyEdit(kStops + "2. Start it again\n")));
    agree(*t.olivia, sam);
    const core::SopVersionView next = ok(sam.session->readSop(t.sop));
    CHECK(next.version == 3);
    CHECK(next.body == kStops + "2. Start it again\n");
    // A fresh replica's whole replay decides it the same way.
    Laptop late(t.vault);
    auto cloned = core::cloneVault(*late.server, late.url, t.vault, late.file);
    INFO((cloned ? std::string() : cloned.error().message));
    REQUIRE(cloned);
    CHECK(cloned->fingerprint == sam.info().fingerprint);
    CHECK(bodyOf(late.as("olivia"), t.sop) == kStops + "2. Start it again\n");
    CHECK(ok(late.session->readSop(t.sop, 2)).body == kStops);
}

} // namespace

TEST_CASE("an edit a removed person's login pushed after the removal is refused by everyone "
          "alike, and sync goes on",
          "[sync][engine][refused]")
{
    Team t;
    auto sam = joinSam(t);
    t.settle();
    sam->sync();
    const std::int64_t before = t.olivia->info().position;
    // Tom edits; Olivia removes him and her removal reaches the server first. His client never
    // pulls it, and his login (not yet dropped on the server) appends his version.
    ok(t.tom->session->editSop(t.sop, bodyEdit(kToms)));
    ok(t.olivia->session->removeUser("tom"));
    t.olivia->sync();
    InsiderClient insider(*t.tom->server, before);
    (void)t.tom->session->sync(insider);
    REQUIRE(serverCount(t.vault,
                        fmt::format("chain = 'sop/{}' AND height = 2", core::toHex(t.sop))) == 1);

    const core::SyncReport olivia = t.olivia->sync();
    REQUIRE(olivia.refused.size() == 1);
    CHECK_THAT(olivia.refused[0], Catch::Contains("version 2") && Catch::Contains("tom"));
    const core::SyncReport seen = sam->sync();
    CHECK(seen.refused.size() == 1);
    agree(*t.olivia, *sam);
    refusedEverywhere(t, *sam);
}

TEST_CASE("a SOP whose only version was refused is in nobody's list, search, reviews or "
          "reader, and theirs keep working",
          "[sync][engine][refused]")
{
    Team t;
    t.settle();
    const std::int64_t before = t.olivia->info().position;
    // Tom adds a SOP; Olivia removes him first, and his login appends it anyway.
    core::NewSop n;
    n.collection = "Ops";
    n.title = "Tom's own runbook";
    n.body = "1. Tom's steps\n";
    const core::Id added = ok(t.tom->session->addSop(n));
    ok(t.olivia->session->removeUser("tom"));
    t.olivia->sync();
    InsiderClient insider(*t.tom->server, before);
    (void)t.tom->session->sync(insider);
    REQUIRE(serverCount(t.vault, fmt::format("chain = 'sop/{}'", core::toHex(added))) == 1);

    const core::SyncReport report = t.olivia->sync();
    CHECK(std::any_of(report.refused.begin(), report.refused.end(), [&](const std::string& r) {
        return r.find(core::toHex(added)) != std::string::npos;
    }));
    core::Session& s = *t.olivia->session;
    const auto listed = ok(s.listSops());
    CHECK(listed.size() == 1);
    CHECK(std::none_of(listed.begin(), listed.end(),
                       [&](const core::SopSummary& x) { return x.id == added || x.damaged; }));
    CHECK(s.readSop(added).error().code == ErrorCode::NotFound);
    core::SearchQuery q;
    q.text = "steps";
    const auto hits = ok(s.search(q));
    CHECK(std::none_of(hits.begin(), hits.end(),
                       [&](const core::SearchHit& h) { return h.id == added; }));
    // Ten years on every SOP is due: the one that exists, not the refused one.
    const auto farFuture = static_cast<core::Timestamp>(std::time(nullptr)) + 3650LL * 86400;
    CHECK(ok(s.reviewsDue(farFuture)).size() == 1);
    CHECK(ok(s.sopsIn("Ops")).size() == 1);
    CHECK(ok(s.verify()).ok);
}

TEST_CASE("an edit that lands while its author's removal waits to be pushed is refused by "
          "everyone alike, and the owner's sync goes on",
          "[sync][engine][refused]")
{
    Team t;
    auto sam = joinSam(t);
    t.settle();
    sam->sync();
    // Olivia removes Tom on her laptop; before her sync, Tom's edit reaches the server. Her
    // removal says which versions existed when she made it, so his is refused by its rule.
    ok(t.olivia->session->removeUser("tom"));
    ok(t.tom->session->editSop(t.sop, bodyEdit(kToms)));
    t.tom->sync();
    CHECK(bodyOf(*sam->session, t.sop) == kStops); // not pulled yet
    const core::SyncReport olivia = t.olivia->sync();
    REQUIRE(olivia.refused.size() == 1);
    CHECK_THAT(olivia.refused[0], Catch::Contains("version 2"));
    agree(*t.olivia, *sam);
    refusedEverywhere(t, *sam);
}

namespace {

// Another laptop of a person already on the team: a clone of its own, unlocked as them.
std::unique_ptr<Laptop> secondLaptop(const Team& t, std::string_view user)
{
    auto l = std::make_unique<Laptop>(t.vault);
    auto cloned = core::cloneVault(*l->server, l->url, t.vault, l->file);
    INFO((cloned ? std::string() : cloned.error().message));
    REQUIRE(cloned);
    l->as(user);
    return l;
}

crypto::SecureBuffer secret(std::string_view text)
{
    auto b = crypto::SecureBuffer::copyOf(std::string(text));
    REQUIRE(b);
    return std::move(*b);
}

// Both laptops sync until they stand at one position with one fingerprint; the notices each
// was given on the way.
std::pair<std::vector<std::string>, std::vector<std::string>> converge(Laptop& a, Laptop& b)
{
    std::pair<std::vector<std::string>, std::vector<std::string>> told;
    for (int i = 0; i < 4; ++i) {
        for (auto& n : a.sync().notices) {
            told.first.push_back(n);
        }
        for (auto& n : b.sync().notices) {
            told.second.push_back(n);
        }
        if (a.info().position == b.info().position && a.info().pending == 0 &&
            b.info().pending == 0) {
            CHECK(a.info().fingerprint == b.info().fingerprint);
            return told;
        }
    }
    FAIL("the laptops did not converge");
    return told;
}

// `user` unlocks `laptop` with `winner` and not with `loser`.
void unlocksWith(Laptop& laptop, std::string_view user, const crypto::SecureBuffer& winner,
                 const crypto::SecureBuffer& loser)
{
    laptop.session.reset();
    auto lost = core::unlock(laptop.file, user, loser, laptop.options);
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code == ErrorCode::Auth);
    auto won = core::unlock(laptop.file, user, winner, laptop.options);
    INFO((won ? std::string() : won.error().message));
    REQUIRE(won);
    laptop.session = std::move(*won);
}

} // namespace

TEST_CASE("a password changed on two laptops of one person at once ends as one wrap: both "
          "unlock with the newer password and each is told which",
          "[sync][engine][keys]")
{
    Team t;
    auto desk = secondLaptop(t, "tom");
    const auto onLaptop = secret("tom-laptop-pw");
    const auto onDesk = secret("tom-desk-pw");
    ok(t.tom->session->changePassword(onLaptop, crypto::KdfProfile::Interactive));
    ok(desk->session->changePassword(onDesk, crypto::KdfProfile::Interactive));
    // The laptop's change reaches the server first; the desk's meets it and goes on top.
    CHECK(t.tom->sync().notices.empty());
    const core::SyncReport deskSync = desk->sync();
    REQUIRE(deskSync.notices.size() == 1);
    CHECK_THAT(deskSync.notices[0], Catch::Contains("password set here unlocks"));
    const auto [laptopTold, deskTold] = converge(*t.tom, *desk);
    REQUIRE(laptopTold.size() == 1);
    CHECK_THAT(laptopTold[0], Catch::Contains("password set there now unlocks"));
    CHECK(deskTold.empty());
    unlocksWith(*t.tom, "tom", onDesk, onLaptop);
    unlocksWith(*desk, "tom", onDesk, onLaptop);
    CHECK(bodyOf(*t.tom->session, t.sop) == "1. Stop the service\n");
    CHECK(ok(t.tom->session->verify()).ok);
    CHECK(ok(desk->session->verify()).ok);
}

TEST_CASE("an owner's recovery seal made on two machines at once ends as one seal that "
          "recovers on both; the recoveries race too and the newer password wins on both",
          "[sync][engine][keys]")
{
    Team t;
    core::Session& o = *t.olivia->session;
    ok(o.addUser("rita", pw("rita"), crypto::KdfProfile::Interactive));
    ok(o.addOwner("rita"));
    t.olivia->sync();
    // Rita's first unlock as an owner on each machine seals the recovery key to her: two seals
    // of one chain, neither machine having seen the other's.
    auto home = secondLaptop(t, "rita");
    auto office = secondLaptop(t, "rita");
    converge(*home, *office);
    CHECK(serverCount(t.vault, "chain LIKE 'seal/%' AND height = 2") == 1);
    CHECK(ok(home->session->verify()).ok);
    CHECK(ok(office->session->verify()).ok);

    // The agreed seal is the one the recovery code opens, on either machine.
    home->session.reset();
    office->session.reset();
    const auto atHome = secret("rita-home-recovered");
    const auto atOffice = secret("rita-office-recovered");
    ok(core::recoverOwner(home->file, "rita", t.recoveryCode, atHome,
                          crypto::KdfProfile::Interactive, home->options));
    ok(core::recoverOwner(office->file, "rita", t.recoveryCode, atOffice,
                          crypto::KdfProfile::Interactive, office->options));
    unlocksWith(*home, "rita", atHome, atOffice);
    home->sync();
    unlocksWith(*office, "rita", atOffice, atHome);
    const core::SyncReport officeSync = office->sync();
    REQUIRE(officeSync.notices.size() == 1);
    CHECK_THAT(officeSync.notices[0], Catch::Contains("password set here unlocks"));
    const auto [homeTold, officeTold] = converge(*home, *office);
    REQUIRE(homeTold.size() == 1);
    CHECK_THAT(homeTold[0], Catch::Contains("password set there now unlocks"));
    unlocksWith(*home, "rita", atOffice, atHome);
    unlocksWith(*office, "rita", atOffice, atHome);
    CHECK(ok(home->session->verify()).ok);
}

namespace {

// Kills in the crash case below; SOPVAULT_CRASH_KILLS bounds it (the sanitizer run sets fewer).
int syncKills()
{
    const char* env = std::getenv("SOPVAULT_CRASH_KILLS");
    const long n = env != nullptr && *env != '\0' ? std::strtol(env, nullptr, 10) : 12;
    REQUIRE(n >= 1);
    return static_cast<int>(std::min(n, 12L));
}

// Tom's laptop in a child process: unlock (its audit entry meets Olivia's, so the sync rebases),
// say so on `ready`, sync. Returns the child's pid. No SQLite or libpq handle crosses the fork.
pid_t syncInChild(const Laptop& tom, int ready)
{
    const pid_t pid = fork();
    if (pid != 0) {
        return pid;
    }
    auto session = core::unlock(tom.file, "tom", pw("tom"), tom.options);
    auto server = remote::PgServer::connect(tom.url);
    const char byte = session && server ? 'r' : 'x';
    (void)!write(ready, &byte, 1);
    if (session && server) {
        (void)(*session)->sync(*server);
    }
    _exit(0);
}

} // namespace

TEST_CASE("a replica killed while its sync rebases (between the commit and its marks) unlocks, "
          "syncs and converges, never taken for a rollback",
          "[sync][engine][crash]")
{
    Team t;
    t.settle();
    t.tom->session.reset();
    std::minstd_rand random(20270101);
    std::chrono::microseconds span{0};
    const int kills = syncKills();
    for (int cycle = 0; cycle <= kills; ++cycle) {
        INFO("cycle " << cycle);
        // Olivia reads (an audit entry) and syncs: Tom's unlock entry will meet hers.
        (void)bodyOf(*t.olivia->session, t.sop);
        t.olivia->sync();
        int pipeFds[2];
        REQUIRE(pipe(pipeFds) == 0);
        const pid_t child = syncInChild(*t.tom, pipeFds[1]);
        REQUIRE(child > 0);
        char byte = 0;
        REQUIRE(read(pipeFds[0], &byte, 1) == 1);
        close(pipeFds[0]);
        close(pipeFds[1]);
        REQUIRE(byte == 'r');
        const auto started = std::chrono::steady_clock::now();
        int status = 0;
        if (cycle == 0) {
            // The first sync runs to its end: how long one takes places the kills after it.
            REQUIRE(waitpid(child, &status, 0) == child);
            span = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - started);
        } else {
            std::uniform_int_distribution<long> at(0, std::max<long>(span.count(), 1));
            std::this_thread::sleep_for(std::chrono::microseconds(at(random)));
            kill(child, SIGKILL);
            REQUIRE(waitpid(child, &status, 0) == child);
        }
        // After the kill: Tom unlocks (a file behind its marks would be refused here), syncs,
        // and both replicas end on one history.
        core::Session& tom = t.tom->as("tom");
        ok(tom.sync(*t.tom->server));
        t.settle();
        t.tom->session.reset();
    }
    t.tom->as("tom");
    CHECK(ok(t.tom->session->verify()).ok);
    CHECK(t.olivia->info().fingerprint == t.tom->info().fingerprint);
}
