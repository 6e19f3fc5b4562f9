// Code words for the shared error codes, as the CLI prints them.
#include "sopvault/crypto/Error.h"

namespace sopvault {

std::string_view codeWord(ErrorCode code) noexcept
{
    switch (code) {
    case ErrorCode::Failed:
        return "failed";
    case ErrorCode::Usage:
        return "usage";
    case ErrorCode::Auth:
        return "auth";
    case ErrorCode::Denied:
        return "denied";
    case ErrorCode::Integrity:
        return "integrity";
    case ErrorCode::NotFound:
        return "not-found";
    case ErrorCode::Busy:
        return "busy";
    }
    return "failed";
}

} // namespace sopvault
