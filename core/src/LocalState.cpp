// Rollback and fork detection against the marks this machine keeps per vault and person.
#include "LocalState.h"

#include "storage/PrivateFiles.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace sopvault::core::detail {
namespace {

constexpr const char* kDomain = "sopvault/local-state";

std::unexpected<Error> rolledBack(std::string what)
{
    return fail(ErrorCode::Integrity,
                fmt::format("This vault file is older than, or forks from, the one this machine "
                            "saw before: {}. Someone may have replaced it with an old or doctored "
                            "copy; nothing was changed. Compare it with the team's current copy.",
                            what));
}

// The whole file, or nullopt if it cannot be opened or is not a regular file (a folder put in
// its place reads as an absurd size, and must not turn into an allocation of it).
std::optional<crypto::Bytes> readFile(const std::filesystem::path& file)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in) {
        return std::nullopt;
    }
    const auto size = in.tellg();
    if (size < 0) {
        return std::nullopt;
    }
    crypto::Bytes data(static_cast<std::size_t>(size));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!in) {
        return std::nullopt;
    }
    return data;
}

// The marks file: the log positions, and the digest of the SOP heads file (which changes only
// when a SOP gets a new version, so most writes rewrite only this small file). Files from before
// the heads file list the SOP heads inline, and are still read.
crypto::Bytes encodeMarks(const Marks& m, const crypto::Hash32& headsDigest)
{
    crypto::CanonicalWriter w(kDomain);
    w.bytes(m.genesis)
        .u64(m.adminCount)
        .bytes(m.adminHead)
        .u64(m.auditCount)
        .bytes(m.auditHead)
        .u64(m.eventCount)
        .bytes(m.eventHead)
        .u32(0)
        .bytes(headsDigest)
        .i64(m.serverPosition)
        .bytes(m.serverRunning);
    return std::move(w).take();
}

Result<void> readHeads(crypto::CanonicalReader& r, Marks& m)
{
    SOPVAULT_TRY(count, r.u32());
    for (std::uint32_t i = 0; i < count; ++i) {
        SOPVAULT_TRY(id, r.array<Id>());
        SOPVAULT_TRY(versions, r.u64());
        SOPVAULT_TRY(head, r.array<crypto::Hash32>());
        m.sops.emplace_back(id, versions, head);
    }
    return {};
}

// Marks, and the digest of their heads file (none in a file that lists the heads inline).
Result<std::pair<Marks, std::optional<crypto::Hash32>>> decodeMarks(crypto::ByteView data)
{
    SOPVAULT_TRY(r, crypto::CanonicalReader::open(data, kDomain));
    Marks m;
    SOPVAULT_TRY(genesis, r.array<crypto::Hash32>());
    SOPVAULT_TRY(adminCount, r.u64());
    SOPVAULT_TRY(adminHead, r.array<crypto::Hash32>());
    SOPVAULT_TRY(auditCount, r.u64());
    SOPVAULT_TRY(auditHead, r.array<crypto::Hash32>());
    SOPVAULT_TRY(eventCount, r.u64());
    SOPVAULT_TRY(eventHead, r.array<crypto::Hash32>());
    SOPVAULT_CHECK(readHeads(r, m));
    std::optional<crypto::Hash32> headsDigest;
    if (!r.atEnd()) {
        SOPVAULT_TRY(digest, r.array<crypto::Hash32>());
        headsDigest = digest;
    }
    // Marks from before team sync end here.
    if (!r.atEnd()) {
        SOPVAULT_TRY(serverPosition, r.i64());
        SOPVAULT_TRY(serverRunning, r.array<crypto::Hash32>());
        m.serverPosition = serverPosition;
        m.serverRunning = serverRunning;
    }
    SOPVAULT_CHECK(r.finish());
    m.genesis = genesis;
    m.adminCount = adminCount;
    m.adminHead = adminHead;
    m.auditCount = auditCount;
    m.auditHead = auditHead;
    m.eventCount = eventCount;
    m.eventHead = eventHead;
    return std::pair{std::move(m), headsDigest};
}

// The log positions of `st` (its SOP heads go to their own file).
Marks logMarksOf(const State& st)
{
    Marks m;
    if (!st.adminHashes.empty()) {
        m.genesis = st.adminHashes.front();
    }
    m.adminCount = st.adminCount;
    m.adminHead = st.adminHead;
    m.auditCount = st.auditCount;
    m.auditHead = st.auditHead;
    m.eventCount = st.eventCount;
    m.eventHead = st.eventHead;
    m.serverPosition = st.serverPosition;
    m.serverRunning = st.serverRunning;
    return m;
}

constexpr const char* kHeadsDomain = "sopvault/local-state-heads";

