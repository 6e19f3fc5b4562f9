// Shared by the fuzz targets: a check that aborts (so libFuzzer and the replay tests report it),
// a reader that splits one fuzz input into choices and data, and a scratch folder for files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace sopvault::fuzz {

// A property every input must keep; a broken one is a finding, like a crash.
inline void check(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz check failed: %s\n", what);
        std::abort();
    }
}

// Takes choices off the front of an input; once it runs dry every choice is zero.
class Input
{
public:
    Input(const std::uint8_t* data, std::size_t size) : m_data(data, size) {}

    std::uint8_t byte()
    {
        if (m_data.empty()) {
            return 0;
        }
        const std::uint8_t b = m_data.front();
        m_data = m_data.subspan(1);
        return b;
    }
    std::span<const std::uint8_t> take(std::size_t count)
    {
        count = count < m_data.size() ? count : m_data.size();
        auto out = m_data.first(count);
        m_data = m_data.subspan(count);
        return out;
    }
    [[nodiscard]] std::span<const std::uint8_t> rest() const { return m_data; }

private:
    std::span<const std::uint8_t> m_data;
};

[[nodiscard]] inline std::string_view text(std::span<const std::uint8_t> bytes)
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// One folder per process for the vault targets' files, in RAM where /dev/shm exists; emptied
// after every input so nothing carries over from one input to the next.
class ScratchDir
{
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    // Writes `bytes` as the file `name` in the folder and returns its path.
    std::filesystem::path write(std::string_view name, std::span<const std::uint8_t> bytes);
    void clear();

private:
    std::filesystem::path m_path;
};

} // namespace sopvault::fuzz
