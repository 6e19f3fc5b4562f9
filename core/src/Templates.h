// The templates compiled into core (generated from resources/templates by
// cmake/EmbedTemplates.cmake), and the minor-change mark editSop writes (Attestations.cpp).
#pragma once

#include "sopvault/core/Attestations.h"
#include "sopvault/core/Types.h"

#include <string_view>
#include <vector>

namespace sopvault::core::detail {

struct Engine;
struct SopRecordState;

struct ShippedTemplate
{
    std::string_view name; // the file name without ".md"
    std::string_view text;
};
[[nodiscard]] const std::vector<ShippedTemplate>& shippedTemplates();

// The attestation rows of one SOP (everyone required, or only this person when `everyone` is
// false); `integrity` when its review and flag records failed verification.
[[nodiscard]] Result<void> attestationsOf(const Engine& engine, const Id& id,
                                          const SopRecordState& sop, bool everyone, Timestamp asOf,
                                          std::vector<AttestationStatus>& out);

// Signs that `version` of the SOP is a minor change (attestations carry over to it).
[[nodiscard]] Result<void> markMinor(Engine& engine, const Id& sop, std::uint64_t version);

} // namespace sopvault::core::detail
