// Session search: the in-memory index over what this person may view, filtered by collection
// and tag, ranked by bm25.
#include "sopvault/core/Vault.h"

#include "Engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>

namespace sopvault::core {

using namespace detail;

Result<void>
Session::buildSearchIndex(const std::function<void(std::size_t, std::size_t)>& progress)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(index, SearchIndex::create());
    std::vector<const SopRecordState*> visible;
    for (const auto& [id, sop] : e.state().sops) {
        if (sop.readable() && e.policy().allows(e.me(), Right::View, sop.collection)) {
            visible.push_back(&sop);
        }
    }
    SOPVAULT_CHECK(index.beginBulk());
    for (std::size_t i = 0; i < visible.size(); ++i) {
        if (progress && i % 64 == 0) {
            progress(i, visible.size());
        }
        const SopRecordState& sop = *visible[i];
        SOPVAULT_TRY(content, e.readContent(sop.id, sop.versions.back().version));
        SOPVAULT_CHECK(index.put(sop.id, content));
    }
    SOPVAULT_CHECK(index.endBulk());
    if (progress) {
        progress(visible.size(), visible.size());
    }
    e.setSearchIndex(std::move(index));
    return {};
}

Result<std::vector<SearchHit>> Session::search(const SearchQuery& query)
{
    Engine& e = *m_engine;
    if (e.searchIndex() == nullptr) {
        SOPVAULT_CHECK(buildSearchIndex());
    }
    std::optional<Id> within;
    if (query.collection) {
        SOPVAULT_TRY(c, e.collectionByPath(*query.collection));
        within = c;
    }
    // The index only ever held what this person may view; the policy is asked again anyway.
    auto accept = [&](const Id& id) {
        auto sop = e.state().sops.find(id);
        return sop != e.state().sops.end() && sop->second.problem.empty() &&
               e.policy().allows(e.me(), Right::View, sop->second.collection) &&
               (!within || e.state().isWithin(sop->second.collection, *within));
    };
    // With a tag filter, read further down the ranking and keep the exact tag matches.
    const std::size_t wanted =
        query.tag ? std::max<std::size_t>(query.limit * 8, 400) : query.limit;
    SOPVAULT_TRY(
        rows, e.searchIndex()->query(query.text, query.markOpen, query.markClose, wanted, accept));
    std::vector<SearchHit> out;
    for (auto& row : rows) {
        if (query.tag &&
            std::find(row.tags.begin(), row.tags.end(), *query.tag) == row.tags.end()) {
            continue;
        }
        const Id collection = e.state().sops.at(row.sop).collection;
        out.push_back({row.sop, std::move(row.title), e.pathOf(collection), std::move(row.snippet),
                       row.score, row.state, std::move(row.tags)});
        if (out.size() >= query.limit) {
            break;
        }
    }
    // Snippets are SOP text: one audit entry per search names the SOPs shown, with the query
    // sealed to the owners like a ticket reference.
    AuditNote n{"search", out.size() == 1 ? out.front().id : Id{}, out.size() == 1, {}};
    std::string shown;
    for (const SearchHit& hit : out) {
        shown += fmt::format("{}{}", shown.empty() ? "" : ",", toHex(hit.id));
    }
    n.detail.note = fmt::format("query \"{}\": {} SOP(s) shown{}{}", query.text, out.size(),
                                shown.empty() ? "" : ": ", shown);
    if (out.size() == 1) {
        n.detail.title = out.front().title;
    }
    SOPVAULT_CHECK(e.writes().audit(n));
    return out;
}

} // namespace sopvault::core
