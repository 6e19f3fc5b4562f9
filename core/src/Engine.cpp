// The unlocked vault's reading questions: which SOPs this person may see, their text opened
// with the key ring from rows the file still holds exactly as replay verified them.
#include "Engine.h"

#include "AttachmentRules.h"

#include <fmt/format.h>

namespace sopvault::core::detail {

Engine::Engine(VaultFile file) : m_file(std::move(file))
{
    m_writes.onVersionWritten([this](const Id& sopId, const SopContent& content) {
        if (!m_searchIndex) {
            return;
        }
        if (m_searchIndex->put(sopId, m_state.sops.at(sopId).versions.back().hash, content)) {
            m_searchUnsaved = true;
        } else {
            m_searchIndex.reset(); // rebuilt on the next search rather than answering stale
        }
    });
}

std::string Engine::userName(const Id& id) const
{
    const UserState* u = m_state.user(id);
    return u == nullptr ? toHex(id) : u->name;
}

SopVersionView Engine::versionView(const Id& sopId, const Id& collection, const VersionMeta& meta,
                                   SopContent content) const
{
    SopVersionView out;
    out.id = sopId;
    out.collectionId = collection;
    out.collection = pathOf(collection);
    out.version = meta.version;
    out.headVersion = meta.headVersion;
    out.title = std::move(content.title);
    out.body = std::move(content.body);
    out.tags = std::move(content.tags);
    out.state = content.state;
    out.reviewEveryDays = content.reviewEveryDays;
    out.reviewer = std::move(content.reviewer);
    out.author = userName(meta.author);
    out.time = meta.time;
    out.message = std::move(content.message);
    out.hash = crypto::toHex(meta.hash);
    out.summary = std::move(content.summary);
    out.sourcePath = std::move(content.sourcePath);
    out.metadata = std::move(content.metadata);
    for (const AttachmentRef& a : content.attachments) {
        out.attachments.push_back(attachmentInfo(a));
    }
    return out;
}

void Engine::adopt(ReplayResult replayed)
{
    m_state = std::move(replayed.state);
    if (auto head = m_file.serverHead()) {
        m_state.serverPosition = head->position;
        m_state.serverRunning = head->running;
    }
    m_writes.setSound(replayed.adminSound);
    m_problems.clear();
    for (auto& p : replayed.problems) {
        m_problems.push_back({std::move(p.record), std::move(p.problem)});
    }
}

void Engine::startVault(const Id& vaultId, const crypto::BoxPublicKey& auditKey)
{
    m_state.vaultId = vaultId;
    m_state.auditKey = auditKey;
}

Result<void> Engine::adoptReplayed(Result<ReplayResult> result)
{
    if (!result) {
        // Memory may still hold what was rolled back: refuse writes, save no marks or cache.
        m_writes.setSound(false);
        return std::unexpected(result.error());
    }
    adopt(std::move(*result));
    m_trust.headsMoved();
    openKeys();
    m_searchIndex.reset();
    return {};
}

Result<void> Engine::reload()
{
    return adoptReplayed(replay(m_file));
}

Result<void> Engine::reloadPulled(const std::set<Id>& changed)
{
    // The pulled records are checked in full; what this session verified is not checked again
    // (the reload stays cheap however large the vault).
    VerifiedCache cache = cacheOf(m_state, {});
    for (const Id& id : changed) {
        cache.sops.erase(id);
    }
    const std::vector<crypto::Hash32> admin = m_state.adminHashes;
    return adoptReplayed(replay(m_file, ReplayOptions{.cache = &cache, .verifiedAdmin = &admin}));
}

Result<void> Engine::saveCache() const
{
    if (m_writes.inBatch() || !m_writes.sound()) {
        return {};
    }
    return m_trust.saveCache(m_state, me());
}

Result<SopContent> Engine::headLine(const Id& sopId, const SopRecordState& sop) const
{
    if (!sop.problem.empty() || sop.versions.empty()) {
        return fail(ErrorCode::Integrity, sop.problem);
    }
    const crypto::Hash32& hash = sop.versions.back().hash;
    if (const SopContent* known = m_trust.knownHead(sopId, hash)) {
        return *known;
    }
    SOPVAULT_TRY(content, readContent(sopId, sop.versions.back().version));
    m_trust.rememberHead(sopId, hash, std::move(content));
    return *m_trust.knownHead(sopId, hash);
}

RevocationMarks Engine::marksNow(const std::set<Id>* collections) const
{
    RevocationMarks m;
    for (const auto& [id, sop] : m_state.sops) {
        if (collections == nullptr || collections->contains(sop.collection)) {
            m.heads.emplace_back(id, sop.versions.size());
        }
    }
    m.eventCount = m_state.eventCount;
    m.auditCount = m_state.auditCount;
    return m;
}

Result<const SopRecordState*> Engine::viewableSop(const Id& sopId) const
{
    auto it = m_state.sops.find(sopId);
    // A SOP damaged before any version could say where it belongs is shown to owners.
    const bool ownerSeesUnplaced =
        it != m_state.sops.end() && isZero(it->second.collection) && policy().isOwner(me());
    if (it == m_state.sops.end() || it->second.onlyRefused() ||
        (!ownerSeesUnplaced && !policy().allows(me(), Right::View, it->second.collection))) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no SOP {} that you can see.", toHex(sopId)));
    }
    if (!it->second.problem.empty()) {
        return fail(ErrorCode::Integrity,
                    fmt::format("SOP {} failed verification ({}); run 'verify' and restore "
                                "from a backup.",
                                toHex(sopId), it->second.problem));
    }
    return &it->second;
}

