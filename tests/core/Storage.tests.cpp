// The vault file as storage: missing, foreign, damaged or newer files, and two writers at once.
#include "RawFile.h"
#include "TestVault.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

using namespace sopvault;
using namespace sopvault::core;
using sopvault::test::TempDir;
using sopvault::test::TestVault;
using namespace std::chrono_literals;

namespace {

bool fileExists(const std::filesystem::path& path, const char* suffix = "")
{
    return std::filesystem::exists(path.string() + suffix);
}

// Runs one statement (a pragma) through the raw storage handle, then closes it.
void runRaw(const std::filesystem::path& file, std::string_view sql)
{
    auto db = test::raw::open(file);
    test::raw::exec(db, sql);
}

// With every connection closed, moves the write-ahead log into the main file so that the file
// alone holds the whole vault.
void checkpoint(const std::filesystem::path& file)
{
    test::raw::checkpoint(file);
    CHECK((!fileExists(file, "-wal") || std::filesystem::file_size(file.string() + "-wal") == 0));
}

Result<std::unique_ptr<Session>> unlockFile(const std::filesystem::path& file)
{
    OpenOptions options;
    options.busyTimeout = 200ms;
    return unlock(file, "olivia", test::password("olivia-pw"), options);
}

} // namespace

TEST_CASE("a vault file that does not exist is not-found, and unlock does not create it",
          "[core][storage]")
{
    TempDir dir;
    const auto file = dir.path() / "missing.sopvault";
    auto s = unlockFile(file);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::NotFound);
    CHECK(s.error().message.find(file.string()) != std::string::npos);
    CHECK_FALSE(fileExists(file));
    CHECK_FALSE(fileExists(file, "-wal"));
}

TEST_CASE("a file of random bytes is an integrity error and is left byte-for-byte unchanged",
          "[core][storage]")
{
    TempDir dir;
    const auto file = dir.path() / "random.sopvault";
    const crypto::Bytes noise = crypto::randomBytes(64 * 1024);
    test::writeFile(file, noise);

    auto s = unlockFile(file);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::Integrity);
    INFO(s.error().message);
    CHECK(s.error().message.find("not a SOP Vault file") != std::string::npos);

    // Creating a vault over it is refused too.
    auto created =
        createVault(file, "olivia", test::password("olivia-pw"), crypto::KdfProfile::Interactive);
    REQUIRE_FALSE(created);
    CHECK(created.error().code == ErrorCode::Failed);

    CHECK(test::readFile(file) == noise);
    CHECK_FALSE(fileExists(file, "-wal"));
    CHECK_FALSE(fileExists(file, "-shm"));
    CHECK_FALSE(fileExists(file, "-journal"));
}

TEST_CASE("a SQLite database that is not a vault is refused as not a SOP Vault file",
          "[core][storage]")
{
    TestVault v;
    checkpoint(v.file());
    const auto foreign = v.file().parent_path() / "foreign.sqlite";
    std::filesystem::copy_file(v.file(), foreign);

    SECTION("application id cleared")
    {
        runRaw(foreign, "PRAGMA application_id=0");
    }
    SECTION("schema version cleared")
    {
        runRaw(foreign, "PRAGMA user_version=0");
    }
    auto s = unlockFile(foreign);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::Integrity);
    INFO(s.error().message);
    CHECK(s.error().message.find("not a SOP Vault file") != std::string::npos);
    REQUIRE(v.tryAs("olivia")); // the copy's original still opens: the pragma made the difference
}

TEST_CASE("a vault truncated to half its size is an error with a message, never a crash",
          "[core][storage]")
{
    TestVault v;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
        for (int i = 0; i < 20; ++i) {
            NewSop sop;
            sop.collection = "Ops";
            sop.title = fmt::format("Procedure {}", i);
            sop.body = std::string(3000, 'x') + "\n";
            REQUIRE(owner->addSop(sop));
        }
    }
    checkpoint(v.file());
    const auto size = std::filesystem::file_size(v.file());
    REQUIRE(size > 64 * 1024);

    // Half, as asked; and, on copies, a tenth, nine tenths and all but the last page.
    for (const std::uintmax_t keep : {size / 10, size * 9 / 10, size - 4096}) {
        INFO("kept " << keep << " of " << size << " bytes");
        const auto copy = v.file().parent_path() / fmt::format("cut-{}.sopvault", keep);
        std::filesystem::copy_file(v.file(), copy);
        std::filesystem::resize_file(copy, keep);
        auto s = unlockFile(copy);
        REQUIRE_FALSE(s);
        CHECK((s.error().code == ErrorCode::Integrity || s.error().code == ErrorCode::Failed));
        CHECK_FALSE(s.error().message.empty());
    }
    std::filesystem::resize_file(v.file(), size / 2);
    auto s = v.tryAs("olivia");
    REQUIRE_FALSE(s);
    INFO(s.error().message);
    CHECK((s.error().code == ErrorCode::Integrity || s.error().code == ErrorCode::Failed));
    CHECK_FALSE(s.error().message.empty());
}

TEST_CASE("a vault from a newer schema version is refused, saying so", "[core][storage]")
{
    TestVault v;
    runRaw(v.file(), "PRAGMA user_version=999");
    auto s = v.tryAs("olivia");
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::Integrity);
    INFO(s.error().message);
    CHECK(s.error().message.find("newer") != std::string::npos);
    CHECK(s.error().message.find("999") != std::string::npos);
}

