// Presenters for what crosses the vault's edge and what it records: import and export results,
// audit entries, exfiltration alerts and the verify report (see Presenters.h).
#include "Presenters.h"

#include <algorithm>
#include <map>

namespace sopvault::cli {

Output presentImport(const core::ImportReport& report)
{
    json skipped = json::array();
    TerminalText text = say("Imported {} new SOP(s), updated {}, {} unchanged.\n", report.imported,
                            report.updated, report.unchanged);
    for (const auto& c : report.collectionsCreated) {
        text += say("  new collection  {}\n", c);
    }
    // Skips grouped by reason, each group's files under it in path order.
    std::map<std::string, std::vector<std::string>> byReason;
    for (const auto& k : report.skipped) {
        skipped.push_back({{"path", k.path}, {"reason", k.reason}});
        byReason[k.reason].push_back(k.path);
    }
    for (auto& [reason, paths] : byReason) {
        std::sort(paths.begin(), paths.end());
        text += say("  skipped, {}:\n", reason);
        for (const auto& path : paths) {
            text += say("    {}\n", path);
        }
    }
    json kept = json::object();
    std::string keys;
    for (const auto& [key, files] : report.metadataKept) {
        kept[key] = files;
        keys += fmt::format("{}{} ({})", keys.empty() ? "" : ", ", key, files);
    }
    if (!keys.empty()) {
        text += say("  front matter kept with the SOPs: {}\n", keys);
    }
    json sops = json::array();
    for (const auto& f : report.files) {
        json entry = {{"path", f.path},
                      {"id", f.outcome == core::ImportOutcome::Skipped ? "" : core::toHex(f.id)},
                      {"title", f.title},
                      {"outcome", std::string(core::importOutcomeName(f.outcome))}};
        if (!f.reason.empty()) {
            entry["reason"] = f.reason;
        }
        sops.push_back(std::move(entry));
    }
    return {{{"imported", report.imported},
             {"updated", report.updated},
             {"unchanged", report.unchanged},
             {"collections_created", report.collectionsCreated},
             {"skipped", skipped},
             {"metadata_kept", kept},
             {"sops", sops}},
            text};
}

Output presentExport(const core::ExportReport& report, std::string_view out)
{
    json files = json::array();
    for (const auto& f : report.files) {
        files.push_back(f.string());
    }
    return {{{"sops", report.sops}, {"files", files}},
            say("Exported {} SOP(s) to {} (watermarked; recorded in the audit log).", report.sops,
                out)};
}

Output presentAudit(const std::vector<core::AuditEntry>& entries)
{
    return listOutput(
        entries, {"SEQ", "TIME", "ACTOR", "ACTION", "DETAIL"},
        [](const core::AuditEntry& e) -> json {
            return {{"seq", e.seq},       {"time", core::formatTime(e.time)},
                    {"actor", e.actor},   {"action", e.action},
                    {"target", e.target}, {"detail", e.detail}};
        },
        [](const core::AuditEntry& e) -> std::vector<std::string> {
            return {std::to_string(e.seq), core::formatTime(e.time), e.actor, e.action, e.detail};
        });
}

Output presentAlerts(const std::vector<core::ViewAlert>& alerts, const core::AlarmSettings& alarm)
{
    Output out{json::array(), {}};
    for (const auto& a : alerts) {
        out.doc.push_back({{"actor", a.actor},
                           {"from", core::formatTime(a.from)},
                           {"to", core::formatTime(a.to)},
                           {"sops", a.sops},
                           {"reads", a.reads},
                           {"threshold", alarm.views},
                           {"window_minutes", alarm.minutes}});
        out.text += say("ALERT  {} read {} distinct SOPs ({} reads) from {} to {}\n", a.actor,
                        a.sops, a.reads, core::formatTime(a.from), core::formatTime(a.to));
    }
    out.text += say("{} alert(s); the alarm is more than {} SOPs within {} minutes.", alerts.size(),
                    alarm.views, alarm.minutes);
    return out;
}

Output presentVerify(const core::VerifyReport& report)
{
    json problems = json::array();
    TerminalText text;
    for (const auto& p : report.problems) {
        problems.push_back({{"record", p.record}, {"problem", p.problem}});
        text += say("PROBLEM  {}: {}\n", p.record, p.problem);
    }
    const std::size_t records =
        report.adminRecords + report.auditRecords + report.sopVersions + report.reviewRecords;
    text += say("{}: {} records checked ({} administration, {} audit, {} SOP versions); {} "
                "ciphertexts opened, {} not readable by you.",
                report.ok ? "OK" : "FAILED", records, report.adminRecords, report.auditRecords,
                report.sopVersions, report.ciphertexts, report.unreadable);
    return {{{"ok", report.ok},
             {"checked",
              {{"records", records},
               {"admin_records", report.adminRecords},
               {"audit_records", report.auditRecords},
               {"sop_versions", report.sopVersions},
               {"review_records", report.reviewRecords},
               {"ciphertexts", report.ciphertexts},
               {"unreadable", report.unreadable},
               {"attachments", report.attachments}}},
             {"problems", problems}},
            text};
}

} // namespace sopvault::cli
