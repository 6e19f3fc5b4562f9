// The scratch folder of the vault fuzz targets (see Fuzz.h).
#include "Fuzz.h"

#include <unistd.h>

#include <fstream>
#include <string>

namespace sopvault::fuzz {

ScratchDir::ScratchDir()
{
    std::error_code ec;
    const std::filesystem::path shm("/dev/shm");
    const auto base =
        std::filesystem::is_directory(shm, ec) ? shm : std::filesystem::temp_directory_path();
    m_path = base / ("sopvault-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(m_path, ec);
    std::filesystem::create_directories(m_path);
}

ScratchDir::~ScratchDir()
{
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

std::filesystem::path ScratchDir::write(std::string_view name, std::span<const std::uint8_t> bytes)
{
    const auto file = m_path / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.close();
    check(static_cast<bool>(out), "cannot write the scratch file");
    return file;
}

void ScratchDir::clear()
{
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_path, ec)) {
        std::filesystem::remove_all(entry.path(), ec);
    }
}

} // namespace sopvault::fuzz
