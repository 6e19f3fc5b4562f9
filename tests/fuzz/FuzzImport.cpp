// Fuzz target: the import file reader (parseSopFile) as an import runs it, with a file name
// the input chooses, then the checks import makes before anything is written.
#include "Fuzz.h"
#include "Validation.h"

#include "sopvault/core/Types.h"
#include "sopvault/core/Vault.h"

#include <string>

using namespace sopvault;
using namespace sopvault::core;

namespace {

void checkShape(const SopFile& file, std::string_view text)
{
    fuzz::check(text.ends_with(file.body), "the body is not the tail of the file");
    fuzz::check(file.reviewEveryDays >= 1 && file.reviewEveryDays <= 3650,
                "review interval out of range");
    for (const auto& tag : file.tags) {
        fuzz::check(!tag.empty(), "an empty tag");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    const std::string name(fuzz::text(in.take(in.byte() % 64U)));
    std::string text(fuzz::text(in.rest()));

    // Any bytes at all: parseSopFile is public and must cope.
    const SopFile raw = parseSopFile(text, name);
    checkShape(raw, text);

    // What import does to a file it reads: skip binary and non-UTF-8, drop a byte-order mark.
    if (text.find('\0') != std::string::npos || !isValidUtf8(text)) {
        return 0;
    }
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.erase(0, 3);
    }
    const SopFile file = parseSopFile(text, name);
    checkShape(file, text);
    fuzz::check(isValidUtf8(file.body), "the body of a UTF-8 file is not UTF-8");
    for (const auto& tag : file.tags) {
        fuzz::check(isValidUtf8(tag), "a tag of a UTF-8 file is not UTF-8");
    }
    if (isValidUtf8(name)) {
        fuzz::check(isValidUtf8(file.title), "the title of a UTF-8 file is not UTF-8");
        fuzz::check(!file.title.empty() || name.empty() || name.find('/') != std::string::npos ||
                        name.starts_with('.'),
                    "no title although the file has a name");
    }
    if (file.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return 0;
    }
    (void)detail::validateTitle(file.title);
    (void)detail::validateBody(file.body);
    if (auto tags = detail::normaliseTags(file.tags)) {
        for (const auto& tag : *tags) {
            fuzz::check(isValidUtf8(tag), "a normalised tag is not UTF-8");
        }
    }
    if (!file.collection.empty()) {
        (void)detail::normalisePath(file.collection);
    }
    return 0;
}
