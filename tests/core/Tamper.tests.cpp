// Tamper matrix (security.md cases 1, 2, 5, 6, 8, 9, 10): every tampering of the file fails closed.
#include "Attacker.h"
#include "LocalState.h"
#include "Records.h"
#include "Replay.h"
#include "TestVault.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>

using namespace sopvault;
using namespace sopvault::core;
using namespace sopvault::core::detail;
using crypto::Bytes;
using sopvault::test::Stolen;
using sopvault::test::TestVault;
using namespace sopvault::test::raw;

namespace {

// --- records forged onto the file ------------------------------------------------------------

// The header of a SOP version, correct in every chain field (parent hash, admin count).
RecordHeader versionHeader(storage::Database& db, const AdminLog& admin, const Id& sop,
                           std::uint64_t version, const Id& signer)
{
    RecordHeader h;
    h.vault = admin.vault;
    h.recordId = randomId();
    h.kind = RecordKind::SopVersion;
    h.position = version;
    h.prev = version == 1 ? crypto::Hash32{} : decoded(versionRow(db, sop, version - 1)).hash();
    h.signer = signer;
    h.time = kForgedTime;
    h.adminCount = admin.count();
    return h;
}

// A SOP version encrypted exactly as a client would, under `collectionKey`.
SopVersionPayload encryptVersion(const AdminLog& admin, const RecordHeader& h, const Id& sop,
                                 const Id& collection, const crypto::SecureBuffer& collectionKey,
                                 const std::string& body)
{
    auto dataKey = crypto::randomKey();
    REQUIRE(dataKey);
    auto wrapped = crypto::seal(collectionKey, dataKey->span(),
                                dataKeyAd(admin.vault, collection, 0, sop, h.position));
    REQUIRE(wrapped);
    SopContent content;
    content.title = "Forged";
    content.body = body;
    content.state = SopState::Published;
    content.message = "forged";
    auto padded = crypto::pad(encode(content), kPadBlock);
    REQUIRE(padded);
    auto sealed = crypto::seal(*dataKey, *padded,
                               contentAd(admin.vault, collection, sop, h.position, h.prev));
    REQUIRE(sealed);
    SopVersionPayload p;
    p.sopId = sop;
    p.collectionId = collection;
    p.wrappedKey = std::move(*wrapped);
    p.ciphertext = std::move(*sealed);
    return p;
}

// --- what the vault says about the file -------------------------------------------------------

// (Works on a session's or verify's VerifyProblem and on replay's ReplayProblem alike.)
template <typename Problems>
std::string listed(const Problems& problems)
{
    std::ostringstream out;
    for (const auto& p : problems) {
        out << "\n  " << p.record << ": " << p.problem;
    }
    return out.str();
}

template <typename Problems>
bool mentions(const Problems& problems, std::string_view record, std::string_view text = {})
{
    return std::any_of(problems.begin(), problems.end(), [&](const auto& p) {
        return p.record.find(record) != std::string::npos &&
               p.problem.find(text) != std::string::npos;
    });
}

std::string sopRecord(const Id& sop, std::uint64_t version)
{
    return fmt::format("SOP {} version {}", toHex(sop), version);
}

std::string adminRecord(std::uint64_t position)
{
    return describe("administration record", position);
}

std::string auditRecord(std::uint64_t position)
{
    return describe("audit entry", position);
}

// Replays the file with `change` applied inside a transaction that is then rolled back: the very
// checks unlock and verify run, without a key derivation per tampered byte.
template <typename Change>
ReplayResult replayWith(storage::Database& db, Change&& change)
{
    REQUIRE(db.beginWrite());
    change(db);
    auto result = replay(db, ReplayOptions{.checkAuditLog = true});
    db.rollback();
    REQUIRE(result);
    return std::move(*result);
}

// Verify, as `session` sees the file now: not ok, and naming `record` (if given).
void requireVerifyReports(const Session& session, std::string_view record,
                          std::string_view text = {})
{
    auto report = session.verify();
    REQUIRE(report);
    INFO("verify problems:" << listed(report->problems));
    CHECK_FALSE(report->ok);
    CHECK_FALSE(report->problems.empty());
    CHECK(mentions(report->problems, record, text));
}

// The owner unlocks (the SOP log does not stop that) and cannot read the SOP: `integrity`
// (returned for checking) or, where no version of it verified, it is not shown at all. Either
// way it is never listed as sound, unlock reports it, and verify names the version.
ErrorCode requireSopFailsClosed(TestVault& v, const Id& sop, std::uint64_t version)
{
    auto owner = v.as("olivia");
    CHECK(mentions(owner->problems(), toHex(sop)));
    auto read = owner->readSop(sop);
    REQUIRE_FALSE(read);
    const ErrorCode code = read.error().code;
    CHECK((code == ErrorCode::Integrity || code == ErrorCode::NotFound));
    auto list = owner->listSops();
    REQUIRE(list);
    for (const SopSummary& s : *list) {
        if (s.id == sop) {
            CHECK(s.damaged);
        }
    }
    requireVerifyReports(*owner, sopRecord(sop, version));
    return code;
}

// A damaged administration log: `user` either cannot unlock (integrity), or unlocks into a
// session that lists the problem and refuses every write with `integrity`. Owners' verify
// names the record.
void requireAdminFailsClosed(TestVault& v, std::string_view user, std::uint64_t position)
{
    INFO("unlocking as " << user);
    auto unlocked = v.tryAs(user);
    if (!unlocked) {
        CHECK(unlocked.error().code == ErrorCode::Integrity);
        return;
    }
    Session& s = **unlocked;
    INFO("session problems:" << listed(s.problems()));
    CHECK(mentions(s.problems(), adminRecord(position)));
    auto collection = s.addCollection("Forbidden");
    REQUIRE_FALSE(collection);
    CHECK(collection.error().code == ErrorCode::Integrity);
    NewSop sop;
    sop.collection = "Clients";
    sop.title = "Written over a broken log";
    sop.body = "Must not be written\n";
    auto added = s.addSop(sop);
    REQUIRE_FALSE(added);
    CHECK(added.error().code == ErrorCode::Integrity);
    auto granted = s.grant("tom", "editor", "Clients");
    REQUIRE_FALSE(granted);
    CHECK(granted.error().code == ErrorCode::Integrity);
    if (s.isOwner()) {
        requireVerifyReports(s, adminRecord(position));
    }
}

// --- the vault every case starts from ---------------------------------------------------------

Id addSop(Session& s, const std::string& collection, const std::string& title, int versions)
{
    const Id id = test::addSop(s, collection, title, "Step 1 of " + title + "\n");
    for (int n = 2; n <= versions; ++n) {
        SopEdit edit;
        edit.body = fmt::format("Step {} of {}\n", n, title);
        REQUIRE(s.editSop(id, edit));
    }
    return id;
}

// olivia (owner); tom, technician on Clients; eddie, editor on Clients. Administration log:
// 0 genesis, 1 tom added, 2 eddie added, 3 Clients, 4 Internal, 5 tom's grant, 6 eddie's grant.
struct Scenario
{
    TestVault v;
    Id vault{};
    Id olivia{};
    Id tom{};
    Id eddie{};
    Id clients{};
    Id internal{};
    Id sopA{}; // Clients, 2 versions
    Id sopB{}; // Clients, 2 versions
    Id sopC{}; // Internal, 2 versions
    Id sopD{}; // Clients, 3 versions
    static constexpr std::uint64_t kAdminRecords = 7;

