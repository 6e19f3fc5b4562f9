// Fuzz target: opening a vault file made of arbitrary bytes with core::unlock, as the apps do,
// and, when it opens, listing and verifying it. The seed vault's owner is "fuzz" with password
// "fuzz-pw" and the interactive KDF profile, so inputs that are still a valid vault pay one
// Argon2id derivation (64 MiB); everything malformed fails before key derivation.
#include "Fuzz.h"

#include "sopvault/core/Vault.h"

#include <chrono>

using namespace sopvault;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static fuzz::ScratchDir scratch;
    static const auto password = crypto::SecureBuffer::copyOf(std::string_view("fuzz-pw"));
    fuzz::check(password.has_value(), "cannot allocate the password");

    const auto file = scratch.write("vault.sopvault", {data, size});
    {
        core::OpenOptions options;
        options.busyTimeout = std::chrono::milliseconds(0);
        auto session = core::unlock(file, "fuzz", *password, options);
        if (!session) {
            const ErrorCode code = session.error().code;
            fuzz::check(code == ErrorCode::Integrity || code == ErrorCode::Failed ||
                            code == ErrorCode::Auth || code == ErrorCode::NotFound,
                        "unlock failed with an unexpected error code");
            fuzz::check(!session.error().message.empty(), "unlock failed without a message");
        } else {
            (void)(*session)->listSops();
            (void)(*session)->collections();
            auto report = (*session)->verify();
            fuzz::check(report.has_value() || !report.error().message.empty(),
                        "verify failed without a message");
        }
    }
    scratch.clear();
    return 0;
}
