// Writes the fuzz targets' seed corpora (tests/data/fuzz/<target>/) from real encodings made by
// the code: a small vault with one record of every kind, its rows, payloads and key wraps, and
// Markdown from the sample library. Run once by hand: fuzz_make_seeds <out dir> <samples dir>.
#include "Records.h"
#include "storage/Database.h"

#include "sopvault/core/Vault.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>

using namespace sopvault;
using namespace sopvault::core;
using crypto::Bytes;
using crypto::ByteView;

namespace {

void die(std::string_view what, const Error& error)
{
    std::fprintf(stderr, "fuzz_make_seeds: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 error.message.c_str());
    std::exit(1);
}

template <typename T>
T must(Result<T> result, std::string_view what)
{
    if (!result) {
        die(what, result.error());
    }
    return std::move(*result);
}

void must(Result<void> result, std::string_view what)
{
    if (!result) {
        die(what, result.error());
    }
}

void writeFile(const std::filesystem::path& file, ByteView bytes)
{
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "fuzz_make_seeds: cannot write %s\n", file.c_str());
        std::exit(1);
    }
}

Bytes readFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

crypto::SecureBuffer password(std::string_view text)
{
    return must(crypto::SecureBuffer::copyOf(text), "password");
}

// Moves the write-ahead log into the file and makes the page size small, so the file alone
// is the vault and mutations land in few, small pages.
void compact(const std::filesystem::path& file)
{
    auto db = must(storage::Database::open(file, storage::OpenMode::OpenExisting,
                                           std::chrono::milliseconds(1000)),
                   "reopen");
    must(db.execScript("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; "
                       "PRAGMA page_size=512; VACUUM;"),
         "compact");
}

// A vault whose owner is "fuzz" (password "fuzz-pw", interactive KDF); `full` adds one record
// of every other kind.
void makeVault(const std::filesystem::path& file, bool full)
{
    std::filesystem::remove(file);
    ManualClock clock(1798761600);
    OpenOptions options;
    options.clock = &clock;
    must(createVault(file, "fuzz", password("fuzz-pw"), crypto::KdfProfile::Interactive, options),
         "create");
    if (!full) {
        compact(file);
        return;
    }
    auto owner = must(unlock(file, "fuzz", password("fuzz-pw"), options), "unlock");
    must(owner->addUser("tom", password("tom-pw"), crypto::KdfProfile::Interactive), "add tom");
    must(owner->addUser("rita", password("rita-pw"), crypto::KdfProfile::Interactive), "add rita");
    must(owner->addUser("otto", password("otto-pw"), crypto::KdfProfile::Interactive), "add otto");
    must(owner->addOwner("otto"), "add owner");
    must(owner->defineRole("lead", Rights{Right::View, Right::Edit, Right::Review}), "role");
    must(owner->defineRole("temp", Rights{Right::View}), "role");
    must(owner->removeRole("temp"), "remove role");
    must(owner->addCollection("Ops"), "collection");
    must(owner->addCollection("Ops/Network"), "sub-collection");
    must(owner->grant("tom", "lead", "Ops"), "grant tom");
    must(owner->grant("rita", "lead", "Ops"), "grant rita");
    must(owner->setDueSoonDays(10), "setting");
    NewSop sop;
    sop.collection = "Ops/Network";
    sop.title = "Restart the core switch";
    sop.body = "# Restart\n\n1. Tell the **service desk**.\n2. Reload.\n\n| a | b |\n|---|---|\n";
    sop.tags = {"network", "p1"};
    sop.reviewer = "@lead";
    const Id id = must(owner->addSop(sop), "add SOP");
    SopEdit edit;
    edit.body = sop.body + "3. Check the uplinks.\n";
    edit.message = "uplinks";
    must(owner->editSop(id, edit), "edit SOP");
    (void)must(owner->readSop(id), "read SOP");
    must(owner->signOff(id, ReviewDecision::Approved, "fine"), "sign-off");
    const Id flagged = must(owner->flag(id, "step 2 is vague"), "flag");
    must(owner->resolveFlag(flagged, "clarified"), "resolve");
    must(owner->ungrant("rita", "lead", "Ops"), "ungrant");
    must(owner->removeUser("tom"), "remove tom");
    owner.reset();
    compact(file);
}

