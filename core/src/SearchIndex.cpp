// FTS5 index in memory: one row per SOP head, bm25 ranking, highlighted snippets.
#include "SearchIndex.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

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
    // `rank` carries the column weights, so ORDER BY rank LIMIT n stops early instead of
    // scoring and sorting every match with its snippet.
    SOPVAULT_CHECK(db.execScript(
        "CREATE VIRTUAL TABLE sop_fts USING fts5(title, body, tags, sop UNINDEXED, "
        "state UNINDEXED, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');"
        "INSERT INTO sop_fts (sop_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 5.0)');"));
    return SearchIndex(std::move(db));
}

Result<void> SearchIndex::put(const Id& sop, const SopContent& content)
{
    if (auto row = m_rowids.find(sop); row != m_rowids.end()) {
        SOPVAULT_TRY(remove, m_db.prepare("DELETE FROM sop_fts WHERE rowid = ?"));
        remove.bind(1, row->second);
        SOPVAULT_CHECK(remove.run());
        m_rowids.erase(row);
    }
    std::string tags;
    for (const auto& t : content.tags) {
        tags += (tags.empty() ? "" : "\n") + t;
    }
    SOPVAULT_TRY(insert, m_db.prepare("INSERT INTO sop_fts (title, body, tags, sop, state) "
                                      "VALUES (?, ?, ?, ?, ?) RETURNING rowid"));
    insert.bind(1, std::string_view(content.title))
        .bind(2, std::string_view(content.body))
        .bind(3, std::string_view(tags))
        .bind(4, crypto::ByteView(sop))
        .bind(5, static_cast<std::int64_t>(content.state));
    SOPVAULT_TRY(row, insert.step());
    if (row) {
        m_rowids[sop] = insert.columnInt(0);
    }
    insert.reset();
    return {};
}

Result<std::vector<SearchIndex::Row>>
SearchIndex::query(std::string_view text, std::string_view open, std::string_view close,
                   std::size_t limit, const std::function<bool(const Id&)>& accept)
{
    SOPVAULT_TRY(fts, ftsQuery(text));
    // Best first: with ORDER BY rank FTS5 produces rows in rank order and computes each row's
    // snippet only when it is stepped to, so reading stops at `limit` accepted rows.
    SOPVAULT_TRY(matches, m_db.prepare("SELECT sop, rank, snippet(sop_fts, -1, ?, ?, '…', 16), "
                                       "title, tags, state FROM sop_fts WHERE sop_fts MATCH ? "
                                       "ORDER BY rank"));
    matches.bind(1, open).bind(2, close).bind(3, std::string_view(fts));
    std::vector<Row> out;
    while (out.size() < limit) {
        SOPVAULT_TRY(row, matches.step());
        if (!row) {
            break;
        }
        Row r;
        const crypto::ByteView id = matches.columnView(0);
        if (id.size() != r.sop.size()) {
            continue;
        }
        std::copy(id.begin(), id.end(), r.sop.begin());
        if (accept && !accept(r.sop)) {
            continue;
        }
        r.score = -matches.columnDouble(1);
        r.snippet = matches.columnText(2);
        r.title = matches.columnText(3);
        const std::string tags = matches.columnText(4);
        std::size_t start = 0;
        while (start < tags.size()) {
            auto nl = tags.find('\n', start);
            if (nl == std::string::npos) {
                nl = tags.size();
            }
            r.tags.push_back(tags.substr(start, nl - start));
            start = nl + 1;
        }
        r.state = static_cast<SopState>(matches.columnInt(5));
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace sopvault::core::detail
