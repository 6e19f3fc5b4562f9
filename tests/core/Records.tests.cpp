// The bytes of every payload kind, fixed: a change to a payload's description that would change
// what existing vaults hold on disk fails here (and a decoder that drifts from its encoder).
#include "Records.h"
#include "RunRules.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sopvault;
using namespace sopvault::core;
using namespace sopvault::core::detail;
using crypto::Bytes;

namespace {

template <typename Array>
Array filled(std::uint8_t value)
{
    Array out{};
    std::fill(out.begin(), out.end(), value);
    return out;
}

Bytes bytesOf(std::initializer_list<std::uint8_t> values)
{
    return Bytes(values);
}

std::string hex(const Bytes& bytes)
{
    return crypto::toHex(bytes);
}

Bytes bytesOfHex(std::string_view text)
{
    return crypto::fromHex(text).value_or(Bytes{});
}

std::vector<KeyShare> twoShares()
{
    return {{filled<Id>(0x11), 3, filled<Id>(0x12), bytesOf({0xa1, 0xa2})},
            {filled<Id>(0x13), 4, filled<Id>(0x14), bytesOf({0xa3})}};
}

std::vector<Rotation> twoRotations()
{
    return {{filled<Id>(0x21), 5, bytesOf({0xb1}), bytesOf({0xb2, 0xb3}), twoShares()},
            {filled<Id>(0x22), 6, bytesOf({0xb4}), bytesOf({0xb5}), {}}};
}

RevocationMarks someMarks()
{
    return {{{filled<Id>(0x31), 7}, {filled<Id>(0x32), 8}}, 9, 10};
}

// Encodes, checks the bytes, then decodes them and checks the decoder gives the same bytes back.
template <typename Payload, typename Decode>
void checkFixed(const Payload& p, Decode decode, const std::string& expected)
{
    const Bytes encoded = encode(p);
    CHECK(hex(encoded) == expected);
    auto decoded = decode(encoded);
    REQUIRE(decoded);
    CHECK(hex(encode(*decoded)) == expected);
}

} // namespace

TEST_CASE("payload bytes on disk do not change: genesis, users and owners", "[records]")
{
    GenesisPayload g;
    g.userId = filled<Id>(0x01);
    g.name = "alice";
    g.signKey = filled<crypto::SignPublicKey>(0x02);
    g.boxKey = filled<crypto::BoxPublicKey>(0x03);
    g.auditKey = filled<crypto::BoxPublicKey>(0x04);
    g.sealedAuditSecret = bytesOf({0x05, 0x06});
    g.recoveryKey = filled<crypto::BoxPublicKey>(0x07);
    g.recoveryWrap = bytesOf({0x08});
    checkFixed(g, decodeGenesis,
               "00000010736f707661756c742f67656e6573697305000000100101010101010101010101"
               "01010101010600000005616c696365050000002002020202020202020202020202020202"
               "020202020202020202020202020202020500000020030303030303030303030303030303"
               "030303030303030303030303030303030305000000200404040404040404040404040404"
               "040404040404040404040404040404040404050000000205060500000020070707070707"
               "0707070707070707070707070707070707070707070707070707050000000108");

    UserAddedPayload u{filled<Id>(0x09), "bob", filled<crypto::SignPublicKey>(0x0a),
                       filled<crypto::BoxPublicKey>(0x0b)};
    checkFixed(u, decodeUserAdded,
               "00000013736f707661756c742f757365722d616464656405000000100909090909090909"
               "09090909090909090600000003626f6205000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
               "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a05000000200b0b0b0b0b0b0b0b0b0b0b0b0b0b"
               "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");

    OwnerAddedPayload o{filled<Id>(0x0c), bytesOf({0x0d}), twoShares()};
    checkFixed(o, decodeOwnerAdded,
               "00000014736f707661756c742f6f776e65722d616464656405000000100c0c0c0c0c0c0c"
               "0c0c0c0c0c0c0c0c0c05000000010d020000000205000000101111111111111111111111"
               "111111111102000000030500000010121212121212121212121212121212120500000002"
               "a1a205000000101313131313131313131313131313131302000000040500000010141414"
               "141414141414141414141414140500000001a3");

    UserRemovedPayload r{filled<Id>(0x0e), twoRotations(), someMarks()};
    checkFixed(r, decodeUserRemoved,
               "00000015736f707661756c742f757365722d72656d6f76656405000000100e0e0e0e0e0e"
               "0e0e0e0e0e0e0e0e0e0e0200000002050000001021212121212121212121212121212121"
               "02000000050500000001b10500000002b2b3020000000205000000101111111111111111"
               "111111111111111102000000030500000010121212121212121212121212121212120500"
               "000002a1a205000000101313131313131313131313131313131302000000040500000010"
               "141414141414141414141414141414140500000001a30500000010222222222222222222"
               "2222222222222202000000060500000001b40500000001b5020000000002000000020500"
               "000010313131313131313131313131313131310300000000000000070500000010323232"
               "323232323232323232323232320300000000000000080300000000000000090300000000"
               "0000000a");
}

