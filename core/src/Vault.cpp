// Creating and unlocking a vault: the genesis record, password wraps of secret keys, and the
// replay-then-authenticate sequence of unlock.
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "Validation.h"

#include <fmt/format.h>

#include <cstring>

namespace sopvault::core {

using crypto::Bytes;
using namespace detail;

namespace detail {

// Wraps a user's secret keys under a password and signs the wrap with the user's own key.
Result<Bytes> wrapSecrets(const Id& vault, const Id& user, const crypto::SignKeyPair& sign,
                          const crypto::BoxKeyPair& box, const crypto::SecureBuffer& password,
                          crypto::KdfProfile profile)
{
    KeyWrap wrap;
    wrap.salt = crypto::randomBytes(crypto::kSaltSize);
    wrap.params = crypto::kdfParams(profile);
    SOPVAULT_TRY(key, crypto::deriveKey(password, wrap.salt, wrap.params));
    SOPVAULT_TRY(secrets, crypto::SecureBuffer::allocate(sign.secretKey.size() +
                                                         box.secretKey.size()));
    std::memcpy(secrets.data(), sign.secretKey.data(), sign.secretKey.size());
    std::memcpy(secrets.data() + sign.secretKey.size(), box.secretKey.data(),
                box.secretKey.size());
    SOPVAULT_TRY(sealed,
                 crypto::seal(key, secrets.span(), keyWrapAd(vault, user, wrap.params, wrap.salt)));
    wrap.sealed = std::move(sealed);
    SOPVAULT_TRY(signature, crypto::sign(sign.secretKey, keyWrapSigned(vault, user, wrap)));
    wrap.signature = signature;
    return encode(wrap);
}

Result<void> storeWrap(storage::Database& db, const Id& user, const Bytes& wrap)
{
    SOPVAULT_TRY(stmt, db.prepare("INSERT OR REPLACE INTO user_keys (user_id, wrap) VALUES (?, ?)"));
    stmt.bind(1, crypto::ByteView(user)).bind(2, crypto::ByteView(wrap));
    return stmt.run();
}

} // namespace detail

namespace {

void removeVaultFiles(const std::filesystem::path& path)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path.string() + suffix, ec);
    }
}

Result<CreatedVault> createInto(storage::Database& db, std::string_view ownerName,
                                const crypto::SecureBuffer& password, crypto::KdfProfile profile,
                                const Clock& clock)
{
    SOPVAULT_TRY(sign, crypto::generateSignKeyPair());
    SOPVAULT_TRY(box, crypto::generateBoxKeyPair());
    SOPVAULT_TRY(audit, crypto::generateBoxKeyPair());

    Engine engine(std::move(db));
    engine.clock = &clock;
    engine.state.vaultId = randomId();
    engine.me = randomId();
    engine.signKeys = std::move(sign);
    engine.boxKeys = std::move(box);

    GenesisPayload genesis;
    genesis.userId = engine.me;
    genesis.name = std::string(ownerName);
    genesis.signKey = engine.signKeys.publicKey;
    genesis.boxKey = engine.boxKeys.publicKey;
    genesis.auditKey = audit.publicKey;
    SOPVAULT_TRY(sealedAudit, crypto::sealTo(engine.boxKeys.publicKey, audit.secretKey.span()));
    genesis.sealedAuditSecret = std::move(sealedAudit);
    engine.state.auditKey = audit.publicKey;

    SOPVAULT_TRY(wrap, wrapSecrets(engine.state.vaultId, engine.me, engine.signKeys,
                                   engine.boxKeys, password, profile));
    AuditNote note{"vault-created", {}, false, {}};
    const Id owner = engine.me;
    SOPVAULT_CHECK(engine.commitAdmin(RecordKind::Genesis, encode(genesis), note,
                                      [&](storage::Database& d) { return storeWrap(d, owner, wrap); }));
    db = std::move(engine.db);
    return CreatedVault{toHex(engine.state.vaultId),
                        crypto::fingerprint(engine.signKeys.publicKey)};
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
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
    }
    SOPVAULT_TRY(db, storage::Database::open(path, storage::OpenMode::CreateNew,
                                             options.busyTimeout));
    SystemClock system;
    auto created = createInto(db, ownerName, password, profile,
                              options.clock != nullptr ? *options.clock : system);
    if (!created) {
        // Nothing half-made stays behind: the file was ours alone.
        { auto closing = std::move(db); }
        removeVaultFiles(path);
    }
    return created;
}

