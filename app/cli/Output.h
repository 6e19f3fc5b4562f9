// What a sopvault-cli command shows: one JSON document for --json, text for a person otherwise.
#pragma once

#include "HumanText.h"

#include <nlohmann/json.hpp>

namespace sopvault::cli {

using json = nlohmann::json;

// Presenters make both from the same value, so the two cannot tell different stories.
struct Output
{
    json doc;
    TerminalText text;
};

} // namespace sopvault::cli
