// Start-up hardening: no core dumps, not dumpable.
#include "ProcessHardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

namespace sopvault::app {

bool hardenProcess() noexcept
{
    rlimit none{0, 0};
    const bool noCore = setrlimit(RLIMIT_CORE, &none) == 0;
#ifdef SOPVAULT_SANITIZER_BUILD
    // LeakSanitizer needs ptrace at exit; sanitizer builds are test builds, never shipped.
    const bool notDumpable = true;
#else
    const bool notDumpable = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
#endif
    return noCore && notDumpable;
}

} // namespace sopvault::app
