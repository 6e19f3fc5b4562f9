// Team sync as a Session offers it (Vault.h, "team sync"; docs/teams.md): the remote, sync,
// publish and clone, and the conflicts a person settles. The steps live in SyncPull.cpp and
// SyncPush.cpp.
#include "sopvault/core/Sync.h"
#include "SyncEngine.h"
#include "Validation.h"
#include "sopvault/core/Vault.h"
#include "storage/PrivateFiles.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sopvault::core {

using namespace detail;

namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// A libpq URL or keyword string with no secret in it: secrets come from PGPASSFILE, a service
// file or $SOPVAULT_DB_PASSWORD, never from the vault file (which travels) or argv.
Result<void> checkUrl(std::string_view url)
{
    if (url.empty()) {
        return fail(ErrorCode::Usage, "Give the server as a libpq URL, e.g. "
                                      "postgresql://alice@db.example.com/sopvault.");
    }
    const std::string l = lower(url);
    bool password = l.find("password=") != std::string::npos;
    for (std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (l.starts_with(scheme)) {
            const std::string_view rest = url.substr(scheme.size());
            const auto end = rest.find_first_of("/?");
            const std::string_view authority = rest.substr(0, end);
            const auto at = authority.rfind('@');
            if (at != std::string_view::npos &&
                authority.substr(0, at).find(':') != std::string_view::npos) {
                password = true;
            }
        }
    }
    if (password) {
        return fail(ErrorCode::Usage,
                    "The URL holds a password; leave it out and give it through PGPASSFILE, a "
                    "service file or $SOPVAULT_DB_PASSWORD (the URL is stored in the vault file).");
    }
    return {};
}

Result<void> requireRemote(const VaultFile& file)
{
    SOPVAULT_TRY(remote, file.remoteRow());
    if (!remote) {
        return fail(ErrorCode::Usage, "This vault has no server; set one with 'remote set URL' "
                                      "or publish it with 'remote publish'.");
    }
    return {};
}

// The newest of my versions of a SOP that lost a race.
Result<std::optional<ConflictRow>> newestConflict(const VaultFile& file, const Id& sop)
{
    SOPVAULT_TRY(rows, file.conflictRows());
    std::optional<ConflictRow> out;
    for (auto& r : rows) {
        if (r.sopId == sop && (!out || r.version > out->version)) {
            out = std::move(r);
        }
    }
    return out;
}

Result<SopContent> openConflict(const Engine& e, const ConflictRow& row)
{
    SOPVAULT_TRY(rec, decodeRecord(row.body, row.signature));
    if (rec.header.signer != e.me() || rec.header.kind != RecordKind::SopVersion) {
        return fail(ErrorCode::Integrity, "A kept conflicting edit is not one of yours; run "
                                          "'verify'.");
    }
    SOPVAULT_CHECK(crypto::verify(e.state().users.at(e.me()).signKey, rec.body, rec.signature));
    SOPVAULT_TRY(payload, decodeSopVersion(rec.payload));
    return e.openVersion(rec, payload);
}

// Every local row onto the outbox, each chain in height order: the administration log first
// (it says who everyone is), then keys, seals, SOP versions, reviews and the audit log.
Result<void> queueEverything(VaultFile& file)
{
    SOPVAULT_CHECK(file.clearOutbox());
    for (Chain chain : {Chain::Admin}) {
        SOPVAULT_CHECK(file.readLog(chain, 0, [&](LogRow& row) -> Result<void> {
            SOPVAULT_TRY(rec, decodeRecord(row.body, row.signature));
            return file.enqueue(recordRow(std::string(chainName(chain)),
                                          static_cast<std::int64_t>(row.position) + 1, rec));
        }));
    }
    SOPVAULT_TRY(wraps, file.wraps());
    for (const auto& [user, wrap] : wraps) {
        const std::string chain = keysChain(idFrom(user));
        SyncRow row{chain,         1,    {}, rowHash(chain, 1, {}, RowKind::Wrap, wrap, {}),
                    RowKind::Wrap, wrap, {}};
        SOPVAULT_CHECK(file.enqueue(row));
    }
    SOPVAULT_TRY(seals, file.recoverySeals());
    for (const auto& [user, seal] : seals) {
        const std::string chain = sealChain(user);
        SyncRow row{chain,
                    1,
                    {},
                    rowHash(chain, 1, {}, RowKind::Seal, seal.sealed, seal.signature),
                    RowKind::Seal,
                    seal.sealed,
                    seal.signature};
        SOPVAULT_CHECK(file.enqueue(row));
    }
    SOPVAULT_TRY(keys, file.versionKeys());
    for (const VersionKey& key : keys) {
        SOPVAULT_TRY(stored, file.version(key));
        if (!stored) {
            continue;
        }
        SOPVAULT_TRY(rec, decodeRecord(stored->body, stored->signature));
        SOPVAULT_CHECK(file.enqueue(
            recordRow(sopChain(key.sopId), static_cast<std::int64_t>(key.version), rec)));
    }
    for (Chain chain : {Chain::Events, Chain::Audit}) {
        SOPVAULT_CHECK(file.readLog(chain, 0, [&](LogRow& row) -> Result<void> {
            SOPVAULT_TRY(rec, decodeRecord(row.body, row.signature));
            return file.enqueue(recordRow(std::string(chainName(chain)),
                                          static_cast<std::int64_t>(row.position) + 1, rec));
        }));
    }
    return {};
}