    Scenario()
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addUser("tom", test::password("tom-pw"), crypto::KdfProfile::Interactive));
        REQUIRE(
            owner->addUser("eddie", test::password("eddie-pw"), crypto::KdfProfile::Interactive));
        auto c = owner->addCollection("Clients");
        REQUIRE(c);
        clients = *c;
        auto i = owner->addCollection("Internal");
        REQUIRE(i);
        internal = *i;
        REQUIRE(owner->grant("tom", "technician", "Clients"));
        REQUIRE(owner->grant("eddie", "editor", "Clients"));
        sopA = addSop(*owner, "Clients", "Alpha", 2);
        sopB = addSop(*owner, "Clients", "Bravo", 2);
        sopC = addSop(*owner, "Internal", "Charlie", 2);
        sopD = addSop(*owner, "Clients", "Delta", 3);
        for (const UserInfo& u : owner->users()) {
            (u.name == "olivia" ? olivia : u.name == "tom" ? tom : eddie) = u.id;
        }
        auto id = idFromHex(owner->vaultId());
        REQUIRE(id);
        vault = *id;
        // The untampered vault verifies, so every failure below comes from the tampering.
        REQUIRE(owner->problems().empty());
        auto report = owner->verify();
        REQUIRE(report);
        INFO("verify problems:" << listed(report->problems));
        REQUIRE(report->ok);
        REQUIRE(report->adminRecords == kAdminRecords);
        REQUIRE(report->ciphertexts == 9);
        for (const Id& sop : {sopA, sopB, sopC, sopD}) {
            REQUIRE(owner->readSop(sop));
        }
    }

    // After putting everything back, the file verifies again: the failure was the tampering's.
    void requireRestoredVerifies()
    {
        const auto report = v.verifyAsOwner();
        INFO("verify problems:" << listed(report.problems));
        CHECK(report.ok);
    }
};

} // namespace

// --- case 1: flip any byte of any ciphertext, wrap, signature or hash --------------------------

TEST_CASE("tamper 1: a flipped byte anywhere in a SOP version's body or signature fails closed",
          "[core][tamper]")
{
    Scenario s;
    Stored original;
    std::size_t vaultIdAt = 0;
    std::size_t wrappedKeyAt = 0;
    std::size_t ciphertextAt = 0;
    std::size_t ciphertextSize = 0;
    {
        auto db = s.v.raw();
        original = versionRow(db, s.sopA, 2);
        const Record rec = decoded(original);
        const auto payload = decodeSopVersion(rec.payload);
        REQUIRE(payload);
        vaultIdAt = offsetOf(original.body, crypto::toBytes(rec.header.vault));
        REQUIRE(vaultIdAt < offsetOf(original.body, rec.payload)); // in the header
        wrappedKeyAt = offsetOf(original.body, payload->wrappedKey);
        ciphertextAt = offsetOf(original.body, payload->ciphertext);
        ciphertextSize = payload->ciphertext.size();
        REQUIRE(ciphertextSize >= kPadBlock);

        // Every 7th byte of the body and of the signature, through the replay that unlock and
        // verify both run: SOP A is marked damaged, SOP B is not touched.
        auto requireOnlyADamaged = [&](const ReplayResult& r) {
            CHECK(r.adminSound);
            CHECK(mentions(r.problems, toHex(s.sopA)));
            REQUIRE(r.state.sops.contains(s.sopA));
            CHECK_FALSE(r.state.sops.at(s.sopA).problem.empty());
            CHECK(r.state.sops.at(s.sopB).problem.empty());
        };
        for (std::size_t at = 0; at < original.body.size(); at += 7) {
            INFO("body byte " << at << " of " << original.body.size());
            requireOnlyADamaged(replayWith(db, [&](storage::Database& d) {
                setVersionRow(d, s.sopA, 2, {flipped(original.body, at), original.signature});
            }));
        }
        for (std::size_t at = 0; at < original.signature.size(); at += 7) {
            INFO("signature byte " << at);
            requireOnlyADamaged(replayWith(db, [&](storage::Database& d) {
                setVersionRow(d, s.sopA, 2, {original.body, flipped(original.signature, at)});
            }));
        }
    }

    // And end to end, at one byte of each region: the header, the wrapped data key, the
    // ciphertext, and the signature.
    const std::vector<std::pair<const char*, Stored>> tampers{
        {"header (vault id)", {flipped(original.body, vaultIdAt + 3), original.signature}},
        {"wrapped data key", {flipped(original.body, wrappedKeyAt + 30), original.signature}},
        {"ciphertext",
         {flipped(original.body, ciphertextAt + ciphertextSize / 2), original.signature}},
        {"signature", {original.body, flipped(original.signature, 33)}},
    };
    for (const auto& [region, tampered] : tampers) {
        INFO("flipped a byte of the " << region);
        {
            auto db = s.v.raw();
            setVersionRow(db, s.sopA, 2, tampered);
        }
        CHECK(requireSopFailsClosed(s.v, s.sopA, 2) == ErrorCode::Integrity);
        {
            auto db = s.v.raw();
            setVersionRow(db, s.sopA, 2, original);
        }
    }
    s.requireRestoredVerifies();
}

TEST_CASE("tamper 1: a flipped byte in a SOP's first version hides the SOP and is reported",
          "[core][tamper]")
{
    Scenario s;
    Stored original;
    {
        auto db = s.v.raw();
        original = versionRow(db, s.sopB, 1);
        setVersionRow(db, s.sopB, 1,
                      {flipped(original.body, original.body.size() / 2), original.signature});
    }
    // With no verified version the SOP's collection is unknown, so it cannot be listed as
    // damaged: it is not shown at all, and reading it is not-found; unlock and verify name it.
    requireSopFailsClosed(s.v, s.sopB, 1);
    {
        auto tom = s.v.as("tom");
        CHECK(mentions(tom->problems(), toHex(s.sopB)));
        auto read = tom->readSop(s.sopB);
        REQUIRE_FALSE(read);
        CHECK((read.error().code == ErrorCode::Integrity ||
               read.error().code == ErrorCode::NotFound));
    }
    {
        auto db = s.v.raw();
        setVersionRow(db, s.sopB, 1, original);
    }
    s.requireRestoredVerifies();
}

TEST_CASE("tamper 1: a flipped byte in any administration record refuses writes or the unlock",
          "[core][tamper]")
{
    Scenario s;
    SECTION("every 7th byte of every record, through the replay unlock and verify run")
    {
        auto db = s.v.raw();
        for (std::uint64_t position = 0; position < Scenario::kAdminRecords; ++position) {
            const Stored original = logRow(db, Log::Admin, position);
            auto requireBrokenAt = [&](const ReplayResult& r) {
                CHECK_FALSE(r.adminSound);
                REQUIRE_FALSE(r.problems.empty());
                CHECK(r.problems.front().record == adminRecord(position));
            };
            for (std::size_t at = 0; at < original.body.size(); at += 7) {
                INFO("administration record " << position << ", body byte " << at);
                requireBrokenAt(replayWith(db, [&](storage::Database& d) {
                    setLogRow(d, Log::Admin, position,
                              {flipped(original.body, at), original.signature});
                }));
            }
            for (std::size_t at = 0; at < original.signature.size(); at += 7) {
                INFO("administration record " << position << ", signature byte " << at);
                requireBrokenAt(replayWith(db, [&](storage::Database& d) {
                    setLogRow(d, Log::Admin, position,
                              {original.body, flipped(original.signature, at)});
                }));
            }
        }
    }

    SECTION("the genesis record: nobody can unlock")
    {
        {
            auto db = s.v.raw();
            const Stored g = logRow(db, Log::Admin, 0);
            setLogRow(db, Log::Admin, 0, {flipped(g.body, g.body.size() - 10), g.signature});
        }
        for (const char* user : {"olivia", "tom"}) {
            auto unlocked = s.v.tryAs(user);
            REQUIRE_FALSE(unlocked);
            CHECK(unlocked.error().code == ErrorCode::Integrity);
        }
    }
    SECTION("the record that adds tom: tom cannot unlock, the owner cannot write")
    {
        {
            auto db = s.v.raw();
            const Stored r = logRow(db, Log::Admin, 1);
            setLogRow(db, Log::Admin, 1, {flipped(r.body, r.body.size() - 40), r.signature});
        }
        auto tom = s.v.tryAs("tom");
        REQUIRE_FALSE(tom);
        CHECK(tom.error().code == ErrorCode::Integrity);
        requireAdminFailsClosed(s.v, "olivia", 1);
    }
    SECTION("the signature of the newest record: every session refuses writes")
    {
        {
            auto db = s.v.raw();
            const Stored r = logRow(db, Log::Admin, 6);
            setLogRow(db, Log::Admin, 6, {r.body, flipped(r.signature, 5)});
        }
        requireAdminFailsClosed(s.v, "olivia", 6);
        requireAdminFailsClosed(s.v, "eddie", 6);
    }
}

