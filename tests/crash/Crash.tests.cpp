// Crash safety: a writer process unlocks the vault and loops over edits, new SOPs, grants and
// ungrants (key rotations), new collections and review sign-offs, reporting each write on a
// pipe only after core returned success; the test SIGKILLs it at seeded random moments, and
// after every kill unlocks the vault, requires verify() to pass, and requires every reported
// write (and nothing contradicting the audit log) to be there.
#include "Random.h"
#include "TempDir.h"
#include "sopvault/core/Vault.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <poll.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace sopvault;
using namespace sopvault::core;

namespace {

constexpr std::string_view kOwner = "olivia";
constexpr std::string_view kOther = "bob";
// Collections whose `technician` grant to bob the writer toggles (each ungrant rotates keys).
const std::vector<std::string> kGrantable = {"Ops", "Ops/Net", "Ops/Db", "Desk"};
// New collections go here, where bob never holds a grant, so rotations stay small.
constexpr std::string_view kArchive = "Archive";
// Base seed; SOPVAULT_CRASH_SEED overrides it to replay a failure.
constexpr std::uint64_t kDefaultSeed = 0x5eed0fc4a5ULL;
// Kills per test case; four cases make the 200 kills of the brief (CTest runs them in parallel).
// SOPVAULT_CRASH_KILLS overrides it: the sanitizer run (CMakePresets.json, preset asan) kills
// fewer times per case to fit CI's time, with the same seeds.
constexpr int kKillsPerCase = 55;
constexpr int kMaxKillsPerCase = 10000;
// Where the kills land: in a seeded share of the cycles, uniformly in [0, kAfterForkMs] after
// the fork, so mostly inside unlock (which itself writes the login audit entry and the rollback
// marks); in the others, uniformly in [0, kAfterReadyMs] after the writer reports it unlocked,
// so in the middle of its writes however slow the machine (or ASan) makes unlocking.
constexpr int kAfterForkMs = 200;
constexpr int kAfterReadyMs = 300;
constexpr std::size_t kAfterReadyPercent = 60;

// SplitMix64 (the tests' one seeded generator): deterministic from the seed on every platform.
using Rng = sopvault::test::Random;

std::uint64_t baseSeed()
{
    if (const char* env = std::getenv("SOPVAULT_CRASH_SEED"); env != nullptr && *env != '\0') {
        return std::strtoull(env, nullptr, 0);
    }
    return kDefaultSeed;
}

int killsPerCase()
{
    const char* env = std::getenv("SOPVAULT_CRASH_KILLS");
    if (env == nullptr || *env == '\0') {
        return kKillsPerCase;
    }
    char* end = nullptr;
    const long kills = std::strtol(env, &end, 10);
    // A typo must not quietly turn the campaign into zero kills.
    INFO("SOPVAULT_CRASH_KILLS=" << env);
    REQUIRE(*end == '\0');
    REQUIRE(kills >= 1);
    REQUIRE(kills <= kMaxKillsPerCase);
    return static_cast<int>(kills);
}

crypto::SecureBuffer passwordOf(std::string_view user)
{
    auto buffer = crypto::SecureBuffer::copyOf(std::string(user) + "-pw");
    if (!buffer) {
        std::abort();
    }
    return std::move(*buffer);
}

OpenOptions options(const std::filesystem::path& stateDir)
{
    OpenOptions o;
    // Generous: the other process may be mid-commit, and ASan makes everything slower.
    o.busyTimeout = std::chrono::milliseconds(30000);
    // Rollback marks on, shared by writer and checker (one machine): a committed write that
    // went missing would also trip the marks the writer saved after it.
    o.stateDir = stateDir;
    return o;
}

using sopvault::test::TempDir;

// --- the writer (child process): never returns; reports on `fd` ---

void report(int fd, const std::string& line)
{
    const std::string text = line + '\n';
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            _exit(4);
        }
        done += static_cast<std::size_t>(n);
    }
}

template <typename T>
void failIf(int fd, const Result<T>& result, std::string_view what)
{
    if (!result) {
        report(fd, fmt::format("error {}: {}", what, result.error().message));
        _exit(3);
    }
}