void removeFiles(const std::filesystem::path& path)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path.string() + suffix, ec);
    }
}

} // namespace

Result<RemoteInfo> Session::remote() const
{
    const Engine& e = *m_engine;
    RemoteInfo info;
    info.vaultId = vaultId();
    SOPVAULT_TRY(remote, e.file().remoteRow());
    if (remote) {
        info.url = remote->url;
        info.lastSync = remote->lastSync;
    }
    SOPVAULT_TRY(pending, e.file().outboxSize());
    info.pending = pending;
    SOPVAULT_TRY(head, e.file().serverHead());
    info.position = head.position;
    info.fingerprint = syncFingerprint(head.position, head.running);
    return info;
}

Result<std::string> Session::fingerprintAt(std::int64_t position) const
{
    SOPVAULT_TRY(row, m_engine->file().serverLogAt(position));
    if (!row) {
        SOPVAULT_TRY(head, m_engine->file().serverHead());
        return fail(ErrorCode::NotFound,
                    fmt::format("This replica has verified the server log up to position {}, "
                                "not {}; run 'sopvault-cli sync' and ask again.",
                                head.position, position));
    }
    return syncFingerprint(row->position, row->running);
}

Result<void> Session::setRemote(std::string_view url)
{
    SOPVAULT_CHECK(checkUrl(url));
    Engine& e = *m_engine;
    SOPVAULT_TRY(tx, e.file().beginWrite());
    SOPVAULT_CHECK(e.file().setRemoteRow(url));
    return tx.commit();
}

Result<bool> Session::upToDate(RecordServer& server)
{
    const VaultFile& file = m_engine->file();
    SOPVAULT_CHECK(requireRemote(file));
    SOPVAULT_TRY(pending, file.outboxSize());
    SOPVAULT_TRY(head, file.serverHead());
    auto last = server.lastPosition(vaultId());
    if (!last) {
        return serverFailure(last.error());
    }
    return pending == 0 && *last == head.position;
}

Result<SyncReport> Session::sync(RecordServer& server)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(requireRemote(e.file()));
    SOPVAULT_CHECK(e.writes().requireSound());
    SyncReport report;
    SOPVAULT_TRY(pulled, pull(server, e.file(), &e, e.state().vaultId));
    report.pulled = pulled.pulled;
    report.rebased = pulled.rebased;
    report.refused = std::move(pulled.refused);
    report.notices = std::move(pulled.notices);
    SOPVAULT_CHECK(push(server, e, report));
    {
        SOPVAULT_TRY(tx, e.file().beginWrite());
        SOPVAULT_CHECK(e.file().setLastSync(e.clock().now()));
        SOPVAULT_CHECK(tx.commit());
    }
    SOPVAULT_TRY(left, conflicts());
    report.conflicts = std::move(left);
    SOPVAULT_CHECK(e.saveCache());
    return report;
}

Result<SyncReport> Session::publish(RecordServer& server, std::string_view url)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(checkUrl(url));
    if (!e.policy().isOwner(e.me())) {
        return fail(ErrorCode::Denied, "Only an owner may publish the vault to a server.");
    }
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(head, e.file().serverHead());
    if (head.position != 0) {
        return fail(ErrorCode::Usage,
                    "This vault already syncs with a server; use 'sync' (or 'remote set' to "
                    "point it at another copy of the same server).");
    }
    auto last = server.lastPosition(vaultId());
    if (!last) {
        return serverFailure(last.error());
    }
    if (*last != 0) {
        return fail(ErrorCode::Usage,
                    fmt::format("The server already holds {} records of vault {}; publish only "
                                "goes to an empty vault (clone it instead).",
                                *last, vaultId()));
    }
    {
        SOPVAULT_TRY(tx, e.file().beginWrite());
        SOPVAULT_CHECK(e.file().setRemoteRow(url));
        SOPVAULT_CHECK(queueEverything(e.file()));
        SOPVAULT_CHECK(tx.commit());
    }
    return sync(server);
}