// Every row of the vault's record tables as signature || body (the record target's layout),
// one per record kind, plus its payload and the key wraps.
void recordSeeds(const std::filesystem::path& vault, const std::filesystem::path& out)
{
    auto db = must(storage::Database::open(vault, storage::OpenMode::OpenExisting,
                                           std::chrono::milliseconds(1000)),
                   "open");
    std::map<std::string, int> seen;
    for (const char* table : {"admin_log", "sop_versions", "sop_events", "audit_log"}) {
        auto stmt = must(db.prepare(fmt::format("SELECT body, signature FROM {}", table)), table);
        while (must(stmt.step(), table)) {
            const Bytes body = stmt.columnBytes(0);
            const Bytes signature = stmt.columnBytes(1);
            auto record = must(detail::decodeRecord(body, signature), "decode");
            std::string kind(detail::kindName(record.header.kind));
            for (char& c : kind) {
                c = c == ' ' ? '-' : c;
            }
            if (seen[kind]++ > 0) {
                continue;
            }
            Bytes seed = signature;
            seed.insert(seed.end(), body.begin(), body.end());
            writeFile(out / fmt::format("record-{}.bin", kind), seed);
            writeFile(out / fmt::format("payload-{}.bin", kind), record.payload);
        }
    }
    auto wraps = must(db.prepare("SELECT wrap FROM user_keys LIMIT 1"), "wraps");
    if (must(wraps.step(), "wraps")) {
        writeFile(out / "payload-key-wrap.bin", wraps.columnBytes(0));
    }
    detail::SopContent content;
    content.title = "Restart the core switch";
    content.body = "1. Reload.\n";
    content.tags = {"network", "p1"};
    content.reviewer = "@lead";
    content.message = "first";
    writeFile(out / "payload-sop-content.bin", detail::encode(content));
    writeFile(out / "payload-audit-detail.bin",
              detail::encode(detail::AuditDetail{"Restart the core switch", "T-1234", "note"}));
}

// The canonical target's layout: domain choice, field count, field types, then the bytes.
void canonicalSeeds(const std::filesystem::path& recordDir, const std::filesystem::path& out)
{
    // Field types: 0 u8, 1 u32, 2 u64, 3 i64, 4 bytes, 5 bytes of 16 (8 + 5: 32, 16 + 5: 64), 6
    // text, 7 end.
    const Bytes recordOps{1, 5, 5, 1, 2, 13, 5, 3, 2, 4, 7};
    const Bytes contentOps{6, 6, 1, 6, 6, 0, 1, 6, 6, 7};
    const Bytes wrapOps{5, 2, 2, 4, 21, 7};
    const auto seed = [&](std::uint8_t domain, const Bytes& ops, const Bytes& encoded,
                          const std::string& name) {
        Bytes out_{domain, static_cast<std::uint8_t>(ops.size())};
        out_.insert(out_.end(), ops.begin(), ops.end());
        out_.insert(out_.end(), encoded.begin(), encoded.end());
        writeFile(out / name, out_);
    };
    Bytes record = readFile(recordDir / "record-SOP-version.bin");
    record.erase(record.begin(), record.begin() + 64);
    seed(0, recordOps, record, "record.bin");
    seed(1, contentOps, readFile(recordDir / "payload-sop-content.bin"), "sop-content.bin");
    seed(2, wrapOps, readFile(recordDir / "payload-key-wrap.bin"), "key-wrap.bin");
    crypto::CanonicalWriter empty("");
    seed(4, {7}, empty.data(), "empty-domain.bin");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: fuzz_make_seeds <out dir: tests/data/fuzz> "
                             "<samples dir: resources/samples>\n");
        return 2;
    }
    const std::filesystem::path out(argv[1]);
    const std::filesystem::path samples(argv[2]);

    const auto full = out / "vault_replay" / "full.sopvault";
    const auto minimal = out / "vault_replay" / "minimal.sopvault";
    std::filesystem::create_directories(full.parent_path());
    makeVault(full, true);
    makeVault(minimal, false);
    for (const auto* name : {"full.sopvault", "minimal.sopvault"}) {
        std::filesystem::create_directories(out / "vault_open");
        std::filesystem::copy_file(out / "vault_replay" / name, out / "vault_open" / name,
                                   std::filesystem::copy_options::overwrite_existing);
    }
    writeFile(out / "vault_open" / "empty.bin", {});
    writeFile(out / "vault_open" / "not-sqlite.bin", crypto::asBytes("SQLite format 2\n"));

    recordSeeds(full, out / "record");
    canonicalSeeds(out / "record", out / "canonical");

    // Markdown and import: three sample SOPs (front matter, tables, lists) and small extras.
    for (const auto* name :
         {"01-new-client-onboarding.md", "03-user-offboarding.md", "09-monthly-patching.md"}) {
        const Bytes text = readFile(samples / name);
        writeFile(out / "markdown" / name, text);
        Bytes named{static_cast<std::uint8_t>(std::string_view(name).size())};
        named.insert(named.end(), name, name + std::string_view(name).size());
        named.insert(named.end(), text.begin(), text.end());
        writeFile(out / "import" / (std::string(name) + ".bin"), named);
    }
    writeFile(out / "markdown" / "gfm.md",
              crypto::asBytes("- [x] done\n- [ ] todo\n\n~~old~~ new www.example.com\n\n"
                              "| a | b |\n|:-|-:|\n| 1 | 2 |\n\nText[^1].\n\n[^1]: note\n"
                              "<script>x</script> [l](javascript:x) ![i](data:image/png;base64,AA)"
                              "\n"));
    writeFile(out / "import" / "watermark.bin",
              crypto::asBytes("\x07"
                              "a.md.md---\r\ntitle: 'Quoted'\ntags: [a, \"b\", ]\n"
                              "review_every_days: 30\ncollection: Ops/Net\n---\n"
                              "> Exported from SOP Vault by x on y\n\n# Heading\nbody\n"));
    std::printf("fuzz_make_seeds: wrote the corpora under %s\n", out.c_str());
    return 0;
}
