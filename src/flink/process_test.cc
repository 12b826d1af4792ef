#include "flink/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace sluice::flink {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// Polls `done` every 10 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Waits until our child `pid` has ended and returns its status.
std::optional<int> WaitReaped(int pid) {
  std::optional<int> status;
  WaitFor([&] { return (status = TryReap(pid)).has_value(); });
  return status;
}

// Process ids in process group `pgid` whose command line is `cmdline`.
std::vector<ProcessIdentity> GroupMembers(int pgid, const std::string& cmdline) {
  std::vector<ProcessIdentity> members;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    int pid = std::stoi(name);
    if (::getpgid(pid) != pgid || ProcessCommandLine(pid) != cmdline) continue;
    if (auto ticks = ProcessStartTicks(pid)) members.push_back({pid, *ticks});
  }
  return members;
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-process-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const auto& process : started_) (void)TerminateGroup(process, 100ms);
    std::filesystem::remove_all(dir_);
  }
  // Spawns and remembers the process so TearDown stops it even when the test fails early.
  ProcessIdentity Start(SpawnSpec spec) {
    auto spawned = Spawn(spec);
    EXPECT_TRUE(spawned.ok()) << (spawned.ok() ? "" : spawned.error().internal_detail);
    if (!spawned.ok()) return {};
    started_.push_back(*spawned);
    return *spawned;
  }

  std::filesystem::path dir_;
  std::vector<ProcessIdentity> started_;
};

TEST_F(ProcessTest, SpawnGivesAnIdentityThatIsAliveUntilTerminated) {
  ProcessIdentity sleeper = Start({.argv = {"sleep", "100"}});
  ASSERT_GT(sleeper.pid, 0);
  EXPECT_EQ(ProcessStartTicks(sleeper.pid), sleeper.start_ticks);
  EXPECT_TRUE(IsAlive(sleeper));
  EXPECT_EQ(ProcessCommandLine(sleeper.pid), "sleep 100");

  // The same pid with other start ticks is another process: dead to us, and never signalled.
  ProcessIdentity reused{sleeper.pid, sleeper.start_ticks + 1};
  EXPECT_FALSE(IsAlive(reused));
  EXPECT_TRUE(TerminateGroup(reused, 100ms).ok());
  EXPECT_TRUE(IsAlive(sleeper));

  ASSERT_TRUE(TerminateGroup(sleeper, 5s).ok());
  EXPECT_FALSE(IsAlive(sleeper));
  // TerminateGroup reaped our child: the pid is gone altogether.
  EXPECT_EQ(ProcessStartTicks(sleeper.pid), std::nullopt);
  EXPECT_EQ(ProcessCommandLine(sleeper.pid), "");
  EXPECT_TRUE(TerminateGroup(sleeper, 100ms).ok());  // already gone
}

TEST_F(ProcessTest, TerminateGroupReapsAProcessWhoseLeaderThreadEndedFirst) {
  // The main thread exits first (its stat reads 'Z') while another thread runs on for a second,
  // ignoring SIGTERM: TerminateGroup must wait for the process itself, and reap it.
  SpawnSpec spec;
  spec.argv = {"python3", "-c",
               "import ctypes, signal, threading, time\n"
               "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
               "threading.Thread(target=lambda: time.sleep(1.5)).start()\n"
               "time.sleep(0.3)\n"
               "ctypes.CDLL(None).pthread_exit(None)\n"};
  auto started = Spawn(spec);
  ASSERT_TRUE(started.ok()) << started.error().message;
  // Wait until the leader thread has gone.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (IsAlive(*started) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(IsAlive(*started));
  ASSERT_TRUE(std::filesystem::exists("/proc/" + std::to_string(started->pid)));
  ASSERT_TRUE(TerminateGroup(*started, std::chrono::seconds(5)).ok());
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(started->pid)))
      << "left behind as a zombie";
}