Result<std::vector<SyncConflict>> Session::conflicts() const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(rows, e.file().conflictRows());
    std::map<Id, std::uint64_t> mine;
    for (const auto& r : rows) {
        mine[r.sopId] = std::max(mine[r.sopId], r.version);
    }
    std::vector<SyncConflict> out;
    for (const auto& [sop, version] : mine) {
        SyncConflict c;
        c.sop = sop;
        c.mine = version;
        if (auto it = e.state().sops.find(sop); it != e.state().sops.end()) {
            c.theirs = it->second.versions.size();
            if (auto line = e.headLine(sop, it->second)) {
                c.title = line->title;
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

Result<SopVersionView> Session::conflictingEdit(const Id& sopId)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_TRY(row, newestConflict(e.file(), sopId));
    if (!row) {
        return fail(ErrorCode::NotFound,
                    fmt::format("SOP {} has no conflicting edit of yours.", toHex(sopId)));
    }
    SOPVAULT_TRY(content, openConflict(e, *row));
    SOPVAULT_TRY(rec, decodeRecord(row->body, row->signature));
    SOPVAULT_TRY(payload, decodeSopVersion(rec.payload));
    AuditNote view{"view-conflict", sopId, true, {}};
    view.detail.title = content.title;
    SOPVAULT_CHECK(e.writes().audit(view));
    return e.versionView(
        sopId, payload.collectionId,
        {row->version, sop->versions.size(), rec.header.signer, rec.header.time, rec.hash()},
        std::move(content));
}

Result<std::uint64_t> Session::resolve(const Id& sopId, Keep keep,
                                       std::optional<std::string> mergedBody)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    if (mergedBody.has_value() != (keep == Keep::Merged)) {
        return fail(ErrorCode::Usage, "A merged body goes with keeping the merge, and only then.");
    }
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_TRY(row, newestConflict(e.file(), sopId));
    if (!row) {
        return fail(ErrorCode::NotFound,
                    fmt::format("SOP {} has no conflicting edit of yours.", toHex(sopId)));
    }
    const Id collection = sop->collection;
    if (keep != Keep::Theirs) {
        SOPVAULT_TRY(content, openConflict(e, *row));
        if (mergedBody) {
            SOPVAULT_CHECK(validateBody(*mergedBody));
            content.body = std::move(*mergedBody);
        }
        content.message =
            keep == Keep::Mine ? "conflict resolved: kept my edit" : "conflict resolved: merged";
        AuditNote n{"conflict-resolve", sopId, true, {}};
        n.detail.title = content.title;
        n.detail.note = keep == Keep::Mine ? "mine" : "merged";
        // The files my conflicting edit brought never reached the server (they travel with the
        // version that first lists them): the resolving version carries them up.
        std::vector<AttachmentBlob> carried;
        for (const AttachmentRef& ref : content.attachments) {
            SOPVAULT_TRY(blob, e.file().blob(ref.blobId));
            if (blob && blob->sopId == sopId && blob->firstVersion >= row->version) {
                blob->carried = true;
                carried.push_back(std::move(*blob));
            }
        }
        SOPVAULT_CHECK(e.writes().writeVersion(sopId, collection, content, n, std::move(carried)));
    } else {
        AuditNote n{"conflict-resolve", sopId, true, {}};
        n.detail.note = "theirs";
        SOPVAULT_CHECK(e.writes().audit(n));
    }
    {
        SOPVAULT_TRY(tx, e.file().beginWrite());
        SOPVAULT_CHECK(e.file().removeConflicts(sopId));
        SOPVAULT_CHECK(tx.commit());
    }
    return e.state().sops.at(sopId).versions.size();
}

Result<ClonedVault> cloneVault(RecordServer& server, std::string_view url, std::string_view vaultId,
                               const std::filesystem::path& path,
                               const std::function<void(std::size_t, std::size_t)>& progress)
{
    SOPVAULT_CHECK(checkUrl(url));
    auto vault = idFromHex(vaultId);
    if (!vault || toHex(*vault) != vaultId) {
        return fail(ErrorCode::Usage, "A vault id is 32 lower-case hex digits ('remote show' "
                                      "prints it).");
    }
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        return fail(ErrorCode::Usage,
                    fmt::format("{} exists already; clone into a new path.", path.string()));
    }
    if (path.has_parent_path()) {
        if (auto made = storage::createPrivateDirectories(path.parent_path()); !made) {
            return fail(ErrorCode::Failed, fmt::format("The vault's folder could not be made: {}.",
                                                       made.error().message));
        }
    }
    // Built beside its place and renamed into it only once everything checked out.
    const std::filesystem::path part = path.string() + ".clone";
    removeFiles(part);
    auto cloned = [&]() -> Result<ClonedVault> {
        SOPVAULT_TRY(file, VaultFile::open(part, storage::OpenMode::CreateNew,
                                           std::chrono::milliseconds(5000)));
        SOPVAULT_CHECK(file.setRemoteRow(url));
        SOPVAULT_TRY(pulled, pull(server, file, nullptr, *vault, progress));
        if (pulled.pulled == 0) {
            return fail(ErrorCode::NotFound,
                        fmt::format("The server holds no records of vault {}; ask its owner to "
                                    "publish it.",
                                    vaultId));
        }
        SOPVAULT_TRY(head, file.serverHead());
        return ClonedVault{std::string(vaultId), pulled.pulled, head.position,
                           syncFingerprint(head.position, head.running)};
    }();
    if (!cloned) {
        removeFiles(part);
        return cloned;
    }
    std::filesystem::rename(part, path, ec);
    if (ec) {
        removeFiles(part);
        return fail(ErrorCode::Failed, fmt::format("The clone could not be moved to {}: {}.",
                                                   path.string(), ec.message()));
    }
    return cloned;
}

} // namespace sopvault::core
