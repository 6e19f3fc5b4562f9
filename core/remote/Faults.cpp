// The SQLSTATE -> fault -> CLI error code mapping (docs/teams.md lists it); no libpq needed.
#include "sopvault/remote/Connection.h"

#include <fmt/format.h>

namespace sopvault::remote {

ErrorCode errorCodeOf(Fault fault) noexcept
{
    switch (fault) {
    case Fault::Auth:
        return ErrorCode::Auth;
    case Fault::StaleHead:
    case Fault::Retry:
        return ErrorCode::Busy;
    case Fault::Denied:
        return ErrorCode::Denied;
    case Fault::NotFound:
        return ErrorCode::NotFound;
    case Fault::Usage:
        return ErrorCode::Usage;
    case Fault::Offline:
    case Fault::Other:
        break;
    }
    return ErrorCode::Failed;
}

namespace {

Fault faultOf(std::string_view s)
{
    if (s.empty() || s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" ||
        s == "25P03") {
        return Fault::Offline; // no connection, or the server ended it
    }
    if (s == "SV001") {
        return Fault::StaleHead;
    }
    if (s == "40001" || s == "40P01" || s == "55P03" || s == "57014" || s == "53300") {
        return Fault::Retry;
    }
    if (s == "42501" || s == "SV004") {
        return Fault::Denied;
    }
    if (s.starts_with("28")) {
        return Fault::Auth;
    }
    if (s == "42704" || s == "3F000" || s == "42P01" || s == "42883") {
        return Fault::NotFound;
    }
    if (s == "22023" || s == "42710") {
        return Fault::Usage;
    }
    return Fault::Other;
}

// What a person does next, after the server's own sentence.
std::string_view hintOf(Fault fault, std::string_view s)
{
    switch (fault) {
    case Fault::Offline:
        return "the server cannot be reached; check the URL and that it runs, or work offline";
    case Fault::StaleHead:
        return "someone else wrote first; pull, check and retry";
    case Fault::Retry:
        return "the server is busy; retry in a moment";
    case Fault::Denied:
        return "ask the server's administrator for access";
    case Fault::NotFound:
        return s == "42704" ? "" : "run 'sopvault-cli server init' on this database first";
    case Fault::Auth:
        return "check the role name and its password";
    case Fault::Usage:
    case Fault::Other:
        break;
    }
    return "";
}

} // namespace

Failure classify(std::string_view sqlState, std::string_view message)
{
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.remove_suffix(1);
    }
    const Fault fault = faultOf(sqlState);
    const std::string_view hint = hintOf(fault, sqlState);
    std::string text = message.empty() ? std::string("The server gave no reason.")
                                       : fmt::format("The server says: {}", message);
    if (!hint.empty()) {
        text += fmt::format(" ({}).", hint);
    }
    return Failure{fault, std::string(sqlState), Error{errorCodeOf(fault), std::move(text)}};
}

} // namespace sopvault::remote