TEST_CASE("tamper 1: a flipped byte in an audit entry is reported by verify and the audit reader",
          "[core][tamper]")
{
    Scenario s;
    constexpr std::uint64_t kEntry = 3;
    Stored original;
    {
        auto db = s.v.raw();
        original = logRow(db, Log::Audit, kEntry);
        auto requireReported = [&](const ReplayResult& r) {
            CHECK(r.adminSound);
            CHECK(mentions(r.problems, auditRecord(kEntry)));
        };
        for (std::size_t at = 0; at < original.body.size(); at += 7) {
            INFO("audit entry body byte " << at);
            requireReported(replayWith(db, [&](storage::Database& d) {
                setLogRow(d, Log::Audit, kEntry, {flipped(original.body, at), original.signature});
            }));
        }
        for (std::size_t at = 0; at < original.signature.size(); at += 7) {
            INFO("audit entry signature byte " << at);
            requireReported(replayWith(db, [&](storage::Database& d) {
                setLogRow(d, Log::Audit, kEntry, {original.body, flipped(original.signature, at)});
            }));
        }
        setLogRow(db, Log::Audit, kEntry, {flipped(original.body, 60), original.signature});
    }
    {
        auto owner = s.v.as("olivia");
        auto log = owner->audit();
        REQUIRE_FALSE(log);
        CHECK(log.error().code == ErrorCode::Integrity);
        requireVerifyReports(*owner, auditRecord(kEntry));
    }
    {
        auto db = s.v.raw();
        setLogRow(db, Log::Audit, kEntry, original);
    }
    s.requireRestoredVerifies();
}

TEST_CASE("tamper 1: the mark of a password an owner chose cannot be stripped or added with "
          "SQLite",
          "[core][tamper]")
{
    Scenario s;
    Bytes toms;
    Bytes olivias;
    {
        auto db = s.v.raw();
        toms = wrapOf(db, s.tom);
        olivias = wrapOf(db, s.olivia);
    }
    {
        auto tom = s.v.tryAs("tom");
        REQUIRE(tom);
        REQUIRE((*tom)->passwordSetByOwner());
    }
    // The mark is one byte after the fields; without it the wrap encodes as any other.
    auto marked = decodeKeyWrap(toms);
    REQUIRE(marked);
    CHECK(marked->setByOwner);
    KeyWrap plain = *marked;
    plain.setByOwner = false;
    Bytes expected = encode(plain);
    expected.push_back(1);
    CHECK(expected == toms);

    // Tom (or anyone) strips it to skip choosing his own password: the signature covers it.
    {
        auto db = s.v.raw();
        setWrap(db, s.tom, Bytes(toms.begin(), toms.end() - 1));
    }
    auto stripped = s.v.tryAs("tom");
    REQUIRE_FALSE(stripped);
    CHECK(stripped.error().code == ErrorCode::Integrity);
    requireVerifyReports(*s.v.as("olivia"), "stored keys of tom");
    // Someone adds it to an owner's wrap to force a change on her: refused the same way.
    {
        auto db = s.v.raw();
        setWrap(db, s.tom, toms);
        Bytes added = olivias;
        added.push_back(1);
        setWrap(db, s.olivia, added);
    }
    auto forced = s.v.tryAs("olivia");
    REQUIRE_FALSE(forced);
    CHECK(forced.error().code == ErrorCode::Integrity);
    {
        auto db = s.v.raw();
        setWrap(db, s.olivia, olivias);
    }
    CHECK(s.v.tryAs("olivia"));
}

TEST_CASE("tamper 1: a flipped byte in a password wrap (salt, sealed keys, signature) refuses "
          "that unlock with an integrity error",
          "[core][tamper]")
{
    Scenario s;
    REQUIRE(s.v.tryAs("tom")); // the untampered wrap opens
    Bytes original;
    std::size_t saltAt = 0;
    std::size_t sealedAt = 0;
    std::size_t signatureAt = 0;
    {
        auto db = s.v.raw();
        original = wrapOf(db, s.tom);
        auto wrap = decodeKeyWrap(original);
        REQUIRE(wrap);
        REQUIRE(encode(*wrap) == original);
        saltAt = offsetOf(original, wrap->salt);
        sealedAt = offsetOf(original, wrap->sealed);
        signatureAt = offsetOf(original, crypto::toBytes(wrap->signature));
    }
    // Every 7th byte, end to end (each is refused before any key derivation runs).
    for (std::size_t at = 0; at < original.size(); at += 7) {
        INFO("wrap byte " << at << " of " << original.size());
        {
            auto db = s.v.raw();
            setWrap(db, s.tom, flipped(original, at));
        }
        auto tom = s.v.tryAs("tom");
        REQUIRE_FALSE(tom);
        CHECK(tom.error().code == ErrorCode::Integrity);
    }
    // The owner's verify names the damaged wrap too.
    for (const auto& [region, at] :
         std::vector<std::pair<const char*, std::size_t>>{{"salt", saltAt + 3},
                                                          {"sealed keys", sealedAt + 50},
                                                          {"signature", signatureAt + 9}}) {
        INFO("flipped a byte of the " << region);
        {
            auto db = s.v.raw();
            setWrap(db, s.tom, flipped(original, at));
        }
        auto tom = s.v.tryAs("tom");
        REQUIRE_FALSE(tom);
        CHECK(tom.error().code == ErrorCode::Integrity);
        auto owner = s.v.as("olivia");
        requireVerifyReports(*owner, "stored keys of tom");
    }
    {
        auto db = s.v.raw();
        setWrap(db, s.tom, original);
        // The unlocking person's own wrap: the owner is refused, and others' verify says why.
        const Bytes mine = wrapOf(db, s.olivia);
        setWrap(db, s.olivia, flipped(mine, mine.size() - 20));
    }
    auto owner = s.v.tryAs("olivia");
    REQUIRE_FALSE(owner);
    CHECK(owner.error().code == ErrorCode::Integrity);
    {
        auto tom = s.v.as("tom");
        requireVerifyReports(*tom, "stored keys of olivia");
    }
}

// --- case 2: swap ciphertexts or wrapped data keys between SOPs, versions, collections ---------

TEST_CASE("tamper 2: swapping two SOPs' version records between their rows fails closed",
          "[core][tamper]")
{
    Scenario s;
    SECTION("the newest versions of two SOPs in one collection")
    {
        {
            auto db = s.v.raw();
            const Stored a = versionRow(db, s.sopA, 2);
            const Stored b = versionRow(db, s.sopB, 2);
            setVersionRow(db, s.sopA, 2, b);
            setVersionRow(db, s.sopB, 2, a);
        }
        CHECK(requireSopFailsClosed(s.v, s.sopA, 2) == ErrorCode::Integrity);
        CHECK(requireSopFailsClosed(s.v, s.sopB, 2) == ErrorCode::Integrity);
    }
    SECTION("the newest versions of two SOPs in two collections")
    {
        {
            auto db = s.v.raw();
            const Stored a = versionRow(db, s.sopA, 2);
            const Stored c = versionRow(db, s.sopC, 2);
            setVersionRow(db, s.sopA, 2, c);
            setVersionRow(db, s.sopC, 2, a);
        }
        CHECK(requireSopFailsClosed(s.v, s.sopA, 2) == ErrorCode::Integrity);
        CHECK(requireSopFailsClosed(s.v, s.sopC, 2) == ErrorCode::Integrity);
    }
    SECTION("the first versions of two SOPs in two collections")
    {
        {
            auto db = s.v.raw();
            const Stored a = versionRow(db, s.sopA, 1);
            const Stored c = versionRow(db, s.sopC, 1);
            setVersionRow(db, s.sopA, 1, c);
            setVersionRow(db, s.sopC, 1, a);
        }
        requireSopFailsClosed(s.v, s.sopA, 1);
        requireSopFailsClosed(s.v, s.sopC, 1);
    }
}

TEST_CASE("tamper 2: swapping two versions of one SOP fails closed", "[core][tamper]")
{
    Scenario s;
    SECTION("versions 2 and 3")
    {
        {
            auto db = s.v.raw();
            const Stored two = versionRow(db, s.sopD, 2);
            const Stored three = versionRow(db, s.sopD, 3);
            setVersionRow(db, s.sopD, 2, three);
            setVersionRow(db, s.sopD, 3, two);
        }
        CHECK(requireSopFailsClosed(s.v, s.sopD, 2) == ErrorCode::Integrity);
    }
    SECTION("versions 1 and 2")
    {
        {
            auto db = s.v.raw();
            const Stored one = versionRow(db, s.sopD, 1);
            const Stored two = versionRow(db, s.sopD, 2);
            setVersionRow(db, s.sopD, 1, two);
            setVersionRow(db, s.sopD, 2, one);
        }
        requireSopFailsClosed(s.v, s.sopD, 1);
    }
}

