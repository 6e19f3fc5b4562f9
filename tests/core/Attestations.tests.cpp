// Read attestations and templates (product.md features 16 and 17): material and minor changes,
// due and overdue dates on the fake clock, who may require and attest, forged or edited records
// refused, and the templates new SOPs start from.
#include "Attacker.h"
#include "RawFile.h"
#include "Records.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sopvault;
using namespace sopvault::core;
using namespace sopvault::core::detail;
using sopvault::test::TestVault;
using sopvault::test::raw::count;

namespace {

constexpr Timestamp kDay = 86400;

// olivia owns; erin edits, tom and tess are technicians, rita reviews, all on Ops; "Offboarding"
// is published there. Nobody outside Ops: "Finance" holds no grant for tom.
struct AttestVault
{
    TestVault v;
    Id sop{};
    Timestamp created = 0;

    AttestVault()
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->addCollection("Finance"));
        for (const char* who : {"erin", "tom", "tess", "rita"}) {
            REQUIRE(owner->addUser(who, test::password(std::string(who) + "-pw"),
                                   crypto::KdfProfile::Interactive));
        }
        REQUIRE(owner->grant("erin", "editor", "Ops"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        REQUIRE(owner->grant("tess", "technician", "Ops"));
        REQUIRE(owner->grant("rita", "reviewer", "Ops"));
        created = v.clock().now();
        sop = test::addSop(*owner, "Ops", "Offboarding", "1. Disable the account\n");
    }

    std::int64_t events()
    {
        auto db = v.raw();
        return count(db, "SELECT count(*) FROM sop_events");
    }

    void edit(const std::string& body, bool minor)
    {
        auto erin = v.as("erin");
        SopEdit e;
        e.body = body;
        e.minor = minor;
        REQUIRE(erin->editSop(sop, e));
    }
};

const AttestationStatus* rowOf(const std::vector<AttestationStatus>& rows, std::string_view user)
{
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const AttestationStatus& r) { return r.user == user; });
    return it == rows.end() ? nullptr : &*it;
}

// Row `position` of the review and flag log, as stored.
test::raw::Stored eventRow(core::storage::Database& db, std::int64_t position)
{
    auto row = db.prepare("SELECT body, signature FROM sop_events WHERE position = ?");
    REQUIRE(row);
    row->bind(1, position);
    REQUIRE(*row->step());
    return {row->columnBytes(0), row->columnBytes(1)};
}

void setEventRow(core::storage::Database& db, std::int64_t position, const test::raw::Stored& s)
{
    auto update = db.prepare("UPDATE sop_events SET body = ? WHERE position = ?");
    REQUIRE(update);
    update->bind(1, crypto::ByteView(s.body)).bind(2, position);
    REQUIRE(update->run());
}

template <typename T>
ErrorCode codeOf(const Result<T>& r)
{
    REQUIRE_FALSE(r);
    return r.error().code;
}

// Each template as "name:source", in the order listed.
std::vector<std::string> names(const std::vector<TemplateInfo>& list)
{
    std::vector<std::string> out;
    for (const auto& t : list) {
        out.push_back(t.name + ":" + std::string(templateSourceName(t.source)));
    }
    return out;
}

} // namespace

TEST_CASE("a material change needs everyone to attest again, a minor one carries attestations "
          "over",
          "[core][attest]")
{
    AttestVault av;
    {
        auto erin = av.v.as("erin");
        REQUIRE(erin->requireAttestation(av.sop, "technician", 7));
    }
    {
        auto tom = av.v.as("tom");
        REQUIRE(*tom->attest(av.sop) == 1);
    }
    auto status = [&] {
        auto erin = av.v.as("erin");
        auto rows = erin->attestationStatus(av.sop, av.v.clock().now());
        REQUIRE(rows);
        REQUIRE(rows->size() == 2); // tom and tess hold the role; erin and rita do not
        return *rows;
    };
    auto rows = status();
    CHECK(rowOf(rows, "tom")->attested);
    CHECK_FALSE(rowOf(rows, "tess")->attested);
    CHECK(rowOf(rows, "tom")->version == 1);

    av.v.clock().advance(kDay);
    av.edit("1. Disable the account\n2. Revoke the tokens\n", false);
    rows = status();
    CHECK(rowOf(rows, "tom")->version == 2);
    CHECK_FALSE(rowOf(rows, "tom")->attested); // material: tom must read version 2

    {
        auto tom = av.v.as("tom");
        REQUIRE(*tom->attest(av.sop) == 2);
    }
    av.v.clock().advance(kDay);
    const auto before = av.events();
    av.edit("1. Disable the account\n2. Revoke the tokens.\n", true);
    CHECK(av.events() == before + 1); // the minor change is a signed record of its own
    rows = status();
    CHECK(rowOf(rows, "tom")->version == 3);
    CHECK(rowOf(rows, "tom")->attested); // carried over from version 2
    CHECK_FALSE(rowOf(rows, "tess")->attested);
    {
        // Attesting again what is carried over adds nothing.
        auto tom = av.v.as("tom");
        CHECK(codeOf(tom->attest(av.sop)) == ErrorCode::Failed);
    }
    CHECK(av.events() == before + 1);

    // A material change after the minor one: the carried attestation no longer covers it.
    av.edit("1. Disable the account\n2. Revoke the tokens.\n3. Wipe the phone\n", false);
    rows = status();
    CHECK_FALSE(rowOf(rows, "tom")->attested);
    CHECK(av.v.verifyAsOwner().ok);
}

