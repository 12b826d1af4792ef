// Validation by Flink itself: the SQL runner in its long-lived validate mode
// (`SqlRunner --serve`, runner/README.md), one warm JVM per (Flink home, dependency jars), with
// Flink's lib/*.jar, the runner and the app's jars on its classpath. It parses, validates and
// plans a script without running it (DDL into an in-memory catalog, INSERTs only explained), and
// lists the table factories of its classpath (the connector catalog the lint judges options by).
//
// The pool keeps at most `max_processes` JVMs (the least recently used one is stopped to make
// room), starts one on first use (a few seconds), restarts one that died, and stops them all when
// destroyed. A JVM also ends by itself when this process is gone (SLUICE_VALIDATOR_PARENT). It
// listens on 127.0.0.1 only and needs a random token this process gives it.
//
// Connector catalogs are cached by the sha256 of the Flink version and the jars' contents, in
// memory and on disk (<work_dir>/connectors/<key>.json), so each set of jars is read once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "flink/process.h"
#include "http/client.h"
#include "sql/connectors.h"
#include "sql/lint.h"

namespace sluice::sql {

struct ValidationTarget {
  std::string flink_home;
  std::string flink_version;
  std::vector<std::string> jars;  // the app's dependency jars (local files)
};

struct Plan {
  int statement_line = 0;
  std::string plan;
};

struct ValidationResult {
  bool valid = false;
  std::vector<Finding> findings;  // Flink's error, at its line and column
  std::vector<Plan> plans;        // explain: one per INSERT
  int64_t millis = 0;             // time inside the validator
};

class Validator {
 public:
  virtual ~Validator() = default;
  // Validates (`explain` false) or explains `script` against `target`. Errors:
  // SQL_VALIDATOR_UNAVAILABLE (no runner, the JVM does not start), SQL_VALIDATOR_TIMEOUT.
  virtual Result<ValidationResult> Check(const ValidationTarget& target, std::string_view script,
                                         bool explain) = 0;
  // The table factories on the target's classpath (cached; see above). Same errors.
  virtual Result<ConnectorCatalog> Connectors(const ValidationTarget& target) = 0;
  // The cached catalog when there is one; never starts a JVM or blocks on one.
  virtual std::optional<ConnectorCatalog> CachedConnectors(const ValidationTarget& target) = 0;
  // Starts reading the catalog in the background when it is not cached yet.
  virtual void PrefetchConnectors(const ValidationTarget& target) = 0;
};

// Flink's messages name positions as "line X, column Y" (the script's: the runner gives each
// statement to Flink padded to its place). The first such position, or the statement's line.
Finding FlinkFinding(int statement_line, std::string message);

struct RunnerValidatorOptions {
  std::string runner_jar;  // "": validation unavailable
  std::string java;        // "": $JAVA_HOME/bin/java, else java on PATH
  std::string work_dir;    // logs, port files, the connector cache
  size_t max_processes = 4;
  std::chrono::milliseconds start_timeout{std::chrono::seconds(120)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(120)};
  std::vector<std::string> jvm_options = {"-Xmx768m", "-XX:+UseSerialGC",
                                          "-XX:TieredStopAtLevel=1"};
};

class RunnerValidatorPool final : public Validator {
 public:
  RunnerValidatorPool(RunnerValidatorOptions options, http::HttpClient& client);
  ~RunnerValidatorPool() override;
  RunnerValidatorPool(const RunnerValidatorPool&) = delete;
  RunnerValidatorPool& operator=(const RunnerValidatorPool&) = delete;

  Result<ValidationResult> Check(const ValidationTarget& target, std::string_view script,
                                 bool explain) override;
  Result<ConnectorCatalog> Connectors(const ValidationTarget& target) override;
  std::optional<ConnectorCatalog> CachedConnectors(const ValidationTarget& target) override;
  void PrefetchConnectors(const ValidationTarget& target) override;

  // The JVMs running now.
  size_t process_count();
  // Stops every JVM (the next request starts its JVM again); also what the destructor does.
  void StopAll();

 private:
  struct Process;
  Result<Json> Call(const ValidationTarget& target, const std::string& path, std::string_view body);
  Status Start(Process& p, const ValidationTarget& target);
  std::string CatalogKey(const ValidationTarget& target);

  RunnerValidatorOptions options_;
  http::HttpClient& client_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Process>> processes_;  // by flink home + jars
  uint64_t use_counter_ = 0;
  std::map<std::string, ConnectorCatalog> catalogs_;                        // by CatalogKey
  std::map<std::string, std::pair<std::string, std::string>> jar_digests_;  // path -> (stamp, sha)
  std::set<std::string> prefetching_;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::sql
