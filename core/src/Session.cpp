// Session: what a person can do in an unlocked vault. Each call asks the AccessPolicy first
// and hands the write to the Engine's write pipeline, which checks it again by the replay rules.
#include "sopvault/core/Vault.h"

#include "sopvault/core/Diff.h"
#include "sopvault/core/ImportRules.h"

#include "AttachmentRules.h"
#include "Engine.h"
#include "Templates.h"
#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

namespace sopvault::core {

using crypto::Bytes;
using namespace detail;

namespace detail {
Result<Bytes> wrapSecrets(const Id& vault, const Id& user, const crypto::SignKeyPair& sign,
                          const crypto::BoxKeyPair& box, const crypto::SecureBuffer& password,
                          crypto::KdfProfile profile, bool setByOwner);
Result<KeyWrap> readWrap(const VaultFile& file, const Id& user);
Result<std::optional<crypto::SecureBuffer>> openWrap(const Id& vault, const Id& user,
                                                     const KeyWrap& wrap,
                                                     const crypto::SecureBuffer& password);
} // namespace detail

namespace {

AuditNote note(std::string action, const Id& target, std::string title = {}, std::string text = {})
{
    AuditNote n{std::move(action), target, true, {}};
    n.detail.title = std::move(title);
    n.detail.note = std::move(text);
    return n;
}

AuditNote adminNote(std::string action, std::string text)
{
    AuditNote n{std::move(action), {}, false, {}};
    n.detail.note = std::move(text);
    return n;
}

} // namespace

Session::Session(std::unique_ptr<Engine> engine)
    : m_engine(std::move(engine)), m_policy(m_engine->state())
{}
Session::~Session()
{
    if (m_engine) {
        // Nobody is left to tell: a record or cache that cannot be written was reported at
        // unlock; without the audit entries' marks this machine only notices a cut of the audit
        // log up to the entries it had recorded, and without the cache the next unlock checks
        // everything again.
        (void)m_engine->writes().flushSeen();
        (void)m_engine->saveCache();
        (void)m_engine->saveSearchIndex();
    }
}

const std::string& Session::userName() const
{
    return m_engine->myName();
}
Id Session::userId() const
{
    return m_engine->me();
}
bool Session::isOwner() const
{
    return m_engine->policy().isOwner(m_engine->me());
}
std::string Session::vaultId() const
{
    return toHex(m_engine->state().vaultId);
}
const std::vector<VerifyProblem>& Session::problems() const
{
    return m_engine->problems();
}

const AccessPolicy& Session::policy() const
{
    return m_policy;
}

bool Session::firstOpen() const
{
    return m_engine->trust().firstOpen();
}

bool Session::passwordSetByOwner() const
{
    return m_engine->passwordSetByOwner();
}

std::string Session::ownerFingerprint() const
{
    const UserState* owner = m_engine->state().user(m_engine->state().genesisOwner);
    return owner == nullptr ? std::string() : crypto::fingerprint(owner->signKey);
}

// --- people, roles, collections, grants ---

Result<void> Session::addUser(std::string_view name, const crypto::SecureBuffer& password,
                              crypto::KdfProfile profile)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "add users"));
    SOPVAULT_CHECK(validateName("user", name));
    if (e.state().userNamed(name) != nullptr) {
        return fail(ErrorCode::Failed, fmt::format("There is already a user named '{}'.", name));
    }
    if (password.empty()) {
        return fail(ErrorCode::Usage, "The new user's password may not be empty.");
    }
    SOPVAULT_TRY(sign, crypto::generateSignKeyPair());
    SOPVAULT_TRY(box, crypto::generateBoxKeyPair());
    UserAddedPayload p{randomId(), std::string(name), sign.publicKey, box.publicKey};
    // The owner chose this password: the person is asked for their own at the first unlock.
    SOPVAULT_TRY(wrap,
                 wrapSecrets(e.state().vaultId, p.userId, sign, box, password, profile, true));
    const Id id = p.userId;
    return e.writes().commitAdmin(RecordKind::UserAdded, encode(p),
                                  adminNote("user-add", fmt::format("added user {}", name)),
                                  [&](VaultFile& file) { return file.storeWrap(id, wrap); });
}

