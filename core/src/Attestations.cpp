// Read attestations (product.md feature 16): who must read a SOP, "I have read version N"
// signed by the reader, minor changes that carry attestations over, and who is still due by
// when. Records of the review and flag log; their rules are here, dispatched from EventRules.
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "Rules.h"
#include "Templates.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace sopvault::core {

using namespace detail;

namespace detail {

Result<void> checkAttestRequired(const EventContext& c)
{
    if (c.payload.decision < 1 || c.payload.decision > kMaxAttestDays ||
        c.payload.encryptedText.empty()) {
        return bad("it requires an attestation without a role or with a window outside 1-255 "
                   "days");
    }
    if (!AccessPolicy(c.state).allows(c.record.header.signer, Right::Edit,
                                      c.payload.collectionId)) {
        return bad(fmt::format("it requires an attestation but {} did not have 'edit' on the "
                               "SOP's collection at that point",
                               c.signer.name));
    }
    return {};
}

Result<void> checkAttestation(const EventContext& c)
{
    if (c.payload.decision != 0 || c.payload.flagId != Id{}) {
        return bad("it is an attestation with fields attestations do not have");
    }
    if (!AccessPolicy(c.state).allows(c.record.header.signer, Right::View,
                                      c.payload.collectionId)) {
        return bad(fmt::format("it is an attestation by {}, who could not view the SOP at that "
                               "point",
                               c.signer.name));
    }
    return {};
}

Result<void> checkMinorChange(const EventContext& c)
{
    if (c.payload.decision != 0 || c.payload.version < 2) {
        return bad("it marks as minor a first version, or has fields the mark does not have");
    }
    if (!AccessPolicy(c.state).allows(c.record.header.signer, Right::Edit,
                                      c.payload.collectionId)) {
        return bad("it marks a change as minor but its signer did not have 'edit' at that point");
    }
    return {};
}

Result<void> markMinor(Engine& e, const Id& sop, std::uint64_t version)
{
    AuditNote n{"minor-change", sop, true, {}};
    n.detail.note = fmt::format("version {} is minor: attestations carry over", version);
    SOPVAULT_TRY(written,
                 e.writes().writeEvent(RecordKind::MinorChange, sop, version, 0, Id{}, "", n));
    (void)written;
    return {};
}

} // namespace detail

namespace {

struct Requirement
{
    std::uint32_t days = 0;
    Timestamp time = 0;
};

// The oldest version whose attestation still covers `current`: every version after it is
// marked minor.
std::uint64_t coveringBase(const SopRecordState& sop, std::uint64_t current)
{
    std::uint64_t base = current;
    while (base > 1 && std::any_of(sop.events.begin(), sop.events.end(), [&](const EventState& e) {
               return e.kind == RecordKind::MinorChange && e.version == base;
           })) {
        base -= 1;
    }
    return base;
}

void sortRows(std::vector<AttestationStatus>& rows)
{
    std::sort(rows.begin(), rows.end(), [](const AttestationStatus& a, const AttestationStatus& b) {
        return std::tie(a.due, a.title, a.user) < std::tie(b.due, b.title, b.user);
    });
}

} // namespace

namespace detail {

// The rows of one SOP: everyone who holds a required role on it (or only this person when
// `everyone` is false).
Result<void> attestationsOf(const Engine& e, const Id& id, const SopRecordState& sop, bool everyone,
                            Timestamp asOf, std::vector<AttestationStatus>& out)
{
    const bool any = std::any_of(sop.events.begin(), sop.events.end(), [](const EventState& ev) {
        return ev.kind == RecordKind::AttestRequired;
    });
    if (!any && sop.eventProblem.empty()) {
        return {};
    }
    SOPVAULT_CHECK(e.requireSoundEvents(&sop));
    std::map<std::string, Requirement> required; // by role; a later one replaces an earlier
    for (const EventState& ev : sop.events) {
        if (ev.kind == RecordKind::AttestRequired) {
            SOPVAULT_TRY(role, e.readEventText(sop, ev));
            required[role] = Requirement{ev.decision, ev.time};
        }
    }
    if (required.empty()) {
        return {};
    }
    SOPVAULT_TRY(head, e.headLine(id, sop));
    if (head.state != SopState::Published) {
        return {};
    }
    const VersionState& current = *sop.shownVersion();
    const std::uint64_t base = coveringBase(sop, current.version);
    const Timestamp readFrom = sop.versions[base - 1].time;
    const State& st = e.state();
    const AccessPolicy policy = e.policy();
    std::map<Id, AttestationStatus> rows;
    for (const GrantState& g : st.grants) {
        auto req = required.find(g.role);
        const UserState* u = st.user(g.user);
        if (req == required.end() || u == nullptr || u->removed ||
            !st.isWithin(sop.collection, g.collection) ||
            !policy.allows(g.user, Right::View, sop.collection) ||
            (!everyone && g.user != e.me())) {
            continue;
        }
        const Timestamp due = reviewDueAt(std::max(readFrom, req->second.time), req->second.days);
        auto [row, added] = rows.try_emplace(g.user);
        if (added || due < row->second.due) {
            row->second.due = due;
            row->second.role = g.role;
        }
        row->second.user = u->name;
    }
    for (auto& [user, row] : rows) {
        row.sop = id;
        row.title = head.title;
        row.version = current.version;
        for (const EventState& ev : sop.events) {
            if (ev.kind == RecordKind::Attestation && ev.author == user && ev.version >= base &&
                ev.version <= current.version) {
                row.attested = ev.time;
            }
        }
        row.overdue = !row.attested && reviewStatus(row.due, asOf, 0) == ReviewStatus::Overdue;
        out.push_back(std::move(row));
    }
    return {};
}

} // namespace detail

