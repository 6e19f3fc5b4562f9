// sopvault_bench: every figure of docs performance.md with its baseline from the same run, at
// 1,000 and 10,000 SOPs (100,000 with --large). Prints a table and writes a JSON file; `make
// bench` runs it. Timings use steady_clock; nothing here is a unit test.
#include "AttachmentBench.h"
#include "Baselines.h"
#include "Corpus.h"
#include "Postgres.h"
#include "Support.h"
#include "SyncBench.h"

#include "sopvault/core/Markdown.h"
#include "sopvault/core/Vault.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sopvault::bench {
namespace {

constexpr std::string_view kOwner = "olivia";
constexpr std::string_view kReader = "victor"; // may read everything; removed at the end
constexpr std::string_view kRoot = "Corpus";

core::SearchQuery query(std::string_view text)
{
    core::SearchQuery q;
    q.text = std::string(text);
    return q;
}

double mib(std::uint64_t bytes)
{
    return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

std::string formatValue(double v, const std::string& unit)
{
    if (unit == "ms") {
        return fmt::format("{:.2f} ms", v);
    }
    if (unit == "s") {
        return fmt::format("{:.3f} s", v);
    }
    if (unit == "MiB") {
        return fmt::format("{:.1f} MiB", v);
    }
    if (unit == "B") {
        return fmt::format("{:.0f} B", v);
    }
    return fmt::format("{:.3g} {}", v, unit);
}

struct SizeRun
{
    std::size_t sops = 0;
    std::vector<Figure> figures;
    json corpus = json::object();
    double seconds = 0;
};

// --- the memory child: a fresh process, so its peak is the vault's alone ---

struct ProcStatus
{
    std::uint64_t hwmKb = 0;
    std::uint64_t rssKb = 0;
};

ProcStatus readStatus()
{
    ProcStatus s;
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        auto value = [&] {
            return std::strtoull(line.c_str() + line.find(':') + 1, nullptr, 10);
        };
        if (line.starts_with("VmHWM:")) {
            s.hwmKb = value();
        } else if (line.starts_with("VmRSS:")) {
            s.rssKb = value();
        }
    }
    return s;
}

constexpr int kSearchReps = 5;

// The app's path after unlock, in a fresh process so its peak is the vault's alone: unlock,
// list, build the search index, run the query set. Prints its timings and memory as JSON.
// Searching here also means the (slow) index is built once per size, not twice.
int sessionChild(const std::filesystem::path& vault)
{
    json out;
    auto stage = [&](const char* name) {
        const ProcStatus s = readStatus();
        out[name] = {{"hwm_kb", s.hwmKb}, {"rss_kb", s.rssKb}};
    };
    stage("start");
    auto session = unlockAs(vault, kOwner);
    stage("unlocked");
    auto list = must(session->listSops(), "list");
    out["listed"] = list.size();
    stage("listed");
    Stopwatch indexTime;
    must(session->buildSearchIndex(), "search index");
    out["index_build_s"] = indexTime.seconds();
    stage("indexed");
    const auto& queries = Corpus::queries();
    for (const auto& q : queries) { // warm-up
        (void)must(session->search(query(q)), "search");
    }
    json perQuery = json::object();
    for (const auto& q : queries) {
        perQuery[q] = {{"ms", json::array()}, {"hits", 0}};
    }
    for (int rep = 0; rep < kSearchReps; ++rep) {
        for (const auto& q : queries) {
            Stopwatch t;
            auto hits = must(session->search(query(q)), "search");
            perQuery[q]["ms"].push_back(t.ms());
            perQuery[q]["hits"] = hits.size();
        }
    }
    out["queries"] = perQuery;
    stage("searched");
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

json runSessionChild(const std::filesystem::path& vault)
{
    int fds[2];
    if (pipe(fds) != 0) {
        die("pipe");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::string flag = "--session-child";
    std::string path = vault.string();
    std::vector<char*> argv{self.data(), flag.data(), path.data(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
        die("cannot start the session child");
    }
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    std::string text;
    char buffer[4096];
    for (ssize_t n = 0; (n = read(fds[0], buffer, sizeof buffer)) > 0;) {
        text.append(buffer, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        die("the session child failed");
    }
    return json::parse(text);
}

// --- one-shot CLI: a new sopvault-cli process per call, as a PSA or a script runs it ---

// Runs sopvault-cli with `args` (output discarded) as `user` of `vault`, its state folder under
// `stateHome`; returns the wall time in ms. Dies if the command fails.
double timeCli(const std::filesystem::path& vault, const std::filesystem::path& stateHome,
               std::string_view user, std::vector<std::string> args)
{
    std::vector<std::string> words{SOPVAULT_CLI_PATH, "--vault",         vault.string(),
                                   "--user",          std::string(user), "--json"};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& w : words) {
        argv.push_back(w.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> envText{"XDG_STATE_HOME=" + stateHome.string(),
                                     "SOPVAULT_PASSWORD=" + std::string(user) + "-pw",
                                     "HOME=" + stateHome.string(), "PATH=/usr/bin:/bin"};
    std::vector<char*> env;
    for (auto& e : envText) {
        env.push_back(e.data());
    }
    env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    Stopwatch t;
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), env.data()) != 0) {
        die("cannot start sopvault-cli");
    }
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    waitpid(pid, &status, 0);
    const double ms = t.ms();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        die(fmt::format("sopvault-cli {} failed", args.front()));
    }
    return ms;
}

// --- Argon2id: the moderate profile in unlock against crypto_pwhash itself ---

Figure argon2Figure(const std::filesystem::path& work)
{
    progress(0, "Argon2id: moderate-profile unlock vs crypto_pwhash (tiny vault)");
    const auto vault = work / "kdf.sopvault";
    const auto moderate = crypto::kdfParams(crypto::KdfProfile::Moderate);
    const auto interactive = crypto::kdfParams(crypto::KdfProfile::Interactive);
    must(core::createVault(vault, "kdfowner", password("kdfowner"), crypto::KdfProfile::Moderate,
                           openOptions(vault)),
         "create the KDF vault");
    {
        auto s = unlockAs(vault, "kdfowner");
        must(s->addUser("quick", password("quick"), crypto::KdfProfile::Interactive), "add user");
    }
    std::vector<double> unlockModerate;
    std::vector<double> pwhashModerate;
    std::vector<double> unlockInteractive;
    std::vector<double> pwhashInteractive;
    const std::string pw = "kdfowner-pw";
    for (int rep = 0; rep < 3; ++rep) {
        {
            Stopwatch t;
            auto s = unlockAs(vault, "kdfowner");
            unlockModerate.push_back(t.seconds());
        }
        pwhashModerate.push_back(pwhashSeconds(pw, moderate.opsLimit, moderate.memLimit));
        {
            Stopwatch t;
            auto s = unlockAs(vault, "quick");
            unlockInteractive.push_back(t.seconds());
        }
        pwhashInteractive.push_back(pwhashSeconds(pw, interactive.opsLimit, interactive.memLimit));
    }
    Figure f;
    f.key = "argon2id_unlock";
    f.label = "Argon2id unlock (moderate)";
    f.value = median(unlockModerate);
    f.unit = "s";
    f.baseline = median(pwhashModerate);
    f.baselineLabel = "crypto_pwhash moderate";
    f.ratio = f.value / *f.baseline;
    f.ratioLabel = "unlock / crypto_pwhash";
    f.samples = unlockModerate;
    f.baselineSamples = pwhashModerate;
    f.goal = "ratio 1.0 (<= 1.10)";
    f.met = *f.ratio <= 1.10;
    f.detail = {{"ops_limit", moderate.opsLimit},
                {"mem_limit", moderate.memLimit},
                {"unlock_samples_s", unlockModerate},
                {"pwhash_samples_s", pwhashModerate},
                {"non_kdf_unlock_ms_tiny_vault",
                 (median(unlockInteractive) - median(pwhashInteractive)) * 1000.0},
                {"note", "a whole unlock of a 1-person vault (replay, key checks, login audit "
                         "entry) against one crypto_pwhash"}};
    return f;
}

// --- one corpus size ---

// Which figures a run measures (--only): the vault is always built, the rest on request.
using Wanted = std::function<bool(std::string_view)>;

SizeRun runSize(std::size_t sops, std::uint64_t seed, const std::filesystem::path& work,
                bool withSync, bool reuse, const Wanted& wants)
{
    Stopwatch total;
    SizeRun run;
    run.sops = sops;
    const bool atTenThousand = sops >= 10000;
    const auto dir = work / fmt::format("n{}", sops);
    std::filesystem::create_directories(dir);

    progress(sops, "generating the corpus");
    Stopwatch genTime;
    const Corpus corpus(seed, sops);
    const CorpusFiles files = corpus.write(dir / "corpus");
    std::size_t extraVersions = 0;
    std::uint64_t extraBytes = 0;
    for (std::size_t r = 1; r < files.roundDirs.size(); ++r) {
        extraVersions += files.roundFiles[r];
        extraBytes += files.roundBytes[r];
    }
    run.corpus = {{"seed", seed},
                  {"sops", sops},
                  {"collections", corpus.collectionCount()},
                  {"versions", files.roundFiles[0] + extraVersions},
                  {"first_version_bytes", files.roundBytes[0]},
                  {"head_bytes", files.headBytes},
                  {"all_version_bytes", files.allVersionBytes},
                  {"mean_sop_bytes", files.roundBytes[0] / sops},
                  {"median_sop_bytes", files.medianFirstBytes},
                  {"largest_sop_bytes", files.largestFirstBytes},
                  {"generate_s", genTime.seconds()}};

    // A vault built by an earlier run with --keep (the same seed and size) is used again with
    // --reuse: its import and disk figures are not measured (building it is what they time).
    const auto vault = dir / "team.sopvault";
    const auto builtMark = dir / "built";
    const bool reused =
        reuse && std::filesystem::exists(builtMark) && std::filesystem::exists(vault);
    run.corpus["reused_vault"] = reused;
    if (reused) {
        progress(sops, "reusing the vault built by an earlier run");
    } else {
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::filesystem::remove(vault.string() + suffix);
        }
        std::filesystem::remove(builtMark);
        std::filesystem::remove_all(stateDirOf(vault));
        // Import: the plain-file corpus into a fresh vault, against a plain SQLite table.
        progress(sops, "import: plain SQLite table");
        const PlainImport plain = importPlainTable(files.roundDirs[0], dir / "plain.sqlite");
        must(core::createVault(vault, kOwner, password(kOwner), crypto::KdfProfile::Interactive,
                               openOptions(vault)),
             "create vault");
        double importSeconds = 0;
        {
            auto s = unlockAs(vault, kOwner);
            must(s->addUser(kReader, password(kReader), crypto::KdfProfile::Interactive),
                 "add user");
            must(s->addCollection(kRoot), "add collection");
            must(s->grant(kReader, "technician", kRoot), "grant");
            progress(sops, "import: importFolder");
            Stopwatch t;
            auto report = must(s->importFolder(files.roundDirs[0], kRoot), "import");
            importSeconds = t.seconds();
            if (report.imported != sops || !report.skipped.empty()) {
                die(fmt::format("import brought in {} of {} SOPs ({} skipped{})", report.imported,
                                sops, report.skipped.size(),
                                report.skipped.empty() ? std::string()
                                                       : ": " + report.skipped.front().reason));
            }
        }
        const std::uint64_t firstSize = sqliteFileBytes(vault);
        {
            Figure f;
            f.key = "import";
            f.label = "import plain-file corpus";
            f.value = importSeconds;
            f.unit = "s";
            f.baseline = plain.seconds;
            f.baselineLabel = "plain SQLite table";
            f.ratio = importSeconds / plain.seconds;
            f.ratioLabel = "vault / baseline";
            f.samples = {importSeconds};
            f.baselineSamples = {plain.seconds};
            f.goal = "<= 3x";
            f.met = *f.ratio <= 3.0;
            f.detail = {{"files", plain.files},
                        {"bytes", plain.bytes},
                        {"vault_mb_per_s", mib(plain.bytes) / importSeconds},
                        {"baseline_mb_per_s", mib(plain.bytes) / plain.seconds}};
            run.figures.push_back(f);
        }

        // Further versions: the later rounds re-imported, each SOP edited once per round.
        progress(sops, "adding versions (re-imports)");
        double versionSeconds = 0;
        {
            auto s = unlockAs(vault, kOwner);
            for (std::size_t r = 1; r < files.roundDirs.size(); ++r) {
                Stopwatch t;
                auto report = must(s->importFolder(files.roundDirs[r], kRoot), "re-import");
                versionSeconds += t.seconds();
                if (report.updated != files.roundFiles[r]) {
                    die(fmt::format("round {} updated {} of {} SOPs", r + 1, report.updated,
                                    files.roundFiles[r]));
                }
            }
        }
        const std::uint64_t allSize = sqliteFileBytes(vault);
        run.corpus["reimport_s"] = versionSeconds;
        {
            Figure f;
            f.key = "disk_per_sop";
            f.label = "disk per SOP (first version)";
            f.value = static_cast<double>(firstSize) / static_cast<double>(sops);
            f.unit = "B";
            f.baseline = static_cast<double>(files.roundBytes[0]) / static_cast<double>(sops);
            f.baselineLabel = "plaintext per SOP";
            f.ratio = *f.baseline > 0 ? f.value / *f.baseline : 0;
            f.ratioLabel = "vault / plaintext";
            f.samples = {f.value};
            f.baselineSamples = {*f.baseline};
            f.goal = "< 1.5x";
            f.met = *f.ratio < 1.5;
            f.detail = {{"vault_bytes", firstSize},
                        {"plaintext_bytes", files.roundBytes[0]},
                        {"plain_sqlite_bytes_per_sop",
                         static_cast<double>(plain.fileSize) / static_cast<double>(sops)}};
            run.figures.push_back(f);
        }
        {
            Figure f;
            f.key = "disk_per_version";
            f.label = "disk per extra version";
            const double versions = static_cast<double>(std::max<std::size_t>(extraVersions, 1));
            f.value = static_cast<double>(allSize - firstSize) / versions;
            f.unit = "B";
            f.baseline = static_cast<double>(extraBytes) / versions;
            f.baselineLabel = "plaintext per version";
            f.ratio = *f.baseline > 0 ? f.value / *f.baseline : 0;
            f.ratioLabel = "vault / plaintext";
            f.samples = {f.value};
            f.baselineSamples = {*f.baseline};
            f.goal = "< 1.5x";
            f.met = *f.ratio < 1.5;
            f.detail = {{"extra_versions", extraVersions},
                        {"vault_bytes_after", allSize},
                        {"plaintext_bytes", extraBytes},
                        {"reimport_s", versionSeconds}};
            run.figures.push_back(f);
        }

        std::ofstream(builtMark) << seed << '\n';
    }
    if (wants("unlock")) {
        // Unlock to the SOP list, excluding Argon2id (crypto_pwhash with the same parameters is
        // measured beside it and subtracted). First on a machine that has never opened the vault
        // (everything verified, then cached), then as a returning person (the figure with the
        // goal).
        progress(sops, "unlock to the SOP list");
        {
            auto unlockAndList = [&](std::vector<double>& unlockMs, std::vector<double>& listMs,
                                     std::vector<double>& kdfMs) {
                const UnlockTiming t = timeUnlockToList(vault, kOwner);
                if (t.listed != sops) {
                    die(fmt::format("the list shows {} of {} SOPs", t.listed, sops));
                }
                unlockMs.push_back(t.unlockS * 1000.0);
                listMs.push_back(t.listS * 1000.0);
                kdfMs.push_back(t.kdfS * 1000.0);
            };
            std::vector<double> firstUnlockMs;
            std::vector<double> firstListMs;
            std::vector<double> firstKdfMs;
            std::filesystem::remove_all(stateDirOf(vault));
            unlockAndList(firstUnlockMs, firstListMs, firstKdfMs);
            std::vector<double> unlockMs;
            std::vector<double> listMs;
            std::vector<double> kdfMs;
            for (int rep = 0; rep < 3; ++rep) {
                unlockAndList(unlockMs, listMs, kdfMs);
            }
            Figure first;
            first.key = "first_unlock_to_list";
            first.label = "first unlock on a machine, to SOP list";
            first.value = firstUnlockMs.front() - firstKdfMs.front() + firstListMs.front();
            first.unit = "ms";
            first.samples = {first.value};
            first.goal = "none (checks every record)";
            first.detail = {{"unlock_ms", firstUnlockMs},
                            {"list_ms", firstListMs},
                            {"kdf_interactive_ms", firstKdfMs}};
            run.figures.push_back(first);
            Figure f;
            f.key = "unlock_to_list";
            f.label = "unlock (excl. Argon2id) to SOP list";
            f.value = median(unlockMs) - median(kdfMs) + median(listMs);
            f.unit = "ms";
            for (std::size_t i = 0; i < unlockMs.size(); ++i) {
                f.samples.push_back(unlockMs[i] - kdfMs[i] + listMs[i]);
            }
            f.goal = "< 100 ms at 10k";
            if (atTenThousand) {
                f.met = f.value < 100.0;
            }
            f.detail = {{"unlock_ms", unlockMs},
                        {"list_ms", listMs},
                        {"kdf_interactive_ms", kdfMs},
                        {"listed", sops},
                        {"note", "a returning person: this machine verified the vault before"}};
            run.figures.push_back(f);
        }
    }
    // A fresh process that unlocks, lists, indexes and searches: peak memory and search times.
    const json child =
        wants("search") || wants("peak_memory")
            ? (progress(sops, "peak memory and search (child process)"), runSessionChild(vault))
            : json(nullptr);
    if (!child.is_null()) {
        Figure f;
        f.key = "peak_memory";
        f.label = "peak memory, unlocked + indexed";
        f.value = static_cast<double>(child["searched"]["hwm_kb"].get<std::uint64_t>()) / 1024.0;
        f.unit = "MiB";
        f.baseline = mib(files.headBytes);
        f.baselineLabel = "plaintext corpus (newest versions)";
        f.ratio = f.value / *f.baseline;
        f.ratioLabel = "peak / plaintext";
        f.samples = {f.value};
        f.baselineSamples = {*f.baseline};
        const double limit = 3.0 * *f.baseline + 60.0;
        f.goal = fmt::format("< 3x + 60 MiB (= {:.0f} MiB) at 10k", limit);
        if (atTenThousand) {
            f.met = f.value < limit;
        }
        f.detail = {{"limit_mib", limit}};
        for (const char* stage : {"start", "unlocked", "listed", "indexed", "searched"}) {
            f.detail[stage] = child[stage];
        }
        run.figures.push_back(f);
    }

    auto session = unlockAs(vault, kOwner);
    const auto list = must(session->listSops(), "list");

    if (wants("open")) {
        // Open one SOP as the app does: read (decrypt, verify, the view's audit entry committed
        // durably) and render. The floor (performance.md, wave 2): cmark-gfm alone on the same
        // text plus one durable commit of an audit-sized row, in a SQLite file beside the vault.
        progress(sops, "open one SOP");
        {
            const std::size_t sample = std::min<std::size_t>(200, list.size());
            std::vector<core::Id> ids;
            for (std::size_t i = 0; i < sample; ++i) {
                ids.push_back(list[i * list.size() / sample].id);
            }
            std::vector<std::string> bodies;
            std::size_t bodyBytes = 0;
            for (const auto& id : ids) { // warm-up, and the text for the baseline
                auto view = must(session->readSop(id), "read");
                bodyBytes += view.body.size();
                bodies.push_back(std::move(view.body));
                (void)renderCmark(bodies.back());
            }
            const std::size_t auditRow = meanAuditRowBytes(vault);
            DurableCommits commits(dir / "commit-floor.sqlite", auditRow);
            (void)commits.commitMs(); // its WAL file made
            std::vector<double> coreMs;
            std::vector<double> readMs;
            std::vector<double> baseMs;
            std::vector<double> cmarkMs;
            std::vector<double> commitMs;
            std::size_t htmlBytes = 0;
            for (std::size_t i = 0; i < ids.size(); ++i) {
                Stopwatch t;
                auto view = must(session->readSop(ids[i]), "read");
                const double read = t.ms();
                auto html = must(core::renderHtml(view.body), "render");
                coreMs.push_back(t.ms());
                readMs.push_back(read);
                htmlBytes += html.size();
                Stopwatch b;
                auto plainHtml = renderCmark(bodies[i]);
                cmarkMs.push_back(b.ms());
                commitMs.push_back(commits.commitMs());
                baseMs.push_back(cmarkMs.back() + commitMs.back());
                // The vault's HTML is cmark-gfm's with raw HTML through the allowlist and links
                // rewritten (docs/security.md, "Rendering"), so the sizes differ; both must
                // have rendered the text.
                if (plainHtml.empty() != html.empty()) {
                    die("the vault's HTML or cmark-gfm's is empty for the same text");
                }
            }
            Figure f;
            f.key = "open_one";
            f.label = "open one SOP, audited before shown (read + render)";
            f.value = mean(coreMs);
            f.unit = "ms";
            f.baseline = mean(baseMs);
            f.baselineLabel = "cmark-gfm render + one durable commit of an audit-sized row";
            f.ratio = f.value / *f.baseline;
            f.ratioLabel = "vault / baseline (means)";
            f.samples = coreMs;
            f.baselineSamples = baseMs;
            f.goal = "<= 1.5x";
            f.met = *f.ratio <= 1.5;
            f.detail = {{"sample", ids.size()},
                        {"mean_body_bytes", bodyBytes / std::max<std::size_t>(ids.size(), 1)},
                        {"html_bytes", htmlBytes},
                        {"audit_row_bytes", auditRow},
                        {"p50_ms", percentile(coreMs, 50)},
                        {"baseline_p50_ms", percentile(baseMs, 50)},
                        {"readSop_mean_ms", mean(readMs)},
                        {"readSop_p50_ms", percentile(readMs, 50)},
                        {"render_mean_ms", mean(coreMs) - mean(readMs)},
                        {"cmark_mean_ms", mean(cmarkMs)},
                        {"commit_mean_ms", mean(commitMs)},
                        {"commit_p50_ms", percentile(commitMs, 50)},
                        {"render_vs_cmark", (mean(coreMs) - mean(readMs)) / mean(cmarkMs)}};
            run.figures.push_back(f);
        }
    }
    // Search: the child's times for the fixed query set, against grep -ril (and rg) over the
    // plain copy.
    if (!child.is_null()) {
        progress(sops, "search baselines (grep)");
        const auto& queries = Corpus::queries();
        const double indexSeconds = child["index_build_s"].get<double>();
        std::vector<double> coreMs;
        // One sample per pass over the query set, for the spread of p50 and p95.
        std::vector<std::vector<double>> corePasses(kSearchReps);
        json perQuery = json::object();
        for (const auto& q : queries) {
            const auto ms = child["queries"][q]["ms"].get<std::vector<double>>();
            coreMs.insert(coreMs.end(), ms.begin(), ms.end());
            for (std::size_t pass = 0; pass < ms.size() && pass < corePasses.size(); ++pass) {
                corePasses[pass].push_back(ms[pass]);
            }
            perQuery[q] = {{"p50_ms", percentile(ms, 50)}, {"hits", child["queries"][q]["hits"]}};
        }
        const std::string head = files.headDir.string();
        auto runTool = [&](const std::vector<std::string>& prefix) {
            std::vector<double> ms;
            for (int rep = 0; rep < 2; ++rep) {
                for (const auto& q : queries) {
                    std::vector<std::string> argv = prefix;
                    argv.push_back("--");
                    argv.push_back(q);
                    argv.push_back(head);
                    ms.push_back(runProcess(argv) * 1000.0);
                }
            }
            return ms;
        };
        (void)runTool({"grep", "-ril"}); // warm the page cache for both tools
        const std::vector<double> grepMs = runTool({"grep", "-ril"});
        const bool haveRg = onPath("rg");
        std::vector<double> rgMs;
        if (haveRg) {
            rgMs = runTool({"rg", "-il"});
        }
        auto perPass = [&](const std::vector<std::vector<double>>& passes, double p) {
            std::vector<double> out;
            for (const auto& pass : passes) {
                out.push_back(percentile(pass, p));
            }
            return out;
        };
        auto passesOf = [&](const std::vector<double>& ms) {
            std::vector<std::vector<double>> passes;
            for (std::size_t at = 0; at < ms.size(); at += queries.size()) {
                passes.emplace_back(ms.begin() + static_cast<std::ptrdiff_t>(at),
                                    ms.begin() + static_cast<std::ptrdiff_t>(
                                                     std::min(ms.size(), at + queries.size())));
            }
            return passes;
        };
        const auto grepPasses = passesOf(grepMs);
        json detail = {
            {"queries", queries.size()},
            {"reps", kSearchReps},
            {"measured_in", "the child process, after buildSearchIndex and one warm-up pass"},
            {"index_build_s", indexSeconds},
            {"per_query", perQuery},
            {"grep_p50_ms", percentile(grepMs, 50)},
            {"grep_p95_ms", percentile(grepMs, 95)},
            {"rg", haveRg ? json{{"p50_ms", percentile(rgMs, 50)}, {"p95_ms", percentile(rgMs, 95)}}
                          : json("not installed")}};
        Figure p50;
        p50.key = "search_p50";
        p50.label = "full-text search p50";
        p50.value = percentile(coreMs, 50);
        p50.unit = "ms";
        p50.baseline = percentile(grepMs, 50);
        p50.baselineLabel = "grep -ril p50";
        p50.ratio = *p50.baseline / p50.value;
        p50.ratioLabel = "grep / vault (times faster)";
        p50.samples = perPass(corePasses, 50);
        p50.baselineSamples = perPass(grepPasses, 50);
        p50.goal = ">= 10x faster than grep at 10k";
        if (atTenThousand) {
            p50.met = *p50.ratio >= 10.0;
        }
        p50.detail = detail;
        run.figures.push_back(p50);
        Figure p95;
        p95.key = "search_p95";
        p95.label = "full-text search p95";
        p95.value = percentile(coreMs, 95);
        p95.unit = "ms";
        p95.baseline = percentile(grepMs, 95);
        p95.baselineLabel = "grep -ril p95";
        p95.ratio = *p95.baseline / p95.value;
        p95.ratioLabel = "grep / vault (times faster)";
        p95.samples = perPass(corePasses, 95);
        p95.baselineSamples = perPass(grepPasses, 95);
        p95.goal = "< 10 ms at 10k";
        if (atTenThousand) {
            p95.met = p95.value < 10.0;
        }
        p95.detail = {{"rg_p95_ms", haveRg ? json(percentile(rgMs, 95)) : json(nullptr)}};
        run.figures.push_back(p95);
    }

    if (wants("cli_search")) {
        // A new process per search (unlock, search, print) against the same process unlocking
        // alone (`whoami`), both as a returning person: the difference is what a search costs a
        // script beyond the unlock, with the sealed index of the state folder reused.
        progress(sops, "one-shot CLI search vs whoami");
        const auto stateHome = vault.parent_path() / (vault.stem().string() + "-cli-home");
        std::filesystem::remove_all(stateHome);
        std::filesystem::create_directories(stateHome);
        const std::string user(kOwner);
        const double firstWhoami = timeCli(vault, stateHome, user, {"whoami"});
        const double firstSearch = timeCli(vault, stateHome, user, {"search", "backup"});
        const auto& queries = Corpus::queries();
        std::vector<double> whoamiMs;
        std::vector<double> searchMs;
        for (int rep = 0; rep < 1; ++rep) {
            for (const auto& q : queries) {
                whoamiMs.push_back(timeCli(vault, stateHome, user, {"whoami"}));
                searchMs.push_back(timeCli(vault, stateHome, user, {"search", q}));
            }
        }
        Figure f;
        f.key = "cli_search_one_shot";
        f.label = "one-shot CLI search (new process) minus whoami";
        f.value = median(searchMs) - median(whoamiMs);
        f.unit = "ms";
        f.baseline = median(whoamiMs);
        f.baselineLabel = "whoami (unlock alone), median";
        f.ratio = median(searchMs) / median(whoamiMs);
        f.ratioLabel = "search / whoami";
        for (std::size_t i = 0; i < searchMs.size(); ++i) {
            f.samples.push_back(searchMs[i] - whoamiMs[i]);
        }
        f.baselineSamples = whoamiMs;
        f.goal = "<= whoami + 100 ms at 10k";
        if (atTenThousand) {
            f.met = f.value <= 100.0;
        }
        f.detail = {{"search_ms", searchMs},
                    {"whoami_ms", whoamiMs},
                    {"search_p50_ms", percentile(searchMs, 50)},
                    {"search_p95_ms", percentile(searchMs, 95)},
                    {"first_whoami_ms", firstWhoami},
                    {"first_search_ms", firstSearch},
                    {"note", "Argon2id is in both (the same user); the first search builds and "
                             "seals the index, the others reuse it"}};
        run.figures.push_back(f);
        std::filesystem::remove_all(stateHome);
    }

    if (wants("verify")) {
        // Verify the whole vault, against raw decryption and signature checks of the same bytes.
        progress(sops, "verify");
        {
            const int reps = sops <= 20000 ? 3 : 1;
            std::vector<double> vaultS;
            core::VerifyReport report;
            for (int rep = 0; rep < reps; ++rep) {
                Stopwatch t;
                report = must(session->verify(), "verify");
                vaultS.push_back(t.seconds());
            }
            if (!report.ok) {
                die(fmt::format("verify found {} problem(s), the first: {}: {}",
                                report.problems.size(), report.problems.front().record,
                                report.problems.front().problem));
            }
            const CryptoReplay replay(vault);
            std::vector<double> baseS;
            for (int rep = 0; rep < reps; ++rep) {
                baseS.push_back(replay.run());
            }
            Figure f;
            f.key = "verify";
            f.label = "verify whole vault";
            f.value = median(vaultS);
            f.unit = "s";
            f.baseline = median(baseS);
            f.baselineLabel = "raw XChaCha20-Poly1305 + Ed25519";
            f.ratio = f.value / *f.baseline;
            f.ratioLabel = "vault / baseline";
            f.samples = vaultS;
            f.baselineSamples = baseS;
            f.goal = "<= 1.5x";
            f.met = *f.ratio <= 1.5;
            f.detail = {{"admin_records", report.adminRecords},
                        {"audit_records", report.auditRecords},
                        {"sop_versions", report.sopVersions},
                        {"review_records", report.reviewRecords},
                        {"ciphertexts_checked", report.ciphertexts},
                        {"baseline_signatures", replay.records()},
                        {"baseline_decryptions", replay.ciphertexts()},
                        {"baseline_bytes", replay.bytes()},
                        {"baseline_sqlite_read_s", replay.readSeconds()},
                        {"vault_samples_s", vaultS},
                        {"baseline_samples_s", baseS}};
            run.figures.push_back(f);
        }
    }
    // Clone to a new machine: before the reader is removed, since the reader clones.
    if (withSync && wants("clone")) {
        run.figures.push_back(cloneFigure(*session, kReader, sops, dir, 3));
    }

    if (wants("remove_user") && !reuse) { // the reader is gone afterwards: not with --reuse
        // Removing a person who could read everything: a key rotation of every collection.
        progress(sops, "remove a user who could read everything");
        {
            std::size_t rotated = 0;
            Stopwatch t;
            must(session->removeUser(kReader, [&](std::size_t, std::size_t n) { rotated = n; }),
                 "remove user");
            Figure f;
            f.key = "remove_user";
            f.label = "remove a user who could read all";
            f.value = t.seconds();
            f.unit = "s";
            f.samples = {f.value};
            f.goal = "< 2 s at 10k";
            if (atTenThousand) {
                f.met = f.value < 2.0;
            }
            f.detail = {{"collections_rotated", rotated}};
            run.figures.push_back(f);
        }
    }
    session.reset();
    run.seconds = total.seconds();
    return run;
}

// --- output ---

std::string cpuModel()
{
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("model name")) {
            return line.substr(line.find(':') + 2);
        }
    }
    return "unknown";
}

