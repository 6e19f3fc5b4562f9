// What the vault leaves on this machine's disk: every file private to its owner whatever the
// umask, and this machine's record of the vault (rollback marks, verified cache) written
// atomically, with a failure to write it reported rather than dropped.
#include "RawFile.h"
#include "TestVault.h"
#include "storage/PrivateFiles.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sys/stat.h>

#include <filesystem>
#include <vector>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TempDir;
using sopvault::test::TestVault;

namespace {

// Sets the process umask for one scope.
class Umask
{
public:
    explicit Umask(mode_t mask) : m_old(::umask(mask)) {}
    ~Umask() { ::umask(m_old); }
    Umask(const Umask&) = delete;
    Umask& operator=(const Umask&) = delete;

private:
    mode_t m_old;
};

// Every file and folder under `root` (and `root` itself) whose mode is not private; REQUIREs
// that `mustExist` are among those checked, so the check cannot pass on a missing file.
std::vector<std::string> notPrivate(const std::filesystem::path& root,
                                    const std::vector<std::string>& mustExist)
{
    std::vector<std::string> out;
    std::vector<std::string> seen;
    auto check = [&](const std::filesystem::path& p) {
        const auto mode = storage::modeOf(p);
        REQUIRE(mode);
        const bool dir = std::filesystem::is_directory(p);
        seen.push_back(p.filename().string());
        if (*mode != (dir ? 0700U : 0600U)) {
            out.push_back(fmt::format("{} {:o}", p.string(), *mode));
        }
    };
    check(root);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        check(entry.path());
    }
    for (const auto& name : mustExist) {
        INFO("expected a file ending in " << name);
        CHECK(std::any_of(seen.begin(), seen.end(),
                          [&](const std::string& s) { return s.ends_with(name); }));
    }
    return out;
}

std::filesystem::path onlyFileEndingIn(const std::filesystem::path& dir, std::string_view end)
{
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().filename().string().ends_with(end)) {
            found.push_back(entry.path());
        }
    }
    REQUIRE(found.size() == 1);
    return found.front();
}

Id addSop(Session& s, const std::string& title)
{
    return test::addSop(s, "Clients", title, "1. " + title + "\n");
}

} // namespace

TEST_CASE("a world-readable vault is an offline password-guessing target: everything create, "
          "unlock, a write and an export make is 0600 (folders 0700) whatever the umask",
          "[core][security][files]")
{
    for (const mode_t mask : {mode_t{0022}, mode_t{0000}}) {
        INFO(fmt::format("umask {:04o}", mask));
        const Umask scoped(mask);
        TempDir dir;
        // Nothing of this exists yet: every folder below is one the vault makes.
        const auto root = dir.path() / "made";
        const auto vault = root / "vaults" / "team.sopvault";
        OpenOptions options;
        options.busyTimeout = std::chrono::milliseconds(200);
        options.stateDir = root / "state" / "sopvault";
        REQUIRE(createVault(vault, "olivia", test::password("olivia-pw"),
                            crypto::KdfProfile::Interactive, options));
        {
            auto s = unlock(vault, "olivia", test::password("olivia-pw"), options);
            REQUIRE(s);
            REQUIRE((*s)->addCollection("Clients"));
            const Id sop = addSop(**s, "Reset a password");
            REQUIRE((*s)->exportSop(sop, ExportFormat::Markdown, root / "exports" / "one.md"));
            REQUIRE(
                (*s)->exportCollection("Clients", ExportFormat::Html, root / "exports" / "all"));
            SearchQuery q;
            q.text = "password";
            REQUIRE((*s)->search(q));
            // With the session open the -wal and -shm exist, and must be private too.
            const auto open =
                notPrivate(root, {".sopvault", ".sopvault-wal", ".sopvault-shm", ".marks", ".heads",
                                  ".verified", "one.md", ".html"});
            INFO(fmt::format("{}", fmt::join(open, "\n")));
            CHECK(open.empty());
        }
        const auto closed = notPrivate(root, {".sopvault", ".marks", ".verified", ".search"});
        INFO(fmt::format("{}", fmt::join(closed, "\n")));
        CHECK(closed.empty());
    }
}

TEST_CASE("a vault file is never created through a file or link planted at its path",
          "[core][security][files]")
{
    TempDir dir;
    const auto target = dir.path() / "elsewhere";
    const auto vault = dir.path() / "team.sopvault";
    std::filesystem::create_symlink(target, vault);
    auto created =
        createVault(vault, "olivia", test::password("olivia-pw"), crypto::KdfProfile::Interactive);
    REQUIRE_FALSE(created);
    CHECK_FALSE(std::filesystem::exists(target));
}

