// The vault and one's own account: init, whoami, passwd, recover.
#include "Commands.h"
#include "Password.h"
#include "Presenters.h"
#include "sopvault/core/Locations.h"

#include <fmt/format.h>

namespace sopvault::cli {
namespace {

void addInit(CLI::App& app, Runner& r, VaultOptions& o)
{
    auto* init = app.add_subcommand("init", "Create the vault and its first owner");
    init->add_option("--owner", o.owner, "the first owner's user name")->required();
    addKdfOption(init, o.kdf);
    init->footer("Example: SOPVAULT_NEW_PASSWORD=... sopvault-cli init --owner olivia");
    r.plain(init, [&r, &o]() -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(o.kdf));
        const auto path = r.vaultPath();
        if (std::filesystem::exists(path)) {
            return fail(
                ErrorCode::Failed,
                fmt::format("A vault already exists at {}; nothing was changed.", path.string()));
        }
        SOPVAULT_TRY(password, readNewPassword(o.owner));
        // With this machine's state folder, so the creator's next open checks the file against
        // the marks made here (an impostor vault with the same owner name is then refused).
        SOPVAULT_TRY(created, core::createVault(path, o.owner, password, profile,
                                                core::defaultOpenOptions()));
        r.emit(presentCreatedVault(created, o.owner, path));
        return {};
    });
}

void addWhoami(CLI::App& app, Runner& r)
{
    auto* whoami = app.add_subcommand("whoami", "Who you are, your roles and grants");
    whoami->footer("Example: sopvault-cli --user tom whoami");
    r.withSession(whoami, [&r](core::Session& s) -> Result<void> {
        r.emit(presentIdentity(s.userName(), s.isOwner(), s.grantsOf(s.userName())));
        return {};
    });
}

void addPasswd(CLI::App& app, Runner& r, VaultOptions& o)
{
    auto* passwd = app.add_subcommand("passwd", "Change your own password");
    addKdfOption(passwd, o.kdf);
    passwd->footer("Example: SOPVAULT_NEW_PASSWORD=... sopvault-cli --user tom passwd");
    r.withSession(passwd, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(o.kdf));
        SOPVAULT_TRY(pw, readNewPassword(s.userName()));
        SOPVAULT_CHECK(s.changePassword(pw, profile));
        r.emit({{{"ok", true}}, say("Password changed.")});
        return {};
    });
}

void addRecover(CLI::App& app, Runner& r, VaultOptions& o)
{
    auto* recover = app.add_subcommand("recover", "Set a new password for an owner with the "
                                                  "recovery code");
    recover->add_option("OWNER", o.owner)->required();
    addKdfOption(recover, o.kdf);
    recover->footer("Example: SOPVAULT_RECOVERY_CODE=... SOPVAULT_NEW_PASSWORD=... "
                    "sopvault-cli recover olivia");
    r.plain(recover, [&r, &o]() -> Result<void> {
        SOPVAULT_TRY(profile, kdfOf(o.kdf));
        const auto path = r.vaultPath();
        if (!std::filesystem::exists(path)) {
            return fail(ErrorCode::NotFound,
                        fmt::format("There is no vault at {}.", path.string()));
        }
        SOPVAULT_TRY(code, readRecoveryCode());
        SOPVAULT_TRY(pw, readNewPassword(o.owner));
        SOPVAULT_CHECK(
            core::recoverOwner(path, o.owner, code, pw, profile, core::defaultOpenOptions()));
        r.emit({{{"owner", o.owner}, {"recovered", true}},
                say("New password set for {}; the old one no longer works. The recovery is "
                    "recorded in the audit log.",
                    o.owner)});
        return {};
    });
}

} // namespace

void addVaultCommands(CLI::App& app, Runner& r, VaultOptions& o)
{
    addInit(app, r, o);
    addWhoami(app, r);
    addPasswd(app, r, o);
    addRecover(app, r, o);
}

} // namespace sopvault::cli