Result<void> Session::addOwner(std::string_view name)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "add owners"));
    const UserState* target = e.state().userNamed(name);
    if (target == nullptr) {
        return fail(ErrorCode::NotFound, fmt::format("There is no user named '{}'.", name));
    }
    if (target->owner) {
        return fail(ErrorCode::Failed, fmt::format("{} is already an owner.", name));
    }
    if (!e.keys().auditSecret()) {
        return fail(ErrorCode::Integrity, "Your copy of the audit key is unavailable; run "
                                          "'verify'.");
    }
    OwnerAddedPayload p;
    p.userId = target->id;
    SOPVAULT_TRY(sealedAudit, crypto::sealTo(target->boxKey, e.keys().auditSecret()->span()));
    p.sealedAuditSecret = std::move(sealedAudit);
    for (const auto& [id, c] : e.state().collections) {
        const crypto::SecureBuffer* key = e.keyFor(id);
        if (key == nullptr) {
            return fail(ErrorCode::Integrity,
                        fmt::format("You hold no key for collection {}; run 'verify'.", toHex(id)));
        }
        SOPVAULT_TRY(sealed, crypto::sealTo(target->boxKey, key->span()));
        p.shares.push_back({id, c.epoch, target->id, std::move(sealed)});
    }
    return e.writes().commitAdmin(RecordKind::OwnerAdded, encode(p),
                                  adminNote("owner-add", fmt::format("made {} an owner", name)));
}

Result<void> Session::changePassword(const crypto::SecureBuffer& newPassword,
                                     crypto::KdfProfile profile)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    if (newPassword.empty()) {
        return fail(ErrorCode::Usage, "The new password may not be empty.");
    }
    if (e.passwordSetByOwner()) {
        // The owner's choice again would leave it known to whoever saw it on its way here.
        SOPVAULT_TRY(current, readWrap(e.file(), e.me()));
        SOPVAULT_TRY(opened, openWrap(e.state().vaultId, e.me(), current, newPassword));
        if (opened) {
            return fail(ErrorCode::Usage, "That is the password an owner chose for you; choose "
                                          "one that only you know.");
        }
    }
    SOPVAULT_TRY(wrap, wrapSecrets(e.state().vaultId, e.me(), e.keys().signKeys(),
                                   e.keys().boxKeys(), newPassword, profile, false));
    SOPVAULT_TRY(tx, e.file().beginWrite());
    SOPVAULT_CHECK(e.file().storeWrap(e.me(), wrap));
    SOPVAULT_CHECK(e.writes().appendAuditInTransaction(adminNote("password-change", {})));
    SOPVAULT_CHECK(tx.commit());
    e.setPasswordSetByOwner(false);
    return e.writes().recordSeen();
}

Result<void> Session::defineRole(std::string_view name, Rights rights)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "define roles"));
    SOPVAULT_CHECK(validateName("role", name));
    if (e.state().roleRights(name)) {
        return fail(ErrorCode::Failed, fmt::format("A role named '{}' already exists.", name));
    }
    if (rights.empty()) {
        return fail(ErrorCode::Usage, "A role needs at least one right.");
    }
    return e.writes().commitAdmin(
        RecordKind::RoleDefined, encode(RolePayload{std::string(name), rights}),
        adminNote("role-add", fmt::format("role {} = {}", name, rights.toString())));
}

Result<void> Session::removeRole(std::string_view name)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "remove roles"));
    if (!e.state().customRoles.contains(std::string(name))) {
        const bool builtIn = e.state().roleRights(name).has_value();
        return fail(builtIn ? ErrorCode::Usage : ErrorCode::NotFound,
                    builtIn ? fmt::format("'{}' is a built-in role and cannot be removed.", name)
                            : fmt::format("There is no role named '{}'.", name));
    }
    const auto uses = std::count_if(e.state().grants.begin(), e.state().grants.end(),
                                    [&](const auto& g) { return g.role == name; });
    if (uses > 0) {
        return fail(ErrorCode::Failed, fmt::format("Role '{}' is still held in {} grant(s); "
                                                   "ungrant them first.",
                                                   name, uses));
    }
    return e.writes().commitAdmin(
        RecordKind::RoleRemoved,
        encode(RolePayload{std::string(name), e.state().customRoles.at(std::string(name))}),
        adminNote("role-remove", fmt::format("role {}", name)));
}

