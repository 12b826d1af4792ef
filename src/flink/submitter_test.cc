// CliSubmitter against a fake Flink home whose bin/flink is a shell script that records its argv
// and environment and prints what the real CLI prints (texts taken from Flink 1.20.5 and 2.0.2).
#include "flink/submitter.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "flink/process.h"

namespace sluice::flink {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kJobId[] = "411968669662863b227decc1e70ef760";

// What `flink run -d -c tiny.Failing ...` prints (1.20.5; 2.0.2 is the same).
constexpr char kMainFailedOutput[] = R"(
------------------------------------------------------------
 The program finished with the following exception:

org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: tiny job refuses to start: missing --records
	at org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:373)
	at org.apache.flink.client.program.PackagedProgram.invokeInteractiveModeForExecution(PackagedProgram.java:223)
	at org.apache.flink.client.cli.CliFrontend.main(CliFrontend.java:1335)
Caused by: java.lang.IllegalStateException: tiny job refuses to start: missing --records
	at tiny.Failing.main(Failing.java:4)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	... 9 more
)";

// A savepoint that does not exist (1.20.5), stack frames shortened.
constexpr char kSavepointMissingOutput[] = R"(
------------------------------------------------------------
 The program finished with the following exception:

org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: Failed to execute job 'tiny-job'.
	at org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:373)
Caused by: org.apache.flink.util.FlinkException: Failed to execute job 'tiny-job'.
	... 9 more
Caused by: java.lang.RuntimeException: org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.
Caused by: org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.
	... 1 more
Caused by: java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory 'file:///tmp/nosuch-sp' on file system 'file'.
	... 5 more
)";

// A jar path the CLI cannot read.
constexpr char kBadJarOutput[] =
    "Could not get job jar and dependencies from JAR file: JAR file does not exist: job/nope.jar\n"
    "\n"
    "Use the help option (-h or --help) to get help on the command.\n";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class SubmitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sluice-submitter-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    home_ = dir_ / "flink";
    fs::create_directories(home_ / "bin");
    fs::create_directories(home_ / "conf");
    // The fake CLI: records "$@" (one argument a line) and its environment, then acts out the
    // mode written in <home>/mode.
    std::ofstream(home_ / "bin" / "flink") << R"sh(#!/bin/sh
home=$(cd "$(dirname "$0")/.." && pwd)
printf '%s\n' "$@" > "$home/argv"
echo "FLINK_CONF_DIR=$FLINK_CONF_DIR" > "$home/env"
echo "FLINK_HOME=$FLINK_HOME" >> "$home/env"
echo "FLINK_LIB_DIR=${FLINK_LIB_DIR-unset}" >> "$home/env"
case "$(cat "$home/mode")" in
  success) echo "Job has been submitted with JobID 411968669662863b227decc1e70ef760" ;;
  fail) cat "$home/output" >&2; exit 1 ;;
  no-job-id) echo "nothing to do" ;;
  hang)
    sleep 1000 &
    echo $! > "$home/grandchild.pid"
    echo "waiting for the JobManager"
    sleep 1000 ;;
esac
)sh";
    fs::permissions(home_ / "bin" / "flink", fs::perms::owner_all);
    jar_ = dir_ / "job.jar";
    std::ofstream(jar_) << "PK";
    SetMode("success");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void SetMode(const std::string& mode, const std::string& output = "") {
    std::ofstream(home_ / "mode") << mode << "\n";
    std::ofstream(home_ / "output") << output;
  }
  SubmitRequest Request() {
    SubmitRequest request;
    request.flink_home = home_.string();
    request.rest_address = "127.0.0.1";
    request.rest_port = 8081;
    request.jar_path = jar_.string();
    request.log_path = (dir_ / "logs" / "start.log").string();
    request.timeout = 20s;
    return request;
  }
  std::vector<std::string> Argv() { return ReadLines(home_ / "argv"); }

  FakeClock clock_;
  CliSubmitter submitter_{clock_};
  fs::path dir_, home_, jar_;
};

TEST_F(SubmitterTest, MinimalCommandAndTheHomesConf) {
  ::setenv("FLINK_LIB_DIR", "/elsewhere/lib", 1);
  auto outcome = submitter_.Submit(Request(), nullptr);
  ::unsetenv("FLINK_LIB_DIR");
  ASSERT_TRUE(outcome.ok()) << outcome.error().message << "\n" << outcome.error().internal_detail;
  EXPECT_EQ(outcome->job_id, kJobId);
  EXPECT_EQ(outcome->log_path, (dir_ / "logs" / "start.log").string());
  EXPECT_EQ(outcome->output_tail,
            std::string("Job has been submitted with JobID ") + kJobId + "\n");
  EXPECT_EQ(Argv(), (std::vector<std::string>{"run", "-t", "remote", "-Drest.address=127.0.0.1",
                                              "-Drest.port=8081", "-d", jar_.string()}));
  EXPECT_EQ(ReadLines(home_ / "env"),
            (std::vector<std::string>{"FLINK_CONF_DIR=" + (home_ / "conf").string(),
                                      "FLINK_HOME=" + home_.string(), "FLINK_LIB_DIR=unset"}));
}