TEST_F(ProcessTest, NoSuchProcess) {
  EXPECT_EQ(ProcessStartTicks(0), std::nullopt);
  EXPECT_EQ(ProcessStartTicks(-1), std::nullopt);
  EXPECT_FALSE(IsAlive({0, 0}));
  EXPECT_EQ(ProcessCommandLine(0), "");
  EXPECT_EQ(TryReap(0), std::nullopt);
  EXPECT_EQ(TryReap(-1), std::nullopt);
  EXPECT_EQ(TryReap(1), std::nullopt);  // not our child
  EXPECT_TRUE(TerminateGroup({0, 0}, 10ms).ok());
}

TEST_F(ProcessTest, AZombieIsDeadAndTryReapGivesItsStatus) {
  ProcessIdentity child = Start({.argv = {"sh", "-c", "exit 3"}});
  // Not reaped yet: the pid still exists, as a zombie, with the same start ticks.
  ASSERT_TRUE(WaitFor([&] { return !IsAlive(child); }));
  EXPECT_EQ(ProcessStartTicks(child.pid), child.start_ticks);
  EXPECT_EQ(ProcessCommandLine(child.pid), "");
  EXPECT_EQ(TryReap(child.pid), 3);
  EXPECT_EQ(TryReap(child.pid), std::nullopt);  // the status is consumed
  EXPECT_EQ(ProcessStartTicks(child.pid), std::nullopt);
}

TEST_F(ProcessTest, TryReapIsNulloptWhileRunningAnd128PlusSignalWhenKilled) {
  ProcessIdentity sleeper = Start({.argv = {"sleep", "100"}});
  EXPECT_EQ(TryReap(sleeper.pid), std::nullopt);
  ASSERT_EQ(::kill(sleeper.pid, SIGKILL), 0);
  EXPECT_EQ(WaitReaped(sleeper.pid), 128 + SIGKILL);
}

TEST_F(ProcessTest, EnvironmentOverridesAndRemovalsAndOutputIsAppended) {
  ASSERT_EQ(::setenv("SLUICE_PROC_TEST_KEEP", "kept", 1), 0);
  ASSERT_EQ(::setenv("SLUICE_PROC_TEST_DROP", "dropped", 1), 0);
  ASSERT_EQ(::setenv("SLUICE_PROC_TEST_OVER", "old", 1), 0);
  auto out = dir_ / "out.log";
  std::ofstream(out) << "before\n";
  ProcessIdentity child = Start({
      .argv = {"sh", "-c",
               "echo keep=$SLUICE_PROC_TEST_KEEP drop=${SLUICE_PROC_TEST_DROP-unset} "
               "over=$SLUICE_PROC_TEST_OVER new=$SLUICE_PROC_TEST_NEW; echo err >&2; pwd"},
      .env_overrides = {{"SLUICE_PROC_TEST_OVER", "new value"}, {"SLUICE_PROC_TEST_NEW", "x=y"}},
      .env_removed = {"SLUICE_PROC_TEST_DROP"},
      .working_dir = dir_.string(),
      .output_path = out.string(),
  });
  EXPECT_EQ(WaitReaped(child.pid), 0);
  EXPECT_EQ(ReadFile(out), "before\nkeep=kept drop=unset over=new value new=x=y\nerr\n" +
                               std::filesystem::canonical(dir_).string() + "\n");
  ::unsetenv("SLUICE_PROC_TEST_KEEP");
  ::unsetenv("SLUICE_PROC_TEST_DROP");
  ::unsetenv("SLUICE_PROC_TEST_OVER");
}

TEST_F(ProcessTest, PathFromTheOverridesIsUsedToFindTheProgram) {
  auto bin = dir_ / "bin";
  std::filesystem::create_directories(bin);
  std::ofstream(bin / "sluice-hello") << "#!/bin/sh\necho hello from $0\n";
  std::filesystem::permissions(bin / "sluice-hello", std::filesystem::perms::owner_all);
  auto run = RunToCompletion(
      {.argv = {"sluice-hello"}, .env_overrides = {{"PATH", bin.string() + ":/usr/bin:/bin"}}},
      10s);
  ASSERT_TRUE(run.ok()) << run.error().internal_detail;
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_EQ(run->output, "hello from " + (bin / "sluice-hello").string() + "\n");
}

