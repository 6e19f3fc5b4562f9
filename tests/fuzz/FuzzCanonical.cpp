// Fuzz target: the canonical reader. The input chooses a domain and a sequence of field types,
// then supplies the bytes to read; every field read must write back to the bytes it came from.
#include "Fuzz.h"

#include "sopvault/crypto/Canonical.h"

#include <algorithm>
#include <array>
#include <string_view>

using namespace sopvault;
using crypto::CanonicalReader;
using crypto::CanonicalWriter;

namespace {

constexpr std::array<std::string_view, 5> kDomains{"sopvault/record", "sopvault/sop-content",
                                                   "sopvault/key-wrap", "sopvault/grant", ""};
constexpr std::size_t kMaxOps = 64;

// Reads one field of the type `op` chooses and writes it back; false once the reader refuses
// (or, for the end check, once the input is used up).
bool readField(CanonicalReader& r, CanonicalWriter& w, std::uint8_t op)
{
    switch (op % 8) {
    case 0:
        if (auto v = r.u8()) {
            w.u8(*v);
            return true;
        }
        return false;
    case 1:
        if (auto v = r.u32()) {
            w.u32(*v);
            return true;
        }
        return false;
    case 2:
        if (auto v = r.u64()) {
            w.u64(*v);
            return true;
        }
        return false;
    case 3:
        if (auto v = r.i64()) {
            w.i64(*v);
            return true;
        }
        return false;
    case 4:
        if (auto v = r.bytes()) {
            w.bytes(*v);
            return true;
        }
        return false;
    case 5: {
        // A fixed-size field: ids (16), keys and hashes (32), signatures (64), or op/8.
        constexpr std::array<std::size_t, 4> kSizes{16, 32, 64, 0};
        const std::size_t size = kSizes[(op / 8U) % 4U] != 0 ? kSizes[(op / 8U) % 4U] : op / 32U;
        if (auto v = r.bytes(size)) {
            fuzz::check(v->size() == size, "bytes(size) returned another size");
            w.bytes(*v);
            return true;
        }
        return false;
    }
    case 6:
        if (auto v = r.text()) {
            w.text(*v);
            return true;
        }
        return false;
    default: {
        const bool atEnd = r.atEnd();
        fuzz::check(atEnd == static_cast<bool>(r.finish()), "atEnd and finish disagree");
        return !atEnd;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    const std::string_view domain = kDomains[in.byte() % kDomains.size()];
    const std::size_t count = in.byte() % (kMaxOps + 1);
    const auto ops = in.take(count);
    const auto encoded = in.rest();

    auto reader = CanonicalReader::open(encoded, domain);
    if (!reader) {
        fuzz::check(reader.error().code == ErrorCode::Integrity, "open failed without integrity");
        return 0;
    }
    CanonicalWriter writer(domain);
    bool stopped = false;
    for (const std::uint8_t op : ops) {
        if (!readField(*reader, writer, op)) {
            stopped = true;
            break;
        }
    }
    // What was read, written again, is the front of the input, byte for byte.
    const auto& again = writer.data();
    fuzz::check(again.size() <= encoded.size() &&
                    std::equal(again.begin(), again.end(), encoded.begin()),
                "fields read back do not encode to the bytes they were read from");
    // A refused read may leave the reader anywhere; after only good reads, finish() is exact.
    if (!stopped) {
        fuzz::check(static_cast<bool>(reader->finish()) == (again.size() == encoded.size()),
                    "finish() disagrees with what was read");
    }
    return 0;
}
