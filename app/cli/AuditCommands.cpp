// What the vault recorded and whether it holds: audit, verify.
#include "Commands.h"
#include "Presenters.h"

#include <fmt/format.h>

namespace sopvault::cli {
namespace {

void addAudit(CLI::App& app, Runner& r, AuditOptions& o)
{
    auto* audit = app.add_subcommand("audit", "Owners: the audit log");
    audit->add_option("--since", o.since, "YYYY-MM-DD");
    audit->add_option("--actor", o.actor, "USER");
    audit->add_flag("--alerts", o.alerts,
                    "only the exfiltration alarms: bursts in which someone read more distinct "
                    "SOPs than the alarm allows");
    auto* views = audit
                      ->add_option("--alarm-views", o.alarmViews,
                                   "with --alerts: set the alarm to more than N SOPs (signed)")
                      ->needs("--alerts");
    auto* minutes = audit
                        ->add_option("--alarm-window", o.alarmMinutes,
                                     "with --alerts: set the alarm's window in minutes (signed)")
                        ->needs("--alerts");
    audit->footer("Example: sopvault-cli --user olivia audit --alerts --alarm-views 40");
    r.withSession(audit, [&r, &o, views, minutes](core::Session& s) -> Result<void> {
        core::AuditFilter f;
        if (!o.since.empty()) {
            SOPVAULT_TRY(t, core::parseDate(o.since));
            f.since = t;
        }
        if (!o.actor.empty()) {
            f.actor = o.actor;
        }
        if (!o.alerts) {
            SOPVAULT_TRY(entries, s.audit(f));
            r.emit(presentAudit(entries));
            return {};
        }
        core::AlarmSettings alarm = s.alarmSettings();
        if (views->count() > 0) {
            alarm.views = o.alarmViews;
        }
        if (minutes->count() > 0) {
            alarm.minutes = o.alarmMinutes;
        }
        SOPVAULT_CHECK(s.setAlarm(alarm));
        SOPVAULT_TRY(found, s.viewAlerts(f));
        r.emit(presentAlerts(found, alarm));
        return {};
    });
}

void addVerify(CLI::App& app, Runner& r)
{
    auto* verify = app.add_subcommand("verify", "Check every signature, chain, commitment and "
                                                "ciphertext");
    r.withSession(verify, [&r](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(report, s.verify());
        r.emit(presentVerify(report));
        if (!report.ok) {
            return fail(ErrorCode::Integrity,
                        fmt::format("{} problem(s) found; see above.", report.problems.size()));
        }
        return {};
    });
}

} // namespace

void addAuditCommands(CLI::App& app, Runner& r, AuditOptions& o)
{
    addAudit(app, r, o);
    addVerify(app, r);
}

} // namespace sopvault::cli
