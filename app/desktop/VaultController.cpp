// VaultController: core behind signals and slots, slow work on QtConcurrent's pool.
#include "VaultController.h"

#include "WakeUp.h"

#include "sopvault/core/Links.h"
#include "sopvault/core/PasswordQuality.h"
#include "sopvault/crypto/Crypto.h"
#include "sopvault/remote/PgServer.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QPointer>
#include <QTimeZone>
#include <QtConcurrent/QtConcurrentRun>

#include <cstdlib>

// The bundled resources live in a static library, so they must be registered by hand (outside
// any namespace, as Q_INIT_RESOURCE requires).
static void initBundledResources()
{
    Q_INIT_RESOURCE(sopvault);
}

namespace sopvault::desktop {

QString toQString(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

std::string toStd(const QString& text)
{
    return text.toStdString();
}

QString formatTime(core::Timestamp t)
{
    return QDateTime::fromSecsSinceEpoch(t, QTimeZone::utc())
        .toLocalTime()
        .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString formatDate(core::Timestamp t)
{
    return toQString(core::formatDate(t));
}

namespace {

std::atomic<detail::TextWipeObserver> g_textWipeObserver{nullptr};

// The one wipe (crypto::wipe, sodium_memzero), over the characters' bytes.
template <typename Char>
void overwrite(Char* data, qsizetype size)
{
    crypto::wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(data),
                                         static_cast<std::size_t>(size) * sizeof(Char)));
}

// Overwrites the whole allocation (capacity, not only size: deleted characters linger past the
// end) when this array is its only owner, then lets it go.
template <typename Array>
bool wipeArray(Array& array)
{
    if (!array.isDetached()) {
        array = Array(); // shared or static: writing would detach a copy, so only let go
        return false;
    }
    const qsizetype capacity = array.capacity();
    auto* data = array.data(); // no detach: this array is the only owner
    overwrite(data, capacity);
    return true;
}

} // namespace

bool wipeText(QString& text)
{
    if (!text.isDetached()) {
        text = QString();
        return false;
    }
    const qsizetype capacity = text.capacity();
    QChar* data = text.data();
    overwrite(reinterpret_cast<char16_t*>(data), capacity);
    if (auto observer = g_textWipeObserver.load()) {
        observer(data, capacity);
    }
    text = QString();
    return true;
}

void detail::setTextWipeObserver(TextWipeObserver observer) noexcept
{
    g_textWipeObserver = observer;
}

Result<crypto::SecureBuffer> takePassword(QLineEdit& field)
{
    QString text = field.text(); // shares the field's own buffer
    // setText (not clear, which records every removed character for undo) lets go of that
    // buffer and drops the undo list, so `text` is left as the buffer's only owner.
    field.setText(QString());
    QByteArray utf8 = text.toUtf8();
    auto buffer = crypto::SecureBuffer::copyOf(
        std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
    wipeArray(utf8);
    wipeText(text);
    return buffer;
}

void clearPassword(QLineEdit& field)
{
    QString text = field.text();
    field.setText(QString());
    wipeText(text);
}

VaultController::VaultController(std::filesystem::path vaultFile, std::filesystem::path stateDir,
                                 QObject* parent)
    : QObject(parent), m_vaultFile(std::move(vaultFile)), m_stateDir(std::move(stateDir))
{
    initBundledResources();
    qRegisterMetaType<Failure>();
    qRegisterMetaType<core::ImportReport>();
    qRegisterMetaType<core::SyncReport>();
    qRegisterMetaType<SyncState>();
    m_connector = postgresConnector();
    // The fallback for a wake-up that never comes (no LISTEN through a pooler, a lost
    // notification): ask the server once a minute.
    m_syncPoll.setInterval(std::chrono::seconds(60));
    connect(&m_syncPoll, &QTimer::timeout, this, &VaultController::syncNow);
    m_syncSoon.setSingleShot(true);
    m_syncSoon.setInterval(std::chrono::milliseconds(400));
    connect(&m_syncSoon, &QTimer::timeout, this, &VaultController::syncNow);
    connect(this, &VaultController::unlocked, this, [this] {
        m_offlineSince = 0;
        setSyncState(localSyncState(false));
        syncNow();
    });
}

// The wake-up thread is joined here (it never touches the controller after its callback, which
// queues to this thread and is dropped once the controller is gone).
VaultController::~VaultController() = default;

bool VaultController::vaultExists() const
{
    std::error_code ec;
    return std::filesystem::exists(m_vaultFile, ec);
}

Failure VaultController::failure(const Error& error)
{
    return {error.code, toQString(error.message)};
}

QString VaultController::passwordStrengthHint(const QString& password, const QString& user)
{
    // Core's rule (libpwquality); the UTF-8 copy it reads is wiped here after.
    QByteArray utf8 = password.toUtf8();
    const core::PasswordQuality q = core::passwordQuality(
        std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())), toStd(user));
    wipeArray(utf8);
    return toQString(q.advice);
}

