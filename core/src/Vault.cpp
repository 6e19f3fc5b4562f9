// Creating, unlocking and recovering a vault: the genesis record and recovery identity,
// password wraps of secret keys, and the replay-then-authenticate sequence of unlock with its
// rollback check against what this machine saw before.
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "LocalState.h"
#include "Validation.h"
#include "storage/PrivateFiles.h"

#include <fmt/format.h>

#include <cstring>

namespace sopvault::core {

using crypto::Bytes;
using namespace detail;

namespace detail {

// The 96 secret bytes of a person: Ed25519 secret (64) then X25519 secret (32).
Result<crypto::SecureBuffer> joinSecrets(const crypto::SignKeyPair& sign,
                                         const crypto::BoxKeyPair& box)
{
    SOPVAULT_TRY(secrets,
                 crypto::SecureBuffer::allocate(sign.secretKey.size() + box.secretKey.size()));
    std::memcpy(secrets.data(), sign.secretKey.data(), sign.secretKey.size());
    std::memcpy(secrets.data() + sign.secretKey.size(), box.secretKey.data(), box.secretKey.size());
    return secrets;
}

// Wraps a user's secret keys under a password and signs the wrap with the user's own key;
// `setByOwner` when an owner chose the password (KeyWrap::setByOwner).
Result<Bytes> wrapSecrets(const Id& vault, const Id& user, const crypto::SignKeyPair& sign,
                          const crypto::BoxKeyPair& box, const crypto::SecureBuffer& password,
                          crypto::KdfProfile profile, bool setByOwner)
{
    KeyWrap wrap;
    wrap.setByOwner = setByOwner;
    wrap.salt = crypto::randomBytes(crypto::kSaltSize);
    wrap.params = crypto::kdfParams(profile);
    SOPVAULT_TRY(key, crypto::deriveKey(password, wrap.salt, wrap.params));
    SOPVAULT_TRY(secrets, joinSecrets(sign, box));
    SOPVAULT_TRY(sealed,
                 crypto::seal(key, secrets.span(), keyWrapAd(vault, user, wrap.params, wrap.salt)));
    wrap.sealed = std::move(sealed);
    SOPVAULT_TRY(signature, crypto::sign(sign.secretKey, keyWrapSigned(vault, user, wrap)));
    wrap.signature = signature;
    return encode(wrap);
}

// Seals an owner's secret keys to the recovery identity, signed by the owner.
Result<void> storeRecoverySeal(VaultFile& file, const Id& vault, const Id& user,
                               const crypto::BoxPublicKey& recoveryKey,
                               const crypto::SignKeyPair& sign, const crypto::BoxKeyPair& box)
{
    SOPVAULT_TRY(secrets, joinSecrets(sign, box));
    SOPVAULT_TRY(sealed, crypto::sealTo(recoveryKey, secrets.span()));
    Bytes message = recoverySealAd(vault, user);
    message.insert(message.end(), sealed.begin(), sealed.end());
    SOPVAULT_TRY(signature, crypto::sign(sign.secretKey, message));
    return file.storeRecoverySeal(user, sealed, signature);
}

// The secret a wrap seals, opened with `password` (or the recovery code): nothing when that
// is not the one it was wrapped with; an error only when the key cannot be derived.
Result<std::optional<crypto::SecureBuffer>>
openWrap(const Id& vault, const Id& user, const KeyWrap& wrap, const crypto::SecureBuffer& password)
{
    SOPVAULT_TRY(key, crypto::deriveKey(password, wrap.salt, wrap.params));
    auto secret =
        crypto::openSecret(key, wrap.sealed, keyWrapAd(vault, user, wrap.params, wrap.salt));
    if (!secret) {
        return std::nullopt;
    }
    return std::optional<crypto::SecureBuffer>(std::move(*secret));
}

// A person's stored password wrap, decoded (its signature is the caller's to check).
Result<KeyWrap> readWrap(const VaultFile& file, const Id& user)
{
    SOPVAULT_TRY(wrap, file.wrap(user));
    if (!wrap) {
        return fail(ErrorCode::Integrity, "This person's keys are missing from the vault file.");
    }
    return decodeKeyWrap(*wrap);
}

} // namespace detail

namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::size_t kRecoveryBytes = 20; // 160 bits: 32 base32 characters

// "ABCD-EFGH-..." from 20 random bytes.
Result<crypto::SecureBuffer> formatRecoveryCode(const crypto::SecureBuffer& raw)
{
    SOPVAULT_TRY(out, crypto::SecureBuffer::allocate(32 + 7));
    std::size_t n = 0;
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        buffer = (buffer << 8) | raw.data()[i];
        bits += 8;
        while (bits >= 5) {
            if (chars > 0 && chars % 4 == 0) {
                out.data()[n++] = '-';
            }
            out.data()[n++] = static_cast<std::uint8_t>(
                kBase32[(buffer >> static_cast<unsigned>(bits - 5)) & 31U]);
            bits -= 5;
            ++chars;
        }
    }
    buffer = 0;
    return out;
}

