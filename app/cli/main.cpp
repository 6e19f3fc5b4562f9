// sopvault-cli entry point: hardens the process, then hands over to the command table.
#include "ProcessHardening.h"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv)
{
    sopvault::app::hardenProcess();
    CLI::App app{"sopvault-cli: the SOP Vault command line", "sopvault-cli"};
    app.set_version_flag("--version", std::string("sopvault-cli ") + SOPVAULT_VERSION);
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    std::cout << app.help();
    return 0;
}
