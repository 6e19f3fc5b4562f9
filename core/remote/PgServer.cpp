// PgServer: core's RecordServer over the member calls of Server.cpp.
#include "sopvault/remote/PgServer.h"

#include "sopvault/remote/Server.h"

namespace sopvault::remote {

core::ServerFault coreFault(Fault fault) noexcept
{
    switch (fault) {
    case Fault::Offline:
        return core::ServerFault::Offline;
    case Fault::Auth:
        return core::ServerFault::Auth;
    case Fault::StaleHead:
        return core::ServerFault::StaleHead;
    case Fault::Retry:
        return core::ServerFault::Retry;
    case Fault::Denied:
        return core::ServerFault::Denied;
    case Fault::NotFound:
        return core::ServerFault::NotFound;
    case Fault::Usage:
    case Fault::Other:
        break;
    }
    return core::ServerFault::Other;
}

core::ServerError coreError(Failure failure)
{
    return core::ServerError{coreFault(failure.fault), std::move(failure.error)};
}

namespace {
template <typename T>
core::ServerResult<T> toCore(Outcome<T> outcome)
{
    if (!outcome) {
        return std::unexpected(coreError(std::move(outcome.error())));
    }
    return std::move(*outcome);
}
} // namespace

std::string displayUrl(std::string_view url)
{
    // postgresql://user:secret@host/db -> postgresql://user:***@host/db
    std::string out(url);
    const auto scheme = out.find("://");
    if (scheme == std::string::npos) {
        return out;
    }
    const auto at = out.find('@', scheme + 3);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, "***");
    }
    return out;
}

core::ServerResult<PgServer> PgServer::connect(std::string_view url,
                                               const crypto::SecureBuffer* password)
{
    auto c = Connection::open(url, password);
    if (!c) {
        return std::unexpected(coreError(std::move(c.error())));
    }
    return PgServer(std::move(*c), displayUrl(url));
}

core::ServerResult<std::int64_t> PgServer::lastPosition(std::string_view vaultId)
{
    auto rows = m_connection.query(
        "SELECT coalesce(max(last_position), 0) FROM sopvault.vaults WHERE vault_id = $1",
        {Param::text(vaultId)});
    if (!rows) {
        return std::unexpected(coreError(std::move(rows.error())));
    }
    return rows->int64(0, 0);
}

core::ServerResult<std::vector<core::ServerRecord>>
PgServer::recordsAfter(std::string_view vaultId, std::int64_t position, std::int64_t limit)
{
    auto stored = remote::recordsAfter(m_connection, vaultId, position, limit);
    if (!stored) {
        return std::unexpected(coreError(std::move(stored.error())));
    }
    std::vector<core::ServerRecord> out;
    out.reserve(stored->size());
    for (auto& s : *stored) {
        core::ServerRecord r;
        r.position = s.position;
        r.chain = std::move(s.record.chain);
        r.height = s.record.height;
        r.prevHash = std::move(s.record.prevHash);
        r.hash = std::move(s.record.hash);
        r.body = std::move(s.record.body);
        r.seenPosition = s.record.seenPosition;
        r.seenHash = std::move(s.record.seenHash);
        r.author = std::move(s.author);
        out.push_back(std::move(r));
    }
    return out;
}

core::ServerResult<std::int64_t> PgServer::append(std::string_view vaultId,
                                                  std::span<const core::ServerRecord> batch)
{
    std::vector<OutgoingRecord> out;
    out.reserve(batch.size());
    for (const auto& r : batch) {
        out.push_back(OutgoingRecord{r.chain, r.height, r.prevHash, r.hash, r.body, r.seenPosition,
                                     r.seenHash});
    }
    auto appended = remote::append(m_connection, vaultId, out);
    if (!appended) {
        return std::unexpected(coreError(std::move(appended.error())));
    }
    return appended->last;
}

// Twenty writers' turns at a few tens of milliseconds each fit well inside this; a holder that
// hangs (a laptop asleep with its connection open) only delays the others this long.
constexpr std::chrono::seconds kTurnWait{10};

core::ServerResult<void> PgServer::beginTurn(std::string_view vaultId)
{
    if (auto took = remote::takeTurn(m_connection, vaultId, kTurnWait); !took) {
        return std::unexpected(coreError(std::move(took.error())));
    }
    return {};
}

void PgServer::endTurn(std::string_view vaultId)
{
    // A turn that cannot be given back (the connection broke) went with the connection.
    (void)remote::giveTurn(m_connection, vaultId);
}

} // namespace sopvault::remote
