// FTS5 index in memory: one row per SOP head, bm25 ranking, highlighted snippets.
#include "SearchIndex.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sopvault::core::detail {

Result<std::string> ftsQuery(std::string_view text)
{
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
            ++i;
        }
        std::string word;
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) == 0) {
            const char c = text[i++];
            // Punctuation the tokenizer drops anyway; quotes are doubled inside the string.
            if (c == '"') {
                word += "\"\"";
            } else {
                word += c;
            }
        }
        const bool hasText = std::any_of(word.begin(), word.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                   static_cast<unsigned char>(c) >= 0x80;
        });
        if (hasText) {
            if (!out.empty()) {
                out += ' ';
            }
            out += fmt::format("\"{}\"*", word);
        }
    }
    if (out.empty()) {
        return fail(ErrorCode::Usage, "Type something to search for.");
    }
    return out;
}

Result<SearchIndex> SearchIndex::create()
{
    SOPVAULT_TRY(db, storage::Database::openMemory());
    SOPVAULT_CHECK(db.execScript(
        "CREATE VIRTUAL TABLE sop_fts USING fts5(title, body, tags, sop UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');"));
    return SearchIndex(std::move(db));
}

Result<void> SearchIndex::put(const Id& sop, const SopContent& content)
{
    SOPVAULT_TRY(remove, m_db.prepare("DELETE FROM sop_fts WHERE sop = ?"));
    remove.bind(1, crypto::ByteView(sop));
    SOPVAULT_CHECK(remove.run());
    std::string tags;
    for (const auto& t : content.tags) {
        tags += t + ' ';
    }
    SOPVAULT_TRY(insert, m_db.prepare("INSERT INTO sop_fts (title, body, tags, sop) "
                                      "VALUES (?, ?, ?, ?)"));
    insert.bind(1, std::string_view(content.title))
        .bind(2, std::string_view(content.body))
        .bind(3, std::string_view(tags))
        .bind(4, crypto::ByteView(sop));
    return insert.run();
}

Result<std::vector<SearchIndex::Row>> SearchIndex::query(std::string_view text,
                                                         std::string_view open,
                                                         std::string_view close)
{
    SOPVAULT_TRY(fts, ftsQuery(text));
    SOPVAULT_TRY(stmt, m_db.prepare("SELECT sop, -bm25(sop_fts, 10.0, 1.0, 5.0), "
                                    "snippet(sop_fts, -1, ?, ?, '…', 16) FROM sop_fts "
                                    "WHERE sop_fts MATCH ? ORDER BY bm25(sop_fts, 10.0, 1.0, 5.0)"));
    stmt.bind(1, open).bind(2, close).bind(3, std::string_view(fts));
    std::vector<Row> out;
    for (;;) {
        SOPVAULT_TRY(row, stmt.step());
        if (!row) {
            break;
        }
        Row r;
        const crypto::Bytes id = stmt.columnBytes(0);
        if (id.size() == r.sop.size()) {
            std::copy(id.begin(), id.end(), r.sop.begin());
        }
        r.score = static_cast<double>(stmt.columnDouble(1));
        r.snippet = stmt.columnText(2);
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace sopvault::core::detail
