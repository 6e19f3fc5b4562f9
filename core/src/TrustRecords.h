// This machine's trust records of a vault (LocalState.h): the rollback marks it pins, the SOP
// heads file they point to, and the verified cache with its list lines, under keys only the
// unlocking person derives.
#pragma once

#include "KeyRing.h"
#include "LocalState.h"

#include <filesystem>

namespace sopvault::core::detail {

class TrustRecords
{
public:
    // Ties these records to the vault file at `path` and the person: where they live under
    // `stateDir` and the keys that protect them (derived from the person's signing key, so
    // nobody else can forge either). Without a state folder nothing is kept.
    [[nodiscard]] Result<void> attach(const State& state, const KeyRing& keys,
                                      const std::filesystem::path& path,
                                      const std::string& personName,
                                      const std::filesystem::path& stateDir);
    [[nodiscard]] bool attached() const { return m_stateKey.has_value(); }
    [[nodiscard]] bool firstOpen() const { return m_firstOpen; }
    [[nodiscard]] const std::filesystem::path& marksPath() const { return m_statePath; }

    // The marks this machine saved for the file and person; nullopt on a first open (or when
    // not attached).
    [[nodiscard]] Result<std::optional<Marks>> loadMarks(const State& state) const;
    // Checks the file against those marks (`integrity` on a rollback or fork), or notes a
    // first open.
    [[nodiscard]] Result<void> compare(const State& state, const std::optional<Marks>& seen);
    // Writes the marks of `state` (the heads file only when a SOP head moved since).
    [[nodiscard]] Result<void> saveMarks(const State& state) const;
    // A SOP got a new head: the heads file is written again with the next marks.
    void headsMoved() { m_headsGeneration += 1; }

    // The verified cache, if attached and it opens for this vault.
    [[nodiscard]] std::optional<VerifiedCache> loadCache(const State& state) const;
    // After a replay that used `cache` (or none): keeps the list lines still true and
    // viewable by `me`, and notes whether the cache on disk is behind what was verified.
    void adoptCache(std::optional<VerifiedCache>& cache, bool replayedMore, const State& state,
                    const Id& me);
    // Writes the cache if it is behind; list lines only of what `me` may still view.
    [[nodiscard]] Result<void> saveCache(const State& state, const Id& me) const;

    // A SOP's list line if known for the version whose entry hash is `hash`.
    [[nodiscard]] const SopContent* knownHead(const Id& sopId, const crypto::Hash32& hash) const;
    // Keeps a list line (content without body or message) for the SOP's newest version.
    void rememberHead(const Id& sopId, const crypto::Hash32& hash, SopContent content) const;

    // Where this person's sealed search index lives and the key it is sealed under (nullptr
    // when not attached: the index then lives in memory only).
    [[nodiscard]] const std::filesystem::path& searchPath() const { return m_searchPath; }
    [[nodiscard]] const crypto::SecureBuffer* searchKey() const
    {
        return m_searchKey ? &*m_searchKey : nullptr;
    }

private:
    std::filesystem::path m_statePath;
    std::optional<crypto::SecureBuffer> m_stateKey;
    bool m_firstOpen = false;
    std::uint64_t m_headsGeneration = 1;
    mutable SavedHeads m_savedHeads;

    std::filesystem::path m_cachePath;
    std::optional<crypto::SecureBuffer> m_cacheKey;
    mutable HeadSummaries m_heads;
    mutable bool m_cacheBehind = false;

    std::filesystem::path m_searchPath;
    std::optional<crypto::SecureBuffer> m_searchKey;
};

} // namespace sopvault::core::detail