crypto::Bytes encodeHeads(const State& st)
{
    crypto::CanonicalWriter w(kHeadsDomain);
    std::uint32_t count = 0;
    for (const auto& [id, sop] : st.sops) {
        count += sop.versions.empty() ? 0U : 1U;
    }
    w.u32(count);
    for (const auto& [id, sop] : st.sops) {
        if (!sop.versions.empty()) {
            w.bytes(id).u64(sop.versions.size()).bytes(sop.versions.back().hash);
        }
    }
    return std::move(w).take();
}

// The heads file is named by its digest, so the marks file that names it and the heads it names
// are replaced as one: a crash between the two writes leaves the older pair intact.
std::filesystem::path headsFile(const std::filesystem::path& marksFile,
                                const crypto::Hash32& digest)
{
    return marksFile.string() + "-" + crypto::toHex(crypto::ByteView(digest).first(8)) + ".heads";
}

Result<void> compareLog(const char* name, std::uint64_t seenCount, const crypto::Hash32& seenHead,
                        const std::vector<crypto::Hash32>& hashes)
{
    if (seenCount == 0) {
        return {};
    }
    if (hashes.size() < seenCount) {
        return rolledBack(fmt::format("the {} has {} entries, and this machine has seen {}", name,
                                      hashes.size(), seenCount));
    }
    if (hashes[seenCount - 1] != seenHead) {
        return rolledBack(
            fmt::format("entry {} of the {} differs from the one seen here", seenCount - 1, name));
    }
    return {};
}

} // namespace

Result<std::optional<Marks>> loadMarks(const std::filesystem::path& file,
                                       const crypto::SecureBuffer& macKey,
                                       const crypto::Hash32& genesis)
{
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        return std::optional<Marks>{};
    }
    const crypto::Bytes data = readFile(file).value_or(crypto::Bytes{});
    if (data.size() < 32) {
        return fail(ErrorCode::Integrity,
                    fmt::format("This machine's record of the vault ({}) is damaged; if you trust "
                                "the vault file, delete that record and open it again.",
                                file.string()));
    }
    const crypto::ByteView body = crypto::ByteView(data).first(data.size() - 32);
    // Before the MAC: another vault's record cannot be checked with this vault's key, and what
    // matters to the person is that the file is not the vault trusted here.
    if (auto marks = decodeMarks(body); marks && marks->first.genesis != genesis) {
        return fail(ErrorCode::Integrity,
                    "This file is a different vault from the one this machine first trusted at "
                    "this path (its genesis record differs); nothing was changed.");
    }
    auto mac = crypto::keyedHash(macKey.span(), body);
    if (!mac || !crypto::constantTimeEqual(*mac, crypto::ByteView(data).last(32))) {
        return fail(ErrorCode::Integrity,
                    fmt::format("This machine's record of the vault ({}) was changed by someone "
                                "else; if you trust the vault file, delete that record and open "
                                "it again.",
                                file.string()));
    }
    SOPVAULT_TRY(decoded, decodeMarks(body));
    auto& [marks, headsDigest] = decoded;
    if (headsDigest) {
        const auto heads = readFile(headsFile(file, *headsDigest));
        if (!heads) {
            // Another session of this person replaced it in the moment this one saved its
            // marks: the logs are still compared, the SOP heads are recorded again after unlock.
            return std::optional<Marks>(std::move(marks));
        }
        if (crypto::hash32(*heads) != *headsDigest) {
            return fail(ErrorCode::Integrity,
                        fmt::format("This machine's record of the vault's SOPs (beside {}) was "
                                    "changed; if you trust the vault file, delete that record and "
                                    "open it again.",
                                    file.string()));
        }
        SOPVAULT_TRY(r, crypto::CanonicalReader::open(*heads, kHeadsDomain));
        SOPVAULT_CHECK(readHeads(r, marks));
        SOPVAULT_CHECK(r.finish());
        marks.headsDigest = headsDigest;
    }
    return std::optional<Marks>(std::move(marks));
}

namespace {

// Replaces `file` atomically (storage::replaceFileAtomically), in the state folder made private
// (0700) first; the state folder is this project's own, so an older, wider one is tightened.
Result<void> replaceFile(const std::filesystem::path& file, crypto::ByteView data,
                         std::string_view what)
{
    const auto folder = file.parent_path();
    auto ok = storage::createPrivateDirectories(folder);
    if (ok && storage::modeOf(folder) != 0700U) {
        std::error_code ec;
        std::filesystem::permissions(folder, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace, ec);
        if (ec) {
            ok = fail(ErrorCode::Failed,
                      fmt::format("cannot make {} private: {}", folder.string(), ec.message()));
        }
    }
    if (ok) {
        ok = storage::replaceFileAtomically(file, data);
    }
    if (!ok) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} were not saved: {}", what, ok.error().message));
    }
    return {};
}

} // namespace

