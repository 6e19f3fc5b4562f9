// SQLite wrapper: connection settings, migrations, statements and error mapping.
#include "storage/Database.h"
#include "storage/Migrations.h"
#include "storage/PrivateFiles.h"

#include "sopvault/crypto/Crypto.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace sopvault::core::storage {

Error sqliteError(int code, std::string_view context)
{
    const int primary = code & 0xff;
    switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return {ErrorCode::Busy,
                fmt::format("{}: another program is writing to the vault; try again.", context)};
    case SQLITE_CONSTRAINT:
        return {ErrorCode::Busy,
                fmt::format("{}: the vault changed underneath this write; try again.", context)};
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return {ErrorCode::Integrity,
                fmt::format("{}: the file is damaged or is not a SOP Vault file.", context)};
    case SQLITE_FULL:
        return {ErrorCode::Failed,
                fmt::format("{}: the disk is full; nothing was changed.", context)};
    case SQLITE_READONLY:
        return {ErrorCode::Failed,
                fmt::format("{}: the vault file or its folder is read-only.", context)};
    case SQLITE_CANTOPEN:
        return {ErrorCode::Failed, fmt::format("{}: the vault file could not be opened.", context)};
    case SQLITE_TOOBIG:
        return {ErrorCode::Failed, fmt::format("{}: a value is too large.", context)};
    default:
        return {ErrorCode::Failed,
                fmt::format("{}: storage error ({}).", context, sqlite3_errstr(code))};
    }
}

namespace {
// Adds SQLite's own message to errors that have no better sentence of ours.
Error errorFrom(sqlite3* db, std::string_view context)
{
    Error error = sqliteError(sqlite3_extended_errcode(db), context);
    if (error.code == ErrorCode::Failed) {
        error.message += fmt::format(" ({})", sqlite3_errmsg(db));
    }
    return error;
}
} // namespace

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db), m_stmt(other.m_stmt), m_bindError(std::move(other.m_bindError))
{
    other.m_stmt = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_db = other.m_db;
        m_stmt = other.m_stmt;
        m_bindError = std::move(other.m_bindError);
        other.m_stmt = nullptr;
    }
    return *this;
}

Statement::~Statement()
{
    sqlite3_finalize(m_stmt);
}

void Statement::checkBind(int rc, int index)
{
    if (rc == SQLITE_OK || m_bindError) {
        return;
    }
    // Reported at step(), where the caller looks at results: a statement run with a missing
    // value would write or match the wrong rows, and SQLite's later errors would not say why.
    const char* sql = sqlite3_sql(m_stmt);
    m_bindError =
        Error{ErrorCode::Failed,
              fmt::format("Vault storage: binding parameter {} of \"{:.60}\" failed ({}); "
                          "the statement was not run. This is a bug in SOP Vault; "
                          "please report it.",
                          index, sql != nullptr ? sql : "", sqlite3_errstr(rc))};
}

Statement& Statement::bind(int index, std::int64_t value)
{
    checkBind(sqlite3_bind_int64(m_stmt, index, value), index);
    return *this;
}

Statement& Statement::bind(int index, crypto::ByteView value)
{
    // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before step().
    checkBind(sqlite3_bind_blob64(m_stmt, index,
                                  value.empty() ? "" : static_cast<const void*>(value.data()),
                                  value.size(), SQLITE_TRANSIENT),
              index);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value)
{
    checkBind(sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                  SQLITE_UTF8),
              index);
    return *this;
}

Statement& Statement::bindNull(int index)
{
    checkBind(sqlite3_bind_null(m_stmt, index), index);
    return *this;
}

Result<bool> Statement::step()
{
    if (m_bindError) {
        return std::unexpected(*m_bindError);
    }
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    Error error = errorFrom(m_db, "Vault storage");
    sqlite3_reset(m_stmt);
    return std::unexpected(std::move(error));
}

Result<void> Statement::run()
{
    auto stepped = step();
    reset();
    if (!stepped) {
        return std::unexpected(stepped.error());
    }
    return {};
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_bindError.reset();
}

std::int64_t Statement::columnInt(int index) const
{
    return sqlite3_column_int64(m_stmt, index);
}

double Statement::columnDouble(int index) const
{
    return sqlite3_column_double(m_stmt, index);
}

crypto::Bytes Statement::columnBytes(int index) const
{
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, index));
    const int size = sqlite3_column_bytes(m_stmt, index);
    if (data == nullptr || size <= 0) {
        return {};
    }
    return {data, data + size};
}

crypto::ByteView Statement::columnView(int index) const
{
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, index));
    const int size = sqlite3_column_bytes(m_stmt, index);
    if (data == nullptr || size <= 0) {
        return {};
    }
    return {data, static_cast<std::size_t>(size)};
}

