// FTS5 index in memory: one row per SOP head (porter stemming over unicode61, identifier parts
// in hidden columns), title matches first, then bm25; snippets with their match ranges; sealed
// to and from the state folder.
#include "SearchIndex.h"

#include "storage/PrivateFiles.h"

#include "sopvault/crypto/Crypto.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <limits>
#include <map>

namespace sopvault::core::detail {
namespace {

// Around each match inside the snippet FTS5 makes; never left in what is returned (put()
// keeps them out of the indexed text, so every one of them is a marker).
constexpr char kOpen = '\x01';
constexpr char kClose = '\x02';

bool isUpper(char c)
{
    return c >= 'A' && c <= 'Z';
}
bool isLowerOrDigit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool isWordByte(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// The CamelCase parts of one run of ASCII letters and digits ("HTTPServerDown": HTTP Server
// Down); one part if it has no inner boundary.
std::vector<std::string_view> camelParts(std::string_view run)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 1; i < run.size(); ++i) {
        const bool lowerToUpper = isLowerOrDigit(run[i - 1]) && isUpper(run[i]);
        const bool acronymEnd = isUpper(run[i - 1]) && isUpper(run[i]) && i + 1 < run.size() &&
                                run[i + 1] >= 'a' && run[i + 1] <= 'z';
        if (lowerToUpper || acronymEnd) {
            parts.push_back(run.substr(start, i - start));
            start = i;
        }
    }
    parts.push_back(run.substr(start));
    return parts;
}

bool hasText(std::string_view word)
{
    return std::any_of(word.begin(), word.end(), [](char c) {
        return isWordByte(c) || static_cast<unsigned char>(c) >= 0x80;
    });
}

// One FTS5 string: the text quoted, its own quotes doubled.
std::string ftsString(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

std::string withoutMarkers(std::string_view text)
{
    std::string out(text);
    std::replace(out.begin(), out.end(), kOpen, ' ');
    std::replace(out.begin(), out.end(), kClose, ' ');
    return out;
}

// A JSON array of rowids, for `IN (SELECT value FROM json_each(?))`.
std::string rowList(const std::vector<std::int64_t>& rows)
{
    std::string out = "[";
    for (const std::int64_t r : rows) {
        out += fmt::format("{}{}", out.size() > 1 ? "," : "", r);
    }
    return out + "]";
}

// What the result statements select, in this order (readRow reads it).
constexpr std::string_view kResultColumns =
    "SELECT rowid, sop, rank, snippet(sop_fts, 1, char(1), char(2), '…', 16), title, tags, "
    "state FROM sop_fts ";

std::vector<std::string> splitTags(const std::string& tags)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < tags.size()) {
        auto nl = tags.find('\n', start);
        if (nl == std::string::npos) {
            nl = tags.size();
        }
        out.push_back(tags.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

constexpr std::size_t kMaxIndexFile = std::size_t{4} << 30; // larger is not ours: rebuild

} // namespace

std::string identifierParts(std::string_view text)
{
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!isWordByte(text[i])) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && isWordByte(text[end])) {
            ++end;
        }
        // A run glued to other letters (UTF-8) is left to the tokenizer as it is.
        const bool glued = (i > 0 && static_cast<unsigned char>(text[i - 1]) >= 0x80) ||
                           (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80);
        if (!glued) {
            const auto parts = camelParts(text.substr(i, end - i));
            if (parts.size() > 1) {
                for (const auto part : parts) {
                    out += out.empty() ? "" : " ";
                    out += part;
                }
            }
        }
        i = end;
    }
    return out;
}

