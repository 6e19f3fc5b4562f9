// Safe names for exported files and folders (FileNames.h): one function, used by every export.
#include "sopvault/core/FileNames.h"

#include <algorithm>
#include <array>

namespace sopvault::core {

namespace {

// Windows reserves these as device names whatever the extension ("nul.md" opens the device).
bool isDeviceName(std::string_view name)
{
    const auto dot = name.find('.');
    std::string stem(name.substr(0, dot == std::string_view::npos ? name.size() : dot));
    while (!stem.empty() && stem.back() == ' ') {
        stem.pop_back();
    }
    std::transform(stem.begin(), stem.end(), stem.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    constexpr std::array<std::string_view, 6> kPlain = {"CON", "PRN",    "AUX",
                                                        "NUL", "CONIN$", "CONOUT$"};
    if (std::find(kPlain.begin(), kPlain.end(), stem) != kPlain.end()) {
        return true;
    }
    return stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) &&
           stem[3] >= '0' && stem[3] <= '9';
}

void trimEnds(std::string& s)
{
    while (!s.empty() && (s.front() == '.' || s.front() == ' ')) {
        s.erase(s.begin());
    }
    while (!s.empty() && (s.back() == '.' || s.back() == ' ')) {
        s.pop_back();
    }
}

} // namespace

std::string safeFileName(std::string_view name, std::size_t maxBytes)
{
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        const bool bad = u < 0x20 || u == 0x7F || c == '/' || c == '\\' || c == ':' || c == '*' ||
                         c == '?' || c == '"' || c == '<' || c == '>' || c == '|';
        out += bad ? '_' : c;
    }
    trimEnds(out);
    if (isDeviceName(out)) {
        out.insert(out.begin(), '_');
    }
    maxBytes = std::max<std::size_t>(maxBytes, 8);
    if (out.size() > maxBytes) {
        // Cut before the sequence the first dropped byte belongs to, never inside it.
        std::size_t cut = maxBytes;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        out.resize(cut);
        trimEnds(out);
    }
    return out.empty() ? std::string("untitled") : out;
}

} // namespace sopvault::core
