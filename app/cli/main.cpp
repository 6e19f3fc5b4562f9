// sopvault-cli entry point: hardens the process, then hands over to the command table.
#include "Cli.h"
#include "ProcessHardening.h"

int main(int argc, char** argv)
{
    sopvault::app::hardenProcess();
    return sopvault::cli::run(argc, argv);
}