Result<std::string> ftsQuery(std::string_view text)
{
    std::vector<std::string> terms;
    std::size_t i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i])) != 0) {
            ++i;
            continue;
        }
        // A quoted phrase, if its quote is closed: the words in that order, each whole.
        if (text[i] == '"') {
            const auto close = text.find('"', i + 1);
            if (close != std::string_view::npos) {
                const std::string_view phrase = text.substr(i + 1, close - i - 1);
                if (hasText(phrase)) {
                    terms.push_back(ftsString(phrase));
                }
                i = close + 1;
                continue;
            }
            ++i; // an unclosed quote is punctuation
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0) {
            ++end;
        }
        const std::string_view word = text.substr(i, end - i);
        i = end;
        if (!hasText(word)) {
            continue;
        }
        // Each word as a prefix; a CamelCase word also as the phrase of its parts, so
        // "KubePodCrashLooping" finds "Kube Pod Crash Looping" and the name kept whole.
        const std::string parts = identifierParts(word);
        if (parts.empty()) {
            terms.push_back(ftsString(word) + "*");
        } else {
            terms.push_back(fmt::format("({}* OR {})", ftsString(word), ftsString(parts)));
        }
    }
    if (terms.empty()) {
        return fail(ErrorCode::Usage, "Type something to search for.");
    }
    std::string out;
    for (const auto& t : terms) {
        out += (out.empty() ? "" : " AND ") + t;
    }
    return out;
}

Result<SearchIndex> SearchIndex::create()
{
    SOPVAULT_TRY(db, storage::Database::openMemory());
    // Porter over unicode61: "expired" and "expiration" are one stem. title_words and words
    // hold the parts of CamelCase identifiers of the title and of the body and tags. `rank`
    // carries the column weights. title_fts holds the titles again under the same rowids, so
    // the title pass ranks only the SOPs whose title matches instead of filtering every match
    // of the body by column. sop_heads is the watermark. No prefix indexes: they would double
    // the image that is sealed and loaded per process, for little speed.
    SOPVAULT_CHECK(db.execScript(
        "CREATE VIRTUAL TABLE sop_fts USING fts5(title, body, tags, title_words, words, "
        "sop UNINDEXED, state UNINDEXED, "
        "tokenize = 'porter unicode61 remove_diacritics 2');"
        "INSERT INTO sop_fts (sop_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 5.0, 10.0, 1.0)');"
        "CREATE VIRTUAL TABLE title_fts USING fts5(title, title_words, "
        "tokenize = 'porter unicode61 remove_diacritics 2');"
        "CREATE TABLE sop_heads (sop BLOB PRIMARY KEY, head BLOB NOT NULL, "
        "row INTEGER NOT NULL) WITHOUT ROWID;"));
    return SearchIndex(std::move(db));
}

Result<void> SearchIndex::loadHeads()
{
    SOPVAULT_TRY(rows, m_db.prepare("SELECT sop, head, row FROM sop_heads"));
    while (true) {
        SOPVAULT_TRY(more, rows.step());
        if (!more) {
            break;
        }
        Id sop{};
        crypto::Hash32 head{};
        const crypto::ByteView s = rows.columnView(0);
        const crypto::ByteView h = rows.columnView(1);
        if (s.size() != sop.size() || h.size() != head.size()) {
            return fail(ErrorCode::Integrity, "The saved search index is damaged.");
        }
        std::copy(s.begin(), s.end(), sop.begin());
        std::copy(h.begin(), h.end(), head.begin());
        const std::int64_t row = rows.columnInt(2);
        m_heads[sop] = head;
        m_rowids[sop] = row;
        m_sops[row] = sop;
        m_nextRow = std::min(m_nextRow, row - 1);
    }
    // The tables the queries use must be there and answer.
    for (const char* table : {"sop_fts", "title_fts"}) {
        SOPVAULT_TRY(probe, m_db.prepare(fmt::format(
                                "SELECT rowid FROM {0} WHERE {0} MATCH 'x' LIMIT 1", table)));
        SOPVAULT_TRY(ignored, probe.step());
        (void)ignored;
    }
    return {};
}

