// Search that finds what technicians type (identifier parts, stems, phrases, titles first,
// match ranges) and the sealed index in the state folder (reused, brought up to date, never
// trusted when doctored or foreign, dropped when rights change, never plaintext on disk).
#include "SearchIndex.h"
#include "TestVault.h"
#include "storage/PrivateFiles.h"

#include "sopvault/crypto/Crypto.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::addSop;
using sopvault::test::TestVault;

namespace {

SearchQuery query(std::string_view text)
{
    SearchQuery q;
    q.text = std::string(text);
    return q;
}

std::vector<std::string> titles(Session& s, std::string_view text)
{
    auto hits = s.search(query(text));
    REQUIRE(hits);
    std::vector<std::string> out;
    for (const auto& h : *hits) {
        out.push_back(h.title);
    }
    return out;
}

bool finds(Session& s, std::string_view text, const std::string& title)
{
    const auto found = titles(s, text);
    return std::find(found.begin(), found.end(), title) != found.end();
}

// The sealed index files in the test's state folder.
std::vector<std::filesystem::path> indexFiles(const TestVault& v)
{
    std::vector<std::filesystem::path> out;
    const auto dir = v.file().parent_path() / "state";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".search") {
            out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// A library of runbooks as monitoring names them.
struct Library
{
    TestVault v;
    Library()
    {
        v.useStateDir();
        v.addUser("tom");
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->addCollection("Finance"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        addSop(*owner, "Ops", "NodeFilesystemSpaceFillingUp",
               "Find what grows: du -sh /var/* and rotate the logs.\n", {"KubeNodeAlerts"});
        addSop(*owner, "Ops", "Pod crash loops",
               "When kube.pod.crash fires, read the last logs of the container.\n");
        addSop(*owner, "Ops", "Mail relay",
               "The smtp_relay_timeout and the tls-handshake-error "
               "alerts mean the relay is down.\n");
        addSop(*owner, "Ops", "TLS renewal",
               "The certificate expiration date is in the monitoring. Renew it early.\n");
        addSop(*owner, "Ops", "Full disks",
               "When a disk is nearly full, clear the temp folder. Full backups go elsewhere.\n");
        addSop(*owner, "Ops", "Disk full on the file server",
               "Move old shares to the archive volume.\n");
        addSop(*owner, "Ops", "Printer queue",
               "If the spooler hangs, restart it. A disk full of jobs means the printer is "
               "offline.\n");
        addSop(*owner, "Finance", "Payroll export", "The payroll QUOKKAPAYWORD file goes out.\n");
    }
};

} // namespace

TEST_CASE("identifiers are found by their parts and whole", "[core][search]")
{
    Library lib;
    auto tom = lib.v.as("tom");
    const std::string alert = "NodeFilesystemSpaceFillingUp";
    CHECK(finds(*tom, "filesystem filling up", alert));
    CHECK(finds(*tom, "space filling", alert));
    CHECK(finds(*tom, "NodeFilesystemSpaceFillingUp", alert));
    CHECK(finds(*tom, "nodefilesystem", alert)); // the whole name, as a prefix
    CHECK(finds(*tom, "node alerts", alert));    // a CamelCase tag
    CHECK(finds(*tom, "kube pod crash", "Pod crash loops"));
    CHECK(finds(*tom, "kube.pod.crash", "Pod crash loops"));
    CHECK(finds(*tom, "relay timeout", "Mail relay"));
    CHECK(finds(*tom, "smtp_relay_timeout", "Mail relay"));
    CHECK(finds(*tom, "handshake error", "Mail relay"));
    CHECK(finds(*tom, "tls-handshake-error", "Mail relay"));
    // A CamelCase query finds the name spelled as words too.
    CHECK(finds(*tom, "PodCrash", "Pod crash loops"));
    CHECK_FALSE(finds(*tom, "filesystem printer", alert));
}

TEST_CASE("the identifier splitter", "[core][search]")
{
    using detail::identifierParts;
    CHECK(identifierParts("NodeFilesystemSpaceFillingUp") == "Node Filesystem Space Filling Up");
    CHECK(identifierParts("HTTPServerDown on x") == "HTTP Server Down");
    CHECK(identifierParts("kube.pod.crash smtp_relay") == "");
    CHECK(identifierParts("plain words only") == "");
    CHECK(identifierParts("KubePodCrashLooping, ipv6Route") == "Kube Pod Crash Looping ipv6 Route");
}

TEST_CASE("stems match word forms, and exact and prefix matches still work", "[core][search]")
{
    Library lib;
    auto tom = lib.v.as("tom");
    // Porter takes expired, expires and expiration to one stem, certificates to certificate's.
    CHECK(titles(*tom, "certificate expired") == std::vector<std::string>{"TLS renewal"});
    CHECK(titles(*tom, "certificates expires") == std::vector<std::string>{"TLS renewal"});
    CHECK(titles(*tom, "renewing") == std::vector<std::string>{"TLS renewal"});
    CHECK(titles(*tom, "expiration") == std::vector<std::string>{"TLS renewal"});
    CHECK(titles(*tom, "expir") == std::vector<std::string>{"TLS renewal"});
    CHECK(titles(*tom, "spool") == std::vector<std::string>{"Printer queue"});
    // It does not join words of other roots.
    CHECK(titles(*tom, "expire printer").empty());
    CHECK(titles(*tom, "experience").empty());
}

TEST_CASE("a quoted phrase matches the phrase, not the words anywhere", "[core][search]")
{
    Library lib;
    auto tom = lib.v.as("tom");
    const auto loose = titles(*tom, "disk full");
    CHECK(std::find(loose.begin(), loose.end(), "Printer queue") != loose.end());
    CHECK(std::find(loose.begin(), loose.end(), "Full disks") != loose.end());
    const auto phrase = titles(*tom, "\"disk full\"");
    CHECK(std::find(phrase.begin(), phrase.end(), "Disk full on the file server") != phrase.end());
    CHECK(std::find(phrase.begin(), phrase.end(), "Printer queue") != phrase.end());
    // "a disk is nearly full" holds both words, never the phrase.
    CHECK(std::find(phrase.begin(), phrase.end(), "Full disks") == phrase.end());
    // A phrase beside a word, and an unclosed quote read as punctuation.
    CHECK(titles(*tom, "\"disk full\" archive") ==
          std::vector<std::string>{"Disk full on the file server"});
    CHECK_FALSE(titles(*tom, "\"spooler").empty());
}

TEST_CASE("a SOP whose title holds the words comes before one whose body does", "[core][search]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    // The body mentions the words often and in a short text: bm25 alone would put it first.
    addSop(*owner, "Ops", "Mailbox housekeeping", "Printer jam. Printer jam. Printer jam.\n");
    addSop(*owner, "Ops", "Clearing a printer jam on the third floor copier of the building",
           "Open tray two and take the paper out, then close the tray and print a test page "
           "from the front panel menu so the queue starts again for everyone waiting.\n");
    CHECK(titles(*owner, "printer jam") ==
          std::vector<std::string>{"Clearing a printer jam on the third floor copier of the "
                                   "building",
                                   "Mailbox housekeeping"});
}

TEST_CASE("snippets carry plain text and where the words matched", "[core][search]")
{
    Library lib;
    auto tom = lib.v.as("tom");
    auto hits = tom->search(query("rotate logs"));
    REQUIRE(hits);
    REQUIRE(hits->size() == 1);
    const SearchHit& hit = hits->front();
    CHECK(hit.snippet.find('[') == std::string::npos);
    CHECK(hit.snippet.find('\x01') == std::string::npos);
    REQUIRE(hit.matches.size() == 2);
    std::vector<std::string> matched;
    for (const auto& [start, length] : hit.matches) {
        REQUIRE(start + length <= hit.snippet.size());
        matched.push_back(hit.snippet.substr(start, length));
    }
    CHECK(matched == std::vector<std::string>{"rotate", "logs"});
}

TEST_CASE("the sealed index is reused by the next unlock and brought up to date",
          "[core][search][security]")
{
    Library lib;
    {
        auto tom = lib.v.as("tom");
        REQUIRE(tom->listSops());
    }
    // Listing needs no index: none was made.
    CHECK(indexFiles(lib.v).empty());
    {
        auto tom = lib.v.as("tom");
        CHECK(finds(*tom, "spooler", "Printer queue"));
    }
    const auto files = indexFiles(lib.v);
    REQUIRE(files.size() == 1);
    const crypto::Bytes first = test::readFile(files.front());
    {
        // Nothing changed: the index opened as it was and was not written again (a new seal
        // would have a new nonce).
        auto tom = lib.v.as("tom");
        CHECK(finds(*tom, "spooler", "Printer queue"));
    }
    CHECK(test::readFile(files.front()) == first);
    {
        auto owner = lib.v.as("olivia");
        addSop(*owner, "Ops", "Badge printer", "The lanyard drawer is by the door.\n");
    }
    {
        auto tom = lib.v.as("tom");
        CHECK(titles(*tom, "lanyard") == std::vector<std::string>{"Badge printer"});
        CHECK(finds(*tom, "spooler", "Printer queue"));
    }
    CHECK(test::readFile(files.front()) != first);
    SECTION("a doctored index is ignored and made again")
    {
        crypto::Bytes bytes = test::readFile(files.front());
        bytes[bytes.size() / 2] ^= 0x20;
        test::writeFile(files.front(), bytes);
        {
            auto tom = lib.v.as("tom");
            CHECK(titles(*tom, "lanyard") == std::vector<std::string>{"Badge printer"});
        }
        const crypto::Bytes rebuilt = test::readFile(files.front());
        CHECK(rebuilt != bytes);
        {
            auto tom = lib.v.as("tom");
            CHECK(titles(*tom, "lanyard") == std::vector<std::string>{"Badge printer"});
        }
        CHECK(test::readFile(files.front()) == rebuilt); // and it opens again
    }
    SECTION("a cut-off or empty index is ignored and made again")
    {
        for (std::size_t keep : {std::size_t{0}, std::size_t{16}, std::size_t{100}}) {
            crypto::Bytes bytes = test::readFile(files.front());
            bytes.resize(std::min(keep, bytes.size()));
            test::writeFile(files.front(), bytes);
            auto tom = lib.v.as("tom");
            CHECK(titles(*tom, "lanyard") == std::vector<std::string>{"Badge printer"});
        }
    }
}

TEST_CASE("another person's index is never trusted", "[core][search][security]")
{
    Library lib;
    {
        auto tom = lib.v.as("tom");
        REQUIRE(tom->search(query("spooler")));
    }
    const auto tomsFile = indexFiles(lib.v);
    REQUIRE(tomsFile.size() == 1);
    {
        auto owner = lib.v.as("olivia");
        REQUIRE(owner->search(query("payroll"))->size() == 1);
    }
    auto files = indexFiles(lib.v);
    REQUIRE(files.size() == 2);
    const auto olivias = files.front() == tomsFile.front() ? files.back() : files.front();
    // The owner's index (which holds Finance) put in Tom's place.
    std::filesystem::copy_file(olivias, tomsFile.front(),
                               std::filesystem::copy_options::overwrite_existing);
    {
        auto tom = lib.v.as("tom");
        CHECK(titles(*tom, "payroll").empty());
        CHECK(titles(*tom, "quokkapayword").empty());
        CHECK(finds(*tom, "spooler", "Printer queue"));
    }
    // Someone with exactly Tom's rights: the same clear header, but sealed to another person.
    lib.v.addUser("tina");
    {
        auto owner = lib.v.as("olivia");
        REQUIRE(owner->grant("tina", "technician", "Ops"));
        addSop(*owner, "Ops", "Only for later", "The zeppelin hangar.\n");
    }
    {
        auto tina = lib.v.as("tina");
        REQUIRE(tina->search(query("spooler")));
    }
    files = indexFiles(lib.v);
    REQUIRE(files.size() == 3);
    const crypto::Bytes tomsBytes = test::readFile(tomsFile.front());
    for (const auto& file : files) {
        if (file != tomsFile.front() && file != olivias) {
            // Tina's index knows the newer SOP; put in Tom's place it must not answer for him
            // (his own would not know it either: both are made again from the vault).
            test::writeFile(tomsFile.front(), test::readFile(file));
        }
    }
    REQUIRE(test::readFile(tomsFile.front()) != tomsBytes);
    const crypto::Bytes planted = test::readFile(tomsFile.front());
    {
        auto tom = lib.v.as("tom");
        CHECK(titles(*tom, "zeppelin") == std::vector<std::string>{"Only for later"});
    }
    CHECK(test::readFile(tomsFile.front()) != planted); // not opened: made again and sealed
}

TEST_CASE("an index made for other rights is dropped", "[core][search][security]")
{
    Library lib;
    {
        auto owner = lib.v.as("olivia");
        REQUIRE(owner->grant("tom", "technician", "Finance"));
    }
    {
        auto tom = lib.v.as("tom");
        CHECK(titles(*tom, "payroll") == std::vector<std::string>{"Payroll export"});
    }
    REQUIRE(indexFiles(lib.v).size() == 1);
    {
        auto owner = lib.v.as("olivia");
        REQUIRE(owner->ungrant("tom", "technician", "Finance"));
    }
    SECTION("removed at the next session's end, without being opened")
    {
        {
            auto tom = lib.v.as("tom");
            REQUIRE(tom->listSops());
        }
        CHECK(indexFiles(lib.v).empty());
    }
    SECTION("made again by the next search")
    {
        {
            auto tom = lib.v.as("tom");
            CHECK(titles(*tom, "payroll").empty());
            CHECK(finds(*tom, "spooler", "Printer queue"));
        }
        REQUIRE(indexFiles(lib.v).size() == 1);
        // Granted again: the Finance SOPs come back.
        {
            auto owner = lib.v.as("olivia");
            REQUIRE(owner->grant("tom", "technician", "Finance"));
        }
        auto tom = lib.v.as("tom");
        CHECK(titles(*tom, "payroll") == std::vector<std::string>{"Payroll export"});
    }
}

TEST_CASE("with the sealed index on disk no file holds a word of a SOP", "[core][search][security]")
{
    const auto started = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(2);
    Library lib;
    {
        auto owner = lib.v.as("olivia");
        addSop(*owner, "Ops", "PLAINTEXT-MARKER-title", "PLAINTEXT-MARKER-body QUOKKAINDEXWORD\n",
               {"PLAINTEXT-MARKER-tag"});
        REQUIRE(owner->search(query("quokkaindexword"))->size() == 1);
    }
    {
        auto tom = lib.v.as("tom");
        REQUIRE(tom->search(query("quokkaindexword"))->size() == 1);
        REQUIRE(tom->search(query("filesystem"))->size() == 1);
    }
    REQUIRE(indexFiles(lib.v).size() == 2);
    for (const char* marker :
         {"PLAINTEXT-MARKER", "QUOKKAINDEXWORD", "quokkaindexword", "QUOKKAPAYWORD", "spooler",
          "Filesystem Space", "FillingUp", "expiration", "payroll"}) {
        INFO("marker " << marker);
        CHECK(test::filesContaining(lib.v.file().parent_path(), marker, started).empty());
    }
}

TEST_CASE("many matches are ranked a window at a time, newest saved first, and none is lost",
          "[core][search]")
{
    using detail::SearchIndex;
    using detail::SopContent;
    auto made = SearchIndex::create();
    REQUIRE(made);
    SearchIndex& index = *made;
    // Saved oldest first: the printer-heavy short text is the oldest, bm25's best body match.
    const std::vector<std::pair<std::string, std::string>> sops = {
        {"Jam notes", "Printer printer printer."},
        {"Floor two", "The printer on floor two needs toner, paper and a reboot most weeks."},
        {"Floor three", "The printer on floor three is leased; call the vendor for repairs."},
        {"Reception", "Reception has a printer, a phone system and a badge printer too."},
        {"Printer setup", "Add the queue on the print server and push it by policy."},
        {"Unrelated", "Nothing about paper here."},
    };
    std::vector<Id> ids;
    for (std::size_t i = 0; i < sops.size(); ++i) {
        Id id{};
        id[0] = static_cast<std::uint8_t>(i + 1);
        crypto::Hash32 head{};
        head[0] = static_cast<std::uint8_t>(i + 1);
        SopContent c;
        c.title = sops[i].first;
        c.body = sops[i].second;
        REQUIRE(index.put(id, head, c));
        ids.push_back(id);
    }
    auto titlesOf = [&](std::size_t limit, std::size_t window,
                        const std::function<bool(const Id&)>& accept = {}) {
        auto rows = index.query("printer", limit, accept, window);
        REQUIRE(rows);
        std::vector<std::string> out;
        for (const auto& r : *rows) {
            out.push_back(r.title);
            // Every body that holds the word has it marked (this title's body does not).
            CHECK(r.matches.empty() == (r.title == "Printer setup"));
        }
        return out;
    };
    // Few matches: one ranking, the title first, then bm25's order.
    const auto whole = titlesOf(50, 100);
    REQUIRE(whole.size() == 5);
    CHECK(whole[0] == "Printer setup");
    CHECK(whole[1] == "Jam notes");
    // Two at a time: the title match still first, then the newest saved window, ranked
    // within, down to the oldest; each match exactly once.
    const auto windows = titlesOf(50, 2);
    CHECK(windows == std::vector<std::string>{"Printer setup", "Reception", "Floor three",
                                              "Floor two", "Jam notes"});
    CHECK(titlesOf(3, 2) == std::vector<std::string>{"Printer setup", "Reception", "Floor three"});
    // A refused candidate does not end the walk early.
    const auto noReception = titlesOf(50, 1, [&](const Id& id) { return id != ids[3]; });
    CHECK(noReception ==
          std::vector<std::string>{"Printer setup", "Floor three", "Floor two", "Jam notes"});
    // A save moves the SOP to the newest window.
    SopContent again;
    again.title = "Jam notes";
    again.body = "Printer printer printer, now with photos.";
    crypto::Hash32 newer{};
    newer[0] = 99;
    REQUIRE(index.put(ids[0], newer, again));
    CHECK(titlesOf(2, 2) == std::vector<std::string>{"Printer setup", "Jam notes"});
}

TEST_CASE("a sealed index of several pieces opens whole, and never with a piece dropped, moved or "
          "cut off",
          "[core][search][security]")
{
    using detail::SearchIndex;
    using detail::SopContent;
    auto made = SearchIndex::create();
    REQUIRE(made);
    // About 8 MB of varied words: the image is sealed in more than one 4 MiB piece.
    for (std::uint8_t i = 1; i <= 8; ++i) {
        SopContent c;
        c.title = fmt::format("Runbook {}", i);
        for (std::size_t w = 0; c.body.size() < (1U << 20); ++w) {
            c.body += fmt::format("word{}x{} ", w, i);
        }
        Id id{};
        id[0] = i;
        crypto::Hash32 head{};
        head[0] = i;
        REQUIRE(made->put(id, head, c));
    }
    test::TempDir dir;
    const auto file = dir.path() / "index";
    auto key = crypto::randomKey();
    REQUIRE(key);
    const crypto::Bytes ad = {1, 2, 3};
    const crypto::Bytes header(32, 7);
    REQUIRE(made->save(file, *key, ad, header));
    auto bytes = storage::readWholeFile(file, std::size_t{1} << 32);
    REQUIRE(bytes);
    constexpr std::size_t kSealedPiece =
        (std::size_t{4} << 20) + crypto::kNonceSize + crypto::kTagSize;
    REQUIRE(bytes->size() > header.size() + 2 * kSealedPiece);

    auto loaded = SearchIndex::load(file, *key, ad, header);
    REQUIRE(loaded);
    auto rows = loaded->query("word77x5", 10, {});
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().title == "Runbook 5");

    auto loadsAs = [&](const crypto::Bytes& content) {
        REQUIRE(storage::replaceFileAtomically(file, content));
        return SearchIndex::load(file, *key, ad, header).has_value();
    };
    const auto piece = [&](std::size_t i) {
        return crypto::Bytes(
            bytes->begin() + static_cast<std::ptrdiff_t>(header.size() + i * kSealedPiece),
            bytes->begin() + static_cast<std::ptrdiff_t>(header.size() + (i + 1) * kSealedPiece));
    };
    SECTION("the second piece dropped")
    {
        crypto::Bytes cut(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(
                                                               header.size() + kSealedPiece));
        cut.insert(cut.end(),
                   bytes->begin() + static_cast<std::ptrdiff_t>(header.size() + 2 * kSealedPiece),
                   bytes->end());
        CHECK_FALSE(loadsAs(cut));
    }
    SECTION("the first two pieces swapped")
    {
        crypto::Bytes swapped(header.begin(), header.end());
        const auto a = piece(0);
        const auto b = piece(1);
        swapped.insert(swapped.end(), b.begin(), b.end());
        swapped.insert(swapped.end(), a.begin(), a.end());
        swapped.insert(swapped.end(),
                       bytes->begin() +
                           static_cast<std::ptrdiff_t>(header.size() + 2 * kSealedPiece),
                       bytes->end());
        CHECK_FALSE(loadsAs(swapped));
    }
    SECTION("cut off after a whole piece")
    {
        crypto::Bytes cut(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(
                                                               header.size() + 2 * kSealedPiece));
        CHECK_FALSE(loadsAs(cut));
    }
    SECTION("as saved, it still opens")
    {
        CHECK(loadsAs(*bytes));
    }
}
