// Runs travel with team sync unchanged: a run written on one replica is seen on another, and a
// run whose steps and finish were re-signed on a rebase (another record took their place on the
// server) still reads whole there.
#include "Team.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::synctest;
using nlohmann::json;

namespace {

const std::string kChecklist =
    "# Onboarding\n\n- [ ] Create the account\n- [ ] Assign the licence\n- [ ] Send the mail\n";

} // namespace

TEST_CASE("A run started and finished on a technician's replica is seen on the owner's, also "
          "after its records were re-signed on a rebase",
          "[sync][runs]")
{
    Team team;
    Person& owner = team.owner();
    team.found();
    const std::string sop = owner
                                .json({"sop", "add", "Clients", "--title", "New client onboarding",
                                       "--file", owner.inputFile("c.md", kChecklist)})
                                .at("id");
    Person& tech = team.join("tom", "technician", "Clients");
    const std::string run =
        tech.json({"run", "start", sop, "--ticket", "T-100", "--client", "Acme"}).at("id");
    tech.ok({"run", "step", run, "1", "--done", "--note", "created"});

    // The technician goes on offline while the owner writes to the same log on the server.
    tech.ok({"--offline", "run", "step", run, "2", "--skip", "--note", "no licence yet"});
    tech.ok({"--offline", "run", "finish", run});
    owner.ok({"sop", "flag", sop, "--comment", "the welcome mail template moved"});
    team.settle();

    for (const Person* who : {&owner, &tech}) {
        INFO(who->name());
        const json shown = who->json({"run", "show", run});
        CHECK(shown.at("ticket") == "T-100");
        CHECK(shown.at("client") == "Acme");
        CHECK(shown.at("finished").is_string());
        REQUIRE(shown.at("steps").size() == 3);
        CHECK(shown.at("steps")[0].at("state") == "done");
        CHECK(shown.at("steps")[1].at("state") == "skipped");
        CHECK(shown.at("steps")[1].at("note") == "no licence yet");
        CHECK(shown.at("steps")[2].at("state") == "open");
        CHECK(who->ok({"verify"}).code == 0);
    }
}
