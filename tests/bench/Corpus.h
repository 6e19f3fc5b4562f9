// The benchmark corpus (performance.md, "The corpus"): N SOPs of realistic Markdown over about
// 50 collections, each with a few versions, generated deterministically from a seed and written
// out as plain folders: one per version round (for importFolder and the SQLite baseline) and
// one with each SOP's newest version (for grep).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sopvault::bench {

// What is kept in memory per SOP; bodies are regenerated on demand so 100,000 SOPs fit.
struct SopSpec
{
    std::size_t index = 0;
    std::string collection; // folder under the import root, e.g. "Clients/Acme"
    std::string fileName;   // "sop-00042-rotate-the-tls-certificate.md"
    std::string title;      // unique per SOP, so a re-import edits the same SOP
    std::vector<std::string> tags;
    int versions = 1; // 1..4
};

struct CorpusFiles
{
    // [0] holds every SOP's first version; [k] the (k+1)-th version of those that have one.
    std::vector<std::filesystem::path> roundDirs;
    std::vector<std::uint64_t> roundBytes;
    std::vector<std::size_t> roundFiles;
    // Each SOP's newest version: what search indexes, and what grep reads.
    std::filesystem::path headDir;
    std::uint64_t headBytes = 0;
    std::uint64_t allVersionBytes = 0;
    std::uint64_t medianFirstBytes = 0;
    std::uint64_t largestFirstBytes = 0;
};

class Corpus
{
public:
    Corpus(std::uint64_t seed, std::size_t count);

    [[nodiscard]] const std::vector<SopSpec>& sops() const { return m_sops; }
    [[nodiscard]] std::size_t collectionCount() const;
    // Version `version` (1-based) of SOP `index`: the Markdown body without front matter.
    [[nodiscard]] std::string body(std::size_t index, int version) const;
    // What the plain file holds: front matter (title, tags) and then the body.
    [[nodiscard]] std::string fileText(std::size_t index, int version) const;
    [[nodiscard]] CorpusFiles write(const std::filesystem::path& dir) const;

    // The fixed search query set: common, rare, multi-word and absent terms of the corpus.
    [[nodiscard]] static const std::vector<std::string>& queries();

private:
    std::uint64_t m_seed;
    std::vector<SopSpec> m_sops;
};

} // namespace sopvault::bench
