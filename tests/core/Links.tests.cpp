// Links between SOPs (issue 16 items 2, 4 and 6): the one sopvault:// form, the scanner of link
// targets on hostile text, safe export names, import turning relative links into stable links,
// `links` under rights, exports whose links resolve, and the round trip through a fresh vault.
#include "sopvault/core/Links.h"
#include "TestVault.h"
#include "sopvault/core/FileNames.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::addSop;
using sopvault::test::TestVault;

namespace {

const std::filesystem::path kCorpus = std::filesystem::path(SOPVAULT_TEST_DATA) / "runbooks";

std::string read(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> urls(std::string_view text)
{
    std::vector<std::string> out;
    for (const auto& t : linkTargets(text)) {
        out.emplace_back(t.url);
    }
    return out;
}

std::set<std::string> titlesOf(const std::vector<LinkedSop>& list)
{
    std::set<std::string> out;
    for (const auto& l : list) {
        out.insert(l.title);
    }
    return out;
}

// Every relative link target in the exported files under `root` with extension `ext`, as
// (file, resolved path) pairs.
std::vector<std::pair<std::filesystem::path, std::filesystem::path>>
relativeLinks(const std::filesystem::path& root, std::string_view ext)
{
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.path().extension() != ext) {
            continue;
        }
        const std::string text = read(entry.path());
        std::vector<std::string> targets;
        if (ext == ".html") {
            const std::regex href("href=\"([^\"]*)\"");
            for (auto it = std::sregex_iterator(text.begin(), text.end(), href);
                 it != std::sregex_iterator(); ++it) {
                targets.push_back((*it)[1]);
            }
        } else {
            targets = urls(text);
        }
        for (const auto& t : targets) {
            const auto path = splitRelativeTarget(t).path;
            if (isRelativeTarget(t) && (path.ends_with(".md") || path.ends_with(".html"))) {
                out.emplace_back(entry.path(),
                                 entry.path().parent_path() / splitRelativeTarget(t).path);
            }
        }
    }
    return out;
}

} // namespace

TEST_CASE("sopvault:// links are built and read in one place", "[core][links]")
{
    const std::string vault = "0123456789abcdef0123456789abcdef";
    const Id sop = randomId();
    const std::string link = sopLink(vault, sop);
    CHECK(link == "sopvault://" + vault + "/sop/" + toHex(sop));
    CHECK(parseSopLink(vault, link) == sop);
    CHECK(parseSopLink(vault, link + "#declare-the-incident") == sop);
    CHECK(parseSopLink("0123456789ABCDEF0123456789ABCDEF", link) == sop);
    std::string upper = link;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    CHECK(parseSopLink(vault, upper) == sop);

    // Anything else is not a link to a SOP of this vault.
    CHECK_FALSE(parseSopLink("ffffffffffffffffffffffffffffffff", link));
    CHECK_FALSE(parseSopLink("", link));
    CHECK_FALSE(parseSopLink(vault, link + "/edit"));
    CHECK_FALSE(parseSopLink(vault, link.substr(0, link.size() - 1)));
    CHECK_FALSE(parseSopLink(vault, link + "0"));
    CHECK_FALSE(parseSopLink(vault, "sopvault://" + vault + "/run/" + toHex(sop)));
    CHECK_FALSE(parseSopLink(vault, "https://" + vault + "/sop/" + toHex(sop)));
    CHECK_FALSE(parseSopLink(vault, "sopvault://" + vault + "/sop/" + std::string(31, 'a') + "g"));
    CHECK_FALSE(parseSopLink(vault, ""));
}

