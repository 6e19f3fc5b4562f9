// VaultController: core behind signals and slots, slow work on QtConcurrent's pool.
#include "VaultController.h"

#include "sopvault/crypto/Crypto.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
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

QLabel* errorLabel(const char* objectName)
{
    auto* label = new QLabel;
    label->setObjectName(QString::fromLatin1(objectName));
    label->setStyleSheet(QStringLiteral("color: #b00020"));
    label->setWordWrap(true);
    return label;
}

QProgressBar* busyBar(const char* objectName)
{
    auto* bar = new QProgressBar;
    bar->setObjectName(QString::fromLatin1(objectName));
    bar->setRange(0, 0);
    bar->setVisible(false);
    return bar;
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

template <typename Work, typename Done>
void VaultController::runAsync(Work work, Done done)
{
    using R = decltype(work());
    setBusy(true);
    auto* watcher = new QFutureWatcher<R>(this);
    connect(watcher, &QFutureWatcher<R>::finished, this, [this, watcher, done]() mutable {
        R result = watcher->future().takeResult();
        watcher->deleteLater();
        setBusy(false);
        done(std::move(result));
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

void VaultController::createVault(const QString& owner, crypto::SecureBuffer password,
                                  crypto::KdfProfile profile)
{
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    const std::string name = toStd(owner);
    const auto file = m_vaultFile;
    const auto stateDir = m_stateDir;
    const core::Clock* clock = m_clock;
    runAsync(
        [=]() -> Result<std::pair<core::CreatedVault, std::unique_ptr<core::Session>>> {
            core::OpenOptions options;
            options.stateDir = stateDir;
            options.clock = clock;
            SOPVAULT_TRY(created, core::createVault(file, name, *pw, profile, options));
            SOPVAULT_TRY(session, core::unlock(file, name, *pw, options));
            return std::pair{std::move(created), std::move(session)};
        },
        [this](auto result) {
            if (!result) {
                emit createFailed(failure(result.error()));
                return;
            }
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
    const auto stateDir = m_stateDir;
    const core::Clock* clock = m_clock;
    runAsync(
        [=]() {
            core::OpenOptions options;
            options.stateDir = stateDir;
            options.clock = clock;
            return core::unlock(file, name, *pw, options);
        },
        [this](auto result) {
            if (!result) {
                emit unlockFailed(failure(result.error()));
                return;
            }
            m_session = std::move(*result);
            emit unlocked();
        });
}

void VaultController::changePassword(crypto::SecureBuffer password, crypto::KdfProfile profile)
{
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    core::Session* session = m_session.get();
    runAsync([=]() { return session->changePassword(*pw, profile); },
             [this](auto result) {
                 if (!result) {
                     emit passwordChangeFailed(failure(result.error()));
                     return;
                 }
                 emit passwordChanged();
             });
}

void VaultController::addUser(const QString& name, crypto::SecureBuffer password,
                              crypto::KdfProfile profile)
{
    auto pw = std::make_shared<crypto::SecureBuffer>(std::move(password));
    core::Session* session = m_session.get();
    const std::string who = toStd(name);
    runAsync([=]() { return session->addUser(who, *pw, profile); },
             [this, name](auto result) {
                 if (!result) {
                     emit userAddFailed(failure(result.error()));
                     return;
                 }
                 emit userAdded(name);
                 emit vaultChanged();
             });
}

void VaultController::removeUser(const QString& name)
{
    core::Session* session = m_session.get();
    const std::string who = toStd(name);
    runAsync(
        [=, this]() {
            return session->removeUser(who, [this](std::size_t done, std::size_t total) {
                QMetaObject::invokeMethod(this, [this, done, total] {
                    emit progress(int(done), int(total), tr("Rotating collection keys"));
                });
            });
        },
        [this, name](auto result) {
            if (!result) {
                emit operationFailed(failure(result.error()));
                return;
            }
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
    runAsync(
        [=, this]() {
            return session->importFolder(dir, target, [this](const core::ImportProgress& p) {
                QMetaObject::invokeMethod(this, [this, p] {
                    emit progress(int(p.done), int(p.total), toQString(p.current));
                });
                return !m_cancelImport.load();
            });
        },
        [this](auto result) {
            if (!result) {
                emit operationFailed(failure(result.error()));
                return;
            }
            emit imported(*result);
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

std::expected<QString, Failure> VaultController::copyAllText(const QString& sopId)
{
    const auto id = core::idFromHex(toStd(sopId));
    if (!id) {
        return std::unexpected(Failure{ErrorCode::NotFound, tr("Open a SOP to copy it.")});
    }
    auto docs = m_session->prepareExport({*id}, "clipboard");
    if (!docs) {
        return std::unexpected(failure(docs.error()));
    }
    return toQString(docs->front().markdown) + QStringLiteral("\n\n") +
           toQString(docs->front().watermark);
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
        // Parents first: "Internal/People" needs "Internal".
        std::string partial;
        std::string_view rest(collection);
        while (!rest.empty()) {
            const auto slash = rest.find('/');
            partial += (partial.empty() ? "" : "/") + std::string(rest.substr(0, slash));
            rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
            if (!m_session->collectionId(partial)) {
                if (auto added = m_session->addCollection(partial); !added) {
                    return failure(added.error());
                }
            }
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

} // namespace sopvault::desktop
