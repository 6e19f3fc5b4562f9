// The `server` commands of sopvault-cli: a database administrator prepares the PostgreSQL server
// that orders a team's records and manages the members' login roles (docs/teams.md).
#pragma once

#include "sopvault/crypto/Error.h"

#include <functional>

namespace CLI {
class App;
}

namespace sopvault::cli {

// Binds a parsed command to its action; the command table runs it and reports its error.
using BindAction = std::function<void(CLI::App*, std::function<Result<void>()>)>;

// Registers `server init`, `server add-member` and `server remove-member`; `json` is the global
// --json flag, read when the action runs.
void addServerCommands(CLI::App& app, const bool& json, const BindAction& bind);

} // namespace sopvault::cli