TEST_CASE("a state folder that cannot be written is reported by the write that saved the "
          "change, and the change itself is kept",
          "[core][rollback][files]")
{
    TestVault v;
    v.useStateDir();
    const auto state = v.options().stateDir;
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Clients"));
    // chmod does not stop root (and CI runs as root): a file where the folder should be does.
    const auto away = state.string() + ".away";
    std::filesystem::rename(state, away);
    test::writeFile(state, crypto::toBytes(crypto::asBytes("not a folder")));

    auto check = [&](const char* what, const auto& result) {
        INFO(what);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::Failed);
        INFO(result.error().message);
        CHECK(result.error().message.find("The vault was updated") != std::string::npos);
        CHECK(result.error().message.find(state.string()) != std::string::npos);
    };
    NewSop sop;
    sop.collection = "Clients";
    sop.title = "Saved without marks";
    sop.body = "1. Step\n";
    check("a new SOP (a version)", owner->addSop(sop));
    check("an administration record", owner->addCollection("Internal"));
    auto listed = owner->listSops({});
    REQUIRE(listed);
    REQUIRE(listed->size() == 1);
    check("a review record", owner->flag(listed->front().id, "stale"));
    check("a password change",
          owner->changePassword(test::password("olivia-pw"), crypto::KdfProfile::Interactive));
    owner.reset();

    SECTION("unlock reports it too")
    {
        auto again = v.tryAs("olivia");
        REQUIRE_FALSE(again);
        CHECK(again.error().code == ErrorCode::Failed);
        CHECK(again.error().message.find(state.string()) != std::string::npos);
    }
    SECTION("the changes are in the vault")
    {
        std::filesystem::remove(state);
        std::filesystem::rename(away, state);
        auto back = v.as("olivia");
        auto sops = back->listSops({});
        REQUIRE(sops);
        REQUIRE(sops->size() == 1);
        CHECK(sops->front().title == "Saved without marks");
        CHECK(back->collectionId("Internal"));
    }
}

TEST_CASE("a verified cache that cannot be written is reported by unlock", "[core][files]")
{
    TestVault v;
    v.useStateDir();
    REQUIRE(v.tryAs("olivia"));
    // A folder where the cache file is: the rename over it fails, for root too.
    const auto cache = onlyFileEndingIn(v.options().stateDir, ".verified");
    std::filesystem::remove(cache);
    std::filesystem::create_directory(cache);
    auto again = v.tryAs("olivia");
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::Failed);
    INFO(again.error().message);
    CHECK(again.error().message.find("verified cache") != std::string::npos);
}

TEST_CASE("a crash between writing the new marks and renaming them leaves the old marks in "
          "force: the leftover temporary files are ignored",
          "[core][rollback][files]")
{
    TestVault v;
    v.useStateDir();
    const auto oldCopy = v.file().parent_path() / "old.sopvault";
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Clients"));
        addSop(*owner, "First");
    }
    test::raw::checkpoint(v.file());
    std::filesystem::copy_file(v.file(), oldCopy);
    {
        auto owner = v.as("olivia");
        addSop(*owner, "Second");
    }
    // What a crash in the middle of the next save leaves: a temporary file beside the marks
    // and the heads file, empty or cut short, never renamed into place.
    const auto marks = onlyFileEndingIn(v.options().stateDir, ".marks");
    const auto heads = onlyFileEndingIn(v.options().stateDir, ".heads");
    const crypto::Bytes current = test::readFile(marks);
    test::writeFile(marks.string() + ".tmp-Ab12Cd", {});
    test::writeFile(marks.string() + ".tmp-Ef34Gh",
                    crypto::Bytes(current.begin(), current.begin() + static_cast<std::ptrdiff_t>(
                                                                         current.size() / 2)));
    test::writeFile(heads.string() + ".tmp-Ij56Kl", crypto::Bytes(7, 0xff));

    {
        auto owner = v.tryAs("olivia");
        REQUIRE(owner);
        CHECK_FALSE((*owner)->firstOpen());
    }
    // The marks that were in force still are: the older copy is refused.
    std::error_code ec;
    std::filesystem::remove(v.file().string() + "-wal", ec);
    std::filesystem::remove(v.file().string() + "-shm", ec);
    std::filesystem::copy_file(oldCopy, v.file(),
                               std::filesystem::copy_options::overwrite_existing);
    auto rolledBack = v.tryAs("olivia");
    REQUIRE_FALSE(rolledBack);
    CHECK(rolledBack.error().code == ErrorCode::Integrity);
}
