// Faults from outside the vault's bytes: a read-only file or folder, a full disk, a file that may
// not grow, hostile import files. Each fails with a sentence that says what is wrong, or skips
// with a reason, and loses nothing committed.
#include "TestVault.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TempDir;
using sopvault::test::TestVault;

namespace {

constexpr int kChildCannotStart = 77;
constexpr int kDiskNotFull = 78;

// What a child process saw: its exit code and the lines it wrote to the pipe.
struct ChildResult
{
    int code = -1;
    std::string text;
};

// Runs `body(report)` in a forked child; `report(text)` sends a line back to the parent. The
// child never returns into Catch2: it leaves with _exit, so no fixture is torn down twice.
template <typename Body>
ChildResult inChild(Body body)
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        const auto report = [fd = fds[1]](std::string_view text) {
            const std::string line = std::string(text) + "\n";
            (void)!write(fd, line.data(), line.size());
        };
        const int code = body(report);
        close(fds[1]);
        _exit(code);
    }
    close(fds[1]);
    ChildResult result;
    char buffer[4096];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) {
        result.text.append(buffer, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    result.code = WEXITSTATUS(status);
    return result;
}

Result<std::unique_ptr<Session>> unlockAs(const std::filesystem::path& file, std::string_view user,
                                          const OpenOptions& options)
{
    auto pw = crypto::SecureBuffer::copyOf(std::string(user) + "-pw");
    if (!pw) {
        return std::unexpected(pw.error());
    }
    return unlock(file, user, *pw, options);
}

NewSop sopNamed(std::string title, std::size_t bodyBytes = 0)
{
    NewSop sop;
    sop.collection = "Ops";
    sop.title = std::move(title);
    sop.body =
        bodyBytes == 0 ? std::string("1. Check the backups.\n") : std::string(bodyBytes, 'x');
    return sop;
}

// Three SOPs that every test must find again, unchanged, after the fault.
std::vector<Id> addKeptSops(Session& owner)
{
    std::vector<Id> ids;
    for (int i = 0; i < 3; ++i) {
        auto id = owner.addSop(sopNamed(fmt::format("Kept {}", i)));
        REQUIRE(id);
        ids.push_back(*id);
    }
    return ids;
}

// The owner still opens the vault, it verifies, and it holds exactly `titles`.
void checkNothingLost(TestVault& v, const std::vector<std::string>& titles)
{
    auto owner = v.as("olivia");
    auto list = owner->listSops();
    REQUIRE(list);
    std::vector<std::string> found;
    for (const auto& sop : *list) {
        found.push_back(sop.title);
    }
    std::sort(found.begin(), found.end());
    CHECK(found == titles);
    auto report = owner->verify();
    REQUIRE(report);
    CHECK(report->ok);
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

bool writeProcFile(const char* path, const std::string& text)
{
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

// In a forked (single-threaded) child: a private mount namespace with a 2 MiB tmpfs on `disk`.
// Root gets the namespace directly; others (or a root without CAP_SYS_ADMIN) make a user
// namespace first, in which they are root, and map their own uid and gid into it. Returns ""
// when the tmpfs is mounted there, otherwise what went wrong.
std::string mountSmallDisk(const std::filesystem::path& disk)
{
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    std::string how = "as root";
    if (uid != 0 || unshare(CLONE_NEWNS) != 0) {
        how = "in a user namespace";
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            return fmt::format("cannot make a mount namespace, as root or in a user namespace: {} "
                               "(run the tests as root, or allow user namespaces: sysctl "
                               "kernel.unprivileged_userns_clone=1)",
                               std::strerror(errno));
        }
        if (!writeProcFile("/proc/self/setgroups", "deny") ||
            !writeProcFile("/proc/self/uid_map", fmt::format("{} {} 1\n", uid, uid)) ||
            !writeProcFile("/proc/self/gid_map", fmt::format("{} {} 1\n", gid, gid))) {
            return fmt::format("cannot map this user into its user namespace: {}",
                               std::strerror(errno));
        }
    }
    // Private from "/" down, so the small disk never shows in anyone else's namespace.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        return fmt::format("cannot make the mounts private {}: {} (is / a mount point?)", how,
                           std::strerror(errno));
    }
    if (mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=2m") != 0) {
        return fmt::format("cannot mount a small disk {}: {}", how, std::strerror(errno));
    }
    struct statfs fs
    {};
    if (statfs(disk.c_str(), &fs) != 0 || fs.f_type != TMPFS_MAGIC) {
        return "the small disk is not the tmpfs just mounted";
    }
    return {};
}

} // namespace