TEST_F(ProcessTest, ExecFailuresAreErrors) {
  auto empty = Spawn({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(empty.error().field, "argv");

  auto bad_env = Spawn({.argv = {"true"}, .env_overrides = {{"A=B", "c"}}});
  ASSERT_FALSE(bad_env.ok());
  EXPECT_EQ(bad_env.error().code, ErrorCode::INVALID_ARGUMENT);

  auto missing = Spawn({.argv = {(dir_ / "no-such-program").string()}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::INTERNAL);
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos)
      << missing.error().message;
  EXPECT_NE(missing.error().internal_detail.find("exec"), std::string::npos);

  auto not_on_path = Spawn({.argv = {"sluice-no-such-program"}});
  ASSERT_FALSE(not_on_path.ok());
  EXPECT_EQ(not_on_path.error().code, ErrorCode::INTERNAL);
  EXPECT_NE(not_on_path.error().message.find("not found on PATH"), std::string::npos);

  std::ofstream(dir_ / "not-executable") << "#!/bin/sh\n";
  auto denied = Spawn({.argv = {(dir_ / "not-executable").string()}});
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().message.find("Permission denied"), std::string::npos);

  auto bad_dir = Spawn({.argv = {"true"}, .working_dir = (dir_ / "missing").string()});
  ASSERT_FALSE(bad_dir.ok());
  EXPECT_NE(bad_dir.error().internal_detail.find("working directory"), std::string::npos);

  auto bad_output = Spawn({.argv = {"true"}, .output_path = (dir_ / "no/such/dir.log").string()});
  ASSERT_FALSE(bad_output.ok());
  EXPECT_EQ(bad_output.error().code, ErrorCode::INTERNAL);

  auto run = RunToCompletion({.argv = {(dir_ / "no-such-program").string()}}, 5s);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, ErrorCode::INTERNAL);
}

TEST_F(ProcessTest, ChildrenInheritNoDescriptorsAndNoIgnoredSignals) {
  // A descriptor opened without O_CLOEXEC, as careless code elsewhere in the server might.
  // (Numbered high: the shell's own glob below opens a descriptor of its own at 3.)
  int opened = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(opened, 0);
  int leaky = ::dup2(opened, 77);
  ::close(opened);
  ASSERT_EQ(leaky, 77);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_usr1 {};
  ASSERT_EQ(::sigaction(SIGUSR1, &ignore, &old_usr1), 0);

  auto run = RunToCompletion(
      {.argv = {"sh", "-c",
                "for f in /proc/$$/fd/*; do echo fd ${f##*/}; done; grep SigIgn /proc/$$/status"}},
      10s);
  ::sigaction(SIGUSR1, &old_usr1, nullptr);
  ::close(leaky);
  ASSERT_TRUE(run.ok()) << run.error().internal_detail;
  EXPECT_EQ(run->output.find("fd " + std::to_string(leaky) + "\n"), std::string::npos)
      << run->output;
  EXPECT_NE(run->output.find("fd 0\nfd 1\nfd 2\n"), std::string::npos) << run->output;
  auto ignored_at = run->output.find("SigIgn:");
  ASSERT_NE(ignored_at, std::string::npos);
  uint64_t ignored = std::stoull(run->output.substr(ignored_at + 7), nullptr, 16);
  EXPECT_EQ(ignored & (uint64_t{1} << (SIGUSR1 - 1)), 0u) << run->output;
}