TEST_CASE("tamper 2: splicing another SOP's wrapped data key or ciphertext into a record, "
          "keeping its signature, fails closed",
          "[core][tamper]")
{
    Scenario s;
    struct Splice
    {
        const char* what;
        Id from;
        std::uint64_t fromVersion;
        bool wrappedKey;
        bool ciphertext;
    };
    const std::vector<Splice> splices{
        {"wrapped data key of a SOP in another collection", s.sopC, 2, true, false},
        {"ciphertext of a SOP in another collection", s.sopC, 2, false, true},
        {"wrapped key and ciphertext of a SOP in the same collection", s.sopB, 2, true, true},
        {"wrapped key and ciphertext of the SOP's own older version", s.sopA, 1, true, true},
    };
    Stored original;
    {
        auto db = s.v.raw();
        original = versionRow(db, s.sopA, 2);
    }
    for (const Splice& splice : splices) {
        INFO("spliced in the " << splice.what);
        {
            auto db = s.v.raw();
            Record target = decoded(original);
            auto payload = decodeSopVersion(target.payload);
            REQUIRE(payload);
            REQUIRE(encodeBody(target.header, encode(*payload)) == original.body);
            auto source =
                decodeSopVersion(decoded(versionRow(db, splice.from, splice.fromVersion)).payload);
            REQUIRE(source);
            if (splice.wrappedKey) {
                payload->wrappedKey = source->wrappedKey;
            }
            if (splice.ciphertext) {
                payload->ciphertext = source->ciphertext;
            }
            setVersionRow(db, s.sopA, 2,
                          {encodeBody(target.header, encode(*payload)), original.signature});
        }
        CHECK(requireSopFailsClosed(s.v, s.sopA, 2) == ErrorCode::Integrity);
        {
            auto db = s.v.raw();
            setVersionRow(db, s.sopA, 2, original);
        }
    }
    s.requireRestoredVerifies();
}

TEST_CASE("tamper 2: an editor who re-signs another SOP's wrapped key and ciphertext as a new "
          "version still cannot make it open",
          "[core][tamper]")
{
    Scenario s;
    auto db = s.v.raw();
    const Stolen eddie = test::steal(db, s.eddie, "eddie-pw");
    REQUIRE(eddie.holds(s.clients));
    REQUIRE_FALSE(eddie.holds(s.internal));
    const AdminLog admin = readAdminLog(db);

    // Control: the same forgery with honestly encrypted content is accepted as eddie's edit,
    // so what fails below is the moved ciphertext and nothing else.
    {
        const RecordHeader h = versionHeader(db, admin, s.sopA, 3, s.eddie);
        const SopVersionPayload honest = encryptVersion(
            admin, h, s.sopA, s.clients, eddie.keyOf(s.clients), "Eddie's honest edit\n");
        putVersion(db, s.sopA, signRecord(h, encode(honest), eddie.sign.secretKey));
    }
    {
        auto owner = s.v.as("olivia");
        CHECK(owner->problems().empty());
        auto read = owner->readSop(s.sopA);
        REQUIRE(read);
        CHECK(read->version == 3);
        CHECK(read->author == "eddie");
        CHECK(read->body == "Eddie's honest edit\n");
    }

    const std::vector<std::tuple<const char*, Id, std::uint64_t>> sources{
        {"a SOP in a collection eddie cannot read", s.sopC, 2},
        {"another SOP in the same collection", s.sopB, 2},
        {"an older version of the same SOP", s.sopA, 1},
    };
    for (const auto& [what, from, fromVersion] : sources) {
        INFO("wrapped key and ciphertext copied from " << what);
        const auto source = decodeSopVersion(decoded(versionRow(db, from, fromVersion)).payload);
        REQUIRE(source);
        const RecordHeader h = versionHeader(db, admin, s.sopA, 3, s.eddie);
        SopVersionPayload moved;
        moved.sopId = s.sopA;
        moved.collectionId = s.clients;
        moved.wrappedKey = source->wrappedKey;
        moved.ciphertext = source->ciphertext;
        putVersion(db, s.sopA, signRecord(h, encode(moved), eddie.sign.secretKey));
        {
            auto owner = s.v.as("olivia");
            auto read = owner->readSop(s.sopA);
            REQUIRE_FALSE(read);
            CHECK(read.error().code == ErrorCode::Integrity);
            auto older = owner->readSop(s.sopA, 2); // the verified history stays readable
            CHECK(older);
            requireVerifyReports(*owner, sopRecord(s.sopA, 3));
        }
    }
}

// --- case 5: a grant sealed by a non-owner, or whose key does not match its commitment ---------

TEST_CASE("tamper 5: a grant signed by a technician is rejected and freezes the administration "
          "log",
          "[core][tamper]")
{
    Scenario s;
    {
        auto db = s.v.raw();
        const Stolen tom = test::steal(db, s.tom, "tom-pw");
        const Stolen olivia = test::steal(db, s.olivia, "olivia-pw");
        const AdminLog admin = readAdminLog(db);
        GrantPayload selfPromotion;
        selfPromotion.userId = s.tom;
        selfPromotion.role = "editor";
        selfPromotion.collectionId = s.clients;

        // Control: the very same record signed by the owner is accepted and gives tom 'edit'.
        {
            const Record byOwner = signRecord(nextAdmin(admin, RecordKind::Grant, s.olivia),
                                              encode(selfPromotion), olivia.sign.secretKey);
            const ReplayResult r =
                replayWith(db, [&](storage::Database& d) { putAdmin(d, byOwner); });
            INFO("replay problems:" << listed(r.problems));
            CHECK(r.problems.empty());
            CHECK(AccessPolicy(r.state).allows(s.tom, Right::Edit, s.clients));
        }
        putAdmin(db, signRecord(nextAdmin(admin, RecordKind::Grant, s.tom), encode(selfPromotion),
                                tom.sign.secretKey));
    }
    {
        auto tom = s.v.as("tom");
        CHECK(mentions(tom->problems(), adminRecord(Scenario::kAdminRecords), "manager"));
        CHECK_FALSE(tom->policy().allows(s.tom, Right::Edit, s.clients));
    }
    requireAdminFailsClosed(s.v, "tom", Scenario::kAdminRecords);
    requireAdminFailsClosed(s.v, "olivia", Scenario::kAdminRecords);
}

TEST_CASE("tamper 5: a grant whose sealed key does not match the collection's key commitment is "
          "rejected by the grantee",
          "[core][tamper]")
{
    Scenario s;
    Record good;
    Record bad;
    {
        auto db = s.v.raw();
        const Stolen olivia = test::steal(db, s.olivia, "olivia-pw");
        REQUIRE(olivia.holds(s.internal));
        const AdminLog admin = readAdminLog(db);
        crypto::BoxPublicKey tomBox{};
        for (const Record& rec : admin.records) {
            if (rec.header.kind == RecordKind::UserAdded) {
                auto p = decodeUserAdded(rec.payload);
                if (p->userId == s.tom) {
                    tomBox = p->boxKey;
                }
            }
        }
        auto sealShare = [&](const crypto::SecureBuffer& key) {
            auto sealed = crypto::sealTo(tomBox, key.span());
            REQUIRE(sealed);
            GrantPayload p;
            p.userId = s.tom;
            p.role = "technician";
            p.collectionId = s.internal;
            KeyShare share;
            share.collection = s.internal;
            share.recipient = s.tom;
            share.sealedKey = *sealed;
            p.shares.push_back(share);
            return p;
        };
        auto randomKey = crypto::randomKey();
        REQUIRE(randomKey);
        const RecordHeader h = nextAdmin(admin, RecordKind::Grant, s.olivia);
        good = signRecord(h, encode(sealShare(olivia.keyOf(s.internal))), olivia.sign.secretKey);
        bad = signRecord(h, encode(sealShare(*randomKey)), olivia.sign.secretKey);
        // Control: the grant with the real key lets tom read Internal.
        putAdmin(db, good);
    }
    {
        auto tom = s.v.as("tom");
        CHECK(tom->problems().empty());
        auto read = tom->readSop(s.sopC);
        REQUIRE(read);
        CHECK(read->title == "Charlie");
    }
    {
        auto db = s.v.raw();
        putAdmin(db, bad);
    }
    auto tom = s.v.as("tom");
    INFO("tom's problems:" << listed(tom->problems()));
    CHECK(mentions(tom->problems(), toHex(s.internal), "commitment"));
    auto read = tom->readSop(s.sopC);
    REQUIRE_FALSE(read);
    CHECK((read.error().code == ErrorCode::Denied || read.error().code == ErrorCode::Integrity));
    auto list = tom->listSops();
    REQUIRE(list);
    for (const SopSummary& sop : *list) {
        if (sop.id == s.sopC) {
            CHECK(sop.damaged);
        }
    }
    requireVerifyReports(*tom, toHex(s.internal), "commitment");
}