namespace {

// The image is sealed in pieces of this size, so neither saving nor loading ever holds a second
// copy of it (at 10,000 SOPs it is over 100 MB). Each piece is bound to its place and to whether
// it is the last, so pieces cannot be dropped, moved or cut off.
constexpr std::size_t kPiece = std::size_t{4} << 20;
constexpr std::size_t kSealedPiece = kPiece + crypto::kNonceSize + crypto::kTagSize;

crypto::Bytes pieceAd(crypto::ByteView ad, std::uint64_t index, bool last)
{
    crypto::Bytes out(ad.begin(), ad.end());
    for (int shift = 0; shift < 64; shift += 8) {
        out.push_back(static_cast<std::uint8_t>(index >> shift));
    }
    out.push_back(last ? 1 : 0);
    return out;
}

} // namespace

std::optional<SearchIndex> SearchIndex::load(const std::filesystem::path& file,
                                             const crypto::SecureBuffer& key, crypto::ByteView ad,
                                             crypto::ByteView header)
{
    // Read a piece at a time, so the sealed file is never whole in memory beside the image.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    const std::uintmax_t fileSize = std::filesystem::file_size(file, ec);
    std::ifstream in(file, std::ios::binary);
    if (ec || !in || fileSize <= header.size() || fileSize > kMaxIndexFile) {
        return std::nullopt;
    }
    crypto::Bytes buffer(std::max(header.size(), kSealedPiece));
    auto readInto = [&](std::size_t size) {
        return static_cast<bool>(
            in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(size)));
    };
    if (!readInto(header.size()) || !std::equal(header.begin(), header.end(), buffer.begin())) {
        return std::nullopt;
    }
    const auto bodySize = static_cast<std::size_t>(fileSize) - header.size();
    const std::size_t pieces = (bodySize + kSealedPiece - 1) / kSealedPiece;
    const std::size_t lastSize = bodySize - (pieces - 1) * kSealedPiece;
    if (lastSize <= crypto::kNonceSize + crypto::kTagSize) {
        return std::nullopt; // cut off inside a piece's nonce or tag
    }
    const std::size_t plainSize = bodySize - pieces * (crypto::kNonceSize + crypto::kTagSize);
    auto db = storage::Database::openMemoryImage(
        plainSize, [&](std::span<std::uint8_t> out) -> Result<void> {
            for (std::size_t i = 0; i < pieces; ++i) {
                const bool last = i + 1 == pieces;
                const std::size_t size = last ? lastSize : kSealedPiece;
                if (!readInto(size)) {
                    return fail(ErrorCode::Integrity, "The saved search index is cut off.");
                }
                SOPVAULT_CHECK(crypto::openInto(
                    key, crypto::ByteView(buffer).first(size), pieceAd(ad, i, last),
                    out.subspan(i * kPiece, size - crypto::kNonceSize - crypto::kTagSize)));
            }
            return {};
        });
    if (!db) {
        return std::nullopt; // damaged, doctored, another person's or other rights: rebuild
    }
    SearchIndex index(std::move(*db));
    if (!index.loadHeads()) {
        return std::nullopt;
    }
    return index;
}

Result<void> SearchIndex::save(const std::filesystem::path& file, const crypto::SecureBuffer& key,
                               crypto::ByteView ad, crypto::ByteView header)
{
    SOPVAULT_TRY(image, m_db.image());
    return storage::replaceFileAtomically(
        file, [&](const storage::PieceWriter& write) -> Result<void> {
            SOPVAULT_CHECK(write(header));
            std::size_t at = 0;
            for (std::uint64_t i = 0;; ++i) {
                const std::size_t size = std::min(kPiece, image.size() - at);
                const bool last = at + size == image.size();
                SOPVAULT_TRY(sealed,
                             crypto::seal(key, image.subspan(at, size), pieceAd(ad, i, last)));
                SOPVAULT_CHECK(write(sealed));
                at += size;
                if (last) {
                    return {};
                }
            }
        });
}

