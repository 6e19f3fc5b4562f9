// The vault: create a vault file, unlock it as a person, and act through a Session. Every
// call checks rights through the AccessPolicy and returns a Result; nothing here throws.
#pragma once

#include "sopvault/core/AccessPolicy.h"
#include "sopvault/core/Attachments.h"
#include "sopvault/core/Attestations.h"
#include "sopvault/core/Clock.h"
#include "sopvault/core/Reports.h"
#include "sopvault/core/Reviews.h"
#include "sopvault/core/Runs.h"
#include "sopvault/core/Sync.h"
#include "sopvault/core/Types.h"
#include "sopvault/crypto/Crypto.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sopvault::core {

struct OpenOptions
{
    // How long a write waits for another writer before giving up with `busy`.
    std::chrono::milliseconds busyTimeout{5000};
    // Where time comes from; nullptr means the system clock.
    const Clock* clock = nullptr;
    // Where this machine keeps what it has seen of each vault (rollback and fork detection),
    // e.g. $XDG_STATE_HOME/sopvault. Empty: no rollback detection.
    std::filesystem::path stateDir;
};

struct UserInfo
{
    Id id{};
    std::string name;
    bool owner = false;
    bool removed = false;
    std::string fingerprint; // of the user's signing key
};

struct CollectionInfo
{
    Id id{};
    std::string path; // "(hidden collection)" where the person holds no key
    Id parent{};
    bool readable = false;
    Rights rights; // the acting person's rights here
};

struct GrantInfo
{
    std::string user;
    std::string role;
    std::string collection;
    Rights rights;
};

struct SopSummary
{
    Id id{};
    std::string title;
    std::string collection;
    std::uint64_t version = 0;
    Timestamp created = 0;
    Timestamp updated = 0;
    std::string author; // of the newest version
    SopState state = SopState::Draft;
    std::vector<std::string> tags;
    std::string summary;
    std::uint32_t reviewEveryDays = 90;
    std::string reviewer;
    // The next review's due date: the newest approval (or creation) plus the interval, the
    // same date the review commands use.
    Timestamp reviewDue = 0;
    bool damaged = false; // a version failed verification; `verify` says which
    // A review or flag record of this SOP (or the review log itself) failed verification: its
    // review status and flags are unknown.
    bool reviewDamaged = false;
    // Flags on it that are still open (unknown, and 0, when reviewDamaged).
    std::size_t openFlags = 0;
};

// A file to attach: the name as the Markdown references it (normalised by
// normaliseAttachmentName) and its bytes.
struct AttachmentFile
{
    std::string name;
    crypto::Bytes bytes;
};

// What a version says about one of its attachments (from its signed, encrypted content).
struct AttachmentInfo
{
    std::string name;
    std::string type; // detected from the bytes (sniffType)
    std::uint64_t size = 0;
    std::string hash; // hex of the BLAKE2b-256 of the plaintext
    bool inlineImage = false;
};

// An attachment opened for showing: its bytes stay in locked memory.
struct AttachmentData
{
    AttachmentInfo info;
    crypto::SecureBuffer bytes;
};

struct SopVersionView
{
    Id id{};
    Id collectionId{};
    std::string collection;
    std::uint64_t version = 0;
    std::uint64_t headVersion = 0;
    std::string title;
    std::string body;
    std::vector<std::string> tags;
    SopState state = SopState::Draft;
    std::uint32_t reviewEveryDays = 90;
    std::string reviewer;
    std::string author;
    Timestamp time = 0;
    std::string message;
    std::string hash; // hex of the version's entry hash
    std::vector<AttachmentInfo> attachments;
    std::string summary;
    std::string sourcePath;
    std::vector<std::pair<std::string, std::string>> metadata;
    // Flags on the SOP that are still open, shown to everyone who may view it.
    std::size_t openFlags = 0;
};

struct HistoryEntry
{
    std::uint64_t version = 0;
    std::string author;
    Timestamp time = 0;
    std::string message;
    std::string hash;
    SopState state = SopState::Draft;
};

struct NewSop
{
    std::string collection; // path
    std::string title;
    std::string body;
    std::vector<std::string> tags;
    SopState state = SopState::Published;
    std::uint32_t reviewEveryDays = 90;
    std::string reviewer; // user name, "@role" or empty
    std::string message;
    std::vector<AttachmentFile> attachments;
    std::string summary;
    std::string sourcePath; // the file an import made it from, relative to the imported folder
    std::vector<std::pair<std::string, std::string>> metadata;
};