Result<Id> Session::addCollection(std::string_view rawPath)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(path, normalisePath(rawPath));
    if (e.collectionByPath(path)) {
        return fail(ErrorCode::Failed, fmt::format("The collection '{}' already exists.", path));
    }
    const std::string parentPath = detail::parentPath(path);
    Id parent{};
    if (parentPath.empty()) {
        SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "add top-level collections"));
    } else {
        auto found = e.collectionByPath(parentPath);
        if (!found) {
            return fail(ErrorCode::NotFound,
                        fmt::format("The parent collection '{}' does not exist; add it first.",
                                    parentPath));
        }
        parent = *found;
        SOPVAULT_CHECK(e.policy().requireManage(e.me(), parent));
    }
    CollectionAddedPayload p;
    p.collectionId = randomId();
    p.parentId = parent;
    SOPVAULT_TRY(key, crypto::randomKey());
    SOPVAULT_TRY(commitment, keyCommitment(key, e.state().vaultId, p.collectionId, 0));
    p.commitment = std::move(commitment);
    SOPVAULT_TRY(name, crypto::seal(key, crypto::asBytes(path),
                                    collectionPathAd(e.state().vaultId, p.collectionId)));
    p.encryptedPath = std::move(name);
    bool mine = false;
    for (const Id& id : newCollectionRecipients(e.state(), parent)) {
        SOPVAULT_TRY(sealed, crypto::sealTo(e.state().users.at(id).boxKey, key.span()));
        p.shares.push_back({p.collectionId, 0, id, std::move(sealed)});
        mine = mine || id == e.me();
    }
    const Id id = p.collectionId;
    SOPVAULT_CHECK(e.writes().commitAdmin(RecordKind::CollectionAdded, encode(p),
                                          note("collection-add", id, path)));
    if (mine) {
        e.keys().keepNew(id, std::move(key), path);
    }
    return id;
}

Result<Id> Session::collectionId(std::string_view path) const
{
    return m_engine->collectionByPath(path);
}

namespace {

struct GrantTarget
{
    const UserState* user = nullptr;
    Rights rights;
    Id collection{};
};

Result<GrantTarget> resolveGrant(const Engine& e, std::string_view user, std::string_view role,
                                 std::string_view collection)
{
    GrantTarget t;
    t.user = e.state().userNamed(user);
    if (t.user == nullptr) {
        return fail(ErrorCode::NotFound, fmt::format("There is no user named '{}'.", user));
    }
    if (role == "owner") {
        return fail(ErrorCode::Usage, "'owner' is vault-wide; use 'owner add' instead of a grant.");
    }
    auto rights = e.state().roleRights(role);
    if (!rights) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no role named '{}'; 'role list' shows them.", role));
    }
    t.rights = *rights;
    SOPVAULT_TRY(id, e.collectionByPath(collection));
    t.collection = id;
    SOPVAULT_CHECK(e.policy().requireManage(e.me(), id));
    return t;
}

} // namespace

Result<void> Session::grant(std::string_view user, std::string_view role,
                            std::string_view collection)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(t, resolveGrant(e, user, role, collection));
    const GrantState g{t.user->id, std::string(role), t.collection};
    if (std::find(e.state().grants.begin(), e.state().grants.end(), g) != e.state().grants.end()) {
        return fail(ErrorCode::Failed,
                    fmt::format("{} already holds {} on {}.", user, role, e.pathOf(t.collection)));
    }
    GrantPayload p;
    p.userId = t.user->id;
    p.role = std::string(role);
    p.collectionId = t.collection;
    for (const Id& c : grantKeyCollections(e.state(), t.user->id, t.rights, t.collection)) {
        const crypto::SecureBuffer* key = e.keyFor(c);
        if (key == nullptr) {
            return fail(ErrorCode::Denied,
                        fmt::format("You hold no key for {}, so you cannot grant view on it.",
                                    e.pathOf(c)));
        }
        SOPVAULT_TRY(sealed, crypto::sealTo(t.user->boxKey, key->span()));
        p.shares.push_back({c, e.state().collections.at(c).epoch, t.user->id, std::move(sealed)});
    }
    return e.writes().commitAdmin(
        RecordKind::Grant, encode(p),
        note("grant", t.collection, e.pathOf(t.collection), fmt::format("{} as {}", user, role)));
}