TEST_F(SubmitterTest, FullCommandInFlinksOrder) {
  SubmitRequest request = Request();
  request.config_dir = (dir_ / "conf-copy").string();
  fs::create_directories(request.config_dir);
  request.main_class = "com.example.Main";
  request.program_args = {"--records", "1000", "--name", "two words"};
  request.dynamic_properties = {{"pipeline.name", "my job"},
                                {"state.checkpoints.num-retained", "3"}};
  request.parallelism = 4;
  request.savepoint_path = "file:///savepoints/sp-1";
  request.allow_non_restored_state = true;
  auto outcome = submitter_.Submit(request, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(Argv(), (std::vector<std::string>{"run",
                                              "-t",
                                              "remote",
                                              "-Drest.address=127.0.0.1",
                                              "-Drest.port=8081",
                                              "-d",
                                              "-p",
                                              "4",
                                              "-s",
                                              "file:///savepoints/sp-1",
                                              "-n",
                                              "-Dpipeline.name=my job",
                                              "-Dstate.checkpoints.num-retained=3",
                                              "-c",
                                              "com.example.Main",
                                              jar_.string(),
                                              "--records",
                                              "1000",
                                              "--name",
                                              "two words"}));
  EXPECT_EQ(ReadLines(home_ / "env")[0], "FLINK_CONF_DIR=" + request.config_dir);
  EXPECT_EQ(CliSubmitter::BuildCommand(request)[0], (home_ / "bin" / "flink").string());

  // -n only goes with -s.
  request.savepoint_path.reset();
  ASSERT_TRUE(submitter_.Submit(request, nullptr).ok());
  auto argv = Argv();
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "-n"), 0);
}

TEST_F(SubmitterTest, StartLogHasTheMaskedCommandTheOutputAndTheOutcome) {
  SubmitRequest request = Request();
  request.dynamic_properties = {{"s3.secret-key", "hunter2-a"},
                                {"security.ssl.rest.keystore-PASSWORD", "hunter2-b"},
                                {"pipeline.name", "visible"}};
  request.program_args = {"--db-password", "hunter2-c", "--api-token=hunter2-d", "--records", "5"};
  auto outcome = submitter_.Submit(request, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  // The CLI itself got the real values.
  auto argv = Argv();
  EXPECT_NE(std::find(argv.begin(), argv.end(), "-Ds3.secret-key=hunter2-a"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "hunter2-c"), argv.end());

  std::string log = ReadFile(request.log_path);
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  std::string flink = (home_ / "bin" / "flink").string();
  EXPECT_EQ(
      log,
      "==> 2023-11-14T22:13:20.000Z sluice: submitting with the Flink CLI\n"
      "$ FLINK_CONF_DIR=" +
          (home_ / "conf").string() + " " + flink +
          " run -t remote -Drest.address=127.0.0.1 -Drest.port=8081 -d "
          "-Dpipeline.name=visible -Ds3.secret-key=****** "
          "-Dsecurity.ssl.rest.keystore-PASSWORD=****** " +
          jar_.string() +
          " --db-password ****** --api-token=****** --records 5\n"
          "Job has been submitted with JobID 411968669662863b227decc1e70ef760\n"
          "==> 2023-11-14T22:13:20.000Z sluice: submitted job 411968669662863b227decc1e70ef760\n");

  // A second submission appends.
  ASSERT_TRUE(submitter_.Submit(request, nullptr).ok());
  EXPECT_EQ(ReadFile(request.log_path), log + log);
}

TEST_F(SubmitterTest, AFailingMainIsSubmitFailedWithFlinksReason) {
  SetMode("fail", kMainFailedOutput);
  auto outcome = submitter_.Submit(Request(), nullptr);
  ASSERT_FALSE(outcome.ok());
  const Error& error = outcome.error();
  EXPECT_EQ(error.code, ErrorCode::SUBMIT_FAILED);
  EXPECT_EQ(ErrorCodeHttpStatus(error.code), 422);
  EXPECT_EQ(error.message,
            "Flink did not accept the job: tiny job refuses to "
            "start: missing --records");
  EXPECT_NE(error.internal_detail.find("exit status 1"), std::string::npos);
  EXPECT_NE(error.internal_detail.find("Caused by: java.lang.IllegalStateException"),
            std::string::npos);
  std::string log = ReadFile(Request().log_path);
  EXPECT_NE(log.find("at tiny.Failing.main(Failing.java:4)"), std::string::npos);
  EXPECT_TRUE(log.ends_with("sluice: the Flink CLI exited with status 1, no JobID\n")) << log;
}

TEST_F(SubmitterTest, TheRootCauseIsNamedWhenTheHeadlineDoesNotSayIt) {
  SetMode("fail", kSavepointMissingOutput);
  auto outcome = submitter_.Submit(Request(), nullptr);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().message,
            "Flink did not accept the job: Failed to execute job "
            "'tiny-job'. Cause: java.io.FileNotFoundException: Cannot find checkpoint or savepoint "
            "file/directory 'file:///tmp/nosuch-sp' on file system 'file'.");
}

