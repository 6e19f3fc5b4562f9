// Read attestations and SOP templates: what a person has signed they read, who still has to,
// by when; the templates new SOPs start from (product.md features 16 and 17).
#pragma once

#include "sopvault/core/Types.h"

#include <optional>
#include <string>

namespace sopvault::core {

// The due window of a requirement when none is given, and its bounds.
inline constexpr std::uint32_t kDefaultAttestDays = 14;
inline constexpr std::uint32_t kMaxAttestDays = 255;

// One person who must read a SOP's current version: when it is due and whether they have.
struct AttestationStatus
{
    Id sop{};
    std::string title;
    std::uint64_t version = 0; // the current published version
    std::string user;
    std::string role;  // the role the requirement names
    Timestamp due = 0; // the requirement's window from the later of it and the version read
    std::optional<Timestamp> attested; // when they signed, for this version or one it carries
    bool overdue = false;              // not attested and past the due day
};

enum class TemplateSource
{
    Shipped, // compiled into the program (resources/templates)
    Vault    // an owner's, a signed record of this vault
};
[[nodiscard]] std::string_view templateSourceName(TemplateSource source); // "shipped", "vault"

struct TemplateInfo
{
    std::string name;
    TemplateSource source = TemplateSource::Shipped;
    std::string text;
    std::string collection; // a vault template's collection (only its viewers see it)
};

} // namespace sopvault::core