Result<void> Session::ungrant(std::string_view user, std::string_view role,
                              std::string_view collection)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(t, resolveGrant(e, user, role, collection));
    const GrantState g{t.user->id, std::string(role), t.collection};
    if (std::find(e.state().grants.begin(), e.state().grants.end(), g) == e.state().grants.end()) {
        return fail(ErrorCode::NotFound,
                    fmt::format("{} does not hold {} on {}.", user, role, e.pathOf(t.collection)));
    }
    GrantPayload p;
    p.userId = t.user->id;
    p.role = std::string(role);
    p.collectionId = t.collection;
    // Losing view rotates the key of every collection the person can no longer see, so
    // nothing written from now on opens with the key they kept.
    for (const Id& c : collectionsToRotate(e.state(), t.user->id, &g)) {
        SOPVAULT_TRY(rotation, e.rotate(c, t.user->id));
        p.rotations.push_back(std::move(rotation));
    }
    const auto subtree = e.state().subtree(t.collection);
    const std::set<Id> affected(subtree.begin(), subtree.end());
    p.marks = e.marksNow(&affected);
    auto rotations = p.rotations;
    SOPVAULT_CHECK(e.writes().commitAdmin(
        RecordKind::Ungrant, encode(p),
        note("ungrant", t.collection, e.pathOf(t.collection),
             fmt::format("{} as {}; {} key(s) rotated", user, role, rotations.size()))));
    e.keys().keepRotated(rotations);
    return {};
}

Result<void> Session::removeUser(std::string_view name,
                                 const std::function<void(std::size_t, std::size_t)>& progress)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "remove users"));
    const UserState* target = e.state().userNamed(name);
    if (target == nullptr || target->removed) {
        return fail(ErrorCode::NotFound, fmt::format("There is no user named '{}'.", name));
    }
    if (target->id == e.me()) {
        return fail(ErrorCode::Usage, "You cannot remove yourself; ask another owner.");
    }
    UserRemovedPayload p;
    p.userId = target->id;
    const auto collections = collectionsToRotate(e.state(), target->id, nullptr);
    for (std::size_t i = 0; i < collections.size(); ++i) {
        if (progress) {
            progress(i, collections.size());
        }
        SOPVAULT_TRY(rotation, e.rotate(collections[i], target->id));
        p.rotations.push_back(std::move(rotation));
    }
    p.marks = e.marksNow(nullptr);
    auto rotations = p.rotations;
    const Id removed = target->id;
    SOPVAULT_CHECK(e.writes().commitAdmin(
        RecordKind::UserRemoved, encode(p),
        adminNote("user-remove",
                  fmt::format("removed {}; {} collection key(s) rotated", name, rotations.size())),
        [&](VaultFile& file) -> Result<void> {
            // Their password wrap goes too: this file no longer unlocks for them.
            return file.removeWrap(removed);
        }));
    e.keys().keepRotated(rotations);
    if (progress) {
        progress(collections.size(), collections.size());
    }
    return {};
}

std::vector<UserInfo> Session::users() const
{
    std::vector<UserInfo> out;
    for (const auto& [id, u] : m_engine->state().users) {
        out.push_back({id, u.name, u.owner, u.removed, crypto::fingerprint(u.signKey)});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

std::vector<RoleDefinition> Session::roles() const
{
    std::vector<RoleDefinition> out = builtInRoles();
    for (const auto& [name, rights] : m_engine->state().customRoles) {
        out.push_back({name, rights, false});
    }
    return out;
}

std::vector<CollectionInfo> Session::collections() const
{
    const Engine& e = *m_engine;
    std::vector<CollectionInfo> out;
    for (const auto& [id, c] : e.state().collections) {
        const bool readable = e.keys().canRead(id);
        out.push_back({id, e.pathOf(id), c.parent, readable, e.policy().rights(e.me(), id)});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(b.readable, a.path) < std::tie(a.readable, b.path);
    });
    return out;
}

std::vector<GrantInfo> Session::grantsOf(std::string_view user) const
{
    const Engine& e = *m_engine;
    std::vector<GrantInfo> out;
    const UserState* u = e.state().userNamed(user);
    if (u == nullptr) {
        return out;
    }
    for (const auto& g : e.state().grants) {
        if (g.user == u->id) {
            out.push_back({u->name, g.role, e.pathOf(g.collection),
                           e.state().roleRights(g.role).value_or(Rights{})});
        }
    }
    return out;
}

Result<std::vector<GrantInfo>> Session::access(std::string_view target) const
{
    const Engine& e = *m_engine;
    Id collection{};
    if (auto c = e.collectionByPath(target); c) {
        collection = *c;
    } else {
        SOPVAULT_TRY(sop, resolveSop(target));
        collection = e.state().sops.at(sop).collection;
    }
    SOPVAULT_CHECK(e.policy().requireManage(e.me(), collection));
    std::vector<GrantInfo> out;
    for (const auto& h : e.policy().holders(collection)) {
        out.push_back({e.userName(h.user), h.role,
                       isZero(h.grantedOn) ? std::string("(vault-wide)") : e.pathOf(h.grantedOn),
                       h.rights});
    }
    return out;
}

// --- SOPs ---

namespace {

Result<void> validateReview(const Engine& e, std::uint32_t every, const std::string& reviewer)
{
    if (every < 1 || every > 3650) {
        return fail(ErrorCode::Usage, "The review interval must be between 1 and 3650 days.");
    }
    if (reviewer.empty()) {
        return {};
    }
    if (reviewer.front() == '@') {
        if (!e.state().roleRights(std::string_view(reviewer).substr(1))) {
            return fail(
                ErrorCode::NotFound,
                fmt::format("There is no role '{}' to review this SOP.", reviewer.substr(1)));
        }
        return {};
    }
    if (e.state().userNamed(reviewer) == nullptr) {
        return fail(ErrorCode::NotFound,
                    fmt::format("There is no user '{}' to review this SOP.", reviewer));
    }
    return {};
}

} // namespace

Result<Id> Session::addSop(const NewSop& sop)
{
    return addSopAs(sop, randomId());
}

Result<Id> Session::addSopAs(const NewSop& sop, const Id& id)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(collection, e.collectionByPath(sop.collection));
    SOPVAULT_CHECK(e.policy().require(e.me(), Right::Edit, collection));
    SOPVAULT_CHECK(validateTitle(sop.title));
    SOPVAULT_CHECK(validateBody(sop.body));
    SOPVAULT_TRY(tags, normaliseTags(sop.tags));
    SOPVAULT_CHECK(validateReview(e, sop.reviewEveryDays, sop.reviewer));
    SopContent content{sop.title,
                       sop.body,
                       std::move(tags),
                       sop.state,
                       sop.reviewEveryDays,
                       sop.reviewer,
                       sop.message.empty() ? std::string("Created") : sop.message,
                       {},
                       sop.summary,
                       sop.sourcePath,
                       sop.metadata};
    if (e.state().sops.contains(id)) {
        return fail(ErrorCode::Failed, "A SOP with this id exists already; nothing was added.");
    }
    SOPVAULT_TRY(blobs, changeAttachments(e, id, collection, content, sop.attachments, {}));
    SOPVAULT_CHECK(e.writes().writeVersion(id, collection, content, note("create", id, sop.title),
                                           std::move(blobs)));
    return id;
}