TEST_CASE("the scanner finds every link and image target, and none in code", "[core][links]")
{
    const std::string text = "[a](one.md) ![b](two.png \"Title\") [c](<with space.md>)\n"
                             "[d](p(1).md#x) <https://example.com/x> `[e](code.md)`\n"
                             "<a class=\"x\" href='three.md'>t</a> <img alt=\"i\" src=four.png>\n"
                             "``` \n[f](fenced.md)\n```\n"
                             "[ref]: five.md \"t\"\n"
                             "\\[g](escaped.md) [h] (spaced.md) <cluster-id> a < b\n";
    const auto found = linkTargets(text);
    REQUIRE(urls(text) == std::vector<std::string>{"one.md", "two.png", "with space.md",
                                                   "p(1).md#x", "https://example.com/x", "three.md",
                                                   "four.png", "five.md"});
    CHECK(found[0].kind == LinkKind::Link);
    CHECK(found[1].kind == LinkKind::Image);
    CHECK(found[4].kind == LinkKind::Autolink);
    CHECK(found[5].kind == LinkKind::HtmlHref);
    CHECK(found[6].kind == LinkKind::HtmlSrc);
    CHECK(found[7].kind == LinkKind::Reference);
    // Each url is exactly the bytes it names in the text.
    for (const auto& t : found) {
        CHECK(text.substr(t.begin, t.end - t.begin) == t.url);
        CHECK(t.end <= t.after);
    }

    // Nothing changed: the very same text; one target changed: only its bytes.
    CHECK(rewriteLinks(text, [](const LinkTarget&) { return std::optional<LinkRewrite>(); }) ==
          text);
    const std::string one =
        rewriteLinks(text, [](const LinkTarget& t) -> std::optional<LinkRewrite> {
            if (t.url == "three.md") {
                return LinkRewrite{"3.md", " (three)"};
            }
            return std::nullopt;
        });
    CHECK(one.find("href='3.md' (three)>") != std::string::npos);
    CHECK(one.size() == text.size() - 8 + 4 + 8);

    CHECK(isRelativeTarget("../a b.md#x"));
    CHECK(isRelativeTarget("a:b/c.md") == false); // a scheme, like C: or javascript:
    CHECK_FALSE(isRelativeTarget("javascript:alert(1)"));
    CHECK_FALSE(isRelativeTarget("/etc/passwd"));
    CHECK_FALSE(isRelativeTarget("#section"));
    CHECK_FALSE(isRelativeTarget("//evil.example.com/x.md"));
    CHECK_FALSE(isRelativeTarget("C:\\Windows\\x.md"));
    const auto split = splitRelativeTarget("../pvc%20full.md?raw=1#check\\-logs");
    CHECK(split.path == "../pvc full.md");
    CHECK(split.fragment == "#check\\-logs");
    CHECK(encodeRelativeTarget("../A PVC (full)#1.md") == "../A%20PVC%20%28full%29%231.md");
    CHECK(splitRelativeTarget(encodeRelativeTarget("../A PVC (full)#1%.md")).path ==
          "../A PVC (full)#1%.md");
}

TEST_CASE("the scanner survives pathological text and stays within it", "[core][links]")
{
    const std::vector<std::string> inputs = {
        std::string(200000, '['),
        std::string(200000, ']'),
        [] {
            std::string s;
            for (int i = 0; i < 40000; ++i) {
                s += "](";
            }
            return s;
        }(),
        [] {
            std::string s;
            for (int i = 0; i < 40000; ++i) {
                s += "<a href=\"";
            }
            return s;
        }(),
        [] {
            std::string s;
            for (int i = 0; i < 40000; ++i) {
                s += "<img src=x ";
            }
            return s;
        }(),
        std::string(100000, '`') + "x",
        std::string("[x](") + std::string(100000, '(') + ")",
        std::string("<") + std::string(100000, 'a') + ":",
        "[x](y",
        "![x](",
        "<a href=",
        "[r]:",
        "```",
        "\\",
        "<",
        "[x](<a)",
    };
    for (const auto& text : inputs) {
        const auto found = linkTargets(text);
        for (const auto& t : found) {
            REQUIRE(t.begin <= t.end);
            REQUIRE(t.end <= t.after);
            REQUIRE(t.after <= text.size());
        }
        CHECK(rewriteLinks(text, [](const LinkTarget&) {
                  return std::optional<LinkRewrite>(LinkRewrite{"z", {}});
              }).size() <= text.size() + found.size());
    }
}

