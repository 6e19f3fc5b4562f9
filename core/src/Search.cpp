// Session search: the in-memory index over what this person may view, filtered by collection
// and tag, ranked by bm25.
#include "sopvault/core/Vault.h"

#include "Engine.h"

#include <algorithm>

namespace sopvault::core {

using namespace detail;

Result<void> Session::buildSearchIndex(const std::function<void(std::size_t, std::size_t)>& progress)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(index, SearchIndex::create());
    std::vector<const SopRecordState*> visible;
    for (const auto& [id, sop] : e.state.sops) {
        if (sop.problem.empty() && !sop.versions.empty() &&
            e.policy().allows(e.me, Right::View, sop.collection)) {
            visible.push_back(&sop);
        }
    }
    for (std::size_t i = 0; i < visible.size(); ++i) {
        if (progress && i % 64 == 0) {
            progress(i, visible.size());
        }
        const SopRecordState& sop = *visible[i];
        SOPVAULT_TRY(content, e.readContent(sop.id, sop.versions.back().version));
        SOPVAULT_CHECK(index.put(sop.id, content));
    }
    if (progress) {
        progress(visible.size(), visible.size());
    }
    e.searchIndex = std::move(index);
    return {};
}

Result<std::vector<SearchHit>> Session::search(const SearchQuery& query)
{
    Engine& e = *m_engine;
    if (!e.searchIndex) {
        SOPVAULT_CHECK(buildSearchIndex());
    }
    std::optional<Id> within;
    if (query.collection) {
        SOPVAULT_TRY(c, e.collectionByPath(*query.collection));
        within = c;
    }
    SOPVAULT_TRY(rows, e.searchIndex->query(query.text, query.markOpen, query.markClose));
    std::vector<SearchHit> out;
    for (auto& row : rows) {
        auto sop = e.state.sops.find(row.sop);
        // The index only ever held what this person may view; the policy is asked again anyway.
        if (sop == e.state.sops.end() || !sop->second.problem.empty() ||
            !e.policy().allows(e.me, Right::View, sop->second.collection) ||
            (within && !e.state.isWithin(sop->second.collection, *within))) {
            continue;
        }
        SOPVAULT_TRY(content, e.readContent(row.sop, sop->second.versions.back().version));
        if (query.tag &&
            std::find(content.tags.begin(), content.tags.end(), *query.tag) == content.tags.end()) {
            continue;
        }
        out.push_back({row.sop, std::move(content.title), e.pathOf(sop->second.collection),
                       std::move(row.snippet), row.score, content.state, std::move(content.tags)});
        if (out.size() >= query.limit) {
            break;
        }
    }
    return out;
}

} // namespace sopvault::core