Result<std::uint64_t> Session::editSop(const Id& sopId, const SopEdit& edit)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.policy().require(e.me(), Right::Edit, sop->collection));
    const std::uint64_t head = sop->versions.back().version;
    if (edit.baseVersion && *edit.baseVersion != head) {
        return fail(ErrorCode::Busy,
                    fmt::format("This SOP was changed since you opened version {} (it is now at "
                                "version {}); reload it and apply your edit again.",
                                *edit.baseVersion, head));
    }
    SOPVAULT_TRY(current, e.readContent(sopId, head));
    SopContent next = current;
    if (edit.title) {
        SOPVAULT_CHECK(validateTitle(*edit.title));
        next.title = *edit.title;
    }
    if (edit.body) {
        SOPVAULT_CHECK(validateBody(*edit.body));
        next.body = *edit.body;
    }
    if (edit.tags) {
        SOPVAULT_TRY(tags, normaliseTags(*edit.tags));
        next.tags = std::move(tags);
    }
    if (edit.state) {
        next.state = *edit.state;
    }
    if (edit.reviewEveryDays) {
        next.reviewEveryDays = *edit.reviewEveryDays;
    }
    if (edit.reviewer) {
        next.reviewer = *edit.reviewer;
    }
    if (edit.summary) {
        next.summary = *edit.summary;
    }
    if (edit.sourcePath) {
        next.sourcePath = *edit.sourcePath;
    }
    if (edit.metadata) {
        next.metadata = *edit.metadata;
    }
    SOPVAULT_CHECK(validateReview(e, next.reviewEveryDays, next.reviewer));
    next.message = edit.message;
    const Id collection = sop->collection;
    SOPVAULT_TRY(blobs, changeAttachments(e, sopId, collection, next, edit.addAttachments,
                                          edit.removeAttachments));
    auto sameFiles = [](const SopContent& a, const SopContent& b) {
        return std::equal(a.attachments.begin(), a.attachments.end(), b.attachments.begin(),
                          b.attachments.end(), [](const AttachmentRef& x, const AttachmentRef& y) {
                              return x.name == y.name && x.blobId == y.blobId;
                          });
    };
    const bool unchanged = next.title == current.title && next.body == current.body &&
                           next.tags == current.tags && next.state == current.state &&
                           next.reviewEveryDays == current.reviewEveryDays &&
                           next.reviewer == current.reviewer && next.summary == current.summary &&
                           next.sourcePath == current.sourcePath &&
                           next.metadata == current.metadata && sameFiles(next, current);
    if (unchanged) {
        return fail(ErrorCode::Usage, "The edit changes nothing; no new version was written.");
    }
    SOPVAULT_TRY(written, e.writes().writeVersion(sopId, collection, next,
                                                  note("edit", sopId, next.title, edit.message),
                                                  std::move(blobs)));
    if (edit.minor) {
        SOPVAULT_CHECK(markMinor(e, sopId, written));
    }
    return written;
}

