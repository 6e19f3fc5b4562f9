// Private files and folders over POSIX calls: modes set explicitly (umask only ever removes
// bits), O_EXCL and O_NOFOLLOW on creation, fsync of files and of the folder after a rename.
#include "storage/PrivateFiles.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sopvault::core::storage {
namespace {

constexpr mode_t kFileMode = S_IRUSR | S_IWUSR;
constexpr mode_t kDirMode = S_IRWXU;

std::unexpected<Error> failed(std::string_view what, const std::filesystem::path& path, int err)
{
    return fail(ErrorCode::Failed,
                fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
}

// Closes on every path out, so an error cannot leak the descriptor.
class Fd
{
public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return m_fd; }
    [[nodiscard]] int release()
    {
        const int fd = m_fd;
        m_fd = -1;
        return ::close(fd);
    }

private:
    int m_fd;
};

Result<void> writePiece(int fd, crypto::ByteView content, const std::filesystem::path& path)
{
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return failed("write", path, errno);
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

// Writes into a file just created by us, with its mode made exactly 0600 first: each piece
// `produce` gives, then an fsync and the close.
Result<void> fillNew(Fd& fd, const std::function<Result<void>(const PieceWriter&)>& produce,
                     const std::filesystem::path& path)
{
    if (::fchmod(fd.get(), kFileMode) != 0) {
        return failed("set the permissions of", path, errno);
    }
    SOPVAULT_CHECK(
        produce([&](crypto::ByteView piece) { return writePiece(fd.get(), piece, path); }));
    if (::fsync(fd.get()) != 0) {
        return failed("flush", path, errno);
    }
    if (fd.release() != 0) {
        return failed("close", path, errno);
    }
    return {};
}

// The producer of a content already whole in memory.
auto whole(crypto::ByteView content)
{
    return [content](const PieceWriter& write) {
        return write(content);
    };
}

} // namespace

Result<void> createPrivateDirectories(const std::filesystem::path& dir)
{
    if (dir.empty()) {
        return {};
    }
    std::filesystem::path prefix;
    for (const auto& part : dir) {
        prefix /= part;
        struct stat st
        {};
        if (::stat(prefix.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                return failed("make a folder at", prefix, ENOTDIR);
            }
            continue;
        }
        if (::mkdir(prefix.c_str(), kDirMode) != 0 && errno != EEXIST) {
            return failed("make the folder", prefix, errno);
        }
        if (::chmod(prefix.c_str(), kDirMode) != 0) {
            return failed("set the permissions of", prefix, errno);
        }
    }
    return {};
}

Result<void> createPrivateFile(const std::filesystem::path& file)
{
    return writeNewPrivateFile(file, {});
}

Result<void> writeNewPrivateFile(const std::filesystem::path& file, crypto::ByteView content)
{
    Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode));
    if (fd.get() < 0) {
        return failed("create", file, errno);
    }
    if (auto ok = fillNew(fd, whole(content), file); !ok) {
        ::unlink(file.c_str());
        return ok;
    }
    return {};
}

Result<void> replaceFileAtomically(const std::filesystem::path& file, crypto::ByteView content)
{
    return replaceFileAtomically(file, whole(content));
}

Result<void> replaceFileAtomically(const std::filesystem::path& file,
                                   const std::function<Result<void>(const PieceWriter&)>& produce)
{
    std::string tmp = file.string() + ".tmp-XXXXXX";
    Fd fd(::mkostemp(tmp.data(), O_CLOEXEC)); // O_EXCL, mode 0600
    if (fd.get() < 0) {
        return failed("create a file beside", file, errno);
    }
    if (auto ok = fillNew(fd, produce, tmp); !ok) {
        ::unlink(tmp.c_str());
        return ok;
    }
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return failed("replace", file, err);
    }
    const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
        return failed("flush the folder", folder, errno);
    }
    return {};
}

std::optional<unsigned> modeOf(const std::filesystem::path& path)
{
    struct stat st
    {};
    if (::lstat(path.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return static_cast<unsigned>(st.st_mode & 07777);
}

std::optional<crypto::Bytes> readWholeFile(const std::filesystem::path& file,
                                           std::uintmax_t maxBytes)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    const auto size = std::filesystem::file_size(file, ec);
    if (ec || size > maxBytes) {
        return std::nullopt;
    }
    std::ifstream in(file, std::ios::binary);
    crypto::Bytes data(static_cast<std::size_t>(size));
    if (!in || (size > 0 && !in.read(reinterpret_cast<char*>(data.data()),
                                     static_cast<std::streamsize>(data.size())))) {
        return std::nullopt;
    }
    return data;
}

} // namespace sopvault::core::storage
