// The bench's PostgreSQL side, straight over libpq: its own throwaway cluster (tests/server's
// pg-cluster) and the COPY baseline of a clone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::bench {

// Starts one cluster for the whole run in a short /tmp path (a Unix socket path must stay short)
// and registers its stop for exit() and SIGINT/SIGTERM, so a failed run leaves nothing behind.
void startCluster();
void stopCluster();
// A libpq URL for `role` on the cluster's `sopvault` database (local trust authentication).
[[nodiscard]] std::string clusterUrl(std::string_view role);

// What `COPY (SELECT ...) TO STDOUT` in binary format brought back of one vault's records: the
// rows a clone fetches, with the bytes the clone's checks work on.
struct CopiedRecords
{
    double seconds = 0; // from the query to the last row parsed
    std::size_t rows = 0;
    std::uint64_t bytes = 0; // of the COPY stream
    std::vector<std::string> chains;
    std::vector<std::vector<std::uint8_t>> hashes;
    std::vector<std::vector<std::uint8_t>> bodies;
    std::vector<std::int64_t> seenPositions;
    std::vector<std::vector<std::uint8_t>> seenHashes;
};
[[nodiscard]] CopiedRecords copyRecords(const std::string& url, std::string_view vaultId);

// The raw crypto a clone cannot avoid on the same rows: an Ed25519 check of each row's body
// (the record's signature), a second of its (vault, hash, seen position, seen hash) (the
// pusher's), and an XChaCha20-Poly1305 decryption of each SOP version's bytes. Signed and
// encrypted with a bench key when built (not timed).
class RowCrypto
{
public:
    RowCrypto(const CopiedRecords& rows, std::string_view vaultId);
    ~RowCrypto();
    RowCrypto(const RowCrypto&) = delete;
    RowCrypto& operator=(const RowCrypto&) = delete;
    // Seconds for every check once; exits if one fails.
    [[nodiscard]] double run() const;
    [[nodiscard]] std::size_t signatures() const;
    [[nodiscard]] std::size_t decryptions() const;

private:
    struct Data;
    std::unique_ptr<Data> m_data;
};

} // namespace sopvault::bench
