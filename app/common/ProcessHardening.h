// Process-wide hardening each front end applies first thing in main().
#pragma once

namespace sopvault::app {

// Disables core dumps (RLIMIT_CORE = 0) and ptrace-style dumping (PR_SET_DUMPABLE = 0), so a
// crash never writes keys or plaintext to disk. Returns false if either could not be set.
bool hardenProcess() noexcept;

} // namespace sopvault::app
