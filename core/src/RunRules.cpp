// The rules of run records: a run starts on a version its starter may view; its steps and its
// finish follow on the same version, by the starter or an owner, until it is finished.
#include "RunRules.h"

#include "Rules.h"
#include "sopvault/core/AccessPolicy.h"
#include "sopvault/core/Runs.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace sopvault::core::detail {

const EventState* runStart(const SopRecordState& sop, const Id& run)
{
    auto found = std::find_if(sop.events.begin(), sop.events.end(), [&](const EventState& e) {
        return e.kind == RecordKind::RunStarted && e.id == run;
    });
    return found == sop.events.end() ? nullptr : &*found;
}

bool runFinished(const SopRecordState& sop, const Id& run)
{
    return std::any_of(sop.events.begin(), sop.events.end(), [&](const EventState& e) {
        return e.kind == RecordKind::RunFinished && e.flagId == run;
    });
}

Result<void> checkRunRecord(const State& state, const Record& record, const EventPayload& payload,
                            const SopRecordState& sop, const UserState& signer)
{
    const RecordKind kind = record.header.kind;
    if (!AccessPolicy(state).allows(record.header.signer, Right::View, payload.collectionId)) {
        return bad(fmt::format("it is a run record by {}, who could not view the SOP at that point",
                               signer.name));
    }
    if (payload.encryptedText.empty()) {
        return bad("it is a run record without its text");
    }
    if (kind == RecordKind::RunStarted) {
        if (!isZero(payload.flagId) || payload.decision != 0) {
            return bad("it is a run start that names another record");
        }
        return {};
    }
    const EventState* start = runStart(sop, payload.flagId);
    if (start == nullptr) {
        return bad("it belongs to a run of this SOP that does not exist");
    }
    if (runFinished(sop, payload.flagId)) {
        return bad("it adds to a run that was already finished");
    }
    if (payload.version != start->version) {
        return bad("it is not bound to its run's version");
    }
    if (record.header.signer != start->author && !signer.owner) {
        return bad(fmt::format("it adds to a run {} did not start (only its starter and the "
                               "owners may)",
                               signer.name));
    }
    if (kind == RecordKind::RunStep) {
        if (payload.decision != static_cast<std::uint8_t>(StepState::Done) &&
            payload.decision != static_cast<std::uint8_t>(StepState::Skipped)) {
            return bad("it records a step as neither done nor skipped");
        }
    } else if (payload.decision != 0) {
        return bad("it is a run finish with a step state");
    }
    return {};
}

std::string packRunText(const std::vector<std::string>& fields)
{
    std::string out;
    for (const std::string& f : fields) {
        out += fmt::format("{}:{}", f.size(), f);
    }
    return out;
}

Result<std::vector<std::string>> unpackRunText(std::string_view text, std::size_t count)
{
    std::vector<std::string> fields;
    while (!text.empty()) {
        const auto colon = text.find(':');
        std::size_t size = 0;
        if (colon == std::string_view::npos || colon == 0) {
            return fail(ErrorCode::Integrity, "A run record's text is malformed.");
        }
        const auto [end, ec] = std::from_chars(text.data(), text.data() + colon, size);
        if (ec != std::errc() || end != text.data() + colon || size > text.size() - colon - 1) {
            return fail(ErrorCode::Integrity, "A run record's text is malformed.");
        }
        fields.emplace_back(text.substr(colon + 1, size));
        text.remove_prefix(colon + 1 + size);
    }
    if (count != 0 && fields.size() != count) {
        return fail(ErrorCode::Integrity, "A run record's text has the wrong number of fields.");
    }
    return fields;
}

} // namespace sopvault::core::detail
