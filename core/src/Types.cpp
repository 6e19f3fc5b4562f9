// Ids, rights, states, time formatting and UTF-8 checking.
#include "sopvault/core/Types.h"
#include "sopvault/core/Clock.h"

#include "sopvault/crypto/Crypto.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>

namespace sopvault::core {

Id randomId()
{
    Id id{};
    crypto::randomBytes(id);
    return id;
}

std::string toHex(const Id& id)
{
    return crypto::toHex(id);
}

Result<Id> idFromHex(std::string_view hex)
{
    if (hex.size() != 32) {
        return fail(ErrorCode::Usage, fmt::format("'{}' is not an id (32 hex digits).", hex));
    }
    SOPVAULT_TRY(bytes, crypto::fromHex(hex));
    Id id{};
    std::memcpy(id.data(), bytes.data(), id.size());
    return id;
}

bool isZero(const Id& id) noexcept
{
    for (auto b : id) {
        if (b != 0) {
            return false;
        }
    }
    return true;
}

namespace {
struct CivilTime
{
    int year;
    unsigned month, day;
    std::int64_t hour, minute, second;
};

CivilTime civil(Timestamp t)
{
    using namespace std::chrono;
    const sys_seconds tp{seconds{t}};
    const auto days = floor<std::chrono::days>(tp);
    const year_month_day ymd{days};
    const hh_mm_ss hms{tp - days};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),
            hms.hours().count(),
            hms.minutes().count(),
            hms.seconds().count()};
}
} // namespace

std::string formatTime(Timestamp t)
{
    const CivilTime c = civil(t);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour,
                       c.minute, c.second);
}

std::string formatDate(Timestamp t)
{
    const CivilTime c = civil(t);
    return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

Result<Timestamp> parseDate(std::string_view text)
{
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    char tail = 0;
    const std::string copy(text);
    if (text.size() != 10 || std::sscanf(copy.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
        return fail(ErrorCode::Usage, fmt::format("'{}' is not a date (YYYY-MM-DD).", text));
    }
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                          std::chrono::day{d}};
    if (!ymd.ok()) {
        return fail(ErrorCode::Usage, fmt::format("'{}' is not a valid date.", text));
    }
    return std::chrono::sys_days{ymd}.time_since_epoch().count() * 86400;
}

Timestamp SystemClock::now() const
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string_view rightName(Right r)
{
    switch (r) {
    case Right::View:
        return "view";
    case Right::Edit:
        return "edit";
    case Right::Export:
        return "export";
    case Right::Review:
        return "review";
    case Right::Manage:
        return "manage";
    }
    return "?";
}

namespace {
constexpr std::array kAllRights{Right::View, Right::Edit, Right::Export, Right::Review,
                                Right::Manage};
}

std::vector<std::string> Rights::names() const
{
    std::vector<std::string> out;
    for (Right r : kAllRights) {
        if (has(r)) {
            out.emplace_back(rightName(r));
        }
    }
    return out;
}

std::string Rights::toString() const
{
    return empty() ? std::string("none") : fmt::format("{}", fmt::join(names(), ","));
}

Result<Rights> Rights::parse(std::string_view list)
{
    Rights out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string_view::npos) {
            comma = list.size();
        }
        const std::string_view item = list.substr(start, comma - start);
        bool known = false;
        for (Right r : kAllRights) {
            if (item == rightName(r)) {
                out |= Rights{r};
                known = true;
            }
        }
        if (!known) {
            return fail(ErrorCode::Usage,
                        fmt::format("Unknown right '{}'; rights are view, edit, export, review "
                                    "and manage.",
                                    item));
        }
        start = comma + 1;
    }
    return out;
}

std::string_view stateName(SopState s)
{
    switch (s) {
    case SopState::Draft:
        return "draft";
    case SopState::Published:
        return "published";
    case SopState::Archived:
        return "archived";
    }
    return "draft";
}

Result<SopState> parseState(std::string_view name)
{
    for (SopState s : {SopState::Draft, SopState::Published, SopState::Archived}) {
        if (name == stateName(s)) {
            return s;
        }
    }
    return fail(ErrorCode::Usage,
                fmt::format("Unknown state '{}'; use draft, published or archived.", name));
}

bool isValidUtf8(std::string_view text) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        // Eight ASCII bytes at a time: most of a runbook is ASCII.
        while (end - p >= 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, p, sizeof word);
            if ((word & 0x8080808080808080ULL) != 0) {
                break;
            }
            p += 8;
        }
        if (p == end) {
            break;
        }
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1FU;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0FU;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) <= extra) {
            return false;
        }
        for (std::size_t i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i] & 0x3FU);
        }
        static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        p += extra + 1;
    }
    return true;
}

} // namespace sopvault::core
