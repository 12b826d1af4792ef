#include "flink/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

extern char** environ;

namespace sluice::flink {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string Errno(int err) { return std::strerror(err); }

Error Internal(std::string message, std::string detail) {
  return Error(ErrorCode::INTERNAL, std::move(message), "", std::move(detail));
}

// Reads a small file from /proc in full; nullopt when it cannot be opened (no such process).
std::optional<std::string> ReadProcFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;  // ESRCH: the process went away while we read
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

struct ProcStat {
  char state = '?';
  int pgrp = 0;
  uint64_t start_ticks = 0;
};

// Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold spaces
// and parentheses, so fields are counted from the last ')'.
std::optional<ProcStat> ReadProcStat(int pid) {
  if (pid <= 0) return std::nullopt;
  auto text = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
  std::string_view rest(*text);
  rest.remove_prefix(close + 1);
  while (!rest.empty() && fields.size() < 20) {
    size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find(' ');
    fields.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  if (fields.size() < 20 || fields[0].empty()) return std::nullopt;
  ProcStat stat;
  stat.state = fields[0][0];
  try {
    stat.pgrp = std::stoi(std::string(fields[2]));
    stat.start_ticks = std::stoull(std::string(fields[19]));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return stat;
}

bool IsEnded(char state) { return state == 'Z' || state == 'X' || state == 'x'; }

// True when a process other than a zombie is in process group `pgid`.
bool GroupHasLiveMembers(int pgid) {
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return ::kill(-pgid, 0) == 0;  // no /proc: the best available answer
  bool found = false;
  while (dirent* entry = ::readdir(dir)) {
    const char* name = entry->d_name;
    if (name[0] < '1' || name[0] > '9') continue;
    int pid = std::atoi(name);
    auto stat = ReadProcStat(pid);
    if (stat && stat->pgrp == pgid && !IsEnded(stat->state)) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

// Moves fd above the standard descriptors (when the server has closed stdin/stdout/stderr, new
// descriptors land there and dup2 in the child would clobber them), keeping O_CLOEXEC.
Result<Fd> AboveStdio(Fd fd) {
  if (fd.get() > 2) return fd;
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return Internal("cannot set up a child process", "fcntl: " + Errno(errno));
  return Fd(moved);
}

// What the child does between fork and exec, prepared in the parent because the child may only
// call async-signal-safe functions (no allocation: another thread may have held the malloc lock at
// fork time).
struct ChildPlan {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_dir = nullptr;  // null: inherit
  int stdin_fd = -1;
  int output_fd = -1;
  int error_fd = -1;  // CLOEXEC pipe to the parent
  bool new_session = false;
  bool own_group = false;
  int max_fd = 0;  // for the fallback when close_range is unavailable
};

// What a failing child sends back.
struct ChildFailure {
  int stage = 0;  // one of the kStage constants
  int error = 0;  // errno
};
constexpr int kStageSession = 1;
constexpr int kStageRedirect = 2;
constexpr int kStageChdir = 3;
constexpr int kStageExec = 4;

const char* StageName(int stage) {
  switch (stage) {
    case kStageSession:
      return "setsid/setpgid";
    case kStageRedirect:
      return "redirecting stdin/stdout/stderr";
    case kStageChdir:
      return "changing to the working directory";
    case kStageExec:
      return "exec";
  }
  return "setting up the child";
}

[[noreturn]] void Fail(const ChildPlan& plan, int stage) {
  ChildFailure failure{stage, errno};
  ssize_t n;
  do {
    n = ::write(plan.error_fd, &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::_exit(127);
}

// Runs in the child. Async-signal-safe calls only.
[[noreturn]] void RunChild(const ChildPlan& plan) {
  // Handlers of the server must not run in the child, and ignored signals (SIGPIPE!) stay ignored
  // across exec, so start from the defaults. Signals are still blocked (the parent blocked them
  // around fork) until just before exec.
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // some refuse: fine

  if (plan.new_session) {
    if (::setsid() < 0) Fail(plan, kStageSession);
  } else if (plan.own_group) {
    if (::setpgid(0, 0) < 0) Fail(plan, kStageSession);
  }
  // The sources are above 2 (AboveStdio), so these dup2 calls never clobber one another; dup2
  // clears O_CLOEXEC on the copies.
  if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.output_fd, 1) < 0 ||
      ::dup2(plan.output_fd, 2) < 0) {
    Fail(plan, kStageRedirect);
  }
  if (plan.working_dir != nullptr && ::chdir(plan.working_dir) < 0) Fail(plan, kStageChdir);

  // Everything above 2 closes at exec, including what other code opened without O_CLOEXEC
  // (sockets of the HTTP server, database connections). The error pipe is already CLOEXEC, so
  // it stays usable until the exec succeeds.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < plan.max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(plan.path, plan.argv, plan.envp);
  Fail(plan, kStageExec);
}

// The PATH lookup of execvp, done in the parent (execvp may allocate) against the child's PATH.
std::optional<std::string> FindOnPath(const std::string& name, const std::string& path_var) {
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

struct SpawnExtras {
  int output_fd = -1;      // >= 0: stdout+stderr go here instead of spec.output_path
  bool own_group = false;  // setpgid(0, 0) when spec.new_session is false
};

Result<ProcessIdentity> SpawnImpl(const SpawnSpec& spec, const SpawnExtras& extras) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return Error(ErrorCode::INVALID_ARGUMENT, "the command is empty", "argv");
  }
  for (const auto& [name, value] : spec.env_overrides) {
    if (name.empty() || name.find('=') != std::string::npos) {
      return Error(ErrorCode::INVALID_ARGUMENT, "invalid environment variable name: " + name,
                   "env_overrides");
    }
  }
  for (const auto& name : spec.env_removed) {
    if (name.empty() || name.find('=') != std::string::npos) {
      return Error(ErrorCode::INVALID_ARGUMENT, "invalid environment variable name: " + name,
                   "env_removed");
    }
  }

  // The child's environment.
  std::set<std::string, std::less<>> dropped(spec.env_removed.begin(), spec.env_removed.end());
  for (const auto& [name, value] : spec.env_overrides) dropped.insert(name);
  std::vector<std::string> env;
  std::optional<std::string> inherited_path;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string_view name = text.substr(0, text.find('='));
    if (name == "PATH") inherited_path = std::string(text.substr(5));
    if (dropped.find(name) != dropped.end()) continue;
    env.emplace_back(text);
  }
  for (const auto& [name, value] : spec.env_overrides) env.push_back(name + "=" + value);

  // The program.
  std::string path = spec.argv[0];
  if (path.find('/') == std::string::npos) {
    std::string path_var = "/usr/local/bin:/usr/bin:/bin";  // what execvp uses without PATH
    if (auto it = spec.env_overrides.find("PATH"); it != spec.env_overrides.end()) {
      path_var = it->second;
    } else if (inherited_path && std::find(spec.env_removed.begin(), spec.env_removed.end(),
                                           "PATH") == spec.env_removed.end()) {
      path_var = *inherited_path;
    }
    auto found = FindOnPath(path, path_var);
    if (!found) {
      return Internal("cannot start " + path + ": not found on PATH", "PATH=" + path_var);
    }
    path = *found;
  }

  std::vector<char*> argv;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  // Descriptors for the child, all CLOEXEC in the parent.
  Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null.valid()) return Internal("cannot open /dev/null", Errno(errno));
  SLUICE_ASSIGN_OR_RETURN(Fd stdin_fd, AboveStdio(std::move(dev_null)));
  Fd output_file;
  int output_fd = extras.output_fd;
  if (output_fd < 0) {
    const char* out_path = spec.output_path.empty() ? "/dev/null" : spec.output_path.c_str();
    Fd opened(::open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640));
    if (!opened.valid()) {
      return Internal("cannot open the output file " + spec.output_path,
                      std::string(out_path) + ": " + Errno(errno));
    }
    SLUICE_ASSIGN_OR_RETURN(output_file, AboveStdio(std::move(opened)));
    output_fd = output_file.get();
  } else if (output_fd <= 2) {
    int moved = ::fcntl(output_fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return Internal("cannot set up a child process", "fcntl: " + Errno(errno));
    output_file.Reset(moved);
    output_fd = moved;
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Internal("cannot set up a child process", "pipe2: " + Errno(errno));
  }
  Fd error_read(pipe_fds[0]);
  Fd error_write(pipe_fds[1]);

  ChildPlan plan;
  plan.path = path.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.working_dir = spec.working_dir.empty() ? nullptr : spec.working_dir.c_str();
  plan.stdin_fd = stdin_fd.get();
  plan.output_fd = output_fd;
  plan.error_fd = error_write.get();
  plan.new_session = spec.new_session;
  plan.own_group = extras.own_group;
  struct rlimit limit;
  plan.max_fd = (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
                    ? static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20))
                    : 1 << 16;

  // Signals stay blocked across fork so no handler of ours runs in the child before it has reset
  // the dispositions.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) RunChild(plan);
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return Internal("cannot start a process", "fork: " + Errno(fork_errno));

  // The pipe reads end-of-file when the exec succeeds (CLOEXEC closed the child's end), or the
  // failure record when it does not.
  error_write.Reset();
  ChildFailure failure;
  size_t got = 0;
  while (got < sizeof failure) {
    ssize_t n =
        ::read(error_read.get(), reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == sizeof failure) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string reason = Errno(failure.error);
    return Internal("cannot start " + spec.argv[0] + ": " + reason,
                    std::string(StageName(failure.stage)) + " failed for " + path + ": " + reason);
  }

  auto start_ticks = ProcessStartTicks(pid);
  if (!start_ticks) {
    // Only possible when someone else reaped our child (waitpid(-1) elsewhere).
    return Internal("the started process vanished", "pid " + std::to_string(pid));
  }
  return ProcessIdentity{pid, *start_ticks};
}

void AppendCapped(std::string& output, const char* data, size_t size) {
  output.append(data, size);
  // Trim in large steps so a chatty process does not cost a memmove per read.
  if (output.size() > 2 * kMaxRunOutputBytes) {
    output.erase(0, output.size() - kMaxRunOutputBytes);
  }
}

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the copy in the file is best effort; the captured output is the answer
    data += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

Result<ProcessIdentity> Spawn(const SpawnSpec& spec) { return SpawnImpl(spec, SpawnExtras{}); }

std::optional<uint64_t> ProcessStartTicks(int pid) {
  auto stat = ReadProcStat(pid);
  if (!stat) return std::nullopt;
  return stat->start_ticks;
}

bool IsAlive(const ProcessIdentity& process) {
  auto stat = ReadProcStat(process.pid);
  return stat && stat->start_ticks == process.start_ticks && !IsEnded(stat->state);
}

std::string ProcessCommandLine(int pid) {
  if (pid <= 0) return "";
  auto text = ReadProcFile("/proc/" + std::to_string(pid) + "/cmdline");
  if (!text) return "";
  while (!text->empty() && text->back() == '\0') text->pop_back();
  std::replace(text->begin(), text->end(), '\0', ' ');
  return *text;
}

std::optional<int> TryReap(int pid) {
  if (pid <= 0) return std::nullopt;  // waitpid(0 or -1) would reap somebody else's child
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return std::nullopt;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return std::nullopt;
}

Status TerminateGroup(const ProcessIdentity& process, milliseconds grace) {
  auto stat = ReadProcStat(process.pid);
  if (!stat || stat->start_ticks != process.start_ticks) return Status::Ok();
  // A zombie leader of ours still counts: its group may have live members.
  const bool group = stat->pgrp == process.pid && stat->pgrp != ::getpgrp();
  const pid_t target = group ? -process.pid : process.pid;
  const std::string who = "pid " + std::to_string(process.pid) + (group ? " and its group" : "");

  auto done = [&] {
    auto now = ReadProcStat(process.pid);
    bool leader_gone = !now || now->start_ticks != process.start_ticks;
    if (!leader_gone && IsEnded(now->state)) {
      // Ours: reap it; someone else's (ECHILD): its parent will. The leader shows as a zombie as
      // soon as its own thread has exited, while the process's other threads may still be
      // running (a JVM on its way out): then it cannot be reaped yet, so look again.
      int status = 0;
      pid_t r;
      do {
        r = ::waitpid(process.pid, &status, WNOHANG);
      } while (r < 0 && errno == EINTR);
      if (r == 0) return false;
      leader_gone = true;
    }
    // While a member remains the pgid cannot be reused, so this never looks at a stranger's group.
    return leader_gone && (!group || !GroupHasLiveMembers(process.pid));
  };
  auto wait_until = [&](SteadyClock::time_point deadline) {
    for (;;) {
      if (done()) return true;
      if (SteadyClock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
  };
  auto send = [&](int sig) -> Status {
    if (::kill(target, sig) == 0 || errno == ESRCH) return Status::Ok();
    return Internal("cannot stop the process", "kill(" + std::to_string(target) + ", " +
                                                   std::to_string(sig) + "): " + Errno(errno));
  };

  SLUICE_RETURN_IF_ERROR(send(SIGTERM));
  if (wait_until(SteadyClock::now() + grace)) return Status::Ok();
  SLUICE_RETURN_IF_ERROR(send(SIGKILL));
  if (wait_until(SteadyClock::now() + milliseconds(5000))) return Status::Ok();
  return Internal("the process did not end after SIGKILL", who + " still running");
}

Result<RunResult> RunToCompletion(const SpawnSpec& spec, milliseconds timeout,
                                  const std::atomic<bool>* cancel, const RunHooks* hooks) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Internal("cannot set up a child process", "pipe2: " + Errno(errno));
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);
  // The child's end must block: a CLI that gets EAGAIN on stdout would lose output or fail.
  ::fcntl(write_end.get(), F_SETFL, ::fcntl(write_end.get(), F_GETFL) & ~O_NONBLOCK);
  Fd copy;
  if (!spec.output_path.empty()) {
    copy.Reset(::open(spec.output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!copy.valid()) {
      return Internal("cannot open the output file " + spec.output_path, Errno(errno));
    }
  }

  SpawnSpec child_spec = spec;
  child_spec.output_path.clear();
  SpawnExtras extras;
  extras.output_fd = write_end.get();
  extras.own_group = true;
  auto spawned = SpawnImpl(child_spec, extras);
  write_end.Reset();  // else we would never see end-of-file
  if (!spawned.ok()) return std::move(spawned).error();
  const ProcessIdentity child = *spawned;
  if (hooks != nullptr && hooks->on_started) hooks->on_started(child);

  // Wakes the poll below when the child exits, so a quiet child is noticed at once (Linux 5.3+;
  // without it, the 50 ms poll timeout does the same, later).
  // (glibc 2.36's <sys/pidfd.h> lacks extern "C", hence the raw syscall.)
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0)));

  RunResult result;
  bool eof = false;
  std::optional<int> status;
  SteadyClock::time_point exited_at;
  const auto deadline = SteadyClock::now() + timeout;
  char buf[65536];
  auto drain = [&] {
    for (;;) {
      ssize_t n = ::read(read_end.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) eof = true;
      if (n <= 0) return;
      AppendCapped(result.output, buf, static_cast<size_t>(n));
      if (copy.valid()) WriteAll(copy.get(), buf, static_cast<size_t>(n));
      if (hooks != nullptr && hooks->on_output) {
        hooks->on_output(std::string_view(buf, static_cast<size_t>(n)));
      }
    }
  };

  for (;;) {
    if (!status) {
      status = TryReap(child.pid);
      // Reaped by someone else (a waitpid(-1) elsewhere): ended, with its status lost.
      if (!status && ProcessStartTicks(child.pid) != child.start_ticks) status = -1;
      if (status) exited_at = SteadyClock::now();
    }
    if (status) {
      // Output written just before the exit is still in the pipe; a background process that
      // inherited the pipe may keep it open, so do not wait for end-of-file for long.
      if (eof || SteadyClock::now() - exited_at > milliseconds(200)) break;
    } else if (cancel != nullptr && cancel->load()) {
      result.cancelled = true;
      break;
    } else if (SteadyClock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (!eof) fds[count++] = {read_end.get(), POLLIN, 0};
    if (!status && pidfd.valid()) fds[count++] = {pidfd.get(), POLLIN, 0};
    int wait_ms = 50;
    if (!status) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now()).count();
      wait_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 50));
    }
    if (count == 0) {
      std::this_thread::sleep_for(milliseconds(wait_ms));
    } else if (::poll(fds, count, wait_ms) > 0 && !eof) {
      drain();
    }
  }

  if (result.timed_out || result.cancelled) {
    Status stopped = TerminateGroup(child, milliseconds(2000));
    if (!stopped.ok()) {
      spdlog::warn("could not stop {}: {}", spec.argv[0], stopped.error().internal_detail);
    }
    drain();  // the last words before the signal
  } else {
    result.exit_code = *status;
  }
  if (result.output.size() > kMaxRunOutputBytes) {
    result.output.erase(0, result.output.size() - kMaxRunOutputBytes);
  }
  return result;
}

}  // namespace sluice::flink
