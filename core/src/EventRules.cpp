// The review and flag log's record kinds (sign-off, flag, flag resolution), one rule each
// beside what they share, and the audit entry's rule.
#include "Replay.h"
#include "Rules.h"
#include "RunRules.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace sopvault::core::detail {
namespace {

Result<void> checkSignoff(const EventContext& c)
{
    if (c.payload.decision != 1 && c.payload.decision != 2) {
        return bad("it records an unknown review decision");
    }
    if (!AccessPolicy(c.state).allows(c.record.header.signer, Right::Review,
                                      c.payload.collectionId)) {
        return bad(fmt::format("it is a sign-off by {}, who did not have 'review' on the "
                               "SOP's collection at that point",
                               c.signer.name));
    }
    return {};
}

Result<void> checkFlag(const EventContext& c)
{
    if (!AccessPolicy(c.state).allows(c.record.header.signer, Right::View,
                                      c.payload.collectionId) ||
        c.payload.encryptedText.empty()) {
        return bad("it is a flag by someone who could not view the SOP, or has no comment");
    }
    return {};
}

Result<void> checkFlagResolved(const EventContext& c)
{
    const auto& events = c.sop.events;
    const Id& flag = c.payload.flagId;
    const bool open = std::any_of(events.begin(), events.end(),
                                  [&](const EventState& e) {
                                      return e.kind == RecordKind::Flag && e.id == flag;
                                  }) &&
                      std::none_of(events.begin(), events.end(), [&](const EventState& e) {
                          return e.kind == RecordKind::FlagResolved && e.flagId == flag;
                      });
    if (!open) {
        return bad("it resolves a flag that does not exist or is already resolved");
    }
    if (!AccessPolicy(c.state).allows(c.record.header.signer, Right::Edit,
                                      c.payload.collectionId)) {
        return bad("it resolves a flag but its signer did not have 'edit' at that point");
    }
    return {};
}

Result<void> checkRun(const EventContext& c)
{
    return checkRunRecord(c.state, c.record, c.payload, c.sop, c.signer);
}

struct EventRule
{
    RecordKind kind;
    Result<void> (*check)(const EventContext& context);
};

constexpr std::array kEventRules{
    EventRule{RecordKind::Signoff, &checkSignoff},
    EventRule{RecordKind::Flag, &checkFlag},
    EventRule{RecordKind::FlagResolved, &checkFlagResolved},
    EventRule{RecordKind::AttestRequired, &checkAttestRequired},
    EventRule{RecordKind::Attestation, &checkAttestation},
    EventRule{RecordKind::MinorChange, &checkMinorChange},
    EventRule{RecordKind::RunStarted, &checkRun},
    EventRule{RecordKind::RunStep, &checkRun},
    EventRule{RecordKind::RunFinished, &checkRun},
};

const EventRule* eventRule(RecordKind kind)
{
    auto found = std::find_if(kEventRules.begin(), kEventRules.end(),
                              [&](const EventRule& r) { return r.kind == kind; });
    return found == kEventRules.end() ? nullptr : &*found;
}

} // namespace

// What every review or flag record must meet (its SOP, the version it is bound to, the current
// key, a member signer and their signature); then its kind's rule.
Result<EventPayload> checkEvent(const State& st, const Record& rec)
{
    const RecordHeader& h = rec.header;
    const EventRule* rule = eventRule(h.kind);
    if (rule == nullptr || h.vault != st.vaultId) {
        return bad("it is not a review or flag record of this vault");
    }
    if (h.adminCount > st.adminCount) {
        return bad("it refers to administration records this file does not hold");
    }
    SOPVAULT_TRY(p, decodeEvent(rec.payload));
    auto sop = st.sops.find(p.sopId);
    if (sop == st.sops.end() || !sop->second.problem.empty() ||
        sop->second.collection != p.collectionId) {
        return bad("it concerns a SOP that is unknown, damaged or in another collection");
    }
    if (p.version == 0 || p.version > sop->second.versions.size() ||
        sop->second.versions[p.version - 1].hash != p.versionHash) {
        return bad("it is not bound to a version of its SOP");
    }
    auto c = st.collections.find(p.collectionId);
    if (c == st.collections.end() || p.epoch != c->second.epoch) {
        return bad("its text is encrypted under a superseded collection key");
    }
    const UserState* signer = st.user(h.signer);
    if (signer == nullptr || signer->removed) {
        return bad("it is signed by someone who is not a member (or was removed)");
    }
    SOPVAULT_CHECK(verifySignature(signer->signKey, rec));
    SOPVAULT_CHECK(rule->check(EventContext{st, rec, p, sop->second, *signer}));
    return p;
}

void applyEvent(State& st, const Record& rec, const EventPayload& p)
{
    st.sops[p.sopId].events.push_back(EventState{
        rec.header.recordId, rec.header.kind, rec.header.signer, rec.header.time, p.version,
        p.decision, p.flagId, rec.hash(), rec.header.adminCount, rec.header.position});
}

Result<void> checkAudit(const State& st, const Record& rec, std::uint64_t position,
                        const crypto::Hash32& prev)
{
    const RecordHeader& h = rec.header;
    if (h.kind != RecordKind::AuditEvent || h.vault != st.vaultId) {
        return bad("it is not an audit entry of this vault");
    }
    if (h.position != position || h.prev != prev) {
        return bad("it does not chain to the entry before it (reordered, removed or inserted "
                   "entries)");
    }
    const UserState* signer = st.user(h.signer);
    if (signer == nullptr) {
        return bad("it is signed by someone who is not a member");
    }
    SOPVAULT_CHECK(verifySignature(signer->signKey, rec));
    SOPVAULT_TRY(payload, decodeAudit(rec.payload));
    (void)payload;
    return {};
}

} // namespace sopvault::core::detail
