// A connection to the PostgreSQL server that orders and stores a team's records: an RAII wrapper
// over libpq with parameterised queries only (binary parameters and results) and typed failures.
#pragma once

#include "sopvault/crypto/Error.h"
#include "sopvault/crypto/SecureBuffer.h"

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

struct pg_conn; // libpq's PGconn

namespace sopvault::remote {

// What went wrong, as a client must react to it. Each maps to one of the CLI's error codes.
enum class Fault
{
    Offline,   // cannot reach the server, or the connection was lost: work on the replica (failed)
    Auth,      // the server refused the login: wrong password, or the role may not log in (auth)
    StaleHead, // a chain head moved on the server: pull, check, re-sign on the new head (busy)
    Retry,     // a lock timeout, serialization failure or deadlock: try again shortly (busy)
    Denied,    // insufficient privilege, not a member of the vault, history may not change (denied)
    NotFound,  // no such member, or the server has no SOP Vault schema yet (not-found)
    Usage,     // a bad name or URL given by the person (usage)
    Other,     // anything else (failed)
};

struct Failure
{
    Fault fault = Fault::Other;
    std::string sqlState; // five characters, or empty when the server sent none
    Error error;          // code from errorCodeOf(fault), message a person can act on
};

template <typename T>
using Outcome = std::expected<T, Failure>;

[[nodiscard]] ErrorCode errorCodeOf(Fault fault) noexcept;
// The mapping of SQLSTATEs (our own SVnnn among them) to faults; `message` is the server's.
[[nodiscard]] Failure classify(std::string_view sqlState, std::string_view message);
[[nodiscard]] inline std::unexpected<Failure> failure(Fault fault, std::string message)
{
    return std::unexpected(Failure{fault, {}, Error{errorCodeOf(fault), std::move(message)}});
}
// For front ends that speak Result<T>.
template <typename T>
[[nodiscard]] Result<T> asResult(Outcome<T> outcome)
{
    if (!outcome) {
        return std::unexpected(std::move(outcome.error().error));
    }
    if constexpr (std::is_void_v<T>) {
        return {};
    } else {
        return std::move(*outcome);
    }
}

using Bytes = std::vector<std::uint8_t>;

// One query parameter, already in its wire form (binary for everything but text).
class Param
{
public:
    [[nodiscard]] static Param null();
    [[nodiscard]] static Param text(std::string_view value);
    [[nodiscard]] static Param bytes(const Bytes& value);
    [[nodiscard]] static Param int64(std::int64_t value);
    [[nodiscard]] static Param textArray(const std::vector<std::string>& values);
    [[nodiscard]] static Param int64Array(const std::vector<std::int64_t>& values);
    // nullopt elements are SQL NULLs.
    [[nodiscard]] static Param bytesArray(const std::vector<std::optional<Bytes>>& values);

    [[nodiscard]] bool isNull() const { return m_null; }
    [[nodiscard]] const std::string& wire() const { return m_wire; }
    [[nodiscard]] std::uint32_t type() const { return m_type; }
    [[nodiscard]] bool binary() const { return m_binary; }

private:
    std::string m_wire;
    std::uint32_t m_type = 0;
    bool m_binary = false;
    bool m_null = false;
};

// A query's rows, copied out of libpq's result (binary format).
class Rows
{
public:
    [[nodiscard]] std::size_t size() const { return m_cells.size(); }
    [[nodiscard]] bool empty() const { return m_cells.empty(); }
    [[nodiscard]] bool isNull(std::size_t row, std::size_t column) const;
    // int2, int4 and int8 columns; 0 for NULL.
    [[nodiscard]] std::int64_t int64(std::size_t row, std::size_t column) const;
    [[nodiscard]] bool boolean(std::size_t row, std::size_t column) const;
    // text, name and bytea columns as their bytes.
    [[nodiscard]] std::string text(std::size_t row, std::size_t column) const;
    [[nodiscard]] Bytes bytes(std::size_t row, std::size_t column) const;

private:
    friend class Connection;
    std::vector<std::uint32_t> m_types;
    std::vector<std::vector<std::optional<std::string>>> m_cells;
};

class Connection
{
public:
    // `url` is a libpq URI or key=value string with no password in it; the password comes from
    // `password` ($SOPVAULT_DB_PASSWORD, read by the front end) or libpq's own PGPASSFILE,
    // ~/.pgpass or service file.
    [[nodiscard]] static Outcome<Connection> open(std::string_view url,
                                                  const crypto::SecureBuffer* password = nullptr);
    ~Connection();
    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // One statement with $1..$n parameters (PQexecParams); never text pasted into SQL.
    [[nodiscard]] Outcome<Rows> query(std::string_view sql, const std::vector<Param>& params = {});
    // Several statements without parameters, for the embedded migrations only.
    [[nodiscard]] Outcome<void> runScript(std::string_view sql);
    // A SCRAM-SHA-256 verifier for `role` computed here, so the password never reaches the server.
    [[nodiscard]] Outcome<std::string> passwordVerifier(const crypto::SecureBuffer& password,
                                                        std::string_view role);

    [[nodiscard]] std::string user() const;
    [[nodiscard]] int backendPid() const;
    // The libpq handle, for the wait of Listen.cpp on its socket (the one other file of this
    // library that includes libpq-fe.h).
    [[nodiscard]] pg_conn* handle() const;

private:
    struct Impl;
    explicit Connection(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sopvault::remote