TEST_CASE("exported file and folder names are safe on every disk", "[core][export]")
{
    CHECK(safeFileName("Reset a password") == "Reset a password");
    CHECK(safeFileName("C:\\temp/x:y*z?\"<a>|b") == "C__temp_x_y_z___a__b");
    CHECK(safeFileName("line\nbreak\ttab\x7F") == "line_break_tab_");
    CHECK(safeFileName("...hidden") == "hidden");
    CHECK(safeFileName("trailing dot. ") == "trailing dot");
    CHECK(safeFileName("CON") == "_CON");
    CHECK(safeFileName("nul.md") == "_nul.md");
    CHECK(safeFileName("Com1") == "_Com1");
    CHECK(safeFileName("lpt9.txt") == "_lpt9.txt");
    CHECK(safeFileName("CONSOLE") == "CONSOLE");
    CHECK(safeFileName("") == "untitled");
    CHECK(safeFileName(" . ") == "untitled");
    CHECK(safeFileName("..") == "untitled");
    // Bounded without cutting a character in half ("é" is two bytes).
    const std::string accents = std::string(99, 'a') + "\xC3\xA9" + "tail";
    CHECK(safeFileName(accents) == std::string(99, 'a'));
    CHECK(safeFileName(std::string(98, 'a') + "\xC3\xA9" + "tail") ==
          std::string(98, 'a') + "\xC3\xA9");
    CHECK(safeFileName(std::string(300, 'x')).size() == 100);
}

TEST_CASE("import makes relative links between the files stable SOP links, anchors kept",
          "[core][import][links]")
{
    TestVault v;
    auto owner = v.as("olivia");
    auto report = owner->importFolder(kCorpus, "Runbooks");
    REQUIRE(report);
    CHECK(report->imported == 6);
    std::map<std::string, std::string> skipped;
    for (const auto& s : report->skipped) {
        skipped[s.path] = s.reason;
    }
    // The two screenshots nobody references are one line; so is the stray backup file.
    CHECK(skipped.size() == 2);
    CHECK(skipped["helpers/screenshots"].find("2 image/png file(s)") == 0);
    CHECK(skipped["helpers/slides"].find("1 text/plain file(s)") == 0);

    const auto id = [&](std::string_view title) {
        return *owner->resolveSop(title);
    };
    const std::string vault = owner->vaultId();
    auto p1 = owner->readSop(id("P1 major incident"));
    REQUIRE(p1);
    CHECK(p1->body.find("[what is an incident](" + sopLink(vault, id("What is an incident")) +
                        ")") != std::string::npos);
    CHECK(p1->body.find(sopLink(vault, id("Ceph health warnings")) + "#check-the-logs)") !=
          std::string::npos);
    // A reference definition with %-encoding and a space in the file name.
    CHECK(p1->body.find("[pvc]: " + sopLink(vault, id("A PVC is almost full"))) !=
          std::string::npos);
    // The raw HTML is kept as written.
    CHECK(p1->body.find("<summary>Who is the incident commander tonight?</summary>") !=
          std::string::npos);

    auto index = owner->readSop(id("Runbook index"));
    CHECK(index->body.find("(<" + sopLink(vault, id("A PVC is almost full")) + ">)") !=
          std::string::npos);
    CHECK(index->body.find("(" + sopLink(vault, id("P1 major incident")) +
                           "#declare-the-incident)") != std::string::npos);
    CHECK(index->body.find("(https://wiki.example.com/runbooks)") != std::string::npos);

    auto before = owner->readSop(id("What is an incident"));
    // Up two folders to the index; links shown as code stay as they were written.
    CHECK(before->body.find("[index](" + sopLink(vault, id("Runbook index")) + ")") !=
          std::string::npos);
    CHECK(before->body.find("`[not me](../during/p1-major-incident.md)`") != std::string::npos);
    CHECK(before->body.find("[also not me](../during/p1-major-incident.md)\n```") !=
          std::string::npos);

    auto ceph = owner->readSop(id("Ceph health warnings"));
    CHECK(ceph->body.find("<a href=\"" + sopLink(vault, id("A PVC is almost full")) + "\">") !=
          std::string::npos);
    // Images are attachments, kept as the Markdown wrote them.
    CHECK(ceph->body.find("![Ceph dashboard](../../helpers/screenshots/ceph-dashboard.png)") !=
          std::string::npos);
    auto hostile = owner->readSop(id("Hostile page"));
    CHECK(hostile->body.find("(../../../etc/passwd)") != std::string::npos);

    // A rename breaks nothing: the links name ids.
    SopEdit rename;
    rename.title = "Ceph: health warnings";
    REQUIRE(owner->editSop(id("Ceph health warnings"), rename));
    auto links = owner->links(id("P1 major incident"));
    REQUIRE(links);
    CHECK(titlesOf(links->to) == std::set<std::string>{"What is an incident",
                                                       "Ceph: health warnings",
                                                       "A PVC is almost full"});
    CHECK(titlesOf(links->from) ==
          std::set<std::string>{"Runbook index", "What is an incident", "Ceph: health warnings"});
}