// Back to 20 bytes; spaces, dashes and case do not matter. `auth` if it cannot be a code.
Result<crypto::SecureBuffer> parseRecoveryCode(const crypto::SecureBuffer& code)
{
    SOPVAULT_TRY(out, crypto::SecureBuffer::allocate(kRecoveryBytes));
    std::size_t n = 0;
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < code.size(); ++i) {
        char c = static_cast<char>(code.data()[i]);
        if (c == '-' || c == ' ') {
            continue;
        }
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
        const auto pos = kBase32.find(c);
        if (pos == std::string_view::npos || n >= kRecoveryBytes) {
            return fail(ErrorCode::Auth, "That is not a recovery code (32 letters and digits "
                                         "2-7, in groups of four).");
        }
        buffer = (buffer << 5) | static_cast<std::uint32_t>(pos);
        bits += 5;
        ++chars;
        if (bits >= 8) {
            out.data()[n++] = static_cast<std::uint8_t>(buffer >> static_cast<unsigned>(bits - 8));
            bits -= 8;
        }
    }
    if (chars != 32 || n != kRecoveryBytes) {
        return fail(ErrorCode::Auth, "That is not a recovery code (32 letters and digits 2-7, "
                                     "in groups of four).");
    }
    return out;
}

void removeVaultFiles(const std::filesystem::path& path)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path.string() + suffix, ec);
    }
}