std::string Statement::columnText(int index) const
{
    const auto* text = sqlite3_column_text(m_stmt, index);
    const int size = sqlite3_column_bytes(m_stmt, index);
    if (text == nullptr || size <= 0) {
        return {};
    }
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

bool Statement::columnIsNull(int index) const
{
    return sqlite3_column_type(m_stmt, index) == SQLITE_NULL;
}

// --- Database ---

Database::Database(Database&& other) noexcept : m_db(other.m_db), m_path(std::move(other.m_path))
{
    other.m_db = nullptr;
}

Database& Database::operator=(Database&& other) noexcept
{
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = other.m_db;
        m_path = std::move(other.m_path);
        other.m_db = nullptr;
    }
    return *this;
}

Database::~Database()
{
    sqlite3_close_v2(m_db);
}

Result<Database> Database::open(const std::filesystem::path& path, OpenMode mode,
                                std::chrono::milliseconds busyTimeout)
{
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (mode == OpenMode::OpenExisting && !exists) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no vault at {}; create one with 'init' or pass --vault.",
                                path.string()));
    }
    if (mode == OpenMode::CreateNew && exists) {
        return fail(
            ErrorCode::Failed,
            fmt::format("A file already exists at {}; nothing was changed.", path.string()));
    }
    if (exists && std::filesystem::is_directory(path, ec)) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} is a folder, not a vault file.", path.string()));
    }

    Database db;
    db.m_path = path;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (mode == OpenMode::CreateNew) {
        // SQLite would create the file under the umask (0644: readable by every local user, an
        // offline password-guessing target) and give its -wal and -shm the same mode. Made here
        // first, 0600; SQLite takes an empty file for a new database.
        if (auto made = createPrivateFile(path); !made) {
            return fail(ErrorCode::Failed, fmt::format("The vault file could not be created: {}.",
                                                       made.error().message));
        }
        if (modeOf(path) != 0600U) {
            return fail(ErrorCode::Failed,
                        fmt::format("The new vault file {} is not private to you (mode 0600); "
                                    "nothing was written to it.",
                                    path.string()));
        }
    }
    // A new file that did not become a vault is removed again: it was ours alone.
    const auto abandon = [&](Error error) -> std::unexpected<Error> {
        if (mode == OpenMode::CreateNew) {
            sqlite3_close_v2(db.m_db);
            db.m_db = nullptr;
            std::error_code ignored;
            for (const char* suffix : {"", "-wal", "-shm"}) {
                std::filesystem::remove(path.string() + suffix, ignored);
            }
        }
        return std::unexpected(std::move(error));
    };
    const int rc = sqlite3_open_v2(path.c_str(), &db.m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        return abandon(sqliteError(rc, fmt::format("Opening {}", path.string())));
    }
    if (auto ok = db.configure(busyTimeout); !ok) {
        return abandon(ok.error());
    }
    if (auto ok = db.migrate(mode == OpenMode::CreateNew); !ok) {
        return abandon(ok.error());
    }
    return db;
}

Result<void> Database::configure(std::chrono::milliseconds busyTimeout)
{
    sqlite3_busy_timeout(m_db, static_cast<int>(std::min<std::int64_t>(
                                   busyTimeout.count(), std::numeric_limits<int>::max())));
    sqlite3_extended_result_codes(m_db, 1);
    // Defensive settings: no trusted-schema surprises from a hostile file.
    sqlite3_db_config(m_db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(m_db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    // Reading the header first: a file that is not SQLite fails here with a clear error.
    if (auto ok = execScript("PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;"
                             "PRAGMA foreign_keys=ON;");
        !ok) {
        return ok;
    }
    return execScript("PRAGMA synchronous=FULL;");
}

Result<void> Database::enableWal()
{
    auto mode = prepare("PRAGMA journal_mode=WAL");
    if (!mode) {
        return std::unexpected(mode.error());
    }
    auto row = mode->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    mode->reset();
    return {};
}

Result<void> Database::migrate(bool fresh)
{
    auto appId = prepare("PRAGMA application_id");
    if (!appId) {
        return std::unexpected(appId.error());
    }
    auto row = appId->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    const std::int64_t id = *row ? appId->columnInt(0) : 0;
    appId->reset(); // an unfinished statement would hold a read transaction open
    const int current = schemaVersion();
    const auto& all = migrations();
    const int newest = all.empty() ? 0 : all.back().number;

    if (!fresh && (id != kApplicationId || current == 0)) {
        return fail(ErrorCode::Integrity,
                    fmt::format("{} is not a SOP Vault file.", m_path.string()));
    }
    if (current > newest) {
        return fail(ErrorCode::Integrity,
                    fmt::format("This vault was written by a newer SOP Vault (schema {}; this "
                                "version knows up to {}). Update SOP Vault to open it.",
                                current, newest));
    }
    // Only now, with the file known to be ours, may anything be written to it.
    if (auto ok = enableWal(); !ok) {
        return ok;
    }
    if (current == newest) {
        return {};
    }
    auto tx = WriteTransaction::begin(*this);
    if (!tx) {
        return std::unexpected(tx.error());
    }
    for (const Migration& migration : all) {
        if (migration.number <= current) {
            continue;
        }
        if (auto ok = execScript(migration.sql); !ok) {
            return fail(ok.error().code, fmt::format("Applying schema migration {} failed: {}",
                                                     migration.name, ok.error().message));
        }
    }
    const std::string pragmas =
        fmt::format("PRAGMA application_id={}; PRAGMA user_version={};", kApplicationId, newest);
    if (auto ok = execScript(pragmas.c_str()); !ok) {
        return ok;
    }
    return tx->commit();
}

namespace {

// memdb refuses to grow past 1 GiB by default; an index at 100,000 SOPs is larger.
constexpr sqlite3_int64 kMemoryLimit = sqlite3_int64{8} << 30;

Result<void> settleMemory(sqlite3* db)
{
    sqlite3_int64 limit = kMemoryLimit;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit) != SQLITE_OK) {
        return fail(ErrorCode::Failed, "The search index could not be given room in memory.");
    }
    return {};
}

} // namespace

