// Fuzz target: a valid vault file, mutated, read the way unlock reads it before any key
// derivation: storage open and migrations, replay of every log with all checks (audit log
// included), and every person's password wrap decoded and checked against their signing key.
// Cheaper than FuzzVaultOpen (no Argon2id), so it runs thousands of times faster. Then the same
// file again through the two ways unlock replays it (the administration log alone, then the rest
// with a verified cache made from the first replay), which must agree with the full replay.
#include "Fuzz.h"
#include "LocalState.h"
#include "Records.h"
#include "Replay.h"

#include "sopvault/crypto/Crypto.h"

#include <algorithm>
#include <chrono>

using namespace sopvault;
using namespace sopvault::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static fuzz::ScratchDir scratch;
    const auto file = scratch.write("vault.sopvault", {data, size});
    {
        auto db = storage::Database::open(file, storage::OpenMode::OpenExisting,
                                          std::chrono::milliseconds(0));
        if (db) {
            auto replayed = detail::replay(*db, detail::ReplayOptions{.checkAuditLog = true});
            if (replayed) {
                fuzz::check(replayed->adminSound || !replayed->problems.empty(),
                            "an unsound administration log without a problem to show");
                const detail::State& full = replayed->state;
                auto admin = detail::replay(*db, detail::ReplayOptions{.administrationOnly = true});
                fuzz::check(admin && admin->state.adminHashes == full.adminHashes &&
                                admin->adminSound == replayed->adminSound,
                            "the administration-only replay disagrees with the full one");
                // A returning unlock learns which versions exist from the primary key's index;
                // where a damaged file's index disagrees with its rows (verify reports that),
                // the two replays may differ.
                auto rows = replayed->versionRows;
                std::sort(rows.begin(), rows.end());
                auto indexed = detail::indexedVersions(*db);
                if (indexed) {
                    std::sort(indexed->begin(), indexed->end());
                }
                if (indexed && *indexed == rows) {
                    const detail::VerifiedCache cache = detail::cacheOf(full, {});
                    auto cached = detail::replay(
                        *db, detail::ReplayOptions{.cache = &cache,
                                                   .verifiedAdmin = &admin->state.adminHashes});
                    fuzz::check(cached.has_value(),
                                "the cached replay failed where the full one did not");
                    fuzz::check(cached->state.sops.size() == full.sops.size(),
                                "the cached replay sees other SOPs");
                    for (const auto& [sopId, sop] : full.sops) {
                        auto other = cached->state.sops.find(sopId);
                        fuzz::check(
                            other != cached->state.sops.end() &&
                                other->second.problem.empty() == sop.problem.empty() &&
                                other->second.versions.size() == sop.versions.size() &&
                                (sop.versions.empty() ||
                                 other->second.versions.back().hash == sop.versions.back().hash),
                            "the cached replay disagrees with the full one about a SOP");
                    }
                }
                for (const auto& [id, user] : replayed->state.users) {
                    auto stmt = db->prepare("SELECT wrap FROM user_keys WHERE user_id = ?");
                    if (!stmt) {
                        break;
                    }
                    stmt->bind(1, crypto::ByteView(id));
                    if (auto row = stmt->step(); row && *row) {
                        if (auto wrap = detail::decodeKeyWrap(stmt->columnBytes(0))) {
                            (void)crypto::verify(
                                user.signKey,
                                detail::keyWrapSigned(replayed->state.vaultId, id, *wrap),
                                wrap->signature);
                            (void)crypto::checkKdfParams(wrap->params);
                        }
                    }
                }
            } else {
                fuzz::check(!replayed.error().message.empty(), "replay failed without a message");
            }
        } else {
            fuzz::check(!db.error().message.empty(), "open failed without a message");
        }
    }
    scratch.clear();
    return 0;
}