TEST_CASE("a read-only vault file or folder: unlock says so, changes nothing, loses nothing",
          "[core][faults]")
{
    TestVault v;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        addKeptSops(*owner);
    }
    const auto file = v.file();
    const auto dir = file.parent_path();
    const auto before = test::readFile(file);

    // Root ignores permission bits, so as root the attempt runs in a child that has become
    // "nobody" (uid 65534) and owns the folder and file, whose bits then bind it.
    const bool root = geteuid() == 0;
    const uid_t uid = root ? 65534 : geteuid();
    const gid_t gid = root ? 65534 : getegid();
    if (root) {
        REQUIRE(chown(dir.c_str(), uid, gid) == 0);
        REQUIRE(chown(file.c_str(), uid, gid) == 0);
    }
    std::string what;
    SECTION("the file is read-only")
    {
        what = "read-only file";
        REQUIRE(chmod(file.c_str(), 0444) == 0);
    }
    SECTION("the folder is read-only (no room for the write-ahead log)")
    {
        what = "read-only folder";
        REQUIRE(chmod(dir.c_str(), 0555) == 0);
    }
    const ChildResult result = inChild([&](auto report) {
        if (root && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
            report("cannot become nobody");
            return kChildCannotStart;
        }
        auto session = unlockAs(file, "olivia", v.options());
        if (session) {
            report("unlocked");
            return 0;
        }
        report(session.error().message);
        return static_cast<int>(session.error().code);
    });
    REQUIRE(chmod(dir.c_str(), 0755) == 0);
    REQUIRE(chmod(file.c_str(), 0644) == 0);
    if (root) {
        REQUIRE(chown(dir.c_str(), 0, 0) == 0);
        REQUIRE(chown(file.c_str(), 0, 0) == 0);
    }
    INFO(what << ": " << result.text);
    REQUIRE(result.code != kChildCannotStart);
    CHECK(result.code == static_cast<int>(ErrorCode::Failed));
    CHECK(contains(result.text, "read-only"));
    CHECK(test::readFile(file) == before);
    checkNothingLost(v, {"Kept 0", "Kept 1", "Kept 2"});
}