TEST_CASE("links to and from a SOP show only what the person may view", "[core][links]")
{
    TestVault v;
    v.addUser("tom");
    std::string vault;
    Id ops{}, finance{}, opsToFinance{};
    {
        auto owner = v.as("olivia");
        vault = owner->vaultId();
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->addCollection("Finance"));
        REQUIRE(owner->grant("tom", "technician", "Ops"));
        finance = addSop(*owner, "Finance", "Payroll secrets", "# Payroll\n");
        ops = addSop(*owner, "Ops", "Reboot the router",
                     fmt::format("See [payroll]({}) and [me]({}).\n", sopLink(vault, finance),
                                 sopLink(vault, finance)));
        addSop(*owner, "Finance", "Finance runbook",
               fmt::format("Uses [the router]({}).\n", sopLink(vault, ops)));
        opsToFinance =
            addSop(*owner, "Ops", "Ops index", fmt::format("[router]({})\n", sopLink(vault, ops)));
        // A link into another vault is not a link to any SOP here.
        addSop(*owner, "Ops", "Foreign",
               fmt::format("[x]({})\n", sopLink("ffffffffffffffffffffffffffffffff", ops)));
        auto all = owner->links(ops);
        REQUIRE(all);
        REQUIRE(all->to.size() == 1); // each target once
        CHECK(all->to[0].title == "Payroll secrets");
        CHECK(titlesOf(all->from) == std::set<std::string>{"Finance runbook", "Ops index"});

        // An edit is seen at once: the index is kept per head, not built once.
        SopEdit edit;
        edit.body = "No links any more.\n";
        REQUIRE(owner->editSop(opsToFinance, edit));
        CHECK(titlesOf(owner->links(ops)->from) == std::set<std::string>{"Finance runbook"});
        edit.body = fmt::format("[router]({})\n", sopLink(vault, ops));
        REQUIRE(owner->editSop(opsToFinance, edit));
    }
    auto tom = v.as("tom");
    auto links = tom->links(ops);
    REQUIRE(links);
    REQUIRE(links->to.size() == 1);
    CHECK(links->to[0].id == finance);
    CHECK_FALSE(links->to[0].viewable);
    CHECK(links->to[0].title.empty());
    REQUIRE(links->from.size() == 1);
    CHECK(links->from[0].id == opsToFinance);
    CHECK(links->from[0].title == "Ops index");
    // A SOP tom may not view has no links to ask about, and says no more than "not found".
    CHECK(tom->links(finance).error().code == ErrorCode::NotFound);
}