struct SopEdit
{
    std::optional<std::string> title;
    std::optional<std::string> body;
    std::optional<std::vector<std::string>> tags;
    std::optional<SopState> state;
    std::optional<std::uint32_t> reviewEveryDays;
    std::optional<std::string> reviewer;
    std::string message;
    // The version the edit was based on; if the SOP has moved on, the edit is a `busy` conflict.
    std::optional<std::uint64_t> baseVersion;
    // An edit keeps the parent version's attachments unless removed; the same name replaces.
    std::vector<AttachmentFile> addAttachments;
    std::vector<std::string> removeAttachments;
    std::optional<std::string> summary;
    std::optional<std::string> sourcePath;
    std::optional<std::vector<std::pair<std::string, std::string>>> metadata;
    // A minor change: attestations of the version before carry over to this one (a signed
    // record says so). Otherwise material: everyone required re-attests.
    bool minor = false;
};

struct SopFilter
{
    std::optional<std::string> collection; // path; includes sub-collections
    std::optional<std::string> tag;
    bool includeArchived = true;
};

struct SearchQuery
{
    std::string text;
    std::optional<std::string> collection; // path; includes sub-collections
    std::optional<std::string> tag;
    std::size_t limit = 50;
};

struct SearchHit
{
    Id id{};
    std::string title;
    std::string collection;
    std::string snippet; // plain text, no markers
    // Where the query matched in `snippet`: (start, length) in bytes of its UTF-8.
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    double score = 0; // higher is better within a pass; title matches come first
    SopState state = SopState::Draft;
    std::vector<std::string> tags;
};

struct ImportSkip
{
    std::string path; // relative to the imported folder
    std::string reason;
};

// What became of one file of an imported folder.
enum class ImportOutcome
{
    Added,      // a new SOP
    Updated,    // a new version of the SOP it came from before (same id)
    Unchanged,  // that SOP already says exactly this
    Attachment, // a file a SOP references, attached to it (`id`, `title` are that SOP's)
    Skipped     // not imported; `reason` says why
};
[[nodiscard]] std::string_view importOutcomeName(ImportOutcome outcome);

struct ImportedFile
{
    std::string path; // relative to the imported folder, forward slashes
    Id id{};          // zero when skipped
    std::string title;
    ImportOutcome outcome = ImportOutcome::Skipped;
    std::string reason; // for a skip
};

struct ImportReport
{
    std::size_t imported = 0;  // new SOPs
    std::size_t updated = 0;   // existing SOPs given a new version
    std::size_t unchanged = 0; // already in the vault exactly so
    std::vector<std::string> collectionsCreated;
    // Skips as a person reads them: one line per file, and the files no SOP references once
    // per folder and kind.
    std::vector<ImportSkip> skipped;
    std::vector<ImportedFile> files; // every file of the folder, sorted by path
    // The front-matter keys kept in the SOPs' metadata, and in how many files each.
    std::map<std::string, std::size_t> metadataKept;
};

struct ImportProgress
{
    std::size_t done = 0;
    std::size_t total = 0;
    std::string current;
};

// What a Markdown file says about itself. Its front matter (YAML between "---" lines, or TOML
// between "+++" lines) gives the title, tags (an inline list, a block list or a comma string),
// collection, review_every_days and the summary (`summary:`, else `description:`); every other
// key is kept in `metadata` as written (a list joined with ", "). The title is the front
// matter's, else the first level-1 heading outside code, else `siteTitle` (what a site file
// such as mkdocs.yml calls the page), else the file name made readable. An export watermark
// line is dropped from the body.
struct SopFile
{
    std::string title;
    std::string body;
    std::vector<std::string> tags;
    std::string collection;
    std::uint32_t reviewEveryDays = 90;
    std::string summary;
    std::vector<std::pair<std::string, std::string>> metadata; // in the order written
};
[[nodiscard]] SopFile parseSopFile(std::string text, std::string_view fileName,
                                   std::string_view siteTitle = {});

enum class ExportFormat
{
    Markdown,
    Html
};
[[nodiscard]] Result<ExportFormat> parseExportFormat(std::string_view name);