TEST_F(ProcessTest, NewSessionGivesItsOwnSessionAndGroup) {
  ProcessIdentity detached = Start({.argv = {"sleep", "100"}, .new_session = true});
  EXPECT_EQ(::getsid(detached.pid), detached.pid);
  EXPECT_NE(::getsid(detached.pid), ::getsid(0));
  EXPECT_EQ(::getpgid(detached.pid), detached.pid);

  ProcessIdentity attached = Start({.argv = {"sleep", "100"}, .new_session = false});
  EXPECT_EQ(::getsid(attached.pid), ::getsid(0));
  EXPECT_EQ(::getpgid(attached.pid), ::getpgrp());
  // In our own group: signalled alone, never the group (which would be us).
  EXPECT_TRUE(TerminateGroup(attached, 5s).ok());
  EXPECT_FALSE(IsAlive(attached));
  EXPECT_TRUE(IsAlive(detached));
}

TEST_F(ProcessTest, TerminateGroupKillsGrandchildren) {
  ProcessIdentity shell = Start({.argv = {"sh", "-c", "sleep 100 & sleep 100 & wait"}});
  std::vector<ProcessIdentity> sleepers;
  ASSERT_TRUE(
      WaitFor([&] { return (sleepers = GroupMembers(shell.pid, "sleep 100")).size() == 2; }));
  ASSERT_TRUE(TerminateGroup(shell, 5s).ok());
  EXPECT_FALSE(IsAlive(shell));
  for (const auto& sleeper : sleepers) EXPECT_FALSE(IsAlive(sleeper)) << sleeper.pid;
}

TEST_F(ProcessTest, SigkillAfterGraceForALeaderThatIgnoresSigterm) {
  auto out = dir_ / "out.log";
  ProcessIdentity stubborn = Start({
      .argv = {"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
      .output_path = out.string(),
  });
  ASSERT_TRUE(WaitFor([&] { return ReadFile(out) == "ready\n"; }));
  auto start = SteadyClock::now();
  ASSERT_TRUE(TerminateGroup(stubborn, 300ms).ok());
  EXPECT_GE(SteadyClock::now() - start, 300ms);
  EXPECT_FALSE(IsAlive(stubborn));
  EXPECT_EQ(ProcessStartTicks(stubborn.pid), std::nullopt);  // reaped
}

TEST_F(ProcessTest, SigkillAfterGraceForAGroupMemberThatIgnoresSigterm) {
  // The leader dies of SIGTERM at once; the grandchild ignores it and must get SIGKILL.
  auto out = dir_ / "out.log";
  ProcessIdentity shell = Start({
      .argv = {"sh", "-c", "(trap '' TERM; echo ready; exec sleep 100) & wait"},
      .output_path = out.string(),
  });
  ASSERT_TRUE(WaitFor([&] { return ReadFile(out) == "ready\n"; }));
  std::vector<ProcessIdentity> sleepers;
  ASSERT_TRUE(
      WaitFor([&] { return (sleepers = GroupMembers(shell.pid, "sleep 100")).size() == 1; }));
  auto start = SteadyClock::now();
  ASSERT_TRUE(TerminateGroup(shell, 300ms).ok());
  EXPECT_GE(SteadyClock::now() - start, 300ms);
  EXPECT_FALSE(IsAlive(shell));
  EXPECT_FALSE(IsAlive(sleepers[0]));
}

TEST_F(ProcessTest, RunToCompletionReportsExitCodesAndOutput) {
  auto log = dir_ / "run.log";
  std::ofstream(log) << "earlier\n";
  auto run = RunToCompletion(
      {.argv = {"sh", "-c", "echo out; echo err >&2; exit 7"}, .output_path = log.string()}, 10s);
  ASSERT_TRUE(run.ok()) << run.error().internal_detail;
  EXPECT_EQ(run->exit_code, 7);
  EXPECT_FALSE(run->timed_out);
  EXPECT_FALSE(run->cancelled);
  EXPECT_EQ(run->output, "out\nerr\n");
  EXPECT_EQ(ReadFile(log), "earlier\nout\nerr\n");

  auto killed = RunToCompletion({.argv = {"sh", "-c", "kill -9 $$"}}, 10s);
  ASSERT_TRUE(killed.ok());
  EXPECT_EQ(killed->exit_code, 128 + SIGKILL);

  auto quiet = RunToCompletion({.argv = {"true"}}, 10s);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->exit_code, 0);
  EXPECT_EQ(quiet->output, "");
}

