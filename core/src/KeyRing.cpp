// Opening and holding this person's keys: every collection key is checked against the
// commitment in the log before it is used, so an injected or substituted key is never taken.
#include "KeyRing.h"

#include "Validation.h"

#include <fmt/format.h>

namespace sopvault::core::detail {

namespace {

bool commitmentMatches(const State& state, const Id& collection, std::uint32_t epoch,
                       const crypto::SecureBuffer& key)
{
    auto c = state.collections.find(collection);
    if (c == state.collections.end() || !c->second.commitments.contains(epoch)) {
        return false;
    }
    auto commitment = keyCommitment(key, state.vaultId, collection, epoch);
    return commitment && crypto::constantTimeEqual(*commitment, c->second.commitments.at(epoch));
}

} // namespace

ScratchKey::ScratchKey()
{
    thread_local crypto::SecureBuffer buffer;
    if (buffer.empty()) {
        if (auto b = crypto::SecureBuffer::allocate(crypto::kKeySize)) {
            buffer = std::move(*b);
        }
    }
    m_buffer = &buffer;
}

ScratchKey::~ScratchKey()
{
    crypto::wipe(m_buffer->span());
}

Result<crypto::SecureBuffer*> ScratchKey::get() const
{
    if (m_buffer->empty()) {
        return fail(ErrorCode::Failed, "Secure memory for a key could not be allocated.");
    }
    return m_buffer;
}

void KeyRing::become(const Id& me, crypto::SignKeyPair sign, crypto::BoxKeyPair box)
{
    m_me = me;
    m_signKeys = std::move(sign);
    m_boxKeys = std::move(box);
}

void KeyRing::open(const State& state, std::vector<VerifyProblem>& problems)
{
    m_paths.clear();
    openShares(state, problems);
    openOlderEpochs(state, problems);
    openAuditSecret(state, problems);
    openPaths(state, problems);
}

void KeyRing::openShares(const State& state, std::vector<VerifyProblem>& problems)
{
    for (const KeyShare& share : state.shares) {
        if (share.recipient != m_me) {
            continue;
        }
        const std::string where =
            fmt::format("key of collection {} (epoch {})", toHex(share.collection), share.epoch);
        auto key = crypto::openSealed(m_boxKeys, share.sealedKey);
        if (!key) {
            problems.push_back({where, "it cannot be opened with your key"});
            continue;
        }
        if (!commitmentMatches(state, share.collection, share.epoch, *key)) {
            problems.push_back({where, "it does not match the collection's key commitment "
                                       "(an injected or substituted key); it was rejected"});
            continue;
        }
        m_keys.insert_or_assign({share.collection, share.epoch}, std::move(*key));
    }
}

// Older epochs: each epoch's key carries the one before it.
void KeyRing::openOlderEpochs(const State& state, std::vector<VerifyProblem>& problems)
{
    for (const auto& [id, c] : state.collections) {
        for (std::uint32_t epoch = c.epoch; epoch > 0; --epoch) {
            auto newer = m_keys.find({id, epoch});
            auto previous = c.previousKeys.find(epoch);
            if (newer == m_keys.end() || previous == c.previousKeys.end() ||
                m_keys.contains({id, epoch - 1})) {
                continue;
            }
            auto key = crypto::openSecret(newer->second, previous->second,
                                          previousKeyAd(state.vaultId, id, epoch));
            if (!key || !commitmentMatches(state, id, epoch - 1, *key)) {
                problems.push_back(
                    {fmt::format("key of collection {} (epoch {})", toHex(id), epoch - 1),
                     "the previous key carried by the newer epoch is damaged"});
                continue;
            }
            m_keys.insert_or_assign({id, epoch - 1}, std::move(*key));
        }
    }
}

void KeyRing::openAuditSecret(const State& state, std::vector<VerifyProblem>& problems)
{
    auto sealed = state.sealedAuditSecrets.find(m_me);
    if (sealed == state.sealedAuditSecrets.end()) {
        return;
    }
    auto secret = crypto::openSealed(m_boxKeys, sealed->second);
    auto pub = secret ? crypto::boxPublicKeyOf(*secret) : Result<crypto::BoxPublicKey>{};
    if (secret && pub && *pub == state.auditKey) {
        m_auditSecret = std::move(*secret);
    } else {
        problems.push_back({"audit key", "your copy of the audit key cannot be opened or does "
                                         "not match the vault's"});
    }
}

void KeyRing::openPaths(const State& state, std::vector<VerifyProblem>& problems)
{
    for (const auto& [id, c] : state.collections) {
        // Names are encrypted under the collection's first key, reached through the chain.
        auto first = m_keys.find({id, 0U});
        if (first == m_keys.end()) {
            continue;
        }
        auto path =
            crypto::open(first->second, c.encryptedPath, collectionPathAd(state.vaultId, id));
        if (!path) {
            problems.push_back({fmt::format("collection {}", toHex(id)),
                                "its name cannot be decrypted: " + path.error().message});
            continue;
        }
        m_paths[id] = std::string(crypto::asText(*path));
    }
    // A child's path must extend its parent's: a renamed or moved name is tampering.
    for (const auto& [id, path] : m_paths) {
        const Id parent = state.collections.at(id).parent;
        auto p = m_paths.find(parent);
        if (p != m_paths.end() && path.rfind(p->second + "/", 0) != 0) {
            problems.push_back({fmt::format("collection {}", toHex(id)),
                                "its name does not lie under its parent's"});
        }
    }
}

const crypto::SecureBuffer* KeyRing::current(const State& state, const Id& collection) const
{
    auto c = state.collections.find(collection);
    return c == state.collections.end() ? nullptr : epoch(collection, c->second.epoch);
}

const crypto::SecureBuffer* KeyRing::epoch(const Id& collection, std::uint32_t epoch) const
{
    auto k = m_keys.find({collection, epoch});
    return k == m_keys.end() ? nullptr : &k->second;
}

std::string KeyRing::pathOf(const Id& collection) const
{
    auto it = m_paths.find(collection);
    return it == m_paths.end() ? std::string("(hidden collection)") : it->second;
}

Result<Id> KeyRing::collectionByPath(std::string_view path) const
{
    SOPVAULT_TRY(normal, normalisePath(path));
    for (const auto& [id, p] : m_paths) {
        if (p == normal) {
            return id;
        }
    }
    return fail(ErrorCode::NotFound,
                fmt::format("There is no collection '{}' that you can see; 'collection list' "
                            "shows them.",
                            path));
}

void KeyRing::keepNew(const Id& collection, crypto::SecureBuffer key, std::string path)
{
    m_keys.insert_or_assign({collection, 0U}, std::move(key));
    m_paths[collection] = std::move(path);
}

Result<Rotation> KeyRing::rotate(const State& state, const Id& collection, const Id& revoked)
{
    const crypto::SecureBuffer* now = current(state, collection);
    if (now == nullptr) {
        return fail(
            ErrorCode::Denied,
            fmt::format("You hold no key for {}, so you cannot rotate it.", pathOf(collection)));
    }
    Rotation r;
    r.collectionId = collection;
    r.epoch = state.collections.at(collection).epoch + 1;
    SOPVAULT_TRY(key, crypto::randomKey());
    SOPVAULT_TRY(commitment, keyCommitment(key, state.vaultId, collection, r.epoch));
    r.commitment = std::move(commitment);
    SOPVAULT_TRY(previous,
                 crypto::seal(key, now->span(), previousKeyAd(state.vaultId, collection, r.epoch)));
    r.previousKey = std::move(previous);
    bool mine = false;
    for (const Id& u : rotationRecipients(state, collection, revoked)) {
        SOPVAULT_TRY(sealed, crypto::sealTo(state.users.at(u).boxKey, key.span()));
        r.shares.push_back({collection, r.epoch, u, std::move(sealed)});
        mine = mine || u == m_me;
    }
    if (mine) {
        m_pending.insert_or_assign({collection, r.epoch}, std::move(key));
    }
    return r;
}

void KeyRing::keepRotated(const std::vector<Rotation>& rotations)
{
    for (const Rotation& r : rotations) {
        auto k = m_pending.find({r.collectionId, r.epoch});
        if (k != m_pending.end()) {
            m_keys.insert_or_assign(k->first, std::move(k->second));
        }
    }
    m_pending.clear();
}

} // namespace sopvault::core::detail
