// Session::links and the index behind it: links to and from a SOP, as the person may see them
// (a SOP they may not view is named by id only, and never counted as linking here).
#include "LinkIndex.h"

#include "Engine.h"
#include "sopvault/core/Links.h"

#include <algorithm>

namespace sopvault::core {

using namespace detail;

namespace detail {

Result<std::vector<Id>> LinkIndex::targets(const Engine& e, const Id& sopId,
                                           const SopRecordState& sop)
{
    if (sop.versions.empty()) {
        return std::vector<Id>{};
    }
    const crypto::Hash32& head = sop.versions.back().hash;
    if (auto known = m_entries.find(sopId);
        known != m_entries.end() && known->second.head == head) {
        return known->second.targets;
    }
    SOPVAULT_TRY(content, e.readContent(sopId, sop.versions.back().version));
    const std::string vault = toHex(e.state().vaultId);
    std::vector<Id> found;
    for (const LinkTarget& t : linkTargets(content.body)) {
        if (auto id = parseSopLink(vault, t.url);
            id && *id != sopId && std::find(found.begin(), found.end(), *id) == found.end()) {
            found.push_back(*id);
        }
    }
    m_entries[sopId] = Entry{head, found};
    return found;
}

} // namespace detail

Result<SopLinks> Session::links(const Id& sopId) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SopLinks out;
    auto viewable = [&e](const Id& id) -> const SopRecordState* {
        const auto it = e.state().sops.find(id);
        if (it == e.state().sops.end() || !it->second.problem.empty() ||
            it->second.versions.empty() ||
            !e.policy().allows(e.me(), Right::View, it->second.collection)) {
            return nullptr;
        }
        return &it->second;
    };
    SOPVAULT_TRY(to, e.linkIndex().targets(e, sopId, *sop));
    for (const Id& id : to) {
        LinkedSop linked{id, {}, false};
        if (const SopRecordState* target = viewable(id)) {
            if (auto line = e.headLine(id, *target)) {
                linked.title = line->title;
                linked.viewable = true;
            }
        }
        out.to.push_back(std::move(linked));
    }
    for (const auto& [id, other] : e.state().sops) {
        if (id == sopId || viewable(id) == nullptr) {
            continue;
        }
        // A SOP that cannot be read now (a key not yet granted on this replica) links nowhere.
        auto targets = e.linkIndex().targets(e, id, other);
        if (!targets || std::find(targets->begin(), targets->end(), sopId) == targets->end()) {
            continue;
        }
        if (auto line = e.headLine(id, other)) {
            out.from.push_back({id, line->title, true});
        }
    }
    std::sort(out.from.begin(), out.from.end(), [](const LinkedSop& a, const LinkedSop& b) {
        return std::tie(a.title, a.id) < std::tie(b.title, b.id);
    });
    return out;
}

} // namespace sopvault::core
