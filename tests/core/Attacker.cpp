// The attacker's view of one person's keys (see Attacker.h).
#include "Attacker.h"

#include "TestVault.h"

#include <catch2/catch.hpp>

#include <string>

namespace sopvault::test {

using core::Id;
using core::detail::KeyShare;
using core::detail::Record;
using core::detail::RecordKind;

namespace {

// The X25519 and Ed25519 secrets a password wrap seals: 64 bytes of signing key, then 32 of box.
constexpr std::size_t kSignSecretSize = 64;
constexpr std::size_t kSecretsSize = 96;

std::vector<KeyShare> sharesOf(const Record& rec)
{
    switch (rec.header.kind) {
    case RecordKind::CollectionAdded: {
        auto p = core::detail::decodeCollectionAdded(rec.payload);
        REQUIRE(p);
        return p->shares;
    }
    case RecordKind::Grant: {
        auto p = core::detail::decodeGrant(rec.payload);
        REQUIRE(p);
        return p->shares;
    }
    case RecordKind::OwnerAdded: {
        auto p = core::detail::decodeOwnerAdded(rec.payload);
        REQUIRE(p);
        return p->shares;
    }
    default:
        return {};
    }
}

} // namespace

bool Stolen::holds(const Id& collection) const
{
    return std::any_of(collectionKeys.begin(), collectionKeys.end(),
                       [&](const StolenKey& k) { return k.collection == collection; });
}

const crypto::SecureBuffer& Stolen::keyOf(const Id& collection) const
{
    const auto last = std::find_if(collectionKeys.rbegin(), collectionKeys.rend(),
                                   [&](const StolenKey& k) { return k.collection == collection; });
    REQUIRE(last != collectionKeys.rend());
    return last->key;
}

Id userIdOf(raw::Database& db, std::string_view name)
{
    std::optional<Id> found;
    for (const Record& rec : raw::readAdminLog(db).records) {
        if (rec.header.kind == RecordKind::Genesis) {
            auto p = core::detail::decodeGenesis(rec.payload);
            REQUIRE(p);
            if (p->name == name) {
                found = p->userId;
            }
        } else if (rec.header.kind == RecordKind::UserAdded) {
            auto p = core::detail::decodeUserAdded(rec.payload);
            REQUIRE(p);
            if (p->name == name) {
                found = p->userId;
            }
        }
    }
    INFO("no one called " << name << " in the administration log");
    REQUIRE(found);
    return *found;
}

Stolen steal(raw::Database& db, const Id& user, std::string_view password)
{
    const raw::AdminLog admin = raw::readAdminLog(db);
    auto wrap = core::detail::decodeKeyWrap(raw::wrapOf(db, user));
    REQUIRE(wrap);
    auto key = crypto::deriveKey(test::password(password), wrap->salt, wrap->params);
    REQUIRE(key);
    auto secrets = crypto::openSecret(
        *key, wrap->sealed, core::detail::keyWrapAd(admin.vault, user, wrap->params, wrap->salt));
    REQUIRE(secrets);
    REQUIRE(secrets->size() == kSecretsSize);
    Stolen out;
    out.user = user;
    out.vault = admin.vault;
    auto signSecret = crypto::SecureBuffer::copyOf(secrets->span().first(kSignSecretSize));
    REQUIRE(signSecret);
    auto signPublic = crypto::signPublicKeyOf(*signSecret);
    REQUIRE(signPublic);
    out.sign = crypto::SignKeyPair{*signPublic, std::move(*signSecret)};
    auto boxSecret = crypto::SecureBuffer::copyOf(secrets->span().subspan(kSignSecretSize));
    REQUIRE(boxSecret);
    auto boxPublic = crypto::boxPublicKeyOf(*boxSecret);
    REQUIRE(boxPublic);
    out.box = crypto::BoxKeyPair{*boxPublic, std::move(*boxSecret)};
    for (const Record& rec : admin.records) {
        for (const KeyShare& s : sharesOf(rec)) {
            if (s.recipient != user) {
                continue;
            }
            auto k = crypto::openSealed(out.box, s.sealedKey);
            REQUIRE(k);
            out.collectionKeys.push_back({s.collection, s.epoch, std::move(*k)});
        }
    }
    return out;
}

Stolen steal(const std::filesystem::path& file, const Id& user, std::string_view password)
{
    auto db = raw::open(file);
    return steal(db, user, password);
}

Stolen steal(TestVault& v, std::string_view name)
{
    auto db = v.raw();
    const Id user = userIdOf(db, name);
    return steal(db, user, std::string(name) + "-pw");
}

} // namespace sopvault::test
