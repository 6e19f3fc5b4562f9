// Keeping this machine's trust records of a vault: which marks and cache belong to which file
// and person, and when each must be written again.
#include "TrustRecords.h"

#include <fmt/format.h>

namespace sopvault::core::detail {

Result<void> TrustRecords::attach(const State& state, const KeyRing& keys,
                                  const std::filesystem::path& path, const std::string& personName,
                                  const std::filesystem::path& stateDir)
{
    if (stateDir.empty()) {
        return {};
    }
    crypto::CanonicalWriter w("sopvault/local-state-key");
    w.bytes(state.vaultId).bytes(keys.me());
    // Both keys go straight into secure memory: no heap copy of them is left to wipe.
    auto key = crypto::keyedHashKey(keys.signKeys().secretKey.span().first(32), w.data());
    auto cache =
        key ? crypto::keyedHashKey(key->span(), crypto::asBytes("sopvault/verified-cache-key"))
            : Result<crypto::SecureBuffer>(std::unexpected(key.error()));
    auto search =
        key ? crypto::keyedHashKey(key->span(), crypto::asBytes("sopvault/search-index-key"))
            : Result<crypto::SecureBuffer>(std::unexpected(key.error()));
    if (!key || !cache || !search) {
        return fail(ErrorCode::Failed, "The keys for this machine's record of the vault could "
                                       "not be made.");
    }
    // One record per vault file path and person: a different vault put in the file's place
    // is then a genesis mismatch, not a first open.
    std::error_code ec;
    const auto absolute = std::filesystem::weakly_canonical(path, ec);
    crypto::CanonicalWriter name("sopvault/local-state-name");
    name.text((ec ? path : absolute).string()).text(personName);
    const std::string base = crypto::toHex(crypto::hash(name.data(), 16));
    m_statePath = stateDir / (base + ".marks");
    m_stateKey = std::move(*key);
    m_cachePath = stateDir / (base + ".verified");
    m_cacheKey = std::move(*cache);
    m_searchPath = stateDir / (base + ".search");
    m_searchKey = std::move(*search);
    return {};
}

Result<std::optional<Marks>> TrustRecords::loadMarks(const State& state) const
{
    if (!m_stateKey) {
        return std::optional<Marks>{};
    }
    return detail::loadMarks(m_statePath, *m_stateKey, state.adminHashes.front());
}

Result<void> TrustRecords::compare(const State& state, const std::optional<Marks>& seen)
{
    if (!seen) {
        m_firstOpen = m_stateKey.has_value();
        return {};
    }
    SOPVAULT_CHECK(compareMarks(state, *seen));
    if (seen->headsDigest && sameHeads(state, *seen)) {
        m_savedHeads = SavedHeads{*seen->headsDigest, m_headsGeneration};
    }
    return {};
}

Result<void> TrustRecords::saveMarks(const State& state) const
{
    if (!m_stateKey) {
        return {};
    }
    return detail::saveMarks(m_statePath, *m_stateKey, state, m_headsGeneration, m_savedHeads);
}

std::optional<VerifiedCache> TrustRecords::loadCache(const State& state) const
{
    if (!m_cacheKey) {
        return std::nullopt;
    }
    return detail::loadCache(m_cachePath, *m_cacheKey, state.adminHashes.front());
}

void TrustRecords::adoptCache(std::optional<VerifiedCache>& cache, bool replayedMore,
                              const State& state, const Id& me)
{
    m_cacheBehind = replayedMore || !cache;
    if (!cache) {
        return;
    }
    const AccessPolicy policy(state);
    for (auto& [id, sop] : cache->sops) {
        if (!sop.head) {
            continue;
        }
        auto now = state.sops.find(id);
        if (now != state.sops.end() && !now->second.versions.empty() &&
            now->second.versions.back().hash == sop.head->first &&
            policy.allows(me, Right::View, now->second.collection)) {
            m_heads.emplace(id, std::move(*sop.head));
        } else {
            m_cacheBehind = true; // a line to drop: changed, or no longer viewable
        }
    }
}

Result<void> TrustRecords::saveCache(const State& state, const Id& me) const
{
    if (!m_cacheKey || !m_cacheBehind) {
        return {};
    }
    // List lines only of what this person may still view (not of what they lost since).
    const AccessPolicy policy(state);
    HeadSummaries viewable;
    for (const auto& [id, line] : m_heads) {
        auto sop = state.sops.find(id);
        if (sop != state.sops.end() && policy.allows(me, Right::View, sop->second.collection)) {
            viewable.emplace(id, line);
        }
    }
    if (auto ok = detail::saveCache(m_cachePath, *m_cacheKey, cacheOf(state, viewable)); !ok) {
        return fail(ErrorCode::Failed,
                    fmt::format("The vault is unlocked, but this machine's verified cache of it "
                                "({}) could not be written: {}. Every later unlock will check the "
                                "whole vault again; make that folder writable or free some space.",
                                m_cachePath.parent_path().string(), ok.error().message));
    }
    m_cacheBehind = false;
    return {};
}

const SopContent* TrustRecords::knownHead(const Id& sopId, const crypto::Hash32& hash) const
{
    auto known = m_heads.find(sopId);
    return known != m_heads.end() && known->second.first == hash ? &known->second.second : nullptr;
}

void TrustRecords::rememberHead(const Id& sopId, const crypto::Hash32& hash,
                                SopContent content) const
{
    crypto::wipe(content.body);
    content.body.clear();
    content.body.shrink_to_fit();
    content.message.clear();
    // The list line needs no attachment keys, and the cache is kept on disk.
    content.attachments.clear();
    m_heads[sopId] = {hash, std::move(content)};
    m_cacheBehind = true;
}

} // namespace sopvault::core::detail