Result<CreatedVault> createInto(VaultFile& file, const std::filesystem::path& path,
                                std::string_view ownerName, const crypto::SecureBuffer& password,
                                crypto::KdfProfile profile, const Clock& clock,
                                const OpenOptions& options)
{
    SOPVAULT_TRY(sign, crypto::generateSignKeyPair());
    SOPVAULT_TRY(box, crypto::generateBoxKeyPair());
    SOPVAULT_TRY(audit, crypto::generateBoxKeyPair());
    SOPVAULT_TRY(recovery, crypto::generateBoxKeyPair());

    Engine engine(std::move(file));
    engine.writes().setClock(clock);
    const Id vault = randomId();
    engine.startVault(vault, audit.publicKey);
    engine.keys().become(randomId(), std::move(sign), std::move(box));

    GenesisPayload genesis;
    genesis.userId = engine.me();
    genesis.name = std::string(ownerName);
    genesis.signKey = engine.keys().signKeys().publicKey;
    genesis.boxKey = engine.keys().boxKeys().publicKey;
    genesis.auditKey = audit.publicKey;
    SOPVAULT_TRY(sealedAudit,
                 crypto::sealTo(engine.keys().boxKeys().publicKey, audit.secretKey.span()));
    genesis.sealedAuditSecret = std::move(sealedAudit);

    // The recovery identity: its secret wrapped under a random code the owner writes down.
    // The code carries 160 random bits, so the interactive Argon2id cost is plenty.
    SOPVAULT_TRY(rawCode, crypto::randomKey(kRecoveryBytes));
    SOPVAULT_TRY(code, formatRecoveryCode(rawCode));
    KeyWrap recoveryWrap;
    recoveryWrap.salt = crypto::randomBytes(crypto::kSaltSize);
    recoveryWrap.params = crypto::kdfParams(crypto::KdfProfile::Interactive);
    SOPVAULT_TRY(recoveryKey, crypto::deriveKey(rawCode, recoveryWrap.salt, recoveryWrap.params));
    SOPVAULT_TRY(sealedRecovery,
                 crypto::seal(recoveryKey, recovery.secretKey.span(),
                              keyWrapAd(vault, Id{}, recoveryWrap.params, recoveryWrap.salt)));
    recoveryWrap.sealed = std::move(sealedRecovery);
    genesis.recoveryKey = recovery.publicKey;
    genesis.recoveryWrap = encode(recoveryWrap);

    SOPVAULT_TRY(wrap, wrapSecrets(vault, engine.me(), engine.keys().signKeys(),
                                   engine.keys().boxKeys(), password, profile, false));
    AuditNote note{"vault-created", {}, false, {}};
    const Id owner = engine.me();
    SOPVAULT_CHECK(engine.writes().commitAdmin(
        RecordKind::Genesis, encode(genesis), note, [&](VaultFile& f) -> Result<void> {
            SOPVAULT_CHECK(f.storeWrap(owner, wrap));
            return storeRecoverySeal(f, vault, owner, recovery.publicKey, engine.keys().signKeys(),
                                     engine.keys().boxKeys());
        }));
    // This machine trusts the vault it just made: no "first open" notice for its creator.
    // A new vault replaces whatever this machine remembered for the path.
    SOPVAULT_CHECK(engine.trust().attach(engine.state(), engine.keys(), path,
                                         std::string(ownerName), options.stateDir));
    if (auto pinned = engine.trust().saveMarks(engine.state()); !pinned) {
        return fail(ErrorCode::Failed,
                    fmt::format("The vault was not created: this machine's record of it "
                                "could not be written ({}). Make {} writable and try again.",
                                pinned.error().message,
                                engine.trust().marksPath().parent_path().string()));
    }
    file = std::move(engine.file());
    return CreatedVault{toHex(vault), crypto::fingerprint(engine.keys().signKeys().publicKey),
                        std::move(code)};
}

std::unexpected<Error> authFailed()
{
    return fail(ErrorCode::Auth, "Unknown user or wrong password.");
}

// Signs this person's pending failed-unlock notes and the login (or `action`) into the audit
// log; an owner without a recovery seal (a second owner) gets one.
Result<void> auditLogin(Engine& engine, const char* action)
{
    SOPVAULT_TRY(tx, engine.file().beginWrite());
    SOPVAULT_TRY(failures, engine.file().failedUnlocks(engine.me()));
    for (Timestamp t : failures) {
        AuditNote note{"unlock-failed", engine.me(), true, {}};
        note.detail.note = fmt::format("wrong password at {}", formatTime(t));
        SOPVAULT_CHECK(engine.writes().appendAuditInTransaction(note));
    }
    SOPVAULT_CHECK(engine.file().clearFailedUnlocks(engine.me()));
    if (engine.policy().isOwner(engine.me())) {
        SOPVAULT_TRY(sealed, engine.file().recoverySeal(engine.me()));
        if (!sealed) {
            SOPVAULT_CHECK(storeRecoverySeal(engine.file(), engine.state().vaultId, engine.me(),
                                             engine.state().recoveryKey, engine.keys().signKeys(),
                                             engine.keys().boxKeys()));
        }
    }
    SOPVAULT_CHECK(engine.writes().appendAuditInTransaction(AuditNote{action, {}, false, {}}));
    return tx.commit();
}