[[noreturn]] void writerMain(const std::filesystem::path& vault,
                             const std::filesystem::path& stateDir, std::uint64_t seed, int cycle,
                             int fd)
{
    Rng rng(seed);
    auto session = unlock(vault, kOwner, passwordOf(kOwner), options(stateDir));
    failIf(fd, session, "unlock");
    Session& s = **session;
    report(fd, "ready");
    auto listed = s.listSops();
    failIf(fd, listed, "list");
    std::vector<Id> sops;
    for (const auto& summary : *listed) {
        sops.push_back(summary.id);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (int op = 0; std::chrono::steady_clock::now() < deadline; ++op) {
        const std::string token = fmt::format("s{:x}-c{}-op{}", seed, cycle, op);
        const std::size_t roll = rng.below(100);
        if (roll < 45) {
            const Id id = sops[rng.below(sops.size())];
            SopEdit edit;
            edit.body = fmt::format("# Procedure\n\nRevision {}.\n\n1. Check the thing.\n2. Note "
                                    "it in ticket INC{:06}.\n",
                                    token, rng.below(1000000));
            edit.message = token;
            auto version = s.editSop(id, edit);
            failIf(fd, version, "edit");
            report(fd, fmt::format("edit {} {} {}", toHex(id), *version, token));
        } else if (roll < 70) {
            const Id id = sops[rng.below(sops.size())];
            const auto decision =
                rng.below(4) == 0 ? ReviewDecision::ChangesRequested : ReviewDecision::Approved;
            auto history = s.history(id);
            failIf(fd, history, "history");
            auto signedOff = s.signOff(id, decision, token);
            failIf(fd, signedOff, "sign-off");
            report(fd, fmt::format("signoff {} {} {}", toHex(id), history->size(), token));
        } else if (roll < 88) {
            const std::string& path = kGrantable[rng.below(kGrantable.size())];
            bool holds = false;
            for (const auto& g : s.grantsOf(kOther)) {
                holds = holds || (g.collection == path && g.role == "technician");
            }
            auto collection = s.collectionId(path);
            failIf(fd, collection, "collection id");
            if (holds) {
                failIf(fd, s.ungrant(kOther, "technician", path), "ungrant");
                report(fd, fmt::format("ungrant {}", toHex(*collection)));
            } else {
                failIf(fd, s.grant(kOther, "technician", path), "grant");
                report(fd, fmt::format("grant {}", toHex(*collection)));
            }
        } else if (roll < 94) {
            NewSop n;
            n.collection = kGrantable[rng.below(kGrantable.size())];
            n.title = fmt::format("Procedure {}", token);
            n.body = fmt::format("# Procedure {}\n\nFirst version.\n", token);
            n.message = token;
            auto id = s.addSop(n);
            failIf(fd, id, "add");
            sops.push_back(*id);
            report(fd, fmt::format("create {} 1 {}", toHex(*id), token));
        } else {
            const std::string path = fmt::format("{}/{}", kArchive, token);
            auto id = s.addCollection(path);
            failIf(fd, id, "collection add");
            report(fd, fmt::format("collection-add {} {}", toHex(*id), path));
        }
    }
    _exit(0); // never killed within a minute: the parent reports it
}

// --- the checker (parent) ---

struct Reported
{
    std::string action; // as the audit log names it
    std::string target; // hex id
    std::uint64_t version = 0;
    std::string token;
};

// What the vault must hold, kept up to date from each cycle's audit entries (which commit in
// the same transaction as the records they describe).
struct Model
{
    std::map<std::string, std::uint64_t> versions; // SOP id hex -> head version
    std::map<std::string, std::size_t> reviews;    // SOP id hex -> review records
    std::set<std::string> bobGrants;               // collection ids hex
    std::set<std::string> collections;             // collection ids hex
    std::uint64_t auditMark = 0;                   // first audit position of the next cycle
};

struct Stats
{
    int kills = 0;
    int killedInUnlock = 0; // no "ready" line
    std::size_t reportedWrites = 0;
    std::size_t unreportedCommits = 0; // committed, then killed before the line was written
};

const std::set<std::string>& watchedActions()
{
    static const std::set<std::string> actions = {"create", "edit",    "review-signoff",
                                                  "grant",  "ungrant", "collection-add"};
    return actions;
}

std::vector<Reported> parseReport(const std::string& text, bool& ready, std::string& error)
{
    std::vector<Reported> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string kind;
        words >> kind;
        if (kind == "ready") {
            ready = true;
        } else if (kind == "error") {
            error = line;
        } else if (kind == "edit" || kind == "create" || kind == "signoff") {
            Reported r;
            r.action = kind == "signoff" ? "review-signoff" : kind;
            words >> r.target >> r.version >> r.token;
            out.push_back(r);
        } else if (kind == "grant" || kind == "ungrant" || kind == "collection-add") {
            Reported r;
            r.action = kind;
            words >> r.target >> r.token;
            out.push_back(r);
        } else if (!line.empty()) {
            error = "unexpected line from the writer: " + line;
        }
    }
    return out;
}

void apply(Model& m, const std::string& action, const std::string& target)
{
    if (action == "create") {
        m.versions[target] = 1;
    } else if (action == "edit") {
        m.versions[target] += 1;
    } else if (action == "review-signoff") {
        m.reviews[target] += 1;
    } else if (action == "grant") {
        m.bobGrants.insert(target);
    } else if (action == "ungrant") {
        m.bobGrants.erase(target);
    } else if (action == "collection-add") {
        m.collections.insert(target);
    }
}