void VaultController::setBusy(bool busy)
{
    if (m_busy != busy) {
        m_busy = busy;
        emit busyChanged(busy);
    }
}

namespace {

template <typename T>
Outcome<T> outcome(Result<T> result)
{
    if (!result) {
        return std::unexpected(VaultController::failure(result.error()));
    }
    if constexpr (std::is_void_v<T>) {
        return {};
    } else {
        return std::move(*result);
    }
}

// The same, with the value turned into what the screens show (g++ 12's std::expected has no
// transform yet).
template <typename T, typename F>
auto outcome(Result<T> result, F convert) -> Outcome<decltype(convert(*result))>
{
    if (!result) {
        return std::unexpected(VaultController::failure(result.error()));
    }
    if constexpr (std::is_void_v<decltype(convert(*result))>) {
        return {};
    } else {
        return convert(*result);
    }
}

} // namespace

template <typename Work, typename Done>
void VaultController::runAsync(Work work, FailedSignal failed, Done done)
{
    using R = decltype(work());
    setBusy(true);
    auto* watcher = new QFutureWatcher<R>(this);
    connect(watcher, &QFutureWatcher<R>::finished, this, [this, watcher, failed, done]() mutable {
        R result = watcher->future().takeResult();
        watcher->deleteLater();
        setBusy(false);
        if (m_lockWhenIdle) {
            m_lockWhenIdle = false;
            lock();
        }
        if (!result) {
            emit(this->*failed)(failure(result.error()));
            return;
        }
        done(result);
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

core::OpenOptions VaultController::openOptions() const
{
    core::OpenOptions options;
    options.stateDir = m_stateDir;
    options.clock = m_clock;
    return options;
}

void VaultController::createVault(const QString& owner, crypto::SecureBuffer password,
                                  crypto::KdfProfile profile)
{
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    const std::string name = toStd(owner);
    const auto file = m_vaultFile;
    const auto options = openOptions();
    runAsync(
        [=]() -> Result<std::pair<core::CreatedVault, std::unique_ptr<core::Session>>> {
            SOPVAULT_TRY(created, core::createVault(file, name, *pw, profile, options));
            SOPVAULT_TRY(session, core::unlock(file, name, *pw, options));
            return std::pair{std::move(created), std::move(session)};
        },
        &VaultController::createFailed,
        [this](auto& result) {
            m_session = std::move(result->second);
            emit created(toQString(result->first.vaultId),
                         toQString(result->first.ownerFingerprint),
                         toQString(result->first.recoveryCode.view()));
            emit unlocked();
        });
}

void VaultController::unlock(const QString& user, crypto::SecureBuffer password)
{
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    const std::string name = toStd(user);
    const auto file = m_vaultFile;
    const auto options = openOptions();
    runAsync([=]() { return core::unlock(file, name, *pw, options); },
             &VaultController::unlockFailed,
             [this](auto& result) {
                 m_session = std::move(*result);
                 emit unlocked();
             });
}

Failure VaultController::lockedFailure()
{
    return Failure{ErrorCode::Failed, tr("The vault is locked; unlock it and try again.")};
}

void VaultController::changePassword(crypto::SecureBuffer password, crypto::KdfProfile profile)
{
    if (!m_session) {
        emit passwordChangeFailed(lockedFailure());
        return;
    }
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    core::Session* session = m_session.get();
    runAsync([=]() { return session->changePassword(*pw, profile); },
             &VaultController::passwordChangeFailed,
             [this](auto&) {
                 emit passwordChanged();
                 wrote(); // the new wrap goes to the server, so another laptop can unlock
             });
}

void VaultController::addUser(const QString& name, crypto::SecureBuffer password,
                              crypto::KdfProfile profile)
{
    if (!m_session) {
        emit userAddFailed(lockedFailure());
        return;
    }
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    core::Session* session = m_session.get();
    const std::string who = toStd(name);
    runAsync([=]() { return session->addUser(who, *pw, profile); }, &VaultController::userAddFailed,
             [this, name](auto&) {
                 emit userAdded(name);
                 wrote();
                 emit vaultChanged();
             });
}

void VaultController::removeUser(const QString& name)
{
    core::Session* session = m_session.get();
    const std::string who = toStd(name);
    auto rotating = [this](std::size_t done, std::size_t total) {
        QMetaObject::invokeMethod(this, [this, done, total] {
            emit progress(int(done), int(total), tr("Rotating collection keys"));
        });
    };
    runAsync([=]() { return session->removeUser(who, rotating); },
             &VaultController::operationFailed,
             [this, name](auto&) {
                 emit userRemoved(name);
                 wrote();
                 emit vaultChanged();
             });
}

void VaultController::importFolder(const QString& folder, const QString& collection)
{
    core::Session* session = m_session.get();
    m_cancelImport = false;
    const std::filesystem::path dir = folder.toStdString();
    const std::string target = toStd(collection);
    auto reporting = [this](const core::ImportProgress& p) {
        QMetaObject::invokeMethod(
            this, [this, p] { emit progress(int(p.done), int(p.total), toQString(p.current)); });
        return !m_cancelImport.load();
    };
    runAsync([=]() { return session->importFolder(dir, target, reporting); },
             &VaultController::operationFailed,
             [this](auto& result) {
                 emit imported(*result);
                 wrote();
                 emit vaultChanged();
             });
}

void VaultController::ungrant(const QString& user, const QString& role, const QString& collection)
{
    core::Session* session = m_session.get();
    const std::string who = toStd(user);
    const std::string what = toStd(role);
    const std::string where = toStd(collection);
    runAsync([=]() { return session->ungrant(who, what, where); },
             &VaultController::operationFailed,
             [this, user, role, collection](auto&) {
                 emit ungranted(user, role, collection);
                 wrote();
                 emit vaultChanged();
             });
}

void VaultController::lock()
{
    if (m_busy) {
        m_lockWhenIdle = true; // a worker still holds the session; lock when it is done
        return;
    }
    stopSync();
    m_session.reset();
    emit locked();
}

Outcome<QString> VaultController::copyAllText(const core::Id& sop)
{
    auto doc = prepareExport(sop, "clipboard");
    if (!doc) {
        return std::unexpected(doc.error());
    }
    return toQString(doc->markdown) + QStringLiteral("\n\n") + toQString(doc->watermark);
}

std::optional<Failure> VaultController::loadSamples()
{
    QDir samples(QStringLiteral(":/samples"));
    const auto files = samples.entryList({QStringLiteral("*.md")}, QDir::Files, QDir::Name);
    if (files.isEmpty()) {
        return Failure{ErrorCode::NotFound, tr("The sample library is missing from this build.")};
    }
    for (const QString& name : files) {
        if (name == QStringLiteral("README.md")) {
            continue;
        }
        QFile file(samples.filePath(name));
        if (!file.open(QIODevice::ReadOnly)) {
            continue;
        }
        const QByteArray bytes = file.readAll();
        core::SopFile sop = core::parseSopFile(
            std::string(bytes.constData(), std::size_t(bytes.size())), toStd(name));
        const std::string collection =
            sop.collection.empty() ? std::string("Samples") : sop.collection;
        // Core creates the missing parents first: "Internal/People" needs "Internal".
        if (auto path = m_session->ensureCollectionPath(collection); !path) {
            return failure(path.error());
        }
        core::NewSop n;
        n.collection = collection;
        n.title = sop.title;
        n.body = sop.body;
        n.tags = sop.tags;
        n.reviewEveryDays = sop.reviewEveryDays;
        n.message = "Sample SOP";
        if (auto added = m_session->addSop(n); !added) {
            return failure(added.error());
        }
    }
    emit vaultChanged();
    return std::nullopt;
}

QString VaultController::userName() const
{
    return toQString(m_session->userName());
}

QString VaultController::vaultId() const
{
    return toQString(m_session->vaultId());
}

bool VaultController::isOwner() const
{
    return m_session->isOwner();
}

bool VaultController::passwordSetByOwner() const
{
    return m_session && m_session->passwordSetByOwner();
}

bool VaultController::firstOpen() const
{
    return m_session->firstOpen();
}

QString VaultController::ownerFingerprint() const
{
    return toQString(m_session->ownerFingerprint());
}

QString VaultController::firstProblem() const
{
    const auto& problems = m_session->problems();
    return problems.empty() ? QString() : toQString(problems.front().problem);
}

core::Timestamp VaultController::now() const
{
    return m_session->now();
}

bool VaultController::may(core::Right right, const core::Id& collection) const
{
    return m_session->may(right, collection);
}

core::Abilities VaultController::abilities() const
{
    return m_session->abilities();
}

bool VaultController::mayRestore(const core::Id& sop) const
{
    return m_session->mayRestore(sop);
}

bool VaultController::mayImportInto(const QString& collection) const
{
    return m_session->mayImportInto(toStd(collection));
}

std::vector<core::CollectionInfo> VaultController::readableCollections() const
{
    std::vector<core::CollectionInfo> out;
    for (auto& c : m_session->collections()) {
        if (c.readable) {
            out.push_back(std::move(c));
        }
    }
    return out;
}

QString VaultController::link(const core::Id& sop) const
{
    return toQString(core::sopLink(toStd(vaultId()), sop));
}

Outcome<core::SopLinks> VaultController::links(const core::Id& sop) const
{
    return outcome(m_session->links(sop));
}

std::vector<core::TemplateInfo> VaultController::templates() const
{
    return m_session->templates();
}

Outcome<QString> VaultController::templateText(const QString& name) const
{
    return outcome(m_session->templateText(toStd(name)),
                   [](const std::string& text) { return toQString(text); });
}

Outcome<std::uint64_t> VaultController::attest(const core::Id& sop)
{
    auto written = outcome(m_session->attest(sop));
    wrote();
    return written;
}

Outcome<std::vector<core::AttestationStatus>> VaultController::myAttestationsDue() const
{
    return outcome(m_session->myAttestationsDue(m_session->now()));
}

Outcome<std::vector<core::AttestationStatus>> VaultController::attestationStatus() const
{
    return outcome(m_session->attestationStatus(std::nullopt, m_session->now()));
}

Outcome<core::Id> VaultController::startRun(const core::Id& sop, const QString& ticket,
                                            const QString& client)
{
    auto written = outcome(m_session->startRun(sop, toStd(ticket), toStd(client)));
    wrote();
    return written;
}

Outcome<void> VaultController::runStep(const core::Id& run, std::uint32_t n, core::StepState state,
                                       const QString& note)
{
    auto written = outcome(m_session->runStep(run, n, state, toStd(note)));
    wrote();
    return written;
}

Outcome<void> VaultController::finishRun(const core::Id& run)
{
    auto written = outcome(m_session->finishRun(run));
    wrote();
    return written;
}

Outcome<core::RunInfo> VaultController::run(const core::Id& run)
{
    return outcome(m_session->run(run));
}

Outcome<std::vector<core::RunSummary>> VaultController::openRuns(const core::Id& sop) const
{
    core::RunFilter filter;
    filter.openOnly = true;
    filter.sop = sop;
    return outcome(m_session->runs(filter));
}

Outcome<QString> VaultController::runEvidenceText(const core::Id& run)
{
    return outcome(m_session->runEvidenceText(run),
                   [](const std::string& text) { return toQString(text); });
}

Outcome<void> VaultController::exportRun(const core::Id& run, core::ExportFormat format,
                                         const QString& path)
{
    return outcome(m_session->exportRun(run, format, toStd(path)));
}

Outcome<core::AttachmentData> VaultController::openAttachment(const core::Id& sop,
                                                              std::uint64_t version,
                                                              const QString& name) const
{
    return outcome(m_session->openAttachment(sop, version, toStd(name)));
}

Outcome<void> VaultController::saveAttachment(const core::Id& sop, std::uint64_t version,
                                              const QString& name, const QString& path)
{
    auto saved = outcome(
        m_session->saveAttachment(sop, toStd(name), std::filesystem::path(toStd(path)), version));
    wrote(); // the audit entry, allowed or denied
    return saved;
}

std::pair<std::uint64_t, std::uint64_t> VaultController::attachmentCaps() const
{
    return m_session->attachmentCaps();
}

Outcome<std::vector<core::SopSummary>> VaultController::listSops(const QString& collection,
                                                                 bool includeArchived) const
{
    core::SopFilter filter;
    filter.includeArchived = includeArchived;
    if (!collection.isEmpty()) {
        filter.collection = toStd(collection);
    }
    return outcome(m_session->listSops(filter));
}

Outcome<std::vector<core::SearchHit>> VaultController::search(const QString& text)
{
    core::SearchQuery q;
    q.text = toStd(text);
    q.limit = 100;
    return outcome(m_session->search(q));
}

Outcome<core::SopSummary> VaultController::summary(const core::Id& sop) const
{
    return outcome(m_session->summary(sop));
}

Outcome<core::SopVersionView> VaultController::readSop(const core::Id& sop,
                                                       std::optional<std::uint64_t> version,
                                                       const QString& ticket)
{
    return outcome(m_session->readSop(sop, version, toStd(ticket)));
}

Outcome<core::Id> VaultController::addSop(const core::NewSop& sop)
{
    auto written = outcome(m_session->addSop(sop));
    wrote();
    return written;
}

Outcome<std::uint64_t> VaultController::editSop(const core::Id& sop, const core::SopEdit& edit)
{
    auto written = outcome(m_session->editSop(sop, edit));
    wrote();
    return written;
}

Outcome<core::Id> VaultController::flag(const core::Id& sop, const QString& comment)
{
    auto written = outcome(m_session->flag(sop, toStd(comment)));
    wrote();
    return written;
}

Outcome<std::vector<core::HistoryEntry>> VaultController::history(const core::Id& sop) const
{
    return outcome(m_session->history(sop));
}

Outcome<QString> VaultController::diff(const core::Id& sop, std::uint64_t from, std::uint64_t to)
{
    return outcome(m_session->diff(sop, from, to),
                   [](const std::string& text) { return toQString(text); });
}

Outcome<std::uint64_t> VaultController::restore(const core::Id& sop, std::uint64_t version)
{
    auto written = outcome(m_session->restore(sop, version));
    wrote();
    return written;
}

Outcome<std::vector<core::ReviewItem>>
VaultController::reviewsDue(core::Timestamp asOf, std::optional<std::uint32_t> withinDays) const
{
    return outcome(m_session->reviewsDue(asOf, withinDays));
}

Outcome<QString> VaultController::changesSinceReview(const core::Id& sop)
{
    return outcome(m_session->changesSinceReview(sop),
                   [](const std::string& text) { return toQString(text); });
}

Outcome<void> VaultController::signOff(const core::Id& sop, core::ReviewDecision decision,
                                       const QString& comment)
{
    auto written = outcome(m_session->signOff(sop, decision, toStd(comment)));
    wrote();
    return written;
}

Outcome<std::vector<core::FlagInfo>> VaultController::openFlags() const
{
    return outcome(m_session->flags(true));
}

Outcome<void> VaultController::resolveFlag(const core::Id& flag, const QString& note)
{
    auto written = outcome(m_session->resolveFlag(flag, toStd(note)));
    wrote();
    return written;
}

std::vector<core::UserInfo> VaultController::users() const
{
    return m_session->users();
}

std::vector<core::RoleDefinition> VaultController::roles() const
{
    return m_session->roles();
}

std::vector<core::GrantInfo> VaultController::allGrants() const
{
    std::vector<core::GrantInfo> out;
    for (const auto& u : m_session->users()) {
        for (auto& g : m_session->grantsOf(u.name)) {
            out.push_back(std::move(g));
        }
    }
    return out;
}

Outcome<std::vector<core::GrantInfo>> VaultController::access(const QString& target) const
{
    return outcome(m_session->access(toStd(target)));
}

Outcome<void> VaultController::addOwner(const QString& name)
{
    auto written = outcome(m_session->addOwner(toStd(name)));
    wrote();
    return written;
}

Outcome<void> VaultController::defineRole(const QString& name, const QStringList& rights)
{
    auto parsed = core::Rights::parse(toStd(rights.join(u',')));
    if (!parsed) {
        return std::unexpected(failure(parsed.error()));
    }
    auto written = outcome(m_session->defineRole(toStd(name.trimmed()), *parsed));
    wrote();
    return written;
}

Outcome<void> VaultController::grant(const QString& user, const QString& role,
                                     const QString& collection)
{
    auto written = outcome(m_session->grant(toStd(user), toStd(role), toStd(collection)));
    wrote();
    return written;
}

Outcome<void> VaultController::addCollection(const QString& path)
{
    auto written = outcome(m_session->addCollection(toStd(path.trimmed())), [](const core::Id&) {});
    wrote();
    return written;
}

Outcome<QString> VaultController::watermarkLine(const core::Id& sop, std::uint64_t version) const
{
    return outcome(m_session->watermarkLine(sop, version),
                   [](const std::string& line) { return toQString(line); });
}

Outcome<core::ExportedSop> VaultController::prepareExport(const core::Id& sop,
                                                          std::string_view purpose)
{
    auto docs = m_session->prepareExport({sop}, purpose);
    if (!docs) {
        return std::unexpected(failure(docs.error()));
    }
    return std::move(docs->front());
}

Outcome<void> VaultController::exportFile(const core::Id& sop, core::ExportFormat format,
                                          const QString& path)
{
    return outcome(m_session->exportSop(sop, format, toStd(path)),
                   [](const core::ExportReport&) {});
}

Outcome<core::VerifyReport> VaultController::verify() const
{
    return outcome(m_session->verify());
}

Outcome<std::vector<core::ViewAlert>> VaultController::viewAlerts() const
{
    return outcome(m_session->viewAlerts());
}

Outcome<std::vector<core::UsageRow>>
VaultController::usage(std::optional<core::Timestamp> since) const
{
    return outcome(m_session->usage(since, m_session->now()));
}

Outcome<std::vector<core::CoverageRow>> VaultController::coverage(const QByteArray& csv) const
{
    return outcome(m_session->coverage(std::string_view(csv.constData(), std::size_t(csv.size())),
                                       m_session->now()));
}

Outcome<std::vector<core::AuditEntry>> VaultController::audit(const core::AuditFilter& filter) const
{
    return outcome(m_session->audit(filter));
}

core::AlarmSettings VaultController::alarmSettings() const
{
    return m_session->alarmSettings();
}

// --- Team sync ---

std::optional<crypto::SecureBuffer> databasePassword()
{
    const char* value = std::getenv("SOPVAULT_DB_PASSWORD");
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    auto copy = crypto::SecureBuffer::copyOf(std::string_view(value));
    return copy ? std::optional(std::move(*copy)) : std::nullopt;
}

ServerConnector postgresConnector()
{
    return [](const std::string& url) -> core::ServerResult<std::unique_ptr<core::RecordServer>> {
        const auto password = databasePassword();
        auto server = remote::PgServer::connect(url, password ? &*password : nullptr);
        if (!server) {
            return std::unexpected(std::move(server.error()));
        }
        return std::make_unique<remote::PgServer>(std::move(*server));
    };
}

bool VaultController::listening() const
{
    return m_wakeUp != nullptr && m_wakeUp->listening();
}

void VaultController::wrote()
{
    if (m_syncState.kind != SyncState::Kind::NotShared || m_syncState.pending > 0) {
        syncSoon();
    }
    if (m_session && m_syncState.kind != SyncState::Kind::Failed) {
        // The count of records waiting changed; show it before the server is asked. A failed
        // sync's finding stays until a sync clears it.
        SyncState state = localSyncState(m_syncing);
        state.message = m_syncState.message;
        setSyncState(state);
    }
}

void VaultController::syncSoon()
{
    if (m_session) {
        m_syncSoon.start();
    }
}

void VaultController::setSyncPoll(std::chrono::milliseconds interval)
{
    m_syncPoll.stop();
    if (interval.count() > 0) {
        m_syncPoll.setInterval(interval);
        if (m_session && !m_syncState.server.isEmpty()) {
            m_syncPoll.start();
        }
    } else {
        m_syncPoll.setInterval(0);
    }
}

void VaultController::setSyncState(SyncState state)
{
    m_syncState = std::move(state);
    emit syncStateChanged(m_syncState);
}

SyncState VaultController::localSyncState(bool syncing) const
{
    SyncState state;
    state.syncing = syncing;
    auto info = m_session->remote();
    if (!info) {
        state.kind = SyncState::Kind::Failed;
        state.message = toQString(info.error().message);
        return state;
    }
    if (info->url.empty()) {
        return state; // not shared
    }
    state.server = toQString(remote::displayUrl(info->url));
    state.pending = info->pending;
    state.lastSync = info->lastSync;
    state.fingerprint = toQString(info->fingerprint);
    auto open = m_session->conflicts();
    state.conflicts = open ? open->size() : 0;
    if (state.conflicts > 0) {
        state.kind = SyncState::Kind::Conflict;
    } else if (m_offlineSince != 0) {
        state.kind = SyncState::Kind::Offline;
        state.since = m_offlineSince;
    } else {
        state.kind = state.pending > 0 ? SyncState::Kind::Waiting : SyncState::Kind::Synced;
    }
    return state;
}

void VaultController::followRemote(const core::RemoteInfo& info)
{
    // The wake-up follows the remote: started once one is set, moved when it changes.
    if (!m_wakeUp || m_wakeUp->url() != info.url || m_wakeUp->vaultId() != info.vaultId) {
        m_wakeUp.reset();
        QPointer<VaultController> self(this);
        m_wakeUp = std::make_unique<WakeUpThread>(info.url, info.vaultId, [self] {
            QMetaObject::invokeMethod(
                qApp,
                [self] {
                    if (self) {
                        self->syncSoon();
                    }
                },
                Qt::QueuedConnection);
        });
    }
    if (!m_syncPoll.isActive() && m_syncPoll.interval() > 0) {
        m_syncPoll.start();
    }
}

void VaultController::stopSync()
{
    m_wakeUp.reset();
    m_syncPoll.stop();
    m_syncSoon.stop();
    m_syncAgain = false;
}

void VaultController::syncNow()
{
    if (!m_session) {
        return;
    }
    if (m_syncing || m_busy) {
        m_syncAgain = true; // once more when the work in hand is done
        if (!m_syncing) {
            m_syncSoon.start();
        }
        return;
    }
    auto info = m_session->remote();
    if (!info) {
        setSyncState(localSyncState(false));
        return;
    }
    if (info->url.empty()) {
        stopSync();
        setSyncState(localSyncState(false));
        return;
    }
    followRemote(*info);
    m_syncing = true;
    m_syncAgain = false;
    setSyncState(localSyncState(true));
    // The slow part first, without the Session: connecting (seconds when the server is gone)
    // and the cheap "anything new?".
    using Probe = std::pair<std::shared_ptr<core::RecordServer>, std::int64_t>;
    const std::string url = info->url;
    const std::string vault = info->vaultId;
    auto connector = m_connector;
    auto* watcher = new QFutureWatcher<core::ServerResult<Probe>>(this);
    connect(watcher, &QFutureWatcher<core::ServerResult<Probe>>::finished, this, [this, watcher] {
        auto result = watcher->future().takeResult();
        watcher->deleteLater();
        probed(std::move(result));
    });
    watcher->setFuture(QtConcurrent::run([=]() -> core::ServerResult<Probe> {
        auto server = connector(url);
        if (!server) {
            return std::unexpected(std::move(server.error()));
        }
        std::shared_ptr<core::RecordServer> shared = std::move(*server);
        auto last = shared->lastPosition(vault);
        if (!last) {
            return std::unexpected(std::move(last.error()));
        }
        return Probe{std::move(shared), *last};
    }));
}

void VaultController::serverMissed(const Failure& failure, bool offline)
{
    m_syncing = false;
    if (!m_session) {
        return;
    }
    SyncState state = localSyncState(false);
    if (offline) {
        if (m_offlineSince == 0) {
            m_offlineSince = now();
        }
        if (state.kind != SyncState::Kind::Conflict) {
            state.kind = SyncState::Kind::Offline;
        }
        state.since = m_offlineSince;
    } else {
        state.kind = SyncState::Kind::Failed;
    }
    state.message = failure.message;
    setSyncState(state);
    if (m_syncAgain) {
        m_syncSoon.start();
    }
}

void VaultController::probed(
    core::ServerResult<std::pair<std::shared_ptr<core::RecordServer>, std::int64_t>> probe)
{
    if (!m_session) {
        m_syncing = false;
        return; // locked while the server was asked
    }
    if (!probe) {
        serverMissed(failure(probe.error().error),
                     probe.error().fault == core::ServerFault::Offline);
        return;
    }
    m_offlineSince = 0;
    auto info = m_session->remote();
    if (info && info->position == probe->second && info->pending == 0) {
        m_syncing = false;
        setSyncState(localSyncState(false)); // nothing new either way: the Session stays here
        if (m_syncAgain) {
            m_syncSoon.start();
        }
        return;
    }
    if (m_busy) {
        // Other slow work took the Session meanwhile: ask again when it is done.
        m_syncing = false;
        m_syncAgain = true;
        m_syncSoon.start();
        return;
    }
    core::Session* session = m_session.get();
    std::shared_ptr<core::RecordServer> server = std::move(probe->first);
    setBusy(true);
    auto* watcher = new QFutureWatcher<Result<core::SyncReport>>(this);
    connect(watcher, &QFutureWatcher<Result<core::SyncReport>>::finished, this, [this, watcher] {
        auto result = watcher->future().takeResult();
        watcher->deleteLater();
        setBusy(false);
        syncEnded(std::move(result));
        if (m_lockWhenIdle) {
            m_lockWhenIdle = false;
            lock();
        }
    });
    watcher->setFuture(QtConcurrent::run([session, server]() { return session->sync(*server); }));
}

void VaultController::syncEnded(Result<core::SyncReport> result)
{
    if (!result) {
        // `failed` is the server gone mid-way; anything else (integrity above all) is a
        // finding a person must see, not a passing outage.
        serverMissed(failure(result.error()), result.error().code == ErrorCode::Failed);
        return;
    }
    m_syncing = false;
    setSyncState(localSyncState(false));
    emit synced(*result);
    if (result->pulled > 0 || result->rebased > 0 || !result->conflicts.empty()) {
        emit vaultChanged();
    }
    if (m_syncAgain) {
        m_syncSoon.start();
    }
}

Outcome<core::RemoteInfo> VaultController::remoteInfo() const
{
    return outcome(m_session->remote());
}

Outcome<std::vector<core::SyncConflict>> VaultController::conflicts() const
{
    return outcome(m_session->conflicts());
}

Outcome<core::SopVersionView> VaultController::conflictingEdit(const core::Id& sop)
{
    return outcome(m_session->conflictingEdit(sop));
}

Outcome<std::uint64_t> VaultController::resolveConflict(const core::Id& sop, core::Keep keep,
                                                        std::optional<QString> mergedBody)
{
    std::optional<std::string> body;
    if (mergedBody) {
        body = toStd(*mergedBody);
    }
    auto resolved = outcome(m_session->resolve(sop, keep, std::move(body)));
    wrote();
    setSyncState(localSyncState(m_syncing));
    return resolved;
}

void VaultController::publish(const QString& url)
{
    core::Session* session = m_session.get();
    const std::string target = toStd(url.trimmed());
    auto connector = m_connector;
    runAsync(
        [=]() -> Result<core::SyncReport> {
            auto server = connector(target);
            if (!server) {
                return std::unexpected(server.error().error);
            }
            return session->publish(**server, target);
        },
        &VaultController::publishFailed,
        [this](auto& result) {
            m_offlineSince = 0;
            emit published(*result);
            syncNow(); // starts the wake-up and shows where the vault stands now
        });
}

void VaultController::cloneVault(const QString& url, const QString& vaultId,
                                 const std::filesystem::path& path)
{
    const std::string source = toStd(url.trimmed());
    const std::string vault = toStd(vaultId.trimmed());
    auto connector = m_connector;
    auto fetching = [this](std::size_t done, std::size_t total) {
        QMetaObject::invokeMethod(this, [this, done, total] {
            emit progress(int(done), int(total), tr("Fetching records"));
        });
    };
    runAsync(
        [=]() -> Result<core::ClonedVault> {
            auto server = connector(source);
            if (!server) {
                return std::unexpected(server.error().error);
            }
            return core::cloneVault(**server, source, vault, path, fetching);
        },
        &VaultController::cloneFailed,
        [this, path](auto& result) {
            if (!m_session) {
                m_vaultFile = path;
            }
            emit cloned(toQString(result->vaultId), qulonglong(result->records),
                        toQString(result->fingerprint));
        });
}

bool VaultController::switchVault(std::filesystem::path file)
{
    if (m_busy) {
        return false;
    }
    m_vaultFile = std::move(file);
    if (m_session) {
        stopSync();
        m_session.reset();
        emit locked();
    }
    return true;
}

} // namespace sopvault::desktop
