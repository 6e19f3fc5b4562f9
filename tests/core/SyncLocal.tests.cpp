// Team sync without a server: the envelope and its pusher signature, the running hash and
// fingerprint, the 0004 migration of an older file, and the outbox filled by every write while
// a remote is set (and only then).
#include "SyncRecords.h"
#include "TestVault.h"
#include "VaultFile.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::core;
using namespace sopvault::core::detail;
using sopvault::test::TestVault;

namespace {

Envelope sampleEnvelope(const crypto::SignKeyPair& keys, const Id& vault)
{
    Envelope e;
    e.kind = RowKind::Record;
    e.body = crypto::toBytes(crypto::asBytes("record body"));
    e.signature = crypto::Bytes(64, 7);
    e.pusher = randomId();
    e.seenPosition = 41;
    e.seenHash = crypto::hash32(crypto::asBytes("R41"));
    const crypto::Hash32 entry = crypto::hash32(crypto::asBytes("entry"));
    auto sig = crypto::sign(keys.secretKey, seenSigned(vault, entry, e.seenPosition, e.seenHash));
    REQUIRE(sig);
    e.pusherSignature = *sig;
    return e;
}

std::uint64_t pending(Session& s)
{
    auto info = s.remote();
    REQUIRE(info);
    return info->pending;
}

} // namespace

TEST_CASE("an envelope reads back exactly, and a flipped byte is refused or caught", "[core][sync]")
{
    auto keys = crypto::generateSignKeyPair();
    REQUIRE(keys);
    const Id vault = randomId();
    const Envelope e = sampleEnvelope(*keys, vault);
    const crypto::Bytes bytes = encodeEnvelope(e);
    auto back = decodeEnvelope(bytes);
    REQUIRE(back);
    CHECK(back->kind == e.kind);
    CHECK(back->body == e.body);
    CHECK(back->signature == e.signature);
    CHECK(back->pusher == e.pusher);
    CHECK(back->seenPosition == e.seenPosition);
    CHECK(back->seenHash == e.seenHash);
    CHECK(back->pusherSignature == e.pusherSignature);
    CHECK(encodeEnvelope(*back) == bytes);

    const crypto::Hash32 entry = crypto::hash32(crypto::asBytes("entry"));
    // Every single flipped byte either breaks the encoding or the pusher's signature over the
    // seen values, or changes only the carried content (which has its own hash and signature).
    std::size_t caught = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        crypto::Bytes bad = bytes;
        bad[i] ^= 0x01;
        auto decoded = decodeEnvelope(bad);
        if (!decoded) {
            CHECK(decoded.error().code == ErrorCode::Integrity);
            ++caught;
            continue;
        }
        const bool seenIntact =
            crypto::verify(keys->publicKey,
                           seenSigned(vault, entry, decoded->seenPosition, decoded->seenHash),
                           decoded->pusherSignature)
                .has_value();
        const bool contentChanged = decoded->body != e.body || decoded->signature != e.signature ||
                                    decoded->pusher != e.pusher || decoded->kind != e.kind;
        CHECK((!seenIntact || contentChanged));
        caught += seenIntact ? 0 : 1;
    }
    CHECK(caught > 0);
    // Another seen position under the same signature does not verify.
    CHECK_FALSE(crypto::verify(keys->publicKey, seenSigned(vault, entry, 40, e.seenHash),
                               e.pusherSignature));
}

TEST_CASE("the running hash commits to every position and entry before it", "[core][sync]")
{
    const crypto::Hash32 zero{};
    const crypto::Hash32 a = crypto::hash32(crypto::asBytes("a"));
    const crypto::Hash32 b = crypto::hash32(crypto::asBytes("b"));
    const crypto::Hash32 r1 = runningHash(zero, 1, a);
    const crypto::Hash32 r2 = runningHash(r1, 2, b);
    CHECK(r1 != zero);
    CHECK(runningHash(zero, 1, a) == r1);                    // deterministic: two replicas agree
    CHECK(runningHash(runningHash(zero, 1, b), 2, a) != r2); // swapped entries
    CHECK(runningHash(zero, 2, b) != r2);                    // a dropped entry
    CHECK(runningHash(r1, 3, b) != r2);                      // another position
    const std::string fp = syncFingerprint(2, r2);
    CHECK(fp.starts_with("2 · "));
    CHECK(fp == syncFingerprint(2, r2));
    CHECK(fp != syncFingerprint(2, runningHash(r1, 2, a)));
}

