// Presenters for SOPs: the list, one version as read, its history, a diff and search hits
// and attachments (see Presenters.h).
#include "Presenters.h"
#include "sopvault/core/Links.h"

namespace sopvault::cli {
namespace {

// A SOP whose versions failed verification has no trustworthy state, time or due date.
std::string stateOf(const core::SopSummary& x)
{
    return x.damaged ? "damaged" : std::string(core::stateName(x.state));
}

std::string reviewDueOf(const core::SopSummary& x)
{
    return x.damaged ? "" : x.reviewDamaged ? "damaged" : core::formatDate(x.reviewDue);
}

} // namespace

Output presentSopList(const std::vector<core::SopSummary>& sops)
{
    Output out = listOutput(
        sops, {"TITLE", "COLLECTION", "VER", "STATE", "UPDATED", "REVIEW DUE", "FLAGS", "ID"},
        [](const core::SopSummary& x) -> json {
            return {{"id", core::toHex(x.id)},
                    {"title", x.title},
                    {"collection", x.collection},
                    {"version", x.version},
                    {"updated", x.damaged ? "" : core::formatTime(x.updated)},
                    {"state", stateOf(x)},
                    {"review_due", reviewDueOf(x)},
                    {"tags", x.tags},
                    {"summary", x.summary},
                    {"open_flags", x.openFlags}};
        },
        [](const core::SopSummary& x) -> std::vector<std::string> {
            return {x.title,
                    x.collection,
                    std::to_string(x.version),
                    stateOf(x),
                    x.damaged ? "" : core::formatDate(x.updated),
                    reviewDueOf(x),
                    x.openFlags > 0 ? std::to_string(x.openFlags) : "",
                    core::toHex(x.id)};
        });
    if (sops.empty()) {
        out.text = say("No SOPs you can see.");
    }
    return out;
}

Output presentSop(const core::SopVersionView& view, const std::string& body,
                  const std::string& link)
{
    json metadata = json::object();
    for (const auto& [key, value] : view.metadata) {
        metadata[key] = value;
    }
    TerminalText text = say("# {}\n{} · version {} of {} · {} · {} · {}\n", view.title,
                            view.collection, view.version, view.headVersion, view.author,
                            core::formatTime(view.time), core::stateName(view.state));
    if (view.openFlags > 0) {
        text += say("{} open flag(s): 'sop flags' says what is wrong.\n", view.openFlags);
    }
    if (!view.summary.empty()) {
        text += say("{}\n", TerminalText::block(view.summary));
    }
    text += say("\n{}", TerminalText::block(body));
    return {{{"id", core::toHex(view.id)},
             {"title", view.title},
             {"collection", view.collection},
             {"version", view.version},
             {"author", view.author},
             {"updated", core::formatTime(view.time)},
             {"tags", view.tags},
             {"state", core::stateName(view.state)},
             {"body", body},
             {"link", link},
             {"summary", view.summary},
             {"source_path", view.sourcePath},
             {"metadata", metadata},
             {"open_flags", view.openFlags}},
            text};
}

Output presentHistory(const std::vector<core::HistoryEntry>& history)
{
    return listOutput(
        history, {"VER", "TIME", "AUTHOR", "MESSAGE"},
        [](const core::HistoryEntry& e) -> json {
            return {{"version", e.version},
                    {"author", e.author},
                    {"time", core::formatTime(e.time)},
                    {"message", e.message},
                    {"hash", e.hash}};
        },
        [](const core::HistoryEntry& e) -> std::vector<std::string> {
            return {std::to_string(e.version), core::formatTime(e.time), e.author, e.message};
        });
}

Output presentDiff(const core::Id& sop, std::uint64_t from, std::uint64_t to,
                   const std::string& diff)
{
    return {{{"id", core::toHex(sop)}, {"from", from}, {"to", to}, {"diff", diff}},
            TerminalText::block(diff)};
}

Output presentAttachments(const std::vector<core::AttachmentInfo>& items)
{
    Output out = listOutput(
        items, {"NAME", "TYPE", "SIZE", "HASH"},
        [](const core::AttachmentInfo& a) -> json {
            return {{"name", a.name}, {"type", a.type}, {"size", a.size}, {"hash", a.hash}};
        },
        [](const core::AttachmentInfo& a) -> std::vector<std::string> {
            return {a.name, a.inlineImage ? a.type + " (inline)" : a.type, std::to_string(a.size),
                    a.hash.substr(0, 16)};
        });
    if (items.empty()) {
        out.text = say("No attachments.");
    }
    return out;
}

namespace {

TerminalText markedSnippet(const core::SearchHit& h, bool bold)
{
    TerminalText out;
    std::size_t at = 0;
    const std::string_view text = h.snippet;
    for (const auto& [start, length] : h.matches) {
        if (start < at || start > text.size() || length > text.size() - start) {
            continue;
        }
        out += TerminalText::line(text.substr(at, start - at));
        const std::string_view match = text.substr(start, length);
        out += bold ? say("\x1b[1m{}\x1b[0m", match) : say("«{}»", match);
        at = start + length;
    }
    out += TerminalText::line(text.substr(at));
    return out;
}

} // namespace

Output presentSearchHits(const std::vector<core::SearchHit>& hits, std::string_view query,
                         bool bold)
{
    Output out{json::array(), {}};
    for (const auto& h : hits) {
        json matches = json::array();
        for (const auto& [start, length] : h.matches) {
            matches.push_back({start, length});
        }
        out.doc.push_back({{"id", core::toHex(h.id)},
                           {"title", h.title},
                           {"collection", h.collection},
                           {"snippet", h.snippet},
                           {"matches", std::move(matches)},
                           {"score", h.score},
                           {"state", core::stateName(h.state)},
                           {"tags", h.tags}});
        out.text += say("{}  ({})  {}\n    {}\n", h.title, h.collection, core::toHex(h.id),
                        markedSnippet(h, bold));
    }
    if (hits.empty()) {
        out.text = say("Nothing you can see matches '{}'.", query);
    }
    return out;
}

Output presentSopLinks(const core::SopLinks& links, const std::string& vault)
{
    auto side = [&vault](const std::vector<core::LinkedSop>& list, std::string_view heading,
                         Output& out, const char* key) {
        json items = json::array();
        TerminalText text = say("{}:\n", heading);
        for (const auto& l : list) {
            items.push_back({{"id", core::toHex(l.id)},
                             {"title", l.title},
                             {"viewable", l.viewable},
                             {"link", core::sopLink(vault, l.id)}});
            // A SOP the person may not view is named by id only: its title is not theirs to see.
            text += l.viewable ? say("  {}  {}\n", l.title, core::toHex(l.id))
                               : say("  (a SOP you may not view)  {}\n", core::toHex(l.id));
        }
        if (list.empty()) {
            text += say("  (none)\n");
        }
        out.doc[key] = std::move(items);
        out.text += text;
    };
    Output out{json::object(), {}};
    side(links.to, "Links to", out, "to");
    side(links.from, "Linked from", out, "from");
    return out;
}

} // namespace sopvault::cli
