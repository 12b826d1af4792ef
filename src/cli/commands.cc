#include "cli/commands.h"

namespace sluice::cli {

// Placeholder: the client commands land in the next change.
void RegisterClientCommands(CLI::App&) {}
int ExitCode() { return 0; }

}  // namespace sluice::cli