TEST_F(SubmitterTest, AnErrorWithoutAStackTraceIsQuoted) {
  SetMode("fail", kBadJarOutput);
  auto outcome = submitter_.Submit(Request(), nullptr);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::SUBMIT_FAILED);
  EXPECT_EQ(outcome.error().message,
            "Flink did not accept the job: Could not get job jar and dependencies from JAR file: "
            "JAR file does not exist: job/nope.jar");
}

TEST_F(SubmitterTest, NoJobIdIsSubmitFailed) {
  SetMode("no-job-id");
  auto outcome = submitter_.Submit(Request(), nullptr);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::SUBMIT_FAILED);
  EXPECT_NE(outcome.error().message.find("printed no JobID"), std::string::npos);
}

TEST_F(SubmitterTest, ATimeoutKillsTheCliAndItsChildren) {
  SetMode("hang");
  SubmitRequest request = Request();
  request.timeout = 500ms;
  auto start = std::chrono::steady_clock::now();
  auto outcome = submitter_.Submit(request, nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::SUBMIT_TIMEOUT);
  EXPECT_EQ(ErrorCodeHttpStatus(outcome.error().code), 504);
  EXPECT_EQ(outcome.error().message,
            "the Flink CLI did not finish within 0.5 s and was stopped; is the JobManager at "
            "127.0.0.1:8081 reachable?");
  EXPECT_EQ(outcome.error().internal_detail, "waiting for the JobManager\n");
  int grandchild = std::stoi(ReadFile(home_ / "grandchild.pid"));
  auto ticks = ProcessStartTicks(grandchild);
  EXPECT_TRUE(!ticks || !IsAlive({grandchild, *ticks})) << "the CLI's child survived";
  EXPECT_TRUE(ReadFile(request.log_path)
                  .ends_with("sluice: the Flink CLI did not finish within 0.5 s; its process "
                             "group was killed\n"));
}

TEST_F(SubmitterTest, CancellingStopsTheCli) {
  SetMode("hang");
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    // Cancel once the CLI is running (it has written its pid file), polling with a deadline.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!fs::exists(home_ / "grandchild.pid") && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    cancel = true;
  });
  auto outcome = submitter_.Submit(Request(), &cancel);
  canceller.join();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::SUBMIT_FAILED);
  EXPECT_EQ(outcome.error().message, "the submission was cancelled");
}

TEST_F(SubmitterTest, InvalidRequestsNameTheField) {
  auto field_of = [&](const SubmitRequest& request) {
    auto outcome = submitter_.Submit(request, nullptr);
    EXPECT_FALSE(outcome.ok());
    if (outcome.ok()) return std::string("(accepted)");
    EXPECT_EQ(outcome.error().code, ErrorCode::INVALID_ARGUMENT) << outcome.error().message;
    return outcome.error().field;
  };
  SubmitRequest r = Request();
  r.flink_home = (dir_ / "missing").string();
  EXPECT_EQ(field_of(r), "flink_home");
  r = Request();
  r.flink_home = dir_.string();  // a folder, but no bin/flink
  EXPECT_EQ(field_of(r), "flink_home");
  r = Request();
  r.config_dir = (dir_ / "missing-conf").string();
  EXPECT_EQ(field_of(r), "config_dir");
  r = Request();
  r.rest_address = "";
  EXPECT_EQ(field_of(r), "rest_address");
  for (int port : {0, -1, 65536}) {
    r = Request();
    r.rest_port = port;
    EXPECT_EQ(field_of(r), "rest_port");
  }
  r = Request();
  r.jar_path = (dir_ / "missing.jar").string();
  EXPECT_EQ(field_of(r), "jar_path");
  r = Request();
  r.jar_path = dir_.string();  // a folder
  EXPECT_EQ(field_of(r), "jar_path");
  r = Request();
  r.parallelism = 0;
  EXPECT_EQ(field_of(r), "parallelism");
  r = Request();
  r.savepoint_path = "";
  EXPECT_EQ(field_of(r), "savepoint_path");
  r = Request();
  r.timeout = 0ms;
  EXPECT_EQ(field_of(r), "timeout");
  for (const char* key :
       {"rest.port", "rest.address", "execution.target", "execution.attached", "", "a=b"}) {
    r = Request();
    r.dynamic_properties = {{key, "x"}};
    EXPECT_EQ(field_of(r), "dynamic_properties") << key;
  }
  EXPECT_FALSE(fs::exists(home_ / "argv"));  // the CLI never ran
}