std::uint64_t memTotalMb()
{
    std::ifstream in("/proc/meminfo");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("MemTotal:")) {
            return std::strtoull(line.c_str() + 9, nullptr, 10) / 1024;
        }
    }
    return 0;
}

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

void printRow(const std::string& size, const Figure& f)
{
    const std::string verdict = !f.met ? "-" : (*f.met ? "met" : "MISSED");
    std::printf(
        "%-7s %-40s %14s %16s %9s  %-32s %s\n", size.c_str(), f.label.c_str(),
        formatValue(f.value, f.unit).c_str(),
        f.baseline ? formatValue(*f.baseline, f.unit == "MiB" ? "MiB" : f.unit).c_str() : "-",
        f.ratio ? fmt::format("{:.2f}x", *f.ratio).c_str() : "-", f.goal.c_str(), verdict.c_str());
    const int decimals = f.unit == "ms" ? 2 : f.unit == "s" ? 3 : f.unit == "B" ? 0 : 1;
    std::printf("%-7s   spread min/median/max (%s): %s; baseline: %s\n", "", f.unit.c_str(),
                spreadText(f.samples, decimals).c_str(),
                spreadText(f.baselineSamples, decimals).c_str());
}

struct Options
{
    std::vector<std::size_t> sizes{1000, 10000};
    std::uint64_t seed = 20261127;
    std::filesystem::path json = "benchmarks.json";
    std::filesystem::path work;
    bool keep = false;
    bool reuse = false; // use the vaults an earlier --keep run left in --work
    bool sync = true;   // the team-sync figures, on a throwaway PostgreSQL cluster
    std::set<std::string, std::less<>> only; // figure groups to run; empty: all of them
};