// Opens the file and replays its administration log: enough to know who the people are and
// check a password. The rest is replayed once the person is known (becomePerson), so this
// machine's verified cache of what they checked before can be used.
Result<std::unique_ptr<Engine>> openReplayed(const std::filesystem::path& path,
                                             const OpenOptions& options)
{
    SOPVAULT_TRY(file, VaultFile::open(path, storage::OpenMode::OpenExisting, options.busyTimeout));
    SOPVAULT_TRY(replayed, replay(file, ReplayOptions{.administrationOnly = true}));
    auto engine = std::make_unique<Engine>(std::move(file));
    if (options.clock != nullptr) {
        engine->writes().setClock(*options.clock);
    }
    engine->adopt(std::move(replayed));
    if (!engine->state().haveGenesis) {
        return fail(ErrorCode::Integrity,
                    fmt::format("{} is damaged: its genesis record failed verification ({}).",
                                path.string(),
                                engine->problems().empty() ? "missing"
                                                           : engine->problems().front().problem));
    }
    return engine;
}

// Replays the rest of the file (SOP versions, reviews, the audit log's head), taking from this
// machine's verified cache what this person verified before, and keeps the cache's list lines.
Result<void> replayAsPerson(Engine& engine, bool useCache)
{
    std::optional<VerifiedCache> cache;
    if (useCache) {
        cache = engine.trust().loadCache(engine.state());
    }
    SOPVAULT_TRY(replayed, replay(engine.file(),
                                  ReplayOptions{.cache = cache ? &*cache : nullptr,
                                                .verifiedAdmin = &engine.state().adminHashes}));
    const bool replayedMore = replayed.cachedVersions < replayed.sopVersions;
    engine.adopt(std::move(replayed));
    engine.trust().adoptCache(cache, replayedMore, engine.state(), engine.me());
    return {};
}

// Takes on a person's keys after checking them against their public keys in the log, replays
// the rest of the file, opens what is sealed to them and checks the file against this
// machine's rollback marks.
Result<void> becomePerson(Engine& engine, const UserState& person, crypto::SecureBuffer secrets,
                          const std::filesystem::path& path, const OpenOptions& options)
{
    if (secrets.size() != 96) {
        return fail(ErrorCode::Integrity, "Stored secret keys have the wrong size.");
    }
    SOPVAULT_TRY(signSecret, crypto::SecureBuffer::copyOf(secrets.span().first(64)));
    SOPVAULT_TRY(boxSecret, crypto::SecureBuffer::copyOf(secrets.span().subspan(64)));
    SOPVAULT_TRY(signPub, crypto::signPublicKeyOf(signSecret));
    SOPVAULT_TRY(boxPub, crypto::boxPublicKeyOf(boxSecret));
    if (signPub != person.signKey || boxPub != person.boxKey) {
        return fail(ErrorCode::Integrity, "The stored keys do not match this person's public "
                                          "keys in the administration log.");
    }
    // `person` lives in the state the replay below replaces.
    const std::string name = person.name;
    engine.keys().become(person.id, crypto::SignKeyPair{signPub, std::move(signSecret)},
                         crypto::BoxKeyPair{boxPub, std::move(boxSecret)});
    SOPVAULT_CHECK(
        engine.trust().attach(engine.state(), engine.keys(), path, name, options.stateDir));
    SOPVAULT_TRY(seen, engine.trust().loadMarks(engine.state()));
    // The cache stands for what this machine verified; without marks (a first open, or a record
    // deleted to trust the file afresh) everything is checked again.
    SOPVAULT_CHECK(replayAsPerson(engine, seen.has_value()));
    // The file may have changed between the two replays: the person must still be who they were.
    const UserState* now = engine.state().user(engine.me());
    if (now == nullptr || now->removed || now->signKey != signPub || now->boxKey != boxPub) {
        return fail(ErrorCode::Auth,
                    fmt::format("{} was removed from the vault, or their keys changed, while "
                                "the vault was being unlocked.",
                                name));
    }
    engine.openKeys();
    SOPVAULT_CHECK(engine.trust().compare(engine.state(), seen));
    if (seen && seen->serverPosition > 0) {
        SOPVAULT_TRY(row, engine.file().serverLogAt(seen->serverPosition));
        SOPVAULT_CHECK(compareServerMark(*seen, row ? std::optional<crypto::Hash32>(row->running)
                                                    : std::nullopt));
    }
    return {};
}

} // namespace

