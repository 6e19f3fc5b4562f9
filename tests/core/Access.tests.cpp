// The access matrix of product.md: each role on a granted collection, a sub-collection and an
// ungranted sibling; and that a member without view cannot decrypt even bypassing the policy.
#include "Attacker.h"
#include "Records.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <map>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

struct Expect
{
    const char* role;
    Rights onGranted;
};

Id addSop(Session& s, const std::string& collection, const std::string& title)
{
    return test::addSop(s, collection, title, "Body of " + title + "\n");
}

} // namespace

TEST_CASE("access matrix: every role on granted, sub and sibling collections", "[core][access]")
{
    TestVault v;
    const std::vector<Expect> matrix{
        {"editor", Rights{Right::View, Right::Edit}},
        {"reviewer", Rights{Right::View, Right::Review}},
        {"technician", Rights{Right::View}},
        {"lead", Rights{Right::View, Right::Edit, Right::Export}},
        {"manager", Rights{Right::View, Right::Manage}},
    };
    std::map<std::string, Id> sops;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->defineRole("lead", Rights{Right::View, Right::Edit, Right::Export}));
        REQUIRE(owner->defineRole("manager", Rights{Right::View, Right::Manage}));
        REQUIRE(owner->addCollection("Clients"));
        REQUIRE(owner->addCollection("Clients/Acme"));
        REQUIRE(owner->addCollection("Internal"));
        for (const auto& e : matrix) {
            const std::string user = std::string("u-") + e.role;
            REQUIRE(owner->addUser(user, test::password(user + "-pw"),
                                   crypto::KdfProfile::Interactive));
            REQUIRE(owner->grant(user, e.role, "Clients"));
        }
        sops["Clients"] = addSop(*owner, "Clients", "Granted SOP");
        sops["Clients/Acme"] = addSop(*owner, "Clients/Acme", "Sub SOP");
        sops["Internal"] = addSop(*owner, "Internal", "Sibling SOP");
    }

    for (const auto& e : matrix) {
        const std::string user = std::string("u-") + e.role;
        DYNAMIC_SECTION("role " << e.role)
        {
            auto s = v.as(user);
            for (const auto& [path, expected] :
                 std::vector<std::pair<std::string, Rights>>{{"Clients", e.onGranted},
                                                             {"Clients/Acme", e.onGranted},
                                                             {"Internal", Rights{}}}) {
                INFO("collection " << path);
                const Id sop = sops.at(path);
                // The policy's answer, right by right.
                for (Right r :
                     {Right::View, Right::Edit, Right::Export, Right::Review, Right::Manage}) {
                    INFO("right " << rightName(r));
                    const auto ids = s->collections();
                    const auto c = std::find_if(ids.begin(), ids.end(), [&](const auto& info) {
                        return info.path == path;
                    });
                    const bool visible = c != ids.end();
                    CHECK(visible == expected.has(Right::View));
                    if (visible) {
                        CHECK(c->rights.has(r) == expected.has(r));
                    }
                }
                // And the operations themselves.
                auto read = s->readSop(sop);
                CHECK(bool(read) == expected.has(Right::View));
                if (!expected.has(Right::View)) {
                    CHECK(read.error().code == ErrorCode::NotFound);
                    continue; // unseen collections are indistinguishable from absent ones
                }
                SopEdit edit;
                edit.body = "Edited by " + user + "\n";
                auto edited = s->editSop(sop, edit);
                CHECK(bool(edited) == expected.has(Right::Edit));
                if (!edited) {
                    CHECK(edited.error().code == ErrorCode::Denied);
                }
                auto exported = s->checkExport(sop);
                CHECK(bool(exported) == expected.has(Right::Export));
                if (!exported) {
                    CHECK(exported.error().code == ErrorCode::Denied);
                }
                CHECK(s->policy().allows(s->userId(), Right::Review, *s->collectionId(path)) ==
                      expected.has(Right::Review));
                auto granted = s->grant("u-technician", "editor", path);
                CHECK(bool(granted) == expected.has(Right::Manage));
                if (!granted) {
                    CHECK(granted.error().code == ErrorCode::Denied);
                } else {
                    REQUIRE(s->ungrant("u-technician", "editor", path));
                }
            }
            // Administration belongs to owners.
            auto added =
                s->addUser("x-" + user, test::password("pw"), crypto::KdfProfile::Interactive);
            REQUIRE_FALSE(added);
            CHECK(added.error().code == ErrorCode::Denied);
            CHECK(s->defineRole("r-" + user, Rights{Right::View}).error().code ==
                  ErrorCode::Denied);
            CHECK(s->addCollection("Top-" + user).error().code == ErrorCode::Denied);
            CHECK(s->audit().error().code == ErrorCode::Denied);
        }
    }
    CHECK(v.verifyAsOwner().ok);
}

TEST_CASE("a sub-collection added later reaches the people granted above it", "[core][access]")
{
    TestVault v;
    v.addUser("tom");
    Id sop{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Clients"));
        REQUIRE(owner->grant("tom", "technician", "Clients"));
        REQUIRE(owner->addCollection("Clients/Later"));
        sop = addSop(*owner, "Clients/Later", "Late SOP");
    }
    auto tom = v.as("tom");
    auto read = tom->readSop(sop);
    REQUIRE(read);
    CHECK(read->collection == "Clients/Later");
}

TEST_CASE("without view, a member cannot decrypt a collection's SOPs or name even from the raw "
          "rows",
          "[core][access][security]")
{
    using namespace sopvault::core::detail;
    TestVault v;
    v.addUser("tom");
    Id secretSop{};
    Id internal{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Clients"));
        internal = *owner->addCollection("Internal");
        REQUIRE(owner->grant("tom", "technician", "Clients"));
        addSop(*owner, "Clients", "Visible");
        secretSop = addSop(*owner, "Internal", "Payroll runbook");
    }
    // What an attacker holding tom's password and the file gets, never through the policy.
    const test::Stolen stolen = test::steal(v, "tom");
    REQUIRE(stolen.collectionKeys.size() == 1); // Clients only

    auto db = v.raw();
    const Record rec = test::raw::decoded(test::raw::versionRow(db, secretSop, 1));
    auto payload = decodeSopVersion(rec.payload);
    REQUIRE(payload);
    crypto::Bytes encryptedName;
    Id vaultId = rec.header.vault;
    for (const Record& a : test::raw::readAdminLog(db).records) {
        if (a.header.kind == RecordKind::CollectionAdded) {
            auto c = decodeCollectionAdded(a.payload);
            if (c->collectionId == internal) {
                encryptedName = c->encryptedPath;
                for (const auto& s : c->shares) {
                    CHECK_FALSE(crypto::openSealed(stolen.box, s.sealedKey));
                }
            }
        }
    }
    REQUIRE_FALSE(encryptedName.empty());
    for (const auto& stolenKey : stolen.collectionKeys) {
        CHECK_FALSE(crypto::openSecret(stolenKey.key, payload->wrappedKey,
                                       dataKeyAd(vaultId, internal, 0, secretSop, 1)));
        CHECK_FALSE(
            crypto::open(stolenKey.key, encryptedName, collectionPathAd(vaultId, internal)));
    }
}
