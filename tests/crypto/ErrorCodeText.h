// How Catch2 prints an ErrorCode in a failed assertion: by its code word ("integrity"), not as
// a number, so a failure says which error came back.
#pragma once

#include "sopvault/crypto/Error.h"

#include <catch2/catch.hpp>

#include <string>

namespace Catch {
template <>
struct StringMaker<sopvault::ErrorCode>
{
    static std::string convert(sopvault::ErrorCode code)
    {
        return std::string(sopvault::codeWord(code));
    }
};
} // namespace Catch
