// Full-text search over the SOPs a person may view: SQLite FTS5 in a private in-memory
// database. Built after unlock (or loaded from its sealed copy in the state folder), kept
// current on every save; it never reaches the disk except sealed (SearchIndex::save).
#pragma once

#include "Records.h"
#include "storage/Database.h"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>

namespace sopvault::core::detail {

class SearchIndex
{
public:
    struct Row
    {
        Id sop{};
        double score = 0;                                         // higher is better (negated bm25)
        std::string snippet;                                      // plain text
        std::vector<std::pair<std::size_t, std::size_t>> matches; // byte (start, length)
        std::string title;
        std::vector<std::string> tags;
        SopState state = SopState::Draft;
    };

    [[nodiscard]] static Result<SearchIndex> create();

    // The sealed copy at `file`, if it opens under `key` with exactly this associated data (the
    // vault, the person and their rights, which the caller binds); nullopt if it is missing,
    // damaged, doctored, another person's or made for other rights: then it is built again.
    // The file starts with `header` in the clear (the caller binds it in `ad` too).
    [[nodiscard]] static std::optional<SearchIndex> load(const std::filesystem::path& file,
                                                         const crypto::SecureBuffer& key,
                                                         crypto::ByteView ad,
                                                         crypto::ByteView header);
    // Seals the whole index under `key` and replaces `file` atomically (0600).
    [[nodiscard]] Result<void> save(const std::filesystem::path& file,
                                    const crypto::SecureBuffer& key, crypto::ByteView ad,
                                    crypto::ByteView header);

    // Many puts in one transaction (building the index): FTS5 then flushes once.
    [[nodiscard]] Result<void> beginBulk() { return m_db.execScript("BEGIN"); }
    [[nodiscard]] Result<void> endBulk() { return m_db.execScript("COMMIT"); }

    // Adds or replaces a SOP's newest version, whose entry hash is `head`.
    [[nodiscard]] Result<void> put(const Id& sop, const crypto::Hash32& head,
                                   const SopContent& content);
    // Forgets a SOP.
    [[nodiscard]] Result<void> remove(const Id& sop);
    // The watermark: which version (its entry hash) of which SOP the index holds.
    [[nodiscard]] const std::map<Id, crypto::Hash32>& heads() const { return m_heads; }

    // How many matches the body pass ranks at a time (see query).
    static constexpr std::size_t kRankWindow = 1000;

    // Matches what a person typed (ftsQuery). First the SOPs whose title holds the words, all of
    // them ranked by bm25 over the titles. Then every other match by bm25 (title weighs most,
    // then tags): all of them together when there are at most `window`; otherwise `window` at
    // a time, newest saved first (a word in most SOPs is one bm25 gives almost no weight, and
    // scoring all its matches is what made such a search slow). `accept` filters candidates
    // (rights, collection) before `limit` applies; snippets are made only for what is returned.
    [[nodiscard]] Result<std::vector<Row>> query(std::string_view text, std::size_t limit,
                                                 const std::function<bool(const Id&)>& accept,
                                                 std::size_t window = kRankWindow);

private:
    explicit SearchIndex(storage::Database db) : m_db(std::move(db)) {}
    [[nodiscard]] Result<void> loadHeads();
    storage::Database m_db;
    std::map<Id, crypto::Hash32> m_heads;
    std::map<Id, std::int64_t> m_rowids; // a SOP's row, so a save replaces it without a scan
    std::map<std::int64_t, Id> m_sops;   // and back, for the title pass
    // The row the next put takes: rows count down, so the newest save has the lowest rowid and
    // FTS5's own order (ascending rowid) is newest first.
    std::int64_t m_nextRow = -1;
};

// The FTS5 query for what a person typed: each word quoted (so no FTS syntax leaks through)
// and matched as a prefix, a CamelCase word also as its parts, a "quoted phrase" as that
// phrase. `usage` if nothing is left to search for.
[[nodiscard]] Result<std::string> ftsQuery(std::string_view text);

// The parts of the identifiers in `text` that the tokenizer keeps whole (CamelCase:
// "NodeFilesystemSpaceFillingUp" gives "Node Filesystem Space Filling Up"), space separated;
// empty if there are none. Snake, kebab and dotted names the tokenizer splits by itself.
[[nodiscard]] std::string identifierParts(std::string_view text);

} // namespace sopvault::core::detail
