// The rules of record kinds, one per kind (AdminRules.cpp, VersionRules.cpp, EventRules.cpp):
// what replay and the live write path dispatch to through a table from RecordKind to its rule.
#pragma once

#include "State.h"

#include <string>
#include <variant>

namespace sopvault::core::detail {

using AdminChange = std::variant<GenesisPayload, UserAddedPayload, OwnerAddedPayload, RolePayload,
                                 CollectionAddedPayload, GrantPayload, SettingPayload,
                                 UserRemovedPayload, TemplatePayload>;

// Skip: only for a record whose signature this process has checked already, or has just made
// with the person's own key.
enum class SignatureCheck
{
    Verify,
    Skip
};

// A rejected record: what is wrong with it, as a sentence that follows its name.
[[nodiscard]] std::unexpected<Error> bad(std::string message);
// A well-formed, correctly signed record whose signer had no right to it at its point: `denied`,
// so replay can tell it from a damaged one (a server-ordered one is refused, not applied).
[[nodiscard]] std::unexpected<Error> unauthorised(std::string message);
[[nodiscard]] Result<void> verifySignature(const crypto::SignPublicKey& key, const Record& rec);

// What an administration rule sees: the state at the record's point in the log, the record,
// and its signer (null only for the genesis, which is signed by the key it names).
struct AdminContext
{
    const State& state;
    const Record& record;
    const UserState* signer = nullptr;
    SignatureCheck signature = SignatureCheck::Verify;

    [[nodiscard]] Result<void> verify(const crypto::SignPublicKey& key) const
    {
        return signature == SignatureCheck::Verify ? verifySignature(key, record) : Result<void>{};
    }
};

// One administration record kind: decode its payload and check it against the context, and
// apply an accepted payload to the state.
struct AdminRule
{
    RecordKind kind;
    Result<AdminChange> (*check)(const AdminContext& context);
    void (*apply)(State& state, const Record& record, const AdminChange& change);
};

// The rule of an administration kind, or null for any other kind.
[[nodiscard]] const AdminRule* adminRule(RecordKind kind);
// The owner's template (Templates.cpp).
[[nodiscard]] const AdminRule& templateRule();

// What an event rule sees: the state, the record, its payload, the SOP it concerns and its
// (member) signer.
struct EventContext
{
    const State& state;
    const Record& record;
    const EventPayload& payload;
    const SopRecordState& sop;
    const UserState& signer;
};

// The attestation kinds' rules (Attestations.cpp).
[[nodiscard]] Result<void> checkAttestRequired(const EventContext& context);
[[nodiscard]] Result<void> checkAttestation(const EventContext& context);
[[nodiscard]] Result<void> checkMinorChange(const EventContext& context);

} // namespace sopvault::core::detail