TEST_CASE("an attestation is due from the later of the version and the requirement, and is overdue "
          "the day after",
          "[core][attest]")
{
    AttestVault av;
    av.v.clock().advance(3 * kDay); // the requirement comes three days later
    {
        auto erin = av.v.as("erin");
        REQUIRE(erin->requireAttestation(av.sop, "technician", 7));
    }
    const Timestamp due = av.created + 10 * kDay;
    auto tess = av.v.as("tess");
    auto rows = tess->attestationStatus(av.sop, av.v.clock().now());
    REQUIRE(rows);
    REQUIRE(rows->size() == 1); // a technician sees only their own line
    CHECK(rows->front().user == "tess");
    CHECK(rows->front().due == due);
    CHECK_FALSE(rows->front().overdue);
    auto mine = tess->myAttestationsDue(due);
    REQUIRE(mine);
    REQUIRE(mine->size() == 1);
    CHECK_FALSE(mine->front().overdue); // due on the due day
    mine = tess->myAttestationsDue(due + kDay);
    REQUIRE(mine);
    REQUIRE(mine->size() == 1);
    CHECK(mine->front().overdue);
    // The reminders beside the reviews: tess reviews nothing, yet her read is listed.
    auto reminders = tess->reviewsDue(due + kDay);
    REQUIRE(reminders);
    REQUIRE(reminders->size() == 1);
    CHECK(reminders->front().attestation);
    CHECK(reminders->front().status == ReviewStatus::Overdue);
    CHECK(reminders->front().due == due);

    // A new material version later than the requirement restarts the window from itself.
    av.v.clock().advance(20 * kDay);
    av.edit("1. Disable the account\n2. Forward the mail\n", false);
    tess = av.v.as("tess");
    mine = tess->myAttestationsDue(av.v.clock().now());
    REQUIRE(mine);
    REQUIRE(mine->size() == 1);
    CHECK(mine->front().due == av.v.clock().now() + 7 * kDay);
    CHECK_FALSE(mine->front().overdue);

    // A later requirement for the same role replaces the window.
    {
        auto erin = av.v.as("erin");
        REQUIRE(erin->requireAttestation(av.sop, "technician", 1));
    }
    tess = av.v.as("tess");
    mine = tess->myAttestationsDue(av.v.clock().now());
    REQUIRE(mine);
    REQUIRE(mine->size() == 1);
    CHECK(mine->front().due == av.v.clock().now() + kDay);

    REQUIRE(tess->attest(av.sop));
    mine = tess->myAttestationsDue(av.v.clock().now() + 100 * kDay);
    REQUIRE(mine);
    CHECK(mine->empty());
}

TEST_CASE("only editors require attestations, only viewers attest, and bad input changes "
          "nothing",
          "[core][attest]")
{
    AttestVault av;
    const auto before = av.events();
    {
        auto tom = av.v.as("tom");
        CHECK(codeOf(tom->requireAttestation(av.sop, "technician", 7)) == ErrorCode::Denied);
        auto rita = av.v.as("rita");
        CHECK(codeOf(rita->requireAttestation(av.sop, "technician", 7)) == ErrorCode::Denied);
        auto erin = av.v.as("erin");
        CHECK(codeOf(erin->requireAttestation(av.sop, "no-such-role", 7)) == ErrorCode::Usage);
        CHECK(codeOf(erin->requireAttestation(av.sop, "technician", 0)) == ErrorCode::Usage);
        CHECK(codeOf(erin->requireAttestation(av.sop, "technician", 256)) == ErrorCode::Usage);
    }
    CHECK(av.events() == before);
    Id finance{};
    {
        auto owner = av.v.as("olivia");
        finance = test::addSop(*owner, "Finance", "Payroll run", "1. Run payroll\n");
        SopEdit e;
        e.state = SopState::Draft;
        REQUIRE(owner->editSop(av.sop, e));
    }
    const auto drafted = av.events();
    {
        auto tom = av.v.as("tom");
        CHECK(codeOf(tom->attest(finance)) == ErrorCode::NotFound); // no view on Finance
        CHECK(codeOf(tom->attest(av.sop)) == ErrorCode::Usage);     // a draft is not attested
    }
    CHECK(av.events() == drafted);
}

