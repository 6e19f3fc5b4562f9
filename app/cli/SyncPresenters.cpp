// Presenters for team sync: where this replica stands with its server, what a sync moved, the
// conflicts left and a clone's result (see Presenters.h; the JSON is docs/cli.md's contract).
#include "Presenters.h"

namespace sopvault::cli {
namespace {

json conflictJson(const core::SyncConflict& c)
{
    return {
        {"sop", core::toHex(c.sop)}, {"title", c.title}, {"mine", c.mine}, {"theirs", c.theirs}};
}

// A timestamp, or null for "never" (0), so a script need not know the sentinel.
json timeOrNull(core::Timestamp t)
{
    return t == 0 ? json(nullptr) : json(core::formatTime(t));
}

} // namespace

Output presentRemote(const core::RemoteInfo& info, std::string_view url, std::string_view vaultId)
{
    json doc = {{"url", info.url.empty() ? json(nullptr) : json(std::string(url))},
                {"vault_id", std::string(vaultId)},
                {"last_sync", timeOrNull(info.lastSync)},
                {"pending", info.pending},
                {"position", info.position},
                {"fingerprint", info.fingerprint}};
    if (info.url.empty()) {
        return {std::move(doc),
                say("No remote: this vault (id {}) is on this machine only. Point it at a server "
                    "with 'sopvault-cli remote set URL'.",
                    vaultId)};
    }
    return {std::move(doc),
            say("server       {}\nvault id     {}\nlast sync    {}\nwaiting      {} record(s) "
                "to push\nposition     {}\nfingerprint  {}\n",
                url, vaultId, info.lastSync == 0 ? "never" : core::formatTime(info.lastSync),
                info.pending, info.position, info.fingerprint)};
}

Output presentSync(const core::SyncReport& report, const core::RemoteInfo& after)
{
    json conflicts = json::array();
    for (const auto& c : report.conflicts) {
        conflicts.push_back(conflictJson(c));
    }
    TerminalText text =
        say("Pulled {}, pushed {}{}. Position {}, fingerprint {}.\n", report.pulled, report.pushed,
            report.rebased == 0 ? TerminalText()
                                : say(" ({} signed again on the new head)", report.rebased),
            after.position, after.fingerprint);
    for (const auto& refused : report.refused) {
        text += say("  not applied: {}\n", refused);
    }
    for (const auto& notice : report.notices) {
        text += say("  note: {}\n", notice);
    }
    for (const auto& c : report.conflicts) {
        text += say("  conflict  {}  {}: your version {} met version {}\n", core::toHex(c.sop),
                    c.title, c.mine, c.theirs);
    }
    if (!report.conflicts.empty()) {
        text += say("Settle each with 'sopvault-cli resolve SOP --keep mine|theirs' (or --file "
                    "with a merge).\n");
    }
    return {{{"pulled", report.pulled},
             {"pushed", report.pushed},
             {"rebased", report.rebased},
             {"refused", report.refused},
             {"notices", report.notices},
             {"conflicts", conflicts},
             {"position", after.position},
             {"fingerprint", after.fingerprint},
             {"pending", after.pending}},
            text};
}

Output presentConflicts(const std::vector<core::SyncConflict>& conflicts)
{
    auto out = listOutput(
        conflicts, {"SOP", "TITLE", "MINE", "THEIRS"}, conflictJson,
        [](const core::SyncConflict& c) -> std::vector<std::string> {
            return {core::toHex(c.sop), c.title, std::to_string(c.mine), std::to_string(c.theirs)};
        });
    if (conflicts.empty()) {
        out.text = say("No conflicts.");
    }
    return out;
}

Output presentClone(const core::ClonedVault& cloned, const std::filesystem::path& path,
                    std::string_view ownerFingerprint)
{
    return {{{"vault_id", cloned.vaultId},
             {"path", path.string()},
             {"records", cloned.records},
             {"position", cloned.position},
             {"fingerprint", cloned.fingerprint},
             {"owner_fingerprint", std::string(ownerFingerprint)}},
            say("Cloned vault {} into {}: {} record(s), verified.\nPosition {}, fingerprint {}: "
                "compare it with a colleague's 'sopvault-cli remote show'.",
                cloned.vaultId, path.string(), cloned.records, cloned.position,
                cloned.fingerprint)};
}

} // namespace sopvault::cli
