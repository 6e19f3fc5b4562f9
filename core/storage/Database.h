// A small RAII wrapper over SQLite: one connection, prepared statements only, results not
// exceptions. The only header in the project that stands between core and sqlite3.h.
#pragma once

#include "sopvault/crypto/Bytes.h"
#include "sopvault/crypto/Error.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace sopvault::core::storage {

// A prepared statement; one SQL statement per object. Reset and reused by its owner. A bind
// that SQLite refuses (an index the statement does not have, a value too large) is remembered
// and returned as `failed` by the next step() or run(), which then runs nothing.
class Statement
{
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    ~Statement();

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, crypto::ByteView value);
    Statement& bind(int index, std::string_view value);
    Statement& bindNull(int index);

    // True while a row is available; false when done.
    [[nodiscard]] Result<bool> step();
    // Runs a statement that returns no rows.
    [[nodiscard]] Result<void> run();
    void reset();

    [[nodiscard]] std::int64_t columnInt(int index) const;
    [[nodiscard]] double columnDouble(int index) const;
    [[nodiscard]] crypto::Bytes columnBytes(int index) const;
    // The column's bytes without a copy: valid until the next step() or reset().
    [[nodiscard]] crypto::ByteView columnView(int index) const;
    [[nodiscard]] std::string columnText(int index) const;
    [[nodiscard]] bool columnIsNull(int index) const;

private:
    friend class Database;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    void checkBind(int rc, int index);
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    std::optional<Error> m_bindError; // the first refused bind since the last reset
};

enum class OpenMode
{
    CreateNew,
    OpenExisting
};

class Database
{
public:
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();

    // Opens (or creates) a vault file, applies the connection settings (WAL, busy timeout,
    // secure_delete, in-memory temp store) and the schema migrations. A file that is not a
    // vault, is damaged, or comes from a newer version is an error that says so.
    [[nodiscard]] static Result<Database> open(const std::filesystem::path& path, OpenMode mode,
                                               std::chrono::milliseconds busyTimeout);

    // A private in-memory database (SQLite's memdb: one contiguous image, temp_store=MEMORY, no
    // file, no migrations): for indexes of plaintext that must never reach the disk.
    [[nodiscard]] static Result<Database> openMemory();
    // A private in-memory database of `size` bytes that `fill` writes in place (an image
    // image() gave, opened piece by piece: never a second copy). If `fill` fails the bytes are
    // wiped and freed and its error returned; `integrity` if the image is not a database.
    [[nodiscard]] static Result<Database>
    openMemoryImage(std::size_t size,
                    const std::function<Result<void>(std::span<std::uint8_t>)>& fill);
    // The in-memory database's whole image, without a copy: for an index that is sealed before
    // it leaves memory. Valid until the next statement on this database.
    [[nodiscard]] Result<crypto::ByteView> image();

    [[nodiscard]] Result<Statement> prepare(std::string_view sql);
    // For migrations and pragmas only: may run several statements of trusted, embedded SQL.
    [[nodiscard]] Result<void> execScript(const char* sql);

    // BEGIN IMMEDIATE: takes the write lock now so two writers cannot both read-then-write.
    [[nodiscard]] Result<void> beginWrite();
    [[nodiscard]] Result<void> commit();
    void rollback() noexcept;

    [[nodiscard]] int schemaVersion() const;
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

private:
    Database() = default;
    [[nodiscard]] Result<void> configure(std::chrono::milliseconds busyTimeout);
    [[nodiscard]] Result<void> migrate(bool fresh);
    [[nodiscard]] Result<void> enableWal();

    sqlite3* m_db = nullptr;
    std::filesystem::path m_path;
};

// Rolls back unless committed: every write path holds one.
class WriteTransaction
{
public:
    [[nodiscard]] static Result<WriteTransaction> begin(Database& db);
    WriteTransaction(WriteTransaction&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
    WriteTransaction& operator=(WriteTransaction&&) = delete;
    ~WriteTransaction();
    [[nodiscard]] Result<void> commit();

private:
    explicit WriteTransaction(Database& db) : m_db(&db) {}
    Database* m_db;
};

// Maps an SQLite result code to our error codes with a sentence a person can act on.
[[nodiscard]] Error sqliteError(int code, std::string_view context);

} // namespace sopvault::core::storage