// --- case 6: a version signed by a user without 'edit' -----------------------------------------
// (A version signed by a removed user after the removal: Removal.tests.cpp. A version back-dated
// by an editor to before their ungrant: at the end of this file.)

TEST_CASE("tamper 6: a SOP version signed by a technician is rejected", "[core][tamper]")
{
    Scenario s;
    const Id forgedSop = randomId();
    {
        auto db = s.v.raw();
        const Stolen tom = test::steal(db, s.tom, "tom-pw");
        const Stolen eddie = test::steal(db, s.eddie, "eddie-pw");
        REQUIRE(tom.holds(s.clients));
        const AdminLog admin = readAdminLog(db);
        auto forge = [&](const Id& sop, std::uint64_t version, const Id& signer,
                         const crypto::SecureBuffer& secret) {
            const RecordHeader h = versionHeader(db, admin, sop, version, signer);
            return signRecord(h,
                              encode(encryptVersion(admin, h, sop, s.clients, tom.keyOf(s.clients),
                                                    "Skip the approval step\n")),
                              secret);
        };
        // Control: the same version signed by the editor is accepted.
        {
            const Record byEditor = forge(s.sopA, 3, s.eddie, eddie.sign.secretKey);
            const ReplayResult r =
                replayWith(db, [&](storage::Database& d) { putVersion(d, s.sopA, byEditor); });
            INFO("replay problems:" << listed(r.problems));
            CHECK(r.problems.empty());
            CHECK(r.state.sops.at(s.sopA).versions.size() == 3);
        }
        putVersion(db, s.sopA, forge(s.sopA, 3, s.tom, tom.sign.secretKey));
        putVersion(db, forgedSop, forge(forgedSop, 1, s.tom, tom.sign.secretKey));
    }
    {
        auto owner = s.v.as("olivia");
        auto read = owner->readSop(s.sopA);
        REQUIRE_FALSE(read);
        CHECK(read.error().code == ErrorCode::Integrity);
        auto forged = owner->readSop(forgedSop);
        REQUIRE_FALSE(forged);
        auto list = owner->listSops();
        REQUIRE(list);
        for (const SopSummary& sop : *list) {
            CHECK((sop.id != forgedSop || sop.damaged));
            CHECK((sop.id != s.sopA || sop.damaged));
        }
        requireVerifyReports(*owner, sopRecord(s.sopA, 3), "'edit'");
        requireVerifyReports(*owner, sopRecord(forgedSop, 1), "'edit'");
    }
    auto tom = s.v.as("tom");
    auto read = tom->readSop(s.sopA);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == ErrorCode::Integrity);
}

// --- case 8: lower a user's KDF parameters, or change the format version field -----------------

TEST_CASE("tamper 8: lowering a person's KDF parameters refuses their unlock with an integrity "
          "error",
          "[core][tamper]")
{
    Scenario s;
    Bytes original;
    KeyWrap wrap;
    {
        auto db = s.v.raw();
        original = wrapOf(db, s.tom);
        auto decodedWrap = decodeKeyWrap(original);
        REQUIRE(decodedWrap);
        wrap = *decodedWrap;
        REQUIRE(encode(wrap) == original);
        REQUIRE(wrap.params == crypto::kdfParams(crypto::KdfProfile::Interactive));
    }
    REQUIRE(s.v.tryAs("tom")); // the untampered wrap opens
    SECTION("lowered in place, keeping the signature")
    {
        const std::vector<std::pair<const char*, crypto::KdfParams>> lowered{
            {"one pass", {1, wrap.params.memLimit}},
            {"8 MiB", {wrap.params.opsLimit, 8U << 20}},
            {"one pass and 8 KiB", {1, 8U << 10}},
        };
        for (const auto& [what, params] : lowered) {
            INFO("lowered to " << what);
            KeyWrap weak = wrap;
            weak.params = params;
            {
                auto db = s.v.raw();
                setWrap(db, s.tom, encode(weak));
            }
            auto tom = s.v.tryAs("tom");
            REQUIRE_FALSE(tom);
            CHECK(tom.error().code == ErrorCode::Integrity);
            auto owner = s.v.as("olivia");
            requireVerifyReports(*owner, "stored keys of tom");
        }
    }
    SECTION("even re-signed with the person's own key, parameters below the floor are refused")
    {
        Stolen tomKeys;
        {
            auto db = s.v.raw();
            tomKeys = test::steal(db, s.tom, "tom-pw");
            KeyWrap weak = wrap;
            weak.params = {1, wrap.params.memLimit};
            auto signature =
                crypto::sign(tomKeys.sign.secretKey, keyWrapSigned(s.vault, s.tom, weak));
            REQUIRE(signature);
            weak.signature = *signature;
            setWrap(db, s.tom, encode(weak));
        }
        auto tom = s.v.tryAs("tom");
        REQUIRE_FALSE(tom);
        CHECK(tom.error().code == ErrorCode::Integrity);
        auto owner = s.v.as("olivia");
        requireVerifyReports(*owner, "stored keys of tom");
    }
    SECTION("the owner's own parameters")
    {
        {
            auto db = s.v.raw();
            auto mine = decodeKeyWrap(wrapOf(db, s.olivia));
            REQUIRE(mine);
            mine->params.opsLimit = 1;
            setWrap(db, s.olivia, encode(*mine));
        }
        auto owner = s.v.tryAs("olivia");
        REQUIRE_FALSE(owner);
        CHECK(owner.error().code == ErrorCode::Integrity);
        auto tom = s.v.as("tom");
        requireVerifyReports(*tom, "stored keys of olivia");
    }
}

TEST_CASE("tamper 8: changing the format version field of a record fails closed", "[core][tamper]")
{
    Scenario s;
    auto reformatted = [](const Stored& stored, std::uint32_t format) {
        Record rec = decoded(stored);
        rec.header.format = format;
        return Stored{encodeBody(rec.header, rec.payload), stored.signature};
    };
    SECTION("a SOP version")
    {
        {
            auto db = s.v.raw();
            const Stored v2 = versionRow(db, s.sopA, 2);
            REQUIRE(reformatted(v2, kFormatVersion).body == v2.body);
            setVersionRow(db, s.sopA, 2, reformatted(v2, 2));
        }
        // A record that does not decode is replayed before its SOP's first version, so the SOP
        // has no verified version and is hidden (NotFound) rather than shown as damaged.
        requireSopFailsClosed(s.v, s.sopA, 2);
    }
    SECTION("an administration record")
    {
        {
            auto db = s.v.raw();
            const Stored last = logRow(db, Log::Admin, 6);
            REQUIRE(reformatted(last, kFormatVersion).body == last.body);
            setLogRow(db, Log::Admin, 6, reformatted(last, 2));
        }
        requireAdminFailsClosed(s.v, "olivia", 6);
    }
    SECTION("an audit entry")
    {
        {
            auto db = s.v.raw();
            const Stored entry = logRow(db, Log::Audit, 4);
            REQUIRE(reformatted(entry, kFormatVersion).body == entry.body);
            setLogRow(db, Log::Audit, 4, reformatted(entry, 2));
        }
        auto owner = s.v.as("olivia");
        auto log = owner->audit();
        REQUIRE_FALSE(log);
        CHECK(log.error().code == ErrorCode::Integrity);
        requireVerifyReports(*owner, auditRecord(4), "format");
    }
}

// --- case 9: substitute a member's public key in the administration log ------------------------

