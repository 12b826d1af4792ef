// A managed cluster's processes: a standalone session cluster that Sluice starts from a Flink
// environment on this machine, a JobManager and N TaskManagers, each a supervised child process
// with its own configuration and log folder under the cluster's folder:
//
//   <root>/jobmanager/{conf,log}/   <root>/taskmanager-<i>/{conf,log}/   <root>/savepoints/
//   <root>/processes.json           (pids and start times, for re-adoption after a restart)
//
// The processes run Flink's own scripts in the foreground (`bin/jobmanager.sh start-foreground`,
// `bin/taskmanager.sh start-foreground`), which exec the JVM, so the child's pid is the JVM's and
// Flink computes memory and JVM options exactly as its own start-cluster.sh does. Each process
// leads its own session: it outlives Sluice, which re-adopts it on its next start.
//
// An application cluster (`ManagedClusterSpec::application` set) is the same, except that its
// JobManager runs Flink's standalone application entry point for one job
// (`bin/standalone-job.sh start-foreground --job-classname C --jars file://JAR -- ARGS`): the job
// is started by the JobManager itself, with the job id and the job's settings from the
// configuration file. Sluice keeps the JobManager up after the job ends
// (`execution.shutdown-on-application-finish: false`) so that the job's final state, exceptions
// and checkpoints can still be read; the owner stops the cluster afterwards.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "flink/flink_home.h"
#include "flink/process.h"

namespace sluice::flink {

// The one job of an application cluster.
struct ApplicationJob {
  std::string jar;         // local job jar (dependencies nested under lib/)
  std::string main_class;  // empty: the jar's manifest
  std::vector<std::string> program_args;
};

struct ManagedClusterSpec {
  std::string root;         // <data>/clusters/<id>, created when missing
  std::string flink_home;   // the environment's home
  std::string config_file;  // the kind the environment's processes read
  FlatConfig base_config;   // the environment's configuration
  FlatConfig user_config;   // the cluster's own settings: win over everything else
  FlinkVersion version;
  int taskmanagers = 1;
  std::optional<ApplicationJob> application;  // set: an application cluster for this job
};

// What is running, as saved in processes.json.
struct ManagedRuntime {
  int rest_port = 0;
  int rpc_port = 0;
  ProcessIdentity jobmanager;
  std::vector<ProcessIdentity> taskmanagers;  // [i] is taskmanager-(i+1)
  std::vector<int> taskmanager_restarts;      // restarts of each, since the cluster started
};

// A TCP port on 127.0.0.1 that was free a moment ago.
Result<int> PickFreePort();

// The configuration each process gets: the environment's, then Sluice's loopback defaults
// (addresses, ports, savepoint and upload folders under `root`), then the user's settings.
// An application cluster also gets Sluice's application settings (the JobManager stays after
// the job ends; a failing main() is a FAILED job) where the user's settings do not say otherwise.
FlatConfig EffectiveConfig(const ManagedClusterSpec& spec, int rest_port, int rpc_port);

// Writes the configuration folders and starts the JobManager and every TaskManager without
// waiting for them to be ready. Ports: rest.port / jobmanager.rpc.port from the user's settings,
// else free ones. CLUSTER_START_FAILED when a process cannot be started (what was started is
// stopped again).
Result<ManagedRuntime> StartManagedCluster(const ManagedClusterSpec& spec);

// The JobManager's argv (argv[0] is <flink_home>/bin/jobmanager.sh or standalone-job.sh).
std::vector<std::string> JobManagerCommand(const ManagedClusterSpec& spec);

// Starts taskmanager-`index` (1-based) again with the configuration written at start.
Result<ProcessIdentity> RestartTaskManager(const ManagedClusterSpec& spec, int index);

// Stops every process of the cluster (TaskManagers first), SIGTERM then SIGKILL after `grace`,
// and removes processes.json.
Status StopManagedCluster(const ManagedClusterSpec& spec, const ManagedRuntime& runtime,
                          std::chrono::milliseconds grace);

// The runtime saved in <root>/processes.json when its JobManager is still alive and is the one
// Sluice started (same pid, start time and configuration folder); nullopt otherwise.
std::optional<ManagedRuntime> AdoptManagedCluster(const std::string& root);

// The runtime saved in processes.json whatever is alive (to clean up leftovers).
std::optional<ManagedRuntime> ReadManagedRuntime(const std::string& root);
Status SaveManagedRuntime(const std::string& root, const ManagedRuntime& runtime);

// The last `max_bytes` of the newest file in a process's log folder ("jobmanager",
// "taskmanager-2"): what to show when it failed to start.
std::string LogTail(const std::string& root, const std::string& process, size_t max_bytes);

}  // namespace sluice::flink
