// Fuzz target: the record decoder, every payload decoder and the key-wrap decoder. Whatever
// decodes must encode back to exactly the same bytes: one value has one encoding.
#include "Fuzz.h"
#include "Records.h"

#include <algorithm>

using namespace sopvault;
using namespace sopvault::core::detail;
using crypto::ByteView;

namespace {

template <typename Decode>
void roundTrip(ByteView data, Decode decode, const char* what)
{
    auto decoded = decode(data);
    if (!decoded) {
        fuzz::check(decoded.error().code == ErrorCode::Integrity &&
                        !decoded.error().message.empty(),
                    "a decoder failed with something other than an integrity error");
        return;
    }
    const crypto::Bytes again = encode(*decoded);
    if (!std::equal(again.begin(), again.end(), data.begin(), data.end())) {
        std::fprintf(stderr, "%s: ", what);
        fuzz::check(false, "a decoded payload encodes to other bytes");
    }
}

// A SOP content of the first encoding decodes and is written in the second: the upgrade must
// decode back to the same content, byte for byte once in the second encoding.
void sopContentUpgrade(ByteView data)
{
    auto decoded = decodeSopContent(data);
    if (!decoded) {
        return;
    }
    const crypto::Bytes upgraded = encode(*decoded);
    auto again = decodeSopContent(upgraded);
    fuzz::check(again.has_value(), "an upgraded SOP content does not decode");
    const crypto::Bytes twice = encode(*again);
    fuzz::check(std::equal(twice.begin(), twice.end(), upgraded.begin(), upgraded.end()),
                "an upgraded SOP content does not encode to the same bytes again");
}

void decodePayloads(ByteView data)
{
    roundTrip(data, decodeGenesis, "genesis");
    roundTrip(data, decodeUserAdded, "user added");
    roundTrip(data, decodeOwnerAdded, "owner added");
    roundTrip(data, decodeRole, "role");
    roundTrip(data, decodeCollectionAdded, "collection added");
    roundTrip(data, decodeGrant, "grant");
    roundTrip(data, decodeUserRemoved, "user removed");
    roundTrip(data, decodeSopVersion, "SOP version");
    if (crypto::CanonicalReader::open(data, SopContentV1::kDomain)) {
        sopContentUpgrade(data); // the first encoding is read only
    } else {
        roundTrip(data, decodeSopContent, "SOP content");
    }
    roundTrip(data, decodeAudit, "audit");
    roundTrip(data, decodeSetting, "setting");
    roundTrip(data, decodeEvent, "event");
    roundTrip(data, decodeAuditDetail, "audit detail");
    roundTrip(data, decodeKeyWrap, "key wrap");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ByteView input(data, size);
    // The first 64 bytes are the signature and the rest the body, as stored in the file's rows;
    // a shorter input is all signature and tests the size check.
    const std::size_t split = std::min<std::size_t>(size, 64);
    const ByteView signature = input.first(split);
    const ByteView body = input.subspan(split);
    auto record = decodeRecord(body, signature);
    if (record) {
        fuzz::check(std::ranges::equal(record->body, body), "the record keeps another body");
        fuzz::check(std::ranges::equal(record->signature, signature),
                    "the record keeps another signature");
        fuzz::check(encodeBody(record->header, record->payload) == record->body,
                    "a decoded record encodes to another body");
        fuzz::check(record->hash() == entryHash(body, record->signature), "unstable entry hash");
        (void)kindName(record->header.kind);
        decodePayloads(record->payload);
    } else {
        fuzz::check(record.error().code == ErrorCode::Integrity && !record.error().message.empty(),
                    "decodeRecord failed with something other than an integrity error");
    }
    // The input as a bare payload too, so payload seeds need no record around them.
    decodePayloads(input);
    return 0;
}
