// Text that would redraw a terminal or reorder what a person reads is refused at input: C1
// controls and bidirectional overrides in titles, names, tags and collection paths.
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

// Each one a single code point, as UTF-8: what a hostile title, tag or path would carry.
const std::vector<std::pair<const char*, std::string>> kHostile = {
    {"U+009B (C1 CSI)", "\xC2\x9B"},
    {"U+0085 (C1 NEL)", "\xC2\x85"},
    {"U+202E (right-to-left override)", "\xE2\x80\xAE"},
    {"U+202A (left-to-right embedding)", "\xE2\x80\xAA"},
    {"U+2066 (left-to-right isolate)", "\xE2\x81\xA6"},
    {"U+2069 (pop directional isolate)", "\xE2\x81\xA9"},
    {"U+061C (Arabic letter mark)", "\xD8\x9C"},
    {"U+200F (right-to-left mark)", "\xE2\x80\x8F"},
    {"U+2028 (line separator)", "\xE2\x80\xA8"},
    {"ESC (C0)", "\x1B"},
};

void checkUsage(const Result<void>& r)
{
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Usage);
}

template <typename T>
void checkUsage(const Result<T>& r)
{
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Usage);
}

} // namespace

TEST_CASE("hostile text: a title, tag or collection path with U+202E or U+009B is refused",
          "[core][input]")
{
    TestVault v;
    auto s = v.as("olivia");
    REQUIRE(s->addCollection("Clients"));
    NewSop good;
    good.collection = "Clients";
    good.title = "Reset a password";
    good.body = "1. Verify the caller.\n";
    auto id = s->addSop(good);
    REQUIRE(id);

    for (const auto& [what, bad] : kHostile) {
        INFO(what);
        NewSop sop = good;
        sop.title = "Invoice " + bad + "fdp.exe";
        checkUsage(s->addSop(sop));
        SopEdit retitle;
        retitle.title = sop.title;
        checkUsage(s->editSop(*id, retitle));

        sop = good;
        sop.title = "Tagged";
        sop.tags = {"net" + bad + "work"};
        checkUsage(s->addSop(sop));

        checkUsage(s->addCollection("Clients/Ac" + bad + "me"));
        sop = good;
        sop.collection = "Clients/" + bad;
        checkUsage(s->addSop(sop));
    }
    // The ordinary neighbours of those code points are text, not controls.
    NewSop fine = good;
    fine.title = "Caf\xC3\xA9 \xE2\x80\x94 \xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A";
    fine.tags = {"r\xC3\xA9seau"};
    CHECK(s->addSop(fine));
    CHECK(s->addCollection("Clients/Caf\xC3\xA9"));
    // Nothing hostile was written: one SOP besides the fine one, no hostile collection.
    auto list = s->listSops();
    REQUIRE(list);
    CHECK(list->size() == 2);
    CHECK(s->collections().size() == 2);
}

TEST_CASE("hostile text: user and role names with C1 or bidirectional controls are refused",
          "[core][input]")
{
    TestVault v;
    auto s = v.as("olivia");
    for (const auto& [what, bad] : kHostile) {
        INFO(what);
        checkUsage(
            s->addUser("tom" + bad, test::password("tom-pw"), crypto::KdfProfile::Interactive));
        checkUsage(s->defineRole("lead" + bad, Rights{Right::View}));
    }
    CHECK(s->users().size() == 1);
}