Result<CreatedVault> createVault(const std::filesystem::path& path, std::string_view ownerName,
                                 const crypto::SecureBuffer& password, crypto::KdfProfile profile,
                                 const OpenOptions& options)
{
    SOPVAULT_CHECK(validateName("user", ownerName));
    if (password.empty()) {
        return fail(ErrorCode::Usage, "The password may not be empty.");
    }
    if (path.has_parent_path()) {
        // Folders made for the vault are private; an existing (perhaps shared) one is kept.
        if (auto made = storage::createPrivateDirectories(path.parent_path()); !made) {
            return fail(ErrorCode::Failed, fmt::format("The vault's folder could not be made: {}.",
                                                       made.error().message));
        }
    }
    SOPVAULT_TRY(file, VaultFile::open(path, storage::OpenMode::CreateNew, options.busyTimeout));
    SystemClock system;
    auto created = createInto(file, path, ownerName, password, profile,
                              options.clock != nullptr ? *options.clock : system, options);
    if (!created) {
        // Nothing half-made stays behind: the file was ours alone.
        {
            auto closing = std::move(file);
        }
        removeVaultFiles(path);
    }
    return created;
}

Result<std::unique_ptr<Session>> unlock(const std::filesystem::path& path, std::string_view user,
                                        const crypto::SecureBuffer& password,
                                        const OpenOptions& options)
{
    SOPVAULT_TRY(engine, openReplayed(path, options));
    const UserState* person = engine->state().userNamed(user);
    if (person == nullptr || person->removed) {
        if (!engine->writes().sound()) {
            return fail(ErrorCode::Integrity,
                        fmt::format("The vault's administration log is damaged ({}: {}); run "
                                    "'verify' as an owner.",
                                    engine->problems().front().record,
                                    engine->problems().front().problem));
        }
        // Same work as a real attempt, so timing does not reveal who exists: derive with the
        // genesis owner's parameters.
        // Only a wrap whose owner signed it may set that cost: otherwise someone who can write
        // the file could make every mistyped name cost the ceiling's 4 GiB.
        crypto::KdfParams params = crypto::kdfParams(crypto::KdfProfile::Moderate);
        const UserState* owner = engine->state().user(engine->state().genesisOwner);
        if (auto w = readWrap(engine->file(), engine->state().genesisOwner);
            w && owner != nullptr && crypto::checkKdfParams(w->params) &&
            crypto::verify(owner->signKey,
                           keyWrapSigned(engine->state().vaultId, engine->state().genesisOwner, *w),
                           w->signature)) {
            params = w->params;
        }
        const Bytes salt = crypto::randomBytes(crypto::kSaltSize);
        (void)crypto::deriveKey(password, salt, params);
        return authFailed();
    }
    const Id me = person->id;
    SOPVAULT_TRY(wrap, readWrap(engine->file(), me));
    if (!crypto::verify(person->signKey, keyWrapSigned(engine->state().vaultId, me, wrap),
                        wrap.signature)) {
        return fail(ErrorCode::Integrity,
                    fmt::format("The stored keys of {} were changed (their signature does not "
                                "match); the file was tampered with.",
                                person->name));
    }
    SOPVAULT_CHECK(crypto::checkKdfParams(wrap.params));
    SOPVAULT_TRY(secrets, openWrap(engine->state().vaultId, me, wrap, password));
    if (!secrets) {
        engine->file().noteFailedUnlock(me, engine->clock().now());
        return authFailed();
    }
    SOPVAULT_CHECK(becomePerson(*engine, *person, std::move(*secrets), path, options));
    engine->setPasswordSetByOwner(wrap.setByOwner); // of the wrap whose signature held
    if (engine->writes().sound()) {
        SOPVAULT_CHECK(auditLogin(*engine, "login"));
        SOPVAULT_CHECK(engine->writes().recordSeen());
        SOPVAULT_CHECK(engine->saveCache());
    }
    return std::unique_ptr<Session>(new Session(std::move(engine)));
}

