// The desktop app's one adapter to core: holds the unlocked Session, converts strings and
// times for Qt, runs slow work (Argon2id, import, re-keying) off the GUI thread with progress,
// and turns core errors into messages. Widgets reach core only through it: they hold no SQL, no
// sodium and no rights decisions.
#pragma once

#include "sopvault/core/Vault.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

class QLineEdit;

#include <atomic>
#include <chrono>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace sopvault::desktop {

// What core said went wrong, ready for a message box or a label.
struct Failure
{
    ErrorCode code = ErrorCode::Failed;
    QString message;
};

// A core result with its error turned into a Failure.
template <typename T>
using Outcome = std::expected<T, Failure>;

QString toQString(std::string_view text);
std::string toStd(const QString& text);
QString formatTime(core::Timestamp t);
QString formatDate(core::Timestamp t);

// Moves a password out of a text field into secure memory, as early as possible: the field is
// emptied (its undo list with it) and its own text buffer, once nothing else shares it, is
// overwritten before Qt frees it. Copies Qt made elsewhere stay out of reach (docs/security.md).
[[nodiscard]] Result<crypto::SecureBuffer> takePassword(QLineEdit& field);
// The same for a field whose text is not needed (the "repeat it" field).
void clearPassword(QLineEdit& field);
// Overwrites a QString's characters in place when no other QString shares its buffer (writing
// to a shared one would only detach a fresh copy), then empties it; true if it overwrote.
bool wipeText(QString& text);

// Where team sync stands, as the status bar shows it.
struct SyncState
{
    enum class Kind
    {
        NotShared, // no remote: the vault lives in this file only
        Synced,    // the server has nothing this replica lacks, and the outbox is empty
        Waiting,   // records written here wait to go up
        Offline,   // the server cannot be reached (since `since`); the replica works on
        Conflict,  // an edit made here met another one; a person decides
        Failed,    // the server's history cannot be trusted, or it refused us: `message`
    };
    Kind kind = Kind::NotShared;
    bool syncing = false;
    std::uint64_t pending = 0;
    std::size_t conflicts = 0;
    core::Timestamp since = 0;    // Offline: when the server was first missed
    core::Timestamp lastSync = 0; // 0: never
    QString server;               // the URL as it may be shown
    QString fingerprint;
    QString message;
};

// $SOPVAULT_DB_PASSWORD in secure memory, when set (libpq's own PGPASSFILE and service file
// work without it); never from the vault file, never on a command line.
[[nodiscard]] std::optional<crypto::SecureBuffer> databasePassword();

// Connects to the team's server at `url`; tests replace it to play an unreachable one.
using ServerConnector =
    std::function<core::ServerResult<std::unique_ptr<core::RecordServer>>(const std::string& url)>;
[[nodiscard]] ServerConnector postgresConnector();

class WakeUpThread;

namespace detail {
// Test hook: called with a text buffer after it was overwritten and before it is freed, so a
// test can check which buffer was wiped without reading freed memory. nullptr removes it.
using TextWipeObserver = void (*)(const QChar* data, qsizetype size);
void setTextWipeObserver(TextWipeObserver observer) noexcept;
} // namespace detail

class VaultController : public QObject
{
    Q_OBJECT

public:
    explicit VaultController(std::filesystem::path vaultFile, std::filesystem::path stateDir,
                             QObject* parent = nullptr);
    ~VaultController() override;

    [[nodiscard]] const std::filesystem::path& vaultFile() const { return m_vaultFile; }
    // Where time comes from for the next create or unlock (tests set a manual clock).
    void setClock(const core::Clock* clock) { m_clock = clock; }
    [[nodiscard]] bool vaultExists() const;
    [[nodiscard]] bool isUnlocked() const { return m_session != nullptr; }
    [[nodiscard]] bool busy() const { return m_busy; }
    // Only while unlocked. For tests that set up a vault directly; the screens use the
    // methods below, which keep every call to core in this one class.
    [[nodiscard]] core::Session& session() const { return *m_session; }

    // Slow: each runs Argon2id on a worker thread and reports with a signal. Every path that
    // derives a key from a password comes through here; widgets never call core for it.
    void createVault(const QString& owner, crypto::SecureBuffer password,
                     crypto::KdfProfile profile);
    void unlock(const QString& user, crypto::SecureBuffer password);
    void changePassword(crypto::SecureBuffer password, crypto::KdfProfile profile);
    void addUser(const QString& name, crypto::SecureBuffer password, crypto::KdfProfile profile);
    void removeUser(const QString& name);
    void importFolder(const QString& folder, const QString& collection);
    // Slow on a big vault: an ungrant rotates the keys the person no longer needs and re-seals
    // them for everyone else. Reports with ungranted or operationFailed.
    void ungrant(const QString& user, const QString& role, const QString& collection);
    void cancelImport() { m_cancelImport = true; }
    // Forgets the session and every key it held.
    void lock();

