// Attachments on a team server: a file attached on one laptop reaches another with its SOP
// version, a clone gets it, and the server holds none of its bytes in the clear.
#include "Team.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::synctest;
using nlohmann::json;

namespace {

// A PNG signature and pixels that carry a marker the server must never show.
const std::string kShot = std::string("\x89PNG\r\n\x1A\n", 8) + "IDATZEBRASHOTPIXELS";

std::string openedBy(const Person& who, const std::string& sop, std::uint64_t version,
                     std::string_view name)
{
    auto s = who.unlock();
    auto id = core::idFromHex(sop);
    REQUIRE(id);
    auto data = s->openAttachment(*id, version, name);
    REQUIRE(data);
    return std::string(data->bytes.view());
}

} // namespace

TEST_CASE("A team: a file attached on one laptop is pulled and opened on another, and a clone "
          "gets it",
          "[sync][attachments]")
{
    Team team;
    team.found();
    Person& owner = team.owner();
    Person& tech = team.join("tom", "technician", "Clients");
    const std::string id = owner
                               .json({"sop", "add", "Clients", "--title", "Expand a PVC", "--file",
                                      owner.inputFile("v1.md", "![d](shot.png)\n")})
                               .at("id");
    owner.ok({"sop", "attach", id, owner.inputFile("shot.png", kShot), "--message", "dialog"});
    CHECK(owner.remoteShow().at("pending") == 0);

    // The server has the ciphertext only.
    {
        auto admin = team.admin();
        CHECK(countRows(admin,
                        "SELECT count(*) FROM sopvault.records WHERE vault_id = $1 AND "
                        "position(convert_to('ZEBRASHOT', 'UTF8') IN body) > 0",
                        {remote::Param::text(team.vaultId())}) == 0);
    }

    CHECK(tech.sync().at("pulled").get<int>() > 0);
    const json listed = tech.json({"sop", "attachments", id});
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].at("name") == "shot.png");
    CHECK(listed[0].at("type") == "image/png");
    CHECK(listed[0].at("size") == kShot.size());
    CHECK(openedBy(tech, id, 2, "shot.png") == kShot);

    // A later version that keeps the file sends no second copy, and still opens everywhere.
    owner.ok({"sop", "edit", id, "--file", owner.inputFile("v3.md", "![d](shot.png)\nmore\n")});
    tech.sync();
    CHECK(openedBy(tech, id, 3, "shot.png") == kShot);

    // A new laptop: the clone has every blob, and verify opens them all.
    Person& rita = team.join("rita", "technician", "Clients");
    CHECK(openedBy(rita, id, 3, "shot.png") == kShot);
    const json verified = rita.json({"verify"});
    CHECK(verified.at("ok") == true);
    CHECK(verified.at("checked").at("attachments") == 1);
    // A technician may look, not take the file away.
    const auto saved = rita.run(
        {"sop", "attachment", id, "shot.png", "--out", rita.inputFile("unused", "") + ".png"});
    CHECK(saved.code == 4);
}
