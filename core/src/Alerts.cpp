// The exfiltration alarm (product.md feature 19): from the audit log, the bursts in which one
// person read more distinct SOPs than the owner-signed threshold allows within its window.
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "Replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace sopvault::core {

using namespace detail;

namespace {

// Audit actions that put a SOP's text in front of the person (or out of the vault).
bool readsText(std::string_view action)
{
    return action == "view" || action == "diff" || action == "changes-since-review" ||
           action == "export";
}

struct Read
{
    Timestamp time = 0;
    std::string sop;
};

// Bursts in one person's reads (in log order): a burst starts when the window ending at a read
// holds more than `limit` distinct SOPs, and lasts while windows keep doing so.
void findBursts(const std::string& actor, const std::vector<Read>& reads, std::uint64_t limit,
                Timestamp window, std::vector<ViewAlert>& out)
{
    std::map<std::string, std::size_t> inWindow;
    std::size_t left = 0;
    std::optional<std::size_t> burstStart;
    std::size_t burstEnd = 0;
    auto close = [&] {
        if (!burstStart) {
            return;
        }
        std::set<std::string> distinct;
        for (std::size_t i = *burstStart; i <= burstEnd; ++i) {
            distinct.insert(reads[i].sop);
        }
        out.push_back({actor, reads[*burstStart].time, reads[burstEnd].time, distinct.size(),
                       burstEnd - *burstStart + 1});
        burstStart.reset();
    };
    for (std::size_t right = 0; right < reads.size(); ++right) {
        inWindow[reads[right].sop] += 1;
        while (reads[right].time - reads[left].time >= window) {
            if (--inWindow[reads[left].sop] == 0) {
                inWindow.erase(reads[left].sop);
            }
            ++left;
        }
        if (inWindow.size() > limit) {
            if (!burstStart) {
                burstStart = left;
            }
            burstEnd = right;
        } else if (burstStart && left > burstEnd) {
            close();
        }
    }
    close();
}

} // namespace

AlarmSettings Session::alarmSettings() const
{
    return {m_engine->state().alarmViews, m_engine->state().alarmMinutes};
}

Result<void> Session::setAlarm(const AlarmSettings& settings)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "change the exfiltration alarm"));
    if (settings.views < 1 || settings.views > 100000 || settings.minutes < 1 ||
        settings.minutes > 10080) {
        return fail(ErrorCode::Usage, "The alarm needs between 1 and 100000 SOPs and a window "
                                      "of 1 minute to 7 days (10080 minutes).");
    }
    if (settings.views != e.state().alarmViews) {
        AuditNote n{"setting", {}, false, {}};
        n.detail.note = fmt::format("alarm: more than {} SOPs", settings.views);
        SOPVAULT_CHECK(e.writes().commitAdmin(
            RecordKind::Setting,
            encode(SettingPayload{std::string(kAlarmViewsSetting), settings.views}), n));
    }
    if (settings.minutes != e.state().alarmMinutes) {
        AuditNote n{"setting", {}, false, {}};
        n.detail.note = fmt::format("alarm window: {} minutes", settings.minutes);
        SOPVAULT_CHECK(e.writes().commitAdmin(
            RecordKind::Setting,
            encode(SettingPayload{std::string(kAlarmMinutesSetting), settings.minutes}), n));
    }
    return {};
}

Result<std::vector<ViewAlert>> Session::viewAlerts(const AuditFilter& filter) const
{
    const Engine& e = *m_engine;
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "see the exfiltration alarms"));
    SOPVAULT_TRY(entries, audit(filter));
    std::map<std::string, std::vector<Read>> byActor;
    for (const AuditEntry& entry : entries) {
        if (readsText(entry.action) && !entry.target.empty()) {
            byActor[entry.actor].push_back({entry.time, entry.target});
        }
    }
    std::vector<ViewAlert> out;
    const Timestamp window = static_cast<Timestamp>(e.state().alarmMinutes) * 60;
    for (const auto& [actor, reads] : byActor) {
        findBursts(actor, reads, e.state().alarmViews, window, out);
    }
    std::sort(out.begin(), out.end(), [](const ViewAlert& a, const ViewAlert& b) {
        return std::tie(a.from, a.actor) < std::tie(b.from, b.actor);
    });
    return out;
}

} // namespace sopvault::core