TEST_CASE("a full disk: writes fail saying so, nothing committed is lost, and the vault works "
          "again once there is room",
          "[core][faults]")
{
    // A real full disk: a small tmpfs mounted in a private mount namespace of a child process,
    // so the mount vanishes with the child. Root (as on CI) mounts it directly; anyone else
    // mounts it inside a user namespace of their own. If neither works, the test fails: a
    // full-disk test that did not fill a disk proved nothing.
    TempDir dir;
    const auto disk = dir.path() / "disk";
    std::filesystem::create_directories(disk);
    ManualClock clock(1798761600);
    OpenOptions options;
    options.clock = &clock;
    options.busyTimeout = std::chrono::milliseconds(200);

    const ChildResult result = inChild([&](auto report) -> int {
        if (const auto mounted = mountSmallDisk(disk); !mounted.empty()) {
            report(mounted);
            return kChildCannotStart;
        }
        const auto file = disk / "team.sopvault";
        auto pw = crypto::SecureBuffer::copyOf(std::string_view("olivia-pw"));
        if (!pw || !createVault(file, "olivia", *pw, crypto::KdfProfile::Interactive, options)) {
            report("cannot create the vault");
            return 1;
        }
        auto owner = unlockAs(file, "olivia", options);
        if (!owner || !(*owner)->addCollection("Ops")) {
            report("cannot unlock or add a collection");
            return 2;
        }
        for (int i = 0; i < 3; ++i) {
            if (!(*owner)->addSop(sopNamed(fmt::format("Kept {}", i)))) {
                report("cannot add the kept SOPs");
                return 3;
            }
        }
        // Fill the disk to the last byte.
        const auto filler = disk / "filler";
        {
            const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            const std::string block(4096, 'f');
            while (fd >= 0 && ::write(fd, block.data(), block.size()) > 0) {
            }
            if (fd >= 0) {
                ::close(fd);
            }
        }
        struct statfs full
        {};
        if (statfs(disk.c_str(), &full) != 0 || full.f_bavail != 0) {
            report("the small disk is not full after filling it");
            return kDiskNotFull;
        }
        report("the disk is full");
        auto added = (*owner)->addSop(sopNamed("Lost", 64 * 1024));
        if (added) {
            report("a SOP was added to a full disk");
            return 4;
        }
        report(
            fmt::format("add: {} {}", static_cast<int>(added.error().code), added.error().message));
        auto ids = (*owner)->listSops();
        if (!ids || ids->size() != 3) {
            report("the session lost its SOPs after the failed write");
            return 5;
        }
        {
            auto again = unlockAs(file, "olivia", options);
            report(again
                       ? std::string("unlock on the full disk: ok")
                       : fmt::format("unlock on the full disk: {} {}",
                                     static_cast<int>(again.error().code), again.error().message));
        }
        // Room again: the same session writes, and a new one sees everything.
        std::filesystem::remove(filler);
        if (!(*owner)->addSop(sopNamed("After"))) {
            report("no write after the disk had room again");
            return 6;
        }
        owner->reset();
        auto reopened = unlockAs(file, "olivia", options);
        if (!reopened) {
            report(fmt::format("reopen: {}", reopened.error().message));
            return 7;
        }
        auto list = (*reopened)->listSops();
        auto verified = (*reopened)->verify();
        if (!list || list->size() != 4 || !verified || !verified->ok) {
            report("after the fault the vault does not hold exactly the 4 committed SOPs");
            return 8;
        }
        for (const auto& sop : *list) {
            if (sop.title == "Lost") {
                report("the failed SOP is there");
                return 9;
            }
        }
        return 0;
    });
    INFO(result.text);
    REQUIRE(result.code != kChildCannotStart);
    REQUIRE(result.code != kDiskNotFull);
    CHECK(result.code == 0);
    CHECK(contains(result.text, "the disk is full\n"));
    CHECK(contains(result.text, fmt::format("add: {} ", static_cast<int>(ErrorCode::Failed))));
    CHECK(contains(result.text, "the disk is full; nothing was changed"));
}

TEST_CASE("a vault file that may not grow (RLIMIT_FSIZE): the write fails, nothing committed is "
          "lost",
          "[core][faults]")
{
    // Runs for everyone, root or not: the file-size limit stops the write-ahead log growing.
    TestVault v;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        addKeptSops(*owner);
    }
    const ChildResult result = inChild([&](auto report) -> int {
        auto owner = unlockAs(v.file(), "olivia", v.options());
        if (!owner) {
            report(fmt::format("unlock: {}", owner.error().message));
            return 1;
        }
        std::error_code ec;
        const auto wal = std::filesystem::file_size(v.file().string() + "-wal", ec);
        const auto main = std::filesystem::file_size(v.file(), ec);
        rlimit limit{};
        getrlimit(RLIMIT_FSIZE, &limit);
        const rlim_t old = limit.rlim_cur;
        limit.rlim_cur = static_cast<rlim_t>(std::max(wal, main) + 8192);
        signal(SIGXFSZ, SIG_IGN); // a write past the limit fails with EFBIG instead of a signal
        setrlimit(RLIMIT_FSIZE, &limit);
        auto added = (*owner)->addSop(sopNamed("Lost", 512 * 1024));
        limit.rlim_cur = old;
        setrlimit(RLIMIT_FSIZE, &limit);
        if (added) {
            report("a SOP was added past the file-size limit");
            return 2;
        }
        report(
            fmt::format("add: {} {}", static_cast<int>(added.error().code), added.error().message));
        if (!(*owner)->addSop(sopNamed("After"))) {
            report("no write after the limit was lifted");
            return 3;
        }
        return 0;
    });
    INFO(result.text);
    CHECK(result.code == 0);
    CHECK(contains(result.text, fmt::format("add: {} ", static_cast<int>(ErrorCode::Failed))));
    checkNothingLost(v, {"After", "Kept 0", "Kept 1", "Kept 2"});
}