// One SOP, ready to leave the vault: the export right was checked and the export recorded.
struct ExportedSop
{
    Id id{};
    std::string title;
    std::string collection;
    std::uint64_t version = 0;
    std::vector<std::string> tags;
    std::string markdown;  // the body as stored
    std::string html;      // the body rendered safely
    std::string watermark; // "Exported from SOP Vault by … on … · vault … · version …"
    std::vector<AttachmentInfo> attachments; // of that version; opened when written
};

// A SOP at the other end of a link: its title only when the person may view it.
struct LinkedSop
{
    Id id{};
    std::string title;
    bool viewable = false;
};

// The links of a SOP's newest version (`to`, in the order they appear) and the SOPs whose
// newest version links to it (`from`, only those the person may view, by title).
struct SopLinks
{
    std::vector<LinkedSop> to;
    std::vector<LinkedSop> from;
};

struct ExportReport
{
    std::vector<std::filesystem::path> files;
    std::size_t sops = 0;
};

struct AuditEntry
{
    std::uint64_t seq = 0;
    Timestamp time = 0;
    std::string actor;
    std::string action;
    std::string target; // id hex, or empty
    std::string detail; // decrypted for owners; "(encrypted)" otherwise
};

struct AuditFilter
{
    std::optional<Timestamp> since;
    std::optional<std::string> actor;
};

// One burst of reading: a person read more distinct SOPs than the alarm allows within its
// window (views, diffs and exports of SOP text, from the audit log).
struct ViewAlert
{
    std::string actor;
    Timestamp from = 0;   // the first read of the burst
    Timestamp to = 0;     // the last
    std::size_t sops = 0; // distinct SOPs read between them
    std::size_t reads = 0;
};

struct AlarmSettings
{
    std::uint64_t views = 30;   // more distinct SOPs than this ...
    std::uint64_t minutes = 10; // ... within this many minutes raises an alert
};

struct VerifyProblem
{
    std::string record;
    std::string problem;
};

struct VerifyReport
{
    bool ok = true;
    std::size_t adminRecords = 0;
    std::size_t auditRecords = 0;
    std::size_t sopVersions = 0;
    std::size_t reviewRecords = 0; // sign-offs, flags and resolutions
    std::size_t ciphertexts = 0;   // decrypted and checked with the acting person's keys
    std::size_t unreadable = 0;  // versions this person holds no key for (signatures still checked)
    std::size_t attachments = 0; // attachment blobs opened and checked against their versions
    std::vector<VerifyProblem> problems;
};

struct CreatedVault
{
    std::string vaultId;
    std::string ownerFingerprint;
    // Shown once, for writing down: 32 characters in groups of four. It can set a new password
    // for an owner (`recover`).
    crypto::SecureBuffer recoveryCode;
};

// What the menus may offer this person: each answer comes from the same rules the actions
// themselves enforce.
struct Abilities
{
    bool createSops = false;    // edit on some collection
    bool administer = false;    // an owner, or manage on some collection
    bool importFolders = false; // an owner, or edit on some collection (see mayImportInto)
};

class Session;

// Creates a new vault file with its genesis record and first owner.
[[nodiscard]] Result<CreatedVault> createVault(const std::filesystem::path& path,
                                               std::string_view ownerName,
                                               const crypto::SecureBuffer& password,
                                               crypto::KdfProfile profile,
                                               const OpenOptions& options = {});

// Opens the file, replays and checks its records, and unlocks it as `user`. An unknown user
// and a wrong password are the same `auth` error, after the same key-derivation work.
[[nodiscard]] Result<std::unique_ptr<Session>> unlock(const std::filesystem::path& path,
                                                      std::string_view user,
                                                      const crypto::SecureBuffer& password,
                                                      const OpenOptions& options = {});

// Sets a new password for an owner with the recovery code; the old password stops working and
// the recovery is signed into the audit log in the owner's name.
[[nodiscard]] Result<void> recoverOwner(const std::filesystem::path& path, std::string_view owner,
                                        const crypto::SecureBuffer& recoveryCode,
                                        const crypto::SecureBuffer& newPassword,
                                        crypto::KdfProfile profile,
                                        const OpenOptions& options = {});

namespace detail {
struct Engine;
}

