// Settings of `sluice serve`, from three sources in rising precedence: a YAML file (--config),
// SLUICE_* environment variables, and command-line flags. docs/operations.md lists them all.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"

namespace sluice::server {

struct ServeConfig {
  std::string listen = "127.0.0.1:8765";  // host:port
  std::string data_dir = "./var";
  std::string db;  // database URL; empty: sqlite file sluice.db in data_dir
  std::string log_level = "info";
  bool log_json = false;
  // Threads serving HTTP; 0 means one per core. On SQLite the handlers are CPU-bound, so more
  // threads than cores only add scheduling delay; raise it for a remote database.
  int http_threads = 0;
  uint64_t max_body_bytes = 1 << 20;
  int read_timeout_seconds = 30;
  int db_pool_size = 8;
  int session_ttl_hours = 12;
  int login_max_failures = 5;  // failures within the window before logins answer 429
  int login_window_seconds = 300;
  int login_lockout_seconds = 300;
  std::string public_url;  // how users reach Sluice (links in alerts); default http://listen
  // A Flink home to register as the default environment at start, with a managed cluster `local`
  // started from it, when neither exists yet (`make run` passes the provisioned one).
  std::string bootstrap_flink_home;
  int cluster_health_seconds = 5;           // how often each cluster's REST API is asked
  int cluster_start_timeout_seconds = 180;  // a managed cluster not ready by then FAILS
  int cluster_stop_grace_seconds = 15;      // SIGTERM, then SIGKILL after this
  // Applications (apps/).
  std::string runner_jar;            // the SQL runner; empty: SQL apps cannot be deployed
  std::string savepoint_dir;         // URI; empty: file://<data_dir>/savepoints
  int tracking_interval_ms = 1000;   // one /jobs/overview per cluster per cycle
  int job_lost_seconds = 10;         // a job unseen this long makes its app LOST
  int submit_timeout_seconds = 180;  // Flink's CLI is killed after this
  int operation_threads = 4;         // deploys, stops and savepoints at once
  // Dependencies of Flink jobs (src/resources): the one Maven repository used for every
  // coordinate (and Maven's plugins), Maven's local repository ("": $HOME/.m2/repository), how
  // long one Maven run may take, and the largest jar that can be uploaded.
  std::string maven_repository = "https://repo.maven.apache.org/maven2";
  std::string maven_local_repository;
  int resolve_timeout_seconds = 300;
  uint64_t max_upload_bytes = uint64_t{256} << 20;
  // Projects (src/projects): Maven builds at once (the rest wait), and how long one may take.
  int build_threads = 2;
  int build_timeout_seconds = 1800;
  // The built web console served at `/`: empty means this source tree's web/dist (compiled in)
  // or an installed share/sluice/web when either holds index.html, else none; "off" serves none.
  // A folder given here must hold index.html, or the server does not start.
  std::string web_dir;
  // Alerts and the restart policy (src/alerts).
  int alert_quiet_minutes = 10;         // the same alert again only after this
  int restart_backoff_ms = 10000;       // before the first automatic restart; doubles after
  int restart_backoff_max_ms = 300000;  // the longest wait before a restart
  int alert_retry_first_ms = 1000;      // a failed delivery is tried again after this, doubling
  int alert_retry_max_ms = 60000;       // the longest wait between two delivery attempts
  int alert_give_up_hours = 24;         // a delivery still failing this long after is FAILED
  int alert_watch_ms = 5000;            // checkpoint/restart rules: how often running jobs are read

  // host and port split out of `listen`.
  std::string host() const;
  uint16_t port() const;
  // The database URL actually used (db, or the default SQLite file).
  std::string database_url() const;
};

// Values given on the command line; unset ones do not override.
struct ServeFlags {
  std::optional<std::string> config_file;
  std::map<std::string, std::string> values;  // setting name (as in YAML) -> value
};

// Builds the configuration: defaults < YAML file < environment (SLUICE_<NAME> upper-cased, e.g.
// SLUICE_LISTEN, SLUICE_DB, SLUICE_LOG_LEVEL) < flags. INVALID_ARGUMENT naming the setting and its
// source for an unknown key, a bad value or an unreadable file.
// `environment` is injected for tests (pass the process environment in main).
Result<ServeConfig> LoadServeConfig(const ServeFlags& flags,
                                    const std::map<std::string, std::string>& environment);

// The process environment as a map.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace sluice::server