Result<SopVersionView> Session::readSop(const Id& sopId, std::optional<std::uint64_t> version,
                                        std::string_view ticket)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    const std::uint64_t head = sop->versions.back().version;
    const std::uint64_t n = version.value_or(head);
    SOPVAULT_TRY(content, e.readContent(sopId, n));
    const VersionState& v = sop->versions[n - 1];
    AuditNote view = note("view", sopId, content.title);
    view.detail.ticket = std::string(ticket);
    view.detail.note = fmt::format("version {}", n);
    SOPVAULT_CHECK(e.writes().audit(view));
    SopVersionView shown = e.versionView(sopId, sop->collection,
                                         {n, head, v.author, v.time, v.hash}, std::move(content));
    const bool eventsSound = e.state().eventLogProblem.empty() && sop->eventProblem.empty();
    shown.openFlags = eventsSound ? openFlags(*sop) : 0;
    return shown;
}

namespace {

// One SOP's line in a list, from its newest content (or marked damaged without it).
SopSummary summarise(const Engine& e, const Id& id, const SopRecordState& sop,
                     Result<SopContent> content)
{
    SopSummary s;
    s.id = id;
    s.collection = e.pathOf(sop.collection);
    if (!sop.problem.empty() || sop.shownVersion() == nullptr || !content) {
        s.damaged = true;
        s.title = "(damaged: run verify)";
        return s;
    }
    s.title = std::move(content->title);
    s.version = sop.versions.back().version;
    s.created = sop.versions.front().time;
    s.updated = sop.versions.back().time;
    s.author = e.userName(sop.versions.back().author);
    s.state = content->state;
    s.tags = std::move(content->tags);
    s.summary = std::move(content->summary);
    s.reviewEveryDays = content->reviewEveryDays;
    s.reviewer = std::move(content->reviewer);
    s.reviewDue = reviewDue(sop, s.reviewEveryDays);
    s.reviewDamaged = !e.state().eventLogProblem.empty() || !sop.eventProblem.empty();
    s.openFlags = s.reviewDamaged ? 0 : openFlags(sop);
    return s;
}

} // namespace

Result<SopSummary> Session::summary(const Id& sopId) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    return summarise(e, sopId, *sop, e.headLine(sopId, *sop));
}

Result<std::vector<SopSummary>> Session::listSops(const SopFilter& filter) const
{
    const Engine& e = *m_engine;
    std::optional<Id> within;
    if (filter.collection) {
        SOPVAULT_TRY(c, e.collectionByPath(*filter.collection));
        within = c;
    }
    std::vector<SopSummary> out;
    for (const auto& [id, sop] : e.state().sops) {
        // A SOP damaged before any version said where it belongs: owners still see it.
        const bool unplaced = isZero(sop.collection) && e.policy().isOwner(e.me());
        if ((!unplaced && !e.policy().allows(e.me(), Right::View, sop.collection)) ||
            sop.onlyRefused()) {
            continue;
        }
        if (within && !e.state().isWithin(sop.collection, *within)) {
            continue;
        }
        auto content = e.headLine(id, sop);
        if (content && filter.tag &&
            std::find(content->tags.begin(), content->tags.end(), *filter.tag) ==
                content->tags.end()) {
            continue;
        }
        if (content && !filter.includeArchived && content->state == SopState::Archived) {
            continue;
        }
        out.push_back(summarise(e, id, sop, std::move(content)));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.collection, a.title) < std::tie(b.collection, b.title);
    });
    return out;
}

Result<std::vector<HistoryEntry>> Session::history(const Id& sopId) const
{
    const Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    std::vector<HistoryEntry> out;
    for (const VersionState& v : sop->versions) {
        SOPVAULT_TRY(content, e.readContent(sopId, v.version));
        out.push_back({v.version, e.userName(v.author), v.time, content.message,
                       crypto::toHex(v.hash), content.state});
    }
    return out;
}

