// Import of a folder with screenshots (AttachmentBench.h): the vault encrypts, hashes and signs
// each SOP with its attachments in one transaction; the baseline only copies the same bytes into
// one SQLite table with the same durability settings.
#include "AttachmentBench.h"

#include "Baselines.h"

#include <fstream>
#include <random>

namespace sopvault::bench {

namespace {

constexpr std::size_t kFolders = 10;
constexpr std::size_t kSopsPerFolder = 20;
constexpr std::size_t kShotBytes = 150 * 1024;

void writeBytes(const std::filesystem::path& file, std::string_view bytes)
{
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A folder of runbooks shaped like a shared drive: folder/NN-sop.md and folder/shots/*.png.
std::uint64_t writeCorpus(const std::filesystem::path& root)
{
    std::mt19937_64 random(20261202);
    std::uint64_t bytes = 0;
    for (std::size_t f = 0; f < kFolders; ++f) {
        const auto folder = root / fmt::format("team-{:02}", f);
        // One screenshot more than SOPs: SOP n shows shot n and shot n+1, so most are shared.
        for (std::size_t n = 0; n <= kSopsPerFolder; ++n) {
            std::string shot = "\x89PNG\r\n\x1a\n";
            shot.resize(kShotBytes);
            for (std::size_t i = 8; i < shot.size(); ++i) {
                shot[i] = static_cast<char>(random() & 0xFF);
            }
            writeBytes(folder / "shots" / fmt::format("step-{:02}.png", n), shot);
            bytes += shot.size();
        }
        for (std::size_t n = 0; n < kSopsPerFolder; ++n) {
            const std::string text = fmt::format(
                "# Runbook {} of team {}\n\n1. Open the console.\n\n"
                "![Step one](shots/step-{:02}.png)\n\n2. Confirm the dialog.\n\n"
                "<img src=\"shots/step-{:02}.png\" alt=\"Step two\">\n\n3. Record the ticket.\n",
                n, f, n, n + 1);
            writeBytes(folder / fmt::format("{:02}-runbook.md", n), text);
            bytes += text.size();
        }
    }
    return bytes;
}

} // namespace

Figure screenshotImportFigure(const std::filesystem::path& work)
{
    const auto dir = work / "screenshots";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    progress(0, "import with screenshots: writing the folder");
    const std::uint64_t bytes = writeCorpus(dir / "drive");

    progress(0, "import with screenshots: plain SQLite table");
    const PlainImport plain = importPlainTable(dir / "drive", dir / "plain.sqlite");

    const auto vault = dir / "shots.sopvault";
    must(core::createVault(vault, "owner", password("owner"), crypto::KdfProfile::Interactive,
                           openOptions(vault)),
         "create vault");
    double seconds = 0;
    std::size_t attachments = 0;
    {
        auto s = unlockAs(vault, "owner");
        progress(0, "import with screenshots: importFolder");
        Stopwatch t;
        auto report = must(s->importFolder(dir / "drive", "Shared drive"), "import");
        seconds = t.seconds();
        if (report.imported != kFolders * kSopsPerFolder || !report.skipped.empty()) {
            die(fmt::format("import with screenshots brought in {} SOPs, {} skipped",
                            report.imported, report.skipped.size()));
        }
        for (const auto& sop : must(s->listSops(), "list")) {
            attachments += must(s->attachments(sop.id, std::nullopt), "attachments").size();
        }
    }
    Figure f;
    f.key = "import_screenshots";
    f.label = "import of a folder with screenshots";
    f.value = seconds;
    f.unit = "s";
    f.baseline = plain.seconds;
    f.baselineLabel = "same bytes into a plain SQLite table";
    f.ratio = seconds / plain.seconds;
    f.ratioLabel = "vault / baseline";
    f.samples = {seconds};
    f.baselineSamples = {plain.seconds};
    f.goal = "<= 3x";
    f.met = *f.ratio <= 3.0;
    f.detail = {{"sops", kFolders * kSopsPerFolder},
                {"files", plain.files},
                {"bytes", bytes},
                {"attachments", attachments},
                {"vault_bytes", std::filesystem::file_size(vault, ec)},
                {"vault_mb_per_s", static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds}};
    std::filesystem::remove_all(dir, ec);
    return f;
}

} // namespace sopvault::bench
