// sopvault-cli's command table (docs/cli.md): parses with CLI11, acts through core, prints
// plain text or one JSON document, and maps every error to its exit code and one stderr line.
#pragma once

namespace sopvault::cli {

int run(int argc, char** argv);

} // namespace sopvault::cli