TEST_CASE("tamper 9: substituting a member's public key in the administration log fails closed",
          "[core][tamper]")
{
    Scenario s;
    auto attacker = crypto::generateSignKeyPair();
    REQUIRE(attacker);
    auto attackerBox = crypto::generateBoxKeyPair();
    REQUIRE(attackerBox);

    SECTION("tom's signing key or box key in the record that added him")
    {
        for (const bool signKey : {true, false}) {
            INFO((signKey ? "signing key" : "box key"));
            Stored original;
            {
                auto db = s.v.raw();
                original = logRow(db, Log::Admin, 1);
                Record rec = decoded(original);
                auto p = decodeUserAdded(rec.payload);
                REQUIRE(p);
                REQUIRE(p->userId == s.tom);
                REQUIRE(encode(*p) == rec.payload);
                if (signKey) {
                    p->signKey = attacker->publicKey;
                } else {
                    p->boxKey = attackerBox->publicKey;
                }
                setLogRow(db, Log::Admin, 1,
                          {encodeBody(rec.header, encode(*p)), original.signature});
            }
            auto tom = s.v.tryAs("tom");
            REQUIRE_FALSE(tom);
            CHECK(tom.error().code == ErrorCode::Integrity);
            requireAdminFailsClosed(s.v, "olivia", 1);
            {
                auto db = s.v.raw();
                setLogRow(db, Log::Admin, 1, original);
            }
        }
        s.requireRestoredVerifies();
    }
    SECTION("the owner's signing key in the genesis record")
    {
        {
            auto db = s.v.raw();
            const Stored original = logRow(db, Log::Admin, 0);
            Record rec = decoded(original);
            auto p = decodeGenesis(rec.payload);
            REQUIRE(p);
            REQUIRE(encode(*p) == rec.payload);
            p->signKey = attacker->publicKey;
            setLogRow(db, Log::Admin, 0, {encodeBody(rec.header, encode(*p)), original.signature});
        }
        for (const char* user : {"olivia", "eddie"}) {
            auto unlocked = s.v.tryAs(user);
            REQUIRE_FALSE(unlocked);
            CHECK(unlocked.error().code == ErrorCode::Integrity);
        }
    }
}

// --- case 10: reorder two entries of the administration log ------------------------------------

TEST_CASE("tamper 10: swapping two administration records fails closed", "[core][tamper]")
{
    Scenario s;
    {
        auto db = s.v.raw();
        REQUIRE(db.beginWrite());
        exec(db, "UPDATE admin_log SET position = -1 WHERE position = 2");
        exec(db, "UPDATE admin_log SET position = 2 WHERE position = 3");
        exec(db, "UPDATE admin_log SET position = 3 WHERE position = -1");
        REQUIRE(db.commit());
        CHECK(decoded(logRow(db, Log::Admin, 2)).header.position == 3);
    }
    requireAdminFailsClosed(s.v, "olivia", 2);
    requireAdminFailsClosed(s.v, "tom", 2);
    auto eddie = s.v.tryAs("eddie"); // added by the record now out of place
    REQUIRE_FALSE(eddie);
    CHECK(eddie.error().code == ErrorCode::Integrity);
}

TEST_CASE("tamper 10: an old valid grant replayed at the end of the administration log is an "
          "integrity failure, not a denial",
          "[core][tamper]")
{
    Scenario s;
    {
        auto db = s.v.raw();
        // Row 5 is olivia's grant of technician on Clients to tom: valid, signed by an owner.
        const Stored grant = logRow(db, Log::Admin, 5);
        REQUIRE(decoded(grant).header.kind == RecordKind::Grant);
        auto stmt = db.prepare("INSERT INTO admin_log (position, record_id, body, signature) "
                               "VALUES (?, ?, ?, ?)");
        REQUIRE(stmt);
        const Id rowId = randomId(); // the column is unique; the record inside still says 5
        stmt->bind(1, static_cast<std::int64_t>(Scenario::kAdminRecords))
            .bind(2, crypto::ByteView(rowId))
            .bind(3, crypto::ByteView(grant.body))
            .bind(4, crypto::ByteView(grant.signature));
        REQUIRE(stmt->run());
    }
    for (const char* who : {"olivia", "tom", "eddie"}) {
        INFO("as " << who);
        auto session = s.v.tryAs(who);
        if (!session) {
            CHECK(session.error().code == ErrorCode::Integrity);
            continue;
        }
        Session& person = **session;
        INFO("session problems:" << listed(person.problems()));
        CHECK(mentions(person.problems(), adminRecord(Scenario::kAdminRecords)));
        // Every write, by anyone and of any kind, says the log is broken: a person who would
        // also lack the right must not be told "denied" and go looking for a grant.
        auto granted = person.grant("tom", "editor", "Clients");
        REQUIRE_FALSE(granted);
        CHECK(granted.error().code == ErrorCode::Integrity);
        auto collection = person.addCollection("Replayed");
        REQUIRE_FALSE(collection);
        CHECK(collection.error().code == ErrorCode::Integrity);
        auto ungranted = person.ungrant("tom", "technician", "Clients");
        REQUIRE_FALSE(ungranted);
        CHECK(ungranted.error().code == ErrorCode::Integrity);
        auto removed = person.removeUser("eddie");
        REQUIRE_FALSE(removed);
        CHECK(removed.error().code == ErrorCode::Integrity);
        NewSop sop;
        sop.collection = "Clients";
        sop.title = "Written over a replayed grant";
        sop.body = "Must not be written\n";
        auto added = person.addSop(sop);
        REQUIRE_FALSE(added);
        CHECK(added.error().code == ErrorCode::Integrity);
        // The writes that check the person's rights first: tom (a technician) and eddie (an
        // editor) lack most of them, and were told "denied" over a broken log.
        auto refused = [&](const char* what, const auto& result) {
            INFO(what);
            REQUIRE_FALSE(result);
            CHECK(result.error().code == ErrorCode::Integrity);
        };
        refused("add user", person.addUser("mallory", test::password("mallory-pw"),
                                           crypto::KdfProfile::Interactive));
        refused("add owner", person.addOwner("tom"));
        refused("define role", person.defineRole("auditor", Rights{Right::View}));
        refused("remove role", person.removeRole("auditor"));
        SopEdit edit;
        edit.body = "Changed over a replayed grant\n";
        refused("edit", person.editSop(s.sopA, edit));
        refused("restore", person.restore(s.sopA, 1));
        refused("archive", person.archive(s.sopA));
        refused("sign-off", person.signOff(s.sopA, ReviewDecision::Approved, ""));
        refused("flag", person.flag(s.sopA, "stale"));
        refused("review setting", person.setDueSoonDays(7));
        if (person.isOwner()) {
            requireVerifyReports(person, adminRecord(Scenario::kAdminRecords));
        }
    }
}

// --- verify reports everything ----------------------------------------------------------------

TEST_CASE("tamper: verify reports every problem, not only the first", "[core][tamper]")
{
    Scenario s;
    {
        auto db = s.v.raw();
        for (const Id& sop : {s.sopA, s.sopC}) {
            const Stored v2 = versionRow(db, sop, 2);
            setVersionRow(db, sop, 2, {v2.body, flipped(v2.signature, 0)});
        }
        const Stored entry = logRow(db, Log::Audit, 2);
        setLogRow(db, Log::Audit, 2, {entry.body, flipped(entry.signature, 0)});
        const Bytes wrap = wrapOf(db, s.eddie);
        setWrap(db, s.eddie, flipped(wrap, wrap.size() - 1));
    }
    auto owner = s.v.as("olivia");
    auto report = owner->verify();
    REQUIRE(report);
    INFO("verify problems:" << listed(report->problems));
    CHECK_FALSE(report->ok);
    CHECK(report->problems.size() >= 4);
    CHECK(mentions(report->problems, sopRecord(s.sopA, 2)));
    CHECK(mentions(report->problems, sopRecord(s.sopC, 2)));
    CHECK(mentions(report->problems, auditRecord(2)));
    CHECK(mentions(report->problems, "stored keys of eddie"));
    // The untouched SOPs still verify and read.
    CHECK(report->ciphertexts == 5);
    CHECK(owner->readSop(s.sopB));
    CHECK(owner->readSop(s.sopD));
}

// --- case 6, rights revoked: a version back-dated to before an ungrant --------------------------