Result<SopContent> Engine::readContent(const Id& sopId, std::uint64_t version) const
{
    SOPVAULT_TRY(sop, viewableSop(sopId));
    if (version == 0 || version > sop->versions.size()) {
        return fail(ErrorCode::NotFound, fmt::format("SOP {} has no version {} (it has {}).",
                                                     toHex(sopId), version, sop->versions.size()));
    }
    // A refused version (the server ordered it, its signer had no right to it) is a link of the
    // chain only: what it says is never shown, the version before it is.
    std::uint64_t shown = version;
    while (shown > 0 && sop->versions[shown - 1].refused) {
        shown -= 1;
    }
    if (shown == 0) {
        return fail(
            ErrorCode::NotFound,
            fmt::format("SOP {} has no accepted version up to version {}.", toHex(sopId), version));
    }
    const VersionState& v = sop->versions[shown - 1];
    SOPVAULT_TRY(rec, m_file.verifiedVersion({sopId, v.version}, v.hash, "A SOP version"));
    SOPVAULT_TRY(payload, decodeSopVersion(rec.payload));
    if (!m_state.collections.contains(payload.collectionId)) {
        return fail(ErrorCode::Denied, "You hold no key for this SOP's collection.");
    }
    return openVersion(rec, payload);
}

Result<SopContent> Engine::openVersion(const Record& rec, const SopVersionPayload& payload) const
{
    const Id& sopId = payload.sopId;
    const std::uint64_t version = rec.header.position;
    const crypto::SecureBuffer* key = m_keys.epoch(payload.collectionId, payload.epoch);
    if (key == nullptr) {
        return fail(ErrorCode::Denied, "You hold no key for this SOP's collection.");
    }
    const ScratchKey scratch;
    SOPVAULT_TRY(dataKey, scratch.get());
    SOPVAULT_CHECK(crypto::openSecretInto(
        *key, payload.wrappedKey,
        dataKeyAd(m_state.vaultId, payload.collectionId, payload.epoch, sopId, version), *dataKey));
    SOPVAULT_TRY(padded, crypto::open(*dataKey, payload.ciphertext,
                                      contentAd(m_state.vaultId, payload.collectionId, sopId,
                                                version, rec.header.prev)));
    SOPVAULT_TRY(size, crypto::unpaddedSize(padded, kPadBlock));
    auto content = decodeSopContent(crypto::ByteView(padded).first(size));
    crypto::wipe(padded);
    return content;
}

Result<std::string> Engine::readEventText(const SopRecordState& sop, const EventState& event) const
{
    SOPVAULT_TRY(rec, m_file.verifiedEvent(event.id, event.hash, "A review or flag record"));
    SOPVAULT_TRY(p, decodeEvent(rec.payload));
    const crypto::SecureBuffer* key = m_keys.epoch(p.collectionId, p.epoch);
    if (key == nullptr) {
        return fail(ErrorCode::Denied, "You hold no key for this SOP's collection.");
    }
    SOPVAULT_TRY(plain, crypto::open(*key, p.encryptedText,
                                     eventTextAd(m_state.vaultId, p.collectionId, p.epoch, sop.id,
                                                 event.id)));
    return std::string(crypto::asText(plain));
}

} // namespace sopvault::core::detail