TEST_CASE("chain names carry one spelling of an id", "[core][sync]")
{
    const Id id = randomId();
    CHECK(chainId(sopChain(id), "sop") == id);
    CHECK(chainId(keysChain(id), "keys") == id);
    CHECK_FALSE(chainId(keysChain(id), "sop"));
    std::string upper = sealChain(id);
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    CHECK_FALSE(chainId(upper, "SEAL"));
    CHECK_FALSE(chainId("sop/xyz", "sop"));
}

TEST_CASE("an older vault file gains the sync tables and still opens", "[core][sync]")
{
    TestVault v;
    v.addUser("tom");
    {
        auto db = v.raw();
        REQUIRE(db.execScript(
            "DROP TABLE sync_remote; DROP TABLE server_log; DROP TABLE outbox; "
            "DROP TABLE sync_conflicts; DROP TABLE attachment_blobs; PRAGMA user_version=3;"));
    }
    auto owner = v.as("olivia");
    auto info = owner->remote();
    REQUIRE(info);
    CHECK(info->url.empty());
    CHECK(info->pending == 0);
    CHECK(info->position == 0);
    REQUIRE(owner->addCollection("Ops"));
    test::addSop(*owner, "Ops", "After the migration", "body");
    CHECK(pending(*owner) == 0); // no remote: nothing is queued
}

TEST_CASE("while a remote is set every write is queued in the outbox, in write order",
          "[core][sync]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    test::addSop(*owner, "Ops", "Before", "body");
    CHECK(pending(*owner) == 0);

    auto refused = owner->setRemote("postgresql://olivia:secret@db.example.com/sopvault");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::Usage);
    REQUIRE_FALSE(owner->setRemote("host=db password=secret dbname=sopvault"));
    REQUIRE(owner->setRemote("postgresql://olivia@db.example.com/sopvault"));
    CHECK(pending(*owner) == 0);

    // A SOP (its version and its audit entry), a user (admin record, audit entry, wrap).
    const Id sop = test::addSop(*owner, "Ops", "After", "body");
    const std::uint64_t afterSop = pending(*owner);
    CHECK(afterSop == 2);
    v.addUser("tom");
    auto again = v.as("olivia");
    CHECK(pending(*again) > afterSop + 3);

    VaultFile file(v.raw());
    auto rows = file.outbox(1000);
    REQUIRE(rows);
    std::int64_t lastSeq = 0;
    bool sawSop = false;
    bool sawWrap = false;
    for (const OutboxRow& o : *rows) {
        CHECK(o.seq > lastSeq);
        lastSeq = o.seq;
        sawSop = sawSop || o.row.chain == sopChain(sop);
        sawWrap = sawWrap || o.row.chain.starts_with("keys/");
        if (o.row.kind == RowKind::Record) {
            auto rec = decodeRecord(o.row.body, o.row.signature);
            REQUIRE(rec);
            CHECK(rec->hash() == o.row.hash);
        }
    }
    CHECK(sawSop);
    CHECK(sawWrap);
    auto remote = file.remoteRow();
    REQUIRE(remote);
    REQUIRE(*remote);
    CHECK((*remote)->url == "postgresql://olivia@db.example.com/sopvault");
}

TEST_CASE("the marks keep the highest server position verified, and a file whose server log "
          "falls behind it or differs there is refused",
          "[core][sync][rollback]")
{
    const std::string attack = GENERATE(std::string("drop"), std::string("change"));
    TestVault v;
    v.useStateDir();
    (void)v.as("olivia");
    crypto::Hash32 running{};
    {
        VaultFile file(v.raw());
        for (std::int64_t p = 1; p <= 3; ++p) {
            const crypto::Hash32 entry = crypto::hash32(crypto::asBytes(std::to_string(p)));
            running = runningHash(running, p, entry);
            REQUIRE(file.addServerLog({p, "audit", p, entry, running}));
        }
    }
    {
        auto s = v.as("olivia"); // the marks now hold position 3
        auto info = s->remote();
        REQUIRE(info);
        CHECK(info->position == 3);
        CHECK(info->fingerprint == syncFingerprint(3, running));
    }
    (void)v.as("olivia"); // unchanged: still opens
    {
        auto db = v.raw();
        REQUIRE(db.execScript(
            attack == "drop" ? "DELETE FROM server_log WHERE position = 3"
                             : "UPDATE server_log SET running = zeroblob(32) WHERE position = 3"));
    }
    auto refused = v.tryAs("olivia");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::Integrity);
    CHECK(refused.error().message.find("server") != std::string::npos);
}