namespace {

// The unified diff of two versions' contents, title, tag and state changes first.
std::string diffContents(const SopContent& a, const SopContent& b, std::uint64_t from,
                         std::uint64_t to)
{
    std::ostringstream out;
    out << "--- version " << from << "\n+++ version " << to << "\n";
    if (a.title != b.title) {
        out << "# title: " << a.title << " -> " << b.title << "\n";
    }
    if (a.tags != b.tags) {
        out << fmt::format("# tags: {} -> {}\n", fmt::join(a.tags, ","), fmt::join(b.tags, ","));
    }
    if (a.state != b.state) {
        out << "# state: " << stateName(a.state) << " -> " << stateName(b.state) << "\n";
    }
    out << unifiedDiff(a.body, b.body);
    return out.str();
}

} // namespace

Result<std::string> Session::diff(const Id& sopId, std::uint64_t from, std::uint64_t to)
{
    return diffAudited(sopId, from, to, "diff");
}

Result<std::string> Session::diffAudited(const Id& sopId, std::uint64_t from, std::uint64_t to,
                                         std::string_view action)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(a, e.readContent(sopId, from));
    SOPVAULT_TRY(b, e.readContent(sopId, to));
    // What a diff prints is SOP text: it is recorded like a view, before it is returned.
    AuditNote n = note(std::string(action), sopId, b.title);
    n.detail.note = fmt::format("versions {} and {}", from, to);
    SOPVAULT_CHECK(e.writes().audit(n));
    return diffContents(a, b, from, to);
}

Result<std::uint64_t> Session::restore(const Id& sopId, std::uint64_t version)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    SOPVAULT_CHECK(e.policy().require(e.me(), Right::Edit, sop->collection));
    SOPVAULT_TRY(old, e.readContent(sopId, version));
    SopEdit edit;
    edit.title = old.title;
    edit.body = old.body;
    edit.tags = old.tags;
    edit.state = old.state == SopState::Archived ? SopState::Published : old.state;
    edit.reviewEveryDays = old.reviewEveryDays;
    edit.reviewer = old.reviewer;
    edit.message = fmt::format("Restored version {}", version);
    return editSop(sopId, edit);
}

Result<std::uint64_t> Session::archive(const Id& sopId)
{
    SopEdit edit;
    edit.state = SopState::Archived;
    edit.message = "Archived";
    return editSop(sopId, edit);
}

Result<Id> Session::resolveSop(std::string_view reference) const
{
    const Engine& e = *m_engine;
    if (auto id = idFromHex(reference); id) {
        if (e.state().sops.contains(*id) &&
            e.policy().allows(e.me(), Right::View, e.state().sops.at(*id).collection)) {
            return *id;
        }
    }
    std::vector<std::pair<Id, std::string>> matches;
    for (const auto& [id, sop] : e.state().sops) {
        if (!e.policy().allows(e.me(), Right::View, sop.collection) || sop.versions.empty() ||
            !sop.problem.empty()) {
            continue;
        }
        auto content = e.headLine(id, sop);
        if (content && content->title == reference) {
            matches.emplace_back(id, e.pathOf(sop.collection));
        }
    }
    if (matches.size() == 1) {
        return matches.front().first;
    }
    if (matches.empty()) {
        return resolveByOtherSpelling(reference);
    }
    std::string list;
    for (const auto& [id, path] : matches) {
        list += fmt::format("\n  {}  ({})", toHex(id), path);
    }
    return fail(ErrorCode::Usage, fmt::format("'{}' matches {} SOPs; name one by its id:{}",
                                              reference, matches.size(), list));
}

// No SOP has exactly this title: the one whose title or first heading reads the same once
// normalised (case, spacing, punctuation, CamelCase), when there is exactly one; else "not
// found", naming the near matches. Only this fallback opens the bodies (for their headings).
Result<Id> Session::resolveByOtherSpelling(std::string_view reference) const
{
    const Engine& e = *m_engine;
    const std::string wanted = normaliseTitle(reference);
    std::vector<std::tuple<Id, std::string, std::string>> near; // id, title, collection
    if (!wanted.empty()) {
        for (const auto& [id, sop] : e.state().sops) {
            if (!e.policy().allows(e.me(), Right::View, sop.collection) || sop.versions.empty() ||
                !sop.problem.empty()) {
                continue;
            }
            auto line = e.headLine(id, sop);
            if (!line) {
                continue;
            }
            bool same = normaliseTitle(line->title) == wanted;
            if (!same) {
                auto content = e.readContent(id, sop.versions.back().version);
                same = content && normaliseTitle(firstHeading(content->body)) == wanted;
            }
            if (same) {
                near.emplace_back(id, line->title, e.pathOf(sop.collection));
            }
        }
    }
    if (near.size() == 1) {
        return std::get<0>(near.front());
    }
    if (near.empty()) {
        return fail(ErrorCode::NotFound,
                    fmt::format("No SOP you can see has the id or title '{}'.", reference));
    }
    std::string list;
    for (const auto& [id, title, path] : near) {
        list += fmt::format("{}'{}' in {} ({})", list.empty() ? "" : ", ", title, path, toHex(id));
    }
    return fail(ErrorCode::NotFound,
                fmt::format("No SOP you can see has the title '{}'; {} SOPs are spelled like it: "
                            "{}. Name one by its id or exact title.",
                            reference, near.size(), list));
}

