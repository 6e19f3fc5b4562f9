// Test fixture for core (see TestVault.h).
#include "TestVault.h"

#include "RawFile.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

namespace sopvault::test {

crypto::SecureBuffer password(std::string_view text)
{
    auto buffer = crypto::SecureBuffer::copyOf(text);
    REQUIRE(buffer);
    return std::move(*buffer);
}

TestVault::TestVault() : m_file(m_dir.path() / "team.sopvault")
{
    m_options.clock = &m_clock;
    m_options.busyTimeout = std::chrono::milliseconds(200);
    auto created = core::createVault(m_file, "olivia", password("olivia-pw"),
                                     crypto::KdfProfile::Interactive, m_options);
    if (!created) {
        FAIL("createVault failed: " << created.error().message);
    }
    m_recoveryCode = std::string(created->recoveryCode.view());
}

Result<std::unique_ptr<core::Session>> TestVault::tryAs(std::string_view user, std::string_view pw)
{
    const std::string actual = pw.empty() ? std::string(user) + "-pw" : std::string(pw);
    return core::unlock(m_file, user, password(actual), m_options);
}

std::unique_ptr<core::Session> TestVault::as(std::string_view user)
{
    auto session = tryAs(user);
    if (!session) {
        FAIL("unlock as " << user << " failed: " << session.error().message);
    }
    return std::move(*session);
}

void TestVault::addUser(std::string_view name)
{
    auto owner = as("olivia");
    auto added =
        owner->addUser(name, password(std::string(name) + "-pw"), crypto::KdfProfile::Interactive);
    if (!added) {
        FAIL("adding " << name << " failed: " << added.error().message);
    }
}

core::VerifyReport TestVault::verifyAsOwner()
{
    auto owner = tryAs("olivia");
    REQUIRE(owner);
    auto report = (*owner)->verify();
    REQUIRE(report);
    return *report;
}

core::storage::Database TestVault::raw()
{
    return raw::open(m_file);
}

core::Id addSop(core::Session& s, const std::string& collection, const std::string& title,
                const std::string& body, std::vector<std::string> tags)
{
    core::NewSop sop;
    sop.collection = collection;
    sop.title = title;
    sop.body = body;
    sop.tags = std::move(tags);
    auto id = s.addSop(sop);
    INFO("adding the SOP " << title);
    REQUIRE(id);
    return *id;
}

crypto::Bytes readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const std::filesystem::path& path, const crypto::Bytes& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    REQUIRE(out);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out);
}

std::vector<std::filesystem::path> filesContaining(const std::filesystem::path& dir,
                                                   std::string_view marker,
                                                   std::filesystem::file_time_type since)
{
    std::vector<std::filesystem::path> out;
    auto scan = [&](const std::filesystem::path& file) {
        std::ifstream in(file, std::ios::binary);
        const std::string content((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
        if (content.find(marker) != std::string::npos) {
            out.push_back(file);
        }
    };
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
        if (entry.is_regular_file()) {
            scan(entry.path());
        }
    }
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
        if (entry.is_regular_file(ec) && entry.last_write_time(ec) >= since) {
            scan(entry.path());
        }
    }
    return out;
}

} // namespace sopvault::test