Result<void> saveMarks(const std::filesystem::path& file, const crypto::SecureBuffer& macKey,
                       const State& state, std::uint64_t headsGeneration, SavedHeads& saved)
{
    bool newHeads = false;
    // Another session of this person may have replaced the heads file these marks name.
    std::error_code missing;
    const bool named = saved.digest != crypto::Hash32{} &&
                       std::filesystem::exists(headsFile(file, saved.digest), missing);
    if (saved.generation != headsGeneration || !named) {
        const crypto::Bytes heads = encodeHeads(state);
        const crypto::Hash32 digest = crypto::hash32(heads);
        if (digest != saved.digest || !named) {
            SOPVAULT_CHECK(
                replaceFile(headsFile(file, digest), heads, "the vault's rollback marks"));
            saved.digest = digest;
            newHeads = true;
        }
        saved.generation = headsGeneration;
    }
    crypto::Bytes data = encodeMarks(logMarksOf(state), saved.digest);
    SOPVAULT_TRY(mac, crypto::keyedHash(macKey.span(), data));
    data.insert(data.end(), mac.begin(), mac.end());
    SOPVAULT_CHECK(replaceFile(file, data, "the vault's rollback marks"));
    if (newHeads) {
        // Heads files the marks no longer name.
        const std::string prefix = file.filename().string() + "-";
        const auto keep = headsFile(file, saved.digest).filename();
        std::error_code ec;
        for (std::filesystem::directory_iterator it(file.parent_path(), ec), end; !ec && it != end;
             it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.starts_with(prefix) && name.ends_with(".heads") && name != keep) {
                std::error_code ignored;
                std::filesystem::remove(it->path(), ignored);
            }
        }
    }
    return {};
}

Result<void> compareMarks(const State& st, const Marks& seen)
{
    if (st.adminHashes.empty() || st.adminHashes.front() != seen.genesis) {
        return fail(ErrorCode::Integrity,
                    "This file is a different vault from the one this machine first trusted "
                    "under this name and person (its genesis record differs); nothing was "
                    "changed.");
    }
    SOPVAULT_CHECK(
        compareLog("administration log", seen.adminCount, seen.adminHead, st.adminHashes));
    SOPVAULT_CHECK(compareLog("audit log", seen.auditCount, seen.auditHead, st.auditHashes));
    SOPVAULT_CHECK(
        compareLog("review and flag log", seen.eventCount, seen.eventHead, st.eventHashes));
    for (const auto& [id, versions, head] : seen.sops) {
        auto sop = st.sops.find(id);
        const std::size_t have = sop == st.sops.end() ? 0 : sop->second.versions.size();
        if (have < versions) {
            return rolledBack(fmt::format("SOP {} has {} version(s), and this machine has seen {}",
                                          toHex(id), have, versions));
        }
        if (sop->second.versions[versions - 1].hash != head) {
            return rolledBack(fmt::format("version {} of SOP {} differs from the one seen here",
                                          versions, toHex(id)));
        }
    }
    return {};
}

Result<void> compareServerMark(const Marks& seen,
                               const std::optional<crypto::Hash32>& runningAtSeen)
{
    if (seen.serverPosition == 0) {
        return {};
    }
    if (!runningAtSeen) {
        return rolledBack(fmt::format("its copy of the server's log ends before position {}, "
                                      "which this machine verified",
                                      seen.serverPosition));
    }
    if (*runningAtSeen != seen.serverRunning) {
        return rolledBack(fmt::format("its copy of the server's log differs at position {} from "
                                      "the one verified here",
                                      seen.serverPosition));
    }
    return {};
}