Result<void> Session::requireAttestation(const Id& sopId, std::string_view role,
                                         std::uint32_t withinDays)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.policy().require(e.me(), Right::Edit, sop->collection));
    SOPVAULT_CHECK(e.requireSoundEvents(sop));
    if (!e.state().roleRights(role)) {
        return fail(ErrorCode::Usage,
                    fmt::format("There is no role named '{}'; 'role list' shows them.", role));
    }
    if (withinDays < 1 || withinDays > kMaxAttestDays) {
        return fail(ErrorCode::Usage,
                    fmt::format("The window must be 1 to {} days (--within).", kMaxAttestDays));
    }
    const std::uint64_t current = sop->shownVersion()->version;
    SOPVAULT_TRY(head, e.headLine(sopId, *sop));
    AuditNote n{"attest-require", sopId, true, {}};
    n.detail.title = head.title;
    n.detail.note = fmt::format("role {} within {} days", role, withinDays);
    SOPVAULT_TRY(written,
                 e.writes().writeEvent(RecordKind::AttestRequired, sopId, current,
                                       static_cast<std::uint8_t>(withinDays), Id{}, role, n));
    (void)written;
    return {};
}

Result<std::uint64_t> Session::attest(const Id& sopId)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.requireSoundEvents(sop));
    const std::uint64_t current = sop->shownVersion()->version;
    SOPVAULT_TRY(head, e.headLine(sopId, *sop));
    if (head.state != SopState::Published) {
        return fail(ErrorCode::Usage,
                    fmt::format("Version {} of '{}' is not published; only the current "
                                "published version can be attested.",
                                current, head.title));
    }
    const std::uint64_t base = coveringBase(*sop, current);
    const bool already = std::any_of(sop->events.begin(), sop->events.end(), [&](const auto& ev) {
        return ev.kind == RecordKind::Attestation && ev.author == e.me() && ev.version >= base;
    });
    if (already) {
        return fail(ErrorCode::Failed, fmt::format("You have already attested version {} of '{}'.",
                                                   current, head.title));
    }
    AuditNote n{"attest", sopId, true, {}};
    n.detail.title = head.title;
    n.detail.note = fmt::format("read version {}", current);
    SOPVAULT_TRY(written,
                 e.writes().writeEvent(RecordKind::Attestation, sopId, current, 0, Id{}, "", n));
    (void)written;
    return current;
}

Result<std::vector<AttestationStatus>> Session::attestationStatus(std::optional<Id> sopId,
                                                                  Timestamp asOf) const
{
    const Engine& e = *m_engine;
    std::vector<AttestationStatus> out;
    if (sopId) {
        SOPVAULT_TRY(sop, e.viewableSop(*sopId));
        SOPVAULT_CHECK(attestationsOf(
            e, *sopId, *sop, e.policy().allows(e.me(), Right::Edit, sop->collection), asOf, out));
    } else {
        for (const auto& [id, sop] : e.state().sops) {
            if (!sop.readable() || !e.policy().allows(e.me(), Right::View, sop.collection)) {
                continue;
            }
            SOPVAULT_CHECK(attestationsOf(
                e, id, sop, e.policy().allows(e.me(), Right::Edit, sop.collection), asOf, out));
        }
    }
    sortRows(out);
    return out;
}

Result<std::vector<AttestationStatus>> Session::myAttestationsDue(Timestamp asOf) const
{
    const Engine& e = *m_engine;
    std::vector<AttestationStatus> out;
    for (const auto& [id, sop] : e.state().sops) {
        if (!sop.readable() || !e.policy().allows(e.me(), Right::View, sop.collection)) {
            continue;
        }
        SOPVAULT_CHECK(attestationsOf(e, id, sop, false, asOf, out));
    }
    std::erase_if(out, [](const AttestationStatus& r) { return r.attested.has_value(); });
    sortRows(out);
    return out;
}

} // namespace sopvault::core