namespace {

void writeText(const std::filesystem::path& file, std::string_view text)
{
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    REQUIRE(out);
}

} // namespace

TEST_CASE("hostile import files: skipped with a reason or imported as plain text; links are not "
          "followed, a FIFO does not hang it, and nothing already in the vault changes",
          "[core][faults][import]")
{
    TestVault v;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    const std::vector<Id> kept = addKeptSops(*owner);
    const auto root = v.file().parent_path();
    const auto drive = root / "drive";
    writeText(root / "secret.md", "# Secret\nthe root password is hunter2\n");
    writeText(drive / "fine.md", "# Fine\n1. ok\n");
    std::filesystem::create_symlink(root / "secret.md", drive / "link.md");
    std::filesystem::create_directory_symlink(root, drive / "loop"); // points at an ancestor
    REQUIRE(mkfifo((drive / "pipe.md").c_str(), 0600) == 0);         // opening it would block
    writeText(drive / "long-title.md", "# " + std::string(300, 'T') + "\nbody\n");
    writeText(drive / "bell.md", "# Ring\x07 the bell\nbody\n");
    std::string manyTags = "---\ntags: [";
    for (int i = 0; i < 40; ++i) {
        manyTags += fmt::format("t{}, ", i);
    }
    writeText(drive / "tags.md", manyTags + "]\n---\nbody\n");
    writeText(drive / "unclosed.md", "---\ntitle: never closed\nbody\n");
    writeText(drive /
                  "bad\x01"
                  "folder" /
                  "x.md",
              "# X\nbody\n");
    writeText(drive / "bom.md", "\xEF\xBB\xBF# With a BOM\nbody\n");
    writeText(drive / "crlf.md", "---\r\ntitle: Windows lines\r\n---\r\nbody\r\n");

    auto report = owner->importFolder(drive, "Imported");
    REQUIRE(report);
    std::map<std::string, std::string> skipped;
    for (const auto& s : report->skipped) {
        skipped[s.path] = s.reason;
    }
    for (const auto& [path, reason] : skipped) {
        UNSCOPED_INFO("skipped " << path << ": " << reason);
    }
    CHECK(contains(skipped["link.md"], "symbolic link"));
    CHECK(contains(skipped["loop"], "symbolic link"));
    CHECK(contains(skipped["long-title.md"], "title is not usable"));
    CHECK(contains(skipped["bell.md"], "title is not usable"));
    CHECK(contains(skipped["tags.md"], "at most 20 tags"));
    CHECK(contains(skipped["bad\x01"
                           "folder/x.md"],
                   "control characters"));
    CHECK_FALSE(skipped.contains("pipe.md")); // not a regular file: not a candidate at all

    auto list = owner->listSops();
    REQUIRE(list);
    std::map<std::string, std::string> imported;
    for (const auto& sop : *list) {
        if (sop.collection == "Imported") {
            auto read = owner->readSop(sop.id);
            REQUIRE(read);
            imported[sop.title] = read->body;
        }
    }
    CHECK(imported ==
          std::map<std::string, std::string>{{"Fine", "# Fine\n1. ok\n"},
                                             {"With a BOM", "# With a BOM\nbody\n"},
                                             {"Windows lines", "body\r\n"},
                                             {"Unclosed", "---\ntitle: never closed\nbody\n"}});
    CHECK(report->imported == 4);
    for (const auto& sop : *list) {
        auto read = owner->readSop(sop.id);
        REQUIRE(read);
        CHECK_FALSE(contains(read->body, "hunter2"));
    }
    for (const Id& id : kept) {
        auto read = owner->readSop(id);
        REQUIRE(read);
        CHECK(read->version == 1);
        CHECK(read->body == "1. Check the backups.\n");
    }
    owner.reset();
    CHECK(v.verifyAsOwner().ok);
}