TEST_F(ProcessTest, RunToCompletionRunsInItsOwnGroupEvenWithoutANewSession) {
  auto run = RunToCompletion(
      {.argv = {"sh", "-c", "ps -o pid=,pgid=,sid= -p $$"}, .new_session = false}, 10s);
  ASSERT_TRUE(run.ok());
  std::istringstream fields(run->output);
  int pid = 0, pgid = 0, sid = 0;
  fields >> pid >> pgid >> sid;
  EXPECT_EQ(pgid, pid) << run->output;
  EXPECT_EQ(sid, ::getsid(0)) << run->output;
}

TEST_F(ProcessTest, RunToCompletionTimeoutKillsTheGroup) {
  auto pid_file = dir_ / "bg.pid";
  auto start = SteadyClock::now();
  auto run = RunToCompletion(
      {.argv = {"sh", "-c",
                "sleep 100 & echo $! > '" + pid_file.string() + "'; echo started; sleep 100"}},
      500ms);
  auto took = SteadyClock::now() - start;
  ASSERT_TRUE(run.ok()) << run.error().internal_detail;
  EXPECT_TRUE(run->timed_out);
  EXPECT_FALSE(run->cancelled);
  EXPECT_EQ(run->exit_code, -1);
  EXPECT_EQ(run->output, "started\n");
  EXPECT_GE(took, 500ms);
  EXPECT_LT(took, 5s);
  int background = std::stoi(ReadFile(pid_file));
  auto ticks = ProcessStartTicks(background);
  EXPECT_TRUE(!ticks || !IsAlive({background, *ticks})) << "background sleep survived";
}

TEST_F(ProcessTest, RunToCompletionStopsWhenCancelled) {
  std::atomic<bool> cancel{false};
  auto log = dir_ / "run.log";
  std::thread canceller([&] {
    WaitFor([&] { return ReadFile(log) == "started\n"; });
    cancel = true;
  });
  auto run = RunToCompletion(
      {.argv = {"sh", "-c", "echo started; sleep 100"}, .output_path = log.string()}, 60s, &cancel);
  canceller.join();
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->cancelled);
  EXPECT_FALSE(run->timed_out);
  EXPECT_EQ(run->exit_code, -1);
  EXPECT_EQ(run->output, "started\n");
}

TEST_F(ProcessTest, RunToCompletionKeepsTheLastMebibyte) {
  auto run = RunToCompletion(
      {.argv = {"sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo; echo END"}}, 30s);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_EQ(run->output.size(), kMaxRunOutputBytes);
  EXPECT_TRUE(run->output.ends_with("aaa\nEND\n"));
}

TEST_F(ProcessTest, RunToCompletionDoesNotWaitForBackgroundProcesses) {
  // One daemon detached from the pipe (like Flink's start scripts do), one that still holds it.
  auto start = SteadyClock::now();
  auto run = RunToCompletion({.argv = {"sh", "-c",
                                       "sleep 100 >/dev/null 2>&1 & echo a=$!; sleep 100 & "
                                       "echo b=$!"}},
                             30s);
  ASSERT_TRUE(run.ok());
  EXPECT_LT(SteadyClock::now() - start, 5s);
  EXPECT_EQ(run->exit_code, 0);
  for (const char* key : {"a=", "b="}) {
    auto at = run->output.find(key);
    ASSERT_NE(at, std::string::npos) << run->output;
    int pid = std::stoi(run->output.substr(at + 2));
    auto ticks = ProcessStartTicks(pid);
    ASSERT_TRUE(ticks.has_value());
    EXPECT_TRUE(IsAlive({pid, *ticks}));  // left alone
    ::kill(pid, SIGKILL);
  }
}

}  // namespace
}  // namespace sluice::flink
