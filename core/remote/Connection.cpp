// The libpq wrapper: with Listen.cpp the only file that includes libpq-fe.h. Every query is
// PQexecParams with binary parameters and results; failures become remote::Failure through
// classify().
#include "sopvault/remote/Connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstring>

namespace sopvault::remote {
namespace {

// The type oids libpq needs for binary parameters (pg_type.dat).
constexpr std::uint32_t kBool = 16;
constexpr std::uint32_t kBytea = 17;
constexpr std::uint32_t kInt8 = 20;
constexpr std::uint32_t kInt2 = 21;
constexpr std::uint32_t kInt4 = 23;
constexpr std::uint32_t kText = 25;
constexpr std::uint32_t kTextArray = 1009;
constexpr std::uint32_t kByteaArray = 1001;
constexpr std::uint32_t kInt8Array = 1016;

struct ResultDeleter
{
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter
{
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

void putBigEndian(std::string& out, std::uint64_t value, int bytes)
{
    for (int i = bytes - 1; i >= 0; --i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xffU));
    }
}

std::uint64_t getBigEndian(std::string_view in)
{
    std::uint64_t value = 0;
    for (const char c : in) {
        value = (value << 8) | static_cast<std::uint8_t>(c);
    }
    return value;
}

// A one-dimensional array in PostgreSQL's binary array format (array_recv): ndim, has-null flag,
// element type, length and lower bound, then each element as its length and bytes (-1: NULL).
template <typename Each>
std::string binaryArray(std::uint32_t elementType, std::size_t count, bool hasNull, Each each)
{
    std::string out;
    putBigEndian(out, 1, 4);
    putBigEndian(out, hasNull ? 1 : 0, 4);
    putBigEndian(out, elementType, 4);
    putBigEndian(out, count, 4);
    putBigEndian(out, 1, 4);
    for (std::size_t i = 0; i < count; ++i) {
        const std::optional<std::string> element = each(i);
        if (!element) {
            putBigEndian(out, 0xffffffffU, 4);
            continue;
        }
        putBigEndian(out, element->size(), 4);
        out += *element;
    }
    return out;
}

// The failure of a result, or of the connection when there is no result.
Failure failureOf(PGconn* conn, const PGresult* result)
{
    if (result != nullptr) {
        const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        if (PQstatus(conn) == CONNECTION_BAD && state == nullptr) {
            return classify("", PQerrorMessage(conn));
        }
        return classify(state != nullptr ? state : "",
                        primary != nullptr ? primary : PQresultErrorMessage(result));
    }
    return classify("", PQerrorMessage(conn));
}

// libpq reports a refused login only as text; these are the server's own words (lc_messages C).
bool loginRefused(std::string_view message)
{
    return message.find("password authentication failed") != std::string_view::npos ||
           message.find("is not permitted to log in") != std::string_view::npos ||
           message.find("no password supplied") != std::string_view::npos ||
           (message.find("role \"") != std::string_view::npos &&
            message.find("does not exist") != std::string_view::npos);
}

} // namespace

// --- Param ---

Param Param::null()
{
    Param p;
    p.m_null = true;
    return p;
}

Param Param::text(std::string_view value)
{
    Param p;
    p.m_wire = std::string(value);
    p.m_type = kText;
    p.m_binary = true; // text's binary form is its bytes
    return p;
}

Param Param::bytes(const Bytes& value)
{
    Param p;
    p.m_wire.assign(value.begin(), value.end());
    p.m_type = kBytea;
    p.m_binary = true;
    return p;
}

Param Param::int64(std::int64_t value)
{
    Param p;
    putBigEndian(p.m_wire, static_cast<std::uint64_t>(value), 8);
    p.m_type = kInt8;
    p.m_binary = true;
    return p;
}

Param Param::textArray(const std::vector<std::string>& values)
{
    Param p;
    p.m_wire = binaryArray(kText, values.size(), false,
                           [&](std::size_t i) { return std::optional<std::string>(values[i]); });
    p.m_type = kTextArray;
    p.m_binary = true;
    return p;
}

Param Param::int64Array(const std::vector<std::int64_t>& values)
{
    Param p;
    p.m_wire = binaryArray(kInt8, values.size(), false, [&](std::size_t i) {
        std::string element;
        putBigEndian(element, static_cast<std::uint64_t>(values[i]), 8);
        return std::optional<std::string>(std::move(element));
    });
    p.m_type = kInt8Array;
    p.m_binary = true;
    return p;
}

Param Param::bytesArray(const std::vector<std::optional<Bytes>>& values)
{
    bool hasNull = false;
    for (const auto& v : values) {
        hasNull = hasNull || !v;
    }
    Param p;
    p.m_wire = binaryArray(kBytea, values.size(), hasNull, [&](std::size_t i) {
        return values[i]
                   ? std::optional<std::string>(std::in_place, values[i]->begin(), values[i]->end())
                   : std::nullopt;
    });
    p.m_type = kByteaArray;
    p.m_binary = true;
    return p;
}

// --- Rows ---

bool Rows::isNull(std::size_t row, std::size_t column) const
{
    return !m_cells.at(row).at(column).has_value();
}

std::int64_t Rows::int64(std::size_t row, std::size_t column) const
{
    const auto& cell = m_cells.at(row).at(column);
    if (!cell) {
        return 0;
    }
    const std::uint64_t raw = getBigEndian(*cell);
    switch (m_types.at(column)) {
    case kInt2:
        return static_cast<std::int16_t>(raw);
    case kInt4:
        return static_cast<std::int32_t>(raw);
    default:
        return static_cast<std::int64_t>(raw);
    }
}

bool Rows::boolean(std::size_t row, std::size_t column) const
{
    const auto& cell = m_cells.at(row).at(column);
    return cell && m_types.at(column) == kBool && !cell->empty() && (*cell)[0] != 0;
}

std::string Rows::text(std::size_t row, std::size_t column) const
{
    return m_cells.at(row).at(column).value_or(std::string());
}

Bytes Rows::bytes(std::size_t row, std::size_t column) const
{
    const auto& cell = m_cells.at(row).at(column);
    return cell ? Bytes(cell->begin(), cell->end()) : Bytes();
}

// --- Connection ---

struct Connection::Impl
{
    ConnPtr conn;
};

Connection::Connection(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Connection::~Connection() = default;
Connection::Connection(Connection&& other) noexcept = default;
Connection& Connection::operator=(Connection&& other) noexcept = default;

Outcome<Connection> Connection::open(std::string_view url, const crypto::SecureBuffer* password)
{
    const std::string conninfo(url);
    char* parseError = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parseError);
    if (options == nullptr) {
        std::string why = parseError != nullptr ? parseError : "it cannot be parsed";
        PQfreemem(parseError);
        while (!why.empty() && why.back() == '\n') {
            why.pop_back();
        }
        return failure(Fault::Usage, fmt::format("The server URL is not a valid libpq "
                                                 "connection string: {}.",
                                                 why));
    }
    bool hasPassword = false;
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        hasPassword =
            hasPassword || (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr);
    }
    PQconninfoFree(options);
    if (hasPassword) {
        // argv is visible to every user of the machine (ps, /proc): a secret never goes there.
        return failure(Fault::Usage,
                       "The server URL contains a password; remove it and use $SOPVAULT_DB_"
                       "PASSWORD, PGPASSFILE (~/.pgpass) or a service file instead.");
    }

