// Coverage and usage (product.md feature 18): every CSV shape a PSA exports, a CSV that cannot
// be read (a clear error, nothing changed), categories matched to SOPs by tag, and usage
// counted from a scripted audit log.
#include "RawFile.h"
#include "TestVault.h"

#include <catch2/catch.hpp>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TestVault;

namespace {

std::vector<std::pair<std::string, std::uint64_t>> read(std::string_view csv)
{
    auto parsed = parseTicketCategories(csv);
    INFO((parsed ? std::string() : parsed.error().message));
    REQUIRE(parsed);
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& c : *parsed) {
        out.emplace_back(c.category, c.tickets);
    }
    return out;
}

using Counts = std::vector<std::pair<std::string, std::uint64_t>>;

} // namespace

TEST_CASE("ticket exports in each shape read as categories and counts", "[core][report]")
{
    const Counts expected{{"Printing", 12}, {"Email", 5}};
    // A category and a count column, in the names of several PSAs.
    CHECK(read("Category,Count\nEmail,5\nPrinting,12\n") == expected);
    CHECK(read("\xEF\xBB\xBFIssue Type;Tickets\r\nEmail;5\r\nPrinting;12\r\n") == expected);
    CHECK(read("Problem_Type\tNumber of Tickets\nEmail\t5\nPrinting\t12\n") == expected);
    // One row per ticket, with other columns around the category; quoted cells.
    CHECK(read("Ticket ID,Summary,Type,Status\n"
               "1,\"Printer, 2nd floor\",Printing,Closed\n"
               "2,\"Outlook \"\"stuck\"\"\",Email,Open\n"
               "3,Jam,printing,Closed\n") == Counts{{"Printing", 2}, {"Email", 1}});
    // Blank lines and blank categories are skipped.
    CHECK(read("category,count\n\nEmail,5\n,7\nPrinting,12\n") == expected);
}

TEST_CASE("a ticket export that cannot be read is a usage error naming what it found",
          "[core][report]")
{
    auto noCategory = parseTicketCategories("Ticket,Opened,Tech\n1,2027-01-02,tom\n");
    REQUIRE_FALSE(noCategory);
    CHECK(noCategory.error().code == ErrorCode::Usage);
    CHECK(noCategory.error().message.find("'Ticket', 'Opened', 'Tech'") != std::string::npos);
    auto badCount = parseTicketCategories("Category,Count\nEmail,5\nPrinting,many\n");
    REQUIRE_FALSE(badCount);
    CHECK(badCount.error().code == ErrorCode::Usage);
    CHECK(badCount.error().message.find("Row 3") != std::string::npos);
    CHECK_FALSE(parseTicketCategories(""));
}

TEST_CASE("coverage maps categories to SOPs by tag and says which have no published, reviewed "
          "SOP; usage counts the audit log's views",
          "[core][report]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    const Id printing =
        test::addSop(*owner, "Ops", "Clear a print queue", "1. Clear\n", {"printing"});
    const Id email = test::addSop(*owner, "Ops", "Fix Outlook", "1. Restart\n", {"Email"});
    REQUIRE(owner->signOff(printing, ReviewDecision::Approved, "fine"));
    const std::string csv = "Category,Count\nEmail,5\nPrinting,12\nVPN,3\n";

    auto rows = owner->coverage(csv, v.clock().now());
    REQUIRE(rows);
    REQUIRE(rows->size() == 3);
    CHECK((*rows)[0].category == "Printing");
    CHECK((*rows)[0].covered);
    REQUIRE((*rows)[0].sops.size() == 1);
    CHECK((*rows)[0].sops[0].id == printing);
    CHECK((*rows)[1].category == "Email"); // tagged, but never reviewed
    CHECK_FALSE((*rows)[1].covered);
    REQUIRE((*rows)[1].sops.size() == 1);
    CHECK_FALSE((*rows)[1].sops[0].reviewed);
    CHECK((*rows)[2].category == "VPN"); // nothing at all
    CHECK((*rows)[2].sops.empty());
    CHECK_FALSE((*rows)[2].covered);
    // A year on, the approval is overdue: not covered any more.
    rows = owner->coverage(csv, v.clock().now() + 365 * 86400);
    REQUIRE(rows);
    CHECK_FALSE((*rows)[0].covered);
    // A bad export is refused as a whole.
    CHECK_FALSE(owner->coverage("Ticket,Opened\n1,2\n", v.clock().now()));

    // Usage from a scripted audit log: three reads of one SOP, one of the other, and a flag.
    v.addUser("tom");
    REQUIRE(owner->grant("tom", "technician", "Ops"));
    auto tom = v.as("tom");
    for (int i = 0; i < 3; ++i) {
        REQUIRE(tom->readSop(email));
    }
    v.clock().advance(86400);
    const Timestamp later = v.clock().now();
    REQUIRE(tom->readSop(printing));
    REQUIRE(tom->flag(printing, "Step 1 is out of date"));
    owner = v.as("olivia");
    auto used = owner->usage(std::nullopt, v.clock().now());
    REQUIRE(used);
    REQUIRE(used->size() == 2);
    CHECK((*used)[0].id == email);
    CHECK((*used)[0].views == 3);
    CHECK_FALSE((*used)[0].staleButUsed);
    CHECK((*used)[1].id == printing);
    CHECK((*used)[1].views == 1);
    CHECK((*used)[1].openFlags == 1);
    CHECK((*used)[1].staleButUsed); // flagged and still read
    used = owner->usage(later, v.clock().now());
    REQUIRE(used);
    CHECK((*used)[0].id == printing);
    CHECK((*used)[1].views == 0);
    // Only owners read the audit log.
    auto denied = tom->usage(std::nullopt, v.clock().now());
    REQUIRE_FALSE(denied);
    CHECK(denied.error().code == ErrorCode::Denied);
}
