// Team sync: pull, verify, rebase and push of this replica's records against a RecordServer
// (Sync.h; docs/teams.md).
#include "sopvault/core/Sync.h"
#include "Engine.h"
#include "sopvault/core/Vault.h"

namespace sopvault::core {

namespace {
std::unexpected<Error> notYet()
{
    return fail(ErrorCode::Failed, "Team sync is not available in this build yet.");
}
} // namespace

Result<RemoteInfo> Session::remote() const
{
    return RemoteInfo{};
}
Result<void> Session::setRemote(std::string_view)
{
    return notYet();
}
Result<bool> Session::upToDate(RecordServer&)
{
    return notYet();
}
Result<SyncReport> Session::sync(RecordServer&)
{
    return notYet();
}
Result<SyncReport> Session::publish(RecordServer&, std::string_view)
{
    return notYet();
}
Result<std::vector<SyncConflict>> Session::conflicts() const
{
    return std::vector<SyncConflict>{};
}
Result<SopVersionView> Session::conflictingEdit(const Id&)
{
    return notYet();
}
Result<std::uint64_t> Session::resolve(const Id&, Keep, std::optional<std::string>)
{
    return notYet();
}

Result<ClonedVault> cloneVault(RecordServer&, std::string_view, std::string_view,
                               const std::filesystem::path&,
                               const std::function<void(std::size_t, std::size_t)>&)
{
    return notYet();
}

} // namespace sopvault::core
