// Reviews and flags: schedules computed from sign-off records, signed sign-offs bound to the
// exact version, the quarter report, and KCS flags with their resolutions.
#include "sopvault/core/Reviews.h"
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "Templates.h"
#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <tuple>

namespace sopvault::core {

using namespace detail;

namespace {
constexpr std::int64_t kDay = 86400;
constexpr std::size_t kMaxCommentBytes = 4000;

std::int64_t dayOf(Timestamp t)
{
    return t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
}

Result<void> validateComment(std::string_view text, bool required)
{
    if (required && text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return fail(ErrorCode::Usage, "Say what is wrong: a comment is required.");
    }
    if (text.size() > kMaxCommentBytes || !isValidUtf8(text)) {
        return fail(
            ErrorCode::Usage,
            fmt::format("A comment must be UTF-8 text of at most {} bytes.", kMaxCommentBytes));
    }
    return {};
}
} // namespace

std::string_view decisionName(ReviewDecision d)
{
    return d == ReviewDecision::Approved ? "approved" : "changes-requested";
}

Result<ReviewDecision> parseDecision(std::string_view name)
{
    if (name == "approved") {
        return ReviewDecision::Approved;
    }
    if (name == "changes-requested") {
        return ReviewDecision::ChangesRequested;
    }
    return fail(ErrorCode::Usage,
                fmt::format("Unknown decision '{}'; use approved or changes-requested.", name));
}

std::string_view quarterRowKindName(QuarterRowKind kind)
{
    return kind == QuarterRowKind::Signoff ? "signoff" : "due";
}

std::string_view statusName(ReviewStatus s)
{
    switch (s) {
    case ReviewStatus::Ok:
        return "ok";
    case ReviewStatus::DueSoon:
        return "due-soon";
    case ReviewStatus::Due:
        return "due";
    case ReviewStatus::Overdue:
        return "overdue";
    }
    return "ok";
}

Timestamp reviewDueAt(Timestamp base, std::uint32_t intervalDays)
{
    return base + static_cast<std::int64_t>(intervalDays) * kDay;
}

ReviewStatus reviewStatus(Timestamp due, Timestamp asOf, std::uint64_t dueSoonDays)
{
    const std::int64_t left = dayOf(due) - dayOf(asOf);
    if (left < 0) {
        return ReviewStatus::Overdue;
    }
    if (left == 0) {
        return ReviewStatus::Due;
    }
    if (static_cast<std::uint64_t>(left) <= dueSoonDays) {
        return ReviewStatus::DueSoon;
    }
    return ReviewStatus::Ok;
}

Result<Quarter> parseQuarter(std::string_view text)
{
    int year = 0;
    int q = 0;
    char tail = 0;
    const std::string copy(text);
    if (text.size() != 7 || std::sscanf(copy.c_str(), "%4d-Q%1d%c", &year, &q, &tail) != 2 ||
        q < 1 || q > 4) {
        return fail(ErrorCode::Usage, fmt::format("'{}' is not a quarter (e.g. 2027-Q1).", text));
    }
    using namespace std::chrono;
    auto start = sys_days{year_month_day{std::chrono::year{year},
                                         month{static_cast<unsigned>(3 * (q - 1) + 1)}, day{1}}};
    auto end =
        sys_days{year_month_day{std::chrono::year{q == 4 ? year + 1 : year},
                                month{static_cast<unsigned>(q == 4 ? 1 : 3 * q + 1)}, day{1}}};
    return Quarter{start.time_since_epoch().count() * kDay, end.time_since_epoch().count() * kDay};
}

namespace {

// A SOP's approving sign-offs in time order (ties keep log order): the newest is what the next
// review is due from, for the due date, the schedule and the quarter report alike.
std::vector<const EventState*> approvalsInOrder(const SopRecordState& sop)
{
    std::vector<const EventState*> approvals;
    for (const EventState& ev : sop.events) {
        if (ev.kind == RecordKind::Signoff &&
            ev.decision == static_cast<std::uint8_t>(ReviewDecision::Approved)) {
            approvals.push_back(&ev);
        }
    }
    std::stable_sort(approvals.begin(), approvals.end(),
                     [](const EventState* a, const EventState* b) { return a->time < b->time; });
    return approvals;
}

// The state of one SOP's schedule: creation, approvals in time order, interval and reviewer.
struct Schedule
{
    Timestamp created = 0;
    std::vector<const EventState*> approvals;
    std::uint32_t interval = 90;
    std::string reviewer;
    SopState state = SopState::Draft;
    std::string title;
};

Result<Schedule> scheduleOf(const Engine& e, const SopRecordState& sop)
{
    SOPVAULT_TRY(head, e.headLine(sop.id, sop));
    Schedule s;
    s.created = sop.versions.front().time;
    s.interval = head.reviewEveryDays;
    s.reviewer = head.reviewer;
    s.state = head.state;
    s.title = head.title;
    s.approvals = approvalsInOrder(sop);
    return s;
}

} // namespace

Timestamp detail::reviewDue(const SopRecordState& sop, std::uint32_t intervalDays)
{
    const auto approvals = approvalsInOrder(sop);
    const Timestamp base = !approvals.empty()     ? approvals.back()->time
                           : sop.versions.empty() ? 0
                                                  : sop.versions.front().time;
    return reviewDueAt(base, intervalDays);
}

namespace {

bool isFlagResolved(const SopRecordState& sop, const EventState& flag)
{
    return sop.versions.back().version > flag.version ||
           std::any_of(sop.events.begin(), sop.events.end(), [&](const EventState& e) {
               return e.kind == RecordKind::FlagResolved && e.flagId == flag.id;
           });
}

// Whether this person is the SOP's assigned reviewer (anyone with `review` if none is named).
bool assignedTo(const Engine& e, const SopRecordState& sop, const std::string& reviewer)
{
    if (reviewer.empty()) {
        return true;
    }
    if (reviewer.front() != '@') {
        return reviewer == e.myName();
    }
    const std::string role = reviewer.substr(1);
    return std::any_of(e.state().grants.begin(), e.state().grants.end(), [&](const GrantState& g) {
        return g.user == e.me() && g.role == role &&
               e.state().isWithin(sop.collection, g.collection);
    });
}

} // namespace

std::size_t detail::openFlags(const SopRecordState& sop)
{
    return static_cast<std::size_t>(
        std::count_if(sop.events.begin(), sop.events.end(), [&](const EventState& ev) {
            return ev.kind == RecordKind::Flag && !isFlagResolved(sop, ev);
        }));
}

Timestamp Session::now() const
{
    return m_engine->clock().now();
}

std::uint64_t Session::dueSoonDays() const
{
    return m_engine->state().dueSoonDays;
}

Result<void> Session::setDueSoonDays(std::uint32_t days)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "change review settings"));
    if (days > 365) {
        return fail(ErrorCode::Usage, "The due-soon window must be at most 365 days.");
    }
    AuditNote n{"setting", {}, false, {}};
    n.detail.note = fmt::format("review due-soon window = {} days", days);
    return e.writes().commitAdmin(RecordKind::Setting,
                                  encode(SettingPayload{std::string(kDueSoonSetting), days}), n);
}