TEST_CASE("tamper 6: an editor whose grant was removed cannot back-date a version to before the "
          "removal",
          "[core][tamper]")
{
    Scenario s;
    const Id newSop = randomId();
    Record editOfA;
    Record newOne;
    {
        auto db = s.v.raw();
        const Stolen eddie = test::steal(db, s.eddie, "eddie-pw");
        const AdminLog admin = readAdminLog(db);
        auto forge = [&](const Id& sop, std::uint64_t version) {
            RecordHeader h = versionHeader(db, admin, sop, version, s.eddie);
            h.adminCount = Scenario::kAdminRecords; // the log as it was before the ungrant
            return signRecord(
                h,
                encode(encryptVersion(admin, h, sop, s.clients, eddie.keyOf(s.clients),
                                      "Written after eddie lost 'edit'\n")),
                eddie.sign.secretKey);
        };
        editOfA = forge(s.sopA, 3);
        newOne = forge(newSop, 1);
        // Control: while eddie still holds 'edit', both are accepted.
        const ReplayResult r = replayWith(db, [&](storage::Database& d) {
            putVersion(d, s.sopA, editOfA);
            putVersion(d, newSop, newOne);
        });
        INFO("replay problems:" << listed(r.problems));
        CHECK(r.problems.empty());
    }
    {
        auto owner = s.v.as("olivia");
        REQUIRE(owner->ungrant("eddie", "editor", "Clients"));
        CHECK_FALSE(owner->policy().allows(s.eddie, Right::Edit, s.clients));
    }
    {
        auto db = s.v.raw();
        putVersion(db, s.sopA, editOfA);
        putVersion(db, newSop, newOne);
    }
    auto owner = s.v.as("olivia");
    auto read = owner->readSop(s.sopA);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == ErrorCode::Integrity);
    CHECK_FALSE(owner->readSop(newSop));
    requireVerifyReports(*owner, sopRecord(s.sopA, 3));
    requireVerifyReports(*owner, sopRecord(newSop, 1));
}

// --- this machine's verified cache (LocalState.h) ----------------------------------------------

