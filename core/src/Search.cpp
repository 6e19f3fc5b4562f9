// Session search: the index over what this person may view (kept current, sealed to the state
// folder between sessions), filtered by collection and tag.
#include "sopvault/core/Vault.h"

#include "Engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <set>

namespace sopvault::core {

using namespace detail;

namespace {

// Which collections this person may view: the index holds exactly their SOPs, so it is made
// again when this changes (a grant or an ungrant since it was made).
crypto::Hash32 rightsDigest(const Engine& e)
{
    crypto::CanonicalWriter w("sopvault/search-index-rights");
    for (const auto& [id, collection] : e.state().collections) {
        if (e.policy().allows(e.me(), Right::View, id)) {
            w.bytes(id);
        }
    }
    const crypto::Bytes digest = crypto::hash(w.data());
    crypto::Hash32 out{};
    std::copy_n(digest.begin(), out.size(), out.begin());
    return out;
}

// What the sealed index is bound to: its format, the vault, the person and their rights. A
// copy from anything else does not open.
crypto::Bytes indexAd(const Engine& e, const crypto::Hash32& rights)
{
    crypto::CanonicalWriter w("sopvault/search-index/v2");
    w.bytes(e.state().adminHashes.front()).bytes(e.me()).bytes(rights);
    return std::move(w).take();
}

// The sealed file: the rights digest in the clear (also bound by the seal), so a copy made
// for rights the person lost is dropped without opening it.
constexpr std::size_t kRightsHeader = 32;

} // namespace

Result<SearchIndex*>
detail::Engine::currentSearchIndex(const std::function<void(std::size_t, std::size_t)>& progress)
{
    const crypto::Hash32 rights = rightsDigest(*this);
    const crypto::SecureBuffer* key = m_trust.searchKey();
    if (m_searchIndex && m_searchRights != rights) {
        m_searchIndex.reset();
    }
    if (!m_searchIndex && key != nullptr) {
        const crypto::Bytes ad = indexAd(*this, rights);
        m_searchIndex = SearchIndex::load(m_trust.searchPath(), *key, ad, rights);
        m_searchRights = rights;
        m_searchUnsaved = !m_searchIndex.has_value();
    }
    if (!m_searchIndex) {
        SOPVAULT_TRY(fresh, SearchIndex::create());
        m_searchIndex = std::move(fresh);
        m_searchRights = rights;
        m_searchUnsaved = true;
    }
    // Bring it to the state: the SOPs whose head moved, the ones it lacks, the ones gone. Both
    // maps are ordered by id, so one walk through the two side by side finds them (this runs
    // before every search).
    SearchIndex& index = *m_searchIndex;
    std::map<Id, bool> viewable; // per collection: the policy asked once, not once per SOP
    auto mayView = [&](const Id& collection) {
        auto known = viewable.find(collection);
        if (known == viewable.end()) {
            known =
                viewable.emplace(collection, policy().allows(me(), Right::View, collection)).first;
        }
        return known->second;
    };
    std::vector<const SopRecordState*> stale;
    std::vector<Id> gone;
    auto held = index.heads().begin();
    const auto heldEnd = index.heads().end();
    for (const auto& [id, sop] : m_state.sops) {
        for (; held != heldEnd && held->first < id; ++held) {
            gone.push_back(held->first); // a SOP the state no longer has
        }
        const bool has = held != heldEnd && held->first == id;
        if (sop.readable() && mayView(sop.collection)) {
            if (!has || held->second != sop.versions.back().hash) {
                stale.push_back(&sop);
            }
        } else if (has) {
            gone.push_back(id);
        }
        if (has) {
            ++held;
        }
    }
    for (; held != heldEnd; ++held) {
        gone.push_back(held->first);
    }
    // Oldest first: the index's own order is then newest saved first (SearchIndex::query).
    std::stable_sort(stale.begin(), stale.end(),
                     [](const SopRecordState* a, const SopRecordState* b) {
                         return a->versions.back().time < b->versions.back().time;
                     });
    if (stale.empty() && gone.empty()) {
        return &index;
    }
    auto update = [&]() -> Result<void> {
        SOPVAULT_CHECK(index.beginBulk());
        for (const Id& id : gone) {
            SOPVAULT_CHECK(index.remove(id));
        }
        for (std::size_t i = 0; i < stale.size(); ++i) {
            if (progress && i % 64 == 0) {
                progress(i, stale.size());
            }
            const SopRecordState& sop = *stale[i];
            SOPVAULT_TRY(content, readContent(sop.id, sop.versions.back().version));
            SOPVAULT_CHECK(index.put(sop.id, sop.versions.back().hash, content));
            // A commit now and then: SQLite keeps a transaction's new pages beside the image
            // until it commits.
            if (i % 512 == 511) {
                SOPVAULT_CHECK(index.endBulk());
                SOPVAULT_CHECK(index.beginBulk());
            }
        }
        SOPVAULT_CHECK(index.endBulk());
        if (progress) {
            progress(stale.size(), stale.size());
        }
        return {};
    };
    if (auto ok = update(); !ok) {
        m_searchIndex.reset(); // half brought up to date: made again on the next search
        return std::unexpected(ok.error());
    }
    m_searchUnsaved = true;
    return &index;
}

Result<void> detail::Engine::saveSearchIndex()
{
    const crypto::SecureBuffer* key = m_trust.searchKey();
    if (key == nullptr || !m_writes.sound()) {
        return {};
    }
    const std::filesystem::path& file = m_trust.searchPath();
    const crypto::Hash32 rights = rightsDigest(*this);
    if (!m_searchIndex || m_searchRights != rights) {
        // Not used in this session: a copy made for other rights is dropped unopened.
        std::ifstream in(file, std::ios::binary);
        crypto::Hash32 madeFor{};
        if (in &&
            in.read(reinterpret_cast<char*>(madeFor.data()),
                    static_cast<std::streamsize>(kRightsHeader)) &&
            madeFor != rights) {
            in.close();
            std::error_code ec;
            std::filesystem::remove(file, ec);
        }
        return {};
    }
    if (!m_searchUnsaved) {
        return {};
    }
    const crypto::Bytes ad = indexAd(*this, rights);
    SOPVAULT_CHECK(m_searchIndex->save(file, *key, ad, rights));
    m_searchUnsaved = false;
    return {};
}

Result<void>
Session::buildSearchIndex(const std::function<void(std::size_t, std::size_t)>& progress)
{
    SOPVAULT_TRY(index, m_engine->currentSearchIndex(progress));
    (void)index;
    return m_engine->saveSearchIndex();
}

Result<std::vector<SearchHit>> Session::search(const SearchQuery& query)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(index, e.currentSearchIndex());
    std::optional<Id> within;
    if (query.collection) {
        SOPVAULT_TRY(c, e.collectionByPath(*query.collection));
        within = c;
    }
    // The index only ever held what this person may view; the policy is asked again anyway.
    auto accept = [&](const Id& id) {
        auto sop = e.state().sops.find(id);
        return sop != e.state().sops.end() && sop->second.readable() &&
               e.policy().allows(e.me(), Right::View, sop->second.collection) &&
               (!within || e.state().isWithin(sop->second.collection, *within));
    };
    // With a tag filter, read further down the ranking and keep the exact tag matches.
    const std::size_t wanted =
        query.tag ? std::max<std::size_t>(query.limit * 8, 400) : query.limit;
    SOPVAULT_TRY(rows, index->query(query.text, wanted, accept));
    std::vector<SearchHit> out;
    for (auto& row : rows) {
        if (query.tag &&
            std::find(row.tags.begin(), row.tags.end(), *query.tag) == row.tags.end()) {
            continue;
        }
        const Id collection = e.state().sops.at(row.sop).collection;
        out.push_back({row.sop, std::move(row.title), e.pathOf(collection), std::move(row.snippet),
                       std::move(row.matches), row.score, row.state, std::move(row.tags)});
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