TEST_CASE("payload bytes on disk do not change: roles, collections, grants, settings", "[records]")
{
    RolePayload role{"auditor", Rights{Right::View, Right::Review}};
    checkFixed(role, decodeRole,
               "0000000d736f707661756c742f726f6c65060000000761756469746f720200000009");

    CollectionAddedPayload c{filled<Id>(0x41), filled<Id>(0x42), bytesOf({0x43, 0x44}),
                             bytesOf({0x45}), twoShares()};
    checkFixed(c, decodeCollectionAdded,
               "00000019736f707661756c742f636f6c6c656374696f6e2d616464656405000000104141"
               "414141414141414141414141414105000000104242424242424242424242424242424205"
               "000000024344050000000145020000000205000000101111111111111111111111111111"
               "111102000000030500000010121212121212121212121212121212120500000002a1a205"
               "000000101313131313131313131313131313131302000000040500000010141414141414"
               "141414141414141414140500000001a3");

    GrantPayload grant{filled<Id>(0x51), "editor",       filled<Id>(0x52),
                       twoShares(),      twoRotations(), someMarks()};
    checkFixed(grant, decodeGrant,
               "0000000e736f707661756c742f6772616e74050000001051515151515151515151515151"
               "5151510600000006656469746f7205000000105252525252525252525252525252525202"
               "000000020500000010111111111111111111111111111111110200000003050000001012"
               "1212121212121212121212121212120500000002a1a20500000010131313131313131313"
               "131313131313130200000004050000001014141414141414141414141414141414050000"
               "0001a3020000000205000000102121212121212121212121212121212102000000050500"
               "000001b10500000002b2b302000000020500000010111111111111111111111111111111"
               "1102000000030500000010121212121212121212121212121212120500000002a1a20500"
               "000010131313131313131313131313131313130200000004050000001014141414141414"
               "1414141414141414140500000001a3050000001022222222222222222222222222222222"
               "02000000060500000001b40500000001b502000000000200000002050000001031313131"
               "313131313131313131313131030000000000000007050000001032323232323232323232"
               "32323232323203000000000000000803000000000000000903000000000000000a");

    SettingPayload s{"review.due_soon_days", 21};
    checkFixed(s, decodeSetting,
               "00000010736f707661756c742f73657474696e6706000000147265766965772e6475655f"
               "736f6f6e5f64617973030000000000000015");
}

