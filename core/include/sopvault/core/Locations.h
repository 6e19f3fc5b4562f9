// Where a vault and this machine's records of it live when nobody says otherwise: one rule for
// the CLI and the desktop, from the XDG base directories.
#pragma once

#include "sopvault/core/Vault.h"

#include <filesystem>

namespace sopvault::core {

struct Locations
{
    std::filesystem::path vault;    // $SOPVAULT_VAULT, else $XDG_DATA_HOME/sopvault/vault.sopvault
    std::filesystem::path stateDir; // $XDG_STATE_HOME/sopvault (rollback marks, verified cache)
};

// An unset or empty variable falls back as the XDG specification says ($HOME/.local/share,
// $HOME/.local/state; "." without $HOME).
[[nodiscard]] Locations defaultLocations();
// Options for unlock and createVault with the default state folder.
[[nodiscard]] OpenOptions defaultOpenOptions();

} // namespace sopvault::core
