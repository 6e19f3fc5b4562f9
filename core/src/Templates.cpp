// Templates for new SOPs: the shipped ones and the vault's own (owner-signed administration
// records), and the rule of that record kind. Core keeps the one list both front ends show.
#include "sopvault/core/Vault.h"

#include "Engine.h"
#include "Replay.h"
#include "Rules.h"
#include "Templates.h"
#include "Validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sopvault::core {

using namespace detail;

namespace detail {
namespace {

Result<AdminChange> checkTemplate(const AdminContext& c)
{
    SOPVAULT_TRY(p, decodeTemplate(c.record.payload));
    if (!c.signer->owner) {
        return bad("a template was added by someone who is not an owner");
    }
    if (!validateName("template", p.name) || p.encryptedText.empty()) {
        return bad("it adds a template with an invalid name or without its text");
    }
    const auto collection = c.state.collections.find(p.collectionId);
    if (collection == c.state.collections.end() || p.epoch > collection->second.epoch) {
        return bad("it adds a template for a collection or key that does not exist");
    }
    return AdminChange{std::move(p)};
}

void applyTemplate(State& st, const Record&, const AdminChange& change)
{
    const auto& p = std::get<TemplatePayload>(change);
    st.templates[p.name] = {p.collectionId, p.epoch, p.encryptedText};
}

constexpr AdminRule kTemplateRule{RecordKind::TemplateAdded, &checkTemplate, &applyTemplate};

} // namespace

const AdminRule& templateRule()
{
    return kTemplateRule;
}

} // namespace detail

std::string_view templateSourceName(TemplateSource source)
{
    return source == TemplateSource::Shipped ? "shipped" : "vault";
}

std::vector<TemplateInfo> Session::templates() const
{
    // The vault's own that this person can open (their collection's key); one they cannot open
    // leaves the shipped template of its name in place.
    std::vector<TemplateInfo> out;
    const Engine& e = *m_engine;
    std::set<std::string> own;
    for (const auto& [name, sealed] : e.state().templates) {
        const crypto::SecureBuffer* key = e.keys().epoch(sealed.collection, sealed.epoch);
        if (key == nullptr) {
            continue;
        }
        auto plain =
            crypto::open(*key, sealed.encryptedText,
                         templateTextAd(e.state().vaultId, sealed.collection, sealed.epoch, name));
        if (!plain) {
            continue; // verify reports a record whose text does not open
        }
        out.push_back({name, TemplateSource::Vault, std::string(crypto::asText(*plain)),
                       e.keys().pathOf(sealed.collection)});
        crypto::wipe(*plain);
        own.insert(name);
    }
    for (const ShippedTemplate& t : shippedTemplates()) {
        if (!own.contains(std::string(t.name))) {
            out.push_back({std::string(t.name), TemplateSource::Shipped, std::string(t.text), {}});
        }
    }
    std::sort(out.begin(), out.end(),
              [](const TemplateInfo& a, const TemplateInfo& b) { return a.name < b.name; });
    return out;
}

Result<std::string> Session::templateText(std::string_view name) const
{
    std::vector<std::string> names;
    for (TemplateInfo& t : templates()) {
        if (t.name == name) {
            return std::move(t.text);
        }
        names.push_back(t.name);
    }
    return fail(ErrorCode::NotFound,
                fmt::format("There is no template named '{}'. The templates are: {}.", name,
                            fmt::join(names, ", ")));
}

Result<std::string> Session::addTemplate(std::string_view name, std::string_view collection,
                                         std::string_view text)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "add templates"));
    SOPVAULT_CHECK(validateName("template", name));
    SOPVAULT_CHECK(validateBody(text));
    std::string path(collection);
    if (path.empty()) {
        std::vector<std::string> paths;
        for (const auto& [id, c] : e.state().collections) {
            if (e.keys().canRead(id)) {
                paths.push_back(e.keys().pathOf(id));
            }
        }
        if (paths.size() != 1) {
            std::sort(paths.begin(), paths.end());
            return fail(ErrorCode::Usage,
                        fmt::format("Name the collection whose viewers may use the template "
                                    "(--collection): {}.",
                                    fmt::join(paths, ", ")));
        }
        path = paths.front();
    }
    SOPVAULT_TRY(collectionId, e.collectionByPath(path));
    const crypto::SecureBuffer* key = e.keys().current(e.state(), collectionId);
    if (key == nullptr) {
        return fail(ErrorCode::Denied, "You hold no key for this collection.");
    }
    TemplatePayload p;
    p.name = std::string(name);
    p.collectionId = collectionId;
    p.epoch = e.state().collections.at(collectionId).epoch;
    SOPVAULT_TRY(sealed,
                 crypto::seal(*key, crypto::asBytes(text),
                              templateTextAd(e.state().vaultId, collectionId, p.epoch, name)));
    p.encryptedText = std::move(sealed);
    AuditNote n{"template-add", {}, false, {}};
    n.detail.title = std::string(name);
    SOPVAULT_CHECK(e.writes().commitAdmin(RecordKind::TemplateAdded, encode(p), n));
    return e.keys().pathOf(collectionId);
}

} // namespace sopvault::core