Result<void> recoverOwner(const std::filesystem::path& path, std::string_view owner,
                          const crypto::SecureBuffer& recoveryCode,
                          const crypto::SecureBuffer& newPassword, crypto::KdfProfile profile,
                          const OpenOptions& options)
{
    if (newPassword.empty()) {
        return fail(ErrorCode::Usage, "The new password may not be empty.");
    }
    SOPVAULT_TRY(engine, openReplayed(path, options));
    SOPVAULT_CHECK(engine->writes().requireSound());
    const UserState* person = engine->state().userNamed(owner);
    if (person == nullptr || !person->owner) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no owner named '{}'; the recovery code only sets "
                                "owners' passwords.",
                                owner));
    }
    const State& st = engine->state();
    SOPVAULT_TRY(wrap, decodeKeyWrap(st.recoveryWrap));
    SOPVAULT_CHECK(crypto::checkKdfParams(wrap.params));
    SOPVAULT_TRY(raw, parseRecoveryCode(recoveryCode));
    SOPVAULT_TRY(recoverySecret, openWrap(st.vaultId, Id{}, wrap, raw));
    if (!recoverySecret) {
        return fail(ErrorCode::Auth, "The recovery code is wrong.");
    }
    SOPVAULT_TRY(recoveryPub, crypto::boxPublicKeyOf(*recoverySecret));
    if (recoveryPub != st.recoveryKey) {
        return fail(ErrorCode::Integrity, "The recovery identity does not match the vault's.");
    }
    SOPVAULT_TRY(row, engine->file().recoverySeal(person->id));
    if (!row) {
        return fail(ErrorCode::NotFound,
                    fmt::format("{} has not unlocked the vault since becoming an owner, so the "
                                "recovery code cannot reach their keys yet.",
                                owner));
    }
    const Bytes& sealed = row->sealed;
    const Bytes& sig = row->signature;
    Bytes message = recoverySealAd(st.vaultId, person->id);
    message.insert(message.end(), sealed.begin(), sealed.end());
    crypto::Signature signature{};
    if (sig.size() != signature.size()) {
        return fail(ErrorCode::Integrity, "A recovery seal is damaged.");
    }
    std::memcpy(signature.data(), sig.data(), sig.size());
    if (!crypto::verify(person->signKey, message, signature)) {
        return fail(ErrorCode::Integrity, "A recovery seal was changed; the file was tampered "
                                          "with.");
    }
    const crypto::BoxKeyPair recovery{recoveryPub, std::move(*recoverySecret)};
    SOPVAULT_TRY(secrets, crypto::openSealed(recovery, sealed));
    SOPVAULT_CHECK(becomePerson(*engine, *person, std::move(secrets), path, options));
    if (!engine->policy().isOwner(engine->me())) {
        return fail(ErrorCode::NotFound,
                    fmt::format("'{}' stopped being an owner while the vault was being opened; "
                                "the recovery code only sets owners' passwords.",
                                owner));
    }
    SOPVAULT_CHECK(engine->writes().requireSound());
    SOPVAULT_TRY(newWrap, wrapSecrets(st.vaultId, engine->me(), engine->keys().signKeys(),
                                      engine->keys().boxKeys(), newPassword, profile, false));
    SOPVAULT_TRY(tx, engine->file().beginWrite());
    SOPVAULT_CHECK(engine->file().storeWrap(engine->me(), newWrap));
    AuditNote note{"recovered", engine->me(), true, {}};
    note.detail.note = "password reset with the recovery code";
    SOPVAULT_CHECK(engine->writes().appendAuditInTransaction(note));
    SOPVAULT_CHECK(tx.commit());
    return engine->writes().recordSeen();
}

} // namespace sopvault::core