Result<std::vector<ReviewItem>> Session::reviewsDue(Timestamp asOf,
                                                    std::optional<std::uint32_t> withinDays) const
{
    const Engine& e = *m_engine;
    SOPVAULT_CHECK(e.requireSoundEvents(nullptr));
    std::vector<ReviewItem> out;
    for (const auto& [id, sop] : e.state().sops) {
        if (!sop.readable() || !e.policy().allows(e.me(), Right::Review, sop.collection)) {
            continue;
        }
        SOPVAULT_TRY(s, scheduleOf(e, sop));
        if (s.state == SopState::Archived || !assignedTo(e, sop, s.reviewer)) {
            continue;
        }
        if (!sop.eventProblem.empty()) {
            // Listed whatever its dates say: a hidden "changes requested" must not pass as ok.
            ReviewItem item;
            item.id = id;
            item.title = s.title;
            item.collection = e.pathOf(sop.collection);
            item.reviewer = s.reviewer;
            item.headVersion = sop.versions.back().version;
            item.damaged = true;
            item.problem = sop.eventProblem;
            out.push_back(std::move(item));
            continue;
        }
        ReviewItem item;
        item.id = id;
        item.title = s.title;
        item.collection = e.pathOf(sop.collection);
        item.due = reviewDue(sop, s.interval);
        item.status = reviewStatus(item.due, asOf, e.state().dueSoonDays);
        item.reviewer = s.reviewer;
        item.headVersion = sop.versions.back().version;
        if (!s.approvals.empty()) {
            item.lastApprovedVersion = s.approvals.back()->version;
            item.changedSinceReview = *item.lastApprovedVersion != item.headVersion;
        }
        item.openFlags = openFlags(sop);
        const bool listed = withinDays ? dayOf(item.due) - dayOf(asOf) <= *withinDays
                                       : item.status != ReviewStatus::Ok;
        if (listed) {
            out.push_back(std::move(item));
        }
    }
    // The person's own reads to attest, beside the reviews (one list of reminders).
    for (const auto& [id, sop] : e.state().sops) {
        if (!sop.readable() || !sop.eventProblem.empty() ||
            !e.policy().allows(e.me(), Right::View, sop.collection)) {
            continue;
        }
        std::vector<AttestationStatus> mine;
        SOPVAULT_CHECK(attestationsOf(e, id, sop, false, asOf, mine));
        for (const AttestationStatus& a : mine) {
            ReviewItem item;
            item.id = id;
            item.title = a.title;
            item.collection = e.pathOf(sop.collection);
            item.due = a.due;
            item.status = reviewStatus(a.due, asOf, e.state().dueSoonDays);
            item.reviewer = a.user;
            item.headVersion = a.version;
            item.attestation = true;
            const bool listed = withinDays ? dayOf(item.due) - dayOf(asOf) <= *withinDays
                                           : item.status != ReviewStatus::Ok;
            if (!a.attested && listed) {
                out.push_back(std::move(item));
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.due, a.title) < std::tie(b.due, b.title);
    });
    return out;
}