TEST(SubmitterParsing, JobIdFromTheCliOutput) {
  EXPECT_EQ(
      ParseSubmittedJobId("Job has been submitted with JobID 3567f4a13f6a28efe8e8e01c2a667bd2\n"),
      "3567f4a13f6a28efe8e8e01c2a667bd2");
  EXPECT_EQ(ParseSubmittedJobId("log line\nJob has been submitted with JobID "
                                "3567F4A13F6A28EFE8E8E01C2A667BD2"),
            "3567f4a13f6a28efe8e8e01c2a667bd2");
  EXPECT_EQ(ParseSubmittedJobId("Job has been submitted with JobID 3567f4"), "");
  EXPECT_EQ(
      ParseSubmittedJobId("Job has been submitted with JobID zz67f4a13f6a28efe8e8e01c2a667bd2"),
      "");
  EXPECT_EQ(ParseSubmittedJobId(""), "");
}

TEST(SubmitterParsing, FailureReasonPicksTheTellingLine) {
  EXPECT_EQ(SubmitFailureReason(kMainFailedOutput), "tiny job refuses to start: missing --records");
  EXPECT_EQ(SubmitFailureReason(
                "\n The program finished with the following exception:\n\n"
                "org.apache.flink.client.program.ProgramInvocationException: The program's entry "
                "point class 'tiny.Nope' was not found in the jar file.\n\tat x.y(Z.java:1)\n"
                "Caused by: java.lang.ClassNotFoundException: tiny.Nope\n\t... 11 more\n"),
            "The program's entry point class 'tiny.Nope' was not found in the jar file. Cause: "
            "java.lang.ClassNotFoundException: tiny.Nope");
  // Only a cause.
  EXPECT_EQ(SubmitFailureReason("Exception in thread \"main\" boom\n"
                                "Caused by: java.net.ConnectException: Connection refused\n"),
            "java.net.ConnectException: Connection refused");
  // No exception at all: the line that reads like an error, past JVM and logging noise.
  EXPECT_EQ(SubmitFailureReason("SLF4J: Class path contains multiple SLF4J bindings.\n"
                                "Setting HADOOP_CONF_DIR=/etc/hadoop\n"
                                "Could not find the job jar\n"),
            "Could not find the job jar");
  EXPECT_EQ(SubmitFailureReason("bin/config.sh: line 1: java: command not found\n"),
            "bin/config.sh: line 1: java: command not found");
  EXPECT_EQ(SubmitFailureReason("just some text\nand more\n"), "and more");
  EXPECT_EQ(SubmitFailureReason(""), "");
  // Secrets in Flink's text are redacted; long reasons are clipped.
  EXPECT_EQ(SubmitFailureReason("Caused by: java.sql.SQLException: bad url "
                                "jdbc:mysql://app:hunter2@db/x password=hunter3\n")
                .find("hunter"),
            std::string::npos);
  EXPECT_LE(SubmitFailureReason("Caused by: x.Y: " + std::string(5000, 'a')).size(), 603u);
}

TEST(SubmitterParsing, SecretNamesAndMasking) {
  EXPECT_TRUE(IsSecretName("s3.secret-key"));
  EXPECT_TRUE(IsSecretName("fs.oss.accessKeyId"));
  EXPECT_TRUE(IsSecretName("PASSWORD"));
  EXPECT_TRUE(IsSecretName("--auth-token"));
  EXPECT_FALSE(IsSecretName("rest.port"));
  EXPECT_FALSE(IsSecretName("pipeline.name"));
  EXPECT_EQ(MaskCommandLine({"flink", "run", "-Dk.password=p w", "-Dname=it's", "--token", "t",
                             "--records", "-1", "", "--key=v"}),
            "flink run -Dk.password=****** '-Dname=it'\\''s' --token ****** --records -1 '' "
            "--key=******");
}

}  // namespace
}  // namespace sluice::flink
