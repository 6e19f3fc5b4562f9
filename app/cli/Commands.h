// sopvault-cli's commands, one registration function per domain. Each registers its commands
// and binds their options to a struct that run() owns, so option values live exactly as long
// as the run and no command sees another's.
#pragma once

#include "Runner.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sopvault::cli {

// init, recover, whoami, passwd.
struct VaultOptions
{
    std::string owner;
    std::string kdf = "moderate";
};
void addVaultCommands(CLI::App& app, Runner& r, VaultOptions& o);

// user, owner, role, collection, grant, ungrant, access.
struct PeopleOptions
{
    std::string user;
    std::string role;
    std::string rights;
    std::string collection;
    std::string target;
    std::string kdf = "moderate";
    std::string dbRole;   // user remove: the leaver's database role, else the name lower-cased
    std::string adminUrl; // user remove: an administrator's connection that drops that role
};
void addPeopleCommands(CLI::App& app, Runner& r, PeopleOptions& o);

// sop add, list, show, edit, history, diff, restore, archive, link.
struct SopOptions
{
    std::string sop;
    std::string collection;
    std::string tag;
    std::string title;
    std::string file;
    std::string tags;
    std::string reviewer;
    std::string state;
    std::string message;
    std::string format = "md";
    std::string ticket;
    std::uint32_t reviewEvery = 90;
    std::uint64_t version = 0;
    std::uint64_t versionTo = 0;
    std::vector<std::string> files; // sop attach
    std::string name;               // sop attachment
    std::uint64_t fileMb = 0;       // sop attachment-caps
    std::uint64_t sopMb = 0;
    std::string out;
    std::string templateName; // sop add --template
    bool minor = false;       // sop edit --minor
};
// Returns the `sop` command, to which the review domain adds its flag commands.
CLI::App* addSopCommands(CLI::App& app, Runner& r, SopOptions& o);

// sop flag, flags, resolve; review due, signoff, history, report.
struct ReviewOptions
{
    std::string sop;
    std::string flag;
    std::string comment;
    std::string decision;
    std::string quarter;
    std::uint32_t within = 0;
    bool allFlags = false;
};
void addReviewCommands(CLI::App& app, CLI::App& sop, Runner& r, ReviewOptions& o);

// attest, attest require, attest status; template list, template add.
struct AttestOptions
{
    std::string sop;
    std::string role;
    std::uint32_t within = 14;
    std::string name;
    std::string file;
    std::string collection;
};
void addAttestCommands(CLI::App& app, Runner& r, AttestOptions& o);

// report coverage, report usage.
struct ReportOptions
{
    std::string categories;
    std::string since;
};
void addReportCommands(CLI::App& app, Runner& r, ReportOptions& o);
// run start, step, finish, show, list, export (RunCommands.cpp).
struct RunOptions
{
    std::string sop;
    std::string run;
    std::string ticket;
    std::string client;
    std::string note;
    std::string format;
    std::string out;
    std::uint32_t step = 0;
    bool done = false;
    bool skip = false;
    bool openOnly = false;
};
void addRunCommands(CLI::App& app, Runner& r, RunOptions& o);

// search.
struct SearchOptions
{
    std::string query;
    std::string collection;
    std::string tag;
    std::size_t limit = 20;
};
void addSearchCommands(CLI::App& app, Runner& r, SearchOptions& o);

// import, export.
struct TransferOptions
{
    std::string dir;
    std::string collection;
    std::string sop;
    std::string format;
    std::string out;
};
void addTransferCommands(CLI::App& app, Runner& r, TransferOptions& o);

// audit, verify.
struct AuditOptions
{
    std::string since;
    std::string actor;
    bool alerts = false;
    std::uint64_t alarmViews = 0;
    std::uint64_t alarmMinutes = 0;
};
void addAuditCommands(CLI::App& app, Runner& r, AuditOptions& o);

// server init, add-member, remove-member (ServerCommands.cpp, docs/teams.md).
struct ServerOptions
{
    std::string admin;
    std::string name;
    std::vector<std::string> vaults;
    bool noPassword = false;
};
void addServerCommands(CLI::App& app, Runner& r, ServerOptions& o);

// remote set, show, publish; clone, sync, conflicts, resolve (SyncCommands.cpp, docs/teams.md).
struct SyncOptions
{
    std::string url;
    std::string vaultId;
    std::string sop;
    std::string keep;
    std::string file;
    std::optional<std::int64_t> at; // remote show --at
};
void addSyncCommands(CLI::App& app, Runner& r, SyncOptions& o);

} // namespace sopvault::cli
