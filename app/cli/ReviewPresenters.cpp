// Presenters for reviews and flags: open flags, what is due, the sign-offs of a SOP and the
// quarter report (see Presenters.h).
#include "Presenters.h"

#include <functional>
#include <optional>

namespace sopvault::cli {
namespace {

// A JSON null where core has no value.
template <typename T, typename F>
json orNull(const std::optional<T>& value, F shown)
{
    return value ? json(shown(*value)) : json();
}

json flagJson(const core::FlagInfo& f)
{
    if (f.damaged) {
        return {{"sop", core::toHex(f.sop)},
                {"title", f.sopTitle},
                {"collection", f.collection},
                {"damaged", true},
                {"problem", f.problem}};
    }
    return {
        {"id", core::toHex(f.id)},          {"sop", core::toHex(f.sop)}, {"title", f.sopTitle},
        {"collection", f.collection},       {"version", f.version},      {"author", f.author},
        {"time", core::formatTime(f.time)}, {"comment", f.comment},      {"resolved", f.resolved},
        {"resolved_by", f.resolvedBy},      {"resolution", f.resolution}};
}

std::vector<std::string> flagRow(const core::FlagInfo& f)
{
    if (f.damaged) {
        return {f.sopTitle, "", "", "(its flags failed verification)", "damaged", ""};
    }
    return {f.sopTitle,
            f.author,
            core::formatDate(f.time),
            f.comment,
            f.resolved ? "resolved" : "open",
            core::toHex(f.id)};
}

json reviewItemJson(const core::ReviewItem& item)
{
    if (item.damaged) {
        return {{"id", core::toHex(item.id)},    {"title", item.title},
                {"collection", item.collection}, {"due", ""},
                {"status", "damaged"},           {"reviewer", item.reviewer},
                {"version", item.headVersion},   {"problem", item.problem}};
    }
    return {{"id", core::toHex(item.id)},
            {"title", item.title},
            {"collection", item.collection},
            {"due", core::formatDate(item.due)},
            {"status", core::statusName(item.status)},
            {"reviewer", item.reviewer},
            {"version", item.headVersion},
            {"last_approved_version", orNull(item.lastApprovedVersion, std::identity())},
            {"changed_since_review", item.changedSinceReview},
            {"open_flags", item.openFlags},
            {"kind", item.attestation ? "attestation" : "review"}};
}

std::vector<std::string> reviewItemRow(const core::ReviewItem& item)
{
    if (item.damaged) {
        return {item.title, item.collection, "", "damaged", "", "", core::toHex(item.id)};
    }
    return {item.title,
            item.collection,
            core::formatDate(item.due),
            std::string(core::statusName(item.status)),
            item.attestation ? fmt::format("attest v{}", item.headVersion)
                             : (item.changedSinceReview ? "changed" : ""),
            item.openFlags > 0 ? std::to_string(item.openFlags) : "",
            core::toHex(item.id)};
}

json quarterRowJson(const core::QuarterRow& row)
{
    return {{"id", core::toHex(row.sop)},
            {"title", row.title},
            {"collection", row.collection},
            {"due", core::formatDate(row.due)},
            {"outcome", row.outcome},
            {"signed_by", row.signedBy},
            {"signed_at", orNull(row.signedAt, core::formatTime)},
            {"version", orNull(row.version, std::identity())},
            {"kind", core::quarterRowKindName(row.kind)},
            {"decision", orNull(row.decision, core::decisionName)}};
}

} // namespace

Output presentFlags(const std::vector<core::FlagInfo>& flags)
{
    Output out =
        listOutput(flags, {"SOP", "BY", "DATE", "COMMENT", "STATE", "FLAG"}, flagJson, flagRow);
    if (flags.empty()) {
        out.text = say("No open flags.");
    }
    return out;
}

Output presentReviewsDue(const std::vector<core::ReviewItem>& items, core::Timestamp asOf)
{
    Output out =
        listOutput(items, {"TITLE", "COLLECTION", "DUE", "STATUS", "SINCE REVIEW", "FLAGS", "ID"},
                   reviewItemJson, reviewItemRow);
    if (items.empty()) {
        out.text = say("Nothing due for review as of {}.", core::formatDate(asOf));
    }
    return out;
}

Output presentReviewHistory(const std::vector<core::ReviewRecord>& records)
{
    Output out = listOutput(
        records, {"TIME", "VER", "REVIEWER", "DECISION", "COMMENT"},
        [](const core::ReviewRecord& rec) -> json {
            return {{"version", rec.version},
                    {"reviewer", rec.reviewer},
                    {"decision", core::decisionName(rec.decision)},
                    {"comment", rec.comment},
                    {"time", core::formatTime(rec.time)}};
        },
        [](const core::ReviewRecord& rec) -> std::vector<std::string> {
            return {core::formatTime(rec.time), std::to_string(rec.version), rec.reviewer,
                    std::string(core::decisionName(rec.decision)), rec.comment};
        });
    if (records.empty()) {
        out.text = say("No sign-offs yet.");
    }
    return out;
}

Output presentQuarterReport(const std::vector<core::QuarterRow>& rows, std::string_view quarter)
{
    Output out{json::array(), {}};
    std::vector<std::vector<std::string>> dueCells;
    std::vector<std::vector<std::string>> signoffCells;
    for (const auto& row : rows) {
        out.doc.push_back(quarterRowJson(row));
        const std::string on = row.signedAt ? core::formatDate(*row.signedAt) : std::string();
        const std::string signedVersion = row.version ? std::to_string(*row.version) : "";
        if (row.kind == core::QuarterRowKind::Signoff) {
            signoffCells.push_back({on, row.title, row.collection, signedVersion, row.outcome,
                                    row.signedBy, core::formatDate(row.due)});
        } else {
            dueCells.push_back({row.title, row.collection, core::formatDate(row.due), row.outcome,
                                row.signedBy, on});
        }
    }
    // What was due and what became of it, then every sign-off made in the quarter: an approval
    // in a quarter with nothing due still shows.
    out.text =
        dueCells.empty()
            ? say("Nothing was due in {}.", quarter)
            : say("Due in {}:\n{}", quarter,
                  table({"TITLE", "COLLECTION", "DUE", "OUTCOME", "SIGNED BY", "ON"}, dueCells));
    out.text +=
        signoffCells.empty()
            ? say("\nNothing was signed off in {}.", quarter)
            : say("\nSigned off in {}:\n{}", quarter,
                  table({"ON", "TITLE", "COLLECTION", "VER", "DECISION", "REVIEWER", "WAS DUE"},
                        signoffCells));
    return out;
}

} // namespace sopvault::cli