TEST_CASE("testTamperAttestation: an attestation signed with another key, or edited in the file, "
          "is refused",
          "[core][attest][tamper]")
{
    AttestVault av;
    {
        auto erin = av.v.as("erin");
        REQUIRE(erin->requireAttestation(av.sop, "technician", 7));
    }
    const test::Stolen tom = test::steal(av.v, "tom");
    Id tessId{};
    {
        auto db = av.v.raw();
        tessId = test::userIdOf(db, "tess");
    }

    SECTION("tom forges tess's attestation with his own key")
    {
        auto db = av.v.raw();
        const Record version = test::raw::decoded(test::raw::versionRow(db, av.sop, 1));
        auto versionPayload = decodeSopVersion(version.payload);
        REQUIRE(versionPayload);
        EventPayload p;
        p.sopId = av.sop;
        p.collectionId = versionPayload->collectionId;
        p.epoch = 0;
        p.version = 1;
        p.versionHash = version.hash();
        p.encryptedText = crypto::randomBytes(40);
        const Record last = test::raw::decoded(eventRow(db, 0));
        RecordHeader h;
        h.vault = version.header.vault;
        h.recordId = randomId();
        h.kind = RecordKind::Attestation;
        h.position = 1;
        h.prev = last.hash();
        h.signer = tessId;
        h.time = av.v.clock().now();
        h.adminCount = static_cast<std::uint64_t>(count(db, "SELECT count(*) FROM admin_log"));
        test::raw::putEvent(db, av.sop, test::raw::signRecord(h, encode(p), tom.sign.secretKey));
    }
    SECTION("an insider rewrites tom's attestation into tess's with SQLite")
    {
        {
            auto t = av.v.as("tom");
            REQUIRE(t->attest(av.sop));
        }
        auto db = av.v.raw();
        test::raw::Stored row = eventRow(db, 1);
        const Record rec = test::raw::decoded(row);
        const std::size_t at = test::raw::offsetOf(
            row.body, crypto::Bytes(rec.header.signer.begin(), rec.header.signer.end()));
        std::copy(tessId.begin(), tessId.end(), row.body.begin() + static_cast<std::ptrdiff_t>(at));
        setEventRow(db, 1, row);
    }

    CHECK_FALSE(av.v.verifyAsOwner().ok);
    auto erin = av.v.as("erin");
    auto rows = erin->attestationStatus(av.sop, av.v.clock().now());
    REQUIRE_FALSE(rows);
    CHECK(rows.error().code == ErrorCode::Integrity);
    auto tess = av.v.as("tess");
    CHECK(codeOf(tess->attest(av.sop)) == ErrorCode::Integrity); // nothing written on top
}

