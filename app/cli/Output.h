// What a sopvault-cli command shows: one JSON document for --json, text for a person otherwise.
#pragma once

#include "HumanText.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sopvault::cli {

using json = nlohmann::json;

// Presenters make both from the same value, so the two cannot tell different stories.
struct Output
{
    json doc;
    TerminalText text;
};

// A list: a JSON array of toJson(item), and a table of toRow(item) under `header`.
template <typename T, typename ToJson, typename ToRow>
[[nodiscard]] Output listOutput(const std::vector<T>& items, const std::vector<std::string>& header,
                                ToJson toJson, ToRow toRow)
{
    Output out{json::array(), {}};
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : items) {
        out.doc.push_back(toJson(item));
        rows.push_back(toRow(item));
    }
    out.text = table(header, std::move(rows));
    return out;
}

} // namespace sopvault::cli
