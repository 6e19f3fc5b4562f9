// The rule of a SOP version, one for both ways a version reaches replay: read from the file
// (checkVersion, also the live write path) or taken from this machine's verified cache.
#include "Replay.h"
#include "Rules.h"

#include <fmt/format.h>

namespace sopvault::core::detail {
namespace {

// What a version claims about its place, from its header and payload or from the cache.
struct VersionClaim
{
    Id sop{};
    std::uint64_t version = 0;
    Id collection{};
    std::uint32_t epoch = 0;
    std::uint64_t adminCount = 0;
    Id author{};
    // From the file: its chain link and the record whose signature to verify (null: the
    // signature was checked before, and a cached entry's hash commits to its chain).
    const crypto::Hash32* prev = nullptr;
    const Record* verify = nullptr;
};

// A version must follow the last accepted version of its SOP (or be the first of a new one),
// in the same collection, at no earlier point of the administration log.
Result<void> checkFollows(const State& st, const VersionClaim& v)
{
    auto sop = st.sops.find(v.sop);
    if (v.version == 1) {
        if (sop != st.sops.end() || (v.prev != nullptr && *v.prev != crypto::Hash32{})) {
            return bad("it claims to be the first version of a SOP that already has one");
        }
        return {};
    }
    if (sop == st.sops.end() || sop->second.versions.empty()) {
        return bad("its earlier versions are missing");
    }
    if (!sop->second.problem.empty()) {
        return bad("it follows a damaged version");
    }
    const VersionState& last = sop->second.versions.back();
    if (v.version != last.version + 1 || (v.prev != nullptr && *v.prev != last.hash)) {
        return bad("it does not chain to the version before it (rolled back, replaced or "
                   "reordered)");
    }
    if (v.adminCount < last.adminCount || v.collection != sop->second.collection) {
        return bad("it contradicts the version before it");
    }
    return {};
}

// The security rules of a SOP version at its point in the log: a known collection, its place
// in the SOP's chain, the current collection key, a member signer holding 'edit' there.
Result<void> checkVersionRule(const State& st, const VersionClaim& v)
{
    if (v.adminCount > st.adminCount) {
        return bad("it refers to administration records this file does not hold");
    }
    auto c = st.collections.find(v.collection);
    if (c == st.collections.end()) {
        return bad("it belongs to an unknown collection");
    }
    SOPVAULT_CHECK(checkFollows(st, v));
    const UserState* signer = st.user(v.author);
    if (signer == nullptr) {
        return bad("it is signed by someone who is not a member");
    }
    if (v.verify != nullptr) {
        SOPVAULT_CHECK(verifySignature(signer->signKey, *v.verify));
    }
    // Rights before the key epoch: someone removed cannot hold the rotated key, and what they
    // signed is a refused act, not a damaged record.
    if (signer->removed) {
        return unauthorised(fmt::format("it was signed by {} after their removal", signer->name));
    }
    if (!AccessPolicy(st).allows(v.author, Right::Edit, v.collection)) {
        return unauthorised(fmt::format("it was signed by {}, who did not have 'edit' on its "
                                        "collection at that point",
                                        signer->name));
    }
    if (v.epoch != c->second.epoch) {
        return bad("it is encrypted under a superseded collection key");
    }
    return {};
}

} // namespace

Result<SopVersionPayload> checkVersion(const State& st, const Record& rec, SignatureCheck signature)
{
    const RecordHeader& h = rec.header;
    if (h.kind != RecordKind::SopVersion) {
        return bad("it is not a SOP version");
    }
    if (h.vault != st.vaultId) {
        return bad("it belongs to a different vault");
    }
    if (h.adminCount > st.adminCount) {
        return bad("it refers to administration records this file does not hold");
    }
    SOPVAULT_TRY(p, decodeSopVersion(rec.payload));
    SOPVAULT_CHECK(checkVersionRule(
        st, VersionClaim{p.sopId, h.position, p.collectionId, p.epoch, h.adminCount, h.signer,
                         &h.prev, signature == SignatureCheck::Verify ? &rec : nullptr}));
    return p;
}

Result<void> checkCachedVersion(const State& st, const Id& sopId, const VersionState& v)
{
    return checkVersionRule(st, VersionClaim{sopId, v.version, v.collection, v.epoch, v.adminCount,
                                             v.author, nullptr, nullptr});
}

void applyVersion(State& st, const Record& rec, const SopVersionPayload& p)
{
    applyVersion(st, p.sopId,
                 VersionState{rec.header.position, rec.hash(), rec.header.signer, rec.header.time,
                              rec.header.adminCount, p.collectionId, p.epoch, false});
}

void applyVersion(State& st, const Id& sopId, const VersionState& v)
{
    SopRecordState& sop = st.sops[sopId];
    sop.id = sopId;
    sop.collection = v.collection;
    sop.versions.push_back(v);
}

} // namespace sopvault::core::detail