    // The password, when given, as a NUL-terminated copy in secure memory.
    std::optional<crypto::SecureBuffer> secret;
    if (password != nullptr) {
        auto copy = crypto::SecureBuffer::allocate(password->size() + 1);
        if (!copy) {
            return failure(Fault::Other, copy.error().message);
        }
        std::memcpy(copy->data(), password->data(), password->size());
        secret = std::move(*copy);
    }
    std::vector<const char*> keys{"dbname", "fallback_application_name", "connect_timeout"};
    std::vector<const char*> values{conninfo.c_str(), "sopvault", "10"};
    if (secret) {
        keys.push_back("password");
        values.push_back(reinterpret_cast<const char*>(secret->data()));
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    ConnPtr conn(PQconnectdbParams(keys.data(), values.data(), 1));
    if (!conn) {
        return failure(Fault::Other, "Out of memory while connecting to the server.");
    }
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn.get());
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
            message.pop_back();
        }
        if (PQconnectionNeedsPassword(conn.get()) != 0 || loginRefused(message)) {
            return std::unexpected(Failure{
                Fault::Auth, "28000",
                Error{ErrorCode::Auth,
                      fmt::format("The server refused the login: {} (check the role and its "
                                  "password: $SOPVAULT_DB_PASSWORD, PGPASSFILE or a service "
                                  "file).",
                                  message)}});
        }
        return std::unexpected(Failure{
            Fault::Offline, "",
            Error{ErrorCode::Failed,
                  fmt::format("Cannot reach the server: {} (check the URL and that the server "
                              "runs, or work offline).",
                              message)}});
    }
    // NOTICEs ("schema already exists, skipping") are for psql users, not for our output.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    auto impl = std::make_unique<Impl>();
    impl->conn = std::move(conn);
    return Connection(std::move(impl));
}

