// Attestations and templates: attest, attest require, attest status; template list, add.
#include "Commands.h"
#include "Presenters.h"

#include <fmt/format.h>

namespace sopvault::cli {
namespace {

void addAttest(CLI::App& app, Runner& r, AttestOptions& o)
{
    auto* attest = app.add_subcommand("attest", "I have read this SOP's current version (signed); "
                                                "require and status");
    attest->add_option("SOP", o.sop);
    auto* require = attest->add_subcommand("require", "Editors: who must read a SOP, and within "
                                                      "how many days");
    require->add_option("SOP", o.sop)->required();
    require->add_option("--role", o.role, "the role whose holders must read it")->required();
    require->add_option("--within", o.within, "days (1-255) from the version or the requirement")
        ->capture_default_str();
    require->footer("Example: sopvault-cli --user erin attest require \"Offboarding\" --role "
                    "technician --within 7");
    auto* status = attest->add_subcommand("status", "Who still has to read the current version");
    status->add_option("--sop", o.sop, "one SOP (id or title)");
    status->footer("Example: sopvault-cli --user olivia attest status --sop \"Offboarding\"");
    attest->footer("Example: sopvault-cli --user tom attest \"Offboarding\"");
    // One action for the command and its subcommands: CLI11 runs a parent's callback after its
    // subcommand's, so the subcommands are told apart here.
    r.withSession(attest, [&r, &o, require, status](core::Session& s) -> Result<void> {
        if (status->parsed()) {
            std::optional<core::Id> one;
            if (!o.sop.empty()) {
                SOPVAULT_TRY(id, s.resolveSop(o.sop));
                one = id;
            }
            SOPVAULT_TRY(asOf, r.asOf(s));
            SOPVAULT_TRY(rows, s.attestationStatus(one, asOf));
            r.emit(presentAttestations(rows));
            return {};
        }
        if (o.sop.empty()) {
            return usage("Name the SOP you have read: attest SOP (or attest require, attest "
                         "status).");
        }
        SOPVAULT_TRY(id, s.resolveSop(o.sop));
        if (require->parsed()) {
            SOPVAULT_CHECK(s.requireAttestation(id, o.role, o.within));
            r.emit({{{"sop", core::toHex(id)}, {"role", o.role}, {"within", o.within}},
                    say("Holders of '{}' must read it within {} days.", o.role, o.within)});
            return {};
        }
        SOPVAULT_TRY(version, s.attest(id));
        r.emit({{{"sop", core::toHex(id)}, {"version", version}},
                say("Signed: you have read version {}.", version)});
        return {};
    });
}

void addTemplates(CLI::App& app, Runner& r, AttestOptions& o)
{
    auto* tpl =
        app.add_subcommand("template", "Templates new SOPs start from")->require_subcommand(1);
    auto* list = tpl->add_subcommand("list", "The shipped templates and the vault's own");
    list->footer("Example: sopvault-cli --user erin template list");
    r.withSession(list, [&r](core::Session& s) -> Result<void> {
        r.emit(presentTemplates(s.templates()));
        return {};
    });
    auto* add = tpl->add_subcommand("add", "Owners: add a template (or replace the vault's own)");
    add->add_option("NAME", o.name)->required();
    add->add_option("--file", o.file, "Markdown file ('-' for stdin)")->required();
    add->add_option("--collection", o.collection,
                    "whose viewers may use it (its text is encrypted under that collection's "
                    "key); may be left out when the vault has one collection");
    add->footer("Example: sopvault-cli --user olivia template add change-request --file cr.md "
                "--collection \"Service desk\"");
    r.withSession(add, [&r, &o](core::Session& s) -> Result<void> {
        SOPVAULT_TRY(text, readBody(o.file));
        SOPVAULT_TRY(collection, s.addTemplate(o.name, o.collection, text));
        r.emit({{{"name", o.name}, {"collection", collection}},
                say("Template '{}' added for the viewers of '{}'.", o.name, collection)});
        return {};
    });
}

} // namespace

void addAttestCommands(CLI::App& app, Runner& r, AttestOptions& o)
{
    addAttest(app, r, o);
    addTemplates(app, r, o);
}

} // namespace sopvault::cli