Result<void> Session::signOff(const Id& sopId, ReviewDecision decision, std::string_view comment,
                              std::optional<std::uint64_t> version)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.policy().require(e.me(), Right::Review, sop->collection));
    SOPVAULT_CHECK(validateComment(comment, false));
    const std::uint64_t n = version.value_or(sop->versions.back().version);
    if (n == 0 || n > sop->versions.size()) {
        return fail(ErrorCode::NotFound, fmt::format("This SOP has no version {}.", n));
    }
    SOPVAULT_TRY(content, e.readContent(sopId, n));
    AuditNote note{"review-signoff", sopId, true, {}};
    note.detail.title = content.title;
    note.detail.note = fmt::format("{} version {}", decisionName(decision), n);
    SOPVAULT_TRY(id,
                 e.writes().writeEvent(RecordKind::Signoff, sopId, n,
                                       static_cast<std::uint8_t>(decision), Id{}, comment, note));
    (void)id;
    return {};
}

Result<std::vector<ReviewRecord>> Session::reviewHistory(const Id& sopId) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.requireSoundEvents(sop));
    std::vector<ReviewRecord> out;
    for (const EventState& ev : sop->events) {
        if (ev.kind != RecordKind::Signoff) {
            continue;
        }
        SOPVAULT_TRY(comment, e.readEventText(*sop, ev));
        out.push_back({ev.version, e.userName(ev.author), static_cast<ReviewDecision>(ev.decision),
                       std::move(comment), ev.time});
    }
    return out;
}

Result<std::string> Session::changesSinceReview(const Id& sopId)
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.requireSoundEvents(sop));
    SOPVAULT_TRY(s, scheduleOf(e, *sop));
    if (s.approvals.empty()) {
        return std::string();
    }
    const std::uint64_t approved = s.approvals.back()->version;
    const std::uint64_t head = sop->versions.back().version;
    if (approved == head) {
        return std::string();
    }
    return diffAudited(sopId, approved, head, "changes-since-review");
}