Outcome<Rows> Connection::query(std::string_view sql, const std::vector<Param>& params)
{
    PGconn* conn = m_impl->conn.get();
    std::vector<Oid> types;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const auto& p : params) {
        types.push_back(p.type());
        values.push_back(p.isNull() ? nullptr : p.wire().data());
        lengths.push_back(static_cast<int>(p.wire().size()));
        formats.push_back(p.binary() ? 1 : 0);
    }
    const std::string statement(sql);
    ResultPtr result(PQexecParams(conn, statement.c_str(), static_cast<int>(params.size()),
                                  types.data(), values.data(), lengths.data(), formats.data(), 1));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        return std::unexpected(failureOf(conn, result.get()));
    }
    Rows rows;
    const int columns = PQnfields(result.get());
    for (int c = 0; c < columns; ++c) {
        rows.m_types.push_back(PQftype(result.get(), c));
    }
    const int count = PQntuples(result.get());
    rows.m_cells.resize(static_cast<std::size_t>(count));
    for (int r = 0; r < count; ++r) {
        auto& row = rows.m_cells[static_cast<std::size_t>(r)];
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(result.get(), r, c) != 0) {
                row.emplace_back(std::nullopt);
            } else {
                row.emplace_back(std::in_place, PQgetvalue(result.get(), r, c),
                                 static_cast<std::size_t>(PQgetlength(result.get(), r, c)));
            }
        }
    }
    return rows;
}

Outcome<void> Connection::runScript(std::string_view sql)
{
    PGconn* conn = m_impl->conn.get();
    const std::string script(sql);
    ResultPtr result(PQexec(conn, script.c_str()));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        return std::unexpected(failureOf(conn, result.get()));
    }
    return {};
}

Outcome<std::string> Connection::passwordVerifier(const crypto::SecureBuffer& password,
                                                  std::string_view role)
{
    auto copy = crypto::SecureBuffer::allocate(password.size() + 1);
    if (!copy) {
        return failure(Fault::Other, copy.error().message);
    }
    std::memcpy(copy->data(), password.data(), password.size());
    const std::string name(role);
    char* verifier =
        PQencryptPasswordConn(m_impl->conn.get(), reinterpret_cast<const char*>(copy->data()),
                              name.c_str(), "scram-sha-256");
    if (verifier == nullptr) {
        return std::unexpected(failureOf(m_impl->conn.get(), nullptr));
    }
    std::string out(verifier);
    PQfreemem(verifier);
    return out;
}

std::string Connection::user() const
{
    const char* name = PQuser(m_impl->conn.get());
    return name != nullptr ? name : "";
}

int Connection::backendPid() const
{
    return PQbackendPID(m_impl->conn.get());
}

PGconn* Connection::handle() const
{
    return m_impl->conn.get();
}

} // namespace sopvault::remote