namespace {

// The files this machine keeps for the vault, by extension (".marks", ".verified").
std::vector<std::filesystem::path> stateFiles(const TestVault& v, std::string_view extension)
{
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(v.options().stateDir, ec)) {
        if (entry.path().extension() == extension) {
            out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

void flipVersionByte(TestVault& v, const Id& sop, std::uint64_t version)
{
    auto db = v.raw();
    const Stored original = versionRow(db, sop, version);
    setVersionRow(db, sop, version,
                  {flipped(original.body, original.body.size() / 2), original.signature});
}

} // namespace

TEST_CASE("verified cache: a later unlock takes what this machine verified before from its "
          "cache, and tampering is still caught",
          "[core][tamper][cache]")
{
    Scenario s;
    s.v.useStateDir();
    std::vector<SopSummary> fullList;
    {
        // First open on this machine: everything is verified, then cached with the list lines.
        auto owner = s.v.as("olivia");
        CHECK(owner->firstOpen());
        auto list = owner->listSops();
        REQUIRE(list);
        fullList = *list;
    }
    REQUIRE(stateFiles(s.v, ".verified").size() == 1);
    const auto cacheFile = stateFiles(s.v, ".verified").front();

    SECTION("a cached unlock shows what a full one shows, and the cache holds no plaintext")
    {
        auto owner = s.v.as("olivia");
        CHECK(owner->problems().empty());
        auto list = owner->listSops();
        REQUIRE(list);
        REQUIRE(list->size() == fullList.size());
        for (std::size_t i = 0; i < list->size(); ++i) {
            CHECK((*list)[i].id == fullList[i].id);
            CHECK((*list)[i].title == fullList[i].title);
            CHECK((*list)[i].version == fullList[i].version);
            CHECK((*list)[i].updated == fullList[i].updated);
            CHECK((*list)[i].author == fullList[i].author);
        }
        auto history = owner->history(s.sopD);
        REQUIRE(history);
        CHECK(history->size() == 3);
        for (const char* word : {"Alpha", "Charlie", "Step 2 of Delta", "Clients"}) {
            INFO(word);
            CHECK(test::filesContaining(s.v.options().stateDir, word, {}).empty());
        }
    }

    SECTION("a flipped byte in a version verified before is caught when it is read and by verify")
    {
        flipVersionByte(s.v, s.sopA, 1);
        auto owner = s.v.as("olivia");
        // The cache stood in for the row at unlock...
        CHECK_FALSE(mentions(owner->problems(), toHex(s.sopA)));
        // ...but the row itself is checked against it when read.
        auto read = owner->readSop(s.sopA, 1);
        REQUIRE_FALSE(read);
        CHECK(read.error().code == ErrorCode::Integrity);
        requireVerifyReports(*owner, sopRecord(s.sopA, 1));
        auto diff = owner->diff(s.sopA, 1, 2);
        REQUIRE_FALSE(diff);
        CHECK(diff.error().code == ErrorCode::Integrity);
    }

    SECTION("a changed cache is ignored: everything is verified again")
    {
        Bytes cache = test::readFile(cacheFile);
        REQUIRE(cache.size() > 100);
        test::writeFile(cacheFile, flipped(cache, cache.size() / 2));
        flipVersionByte(s.v, s.sopA, 1);
        // Checked in full, SOP A has lost versions this machine saw: the unlock is refused.
        auto owner = s.v.tryAs("olivia");
        REQUIRE_FALSE(owner);
        CHECK(owner.error().code == ErrorCode::Integrity);
    }

    SECTION("another person's cache does not open for them")
    {
        const auto before = stateFiles(s.v, ".verified");
        {
            auto tom = s.v.as("tom");
            REQUIRE(tom->listSops());
        }
        auto after = stateFiles(s.v, ".verified");
        REQUIRE(after.size() == 2);
        const auto tomsCache = after.front() == cacheFile ? after.back() : after.front();
        std::filesystem::copy_file(cacheFile, tomsCache,
                                   std::filesystem::copy_options::overwrite_existing);
        flipVersionByte(s.v, s.sopA, 1);
        auto tom = s.v.tryAs("tom");
        REQUIRE_FALSE(tom);
        CHECK(tom.error().code == ErrorCode::Integrity);
    }

    SECTION("a write never builds on a version that differs from the one verified")
    {
        flipVersionByte(s.v, s.sopA, 2);
        auto owner = s.v.as("olivia");
        SopEdit edit;
        edit.body = "Step 3 of Alpha\n";
        auto edited = owner->editSop(s.sopA, edit);
        REQUIRE_FALSE(edited);
        CHECK(edited.error().code == ErrorCode::Integrity);
        owner.reset();
        auto db = s.v.raw();
        auto count = db.prepare("SELECT count(*) FROM sop_versions WHERE sop_id = ?");
        REQUIRE(count);
        count->bind(1, crypto::ByteView(s.sopA));
        REQUIRE(*count->step());
        CHECK(count->columnInt(0) == 2);
    }

    SECTION("without this machine's marks (deleted to trust the file afresh) the cache is not used")
    {
        for (const auto& marks : stateFiles(s.v, ".marks")) {
            std::filesystem::remove(marks);
        }
        flipVersionByte(s.v, s.sopA, 1);
        auto owner = s.v.as("olivia");
        CHECK(owner->firstOpen());
        CHECK(mentions(owner->problems(), sopRecord(s.sopA, 1)));
    }

    SECTION("versions written since the cache are verified in full")
    {
        {
            auto eddie = s.v.as("eddie");
            SopEdit edit;
            edit.body = "Step 3 of Alpha\n";
            REQUIRE(eddie->editSop(s.sopA, edit));
        }
        {
            auto db = s.v.raw();
            const Stored written = versionRow(db, s.sopA, 3);
            setVersionRow(db, s.sopA, 3, {written.body, flipped(written.signature, 5)});
        }
        auto owner = s.v.as("olivia");
        CHECK(mentions(owner->problems(), sopRecord(s.sopA, 3)));
        auto read = owner->readSop(s.sopA);
        REQUIRE_FALSE(read);
        CHECK(read.error().code == ErrorCode::Integrity);
        CHECK(owner->readSop(s.sopB));
    }

    SECTION("a list line is used only while the SOP's newest version is the one it was made from")
    {
        {
            auto eddie = s.v.as("eddie");
            SopEdit edit;
            edit.title = "Alpha, renamed";
            REQUIRE(eddie->editSop(s.sopA, edit));
        }
        auto owner = s.v.as("olivia");
        auto summary = owner->summary(s.sopA);
        REQUIRE(summary);
        CHECK(summary->title == "Alpha, renamed");
        CHECK(summary->version == 3);
    }
}

TEST_CASE("rollback marks: the SOP heads file is bound to the MAC'd marks, and older marks files "
          "with the heads inline still load",
          "[core][rollback][tamper]")
{
    Scenario s;
    s.v.useStateDir();
    {
        auto owner = s.v.as("olivia");
        CHECK(owner->firstOpen());
    }
    const auto heads = stateFiles(s.v, ".heads");
    REQUIRE(heads.size() == 1);
    {
        // A view changes only the log positions: the heads file is not written again.
        const auto written = std::filesystem::last_write_time(heads.front());
        std::filesystem::last_write_time(heads.front(), written - std::chrono::hours(1));
        auto owner = s.v.as("olivia");
        REQUIRE(owner->readSop(s.sopA));
        CHECK(stateFiles(s.v, ".heads") == heads);
        CHECK(std::filesystem::last_write_time(heads.front()) == written - std::chrono::hours(1));
        // A new version replaces it (and the old one goes).
        SopEdit edit;
        edit.body = "Step 3 of Alpha\n";
        REQUIRE(owner->editSop(s.sopA, edit));
        REQUIRE(stateFiles(s.v, ".heads").size() == 1);
        CHECK(stateFiles(s.v, ".heads") != heads);
    }
    const auto current = stateFiles(s.v, ".heads").front();

    SECTION("a SOP's head changed in the heads file")
    {
        Bytes data = test::readFile(current);
        test::writeFile(current, flipped(data, data.size() - 3));
        auto owner = s.v.tryAs("olivia");
        REQUIRE_FALSE(owner);
        CHECK(owner.error().code == ErrorCode::Integrity);
        CHECK(owner.error().message.find("changed") != std::string::npos);
    }
    SECTION("two sessions of one person: one replaces the heads file the other's marks name")
    {
        auto first = s.v.as("olivia");
        {
            auto second = s.v.as("olivia");
            SopEdit edit;
            edit.body = "Step 4 of Alpha\n";
            REQUIRE(second->editSop(s.sopA, edit));
        }
        // The first session's next write names the heads file it knew, which is gone.
        REQUIRE(first->readSop(s.sopB));
        first.reset();
        auto again = s.v.tryAs("olivia");
        REQUIRE(again);
        CHECK_FALSE((*again)->firstOpen());
    }
    SECTION("the heads file removed: the logs are still compared")
    {
        std::filesystem::remove(current);
        {
            auto db = s.v.raw();
            exec(db,
                 "DELETE FROM audit_log WHERE position = (SELECT max(position) FROM audit_log)");
        }
        auto owner = s.v.tryAs("olivia");
        REQUIRE_FALSE(owner);
        CHECK(owner.error().code == ErrorCode::Integrity);
        CHECK(owner.error().message.find("audit log") != std::string::npos);
    }
    SECTION("the heads file cut short")
    {
        // Cut short: the last SOP's head is gone.
        Bytes data = test::readFile(current);
        test::writeFile(current, Bytes(data.begin(), data.end() - 40));
        auto owner = s.v.tryAs("olivia");
        REQUIRE_FALSE(owner);
        CHECK(owner.error().code == ErrorCode::Integrity);
    }
}

TEST_CASE("rollback marks: a view's audit entry is in this machine's record once the session "
          "ends, and a record left behind by views is never taken for a rollback",
          "[core][rollback][tamper]")
{
    Scenario s;
    s.v.useStateDir();
    {
        auto owner = s.v.as("olivia");
        CHECK(owner->firstOpen());
    }
    SECTION("the last view cut from the audit log after the session ended")
    {
        {
            auto owner = s.v.as("olivia");
            REQUIRE(owner->readSop(s.sopA));
            REQUIRE(owner->readSop(s.sopB));
        }
        {
            auto db = s.v.raw();
            exec(db,
                 "DELETE FROM audit_log WHERE position = (SELECT max(position) FROM audit_log)");
        }
        auto owner = s.v.tryAs("olivia");
        REQUIRE_FALSE(owner);
        CHECK(owner.error().code == ErrorCode::Integrity);
        CHECK(owner.error().message.find("audit log") != std::string::npos);
    }
    SECTION("a second unlock while the first session's views are not yet in the record")
    {
        auto first = s.v.as("olivia");
        REQUIRE(first->readSop(s.sopA));
        auto second = s.v.tryAs("olivia");
        REQUIRE(second);
        REQUIRE((*second)->readSop(s.sopB));
        second->reset();
        first.reset();
        auto third = s.v.tryAs("olivia");
        REQUIRE(third);
    }
}

TEST_CASE("rollback marks: a marks file that lists the SOP heads inline (the first format) loads",
          "[core][rollback]")
{
    test::TempDir dir;
    auto key = crypto::randomKey();
    REQUIRE(key);
    const crypto::Hash32 genesis = crypto::hash32(crypto::asBytes("genesis"));
    const Id sop = randomId();
    const crypto::Hash32 head = crypto::hash32(crypto::asBytes("head"));
    crypto::CanonicalWriter w("sopvault/local-state");
    w.bytes(genesis)
        .u64(3)
        .bytes(crypto::hash32(crypto::asBytes("admin")))
        .u64(5)
        .bytes(crypto::hash32(crypto::asBytes("audit")))
        .u64(0)
        .bytes(crypto::Hash32{})
        .u32(1)
        .bytes(sop)
        .u64(2)
        .bytes(head);
    Bytes data = std::move(w).take();
    auto mac = crypto::keyedHash(key->span(), data);
    REQUIRE(mac);
    data.insert(data.end(), mac->begin(), mac->end());
    const auto file = dir.path() / "old.marks";
    test::writeFile(file, data);

    auto loaded = loadMarks(file, *key, genesis);
    REQUIRE(loaded);
    REQUIRE(loaded->has_value());
    const Marks& m = **loaded;
    CHECK(m.adminCount == 3);
    CHECK(m.auditCount == 5);
    REQUIRE(m.sops.size() == 1);
    CHECK(std::get<0>(m.sops.front()) == sop);
    CHECK(std::get<1>(m.sops.front()) == 2);
    CHECK(std::get<2>(m.sops.front()) == head);

    // The same bytes under another key: the MAC no longer fits.
    auto other = crypto::randomKey();
    REQUIRE(other);
    auto refused = loadMarks(file, *other, genesis);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::Integrity);
}

TEST_CASE("verify reports a SOP version index that disagrees with the rows (a returning unlock "
          "reads which versions exist from it)",
          "[core][tamper][cache]")
{
    Scenario s;
    std::int64_t pageSize = 0;
    std::vector<std::int64_t> indexRoots;
    {
        auto db = s.v.raw();
        auto size = db.prepare("PRAGMA page_size");
        REQUIRE(size);
        REQUIRE(*size->step());
        pageSize = size->columnInt(0);
        auto roots = db.prepare("SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND "
                                "tbl_name = 'sop_versions'");
        REQUIRE(roots);
        while (*roots->step()) {
            indexRoots.push_back(roots->columnInt(0));
        }
    }
    // Change SOP A's id inside the index only (the rows keep theirs): the file's pages, as an
    // attacker or a damaged disk would.
    Bytes file = test::readFile(s.v.file());
    bool changed = false;
    for (const std::int64_t root : indexRoots) {
        const auto page = static_cast<std::size_t>((root - 1) * pageSize);
        REQUIRE(page + static_cast<std::size_t>(pageSize) <= file.size());
        const auto begin = file.begin() + static_cast<std::ptrdiff_t>(page);
        const auto end = begin + static_cast<std::ptrdiff_t>(pageSize);
        auto at = std::search(begin, end, s.sopA.begin(), s.sopA.end());
        if (at != end) {
            *(at + 15) ^= 0x01;
            changed = true;
        }
    }
    REQUIRE(changed);
    test::writeFile(s.v.file(), file);
    auto owner = s.v.as("olivia");
    requireVerifyReports(*owner, "SOP version index", "disagrees with its rows");
}
