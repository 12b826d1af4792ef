// Child processes: the supervised Flink JVMs and runs of the Flink CLI.
//
// Linux only (reads /proc). No global state: nothing here installs a SIGCHLD handler or calls
// waitpid(-1), so the caller decides when its children are reaped (TryReap, TerminateGroup,
// RunToCompletion). If the process ignores SIGCHLD (SIG_IGN), the kernel reaps children itself and
// exit statuses are lost: do not do that in the server.
//
// Every function is thread-safe. Spawn forks a multi-threaded process, so the child runs only
// async-signal-safe code between fork and exec, and every file descriptor this module opens is
// O_CLOEXEC so that children spawned by other threads at the same moment do not inherit them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sluice::flink {

// A process as seen by the OS, robust against pid reuse: the pid plus its start time in clock
// ticks since boot (field 22 of /proc/<pid>/stat). Persist both: after a restart of Sluice a pid
// alone may name an unrelated process.
struct ProcessIdentity {
  int pid = 0;
  uint64_t start_ticks = 0;
};

struct SpawnSpec {
  std::vector<std::string> argv;                     // argv[0]: a path, or a name found on PATH
  std::map<std::string, std::string> env_overrides;  // set on top of the inherited environment
  std::vector<std::string> env_removed;              // removed from the inherited environment
  std::string working_dir;                           // empty: inherit
  std::string output_path;  // stdout+stderr appended here; empty: /dev/null
  bool new_session = true;  // setsid(): own session and process group, survives the parent's death
};

// Starts argv with stdin from /dev/null, stdout and stderr appended to output_path (created with
// mode 0640 when missing), every signal disposition reset to default and an empty signal mask, and
// no other file descriptor of ours open (close_range(CLOSE_RANGE_CLOEXEC) in the child, so the
// server's sockets never leak into a Flink JVM). A name without '/' in argv[0] is looked up in the
// PATH the child will get (env_overrides' PATH, else ours) before forking. Returns once the exec
// has happened (or failed): a failure of chdir or exec in the child is sent back through a
// CLOEXEC pipe, the child is reaped, and the failure is an error here rather than a silent dead
// child.
// Errors: INVALID_ARGUMENT (empty argv or argv[0], an environment name that is empty or holds
// '='); INTERNAL with the reason in `message` and details in `internal_detail` (not found on
// PATH, exec or chdir failed, the output file cannot be opened, fork failed).
Result<ProcessIdentity> Spawn(const SpawnSpec& spec);

// The start time of `pid` in clock ticks since boot; nullopt when there is no such process.
// A zombie still has its start time.
std::optional<uint64_t> ProcessStartTicks(int pid);

// True when the process exists, is not a zombie, and has the same start ticks (so a reused pid
// counts as dead).
bool IsAlive(const ProcessIdentity& process);

// /proc/<pid>/cmdline with the NULs between arguments as spaces; "" if the process is gone (or is
// a zombie, whose command line the kernel no longer shows).
std::string ProcessCommandLine(int pid);

// waitpid(WNOHANG) for our own child: its exit status once it has ended (128+signal when a signal
// killed it), nullopt while it runs or when it is not our child (or was already reaped). Reaping
// consumes the status: a second call answers nullopt.
std::optional<int> TryReap(int pid);

// SIGTERM to the whole process group (-pid when the process leads its group, else the pid), polls
// until the leader is gone (reaping it if it is our child) for `grace`, then SIGKILL to the group
// and waits briefly. OK when the process is already gone.
//
// A leader of ours that reads as a zombie while its other threads are still exiting (a JVM on
// its way out) is waited for until it can be reaped, so no zombie is left behind.
// When the process leads its group, "gone" also needs every other member of the group to have
// ended, so a grandchild that ignores SIGTERM gets the SIGKILL too. A process that shares our own
// process group is signalled alone, never the group. Only a process whose identity still matches
// is signalled, so a stale identity never hits whoever has the pid now.
// Errors: INTERNAL when the process (or a member of its group) is still there a few seconds after
// SIGKILL (e.g. stuck in uninterruptible I/O), or when the signal is refused (EPERM).
Status TerminateGroup(const ProcessIdentity& process, std::chrono::milliseconds grace);

struct RunResult {
  int exit_code = -1;  // the exit status, 128+signal when killed; -1 when timed out or cancelled
  bool timed_out = false;
  bool cancelled = false;
  std::string output;  // stdout and stderr interleaved, the last kMaxRunOutputBytes of it
};

// How much of a run's output RunResult::output keeps (the end of it).
inline constexpr size_t kMaxRunOutputBytes = 1 << 20;

// Runs to completion with stdout+stderr captured (also appended to spec.output_path when set), in
// its own process group; on timeout or when `*cancel` becomes true, kills the whole group
// (TerminateGroup, short grace) and reports it. `output` is capped (keep the last 1 MiB).
//
// The run is in its own process group even when spec.new_session is false (then setpgid, same
// session). It is complete when the process has exited; output still arriving then is read for a
// short while, but processes it left running in the background (e.g. daemons started by a script)
// are neither waited for nor killed. Cancellation and the timeout are checked every 50 ms.
// Errors: those of Spawn, and INTERNAL when a pipe cannot be made. A non-zero exit, a timeout or a
// cancellation are results, not errors.
//
// `hooks` (optional): `on_started` is called once with the child's identity right after the exec
// (callers that must find the process after their own crash persist it); `on_output` gets every
// chunk of output as it is read, in the calling thread (callers that must filter the output, e.g.
// mask secrets, use it instead of output_path).
struct RunHooks {
  std::function<void(const ProcessIdentity&)> on_started;
  std::function<void(std::string_view)> on_output;
};
Result<RunResult> RunToCompletion(const SpawnSpec& spec, std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* cancel = nullptr,
                                  const RunHooks* hooks = nullptr);

}  // namespace sluice::flink
