// The default vault and state paths (Locations.h).
#include "sopvault/core/Locations.h"

#include <cstdlib>
#include <string>

namespace sopvault::core {

namespace {

std::filesystem::path envOr(const char* name, std::filesystem::path fallback)
{
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::filesystem::path(value) : std::move(fallback);
}

} // namespace

Locations defaultLocations()
{
    const std::filesystem::path home = envOr("HOME", ".");
    Locations out;
    out.vault = envOr("SOPVAULT_VAULT", envOr("XDG_DATA_HOME", home / ".local/share") / "sopvault" /
                                            "vault.sopvault");
    out.stateDir = envOr("XDG_STATE_HOME", home / ".local/state") / "sopvault";
    return out;
}

OpenOptions defaultOpenOptions()
{
    OpenOptions options;
    options.stateDir = defaultLocations().stateDir;
    return options;
}

} // namespace sopvault::core