namespace {

// The due dates of one SOP that fall in `quarter`, each with the approval that met it. Each
// approval (in time order) meets the next due date and starts the next cycle from its own time,
// the rule reviewDue applies. An approval on the day its cycle started (a SOP approved
// the day it was written) starts a cycle due on the same day: that day's row reports the newer
// cycle, the one `review due` shows, and the approval itself is a sign-off row of its quarter.
void dueRows(const Engine& e, const Id& id, const SopRecordState& sop, const Schedule& s,
             const Quarter& quarter, Timestamp asOf, std::vector<QuarterRow>& out)
{
    Timestamp base = s.created;
    std::size_t next = 0;
    std::optional<Timestamp> previousDue;
    const std::size_t firstRow = out.size();
    // Bounded: one due date per interval, and intervals are at least a day.
    for (int guard = 0; guard < 20000; ++guard) {
        const Timestamp due = reviewDueAt(base, s.interval);
        if (due >= quarter.end) {
            return;
        }
        const EventState* approval = next < s.approvals.size() ? s.approvals[next] : nullptr;
        const bool repeat = previousDue && dayOf(*previousDue) == dayOf(due);
        previousDue = due;
        if (repeat && out.size() > firstRow) {
            out.pop_back();
        }
        if (due >= quarter.start) {
            QuarterRow row;
            row.sop = id;
            row.title = s.title;
            row.collection = e.pathOf(sop.collection);
            row.due = due;
            if (approval != nullptr) {
                row.outcome = dayOf(approval->time) <= dayOf(due) ? "signed-off" : "late";
                row.signedBy = e.userName(approval->author);
                row.signedAt = approval->time;
                row.version = approval->version;
                row.decision = ReviewDecision::Approved;
            } else {
                row.outcome = dayOf(due) < dayOf(asOf) ? "missed" : "pending";
            }
            out.push_back(std::move(row));
        }
        if (approval == nullptr) {
            return;
        }
        base = approval->time;
        ++next;
    }
}

// Every sign-off of one SOP made in `quarter` (approved or changes requested), with the due
// date in force when it was made: an auditor asks what was signed off, not only what was due.
void signoffRows(const Engine& e, const Id& id, const SopRecordState& sop, const Schedule& s,
                 const Quarter& quarter, std::vector<QuarterRow>& out)
{
    for (const EventState& ev : sop.events) {
        if (ev.kind != RecordKind::Signoff || ev.time < quarter.start || ev.time >= quarter.end) {
            continue;
        }
        Timestamp base = s.created;
        for (const EventState* approval : s.approvals) {
            if (approval->time < ev.time) {
                base = approval->time;
            }
        }
        const auto decision = static_cast<ReviewDecision>(ev.decision);
        QuarterRow row;
        row.kind = QuarterRowKind::Signoff;
        row.sop = id;
        row.title = s.title;
        row.collection = e.pathOf(sop.collection);
        row.due = reviewDueAt(base, s.interval);
        row.outcome = std::string(decisionName(decision));
        row.signedBy = e.userName(ev.author);
        row.signedAt = ev.time;
        row.version = ev.version;
        row.decision = decision;
        out.push_back(std::move(row));
    }
}

} // namespace

Result<std::vector<QuarterRow>> Session::quarterReport(std::string_view quarterText,
                                                       Timestamp asOf) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(quarter, parseQuarter(quarterText));
    SOPVAULT_CHECK(e.requireSoundEvents(nullptr));
    std::vector<QuarterRow> out;
    for (const auto& [id, sop] : e.state().sops) {
        if (!sop.readable() || !e.policy().allows(e.me(), Right::View, sop.collection)) {
            continue;
        }
        // A report that left out a damaged SOP would read as complete: fail closed instead.
        SOPVAULT_CHECK(e.requireSoundEvents(&sop));
        SOPVAULT_TRY(s, scheduleOf(e, sop));
        dueRows(e, id, sop, s, quarter, asOf, out);
        signoffRows(e, id, sop, s, quarter, out);
    }
    // One timeline: a due date by its day, a sign-off by when it was made.
    const auto when = [](const QuarterRow& r) {
        return r.kind == QuarterRowKind::Signoff ? r.signedAt.value_or(r.due) : r.due;
    };
    std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
        return std::tuple(when(a), a.title, a.kind) < std::tuple(when(b), b.title, b.kind);
    });
    return out;
}

