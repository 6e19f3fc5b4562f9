// Runs of a SOP's checklist (product.md feature 15): bound to the version they started on, kept
// in the vault file across a close, only the starter and the owners tick, evidence as a ticket
// note, and a run record edited or forged in the file refused.
#include "Attacker.h"
#include "RawFile.h"
#include "Records.h"
#include "TestVault.h"
#include "sopvault/core/Markdown.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace sopvault;
using namespace sopvault::core;
using crypto::Bytes;
using sopvault::test::TestVault;
using sopvault::test::raw::count;

namespace {

const std::string kBody = "# New user setup\n\nIntro text that is not a step.\n\n"
                          "- [ ] Create the account in **Entra**\n"
                          "- [x] Assign the `E3` licence\n"
                          "  - [ ] Nested: add to the VPN group\n"
                          "- a plain bullet\n\n"
                          "1. [ ] Send the welcome mail\n";

// olivia owns; tom is a technician, erin an editor, rita a reviewer on Ops; ann has nothing.
struct RunVault
{
    TestVault v;
    Id sop{};

    RunVault()
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        for (const char* who : {"tom", "erin", "rita", "ann"}) {
            REQUIRE(owner->addUser(who, test::password(std::string(who) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        REQUIRE(owner->grant("erin", "editor", "Ops"));
        REQUIRE(owner->grant("rita", "reviewer", "Ops"));
        sop = test::addSop(*owner, "Ops", "New user setup", kBody);
    }

    std::int64_t events()
    {
        auto db = v.raw();
        return count(db, "SELECT count(*) FROM sop_events");
    }
};

template <typename T>
ErrorCode codeOf(const Result<T>& r)
{
    REQUIRE_FALSE(r);
    return r.error().code;
}

std::string readText(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("runs: the steps of a version are its task-list items in document order", "[core][runs]")
{
    const auto steps = checklistSteps(kBody);
    REQUIRE(steps.size() == 4);
    CHECK(steps[0] == "Create the account in Entra");
    CHECK(steps[1] == "Assign the E3 licence");
    CHECK(steps[2] == "Nested: add to the VPN group");
    CHECK(steps[3] == "Send the welcome mail");
    CHECK(checklistSteps("1. Patch\n- not a task\n").empty());
    CHECK(checklistSteps("```\n- [ ] in a code block\n```\n").empty());
}

TEST_CASE("runs: a run survives closing the vault, and its steps keep who, when and the note",
          "[core][runs]")
{
    RunVault rv;
    Id run{};
    {
        auto tom = rv.v.as("tom");
        auto started = tom->startRun(rv.sop, "T-4821", "Acme");
        REQUIRE(started);
        run = *started;
        rv.v.clock().advance(60);
        REQUIRE(tom->runStep(run, 1, StepState::Done, "account alice@acme"));
    }
    // Closed and opened again (another process, another day): the run is in the file.
    rv.v.clock().advance(86400);
    {
        auto tom = rv.v.as("tom");
        auto open = tom->runs(RunFilter{true, {}, {}});
        REQUIRE(open);
        REQUIRE(open->size() == 1);
        CHECK(open->front().id == run);
        CHECK(open->front().done == 1);
        REQUIRE(tom->runStep(run, 3, StepState::Skipped, "no VPN for this user"));
        REQUIRE(tom->finishRun(run));
    }
    auto info = rv.v.as("rita")->run(run);
    REQUIRE(info);
    CHECK(info->version == 1);
    CHECK(info->ticket == "T-4821");
    CHECK(info->client == "Acme");
    CHECK(info->startedBy == "tom");
    CHECK(info->started == 1798761600);
    REQUIRE(info->finished);
    CHECK(*info->finished == 1798761600 + 60 + 86400);
    REQUIRE(info->steps.size() == 4);
    CHECK(info->steps[0].state == StepState::Done);
    CHECK(info->steps[0].by == "tom");
    CHECK(info->steps[0].time == std::optional<Timestamp>(1798761600 + 60));
    CHECK(info->steps[0].note == "account alice@acme");
    CHECK(info->steps[1].state == StepState::Open);
    CHECK(info->steps[2].state == StepState::Skipped);
    CHECK(info->steps[2].note == "no VPN for this user");
    CHECK(info->steps[3].state == StepState::Open);
    auto open = rv.v.as("tom")->runs(RunFilter{true, {}, {}});
    REQUIRE(open);
    CHECK(open->empty());
    auto forTicket = rv.v.as("tom")->runs(RunFilter{false, {}, "T-4821"});
    REQUIRE(forTicket);
    CHECK(forTicket->size() == 1);
    CHECK(rv.v.as("tom")->runs(RunFilter{false, {}, "T-1"})->empty());
    CHECK(rv.v.verifyAsOwner().ok);
}

TEST_CASE("runs: several runs are open at once, each on its own", "[core][runs]")
{
    RunVault rv;
    auto tom = rv.v.as("tom");
    auto a = tom->startRun(rv.sop, "T-1", "Acme");
    auto b = tom->startRun(rv.sop, "T-2", "Globex");
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(tom->runStep(*b, 2, StepState::Done, ""));
    CHECK(tom->run(*a)->count(StepState::Done) == 0);
    CHECK(tom->run(*b)->count(StepState::Done) == 1);
    CHECK(tom->runs()->size() == 2);
}

TEST_CASE("runs: a SOP edited mid-run leaves the run on its version and says which is newer",
          "[core][runs]")
{
    RunVault rv;
    auto tom = rv.v.as("tom");
    auto run = tom->startRun(rv.sop, "T-7", "");
    REQUIRE(run);
    SopEdit edit;
    edit.body = "- [ ] Only one step now\n";
    edit.message = "shorter";
    REQUIRE(rv.v.as("erin")->editSop(rv.sop, edit));
    // tom's open session saw the edit only through the file: a fresh one sees it too.
    tom = rv.v.as("tom");
    auto info = tom->run(*run);
    REQUIRE(info);
    CHECK(info->version == 1);
    CHECK(info->headVersion == 2);
    CHECK(info->newerVersion());
    REQUIRE(info->steps.size() == 4);
    CHECK(info->steps[3].text == "Send the welcome mail");
    // Steps are still numbered by the run's version: step 4 exists there.
    REQUIRE(tom->runStep(*run, 4, StepState::Done, "sent"));
    REQUIRE(tom->finishRun(*run));
    const std::string text = runEvidence(*tom->run(*run), EvidenceFormat::Text);
    CHECK(text.find("newer version (2)") != std::string::npos);
    // A new run starts on the newest version.
    auto second = tom->startRun(rv.sop, "T-8", "");
    REQUIRE(second);
    CHECK(tom->run(*second)->version == 2);
    CHECK(tom->run(*second)->steps.size() == 1);
}

TEST_CASE("runs: bad input and someone else's run are clear errors that change nothing",
          "[core][runs]")
{
    RunVault rv;
    auto run = rv.v.as("tom")->startRun(rv.sop, "T-9", "Acme");
    REQUIRE(run);
    REQUIRE(rv.v.as("tom")->runStep(*run, 1, StepState::Done, ""));
    const auto before = rv.events();
    auto tom = rv.v.as("tom");
    CHECK(codeOf(tom->runStep(*run, 0, StepState::Done, "")) == ErrorCode::Usage);
    CHECK(codeOf(tom->runStep(*run, 5, StepState::Done, "")) == ErrorCode::Usage);
    CHECK(codeOf(tom->runStep(*run, 2, StepState::Open, "")) == ErrorCode::Usage);
    CHECK(codeOf(tom->runStep(*run, 1, StepState::Skipped, "")) == ErrorCode::Failed);
    CHECK(codeOf(tom->runStep(*run, 2, StepState::Done, std::string(5000, 'x'))) ==
          ErrorCode::Usage);
    CHECK(codeOf(tom->runStep(randomId(), 1, StepState::Done, "")) == ErrorCode::NotFound);
    CHECK(codeOf(tom->startRun(rv.sop, "T-1\nforged line", "")) == ErrorCode::Usage);
    CHECK(codeOf(tom->startRun(rv.sop, std::string(201, 'T'), "")) == ErrorCode::Usage);
    CHECK(codeOf(tom->startRun(rv.sop, "T-1", "Acme\x1b[2J")) == ErrorCode::Usage);
    // A SOP without a checklist has nothing to run.
    const Id plain = test::addSop(*rv.v.as("olivia"), "Ops", "Plain", "1. Patch\n");
    CHECK(codeOf(rv.v.as("tom")->startRun(plain, "", "")) == ErrorCode::Usage);
    // Someone else's run: an editor may view it but not tick it.
    auto erin = rv.v.as("erin");
    CHECK(codeOf(erin->runStep(*run, 2, StepState::Done, "")) == ErrorCode::Denied);
    CHECK(codeOf(erin->finishRun(*run)) == ErrorCode::Denied);
    CHECK(rv.events() == before);
    // The owners may.
    REQUIRE(rv.v.as("olivia")->runStep(*run, 2, StepState::Done, "done for tom"));
    CHECK(rv.v.as("tom")->run(*run)->steps[1].by == "olivia");
    // A finished run takes no more steps and no second finish.
    REQUIRE(rv.v.as("tom")->finishRun(*run));
    const auto finished = rv.events();
    CHECK(codeOf(rv.v.as("tom")->runStep(*run, 3, StepState::Done, "")) == ErrorCode::Failed);
    CHECK(codeOf(rv.v.as("olivia")->runStep(*run, 3, StepState::Done, "")) == ErrorCode::Failed);
    CHECK(codeOf(rv.v.as("tom")->finishRun(*run)) == ErrorCode::Failed);
    CHECK(rv.events() == finished);
}

TEST_CASE("runs: no view, no run; no export, no evidence file", "[core][runs][access]")
{
    RunVault rv;
    const auto before = rv.events();
    auto ann = rv.v.as("ann");
    CHECK(codeOf(ann->startRun(rv.sop, "T-1", "")) == ErrorCode::NotFound);
    CHECK(rv.events() == before);
    auto run = rv.v.as("tom")->startRun(rv.sop, "T-1", "");
    REQUIRE(run);
    CHECK(codeOf(ann->run(*run)) == ErrorCode::NotFound);
    CHECK(codeOf(ann->runStep(*run, 1, StepState::Done, "")) == ErrorCode::NotFound);
    CHECK(ann->runs()->empty());
    // tom (technician: view only) may not write the evidence out; the attempt is audited.
    test::TempDir dir;
    const auto out = dir.path() / "T-1.md";
    CHECK(codeOf(rv.v.as("tom")->exportRun(*run, ExportFormat::Markdown, out)) ==
          ErrorCode::Denied);
    CHECK_FALSE(std::filesystem::exists(out));
    auto audit = rv.v.as("olivia")->audit();
    REQUIRE(audit);
    CHECK(std::any_of(audit->begin(), audit->end(), [](const AuditEntry& a) {
        return a.action == "export-denied" && a.actor == "tom";
    }));
    // Losing view later: the run is no longer shown to the person.
    REQUIRE(rv.v.as("olivia")->ungrant("tom", "technician", "Ops"));
    CHECK(codeOf(rv.v.as("tom")->run(*run)) == ErrorCode::NotFound);
}

TEST_CASE("runs: the evidence reads as a ticket note in Markdown, HTML and plain text",
          "[core][runs][export]")
{
    RunVault rv;
    REQUIRE(rv.v.as("olivia")->grant("tom", "editor", "Ops"));
    auto tom = rv.v.as("tom");
    auto run = tom->startRun(rv.sop, "T-4821", "Acme <Corp>");
    REQUIRE(run);
    rv.v.clock().advance(90);
    REQUIRE(tom->runStep(*run, 1, StepState::Done, "created <alice>"));
    REQUIRE(tom->runStep(*run, 2, StepState::Skipped, "licence pending"));
    REQUIRE(tom->finishRun(*run));
    test::TempDir dir;
    // An owner grant gives export; the watermark names who exported it.
    auto olivia = rv.v.as("olivia");
    REQUIRE(olivia->exportRun(*run, ExportFormat::Markdown, dir.path() / "run.md"));
    REQUIRE(olivia->exportRun(*run, ExportFormat::Html, dir.path() / "run.html"));
    const std::string md = readText(dir.path() / "run.md");
    const std::string html = readText(dir.path() / "run.html");
    INFO(md);
    CHECK(md.find("# Run: New user setup") != std::string::npos);
    CHECK(md.find("Exported from SOP Vault by olivia") != std::string::npos);
    CHECK(md.find("version 1") != std::string::npos);
    CHECK(md.find("- Ticket: T-4821") != std::string::npos);
    CHECK(md.find("- Client: Acme <Corp>") != std::string::npos);
    CHECK(md.find("- Started: 2027-01-01T00:00:00Z by tom") != std::string::npos);
    CHECK(md.find("- Finished: 2027-01-01T00:01:30Z by tom") != std::string::npos);
    CHECK(md.find("1. [done] Create the account in Entra (tom, 2027-01-01T00:01:30Z): created "
                  "<alice>") != std::string::npos);
    CHECK(md.find("2. [skipped] Assign the E3 licence (tom, 2027-01-01T00:01:30Z): licence "
                  "pending") != std::string::npos);
    CHECK(md.find("4. [open] Send the welcome mail") != std::string::npos);
    // The SOP's text beyond the step titles does not leave.
    CHECK(md.find("Intro text") == std::string::npos);
    CHECK(html.find("<h1>Run: New user setup</h1>") != std::string::npos);
    CHECK(html.find("Exported from SOP Vault by olivia") != std::string::npos);
    CHECK(html.find("Acme &lt;Corp&gt;") != std::string::npos);
    CHECK(html.find("created &lt;alice&gt;") != std::string::npos);
    CHECK(html.find("<alice>") == std::string::npos);
    CHECK(html.find("<td>Assign the E3 licence</td><td>skipped</td>") != std::string::npos);
    CHECK(html.find("Intro text") == std::string::npos);
    // A second export to the same path writes nothing over it.
    CHECK(codeOf(olivia->exportRun(*run, ExportFormat::Markdown, dir.path() / "run.md")) ==
          ErrorCode::Failed);
    const auto text = olivia->runEvidenceText(*run);
    REQUIRE(text);
    CHECK(text->find("Ticket: T-4821\nClient: Acme <Corp>\n") != std::string::npos);
    CHECK(text->find("Steps: 1 done, 1 skipped, 2 open of 4") != std::string::npos);
    CHECK(text->find("Intro text") == std::string::npos);
    // Start and finish are audited with the ticket; the exports too.
    auto audit = olivia->audit();
    REQUIRE(audit);
    for (const char* action : {"run-start", "run-finish", "run-export"}) {
        INFO(action);
        CHECK(std::any_of(audit->begin(), audit->end(), [&](const AuditEntry& a) {
            return a.action == action && a.detail.find("ticket T-4821") != std::string::npos;
        }));
    }
}

TEST_CASE("tamper 11: a flipped byte anywhere in a run step record fails closed",
          "[core][runs][tamper]")
{
    RunVault rv;
    auto run = rv.v.as("tom")->startRun(rv.sop, "T-5", "");
    REQUIRE(run);
    REQUIRE(rv.v.as("tom")->runStep(*run, 1, StepState::Done, "ok"));
    Bytes body;
    Bytes signature;
    {
        auto db = rv.v.raw();
        auto row = db.prepare("SELECT body, signature FROM sop_events WHERE position = 1");
        REQUIRE(row);
        REQUIRE(*row->step());
        body = row->columnBytes(0);
        signature = row->columnBytes(1);
    }
    auto put = [&](const Bytes& b, const Bytes& s) {
        auto db = rv.v.raw();
        auto update =
            db.prepare("UPDATE sop_events SET body = ?, signature = ? WHERE position = 1");
        REQUIRE(update);
        update->bind(1, crypto::ByteView(b)).bind(2, crypto::ByteView(s));
        REQUIRE(update->run());
    };
    const std::size_t total = body.size() + signature.size();
    for (std::size_t i = 0; i < total; i += 7) {
        Bytes b = body;
        Bytes s = signature;
        (i < b.size() ? b[i] : s[i - b.size()]) ^= 0x01;
        put(b, s);
        INFO("flipped byte " << i << " of " << total);
        auto tom = rv.v.as("tom");
        CHECK(codeOf(tom->run(*run)) == ErrorCode::Integrity);
        CHECK_FALSE(tom->runStep(*run, 2, StepState::Done, ""));
        CHECK_FALSE(rv.v.verifyAsOwner().ok);
    }
    put(body, signature);
    CHECK(rv.v.verifyAsOwner().ok);
    CHECK(rv.v.as("tom")->run(*run)->steps[0].state == StepState::Done);
}

TEST_CASE("tamper 11: a run step forged by someone who did not start the run is refused",
          "[core][runs][tamper]")
{
    RunVault rv;
    auto run = rv.v.as("tom")->startRun(rv.sop, "T-6", "");
    REQUIRE(run);
    REQUIRE(rv.v.as("tom")->runStep(*run, 1, StepState::Done, "ok"));
    {
        // erin (an editor with her own keys) signs a step of tom's run with a correct chain.
        const test::Stolen erin = test::steal(rv.v, "erin");
        auto db = rv.v.raw();
        auto events =
            test::raw::records(db, "SELECT body, signature FROM sop_events ORDER BY position");
        REQUIRE(events.size() == 2);
        const detail::Record& step = events.back();
        detail::RecordHeader h = step.header;
        h.recordId = randomId();
        h.position = 2;
        h.prev = step.hash();
        h.signer = erin.user;
        h.time = test::raw::kForgedTime;
        test::raw::putEvent(db, rv.sop,
                            test::raw::signRecord(h, step.payload, erin.sign.secretKey));
    }
    CHECK(codeOf(rv.v.as("tom")->run(*run)) == ErrorCode::Integrity);
    const auto report = rv.v.verifyAsOwner();
    CHECK_FALSE(report.ok);
}

TEST_CASE("runs: an open flag shows in the list and the reader for everyone who may view it",
          "[core][runs][flags]")
{
    RunVault rv;
    CHECK(rv.v.as("rita")->summary(rv.sop)->openFlags == 0);
    REQUIRE(rv.v.as("tom")->flag(rv.sop, "step 2 names the wrong licence"));
    for (const char* who : {"rita", "erin", "olivia", "tom"}) {
        INFO(who);
        auto s = rv.v.as(who);
        auto list = s->listSops();
        REQUIRE(list);
        REQUIRE(list->size() == 1);
        CHECK(list->front().openFlags == 1);
        CHECK(s->readSop(rv.sop)->openFlags == 1);
    }
    CHECK(rv.v.as("ann")->listSops()->empty());
    // A new version settles it.
    SopEdit edit;
    edit.body = kBody + "\nfixed\n";
    REQUIRE(rv.v.as("erin")->editSop(rv.sop, edit));
    CHECK(rv.v.as("rita")->listSops()->front().openFlags == 0);
}