Result<void> Session::checkExport(const Id& sopId)
{
    Engine& e = *m_engine;
    SOPVAULT_TRY(sop, e.viewableSop(sopId));
    auto allowed = e.policy().require(e.me(), Right::Export, sop->collection);
    if (!allowed) {
        SOPVAULT_CHECK(e.writes().audit(note("export-denied", sopId)));
        return allowed;
    }
    return {};
}

namespace {

// One audit entry as a person reads it: the sealed detail opened when they hold the audit key.
Result<AuditEntry> auditEntryOf(const Engine& e, std::uint64_t position, const RecordHeader& h,
                                const AuditPayload& payload)
{
    AuditEntry entry;
    entry.seq = position;
    entry.time = h.time;
    entry.actor = e.userName(h.signer);
    entry.action = payload.action;
    entry.target = payload.target.empty() ? std::string() : crypto::toHex(payload.target);
    if (payload.sealedDetail.empty()) {
        return entry;
    }
    entry.detail = "(encrypted)";
    if (!e.keys().auditSecret()) {
        return entry;
    }
    const crypto::BoxKeyPair auditKeys{e.state().auditKey,
                                       crypto::SecureBuffer::copyOf(e.keys().auditSecret()->span())
                                           .value_or(crypto::SecureBuffer{})};
    auto plain = crypto::openSealed(auditKeys, payload.sealedDetail);
    auto detail = plain ? decodeAuditDetail(plain->span())
                        : Result<AuditDetail>(std::unexpected(plain.error()));
    if (!detail) {
        return fail(
            ErrorCode::Integrity,
            fmt::format("Audit entry {} has an unreadable detail; run 'verify'.", position));
    }
    std::vector<std::string> parts;
    if (!detail->title.empty()) {
        parts.push_back(detail->title);
    }
    if (!detail->ticket.empty()) {
        parts.push_back("ticket " + detail->ticket);
    }
    if (!detail->note.empty()) {
        parts.push_back(detail->note);
    }
    entry.detail = fmt::format("{}", fmt::join(parts, "; "));
    return entry;
}

} // namespace

Result<std::vector<AuditEntry>> Session::audit(const AuditFilter& filter) const
{
    const Engine& e = *m_engine;
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "read the audit log"));
    std::optional<Id> actor;
    if (filter.actor) {
        const UserState* u = e.state().userNamed(*filter.actor);
        if (u == nullptr) {
            return fail(ErrorCode::NotFound,
                        fmt::format("There is no user named '{}'.", *filter.actor));
        }
        actor = u->id;
    }
    std::vector<AuditEntry> out;
    crypto::Hash32 prev{};
    std::uint64_t expected = 0;
    SOPVAULT_CHECK(e.file().readLog(Chain::Audit, 0, [&](LogRow& row) -> Result<void> {
        const std::uint64_t position = row.position;
        auto rec = decodeRecord(row.body, row.signature);
        auto ok = rec ? checkAudit(e.state(), *rec, expected, prev)
                      : Result<void>(std::unexpected(rec.error()));
        if (!ok || position != expected) {
            return fail(ErrorCode::Integrity,
                        fmt::format("The audit log failed verification at entry {} ({}); run "
                                    "'verify'.",
                                    position, ok ? "a gap" : ok.error().message));
        }
        prev = rec->hash();
        expected = position + 1;
        const RecordHeader& h = rec->header;
        if ((filter.since && h.time < *filter.since) || (actor && h.signer != *actor)) {
            return {};
        }
        SOPVAULT_TRY(payload, decodeAudit(rec->payload));
        SOPVAULT_TRY(entry, auditEntryOf(e, position, h, payload));
        out.push_back(std::move(entry));
        return {};
    }));
    return out;
}

} // namespace sopvault::core
