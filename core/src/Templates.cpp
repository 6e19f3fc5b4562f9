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
    if (!validateName("template", p.name) || !validateBody(p.text)) {
        return bad("it adds a template with an invalid name or text");
    }
    return AdminChange{std::move(p)};
}

void applyTemplate(State& st, const Record&, const AdminChange& change)
{
    const auto& p = std::get<TemplatePayload>(change);
    st.templates[p.name] = p.text;
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
    std::vector<TemplateInfo> out;
    const auto& own = m_engine->state().templates;
    for (const ShippedTemplate& t : shippedTemplates()) {
        if (!own.contains(std::string(t.name))) {
            out.push_back({std::string(t.name), TemplateSource::Shipped, std::string(t.text)});
        }
    }
    for (const auto& [name, text] : own) {
        out.push_back({name, TemplateSource::Vault, text});
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

Result<void> Session::addTemplate(std::string_view name, std::string_view text)
{
    Engine& e = *m_engine;
    SOPVAULT_CHECK(e.writes().requireSound());
    SOPVAULT_CHECK(e.policy().requireOwner(e.me(), "add templates"));
    SOPVAULT_CHECK(validateName("template", name));
    SOPVAULT_CHECK(validateBody(text));
    AuditNote n{"template-add", {}, false, {}};
    n.detail.title = std::string(name);
    return e.writes().commitAdmin(RecordKind::TemplateAdded,
                                  encode(TemplatePayload{std::string(name), std::string(text)}), n);
}

} // namespace sopvault::core
