// Verifying the whole vault: every signature, chain, commitment and (where this person holds
// the key) ciphertext, reporting every problem rather than the first.
#include "sopvault/core/Vault.h"

#include "AttachmentRules.h"
#include "Engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace sopvault::core {

using namespace detail;

namespace {

// What opening one SOP's ciphertexts during the replay found.
struct Opened
{
    std::size_t ciphertexts = 0;
    std::size_t unreadable = 0;
    std::vector<VerifyProblem> problems;
};

// A returning person's unlock learns which versions exist from the primary key's index instead
// of the rows: the two must agree (they differ only in a damaged or doctored file).
Result<void> checkVersionIndex(const VaultFile& file, ReplayResult& replayed, VerifyReport& report)
{
    SOPVAULT_TRY(keys, file.versionKeys());
    std::vector<std::pair<Id, std::uint64_t>> indexed;
    for (const VersionKey& k : keys) {
        indexed.emplace_back(k.sopId, k.version);
    }
    std::sort(indexed.begin(), indexed.end());
    std::sort(replayed.versionRows.begin(), replayed.versionRows.end());
    if (indexed != replayed.versionRows) {
        report.problems.push_back({"SOP version index",
                                   "the file's index of SOP versions disagrees with its rows: the "
                                   "file is damaged or was edited outside SOP Vault; restore it "
                                   "from a backup"});
    }
    return {};
}

// Every person's password wrap: signed with their own key, KDF parameters not lowered, none
// missing (unlock checks only the unlocking person's; a doctored wrap must show here too).
Result<void> checkWraps(const VaultFile& file, const ReplayResult& replayed, VerifyReport& report)
{
    SOPVAULT_TRY(wraps, file.wraps());
    std::set<Id> wrapped;
    for (const auto& [idBytes, wrapBytes] : wraps) {
        const Id user = idFrom(idBytes);
        const UserState* u = idBytes.size() == user.size() ? replayed.state.user(user) : nullptr;
        if (u == nullptr) {
            if (replayed.adminSound) {
                report.problems.push_back({"stored keys", "keys of an unknown person are stored"});
            }
            continue;
        }
        const std::string where = fmt::format("stored keys of {}", u->name);
        if (u->removed) {
            // Removal deletes the wrap; one that is back was put there from an old copy of the
            // file, so the removed person's old password opens their old keys again.
            report.problems.push_back(
                {where, "they were removed from the vault, yet a password wrap of their keys is "
                        "stored (put back from an older copy of the file); restore from a "
                        "backup or remove that row"});
            continue;
        }
        wrapped.insert(user);
        auto wrap = decodeKeyWrap(wrapBytes);
        if (!wrap) {
            report.problems.push_back({where, wrap.error().message});
        } else if (!crypto::verify(u->signKey, keyWrapSigned(replayed.state.vaultId, user, *wrap),
                                   wrap->signature)) {
            report.problems.push_back(
                {where, "they were changed (their signature does not match); that person "
                        "cannot unlock"});
        } else if (auto params = crypto::checkKdfParams(wrap->params); !params) {
            report.problems.push_back({where, params.error().message});
        }
    }
    for (const auto& [id, u] : replayed.state.users) {
        if (!wrapped.contains(id) && !u.removed) {
            report.problems.push_back({fmt::format("stored keys of {}", u.name),
                                       "they are missing; that person cannot unlock"});
        }
    }
    return {};
}

} // namespace

Result<VerifyReport> Session::verify() const
{
    const Engine& e = *m_engine;
    // A fresh replay of the file as it is now, not the state this session started from; every
    // version's ciphertext this person can open is opened as the replay reads it.
    std::map<Id, Opened> opened;
    std::set<crypto::Hash32> blobsOpened;
    std::size_t attachments = 0;
    ReplayOptions how{.checkAuditLog = true};
    how.onVersion = [&](const Record& rec, const SopVersionPayload& payload) {
        Opened& o = opened[payload.sopId];
        auto content = e.openVersion(rec, payload);
        if (content) {
            o.ciphertexts += 1;
            crypto::wipe(content->body);
            // Tamper 16: each attachment the version lists opens, whole and in its place (a
            // blob shared by versions is the same bytes under the same key: opened once).
            for (const AttachmentRef& ref : content->attachments) {
                if (blobsOpened.contains(ref.blobId)) {
                    continue;
                }
                if (auto bytes = openBlob(e, payload.sopId, payload.collectionId, ref); !bytes) {
                    o.problems.push_back(
                        {fmt::format("SOP {} version {} attachment \"{}\"", toHex(payload.sopId),
                                     rec.header.position, ref.name),
                         bytes.error().message});
                } else {
                    blobsOpened.insert(ref.blobId);
                    attachments += 1;
                }
            }
        } else if (content.error().code == ErrorCode::Integrity) {
            o.problems.push_back(
                {fmt::format("SOP {} version {}", toHex(payload.sopId), rec.header.position),
                 content.error().message});
        } else {
            o.unreadable += 1;
        }
    };
    SOPVAULT_TRY(replayed, replay(e.file(), how));
    VerifyReport report;
    report.adminRecords = replayed.adminRecords;
    report.auditRecords = replayed.auditRecords;
    report.sopVersions = replayed.sopVersions;
    report.reviewRecords = replayed.eventRecords;
    for (auto& p : replayed.problems) {
        report.problems.push_back({std::move(p.record), std::move(p.problem)});
    }
    SOPVAULT_CHECK(checkVersionIndex(e.file(), replayed, report));
    // Problems found with this person's keys at unlock (shares, names, audit key).
    for (const auto& p : e.problems()) {
        const bool known = std::any_of(report.problems.begin(), report.problems.end(),
                                       [&](const auto& q) { return q.record == p.record; });
        if (!known) {
            report.problems.push_back(p);
        }
    }
    SOPVAULT_CHECK(checkWraps(e.file(), replayed, report));
    // Every version's ciphertext that this person can open (opened during the replay).
    for (auto& [id, sop] : replayed.state.sops) {
        auto o = opened.find(id);
        if (!sop.problem.empty() || o == opened.end()) {
            continue; // already reported once, with the version that failed
        }
        report.ciphertexts += o->second.ciphertexts;
        report.unreadable += o->second.unreadable;
        std::move(o->second.problems.begin(), o->second.problems.end(),
                  std::back_inserter(report.problems));
    }
    report.attachments = attachments;
    report.ok = report.problems.empty();
    return report;
}

} // namespace sopvault::core
