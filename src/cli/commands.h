// The command-line client: `sluice login|whoami|user|team|token ...`, talking to a Sluice server
// over its REST API with a saved token.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

// Adds the client subcommands to `app`. Each runs from its callback during parsing.
void RegisterClientCommands(CLI::App& app);

// The exit code of the client command that ran (0 when none ran).
int ExitCode();

}  // namespace sluice::cli