TEST_CASE("exports point links at the exported files, and name an outside SOP by its title",
          "[core][export][links]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->importFolder(kCorpus, "Runbooks"));
    const auto out = v.file().parent_path() / "export";

    REQUIRE(owner->exportCollection("Runbooks", ExportFormat::Markdown, out / "md"));
    const auto md = relativeLinks(out / "md", ".md");
    std::size_t toSops = 0;
    for (const auto& [file, target] : md) {
        INFO(file.string() << " -> " << target.string());
        CHECK(std::filesystem::exists(target));
        toSops += target.extension() == ".md" ? 1U : 0U;
    }
    CHECK(toSops >= 9);
    const std::string p1md = read(out / "md/incidents/during/P1 major incident.md");
    CHECK(p1md.find("(../../alerts/ceph/Ceph%20health%20warnings.md#check-the-logs)") !=
          std::string::npos);
    CHECK(p1md.find("sopvault://") == std::string::npos);

    REQUIRE(owner->exportCollection("Runbooks", ExportFormat::Html, out / "html"));
    const auto html = relativeLinks(out / "html", ".html");
    std::size_t htmlToSops = 0;
    for (const auto& [file, target] : html) {
        INFO(file.string() << " -> " << target.string());
        CHECK(std::filesystem::exists(target));
        htmlToSops += target.extension() == ".html" ? 1U : 0U;
    }
    CHECK(htmlToSops >= 6);

    // One SOP alone: every other SOP is outside the export.
    REQUIRE(owner->exportSop(*owner->resolveSop("P1 major incident"), ExportFormat::Markdown,
                             out / "one.md"));
    const std::string one = read(out / "one.md");
    CHECK(one.find("(" + sopLink(owner->vaultId(), *owner->resolveSop("What is an incident")) +
                   ") (\"What is an incident\", not in this export)") != std::string::npos);
    // A sub-collection: the index, above it, is outside.
    REQUIRE(owner->exportCollection("Runbooks/incidents", ExportFormat::Markdown, out / "sub"));
    const std::string before = read(out / "sub/before/What is an incident.md");
    CHECK(before.find("(../during/P1%20major%20incident.md#declare-the-incident)") !=
          std::string::npos);
    CHECK(before.find("(\"Runbook index\", not in this export)") != std::string::npos);
}

TEST_CASE("an outside SOP the exporter may not view keeps its link and no title",
          "[core][export][links]")
{
    TestVault v;
    v.addUser("tom");
    Id ops{};
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        REQUIRE(owner->addCollection("Finance"));
        REQUIRE(owner->defineRole("exporter", Rights{Right::View, Right::Export}));
        REQUIRE(owner->grant("tom", "exporter", "Ops"));
        const Id secret = addSop(*owner, "Finance", "Payroll secrets", "# Payroll\n");
        ops = addSop(*owner, "Ops", "Reboot the router",
                     fmt::format("See [the other one]({}).\n", sopLink(owner->vaultId(), secret)));
    }
    auto tom = v.as("tom");
    const auto file = v.file().parent_path() / "tom.md";
    REQUIRE(tom->exportSop(ops, ExportFormat::Markdown, file));
    const std::string text = read(file);
    CHECK(text.find("[the other one](sopvault://") != std::string::npos);
    CHECK(text.find("Payroll") == std::string::npos);
    CHECK(text.find("not in this export") == std::string::npos);
}

