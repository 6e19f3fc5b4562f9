// Files and folders private to this OS user (files 0600, folders 0700, whatever the umask), and
// the one way this project replaces a small file: a crash leaves the old content or the new.
#pragma once

#include "sopvault/crypto/Bytes.h"
#include "sopvault/crypto/Error.h"

#include <filesystem>
#include <functional>
#include <optional>

namespace sopvault::core::storage {

// Creates `dir` and any missing parents, each new folder 0700. Folders that already exist are
// left as they are (a shared drive's folder is not ours to change). `failed` with the reason.
[[nodiscard]] Result<void> createPrivateDirectories(const std::filesystem::path& dir);

// Creates `file`, which must not exist yet, as an empty file of mode 0600 (O_EXCL: never through
// a planted symlink). SQLite gives a database's -wal and -shm the mode of the main file, so a
// vault file made this way keeps all three private.
[[nodiscard]] Result<void> createPrivateFile(const std::filesystem::path& file);

// Writes a new file (refused if it exists) of mode 0600 and flushes it to disk.
[[nodiscard]] Result<void> writeNewPrivateFile(const std::filesystem::path& file,
                                               crypto::ByteView content);

// Replaces `file` atomically: a temporary file in the same folder (mode 0600) is written,
// fsync'd and renamed over it, then the folder is fsync'd so the rename survives a power cut.
// A crash before the rename leaves the old file and a temporary "<name>.tmp-XXXXXX" beside it,
// which readers never open.
[[nodiscard]] Result<void> replaceFileAtomically(const std::filesystem::path& file,
                                                 crypto::ByteView content);
// Same, with the content written piece by piece: `produce` calls the writer it is given once
// per piece, in order, so a large content never has to be whole in memory. An error from
// `produce` or a write leaves the old file and removes the temporary one.
using PieceWriter = std::function<Result<void>(crypto::ByteView)>;
[[nodiscard]] Result<void>
replaceFileAtomically(const std::filesystem::path& file,
                      const std::function<Result<void>(const PieceWriter&)>& produce);

// A whole regular file in one read of its size, or nothing when it is not a regular file, cannot
// be read, or is larger than `maxBytes`.
[[nodiscard]] std::optional<crypto::Bytes> readWholeFile(const std::filesystem::path& file,
                                                         std::uintmax_t maxBytes);

// The mode bits (permissions only) of a file or folder, or nullopt if it cannot be read.
[[nodiscard]] std::optional<unsigned> modeOf(const std::filesystem::path& path);

} // namespace sopvault::core::storage
