// When a technician leaves and when someone brings an old copy: key rotation on removal and
// ungrant, backdated records of a removed person, rollback and fork detection (tamper cases 3
// and 4), the recovery code, and a second owner.
#include "Attacker.h"
#include "Records.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

using namespace sopvault;
using namespace sopvault::core;
using namespace sopvault::core::detail;
using sopvault::test::TestVault;
using sopvault::test::raw::records;

namespace {

Id addSop(Session& s, const std::string& collection, const std::string& title)
{
    return test::addSop(s, collection, title, "Steps of " + title + "\n");
}

Id userId(Session& s, std::string_view name)
{
    for (const auto& u : s.users()) {
        if (u.name == name) {
            return u.id;
        }
    }
    FAIL("no user " << name);
    return {};
}

void copyVault(const std::filesystem::path& from, const std::filesystem::path& to)
{
    // Sessions are closed: fold the WAL in so one file is the whole vault.
    test::raw::checkpoint(from);
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

void replaceVault(const std::filesystem::path& vault, const std::filesystem::path& copy)
{
    std::error_code ec;
    std::filesystem::remove(vault.string() + "-wal", ec);
    std::filesystem::remove(vault.string() + "-shm", ec);
    std::filesystem::copy_file(copy, vault, std::filesystem::copy_options::overwrite_existing);
}

} // namespace

TEST_CASE("a removed technician's old password, keys and file copy open nothing written after "
          "the removal",
          "[core][removal][security]")
{
    TestVault v;
    Id tom{};
    Id before{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->addCollection("Ops/Network"));
        REQUIRE(owner->addCollection("Finance"));
        for (const char* who : {"tom", "erin"}) {
            REQUIRE(owner->addUser(who, test::password(std::string(who) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        REQUIRE(owner->grant("erin", "editor", "Ops"));
        before = addSop(*owner, "Ops/Network", "Firewall change");
        tom = userId(*owner, "tom");
    }
    const auto oldCopy = v.file().parent_path() / "before-removal.sopvault";
    copyVault(v.file(), oldCopy);

    std::vector<std::pair<std::size_t, std::size_t>> progress;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->removeUser("tom", [&](std::size_t done, std::size_t total) {
            progress.emplace_back(done, total);
        }));
        CHECK(owner->removeUser("tom").error().code == ErrorCode::NotFound);
    }
    REQUIRE_FALSE(progress.empty());
    CHECK(progress.back() == std::pair<std::size_t, std::size_t>{2, 2}); // Ops, Ops/Network
    {
        auto erin = v.as("erin");
        SopEdit edit;
        edit.body = "New firewall steps, written after tom left\n";
        REQUIRE(erin->editSop(before, edit));
        addSop(*erin, "Ops", "Written after removal");
    }
    CHECK(v.tryAs("tom").error().code == ErrorCode::Auth);
    CHECK(v.verifyAsOwner().ok);

    // The attack: tom's password on the old copy gives his keys; use them on the new file.
    const test::Stolen stolen = test::steal(oldCopy, tom, "tom-pw");
    REQUIRE(stolen.collectionKeys.size() == 2);
    auto db = test::raw::open(v.file());
    std::size_t afterRemoval = 0;
    for (const Record& rec : records(db, "SELECT body, signature FROM sop_versions")) {
        auto p = decodeSopVersion(rec.payload);
        REQUIRE(p);
        if (p->epoch == 0) {
            continue; // written before the removal: honestly still his
        }
        ++afterRemoval;
        for (const auto& stolenKey : stolen.collectionKeys) {
            for (std::uint32_t epoch : {0U, 1U}) {
                CHECK_FALSE(crypto::openSecret(stolenKey.key, p->wrappedKey,
                                               dataKeyAd(rec.header.vault, p->collectionId, epoch,
                                                         p->sopId, rec.header.position)));
            }
        }
    }
    CHECK(afterRemoval == 2);
    for (const Record& rec :
         records(db, "SELECT body, signature FROM admin_log ORDER BY position")) {
        if (rec.header.kind == RecordKind::UserRemoved) {
            auto removal = decodeUserRemoved(rec.payload);
            REQUIRE(removal);
            for (const auto& rot : removal->rotations) {
                for (const auto& s : rot.shares) {
                    CHECK(s.recipient != tom);
                    CHECK_FALSE(crypto::openSealed(stolen.box, s.sealedKey));
                }
            }
        }
    }
    // What he could read before is, honestly, still readable in the old copy.
    auto old = test::raw::open(oldCopy);
    auto firstVersion = records(old, "SELECT body, signature FROM sop_versions");
    REQUIRE(firstVersion.size() == 1);
    auto p = decodeSopVersion(firstVersion.front().payload);
    bool opened = false;
    for (const auto& stolenKey : stolen.collectionKeys) {
        opened = opened || bool(crypto::openSecret(stolenKey.key, p->wrappedKey,
                                                   dataKeyAd(firstVersion.front().header.vault,
                                                             p->collectionId, 0, p->sopId, 1)));
    }
    CHECK(opened);
}

TEST_CASE("members keep reading old versions through the key chain after a rotation",
          "[core][removal]")
{
    TestVault v;
    Id sop{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        for (const char* who : {"tom", "erin", "nina"}) {
            REQUIRE(owner->addUser(who, test::password(std::string(who) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        REQUIRE(owner->grant("erin", "editor", "Ops"));
        sop = addSop(*owner, "Ops", "Old runbook");
        REQUIRE(owner->removeUser("tom"));
        // Someone granted after the rotation reads the old version too.
        REQUIRE(owner->grant("nina", "technician", "Ops"));
    }
    for (const char* who : {"erin", "nina"}) {
        auto s = v.as(who);
        auto read = s->readSop(sop, 1);
        REQUIRE(read);
        CHECK(read->title == "Old runbook");
        CHECK(read->collection == "Ops");
    }
}

TEST_CASE("ungranting view rotates the key; the person can no longer read what follows",
          "[core][removal]")
{
    TestVault v;
    Id tom{};
    Id sop{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->addUser("tom", test::password("tom-pw"), crypto::KdfProfile::Interactive));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        tom = userId(*owner, "tom");
        REQUIRE(owner->ungrant("tom", "technician", "Ops"));
        sop = addSop(*owner, "Ops", "After ungrant");
    }
    auto t = v.as("tom");
    CHECK(t->readSop(sop).error().code == ErrorCode::NotFound);
    const test::Stolen stolen = test::steal(v.file(), tom, "tom-pw");
    REQUIRE(stolen.collectionKeys.size() == 1);
    auto db = test::raw::open(v.file());
    auto versions = records(db, "SELECT body, signature FROM sop_versions");
    REQUIRE(versions.size() == 1);
    auto p = decodeSopVersion(versions.front().payload);
    CHECK(p->epoch == 1);
    CHECK_FALSE(crypto::openSecret(
        stolen.collectionKeys.front().key, p->wrappedKey,
        dataKeyAd(versions.front().header.vault, p->collectionId, 1, p->sopId, 1)));
    CHECK(v.verifyAsOwner().ok);
}

namespace {

// Writes a SOP version signed by `signer` straight into the file, claiming `adminCount`.
void forgeVersion(TestVault& v, const test::Stolen& signer, const Id& collection,
                  std::uint32_t epoch, std::uint64_t adminCount)
{
    auto db = v.raw();
    SopVersionPayload p;
    p.sopId = randomId();
    p.collectionId = collection;
    p.epoch = epoch;
    p.wrappedKey = crypto::randomBytes(72);
    p.ciphertext = crypto::randomBytes(300);
    RecordHeader h;
    h.vault = signer.vault;
    h.recordId = randomId();
    h.kind = RecordKind::SopVersion;
    h.position = 1;
    h.signer = signer.user;
    h.time = v.clock().now();
    h.adminCount = adminCount;
    test::raw::putVersion(db, p.sopId, test::raw::signRecord(h, encode(p), signer.sign.secretKey));
}

struct EditorLeaves
{
    TestVault v;
    Id ops{};
    test::Stolen erin;
    std::uint64_t adminBeforeRemoval = 0;
    std::uint64_t adminAfterRemoval = 0;

    EditorLeaves()
    {
        {
            auto owner = v.as("olivia");
            ops = *owner->addCollection("Ops");
            REQUIRE(
                owner->addUser("erin", test::password("erin-pw"), crypto::KdfProfile::Interactive));
            REQUIRE(owner->grant("erin", "editor", "Ops"));
        }
        erin = test::steal(v, "erin"); // before her keys leave the file
        adminBeforeRemoval = adminCount();
        {
            auto owner = v.as("olivia");
            REQUIRE(owner->removeUser("erin"));
        }
        adminAfterRemoval = adminCount();
        REQUIRE(v.verifyAsOwner().ok);
    }

    std::uint64_t adminCount()
    {
        auto db = v.raw();
        return static_cast<std::uint64_t>(test::raw::count(db, "SELECT count(*) FROM admin_log"));
    }
};

} // namespace

TEST_CASE("tamper case 6: a version a removed editor signs after the removal is rejected, even "
          "backdated",
          "[core][removal][tamper]")
{
    EditorLeaves t;
    SECTION("claiming a point after the removal")
    {
        forgeVersion(t.v, t.erin, t.ops, 1, t.adminAfterRemoval);
    }
    SECTION("backdated to a point where she still had edit")
    {
        forgeVersion(t.v, t.erin, t.ops, 0, t.adminBeforeRemoval);
    }
    const auto report = t.v.verifyAsOwner();
    CHECK_FALSE(report.ok);
    auto owner = t.v.as("olivia");
    auto list = owner->listSops();
    REQUIRE(list);
    REQUIRE(list->size() == 1);
    CHECK(list->front().damaged);
    CHECK(owner->readSop(list->front().id).error().code == ErrorCode::Integrity);
}

TEST_CASE("a write at a superseded epoch is refused", "[core][removal][tamper]")
{
    EditorLeaves t;
    {
        auto owner = t.v.as("olivia");
        REQUIRE(owner->addUser("ed", test::password("ed-pw"), crypto::KdfProfile::Interactive));
        REQUIRE(owner->grant("ed", "editor", "Ops"));
    }
    const test::Stolen ed = test::steal(t.v, "ed");
    forgeVersion(t.v, ed, t.ops, 0, t.adminCount());
    const auto report = t.v.verifyAsOwner();
    REQUIRE_FALSE(report.ok);
    CHECK(report.problems.front().problem.find("superseded") != std::string::npos);
}

TEST_CASE("tamper cases 3 and 4: an older or cut-down copy of the file is an integrity error",
          "[core][rollback][tamper]")
{
    TestVault v;
    v.useStateDir();
    const auto oldCopy = v.file().parent_path() / "old.sopvault";
    Id sop{};
    {
        auto owner = v.as("olivia");
        CHECK(owner->firstOpen());
        REQUIRE(owner->addCollection("Ops"));
        sop = addSop(*owner, "Ops", "Rolled back");
    }
    copyVault(v.file(), oldCopy);
    {
        auto owner = v.as("olivia");
        CHECK_FALSE(owner->firstOpen());
        SopEdit edit;
        edit.body = "version 2\n";
        REQUIRE(owner->editSop(sop, edit));
        REQUIRE(owner->addCollection("Later"));
    }
    REQUIRE(v.tryAs("olivia"));

    auto expectRollback = [&](const char* what) {
        auto again = v.tryAs("olivia");
        REQUIRE_FALSE(again);
        CHECK(again.error().code == ErrorCode::Integrity);
        CHECK(again.error().message.find(what) != std::string::npos);
    };
    SECTION("case 3: one SOP rolled back to an older valid version")
    {
        auto db = v.raw();
        test::raw::exec(db, "DELETE FROM sop_versions WHERE version = 2");
        expectRollback("SOP");
    }
    SECTION("case 4: the whole file replaced by an older copy")
    {
        replaceVault(v.file(), oldCopy);
        expectRollback("older than");
    }
    SECTION("case 4: the tail of the administration log cut off")
    {
        auto db = v.raw();
        test::raw::exec(db, "DELETE FROM admin_log WHERE position = (SELECT max(position) FROM "
                            "admin_log)");
        expectRollback("administration log");
    }
    SECTION("case 4: the tail of the audit log cut off")
    {
        auto db = v.raw();
        test::raw::exec(db, "DELETE FROM audit_log WHERE position >= (SELECT max(position) - 2 "
                            "FROM audit_log)");
        expectRollback("audit log");
    }
    SECTION("a different vault put in the file's place")
    {
        std::filesystem::remove(v.file());
        std::error_code ec;
        std::filesystem::remove(v.file().string() + "-wal", ec);
        std::filesystem::remove(v.file().string() + "-shm", ec);
        // Made elsewhere (no marks of this machine), then put in the file's place.
        OpenOptions elsewhere;
        elsewhere.busyTimeout = v.options().busyTimeout;
        REQUIRE(createVault(v.file(), "olivia", test::password("olivia-pw"),
                            crypto::KdfProfile::Interactive, elsewhere));
        expectRollback("different vault");
    }
    SECTION("this machine's record doctored")
    {
        for (const auto& entry :
             std::filesystem::directory_iterator(v.file().parent_path() / "state")) {
            // The last byte before the MAC: the record still parses, the MAC no longer fits.
            const auto size = static_cast<std::streamoff>(std::filesystem::file_size(entry.path()));
            std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
            f.seekg(size - 33);
            const char old = static_cast<char>(f.get());
            f.seekp(size - 33);
            f.put(static_cast<char>(old ^ 0x01));
        }
        expectRollback("changed by someone else");
    }
}

TEST_CASE("the recovery code sets a new owner password; the old one stops working; it is "
          "audited",
          "[core][recovery]")
{
    TestVault v;
    REQUIRE(v.recoveryCode().size() == 39);
    CHECK(recoverOwner(v.file(), "olivia",
                       test::password("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"),
                       test::password("new"), crypto::KdfProfile::Interactive, v.options())
              .error()
              .code == ErrorCode::Auth);
    CHECK(recoverOwner(v.file(), "olivia", test::password("not a code"), test::password("new"),
                       crypto::KdfProfile::Interactive, v.options())
              .error()
              .code == ErrorCode::Auth);
    // Lower case and without dashes is the same code.
    std::string typed;
    for (char c : v.recoveryCode()) {
        if (c != '-') {
            typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    REQUIRE(recoverOwner(v.file(), "olivia", test::password(typed), test::password("fresh-pw"),
                         crypto::KdfProfile::Interactive, v.options()));
    CHECK(v.tryAs("olivia").error().code == ErrorCode::Auth);
    auto owner = v.tryAs("olivia", "fresh-pw");
    REQUIRE(owner);
    auto log = (*owner)->audit();
    REQUIRE(log);
    CHECK(std::any_of(log->begin(), log->end(), [](const AuditEntry& e) {
        return e.action == "recovered" && e.actor == "olivia";
    }));
    CHECK((*owner)->verify()->ok);
}

TEST_CASE("a second owner can run the vault, and the recovery code reaches them too",
          "[core][recovery]")
{
    TestVault v;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        addSop(*owner, "Ops", "Shared");
        REQUIRE(
            owner->addUser("oscar", test::password("oscar-pw"), crypto::KdfProfile::Interactive));
        // Not an owner yet: the recovery code cannot reach him.
        CHECK(recoverOwner(v.file(), "oscar", test::password(v.recoveryCode()), test::password("x"),
                           crypto::KdfProfile::Interactive, v.options())
                  .error()
                  .code == ErrorCode::NotFound);
        REQUIRE(owner->addOwner("oscar"));
    }
    {
        auto oscar = v.as("oscar"); // his first unlock as an owner seals his keys for recovery
        CHECK(oscar->isOwner());
        REQUIRE(oscar->addCollection("Clients"));
        REQUIRE(oscar->listSops()->size() == 1);
        REQUIRE(oscar->removeUser("olivia"));
    }
    REQUIRE(recoverOwner(v.file(), "oscar", test::password(v.recoveryCode()),
                         test::password("oscar-new"), crypto::KdfProfile::Interactive,
                         v.options()));
    auto oscar = v.tryAs("oscar", "oscar-new");
    REQUIRE(oscar);
    CHECK((*oscar)->verify()->ok);
}

TEST_CASE("a removed technician's old password wrap put back into the file is reported by verify",
          "[core][removal][tamper]")
{
    TestVault v;
    v.addUser("tom");
    Id tom{};
    crypto::Bytes oldWrap;
    {
        auto owner = v.as("olivia");
        tom = userId(*owner, "tom");
        auto db = v.raw();
        oldWrap = test::raw::wrapOf(db, tom);
        REQUIRE_FALSE(oldWrap.empty());
    }
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->removeUser("tom"));
    }
    REQUIRE(v.verifyAsOwner().ok);
    {
        // The attacker copies his old row back with a SQLite shell.
        auto db = v.raw();
        auto put = db.prepare("INSERT INTO user_keys (user_id, wrap) VALUES (?, ?)");
        REQUIRE(put);
        put->bind(1, crypto::ByteView(tom)).bind(2, crypto::ByteView(oldWrap));
        REQUIRE(put->run());
    }
    const VerifyReport report = v.verifyAsOwner();
    CHECK_FALSE(report.ok);
    const bool listed =
        std::any_of(report.problems.begin(), report.problems.end(), [](const auto& p) {
            return p.record == "stored keys of tom" &&
                   p.problem.find("removed") != std::string::npos;
        });
    INFO(report.problems.size() << " problem(s)");
    CHECK(listed);
    // He still cannot unlock: the removal in the log stands.
    auto back = v.tryAs("tom");
    REQUIRE_FALSE(back);
}