namespace {

std::unexpected<Error> authFailed()
{
    return fail(ErrorCode::Auth, "Unknown user or wrong password.");
}

Result<KeyWrap> readWrap(storage::Database& db, const Id& user)
{
    SOPVAULT_TRY(stmt, db.prepare("SELECT wrap FROM user_keys WHERE user_id = ?"));
    stmt.bind(1, crypto::ByteView(user));
    SOPVAULT_TRY(row, stmt.step());
    if (!row) {
        return fail(ErrorCode::Integrity, "This person's keys are missing from the vault file.");
    }
    return decodeKeyWrap(stmt.columnBytes(0));
}

void recordFailedUnlock(storage::Database& db, const Id& user, Timestamp when)
{
    // Best effort: a read-only or busy file must not turn a wrong password into another error.
    auto stmt = db.prepare("INSERT INTO failed_unlocks (user_id, time) VALUES (?, ?)");
    if (stmt) {
        stmt->bind(1, crypto::ByteView(user)).bind(2, when);
        (void)stmt->run();
    }
}

// Signs this person's pending failed-unlock notes and the login into the audit log.
Result<void> auditLogin(Engine& engine)
{
    SOPVAULT_TRY(tx, storage::WriteTransaction::begin(engine.db));
    SOPVAULT_TRY(pending, engine.db.prepare("SELECT time FROM failed_unlocks WHERE user_id = ? "
                                            "ORDER BY time"));
    pending.bind(1, crypto::ByteView(engine.me));
    std::vector<Timestamp> failures;
    for (;;) {
        SOPVAULT_TRY(row, pending.step());
        if (!row) {
            break;
        }
        failures.push_back(pending.columnInt(0));
    }
    for (Timestamp t : failures) {
        AuditNote note{"unlock-failed", engine.me, true, {}};
        note.detail.note = fmt::format("wrong password at {}", formatTime(t));
        SOPVAULT_CHECK(engine.appendAuditInTransaction(note));
    }
    SOPVAULT_TRY(clear, engine.db.prepare("DELETE FROM failed_unlocks WHERE user_id = ?"));
    clear.bind(1, crypto::ByteView(engine.me));
    SOPVAULT_CHECK(clear.run());
    SOPVAULT_CHECK(engine.appendAuditInTransaction(AuditNote{"login", {}, false, {}}));
    return tx.commit();
}

} // namespace

Result<std::unique_ptr<Session>> unlock(const std::filesystem::path& path, std::string_view user,
                                        const crypto::SecureBuffer& password,
                                        const OpenOptions& options)
{
    SOPVAULT_TRY(db, storage::Database::open(path, storage::OpenMode::OpenExisting,
                                             options.busyTimeout));
    SOPVAULT_TRY(replayed, replay(db, false));
    auto engine = std::make_unique<Engine>(std::move(db));
    if (options.clock != nullptr) {
        engine->clock = options.clock;
    }
    engine->state = std::move(replayed.state);
    engine->adminSound = replayed.adminSound;
    for (auto& p : replayed.problems) {
        engine->problems.push_back({std::move(p.record), std::move(p.problem)});
    }
    if (!engine->state.haveGenesis) {
        return fail(ErrorCode::Integrity,
                    fmt::format("{} is damaged: its genesis record failed verification ({}).",
                                path.string(),
                                engine->problems.empty() ? "missing"
                                                         : engine->problems.front().problem));
    }

    const UserState* person = engine->state.userNamed(user);
    if (person == nullptr) {
        if (!engine->adminSound) {
            return fail(ErrorCode::Integrity,
                        fmt::format("The vault's administration log is damaged ({}: {}); run "
                                    "'verify' as an owner.",
                                    engine->problems.front().record,
                                    engine->problems.front().problem));
        }
        // Same work as a real attempt, so timing does not reveal who exists: derive with the
        // genesis owner's parameters.
        crypto::KdfParams params = crypto::kdfParams(crypto::KdfProfile::Moderate);
        for (const auto& [id, u] : engine->state.users) {
            if (u.owner) {
                if (auto w = readWrap(engine->db, id); w && crypto::checkKdfParams(w->params)) {
                    params = w->params;
                }
                break;
            }
        }
        const Bytes salt = crypto::randomBytes(crypto::kSaltSize);
        (void)crypto::deriveKey(password, salt, params);
        return authFailed();
    }
    const Id me = person->id;
    SOPVAULT_TRY(wrap, readWrap(engine->db, me));
    if (!crypto::verify(person->signKey, keyWrapSigned(engine->state.vaultId, me, wrap),
                        wrap.signature)) {
        return fail(ErrorCode::Integrity,
                    fmt::format("The stored keys of {} were changed (their signature does not "
                                "match); the file was tampered with.",
                                person->name));
    }
    SOPVAULT_CHECK(crypto::checkKdfParams(wrap.params));
    SOPVAULT_TRY(key, crypto::deriveKey(password, wrap.salt, wrap.params));
    auto secrets = crypto::openSecret(key, wrap.sealed,
                                      keyWrapAd(engine->state.vaultId, me, wrap.params, wrap.salt));
    if (!secrets || secrets->size() != 96) {
        recordFailedUnlock(engine->db, me, engine->clock->now());
        return authFailed();
    }
    SOPVAULT_TRY(signSecret, crypto::SecureBuffer::copyOf(secrets->span().first(64)));
    SOPVAULT_TRY(boxSecret, crypto::SecureBuffer::copyOf(secrets->span().subspan(64)));
    SOPVAULT_TRY(signPub, crypto::signPublicKeyOf(signSecret));
    SOPVAULT_TRY(boxPub, crypto::boxPublicKeyOf(boxSecret));
    if (signPub != person->signKey || boxPub != person->boxKey) {
        return fail(ErrorCode::Integrity, "The stored keys do not match this person's public "
                                          "keys in the administration log.");
    }
    engine->me = me;
    engine->signKeys = crypto::SignKeyPair{signPub, std::move(signSecret)};
    engine->boxKeys = crypto::BoxKeyPair{boxPub, std::move(boxSecret)};
    engine->openKeys();
    if (engine->adminSound) {
        SOPVAULT_CHECK(auditLogin(*engine));
    }
    return std::unique_ptr<Session>(new Session(std::move(engine)));
}

} // namespace sopvault::core