Result<Database> Database::openMemory()
{
    Database db;
    db.m_path = ":memory:";
    // A name without a leading '/' keeps the memdb database private to this connection.
    const int rc = sqlite3_open_v2("sopvault-index", &db.m_db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                       SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                                   "memdb");
    if (rc != SQLITE_OK) {
        return std::unexpected(sqliteError(rc, "Opening the search index"));
    }
    SOPVAULT_CHECK(settleMemory(db.m_db));
    SOPVAULT_CHECK(db.execScript("PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"));
    return db;
}

Result<Database>
Database::openMemoryImage(std::size_t size,
                          const std::function<Result<void>(std::span<std::uint8_t>)>& fill)
{
    SOPVAULT_TRY(db, openMemory());
    if (size == 0) {
        return fail(ErrorCode::Integrity, "The saved search index is empty.");
    }
    // sqlite3_deserialize takes a buffer of its own allocator and frees it on close.
    auto* image = static_cast<unsigned char*>(sqlite3_malloc64(size));
    if (image == nullptr) {
        return fail(ErrorCode::Failed, "Out of memory loading the search index.");
    }
    const std::span<std::uint8_t> bytes(image, size);
    if (auto filled = fill(bytes); !filled) {
        crypto::wipe(bytes);
        sqlite3_free(image);
        return std::unexpected(filled.error());
    }
    const auto length = static_cast<sqlite3_int64>(size);
    const int rc =
        sqlite3_deserialize(db.m_db, "main", image, length, length,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
    if (rc != SQLITE_OK) {
        return std::unexpected(sqliteError(rc, "Loading the search index"));
    }
    SOPVAULT_CHECK(settleMemory(db.m_db));
    SOPVAULT_CHECK(db.execScript("PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"));
    return db;
}

Result<crypto::ByteView> Database::image()
{
    sqlite3_int64 size = 0;
    unsigned char* image = sqlite3_serialize(m_db, "main", &size, SQLITE_SERIALIZE_NOCOPY);
    if (image == nullptr) {
        return fail(ErrorCode::Failed, "The search index is not one image in memory.");
    }
    return crypto::ByteView(image, static_cast<std::size_t>(size));
}

Result<Statement> Database::prepare(std::string_view sql)
{
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) {
        return std::unexpected(errorFrom(m_db, "Vault storage"));
    }
    return Statement(m_db, stmt);
}

Result<void> Database::execScript(const char* sql)
{
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &message);
    const std::string detail = message != nullptr ? message : "";
    sqlite3_free(message);
    if (rc != SQLITE_OK) {
        Error error = sqliteError(sqlite3_extended_errcode(m_db), "Vault storage");
        if (error.code == ErrorCode::Failed && !detail.empty()) {
            error.message += " (" + detail + ")";
        }
        return std::unexpected(std::move(error));
    }
    return {};
}

Result<void> Database::beginWrite()
{
    return execScript("BEGIN IMMEDIATE");
}

Result<void> Database::commit()
{
    return execScript("COMMIT");
}

void Database::rollback() noexcept
{
    if (sqlite3_get_autocommit(m_db) == 0) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

int Database::schemaVersion() const
{
    sqlite3_stmt* stmt = nullptr;
    int version = 0;
    if (sqlite3_prepare_v2(m_db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        version = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return version;
}

// --- WriteTransaction ---

Result<WriteTransaction> WriteTransaction::begin(Database& db)
{
    if (auto ok = db.beginWrite(); !ok) {
        return std::unexpected(ok.error());
    }
    return WriteTransaction(db);
}

WriteTransaction::~WriteTransaction()
{
    if (m_db != nullptr) {
        m_db->rollback();
    }
}

Result<void> WriteTransaction::commit()
{
    auto ok = m_db->commit();
    if (!ok) {
        m_db->rollback();
    }
    m_db = nullptr;
    return ok;
}

} // namespace sopvault::core::storage