// An unlocked vault. Not for two threads at once: the desktop app runs slow calls on a worker
// while its windows are blocked, and never locks a session a worker holds.
class Session
{
public:
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    [[nodiscard]] const std::string& userName() const;
    [[nodiscard]] Id userId() const;
    [[nodiscard]] bool isOwner() const;
    [[nodiscard]] std::string vaultId() const;
    [[nodiscard]] std::string ownerFingerprint() const; // of the genesis owner
    // True when this machine had never opened this vault as this person: show the owner key
    // fingerprint so they can check it with the owner.
    [[nodiscard]] bool firstOpen() const;
    // True while this person still unlocks with the password an owner chose for them (`user
    // add`): both front ends ask them to choose their own (`changePassword`) before anything else.
    [[nodiscard]] bool passwordSetByOwner() const;
    [[nodiscard]] const AccessPolicy& policy() const;
    // Problems found when the vault was unlocked; writes are refused while the administration
    // log has any.
    [[nodiscard]] const std::vector<VerifyProblem>& problems() const;

    // --- people, roles, collections, grants ---
    [[nodiscard]] Result<void> addUser(std::string_view name, const crypto::SecureBuffer& password,
                                       crypto::KdfProfile profile);
    [[nodiscard]] Result<void> addOwner(std::string_view name);
    // Removes a person and rotates the key of every collection they could view; `progress`
    // is called with (collections done, total).
    [[nodiscard]] Result<void>
    removeUser(std::string_view name,
               const std::function<void(std::size_t, std::size_t)>& progress = {});
    [[nodiscard]] Result<void> changePassword(const crypto::SecureBuffer& newPassword,
                                              crypto::KdfProfile profile);
    [[nodiscard]] Result<void> defineRole(std::string_view name, Rights rights);
    [[nodiscard]] Result<void> removeRole(std::string_view name);
    [[nodiscard]] Result<Id> addCollection(std::string_view path);
    [[nodiscard]] Result<void> grant(std::string_view user, std::string_view role,
                                     std::string_view collection);
    [[nodiscard]] Result<void> ungrant(std::string_view user, std::string_view role,
                                       std::string_view collection);

    [[nodiscard]] std::vector<UserInfo> users() const;
    [[nodiscard]] std::vector<RoleDefinition> roles() const;
    [[nodiscard]] std::vector<CollectionInfo> collections() const;
    [[nodiscard]] std::vector<GrantInfo> grantsOf(std::string_view user) const;
    // Who may do what on a collection path or a SOP (id or exact title).
    [[nodiscard]] Result<std::vector<GrantInfo>> access(std::string_view target) const;
    [[nodiscard]] Result<Id> collectionId(std::string_view path) const;
    // Adds `path` and every missing collection above it, parents first ("Internal/People" needs
    // "Internal"); returns the id of `path`, which may exist already. The paths it added are
    // appended to `created` when given.
    [[nodiscard]] Result<Id> ensureCollectionPath(std::string_view path,
                                                  std::vector<std::string>* created = nullptr);

    // --- questions the front ends ask before offering an action ---
    [[nodiscard]] bool may(Right right, const Id& collection) const;
    [[nodiscard]] Abilities abilities() const;
    // Restoring an old version writes a new one: edit on the SOP's collection.
    [[nodiscard]] bool mayRestore(const Id& sop) const;
    // Whether importFolder into `collection` could succeed as far as rights go: edit on it when
    // it exists, else the right to create it and add SOPs there (an owner, or manage and edit
    // on its nearest existing ancestor, whose grants the new collections inherit).
    [[nodiscard]] bool mayImportInto(std::string_view collection) const;