std::vector<std::string> splitList(const std::string& list)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < list.size()) {
        auto comma = list.find(',', pos);
        if (comma == std::string::npos) {
            comma = list.size();
        }
        out.push_back(list.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return out;
}

void usage()
{
    std::printf(
        "usage: sopvault_bench [--sizes 1000,10000] [--large] [--seed N] [--json FILE]\n"
        "                      [--work DIR] [--keep] [--reuse] [--no-sync] [--only GROUPS]\n"
        "  --large   also run 100,000 SOPs\n"
        "  --no-sync leave out the team-sync figures (no PostgreSQL cluster)\n"
        "  --only    run only these figure groups (comma-separated): argon2id, unlock,\n"
        "            search (with peak memory), cli_search, open, verify, clone,\n"
        "            remove_user, edit_seen, crowd, screenshots; import and disk are always\n"
        "            measured\n"
        "  --reuse   use the vaults a --keep run left in --work (same seed and sizes): their\n"
        "            import and disk figures and remove_user are left out; implies --keep\n"
        "  --work    where the corpus and vaults go (default: a new folder in $TMPDIR,\n"
        "            removed afterwards unless --keep)\n");
}

Options parseOptions(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--sizes") {
            o.sizes.clear();
            for (const auto& size : splitList(value())) {
                o.sizes.push_back(std::stoul(size));
            }
        } else if (arg == "--only") {
            for (auto& group : splitList(value())) {
                o.only.insert(std::move(group));
            }
        } else if (arg == "--large") {
            o.sizes.push_back(100000);
        } else if (arg == "--seed") {
            o.seed = std::stoull(value());
        } else if (arg == "--json") {
            o.json = value();
        } else if (arg == "--work") {
            o.work = value();
        } else if (arg == "--keep") {
            o.keep = true;
        } else if (arg == "--reuse") {
            o.reuse = true;
            o.keep = true;
        } else if (arg == "--no-sync") {
            o.sync = false;
        } else {
            usage();
            std::exit(arg == "--help" || arg == "-h" ? 0 : 2);
        }
    }
    return o;
}

