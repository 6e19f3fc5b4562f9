// Checks on what people type: names, collection paths, titles, bodies and tags. Each returns
// a `usage` error that says what is wrong, before anything is written.
#pragma once

#include "sopvault/core/Types.h"

#include <string>
#include <string_view>
#include <vector>

namespace sopvault::core::detail {

// User and role names: 1-64 characters of letters, digits, '.', '_' and '-'.
[[nodiscard]] Result<void> validateName(std::string_view what, std::string_view name);
// "Clients/Acme/Network": segments of 1-100 bytes of UTF-8 without control characters, not
// "." or "..". Returns the normalised path (no empty segments, no surrounding spaces).
[[nodiscard]] Result<std::string> normalisePath(std::string_view path);
[[nodiscard]] std::string parentPath(std::string_view path);
[[nodiscard]] Result<void> validateTitle(std::string_view title);
[[nodiscard]] Result<void> validateBody(std::string_view body);
[[nodiscard]] Result<std::vector<std::string>> normaliseTags(const std::vector<std::string>& tags);

} // namespace sopvault::core::detail
