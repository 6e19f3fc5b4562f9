// Full-text search over the SOPs a person may view: SQLite FTS5 in a private in-memory
// database, so no plaintext index ever reaches the disk. Built after unlock, kept current on
// every save.
#pragma once

#include "Records.h"
#include "storage/Database.h"

#include <functional>
#include <map>

namespace sopvault::core::detail {

class SearchIndex
{
public:
    struct Row
    {
        Id sop{};
        double score = 0; // higher is better (negated bm25)
        std::string snippet;
        std::string title;
        std::vector<std::string> tags;
        SopState state = SopState::Draft;
    };

    [[nodiscard]] static Result<SearchIndex> create();

    // Many puts in one transaction (building the index): FTS5 then flushes once.
    [[nodiscard]] Result<void> beginBulk() { return m_db.execScript("BEGIN"); }
    [[nodiscard]] Result<void> endBulk() { return m_db.execScript("COMMIT"); }

    // Adds or replaces a SOP's newest version.
    [[nodiscard]] Result<void> put(const Id& sop, const SopContent& content);
    // Matches every word of `text` as a prefix, best first by bm25 (title weighs most, then
    // tags). `accept` filters candidates (rights, collection, tag) before `limit` applies;
    // snippets are made only for what is returned.
    [[nodiscard]] Result<std::vector<Row>> query(std::string_view text, std::string_view open,
                                                 std::string_view close, std::size_t limit,
                                                 const std::function<bool(const Id&)>& accept);

private:
    explicit SearchIndex(storage::Database db) : m_db(std::move(db)) {}
    storage::Database m_db;
    std::map<Id, std::int64_t> m_rowids; // a SOP's row, so a save replaces it without a scan
};

// The FTS5 query for what a person typed: each word quoted (so no FTS syntax leaks through)
// and matched as a prefix. `usage` if nothing is left to search for.
[[nodiscard]] Result<std::string> ftsQuery(std::string_view text);

} // namespace sopvault::core::detail