    // --- Team sync (docs/teams.md). The Session is not for two threads: sync runs on the worker
    // only while nothing else does (busy() is true for its part that uses the Session), and the
    // network's slow part (connecting, "anything new?") runs before that, without the Session.
    [[nodiscard]] const SyncState& syncState() const { return m_syncState; }
    // Checks the server now (F5, a wake-up, the poll); a sync already running runs once more
    // when it ends. "Not shared" without a remote, never an error.
    void syncNow();
    // A sync soon, after a quiet moment: writes come in bursts.
    void syncSoon();
    // How often to ask the server when no wake-up came (0 turns the poll off).
    void setSyncPoll(std::chrono::milliseconds interval);
    void setServerConnector(ServerConnector connector) { m_connector = std::move(connector); }
    [[nodiscard]] bool listening() const;
    [[nodiscard]] Outcome<core::RemoteInfo> remoteInfo() const;
    [[nodiscard]] Outcome<std::vector<core::SyncConflict>> conflicts() const;
    // My side of a conflict (audited as a view); theirs is readSop's newest version.
    [[nodiscard]] Outcome<core::SopVersionView> conflictingEdit(const core::Id& sop);
    [[nodiscard]] Outcome<std::uint64_t> resolveConflict(const core::Id& sop, core::Keep keep,
                                                         std::optional<QString> mergedBody = {});
    // Owners: the whole vault up to its (empty) vault on the server at `url`. Reports with
    // published or publishFailed.
    void publish(const QString& url);
    // A new replica of `vaultId` at `path` (which must not exist), then the normal unlock.
    // Needs no Session. Reports with cloned or cloneFailed; progress while records arrive.
    void cloneVault(const QString& url, const QString& vaultId, const std::filesystem::path& path);
    // Points this controller at another vault file (a clone): locks first, so the next unlock
    // opens it. False while slow work runs.
    bool switchVault(std::filesystem::path file);

    // The whole SOP with its watermark, for the clipboard: core checks the export right (a
    // refusal is audited) and records what left, whatever the widgets showed.
    [[nodiscard]] Outcome<QString> copyAllText(const core::Id& sop);

    // Loads the bundled sample library (resources/samples) into the unlocked vault.
    [[nodiscard]] std::optional<Failure> loadSamples();

    // Who is here and what they may do: only while unlocked.
    [[nodiscard]] QString userName() const;
    [[nodiscard]] QString vaultId() const;
    [[nodiscard]] bool isOwner() const;
    // Core's Session::passwordSetByOwner: unlocked with a password an owner chose.
    [[nodiscard]] bool passwordSetByOwner() const;
    // What a call that needs a session says after a lock took it.
    [[nodiscard]] static Failure lockedFailure();
    [[nodiscard]] bool firstOpen() const;
    [[nodiscard]] QString ownerFingerprint() const;
    [[nodiscard]] QString firstProblem() const; // empty when the vault unlocked clean
    [[nodiscard]] core::Timestamp now() const;
    [[nodiscard]] bool may(core::Right right, const core::Id& collection) const;
    [[nodiscard]] core::Abilities abilities() const;
    [[nodiscard]] bool mayRestore(const core::Id& sop) const;
    [[nodiscard]] bool mayImportInto(const QString& collection) const;
    // The collections this person holds a key for.
    [[nodiscard]] std::vector<core::CollectionInfo> readableCollections() const;
    // The link a ticket can carry to open this SOP.
    [[nodiscard]] QString link(const core::Id& sop) const;

