// The numbered schema migrations of schema/, embedded at build time (cmake/EmbedSchema.cmake).
#pragma once

#include <vector>

namespace sopvault::core::storage {

struct Migration
{
    int number;
    const char* name;
    const char* sql;
};

// In ascending order; the last one's number is the newest schema this build understands.
const std::vector<Migration>& migrations();

// "SOPV" as a big-endian integer: PRAGMA application_id of every vault file.
inline constexpr int kApplicationId = 0x534F5056;

} // namespace sopvault::core::storage