namespace {

constexpr int kSopsPerChild = 10;

// Runs in a forked child: no Catch2 here. Returns how many SOPs were committed, or 100+ on a
// failure other than `busy`.
int addSopsAsChild(const std::filesystem::path& file, int child)
{
    ManualClock clock(1798761600 + 60);
    OpenOptions options;
    options.busyTimeout = 1000ms;
    options.clock = &clock;
    auto pw = crypto::SecureBuffer::copyOf(std::string_view("olivia-pw"));
    if (!pw) {
        return 100;
    }
    std::unique_ptr<Session> session;
    for (int attempt = 0; attempt < 50 && !session; ++attempt) {
        auto unlocked = unlock(file, "olivia", *pw, options);
        if (unlocked) {
            session = std::move(*unlocked);
        } else if (unlocked.error().code != ErrorCode::Busy) {
            return 101;
        }
    }
    if (!session) {
        return 102;
    }
    int committed = 0;
    for (int i = 0; i < kSopsPerChild; ++i) {
        NewSop sop;
        sop.collection = "Ops";
        sop.title = fmt::format("Child {} procedure {}", child, i);
        sop.body = "1. Do it\n";
        for (int attempt = 0; attempt < 50; ++attempt) {
            auto added = session->addSop(sop);
            if (added) {
                ++committed;
                break;
            }
            if (added.error().code != ErrorCode::Busy) {
                return 103;
            }
        }
    }
    session.reset();
    return committed;
}

} // namespace

TEST_CASE("two processes adding SOPs at once: every reported commit is there and the vault "
          "verifies",
          "[core][storage]")
{
    TestVault v;
    {
        auto owner = v.as("olivia");
        REQUIRE(owner->addCollection("Ops"));
    }
    std::vector<pid_t> children;
    for (int child = 0; child < 2; ++child) {
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            _exit(addSopsAsChild(v.file(), child));
        }
        children.push_back(pid);
    }
    int committed = 0;
    for (const pid_t pid : children) {
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        const int code = WEXITSTATUS(status);
        INFO("child exit code " << code);
        REQUIRE(code <= kSopsPerChild);
        committed += code;
    }
    CHECK(committed == 2 * kSopsPerChild); // the retries on `busy` got every one in

    auto owner = v.as("olivia");
    auto list = owner->listSops();
    REQUIRE(list);
    CHECK(list->size() == static_cast<std::size_t>(committed));
    auto report = owner->verify();
    REQUIRE(report);
    CHECK(report->ok);
    CHECK(report->sopVersions == static_cast<std::size_t>(committed));
}

TEST_CASE("a write while another connection holds the write lock is busy, and succeeds after",
          "[core][storage]")
{
    TestVault v; // busy timeout 200 ms
    auto owner = v.as("olivia");
    REQUIRE(owner->addCollection("Ops"));
    NewSop sop;
    sop.collection = "Ops";
    sop.title = "Written after the lock";
    sop.body = "1. Wait your turn\n";
    {
        auto other = v.raw();
        REQUIRE(other.beginWrite());
        const auto start = std::chrono::steady_clock::now();
        auto added = owner->addSop(sop);
        const auto waited = std::chrono::steady_clock::now() - start;
        REQUIRE_FALSE(added);
        CHECK(added.error().code == ErrorCode::Busy);
        CHECK(waited >= 150ms);
        other.rollback();
    }
    auto list = owner->listSops();
    REQUIRE(list);
    CHECK(list->empty());
    auto added = owner->addSop(sop);
    REQUIRE(added);
    auto read = owner->readSop(*added);
    REQUIRE(read);
    CHECK(read->title == "Written after the lock");
    auto report = owner->verify();
    REQUIRE(report);
    CHECK(report->ok);
}

TEST_CASE("a bind SQLite refuses is a clear failed error at the next step, and nothing runs",
          "[core][storage]")
{
    auto db = storage::Database::openMemory();
    REQUIRE(db);
    REQUIRE(db->execScript("CREATE TABLE t (a INTEGER, b BLOB);"));
    auto insert = db->prepare("INSERT INTO t (a, b) VALUES (?, ?)");
    REQUIRE(insert);
    // Parameter 3 does not exist: before, SQLite's SQLITE_RANGE was dropped and the row was
    // written with b left NULL.
    insert->bind(1, std::int64_t{7}).bind(3, crypto::asBytes("lost"));
    auto ran = insert->run();
    REQUIRE_FALSE(ran);
    CHECK(ran.error().code == ErrorCode::Failed);
    INFO(ran.error().message);
    CHECK(ran.error().message.find("binding parameter 3") != std::string::npos);
    CHECK(ran.error().message.find("try again") == std::string::npos);

    auto count = db->prepare("SELECT count(*) FROM t");
    REQUIRE(count);
    REQUIRE(count->step());
    CHECK(count->columnInt(0) == 0);
    count->reset();

    SECTION("a text and a null bind out of range are reported by step() too")
    {
        auto select = db->prepare("SELECT ?");
        REQUIRE(select);
        select->bind(2, std::string_view("x"));
        auto row = select->step();
        REQUIRE_FALSE(row);
        CHECK(row.error().message.find("binding parameter 2") != std::string::npos);
        select->reset();
        select->bindNull(0);
        CHECK_FALSE(select->step());
    }
    SECTION("after a reset the statement works again with good binds")
    {
        insert->bind(1, std::int64_t{8}).bind(2, crypto::asBytes("kept"));
        REQUIRE(insert->run());
        REQUIRE(count->step());
        CHECK(count->columnInt(0) == 1);
    }
}