Result<Id> Session::flag(const Id& sopId, std::string_view comment)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(validateComment(comment, true));
    const std::uint64_t head = sop->versions.back().version;
    SOPVAULT_TRY(content, e.readContent(sopId, head));
    AuditNote note{"flag", sopId, true, {}};
    note.detail.title = content.title;
    return e.writes().writeEvent(RecordKind::Flag, sopId, head, 0, Id{}, comment, note);
}

Result<void> Session::resolveFlag(const Id& flagId, std::string_view text)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.requireSoundEvents(nullptr));
    for (const auto& [id, sop] : e.state().sops) {
        for (const EventState& ev : sop.events) {
            if (ev.kind != RecordKind::Flag || ev.id != flagId) {
                continue;
            }
            SOPVAULT_TRY(visible, e.viewableSop(id));
            SOPVAULT_CHECK(e.policy().require(e.me(), Right::Edit, visible->collection));
            SOPVAULT_CHECK(validateComment(text, true));
            if (isFlagResolved(sop, ev)) {
                return fail(ErrorCode::Failed, "This flag is already resolved.");
            }
            AuditNote note{"flag-resolved", id, true, {}};
            note.detail.note = std::string(text);
            SOPVAULT_TRY(written, e.writes().writeEvent(RecordKind::FlagResolved, id,
                                                        visible->versions.back().version, 0, flagId,
                                                        text, note));
            (void)written;
            return {};
        }
    }
    // The flag may be one a damaged record hides.
    for (const auto& [id, sop] : e.state().sops) {
        if (!sop.eventProblem.empty() && e.policy().allows(e.me(), Right::View, sop.collection)) {
            SOPVAULT_CHECK(e.requireSoundEvents(&sop));
        }
    }
    return fail(ErrorCode::NotFound, "There is no such flag on a SOP you can see.");
}

Result<std::vector<FlagInfo>> Session::flags(bool openOnly) const
{
    const Engine& e = *m_engine;
    SOPVAULT_CHECK(e.requireSoundEvents(nullptr));
    std::vector<FlagInfo> out;
    for (const auto& [id, sop] : e.state().sops) {
        if (!sop.readable() || !e.policy().allows(e.me(), Right::View, sop.collection)) {
            continue;
        }
        if (!sop.eventProblem.empty()) {
            SOPVAULT_TRY(head, e.headLine(id, sop));
            FlagInfo f;
            f.sop = id;
            f.sopTitle = head.title;
            f.collection = e.pathOf(sop.collection);
            f.damaged = true;
            f.problem = sop.eventProblem;
            out.push_back(std::move(f));
            continue;
        }
        for (const EventState& ev : sop.events) {
            if (ev.kind != RecordKind::Flag) {
                continue;
            }
            const bool resolved = isFlagResolved(sop, ev);
            if (openOnly && resolved) {
                continue;
            }
            SOPVAULT_TRY(comment, e.readEventText(sop, ev));
            SOPVAULT_TRY(head, e.headLine(id, sop));
            FlagInfo f;
            f.id = ev.id;
            f.sop = id;
            f.sopTitle = head.title;
            f.collection = e.pathOf(sop.collection);
            f.version = ev.version;
            f.author = e.userName(ev.author);
            f.time = ev.time;
            f.comment = std::move(comment);
            f.resolved = resolved;
            for (const EventState& r : sop.events) {
                if (r.kind == RecordKind::FlagResolved && r.flagId == ev.id) {
                    f.resolvedBy = e.userName(r.author);
                    SOPVAULT_TRY(note, e.readEventText(sop, r));
                    f.resolution = std::move(note);
                }
            }
            if (resolved && f.resolvedBy.empty()) {
                f.resolution = fmt::format("resolved by version {}", ev.version + 1);
            }
            out.push_back(std::move(f));
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    return out;
}

} // namespace sopvault::core