    // Reading and writing SOPs.
    [[nodiscard]] Outcome<std::vector<core::SopSummary>>
    listSops(const QString& collection, bool includeArchived = true) const;
    [[nodiscard]] Outcome<std::vector<core::SearchHit>> search(const QString& text);
    [[nodiscard]] Outcome<core::SopSummary> summary(const core::Id& sop) const;
    [[nodiscard]] Outcome<core::SopVersionView>
    readSop(const core::Id& sop, std::optional<std::uint64_t> version, const QString& ticket);
    [[nodiscard]] Outcome<core::Id> addSop(const core::NewSop& sop);
    [[nodiscard]] Outcome<std::uint64_t> editSop(const core::Id& sop, const core::SopEdit& edit);
    [[nodiscard]] Outcome<core::Id> flag(const core::Id& sop, const QString& comment);
    [[nodiscard]] Outcome<std::vector<core::HistoryEntry>> history(const core::Id& sop) const;
    [[nodiscard]] Outcome<QString> diff(const core::Id& sop, std::uint64_t from, std::uint64_t to);
    [[nodiscard]] Outcome<std::uint64_t> restore(const core::Id& sop, std::uint64_t version);
    // Links to and from a SOP (not an audited read: no SOP text is shown).
    [[nodiscard]] Outcome<core::SopLinks> links(const core::Id& sop) const;

    // Templates new SOPs start from (the shipped ones and the vault's own), by name.
    [[nodiscard]] std::vector<core::TemplateInfo> templates() const;
    [[nodiscard]] Outcome<QString> templateText(const QString& name) const;
    // Read attestations: "I have read version N" (returns N), what this person still has to
    // read as of now, and who must read what (editors see everyone; others only themselves).
    [[nodiscard]] Outcome<std::uint64_t> attest(const core::Id& sop);
    [[nodiscard]] Outcome<std::vector<core::AttestationStatus>> myAttestationsDue() const;
    [[nodiscard]] Outcome<std::vector<core::AttestationStatus>> attestationStatus() const;

    // Runs of a SOP's checklist for a ticket: started on the newest version, each step done or
    // skipped once, finished with a signed record. `runs` lists this SOP's open ones.
    [[nodiscard]] Outcome<core::Id> startRun(const core::Id& sop, const QString& ticket,
                                             const QString& client);
    [[nodiscard]] Outcome<void> runStep(const core::Id& run, std::uint32_t n, core::StepState state,
                                        const QString& note);
    [[nodiscard]] Outcome<void> finishRun(const core::Id& run);
    [[nodiscard]] Outcome<core::RunInfo> run(const core::Id& run);
    [[nodiscard]] Outcome<std::vector<core::RunSummary>> openRuns(const core::Id& sop) const;
    // The ticket note of a run (step titles only: no export right needed).
    [[nodiscard]] Outcome<QString> runEvidenceText(const core::Id& run);
    // The run's evidence as a new Markdown or HTML file, watermarked (export right; audited).
    [[nodiscard]] Outcome<void> exportRun(const core::Id& run, core::ExportFormat format,
                                          const QString& path);

