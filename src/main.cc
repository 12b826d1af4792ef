// The `sluice` program: `sluice serve` runs the control plane; the other subcommands are a
// command-line client of its REST API.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "server/sluice_server.h"

int main(int argc, char** argv) {
  CLI::App app{"Sluice: a control plane for Apache Flink jobs", "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SLUICE_VERSION);

  sluice::server::ServeFlags serve_flags;
  CLI::App* serve = app.add_subcommand("serve", "run the control plane (REST API and console)");
  std::string config_file;
  serve->add_option("--config", config_file, "YAML settings file");
  struct FlagSpec {
    const char* flag;
    const char* key;
    const char* help;
  };
  static const FlagSpec kFlags[] = {
      {"--listen", "listen", "HOST:PORT to listen on (default 127.0.0.1:8765)"},
      {"--data-dir", "data_dir", "data folder (default ./var)"},
      {"--db", "db", "database URL (default sqlite in the data folder)"},
      {"--log-level", "log_level", "trace, debug, info, warn, error or off"},
      {"--log-json", "log_json", "true: log one JSON object a line"},
      {"--http-threads", "http_threads", "threads serving HTTP"},
      {"--public-url", "public_url", "the URL users reach Sluice at"},
      {"--bootstrap-flink-home", "bootstrap_flink_home",
       "a Flink home to register as the default environment, with a managed cluster 'local'"},
      {"--runner-jar", "runner_jar", "the SQL runner jar (scripts/provision/runner.sh)"},
      {"--web-dir", "web_dir", "folder of the built web console (default web/dist; off: none)"},
  };
  for (const auto& spec : kFlags) {
    serve->add_option_function<std::string>(
        spec.flag,
        [&serve_flags, key = spec.key](const std::string& v) { serve_flags.values[key] = v; },
        spec.help);
  }

  sluice::cli::RegisterClientCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version exit 0; every usage error exits 2.
    return sluice::cli::ExitForParseError(app, error, std::cout, std::cerr);
  }
  if (serve->parsed()) {
    if (!config_file.empty()) serve_flags.config_file = config_file;
    return sluice::server::RunServe(serve_flags);
  }
  return sluice::cli::ExitCode();
}