namespace {

constexpr const char* kCacheDomain = "sopvault/verified-cache";

crypto::Bytes cacheAd(const crypto::Hash32& genesis)
{
    crypto::CanonicalWriter w("sopvault/verified-cache-ad");
    w.bytes(genesis);
    return std::move(w).take();
}

crypto::Bytes encodeCache(const VerifiedCache& cache)
{
    crypto::CanonicalWriter w(kCacheDomain);
    w.bytes(cache.genesis).u32(static_cast<std::uint32_t>(cache.sops.size()));
    for (const auto& [id, sop] : cache.sops) {
        w.bytes(id).bytes(sop.collection).u32(static_cast<std::uint32_t>(sop.versions.size()));
        for (const VersionState& v : sop.versions) {
            w.u64(v.version)
                .bytes(v.hash)
                .bytes(v.author)
                .i64(v.time)
                .u64(v.adminCount)
                .u32(v.epoch);
        }
        w.u8(sop.head ? 1 : 0);
        if (sop.head) {
            crypto::Bytes line = encode(sop.head->second);
            w.bytes(sop.head->first).bytes(line);
            crypto::wipe(line);
        }
    }
    return std::move(w).take();
}

Result<VerifiedCache> decodeCache(crypto::ByteView data)
{
    SOPVAULT_TRY(r, crypto::CanonicalReader::open(data, kCacheDomain));
    VerifiedCache cache;
    SOPVAULT_TRY(genesis, r.array<crypto::Hash32>());
    cache.genesis = genesis;
    SOPVAULT_TRY(count, r.u32());
    for (std::uint32_t i = 0; i < count; ++i) {
        SOPVAULT_TRY(id, r.array<Id>());
        CachedSop sop;
        SOPVAULT_TRY(collection, r.array<Id>());
        sop.collection = collection;
        SOPVAULT_TRY(versions, r.u32());
        sop.versions.reserve(std::min<std::size_t>(versions, data.size()));
        for (std::uint32_t k = 0; k < versions; ++k) {
            VersionState v;
            SOPVAULT_TRY(number, r.u64());
            SOPVAULT_TRY(hash, r.array<crypto::Hash32>());
            SOPVAULT_TRY(author, r.array<Id>());
            SOPVAULT_TRY(time, r.i64());
            SOPVAULT_TRY(adminCount, r.u64());
            SOPVAULT_TRY(epoch, r.u32());
            if (number != k + 1) {
                return fail(ErrorCode::Integrity,
                            "The verified cache lists versions out of order.");
            }
            v.version = number;
            v.hash = hash;
            v.author = author;
            v.time = time;
            v.adminCount = adminCount;
            v.collection = collection;
            v.epoch = epoch;
            sop.versions.push_back(v);
        }
        SOPVAULT_TRY(hasHead, r.u8());
        if (hasHead != 0) {
            SOPVAULT_TRY(hash, r.array<crypto::Hash32>());
            SOPVAULT_TRY(line, r.bytes());
            SOPVAULT_TRY(content, decodeSopContent(line));
            sop.head.emplace(hash, std::move(content));
        }
        cache.sops.emplace(id, std::move(sop));
    }
    SOPVAULT_CHECK(r.finish());
    return cache;
}

} // namespace

VerifiedCache cacheOf(const State& st, const HeadSummaries& heads)
{
    VerifiedCache cache;
    if (!st.adminHashes.empty()) {
        cache.genesis = st.adminHashes.front();
    }
    for (const auto& [id, sop] : st.sops) {
        if (!sop.problem.empty() || sop.versions.empty()) {
            continue;
        }
        CachedSop& out = cache.sops[id];
        out.collection = sop.collection;
        out.versions = sop.versions;
        if (auto h = heads.find(id);
            h != heads.end() && h->second.first == sop.versions.back().hash) {
            out.head = h->second;
        }
    }
    return cache;
}

std::optional<VerifiedCache> loadCache(const std::filesystem::path& file,
                                       const crypto::SecureBuffer& key,
                                       const crypto::Hash32& genesis)
{
    const auto sealed = readFile(file);
    if (!sealed) {
        return std::nullopt;
    }
    auto plain = crypto::open(key, *sealed, cacheAd(genesis));
    if (!plain) {
        return std::nullopt; // damaged, doctored, or another vault's: check everything again
    }
    auto cache = decodeCache(*plain);
    crypto::wipe(*plain);
    if (!cache || cache->genesis != genesis) {
        return std::nullopt;
    }
    return std::move(*cache);
}

Result<void> saveCache(const std::filesystem::path& file, const crypto::SecureBuffer& key,
                       const VerifiedCache& cache)
{
    crypto::Bytes plain = encodeCache(cache);
    auto sealed = crypto::seal(key, plain, cacheAd(cache.genesis));
    crypto::wipe(plain);
    if (!sealed) {
        return std::unexpected(sealed.error());
    }
    return replaceFile(file, *sealed, "this machine's verified cache of the vault");
}

bool sameHeads(const State& st, const Marks& seen)
{
    std::size_t count = 0;
    for (const auto& [id, sop] : st.sops) {
        count += sop.versions.empty() ? 0U : 1U;
    }
    return count == seen.sops.size() &&
           std::all_of(seen.sops.begin(), seen.sops.end(), [&](const auto& mark) {
               auto sop = st.sops.find(std::get<0>(mark));
               return sop != st.sops.end() && sop->second.versions.size() == std::get<1>(mark);
           });
}

} // namespace sopvault::core::detail
