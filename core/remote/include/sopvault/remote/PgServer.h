// The team's PostgreSQL server as core's RecordServer: the append and read calls of Server.h on
// one member connection, and LISTEN/NOTIFY as the wake-up for clients that wait for news.
#pragma once

#include "sopvault/core/Sync.h"
#include "sopvault/remote/Connection.h"

#include <chrono>

namespace sopvault::remote {

// The core fault a remote fault is to a client.
[[nodiscard]] core::ServerFault coreFault(Fault fault) noexcept;
[[nodiscard]] core::ServerError coreError(Failure failure);

class PgServer final : public core::RecordServer
{
public:
    // Connects as a member. `url` has no password in it; `password` is $SOPVAULT_DB_PASSWORD
    // when the front end read one, else libpq's own mechanisms apply.
    [[nodiscard]] static core::ServerResult<PgServer>
    connect(std::string_view url, const crypto::SecureBuffer* password = nullptr);

    [[nodiscard]] std::string describe() const override { return m_describe; }
    [[nodiscard]] core::ServerResult<std::int64_t> lastPosition(std::string_view vaultId) override;
    [[nodiscard]] core::ServerResult<std::vector<core::ServerRecord>>
    recordsAfter(std::string_view vaultId, std::int64_t position, std::int64_t limit) override;
    [[nodiscard]] core::ServerResult<std::int64_t>
    append(std::string_view vaultId, std::span<const core::ServerRecord> batch) override;
    [[nodiscard]] core::ServerResult<void> beginTurn(std::string_view vaultId) override;
    void endTurn(std::string_view vaultId) override;

    [[nodiscard]] Connection& connection() { return m_connection; }

private:
    PgServer(Connection connection, std::string describe)
        : m_connection(std::move(connection)), m_describe(std::move(describe))
    {}
    Connection m_connection;
    std::string m_describe;
};

// The URL as it may be shown: any password in it replaced (remote set refuses those anyway).
[[nodiscard]] std::string displayUrl(std::string_view url);

} // namespace sopvault::remote