    // --- SOPs ---
    [[nodiscard]] Result<Id> addSop(const NewSop& sop);
    // Returns the new version number.
    [[nodiscard]] Result<std::uint64_t> editSop(const Id& sop, const SopEdit& edit);
    // Reads a version (the newest if none is given) and records the view in the audit log.
    [[nodiscard]] Result<SopVersionView>
    readSop(const Id& sop, std::optional<std::uint64_t> version = {}, std::string_view ticket = {});
    [[nodiscard]] Result<std::vector<SopSummary>> listSops(const SopFilter& filter = {}) const;
    // One SOP's line of the list, without listing the rest (and without an audit entry).
    [[nodiscard]] Result<SopSummary> summary(const Id& sop) const;
    [[nodiscard]] Result<std::vector<HistoryEntry>> history(const Id& sop) const;
    // Unified diff (dtl) of the bodies of two versions, with title changes noted first; it shows
    // SOP text, so it is recorded in the audit log ("diff").
    [[nodiscard]] Result<std::string> diff(const Id& sop, std::uint64_t from, std::uint64_t to);
    [[nodiscard]] Result<std::uint64_t> restore(const Id& sop, std::uint64_t version);
    [[nodiscard]] Result<std::uint64_t> archive(const Id& sop);
    // An id (32 hex digits) or an exact title among the SOPs this person may view; when no
    // title is exactly that, the one SOP whose title or first heading is the same once
    // normalised (normaliseTitle: "KubePodCrashLooping" finds "Kube Pod Crash Looping"). Several
    // exact matches are `usage` (name one by id); several near ones `not-found`, naming them.
    [[nodiscard]] Result<Id> resolveSop(std::string_view reference) const;
    // --- attachments (Attachments.h; security.md) ---
    // A new version with these files added (same name: replaced); returns its number. Edit
    // right; caps "attachment.max_file_mb" and "attachment.max_sop_mb" (`usage` over one).
    [[nodiscard]] Result<std::uint64_t> attach(const Id& sop, std::vector<AttachmentFile> files,
                                               std::string_view message);
    // The attachments of a version (the newest if none is given). View right.
    [[nodiscard]] Result<std::vector<AttachmentInfo>>
    attachments(const Id& sop, std::optional<std::uint64_t> version) const;
    // One attachment's bytes, checked against the version's content, for showing inline in the
    // reader (view right; the view of the SOP is the audited act).
    [[nodiscard]] Result<AttachmentData> openAttachment(const Id& sop, std::uint64_t version,
                                                        std::string_view name) const;
    // Writes one attachment to `out` (atomically; it must not exist). Export right; audited.
    [[nodiscard]] Result<void> saveAttachment(const Id& sop, std::string_view name,
                                              const std::filesystem::path& out,
                                              std::optional<std::uint64_t> version);
    // The caps in MB: per file, and per SOP version (its attachments together).
    [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> attachmentCaps() const;
    // Owners: an owner-signed change of the caps (1 to 4096 MB each).
    [[nodiscard]] Result<void> setAttachmentCaps(std::uint64_t fileMb, std::uint64_t sopMb);
    // Whether this person may export the SOP (export itself arrives with the export feature);
    // a denied attempt is recorded in the audit log.
    [[nodiscard]] Result<void> checkExport(const Id& sop);

    // --- search ---
    // Builds the in-memory index of every SOP this person may view; search() builds it on
    // first use, so calling this is only for doing it early (e.g. in the background).
    [[nodiscard]] Result<void>
    buildSearchIndex(const std::function<void(std::size_t, std::size_t)>& progress = {});
    [[nodiscard]] Result<std::vector<SearchHit>> search(const SearchQuery& query);

    // --- import and export ---
    // Imports a folder of .md, .markdown and .txt files into `collection` (subfolders become
    // collections below it) as one transaction and one audit entry: interrupted or failed,
    // nothing is imported. `progress` may return false to cancel. Importing the same folder
    // again adds nothing new.
    [[nodiscard]] Result<ImportReport>
    importFolder(const std::filesystem::path& dir, std::string_view collection,
                 const std::function<bool(const ImportProgress&)>& progress = {});
    // The watermark line an export of the SOP's version would carry now (a preview; it is not
    // audited, since it holds no SOP text). Version 0: the newest; a run's evidence carries the
    // run's version.
    [[nodiscard]] Result<std::string> watermarkLine(const Id& sop, std::uint64_t version = 0) const;
    // Checks the export right on each SOP's collection (a denial is audited and nothing is
    // returned), then records one export audit entry listing what left.
    [[nodiscard]] Result<std::vector<ExportedSop>> prepareExport(const std::vector<Id>& sops,
                                                                 std::string_view format);
    // Writes one SOP to `out` (a file that must not exist yet).
    [[nodiscard]] Result<ExportReport> exportSop(const Id& sop, ExportFormat format,
                                                 const std::filesystem::path& out);
    // Writes every SOP of a collection and its sub-collections as a folder tree under `outDir`
    // (which must not exist or be empty).
    [[nodiscard]] Result<ExportReport> exportCollection(std::string_view collection,
                                                        ExportFormat format,
                                                        const std::filesystem::path& outDir);
    // The SOPs of a collection and everything below it that this person may view.
    [[nodiscard]] Result<std::vector<Id>> sopsIn(std::string_view collection) const;

    // --- links between SOPs (Links.h) ---
    // Links to and from a SOP the person may view; nothing is shown of SOP text, so it is not
    // an audited read.
    [[nodiscard]] Result<SopLinks> links(const Id& sop) const;

    // --- reviews and flags ---
    // SOPs this person may review whose status as of `asOf` is due-soon, due or overdue (or,
    // with `withinDays`, whose due date is at most that many days away).
    [[nodiscard]] Result<std::vector<ReviewItem>>
    reviewsDue(Timestamp asOf, std::optional<std::uint32_t> withinDays = {}) const;
    // Signs off the newest version (or `version`); `denied` without `review` on the collection.
    [[nodiscard]] Result<void> signOff(const Id& sop, ReviewDecision decision,
                                       std::string_view comment,
                                       std::optional<std::uint64_t> version = {});
    [[nodiscard]] Result<std::vector<ReviewRecord>> reviewHistory(const Id& sop) const;
    // The diff from the last approved version to the newest, or empty if nothing changed or
    // nothing was ever approved; a diff shown is audited ("changes-since-review").
    [[nodiscard]] Result<std::string> changesSinceReview(const Id& sop);
    [[nodiscard]] Result<std::vector<QuarterRow>> quarterReport(std::string_view quarter,
                                                                Timestamp asOf) const;
    [[nodiscard]] Result<Id> flag(const Id& sop, std::string_view comment);
    [[nodiscard]] Result<void> resolveFlag(const Id& flag, std::string_view note);
    [[nodiscard]] Result<std::vector<FlagInfo>> flags(bool openOnly) const;
    [[nodiscard]] Result<void> setDueSoonDays(std::uint32_t days);
    [[nodiscard]] std::uint64_t dueSoonDays() const;
    [[nodiscard]] Timestamp now() const;

    // --- attestations and templates (Attestations.h) ---
    // Editors: people holding `role` on the SOP's collection must read its current version
    // within `withinDays` (1 to 255) of it, or of this requirement if later. A later
    // requirement for the same role replaces this one.
    [[nodiscard]] Result<void> requireAttestation(const Id& sop, std::string_view role,
                                                  std::uint32_t withinDays);
    // "I have read version N": signed by this person, for the current version (view right).
    // Returns N.
    [[nodiscard]] Result<std::uint64_t> attest(const Id& sop);
    // Who must read the current version of each SOP (or of `sop`) and by when; `overdue` as of
    // `asOf`. Editors see everyone; others only themselves.
    [[nodiscard]] Result<std::vector<AttestationStatus>> attestationStatus(std::optional<Id> sop,
                                                                           Timestamp asOf) const;
    // This person's own attestations still to make (the reminders beside the reviews).
    [[nodiscard]] Result<std::vector<AttestationStatus>> myAttestationsDue(Timestamp asOf) const;
    // The shipped templates and the vault's own (which replace a shipped one of their name),
    // by name.
    [[nodiscard]] std::vector<TemplateInfo> templates() const;
    // One template's text; `not-found` naming the known ones.
    [[nodiscard]] Result<std::string> templateText(std::string_view name) const;
    // Owners: adds a template (or replaces the vault's own of that name), a signed record. Its
    // text is encrypted under `collection`'s key: only the collection's viewers see it. An empty
    // `collection` means the vault's only one (`usage` naming them when there are several).
    // Returns the collection's path.
    [[nodiscard]] Result<std::string>
    addTemplate(std::string_view name, std::string_view collection, std::string_view text);

    // --- coverage and usage (Reports.h) ---
    // The ticket categories of a PSA export (parseTicketCategories) against the SOPs this
    // person may view that are tagged for them, most tickets first; review status as of `asOf`.
    [[nodiscard]] Result<std::vector<CoverageRow>> coverage(std::string_view csv,
                                                            Timestamp asOf) const;
    // Owners: views and runs per SOP from the audit log (since `since`), most used first.
    [[nodiscard]] Result<std::vector<UsageRow>> usage(std::optional<Timestamp> since,
                                                      Timestamp asOf) const;
    // --- runs of a SOP's checklist (Runs.h) ---
    // Starts a run of the SOP's newest version (view right) for an optional ticket and client;
    // audited with the ticket. Returns the run's id.
    [[nodiscard]] Result<Id> startRun(const Id& sop, std::string_view ticket,
                                      std::string_view client);
    // Step `n` (1-based) done or skipped, with an optional note. Only the run's starter and the
    // owners may; each step once; not on a finished run.
    [[nodiscard]] Result<void> runStep(const Id& run, std::uint32_t n, StepState state,
                                       std::string_view note);
    // Finishes the run: a signed record naming every step recorded. Audited with the ticket.
    [[nodiscard]] Result<void> finishRun(const Id& run);
    // A run with its steps (view right on the SOP); it shows step titles, so it is audited.
    [[nodiscard]] Result<RunInfo> run(const Id& run);
    [[nodiscard]] Result<std::vector<RunSummary>> runs(const RunFilter& filter = {}) const;
    // The ticket note of a run for a clipboard (EvidenceFormat::Text; view right; audited).
    [[nodiscard]] Result<std::string> runEvidenceText(const Id& run);
    // Writes the run's evidence to `out` (a new file), watermarked. Export right; audited.
    [[nodiscard]] Result<void> exportRun(const Id& run, ExportFormat format,
                                         const std::filesystem::path& out);

    // --- audit and verification ---
    [[nodiscard]] Result<std::vector<AuditEntry>> audit(const AuditFilter& filter = {}) const;
    [[nodiscard]] Result<VerifyReport> verify() const;
    // Owners: every burst in which someone read more distinct SOPs than the alarm allows
    // (security.md: the cryptography cannot stop a reader from copying; owners must see it).
    [[nodiscard]] Result<std::vector<ViewAlert>> viewAlerts(const AuditFilter& filter = {}) const;
    [[nodiscard]] AlarmSettings alarmSettings() const;
    // Owners: an owner-signed change of the alarm's threshold and window.
    [[nodiscard]] Result<void> setAlarm(const AlarmSettings& settings);

    // --- team sync (Sync.h; docs/teams.md) ---
    // Where this replica stands: the remote, the last sync, what waits in the outbox.
    [[nodiscard]] Result<RemoteInfo> remote() const;
    // The fingerprint of the server log as this replica verified it at `position` (an earlier
    // point than its newest: every command adds an audit entry, so two people compare at one
    // position). `not-found` beyond what this replica has verified.
    [[nodiscard]] Result<std::string> fingerprintAt(std::int64_t position) const;
    // Points this replica at a server: a libpq URL with no password in it (`usage` otherwise).
    [[nodiscard]] Result<void> setRemote(std::string_view url);
    // True when the server has nothing this replica lacks and the outbox is empty (one cheap
    // question, asked before every command).
    [[nodiscard]] Result<bool> upToDate(RecordServer& server);
    // Pulls and verifies what the server has (fork and rollback checks included), rebases and
    // pushes the outbox. `integrity` if the server's history cannot be trusted, `failed`
    // (offline) if it cannot be reached; conflicts are reported, not errors.
    [[nodiscard]] Result<SyncReport> sync(RecordServer& server);
    // Owners: uploads this whole vault to its (empty) vault on the server and keeps `url` as the
    // remote.
    [[nodiscard]] Result<SyncReport> publish(RecordServer& server, std::string_view url);
    [[nodiscard]] Result<std::vector<SyncConflict>> conflicts() const;
    // My side of a conflict, decrypted (audited as a view, like any read of SOP text).
    [[nodiscard]] Result<SopVersionView> conflictingEdit(const Id& sop);
    // Settles a conflict; returns the SOP's newest version after it. `mergedBody` only with
    // Keep::Merged.
    [[nodiscard]] Result<std::uint64_t> resolve(const Id& sop, Keep keep,
                                                std::optional<std::string> mergedBody = {});

private:
    [[nodiscard]] Result<Id> resolveByOtherSpelling(std::string_view reference) const;
    // addSop under an id chosen beforehand: an import names its SOPs before writing them, so
    // links between the imported files can point at SOPs written later in the same import.
    [[nodiscard]] Result<Id> addSopAs(const NewSop& sop, const Id& id);
    // A diff recorded in the audit log as `action` (a diff, or the changes since review).
    [[nodiscard]] Result<std::string> diffAudited(const Id& sop, std::uint64_t from,
                                                  std::uint64_t to, std::string_view action);
    // The SOP a run belongs to (view right), and its start.
    [[nodiscard]] Result<RunInfo> loadRun(const Id& run) const;
    friend Result<std::unique_ptr<Session>> unlock(const std::filesystem::path&, std::string_view,
                                                   const crypto::SecureBuffer&, const OpenOptions&);
    explicit Session(std::unique_ptr<detail::Engine> engine);
    std::unique_ptr<detail::Engine> m_engine;
    AccessPolicy m_policy;
};

} // namespace sopvault::core