namespace {

// A SOP's body with every sopvault: link (its ids are its vault's own) written as the title of
// the SOP it names, the #fragment kept: two vaults' copies of one SOP then read the same.
std::string bodyByTitles(Session& s, std::string_view body, const std::map<Id, std::string>& titles)
{
    std::string out;
    std::size_t at = 0;
    for (const auto& t : linkTargets(body)) {
        const auto id = parseSopLink(s.vaultId(), t.url);
        if (!id) {
            continue;
        }
        const auto title = titles.find(*id);
        out += body.substr(at, t.begin - at);
        out += "<" + (title == titles.end() ? std::string("?") : title->second) + ">";
        if (const auto hash = t.url.find('#'); hash != std::string_view::npos) {
            out += t.url.substr(hash);
        }
        at = t.end;
    }
    out += body.substr(at);
    return out;
}

// Title -> (body by titles, tags) of every SOP the owner lists.
std::map<std::string, std::pair<std::string, std::vector<std::string>>> contentsOf(Session& s)
{
    const auto sops = s.listSops();
    REQUIRE(sops);
    std::map<Id, std::string> titles;
    for (const auto& sop : *sops) {
        titles[sop.id] = sop.title;
    }
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> out;
    for (const auto& sop : *sops) {
        auto view = s.readSop(sop.id);
        REQUIRE(view);
        out[sop.title] = {bodyByTitles(s, view->body, titles), sop.tags};
    }
    return out;
}

} // namespace

TEST_CASE("round trip: import, Markdown export, import into a fresh vault: same SOPs, working "
          "links",
          "[core][import][export][links]")
{
    TestVault first;
    TestVault second;
    const auto out = first.file().parent_path() / "export";
    std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> linksBefore;
    std::map<std::string, std::string> collectionsBefore;
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> contentsBefore;
    {
        auto owner = first.as("olivia");
        REQUIRE(owner->importFolder(kCorpus, "Runbooks"));
        REQUIRE(owner->exportCollection("Runbooks", ExportFormat::Markdown, out));
        const auto sops = owner->listSops();
        REQUIRE(sops);
        for (const auto& s : *sops) {
            auto l = owner->links(s.id);
            REQUIRE(l);
            linksBefore[s.title] = {titlesOf(l->to), titlesOf(l->from)};
            collectionsBefore[s.title] = s.collection;
        }
        contentsBefore = contentsOf(*owner);
    }
    auto owner = second.as("olivia");
    auto report = owner->importFolder(out, "Runbooks");
    REQUIRE(report);
    CHECK(report->imported == linksBefore.size());
    std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> linksAfter;
    std::map<std::string, std::string> collectionsAfter;
    const auto sops = owner->listSops();
    REQUIRE(sops);
    for (const auto& s : *sops) {
        auto l = owner->links(s.id);
        REQUIRE(l);
        linksAfter[s.title] = {titlesOf(l->to), titlesOf(l->from)};
        collectionsAfter[s.title] = s.collection;
        // The links are this vault's own: none points back into the first one.
        auto view = owner->readSop(s.id);
        for (const auto& t : linkTargets(view->body)) {
            if (std::string_view(t.url).starts_with("sopvault:")) {
                CHECK(parseSopLink(owner->vaultId(), t.url));
            }
        }
    }
    CHECK(linksAfter == linksBefore);
    CHECK(collectionsAfter == collectionsBefore);
    // The same text and tags, the HTML table, details and <placeholders> included: only the
    // ids inside SOP links are the new vault's.
    const auto contentsAfter = contentsOf(*owner);
    REQUIRE(contentsBefore.size() == 6); // the whole corpus, not an empty pair of maps
    REQUIRE(contentsAfter.size() == contentsBefore.size());
    for (const auto& [title, content] : contentsBefore) {
        INFO(title);
        CHECK_FALSE(content.first.empty());
        REQUIRE(contentsAfter.contains(title));
        CHECK(contentsAfter.at(title).first == content.first);
        CHECK(contentsAfter.at(title).second == content.second);
    }
    // And the same again changes nothing.
    auto again = owner->importFolder(out, "Runbooks");
    REQUIRE(again);
    CHECK(again->imported == 0);
}