    // Attachments: opened for showing (view right; the SOP's view is the audited act), saved
    // out (export right; audited), and the owner-set caps in MB (per file, per SOP version).
    [[nodiscard]] Outcome<core::AttachmentData>
    openAttachment(const core::Id& sop, std::uint64_t version, const QString& name) const;
    [[nodiscard]] Outcome<void> saveAttachment(const core::Id& sop, std::uint64_t version,
                                               const QString& name, const QString& path);
    [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> attachmentCaps() const;

    // Reviews and flags.
    [[nodiscard]] Outcome<std::vector<core::ReviewItem>>
    reviewsDue(core::Timestamp asOf, std::optional<std::uint32_t> withinDays = {}) const;
    [[nodiscard]] Outcome<QString> changesSinceReview(const core::Id& sop);
    [[nodiscard]] Outcome<void> signOff(const core::Id& sop, core::ReviewDecision decision,
                                        const QString& comment);
    [[nodiscard]] Outcome<std::vector<core::FlagInfo>> openFlags() const;
    [[nodiscard]] Outcome<void> resolveFlag(const core::Id& flag, const QString& note);

    // Administration (the slow parts above run on the worker).
    [[nodiscard]] std::vector<core::UserInfo> users() const;
    [[nodiscard]] std::vector<core::RoleDefinition> roles() const;
    [[nodiscard]] std::vector<core::GrantInfo> allGrants() const;
    [[nodiscard]] Outcome<std::vector<core::GrantInfo>> access(const QString& target) const;
    [[nodiscard]] Outcome<void> addOwner(const QString& name);
    [[nodiscard]] Outcome<void> defineRole(const QString& name, const QStringList& rights);
    [[nodiscard]] Outcome<void> grant(const QString& user, const QString& role,
                                      const QString& collection);
    [[nodiscard]] Outcome<void> addCollection(const QString& path);

    // Exports: core checks the export right and audits what left.
    [[nodiscard]] Outcome<QString> watermarkLine(const core::Id& sop,
                                                 std::uint64_t version = 0) const;
    [[nodiscard]] Outcome<core::ExportedSop> prepareExport(const core::Id& sop,
                                                           std::string_view purpose);
    [[nodiscard]] Outcome<void> exportFile(const core::Id& sop, core::ExportFormat format,
                                           const QString& path);
    [[nodiscard]] Outcome<core::VerifyReport> verify() const;
    [[nodiscard]] Outcome<std::vector<core::ViewAlert>> viewAlerts() const;
    // Owners: views and runs per SOP since `since` (all time: none), review status as of now.
    [[nodiscard]] Outcome<std::vector<core::UsageRow>>
    usage(std::optional<core::Timestamp> since) const;
    // A PSA ticket export's categories against the SOPs tagged for them, as of now.
    [[nodiscard]] Outcome<std::vector<core::CoverageRow>> coverage(const QByteArray& csv) const;
    // Owners: the audit log's entries (core refuses everyone else).
    [[nodiscard]] Outcome<std::vector<core::AuditEntry>>
    audit(const core::AuditFilter& filter) const;
    [[nodiscard]] core::AlarmSettings alarmSettings() const;

    [[nodiscard]] static Failure failure(const Error& error);
    [[nodiscard]] static QString passwordStrengthHint(const QString& password,
                                                      const QString& user = {});

signals:
    void busyChanged(bool busy);
    void created(QString vaultId, QString fingerprint, QString recoveryCode);
    void createFailed(sopvault::desktop::Failure failure);
    void unlocked();
    void unlockFailed(sopvault::desktop::Failure failure);
    void locked();
    void passwordChanged();
    void passwordChangeFailed(sopvault::desktop::Failure failure);
    void userAdded(QString name);
    void userAddFailed(sopvault::desktop::Failure failure);
    void operationFailed(sopvault::desktop::Failure failure);
    void progress(int done, int total, QString what);
    void userRemoved(QString name);
    void imported(sopvault::core::ImportReport report);
    void ungranted(QString user, QString role, QString collection);
    // Any change to the vault's content that views should show.
    void vaultChanged();
    void syncStateChanged(sopvault::desktop::SyncState state);
    // A sync ended: what it pulled, pushed and rebased, and every conflict left.
    void synced(sopvault::core::SyncReport report);
    void published(sopvault::core::SyncReport report);
    void publishFailed(sopvault::desktop::Failure failure);
    void cloned(QString vaultId, qulonglong records, QString fingerprint);
    void cloneFailed(sopvault::desktop::Failure failure);

private:
    // The signal a failed piece of slow work reports on.
    using FailedSignal = void (VaultController::*)(sopvault::desktop::Failure);
    // Runs `work` on the pool; back on the GUI thread, a failure goes to `failed` and a
    // success to `done`.
    template <typename Work, typename Done>
    void runAsync(Work work, FailedSignal failed, Done done);
    [[nodiscard]] core::OpenOptions openOptions() const;
    void setBusy(bool busy);
    // After a change written here: the next sync soon.
    void wrote();
    void setSyncState(SyncState state);
    // The state as the replica's own records say (pending, conflicts), not the network.
    [[nodiscard]] SyncState localSyncState(bool syncing) const;
    void
    probed(core::ServerResult<std::pair<std::shared_ptr<core::RecordServer>, std::int64_t>> probe);
    void syncEnded(Result<core::SyncReport> result);
    void serverMissed(const Failure& failure, bool offline);
    void followRemote(const core::RemoteInfo& info);
    void stopSync();

    std::filesystem::path m_vaultFile;
    std::filesystem::path m_stateDir;
    std::unique_ptr<core::Session> m_session;
    const core::Clock* m_clock = nullptr;
    bool m_busy = false;
    bool m_lockWhenIdle = false; // a lock asked for while a worker held the session
    std::atomic<bool> m_cancelImport{false};
    // Team sync.
    ServerConnector m_connector;
    SyncState m_syncState;
    bool m_syncing = false;
    bool m_syncAgain = false;
    core::Timestamp m_offlineSince = 0;
    QTimer m_syncPoll;
    QTimer m_syncSoon;
    std::unique_ptr<WakeUpThread> m_wakeUp;
};

} // namespace sopvault::desktop

Q_DECLARE_METATYPE(sopvault::desktop::Failure)
Q_DECLARE_METATYPE(sopvault::core::Id)
Q_DECLARE_METATYPE(sopvault::core::ImportReport)
Q_DECLARE_METATYPE(sopvault::core::SyncReport)
Q_DECLARE_METATYPE(sopvault::desktop::SyncState)
