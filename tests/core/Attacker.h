// What an attacker holding the vault file and one person's password gets: that person's secret
// keys and every collection key sealed to them, read straight from the rows, never through the
// policy. Tamper and access tests forge records with these, or show that they open nothing.
#pragma once

#include "RawFile.h"

#include <filesystem>
#include <string_view>
#include <vector>

namespace sopvault::test {

class TestVault;

// One collection key sealed to the victim.
struct StolenKey
{
    core::Id collection{};
    std::uint32_t epoch = 0;
    crypto::SecureBuffer key;
};

struct Stolen
{
    core::Id user{};
    core::Id vault{};
    crypto::SignKeyPair sign;
    crypto::BoxKeyPair box;
    // Every collection key given to the victim (creation, grants, owner promotion), in log order.
    std::vector<StolenKey> collectionKeys;

    [[nodiscard]] bool holds(const core::Id& collection) const;
    // The last key of `collection` given to the victim; REQUIREs there is one.
    [[nodiscard]] const crypto::SecureBuffer& keyOf(const core::Id& collection) const;
};

// The person called `name` in the administration log (Genesis or UserAdded); REQUIREs one.
core::Id userIdOf(raw::Database& db, std::string_view name);

// `user`'s keys, opened with `password` from the rows of `db` (or of the file `file`, which may
// be an old copy).
Stolen steal(raw::Database& db, const core::Id& user, std::string_view password);
Stolen steal(const std::filesystem::path& file, const core::Id& user, std::string_view password);
// The same for the person called `name`, with the test password "<name>-pw".
Stolen steal(TestVault& v, std::string_view name);

} // namespace sopvault::test