enum class Drained
{
    Deadline,
    Stopped,
    Closed, // the writer is gone and everything it wrote has been read
};

// Appends what the writer reports to `text` until `until`, until `stop(text)` holds, or until
// the pipe closes; reading as it goes so the writer never blocks on a full pipe.
Drained drain(int fd, std::string& text, std::chrono::steady_clock::time_point until,
              const std::function<bool(const std::string&)>& stop = {})
{
    char buffer[4096];
    for (;;) {
        if (stop && stop(text)) {
            return Drained::Stopped;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return Drained::Deadline;
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) {
            return Drained::Closed;
        }
        if (ready <= 0) {
            continue;
        }
        const ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return Drained::Closed;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

// Opens the vault after a kill and checks it against what the writer reported.
void checkAfterKill(const std::filesystem::path& vault, const std::filesystem::path& stateDir,
                    const std::vector<Reported>& reported, Model& model, Stats& stats)
{
    auto opened = unlock(vault, kOwner, passwordOf(kOwner), options(stateDir));
    if (!opened) {
        FAIL("unlock after the kill failed: " << opened.error().message);
    }
    Session& s = **opened;
    for (const auto& p : s.problems()) {
        FAIL_CHECK("problem at unlock: " << p.record << ": " << p.problem);
    }
    auto verified = s.verify();
    REQUIRE(verified);
    for (const auto& p : verified->problems) {
        FAIL_CHECK("verify: " << p.record << ": " << p.problem);
    }
    REQUIRE(verified->ok);

    // The cycle's writes as the audit log has them: exactly the reported ones, in order, plus
    // at most one committed just before the kill and not yet reported.
    auto log = s.audit();
    REQUIRE(log);
    std::vector<std::pair<std::string, std::string>> committed;
    for (const auto& entry : *log) {
        if (entry.seq >= model.auditMark && watchedActions().contains(entry.action)) {
            committed.emplace_back(entry.action, entry.target);
        }
    }
    REQUIRE(committed.size() >= reported.size());
    REQUIRE(committed.size() <= reported.size() + 1);
    for (std::size_t i = 0; i < reported.size(); ++i) {
        INFO("reported write " << i << ": " << reported[i].action << " " << reported[i].target);
        CHECK(committed[i].first == reported[i].action);
        CHECK(committed[i].second == reported[i].target);
    }
    stats.reportedWrites += reported.size();
    stats.unreportedCommits += committed.size() - reported.size();
    for (const auto& [action, target] : committed) {
        apply(model, action, target);
    }
    REQUIRE_FALSE(log->empty());
    model.auditMark = log->back().seq + 1; // after this checker's own login entry

    // Each reported write in detail.
    for (const auto& r : reported) {
        INFO(r.action << " " << r.target << " " << r.token);
        auto id = idFromHex(r.target);
        REQUIRE(id);
        if (r.action == "edit" || r.action == "create") {
            auto history = s.history(*id);
            REQUIRE(history);
            REQUIRE(history->size() >= r.version);
            CHECK(history->at(r.version - 1).message == r.token);
        } else if (r.action == "review-signoff") {
            auto reviews = s.reviewHistory(*id);
            REQUIRE(reviews);
            const bool found = std::any_of(reviews->begin(), reviews->end(), [&](const auto& rec) {
                return rec.comment == r.token && rec.version == r.version;
            });
            CHECK(found);
        } else if (r.action == "collection-add") {
            CHECK(s.collectionId(r.token));
        }
    }

    // The whole state against the model: version counts, review counts, grants, collections.
    auto sops = s.listSops();
    REQUIRE(sops);
    std::map<std::string, std::uint64_t> versions;
    for (const auto& summary : *sops) {
        CHECK_FALSE(summary.damaged);
        versions[toHex(summary.id)] = summary.version;
        auto reviews = s.reviewHistory(summary.id);
        REQUIRE(reviews);
        INFO("SOP " << summary.title);
        CHECK(reviews->size() == model.reviews[toHex(summary.id)]);
    }
    CHECK(versions == model.versions);
    std::set<std::string> paths;
    std::map<std::string, std::string> idOfPath;
    std::set<std::string> collections;
    for (const auto& c : s.collections()) {
        idOfPath[c.path] = toHex(c.id);
        collections.insert(toHex(c.id));
    }
    CHECK(collections == model.collections);
    std::set<std::string> grants;
    for (const auto& g : s.grantsOf(kOther)) {
        grants.insert(idOfPath[g.collection]);
    }
    CHECK(grants == model.bobGrants);
}

// Sets up a vault with a second person, collections and a few SOPs, then kills a writer
// `kills` times.
void crashCampaign(std::uint64_t seed, int kills)
{
    INFO("crash seed " << seed << " (SOPVAULT_CRASH_SEED=" << baseSeed()
                       << " replays the whole run)");
    TempDir dir;
    const auto vault = dir.path() / "team.sopvault";
    const auto stateDir = dir.path() / "state";
    Model model;
    {
        REQUIRE(createVault(vault, kOwner, passwordOf(kOwner), crypto::KdfProfile::Interactive,
                            options(stateDir)));
        auto opened = unlock(vault, kOwner, passwordOf(kOwner), options(stateDir));
        REQUIRE(opened);
        Session& s = **opened;
        REQUIRE(s.addUser(kOther, passwordOf(kOther), crypto::KdfProfile::Interactive));
        for (const auto& path : {"Ops", "Ops/Net", "Ops/Db", "Desk", "Archive"}) {
            auto id = s.addCollection(path);
            REQUIRE(id);
            model.collections.insert(toHex(*id));
        }
        for (int i = 0; i < 8; ++i) {
            NewSop n;
            n.collection = kGrantable[static_cast<std::size_t>(i) % kGrantable.size()];
            n.title = fmt::format("Runbook {}", i);
            n.body = fmt::format("# Runbook {}\n\n1. Start.\n", i);
            auto id = s.addSop(n);
            REQUIRE(id);
            model.versions[toHex(*id)] = 1;
        }
        auto log = s.audit();
        REQUIRE(log);
        model.auditMark = log->back().seq + 1;
    } // closed: no SQLite connection may cross a fork

    Rng rng(seed);
    Stats stats;
    for (int cycle = 0; cycle < kills; ++cycle) {
        INFO("cycle " << cycle);
        const std::uint64_t writerSeed = rng.next();
        const bool afterReady = rng.below(100) < kAfterReadyPercent;
        const auto delay = std::chrono::milliseconds(
            rng.below(static_cast<std::size_t>(afterReady ? kAfterReadyMs : kAfterForkMs) + 1));
        INFO("kill " << delay.count() << " ms after " << (afterReady ? "unlock" : "the fork"));
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            writerMain(vault, stateDir, writerSeed, cycle, fds[1]);
        }
        close(fds[1]);
        using std::chrono::steady_clock;
        std::string text;
        Drained drained = Drained::Deadline;
        if (afterReady) {
            drained = drain(fds[0], text, steady_clock::now() + std::chrono::seconds(60),
                            [](const std::string& t) {
                                return t.find("ready\n") != std::string::npos ||
                                       t.find("error") != std::string::npos;
                            });
        }
        if (drained != Drained::Closed) {
            (void)drain(fds[0], text, steady_clock::now() + delay);
        }
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        // Dead now: the rest of the pipe is what it wrote before the kill.
        (void)drain(fds[0], text, steady_clock::now() + std::chrono::seconds(10));
        close(fds[0]);

        bool ready = false;
        std::string error;
        const auto reported = parseReport(text, ready, error);
        if (!error.empty()) {
            FAIL("the writer failed: " << error);
        }
        INFO("writer status " << status);
        REQUIRE(WIFSIGNALED(status));
        REQUIRE(WTERMSIG(status) == SIGKILL);
        stats.kills += 1;
        stats.killedInUnlock += ready ? 0 : 1;
        checkAfterKill(vault, stateDir, reported, model, stats);
    }
    std::printf("crash campaign seed %llu: %d kills (%d during unlock), %zu reported writes "
                "found, %zu committed but unreported\n",
                static_cast<unsigned long long>(seed), stats.kills, stats.killedInUnlock,
                stats.reportedWrites, stats.unreportedCommits);
    CHECK(stats.kills == kills);
    // The campaign must have exercised both kinds of kill, or it proved little.
    CHECK(stats.killedInUnlock > 0);
    CHECK(stats.reportedWrites > static_cast<std::size_t>(kills));
}

std::uint64_t caseSeed(int index)
{
    constexpr std::uint64_t kStep = 0x9E3779B97F4A7C15U;
    return baseSeed() + static_cast<std::uint64_t>(index) * kStep;
}

} // namespace

// Four cases so CTest can run them side by side; 4 x 55 = 220 kills in all (fewer under ASan).
TEST_CASE("a writer killed at random moments loses no reported write (run 1)", "[crash]")
{
    crashCampaign(caseSeed(0), killsPerCase());
}

TEST_CASE("a writer killed at random moments loses no reported write (run 2)", "[crash]")
{
    crashCampaign(caseSeed(1), killsPerCase());
}

TEST_CASE("a writer killed at random moments loses no reported write (run 3)", "[crash]")
{
    crashCampaign(caseSeed(2), killsPerCase());
}

TEST_CASE("a writer killed at random moments loses no reported write (run 4)", "[crash]")
{
    crashCampaign(caseSeed(3), killsPerCase());
}