int benchMain(int argc, char** argv)
{
    const Options options = parseOptions(argc, argv);
    const bool ownWork = options.work.empty();
    const auto work = ownWork ? std::filesystem::temp_directory_path() /
                                    fmt::format("sopvault-bench-{}", getpid())
                              : options.work;
    std::filesystem::create_directories(work);
    Stopwatch total;

    json out;
    out["date"] = utcNow();
    out["seed"] = options.seed;
    out["machine"] = {{"nproc", std::thread::hardware_concurrency()},
                      {"cpu", cpuModel()},
                      {"ram_mb", memTotalMb()}};
    out["build_type"] = SOPVAULT_BENCH_BUILD_TYPE;
    out["kdf_profile_for_users"] = "interactive (moderate only for the Argon2id figure)";

    const Wanted wants = [&](std::string_view group) {
        return options.only.empty() || options.only.contains(group);
    };
    // Figures of no corpus size: the argon row, then the sync figures that need no corpus.
    std::vector<Figure> anySize;
    if (wants("argon2id")) {
        anySize.push_back(argon2Figure(work));
        out["argon2id"] = toJson(anySize.back());
    }
    if (wants("screenshots")) {
        anySize.push_back(screenshotImportFigure(work));
    }
    if (options.sync) {
        progress(0, "team sync: starting a throwaway PostgreSQL cluster");
        startCluster();
        prepareServer();
        json syncJson = json::object();
        if (wants("edit_seen")) {
            anySize.push_back(editSeenFigure(work));
            syncJson[anySize.back().key] = toJson(anySize.back());
        }
        if (wants("crowd")) {
            anySize.push_back(crowdFigure(work));
            syncJson[anySize.back().key] = toJson(anySize.back());
        }
        out["sync"] = syncJson;
        out["postgres"] = "PostgreSQL 15, tests/server/pg-cluster: Unix socket, fsync=off";
    }
    std::vector<SizeRun> runs;
    for (std::size_t n : options.sizes) {
        runs.push_back(runSize(n, options.seed, work, options.sync, options.reuse, wants));
        std::error_code ec;
        if (!options.keep) {
            std::filesystem::remove_all(work / fmt::format("n{}", n), ec);
        }
    }

    std::printf("\nSOP Vault benchmarks, %s, %u cores (%s), %llu MB RAM, build %s\n\n",
                out["date"].get<std::string>().c_str(), std::thread::hardware_concurrency(),
                cpuModel().c_str(), static_cast<unsigned long long>(memTotalMb()),
                SOPVAULT_BENCH_BUILD_TYPE);
    std::printf("%-7s %-40s %14s %16s %9s  %-32s %s\n", "SOPs", "figure", "value", "baseline",
                "ratio", "goal", "verdict");
    json missed = json::array();
    for (const auto& f : anySize) {
        printRow("any", f);
        if (f.met && !*f.met) {
            missed.push_back(f.key);
        }
    }
    json runsJson = json::array();
    for (const auto& run : runs) {
        json figures = json::object();
        for (const auto& f : run.figures) {
            printRow(fmt::format("{}", run.sops), f);
            figures[f.key] = toJson(f);
            if (f.met && !*f.met) {
                missed.push_back(fmt::format("{} at {}", f.key, run.sops));
            }
        }
        runsJson.push_back({{"sops", run.sops},
                            {"corpus", run.corpus},
                            {"figures", figures},
                            {"seconds", run.seconds}});
    }
    std::printf("\nratio = vault / baseline, except search: grep / vault (how many times faster "
                "the vault is);\npeak memory: peak / plaintext. '-': no baseline, or the goal is "
                "stated for 10k SOPs.\n");
    out["runs"] = runsJson;
    out["goals_missed"] = missed;
    out["seconds"] = total.seconds();

    std::ofstream file(options.json);
    file << out.dump(2) << '\n';
    file.close();
    stopCluster();
    std::error_code ec;
    if (ownWork && !options.keep) {
        std::filesystem::remove_all(work, ec);
    }
    std::printf("\nJSON: %s\n", std::filesystem::absolute(options.json).string().c_str());
    std::printf("total %.0f s; goals missed: %zu\n", total.seconds(), missed.size());
    return 0;
}

} // namespace
} // namespace sopvault::bench

int main(int argc, char** argv)
{
    if (argc == 3 && std::string_view(argv[1]) == "--session-child") {
        return sopvault::bench::sessionChild(argv[2]);
    }
    return sopvault::bench::benchMain(argc, argv);
}