TEST_CASE("payload bytes on disk do not change: SOP versions, content, events, audit", "[records]")
{
    SopVersionPayload v{filled<Id>(0x61), filled<Id>(0x62), 2, bytesOf({0x63}),
                        bytesOf({0x64, 0x65})};
    checkFixed(v, decodeSopVersion,
               "00000014736f707661756c742f736f702d76657273696f6e050000001061616161616161"
               "616161616161616161050000001062626262626262626262626262626262020000000205"
               "000000016305000000026465");

    // Versions written before attachments (the first content encoding) still read, with the
    // new fields empty.
    auto v1 = decodeSopContent(
        bytesOfHex("00000014736f707661756c742f736f702d636f6e74656e7406000000055469746c650600"
                   "000004426f64790200000002060000000161060000000262630101020000001e06000000"
                   "04406f707306000000056669727374"));
    REQUIRE(v1);
    CHECK(v1->title == "Title");
    CHECK(v1->body == "Body");
    CHECK(v1->tags == std::vector<std::string>{"a", "bc"});
    CHECK(v1->state == SopState::Published);
    CHECK(v1->reviewEveryDays == 30);
    CHECK(v1->reviewer == "@ops");
    CHECK(v1->message == "first");
    CHECK(v1->attachments.empty());
    CHECK(v1->summary.empty());

    SopContent content;
    content.title = "Title";
    content.body = "Body";
    content.tags = {"a", "bc"};
    content.state = SopState::Published;
    content.reviewEveryDays = 30;
    content.reviewer = "@ops";
    content.message = "first";
    AttachmentRef ref;
    ref.name = "shots/a.png";
    ref.type = "image/png";
    ref.size = 7;
    ref.contentHash = filled<crypto::Hash32>(0xa1);
    ref.blobId = filled<crypto::Hash32>(0xa2);
    auto key = crypto::SecureBuffer::copyOf(Bytes(32, 0xa3));
    REQUIRE(key);
    ref.dataKey = std::make_shared<const crypto::SecureBuffer>(std::move(*key));
    content.attachments.push_back(ref);
    content.summary = "sum";
    content.sourcePath = "src/a.md";
    content.metadata = {{"owner", "ops"}};
    checkFixed(content, decodeSopContent,
               "00000016736f707661756c742f736f702d636f6e74656e742d3206000000055469746c65"
               "0600000004426f64790200000002060000000161060000000262630101020000001e0600"
               "000004406f7073060000000566697273740200000001060000000b73686f74732f612e70"
               "6e670600000009696d6167652f706e670300000000000000070500000020a1a1a1a1a1a1"
               "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a10500000020a2a2a2a2a2"
               "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a20500000020a3a3a3a3"
               "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3060000000373756d"
               "06000000087372632f612e6d64020000000106000000056f776e657206000000036f7073");
    // An attachment key of another length is malformed, not truncated or padded.
    Bytes shortKey = encode(content);
    const std::size_t keyAt = hex(shortKey).find("0500000020a3a3") / 2;
    shortKey[keyAt + 4] = 0x1f;
    CHECK_FALSE(decodeSopContent(shortKey));

    EventPayload e{filled<Id>(0x71), filled<Id>(0x72), 3, 4, filled<crypto::Hash32>(0x73), 1,
                   filled<Id>(0x74), bytesOf({0x75})};
    checkFixed(e, decodeEvent,
               "00000012736f707661756c742f736f702d6576656e740500000010717171717171717171"
               "717171717171710500000010727272727272727272727272727272720200000003030000"
               "000000000004050000002073737373737373737373737373737373737373737373737373"
               "737373737373730101050000001074747474747474747474747474747474050000000175");

    AuditPayload a{"sop-view", bytesOf({0x81}), bytesOf({0x82, 0x83})};
    checkFixed(a, decodeAudit,
               "0000000e736f707661756c742f61756469740600000008736f702d766965770500000001"
               "8105000000028283");

    AuditDetail d{"Restart the queue", "OPS-12", "night shift"};
    checkFixed(d, decodeAuditDetail,
               "00000015736f707661756c742f61756469742d64657461696c0600000011526573746172"
               "742074686520717565756506000000064f50532d3132060000000b6e6967687420736869"
               "6674");

    KeyWrap w{Bytes(crypto::kSaltSize, 0x91),
              {3, 65536},
              bytesOf({0x92}),
              filled<crypto::Signature>(0x93)};
    checkFixed(w, decodeKeyWrap,
               "00000011736f707661756c742f6b65792d77726170050000001091919191919191919191"
               "919191919191030000000000000003030000000000010000050000000192050000004093"
               "939393939393939393939393939393939393939393939393939393939393939393939393"
               "939393939393939393939393939393939393939393939393939393");
}

TEST_CASE("payload bytes on disk do not change: templates, and the text inside run records",
          "[records]")
{
    TemplatePayload t{"KCS article", filled<Id>(0x41), 2, bytesOf({0x42, 0x43})};
    checkFixed(t, decodeTemplate,
               "00000011736f707661756c742f74656d706c617465060000000b4b43532061727469636c"
               "65050000001041414141414141414141414141414141020000000205000000024243");
    // Its text opens only under this vault, collection, epoch and name.
    CHECK(hex(templateTextAd(filled<Id>(0x44), filled<Id>(0x41), 2, "KCS article")) ==
          "00000019736f707661756c742f61642f74656d706c6174652d7465787402000000010500"
          "000010444444444444444444444444444444440500000010414141414141414141414141"
          "414141410200000002060000000b4b43532061727469636c65");

    // A run's fields travel as one encrypted text of length-prefixed fields: the start's ticket
    // and client, a step's number and note, a finish's step records. Empty fields are kept.
    CHECK(packRunText({"OPS-12", ""}) == "6:OPS-120:");
    CHECK(packRunText({"3", "rebooted: twice"}) == "1:315:rebooted: twice");
    CHECK(packRunText({}).empty());
    auto fields = unpackRunText("1:315:rebooted: twice", 2);
    REQUIRE(fields);
    CHECK(*fields == std::vector<std::string>{"3", "rebooted: twice"});
    auto none = unpackRunText("", 0);
    REQUIRE(none);
    CHECK(none->empty());
    // Malformed or miscounted text is an integrity failure, never a guess.
    for (std::string_view bad : {"3", ":3", "x:3", "9:short", "1:3extra", "-1:3"}) {
        INFO(bad);
        auto r = unpackRunText(bad, 0);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Integrity);
    }
    auto miscounted = unpackRunText("1:3", 2);
    REQUIRE_FALSE(miscounted);
    CHECK(miscounted.error().code == ErrorCode::Integrity);
}
