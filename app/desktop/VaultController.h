// The desktop app's one adapter to core: holds the unlocked Session, converts strings and
// times for Qt, runs slow work (Argon2id, import, re-keying) off the GUI thread with progress,
// and turns core errors into messages. Widgets hold no SQL, no sodium and no rights decisions.
#pragma once

#include "sopvault/core/Vault.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

class QLabel;
class QLineEdit;
class QProgressBar;

#include <atomic>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>

namespace sopvault::desktop {

// What core said went wrong, ready for a message box or a label.
struct Failure
{
    ErrorCode code = ErrorCode::Failed;
    QString message;
};

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

namespace detail {
// Test hook: called with a text buffer after it was overwritten and before it is freed, so a
// test can check which buffer was wiped without reading freed memory. nullptr removes it.
using TextWipeObserver = void (*)(const QChar* data, qsizetype size);
void setTextWipeObserver(TextWipeObserver observer) noexcept;
} // namespace detail

// An empty, word-wrapped label in the error colour, for the sentences core returns.
QLabel* errorLabel(const char* objectName);
// An indeterminate, hidden progress bar: shown while slow work runs off the GUI thread.
QProgressBar* busyBar(const char* objectName);

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
    // Only while unlocked; the widgets ask "may I?" through it to grey out actions.
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
    void cancelImport() { m_cancelImport = true; }
    // Forgets the session and every key it held.
    void lock();

    // The whole SOP with its watermark, for the clipboard: core checks the export right (a
    // refusal is audited) and records what left, whatever the widgets showed.
    [[nodiscard]] std::expected<QString, Failure> copyAllText(const QString& sopId);

    // Loads the bundled sample library (resources/samples) into the unlocked vault.
    [[nodiscard]] std::optional<Failure> loadSamples();

    [[nodiscard]] static Failure failure(const Error& error);
    [[nodiscard]] static QString passwordStrengthHint(const QString& password);

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
    // Any change to the vault's content that views should show.
    void vaultChanged();

private:
    template <typename Work, typename Done>
    void runAsync(Work work, Done done);
    void setBusy(bool busy);

    std::filesystem::path m_vaultFile;
    std::filesystem::path m_stateDir;
    std::unique_ptr<core::Session> m_session;
    const core::Clock* m_clock = nullptr;
    bool m_busy = false;
    std::atomic<bool> m_cancelImport{false};
};

} // namespace sopvault::desktop

Q_DECLARE_METATYPE(sopvault::desktop::Failure)
Q_DECLARE_METATYPE(sopvault::core::ImportReport)
