// One presenter per domain type: each turns a value from core into both its JSON document and
// its text for a person, so every command shows what it got in one call. The JSON keys are the
// contract of docs/cli.md; the text escapes whatever a person typed (HumanText).
#pragma once

#include "Output.h"
#include "sopvault/core/Vault.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sopvault::cli {

// --- the vault and people (PeoplePresenters.cpp) ---
[[nodiscard]] Output presentCreatedVault(const core::CreatedVault& created, std::string_view owner,
                                         const std::filesystem::path& path);
// whoami: a person, whether they are an owner, and their grants.
[[nodiscard]] Output presentIdentity(std::string_view user, bool owner,
                                     const std::vector<core::GrantInfo>& grants);
[[nodiscard]] Output presentUsers(const std::vector<core::UserInfo>& users);
[[nodiscard]] Output presentRoles(const std::vector<core::RoleDefinition>& roles);
[[nodiscard]] Output presentRole(std::string_view name, core::Rights rights);
[[nodiscard]] Output presentCollections(const std::vector<core::CollectionInfo>& collections);
// access: who holds which role where.
[[nodiscard]] Output presentAccess(const std::vector<core::GrantInfo>& grants);

// --- SOPs (SopPresenters.cpp) ---
[[nodiscard]] Output presentSopList(const std::vector<core::SopSummary>& sops);
// A version as read, with its body as shown (Markdown or the rendered HTML) and its link.
[[nodiscard]] Output presentSop(const core::SopVersionView& view, const std::string& body,
                                const std::string& link);
[[nodiscard]] Output presentHistory(const std::vector<core::HistoryEntry>& history);
[[nodiscard]] Output presentDiff(const core::Id& sop, std::uint64_t from, std::uint64_t to,
                                 const std::string& diff);
// sop links: the SOPs this one links to and those linking here.
[[nodiscard]] Output presentSopLinks(const core::SopLinks& links, const std::string& vault);
// sop attachments: `[{"name","type","size","hash"}]`.
[[nodiscard]] Output presentAttachments(const std::vector<core::AttachmentInfo>& items);
// Each match in a snippet: bold on a terminal (`bold`), else between « and », which no
// Markdown reader takes for markup; in JSON the snippet is plain and `matches` says where.
[[nodiscard]] Output presentSearchHits(const std::vector<core::SearchHit>& hits,
                                       std::string_view query, bool bold);

// --- reviews and flags (ReviewPresenters.cpp) ---
[[nodiscard]] Output presentFlags(const std::vector<core::FlagInfo>& flags);
[[nodiscard]] Output presentReviewsDue(const std::vector<core::ReviewItem>& items,
                                       core::Timestamp asOf);
[[nodiscard]] Output presentReviewHistory(const std::vector<core::ReviewRecord>& records);
[[nodiscard]] Output presentQuarterReport(const std::vector<core::QuarterRow>& rows,
                                          std::string_view quarter);

// --- attestations and templates (AttestPresenters.cpp) ---
// attest status: `[{"sop","title","version","user","due","attested"}]`.
[[nodiscard]] Output presentAttestations(const std::vector<core::AttestationStatus>& rows);
// template list: `[{"name","source"}]`.
[[nodiscard]] Output presentTemplates(const std::vector<core::TemplateInfo>& templates);

// report coverage: `[{"category","tickets","covered","sops":[{"id","title","state",
// "review_status","reviewed"}]}]`.
[[nodiscard]] Output presentCoverage(const std::vector<core::CoverageRow>& rows);
// report usage: `[{"id","title","views","runs","review_status","open_flags","stale_but_used"}]`.
[[nodiscard]] Output presentUsage(const std::vector<core::UsageRow>& rows);

// --- runs (RunPresenters.cpp) ---
// run start: `{"id"}`; run show: docs/cli.md's run document; run list.
[[nodiscard]] Output presentRunStarted(const core::Id& id);
[[nodiscard]] Output presentRun(const core::RunInfo& run);
[[nodiscard]] Output presentRuns(const std::vector<core::RunSummary>& runs);

// --- transfer, audit and verification (RecordPresenters.cpp) ---
[[nodiscard]] Output presentImport(const core::ImportReport& report);
[[nodiscard]] Output presentExport(const core::ExportReport& report, std::string_view out);
[[nodiscard]] Output presentAudit(const std::vector<core::AuditEntry>& entries);
[[nodiscard]] Output presentAlerts(const std::vector<core::ViewAlert>& alerts,
                                   const core::AlarmSettings& alarm);
[[nodiscard]] Output presentVerify(const core::VerifyReport& report);

// --- team sync (SyncPresenters.cpp) ---
// remote show: `url` as it may be shown (no secrets); `vaultId` this vault's.
[[nodiscard]] Output presentRemote(const core::RemoteInfo& info, std::string_view url,
                                   std::string_view vaultId);
// sync and remote publish: what moved, where this replica stands now, what is left.
[[nodiscard]] Output presentSync(const core::SyncReport& report, const core::RemoteInfo& after);
[[nodiscard]] Output presentConflicts(const std::vector<core::SyncConflict>& conflicts);
[[nodiscard]] Output presentClone(const core::ClonedVault& cloned,
                                  const std::filesystem::path& path,
                                  std::string_view ownerFingerprint);

} // namespace sopvault::cli
