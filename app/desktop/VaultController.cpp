// VaultController: core behind signals and slots, slow work on QtConcurrent's pool.
#include "VaultController.h"

#include "sopvault/crypto/Crypto.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QTimeZone>
#include <QtConcurrent/QtConcurrentRun>

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
}

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

QString VaultController::passwordStrengthHint(const QString& password)
{
    int classes = 0;
    bool lower = false, upper = false, digit = false, other = false;
    for (QChar c : password) {
        lower = lower || c.isLower();
        upper = upper || c.isUpper();
        digit = digit || c.isDigit();
        other = other || !(c.isLetterOrNumber());
    }
    classes = int(lower) + int(upper) + int(digit) + int(other);
    const auto length = password.size();
    if (length == 0) {
        return tr("Choose a password (a passphrase of four or more words is best).");
    }
    if (length < 10 || classes < 2) {
        return tr("Weak: use at least 12 characters, or a passphrase of several words.");
    }
    if (length < 16 && classes < 3) {
        return tr("Fair: longer is stronger; a passphrase of four words is better.");
    }
    return tr("Strong.");
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

void VaultController::changePassword(crypto::SecureBuffer password, crypto::KdfProfile profile)
{
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    core::Session* session = m_session.get();
    runAsync([=]() { return session->changePassword(*pw, profile); },
             &VaultController::passwordChangeFailed, [this](auto&) { emit passwordChanged(); });
}

void VaultController::addUser(const QString& name, crypto::SecureBuffer password,
                              crypto::KdfProfile profile)
{
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    core::Session* session = m_session.get();
    const std::string who = toStd(name);
    runAsync([=]() { return session->addUser(who, *pw, profile); }, &VaultController::userAddFailed,
             [this, name](auto&) {
                 emit userAdded(name);
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
                 emit vaultChanged();
             });
}

void VaultController::lock()
{
    if (m_busy) {
        return; // a worker still holds the session; lock when it is done
    }
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
    return QStringLiteral("sopvault://%1/sop/%2").arg(vaultId(), toQString(core::toHex(sop)));
}

Outcome<std::vector<core::SopSummary>> VaultController::listSops(const QString& collection) const
{
    core::SopFilter filter;
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
    return outcome(m_session->addSop(sop));
}

Outcome<std::uint64_t> VaultController::editSop(const core::Id& sop, const core::SopEdit& edit)
{
    return outcome(m_session->editSop(sop, edit));
}

Outcome<core::Id> VaultController::flag(const core::Id& sop, const QString& comment)
{
    return outcome(m_session->flag(sop, toStd(comment)));
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
    return outcome(m_session->restore(sop, version));
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
    return outcome(m_session->signOff(sop, decision, toStd(comment)));
}

Outcome<std::vector<core::FlagInfo>> VaultController::openFlags() const
{
    return outcome(m_session->flags(true));
}

Outcome<void> VaultController::resolveFlag(const core::Id& flag, const QString& note)
{
    return outcome(m_session->resolveFlag(flag, toStd(note)));
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
    return outcome(m_session->addOwner(toStd(name)));
}

Outcome<void> VaultController::defineRole(const QString& name, const QStringList& rights)
{
    auto parsed = core::Rights::parse(toStd(rights.join(u',')));
    if (!parsed) {
        return std::unexpected(failure(parsed.error()));
    }
    return outcome(m_session->defineRole(toStd(name.trimmed()), *parsed));
}

Outcome<void> VaultController::grant(const QString& user, const QString& role,
                                     const QString& collection)
{
    return outcome(m_session->grant(toStd(user), toStd(role), toStd(collection)));
}

Outcome<void> VaultController::addCollection(const QString& path)
{
    return outcome(m_session->addCollection(toStd(path.trimmed())), [](const core::Id&) {});
}

Outcome<QString> VaultController::watermarkLine(const core::Id& sop) const
{
    return outcome(m_session->watermarkLine(sop),
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

core::AlarmSettings VaultController::alarmSettings() const
{
    return m_session->alarmSettings();
}

} // namespace sopvault::desktop
