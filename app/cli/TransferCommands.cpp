// What enters and leaves the vault as files: import, export.
#include "Commands.h"
#include "Presenters.h"

namespace sopvault::cli {
namespace {

void addImport(CLI::App& app, Runner& r, TransferOptions& o)
{
    auto* import = app.add_subcommand(
        "import", "Import a folder of .md/.markdown/.txt files; subfolders become collections, "
                  "links between the files become SOP links, and the files they reference "
                  "(screenshots, PDFs) come in as attachments");
    import->add_option("DIR", o.dir)->required()->check(CLI::ExistingDirectory);
    import->add_option("--collection", o.collection, "where to put them")->required();
    import->footer("Titles: front matter, else the first # heading, else mkdocs.yml nav, else the "
                   "file name. Build files, licences, changelogs and templates are skipped; the "
                   "report names every file (--json: \"sops\").\n"
                   "Example: sopvault-cli --user olivia import /mnt/shared/SOPs --collection "
                   "Imported");
    r.withSession(import, [&r, &o](core::Session& s) -> Result<void> {
        auto draw = r.progress("Importing");
        SOPVAULT_TRY(report,
                     s.importFolder(o.dir, o.collection, [&draw](const core::ImportProgress& p) {
                         draw(p.done, p.total);
                         return true;
                     }));
        r.emit(presentImport(report));
        return {};
    });
}

Result<core::ExportReport> exportWhat(core::Session& s, const TransferOptions& o,
                                      core::ExportFormat kind)
{
    if (o.sop.empty()) {
        return s.exportCollection(o.collection, kind, o.out);
    }
    SOPVAULT_TRY(id, s.resolveSop(o.sop));
    return s.exportSop(id, kind, o.out);
}

void addExport(CLI::App& app, Runner& r, TransferOptions& o)
{
    auto* exportCmd = app.add_subcommand("export", "Export with rights and a watermark (md or "
                                                   "html; PDF from the desktop app)");
    exportCmd->add_option("SOP", o.sop, "id or exact title");
    exportCmd->add_option("--collection", o.collection, "export a collection as a folder tree");
    exportCmd->add_option("--format", o.format, "md|html|pdf")->required();
    exportCmd
        ->add_option("--out", o.out,
                     "file (one SOP) or folder (a collection); attachments and links "
                     "between the exported SOPs go with them")
        ->required();
    exportCmd->footer("Example: sopvault-cli --user olivia export \"P1 major incident\" --format "
                      "html --out p1.html");
    r.withSession(exportCmd, [&r, &o](core::Session& s) -> Result<void> {
        if (o.sop.empty() == o.collection.empty()) {
            return usage("Name either one SOP or --collection C to export.");
        }
        if (o.format == "pdf") {
            return usage("PDF export is done from the desktop app (File > Export); use md or "
                         "html here.");
        }
        SOPVAULT_TRY(kind, core::parseExportFormat(o.format));
        SOPVAULT_TRY(report, exportWhat(s, o, kind));
        r.emit(presentExport(report, o.out));
        return {};
    });
}

} // namespace

void addTransferCommands(CLI::App& app, Runner& r, TransferOptions& o)
{
    addImport(app, r, o);
    addExport(app, r, o);
}

} // namespace sopvault::cli
