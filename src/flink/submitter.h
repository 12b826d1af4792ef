// Submitting a JAR job to a session cluster with the environment's own Flink CLI.
//
// The CLI (`<flink_home>/bin/flink run -t remote ...`) runs the job's main() on our side, builds
// the job graph with the environment's own Flink classes and uploads it to the JobManager's REST
// API. Running it as a child process, rather than speaking the REST API directly, means every Flink
// version submits the way its own users do, with its own class loading, and a misbehaving main()
// can only hurt a child process, which is killed (with its whole process group) on timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace sluice::flink {

struct SubmitRequest {
  std::string flink_home;    // a Flink home (bin/flink inside)
  std::string config_dir;    // FLINK_CONF_DIR for the CLI; empty: <flink_home>/conf
  std::string rest_address;  // JobManager REST host, e.g. "127.0.0.1"
  int rest_port = 0;
  std::string jar_path;
  std::string main_class;  // empty: the jar's manifest
  std::vector<std::string> program_args;
  std::map<std::string, std::string> dynamic_properties;  // passed as -Dkey=value
  std::optional<int> parallelism;
  std::optional<std::string> savepoint_path;
  bool allow_non_restored_state = false;
  std::chrono::milliseconds timeout{std::chrono::minutes(3)};
  std::string log_path;  // the start log: the CLI's whole output (and the command line, secrets
                         // masked) is written here
};

struct SubmitOutcome {
  std::string job_id;       // 32 lowercase hex digits
  std::string log_path;     // the request's log_path ("" when none was asked for)
  std::string output_tail;  // the end of the CLI's output (a few KiB), for logs and the console
};

class Submitter {
 public:
  virtual ~Submitter() = default;
  // Submits a job in detached mode and returns its JobID once the cluster has accepted it. Blocks
  // for as long as the CLI runs (at most request.timeout plus a few seconds to kill it); returns
  // early when `*cancel` (may be null) becomes true. Thread-safe.
  virtual Result<SubmitOutcome> Submit(const SubmitRequest& request,
                                       const std::atomic<bool>* cancel) = 0;
};

// The real one: runs
//   <flink_home>/bin/flink run -t remote -Drest.address=H -Drest.port=P -d [-p N] [-s PATH [-n]]
//       [-Dkey=value ...] [-c MAIN] JAR ARGS...
// with FLINK_CONF_DIR=config_dir (else <flink_home>/conf) and FLINK_HOME=flink_home, in its own
// process group, and reads the JobID from its line "Job has been submitted with JobID <hex>".
// The same command works on Flink 1.20 and 2.x.
//
// The start log (request.log_path, appended to, parent folders created) gets a header with the
// time, the command line (shell-quoted, secrets masked: see MaskCommandLine) and the conf dir, then
// everything the CLI prints, then a footer with the outcome.
//
// Errors:
// - INVALID_ARGUMENT with `field`: flink_home (missing, or no executable bin/flink), config_dir,
//   rest_address, rest_port (not 1..65535), jar_path (no such file), parallelism (< 1),
//   savepoint_path (empty), timeout (<= 0), dynamic_properties (empty key, or a key the submitter
//   sets itself: rest.address, rest.port, execution.target, execution.attached).
// - SUBMIT_TIMEOUT: the CLI did not finish within request.timeout; its process group was killed.
// - SUBMIT_FAILED: the CLI exited non-zero, printed no JobID, could not be started, or the
//   submission was cancelled through `cancel`. `message` names Flink's reason (see
//   SubmitFailureReason), `internal_detail` holds the output tail.
// - INTERNAL: the start log cannot be written.
class CliSubmitter final : public Submitter {
 public:
  // `clock` stamps the start log.
  explicit CliSubmitter(const Clock& clock = SystemClock::Instance()) : clock_(clock) {}
  Result<SubmitOutcome> Submit(const SubmitRequest& request,
                               const std::atomic<bool>* cancel) override;

  // The argv of the CLI run for `request` (argv[0] is <flink_home>/bin/flink). No validation.
  static std::vector<std::string> BuildCommand(const SubmitRequest& request);

 private:
  const Clock& clock_;
};

// True for a property or option name that names a secret: it contains "password", "secret",
// "token" or "key", in any case. ("key" masks some harmless names too, e.g. "state.backend...key";
// in a log, masking too much is the safe mistake.)
bool IsSecretName(std::string_view name);

// The command line for logs: arguments shell-quoted where needed and secret values replaced by
// ******: "-Dname=value" and "--name=value" when the name is secret, and the argument after a
// secret "--name"/"-name" option ("--password hunter2").
std::string MaskCommandLine(const std::vector<std::string>& argv);

// The JobID from the CLI's "Job has been submitted with JobID <32 hex>" line; "" when absent.
std::string ParseSubmittedJobId(std::string_view output);

// The most telling part of a failed CLI run's output, for the error message: the first line after
// "The program finished with the following exception:" (without its exception class name) plus the
// root cause (the last "Caused by: ..." line) when it adds something; else the first line that
// reads like an error. Secrets are redacted and the result is at most ~600 characters; "" when the
// output holds nothing useful.
std::string SubmitFailureReason(std::string_view output);

}  // namespace sluice::flink