TEST_CASE("the shipped templates, an owner's own, and who may add them", "[core][template]")
{
    AttestVault av;
    auto tom = av.v.as("tom");
    CHECK(names(tom->templates()) == std::vector<std::string>{"client-onboarding:shipped",
                                                              "kcs-article:shipped",
                                                              "runbook:shipped"});
    auto kcs = tom->templateText("kcs-article");
    REQUIRE(kcs);
    for (const char* heading : {"## Issue", "## Environment", "## Resolution", "## Cause"}) {
        CHECK(kcs->find(heading) != std::string::npos);
    }
    auto onboarding = tom->templateText("client-onboarding");
    REQUIRE(onboarding);
    CHECK(onboarding->find("- [ ] ") != std::string::npos);
    auto unknown = tom->templateText("nope");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == ErrorCode::NotFound);
    CHECK(unknown.error().message.find("kcs-article, runbook") != std::string::npos);

    auto db0 = av.v.raw();
    const auto adminBefore = count(db0, "SELECT count(*) FROM admin_log");
    CHECK(codeOf(tom->addTemplate("change", "Ops", "# Change\n")) == ErrorCode::Denied);
    auto erin = av.v.as("erin");
    CHECK(codeOf(erin->addTemplate("change", "Ops", "# Change\n")) == ErrorCode::Denied);
    auto owner = av.v.as("olivia");
    CHECK(codeOf(owner->addTemplate("bad name", "Ops", "# Change\n")) == ErrorCode::Usage);
    CHECK(codeOf(owner->addTemplate("change", "Ops", "  \n")) == ErrorCode::Usage);
    CHECK(codeOf(owner->addTemplate("change", "Nowhere", "# Change\n")) == ErrorCode::NotFound);
    // Two collections: which one must be said, and the error names them.
    auto which = owner->addTemplate("change", "", "# Change\n");
    REQUIRE_FALSE(which);
    CHECK(which.error().code == ErrorCode::Usage);
    CHECK(which.error().message.find("Finance, Ops") != std::string::npos);
    CHECK(count(db0, "SELECT count(*) FROM admin_log") == adminBefore);

    REQUIRE(owner->addTemplate("change", "Ops", "# Change request\n"));
    REQUIRE(owner->addTemplate("change", "Ops", "# Change request v2\n")); // replaces it
    REQUIRE(owner->addTemplate("runbook", "Ops", "# Our runbook\n"));      // the vault's own wins
    // Everyone sees them once the records are replayed.
    tom = av.v.as("tom");
    CHECK(names(tom->templates()) ==
          std::vector<std::string>{"change:vault", "client-onboarding:shipped",
                                   "kcs-article:shipped", "runbook:vault"});
    CHECK(*tom->templateText("change") == "# Change request v2\n");
    CHECK(*tom->templateText("runbook") == "# Our runbook\n");
    // A SOP started from a template.
    erin = av.v.as("erin");
    NewSop n;
    n.collection = "Ops";
    n.title = "Printer offline";
    n.body = *erin->templateText("kcs-article");
    const Id id = *erin->addSop(n);
    CHECK(erin->readSop(id)->body.find("## Resolution") != std::string::npos);
    CHECK(av.v.verifyAsOwner().ok);
}

TEST_CASE("an owner's template is sealed under its collection's key: only its viewers use it",
          "[core][template][security]")
{
    AttestVault av;
    const auto since = std::filesystem::file_time_type::clock::now();
    auto owner = av.v.as("olivia");
    const std::string secret = "Call Acme's CFO on +1 555 0100 before the change";
    REQUIRE(*owner->addTemplate("acme-change", "Finance", "# Acme change\n\n" + secret + "\n") ==
            "Finance");
    REQUIRE(owner->addTemplate("runbook", "Finance", "# Finance runbook\n"));
    // Not in the file: the admin log holds the name, never the text.
    const auto dir = av.v.file().parent_path();
    CHECK_FALSE(test::filesContaining(dir, "acme-change", since).empty());
    CHECK(test::filesContaining(dir, "Acme's CFO", since).empty());
    // Tom views Ops only: he sees neither, and the shipped runbook stays his.
    auto tom = av.v.as("tom");
    CHECK(names(tom->templates()) == std::vector<std::string>{"client-onboarding:shipped",
                                                              "kcs-article:shipped",
                                                              "runbook:shipped"});
    CHECK(codeOf(tom->templateText("acme-change")) == ErrorCode::NotFound);
    CHECK(tom->templateText("runbook")->find("Finance") == std::string::npos);
    // A Finance viewer sees both, with their collection.
    REQUIRE(owner->addUser("fay", test::password("fay-pw"), crypto::KdfProfile::Interactive));
    REQUIRE(owner->grant("fay", "technician", "Finance"));
    auto fay = av.v.as("fay");
    const auto list = fay->templates();
    REQUIRE(list.front().name == "acme-change");
    CHECK(list.front().collection == "Finance");
    CHECK(fay->templateText("acme-change")->find(secret) != std::string::npos);
    CHECK(*fay->templateText("runbook") == "# Finance runbook\n");
    CHECK(av.v.verifyAsOwner().ok);
}

TEST_CASE("testTamperTemplate: a template record signed by a non-owner is refused",
          "[core][template][tamper]")
{
    AttestVault av;
    const test::Stolen erin = test::steal(av.v, "erin");
    {
        auto db = av.v.raw();
        const auto admin = test::raw::readAdminLog(db);
        const RecordHeader h = test::raw::nextAdmin(admin, RecordKind::TemplateAdded, erin.user);
        // A well-formed template for Ops, so only the signer is wrong.
        auto version =
            decodeSopVersion(test::raw::decoded(test::raw::versionRow(db, av.sop, 1)).payload);
        REQUIRE(version);
        TemplatePayload p{"evil", version->collectionId, 0, crypto::randomBytes(40)};
        test::raw::putAdmin(db, test::raw::signRecord(h, encode(p), erin.sign.secretKey));
    }
    CHECK_FALSE(av.v.verifyAsOwner().ok);
}
