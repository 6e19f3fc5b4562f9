// This person's keys in an unlocked vault: their signing and box keys, the audit secret (owners
// only), the collection keys of every epoch they can open, and the collection names those open.
#pragma once

#include "Replay.h"
#include "sopvault/core/Vault.h"

#include <map>

namespace sopvault::core::detail {

// One secure buffer per thread for the data key of the version being read or written: a
// sodium_malloc per version (mmap, mprotect, mlock, and their undoing) cost more than the
// decryption itself. It is wiped as soon as the version is done.
class ScratchKey
{
public:
    ScratchKey();
    ~ScratchKey();
    ScratchKey(const ScratchKey&) = delete;
    ScratchKey& operator=(const ScratchKey&) = delete;

    [[nodiscard]] Result<crypto::SecureBuffer*> get() const;

private:
    crypto::SecureBuffer* m_buffer = nullptr;
};

class KeyRing
{
public:
    [[nodiscard]] const Id& me() const { return m_me; }
    [[nodiscard]] const crypto::SignKeyPair& signKeys() const { return m_signKeys; }
    [[nodiscard]] const crypto::BoxKeyPair& boxKeys() const { return m_boxKeys; }
    // Owners only; null for everyone else (or when their copy did not open).
    [[nodiscard]] const crypto::SecureBuffer* auditSecret() const
    {
        return m_auditSecret ? &*m_auditSecret : nullptr;
    }

    // Takes on a person's identity and secret keys (checked by the caller against the log).
    void become(const Id& me, crypto::SignKeyPair sign, crypto::BoxKeyPair box);

    // After a replay: opens the key shares sealed to this person (and older epochs through the
    // previous-key chain), the audit secret and the collection names; what does not open or
    // does not match its commitment is a problem, never a key.
    void open(const State& state, std::vector<VerifyProblem>& problems);

    // The key of the collection's current epoch, if this person holds it.
    [[nodiscard]] const crypto::SecureBuffer* current(const State& state,
                                                      const Id& collection) const;
    [[nodiscard]] const crypto::SecureBuffer* epoch(const Id& collection,
                                                    std::uint32_t epoch) const;

    // Collection names this person can read.
    [[nodiscard]] bool canRead(const Id& collection) const { return m_paths.contains(collection); }
    [[nodiscard]] std::string pathOf(const Id& collection) const;
    [[nodiscard]] Result<Id> collectionByPath(std::string_view path) const;

    // A collection this person just made: its first key and name.
    void keepNew(const Id& collection, crypto::SecureBuffer key, std::string path);

    // A new epoch key for `collection`, sealed to everyone who may still view it once
    // `revoked` cannot; the new key is held aside for this person if they are among them.
    [[nodiscard]] Result<Rotation> rotate(const State& state, const Id& collection,
                                          const Id& revoked);
    // The rotation's record committed: the keys held aside become this person's.
    void keepRotated(const std::vector<Rotation>& rotations);

private:
    using EpochKeys = std::map<std::pair<Id, std::uint32_t>, crypto::SecureBuffer>;
    void openShares(const State& state, std::vector<VerifyProblem>& problems);
    void openOlderEpochs(const State& state, std::vector<VerifyProblem>& problems);
    void openAuditSecret(const State& state, std::vector<VerifyProblem>& problems);
    void openPaths(const State& state, std::vector<VerifyProblem>& problems);

    Id m_me{};
    crypto::SignKeyPair m_signKeys;
    crypto::BoxKeyPair m_boxKeys;
    std::optional<crypto::SecureBuffer> m_auditSecret;
    EpochKeys m_keys;
    EpochKeys m_pending; // rotated keys until their record commits
    std::map<Id, std::string> m_paths;
};

} // namespace sopvault::core::detail