Result<void> SearchIndex::remove(const Id& sop)
{
    if (auto row = m_rowids.find(sop); row != m_rowids.end()) {
        for (const char* table : {"sop_fts", "title_fts"}) {
            SOPVAULT_TRY(drop, m_db.prepare(fmt::format("DELETE FROM {} WHERE rowid = ?", table)));
            drop.bind(1, row->second);
            SOPVAULT_CHECK(drop.run());
        }
        m_sops.erase(row->second);
        m_rowids.erase(row);
    }
    SOPVAULT_TRY(forget, m_db.prepare("DELETE FROM sop_heads WHERE sop = ?"));
    forget.bind(1, crypto::ByteView(sop));
    SOPVAULT_CHECK(forget.run());
    m_heads.erase(sop);
    return {};
}

Result<void> SearchIndex::put(const Id& sop, const crypto::Hash32& head, const SopContent& content)
{
    SOPVAULT_CHECK(remove(sop));
    std::string tags;
    for (const auto& t : content.tags) {
        tags += (tags.empty() ? "" : "\n") + t;
    }
    const std::string title = withoutMarkers(content.title);
    const std::string body = withoutMarkers(content.body);
    const std::string titleWords = identifierParts(title);
    std::string words = identifierParts(body);
    if (std::string tagWords = identifierParts(tags); !tagWords.empty()) {
        words += (words.empty() ? "" : " ") + tagWords;
    }
    const std::int64_t rowid = m_nextRow;
    SOPVAULT_TRY(insert, m_db.prepare("INSERT INTO sop_fts (rowid, title, body, tags, "
                                      "title_words, words, sop, state) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.bind(1, rowid)
        .bind(2, std::string_view(title))
        .bind(3, std::string_view(body))
        .bind(4, std::string_view(tags))
        .bind(5, std::string_view(titleWords))
        .bind(6, std::string_view(words))
        .bind(7, crypto::ByteView(sop))
        .bind(8, static_cast<std::int64_t>(content.state));
    SOPVAULT_CHECK(insert.run());
    SOPVAULT_TRY(titled, m_db.prepare("INSERT INTO title_fts (rowid, title, title_words) "
                                      "VALUES (?, ?, ?)"));
    titled.bind(1, rowid).bind(2, std::string_view(title)).bind(3, std::string_view(titleWords));
    SOPVAULT_CHECK(titled.run());
    --m_nextRow;
    SOPVAULT_TRY(mark, m_db.prepare("INSERT INTO sop_heads (sop, head, row) VALUES (?, ?, ?)"));
    mark.bind(1, crypto::ByteView(sop)).bind(2, crypto::ByteView(head)).bind(3, rowid);
    SOPVAULT_CHECK(mark.run());
    m_rowids[sop] = rowid;
    m_sops[rowid] = sop;
    m_heads[sop] = head;
    return {};
}

namespace {

// One row of kResultColumns, the snippet's markers turned into match ranges; none for a row
// whose SOP id is not one.
std::optional<SearchIndex::Row> readRow(const storage::Statement& s)
{
    SearchIndex::Row r;
    const crypto::ByteView id = s.columnView(1);
    if (id.size() != r.sop.size()) {
        return std::nullopt;
    }
    std::copy(id.begin(), id.end(), r.sop.begin());
    r.score = -s.columnDouble(2);
    for (const char c : s.columnText(3)) {
        if (c == kOpen) {
            r.matches.emplace_back(r.snippet.size(), 0);
        } else if (c == kClose) {
            if (!r.matches.empty()) {
                r.matches.back().second = r.snippet.size() - r.matches.back().first;
            }
        } else {
            r.snippet += c;
        }
    }
    r.title = s.columnText(4);
    r.tags = splitTags(s.columnText(5));
    r.state = static_cast<SopState>(s.columnInt(6));
    return r;
}

} // namespace

Result<std::vector<SearchIndex::Row>>
SearchIndex::query(std::string_view text, std::size_t limit,
                   const std::function<bool(const Id&)>& accept, std::size_t window)
{
    SOPVAULT_TRY(fts, ftsQuery(text));
    window = std::max<std::size_t>(window, 1);
    std::vector<Row> out;
    // The title pass: every SOP whose title holds the words, best first, from the small title
    // table; then their snippets and columns from the whole index in one statement (whose
    // order is the rowid's, so they are put back in the title ranking's order).
    std::vector<std::int64_t> titled;
    {
        SOPVAULT_TRY(ranked, m_db.prepare("SELECT rowid FROM title_fts WHERE title_fts MATCH ? "
                                          "ORDER BY rank"));
        ranked.bind(1, std::string_view(fts));
        while (titled.size() < limit) {
            SOPVAULT_TRY(row, ranked.step());
            if (!row) {
                break;
            }
            const auto sop = m_sops.find(ranked.columnInt(0));
            if (sop != m_sops.end() && (!accept || accept(sop->second))) {
                titled.push_back(sop->first);
            }
        }
    }
    const std::string shown = rowList(titled);
    if (!titled.empty()) {
        const auto [low, high] = std::minmax_element(titled.begin(), titled.end());
        SOPVAULT_TRY(rows, m_db.prepare(fmt::format(
                               "{}WHERE sop_fts MATCH ? AND rowid >= ? AND rowid <= ? AND "
                               "+rowid IN (SELECT value FROM json_each(?))",
                               kResultColumns)));
        rows.bind(1, std::string_view(fts))
            .bind(2, *low)
            .bind(3, *high)
            .bind(4, std::string_view(shown));
        std::map<std::int64_t, Row> byRow;
        while (true) {
            SOPVAULT_TRY(row, rows.step());
            if (!row) {
                break;
            }
            if (auto r = readRow(rows)) {
                byRow.emplace(rows.columnInt(0), std::move(*r));
            }
        }
        for (const std::int64_t rowid : titled) {
            if (auto found = byRow.find(rowid); found != byRow.end()) {
                out.push_back(std::move(found->second));
            }
        }
    }
    // The body pass, a window of matches at a time in rowid order (newest saved first), each
    // window ranked by bm25. The probe finds where the window ends without scoring anything.
    SOPVAULT_TRY(probe, m_db.prepare("SELECT rowid FROM sop_fts WHERE sop_fts MATCH ? AND "
                                     "rowid >= ? LIMIT 1 OFFSET ?"));
    SOPVAULT_TRY(ranked, m_db.prepare(fmt::format(
                             "{}WHERE sop_fts MATCH ? AND rowid >= ? AND rowid <= ? AND "
                             "+rowid NOT IN (SELECT value FROM json_each(?)) ORDER BY rank",
                             kResultColumns)));
    std::int64_t from = std::numeric_limits<std::int64_t>::min();
    while (out.size() < limit) {
        probe.reset();
        probe.bind(1, std::string_view(fts))
            .bind(2, from)
            .bind(3, static_cast<std::int64_t>(window - 1));
        SOPVAULT_TRY(more, probe.step());
        const std::int64_t to =
            more ? probe.columnInt(0) : std::numeric_limits<std::int64_t>::max();
        ranked.reset();
        ranked.bind(1, std::string_view(fts))
            .bind(2, from)
            .bind(3, to)
            .bind(4, std::string_view(shown));
        while (out.size() < limit) {
            SOPVAULT_TRY(row, ranked.step());
            if (!row) {
                break;
            }
            auto r = readRow(ranked);
            if (r && (!accept || accept(r->sop))) {
                out.push_back(std::move(*r));
            }
        }
        if (!more || to == std::numeric_limits<std::int64_t>::max()) {
            break;
        }
        from = to + 1;
    }
    return out;
}

} // namespace sopvault::core::detail
