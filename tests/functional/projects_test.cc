// Projects against a real Git server on loopback (tests/projects/git_http_server.py: `git
// http-backend` behind basic auth) and real Maven (~/.m2 warm; the builds run offline-capable
// plugins only), through the real `sluice serve`:
//  - bad input (unreachable URL, missing branch, shell syntax in build args): clear errors,
//    nothing stored, nothing run;
//  - create, build, artifacts (module, jar, manifest main class), a second build reusing the
//    checkout; credentials never in answers or logs;
//  - the password changed on the server: the build fails saying authentication failed; the
//    project's credentials edited: it succeeds;
//  - a compile error: the build fails with javac's message in the result and the log;
//  - kill -9 during a build: after the restart it is INTERRUPTED and a new build runs;
//  - (ProjectsFlinkTest) a jar app naming a project artifact, through a generic entry class,
//    deployed on every provisioned Flink version: RUNNING, showing the commit it runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "fixture.h"
#include "flink_homes.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kUser[] = "alice";
constexpr char kPassword[] = "first-Secret-pw-91";
constexpr char kNewPassword[] = "second-Secret-pw-37";

std::string SourceDir() { return SLUICE_SOURCE_DIR; }

// Runs a command line of the test's own (fixed, quoted paths); answers its exit status.
int Sh(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A bare repository holding tests/projects/flink-multi, served over HTTP with basic auth.
class GitServer {
 public:
  GitServer() {
    char pattern[] = "/tmp/sluice-test-git-XXXXXX";
    root_ = ::mkdtemp(pattern);
    work_ = root_ + "/work";
    password_file_ = root_ + "/password";
    SetPassword(kPassword);
    std::string git = "git -c user.email=t@example.com -c user.name=test";
    ok_ = Sh("git init -q --bare '" + root_ + "/repos/multi.git'") == 0 &&
          Sh("cp -r '" + SourceDir() + "/tests/projects/flink-multi' '" + work_ + "'") == 0 &&
          Sh("cd '" + work_ + "' && git init -q -b main && git add -A && " + git +
             " commit -qm 'the project' && git push -q '" + root_ + "/repos/multi.git' main") == 0;
    port_ = FreePort();
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string script = SourceDir() + "/tests/projects/git_http_server.py";
      std::string port = std::to_string(port_);
      std::string repos = root_ + "/repos";
      std::string log = root_ + "/server.log";
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execlp("python3", "python3", script.c_str(), "--root", repos.c_str(), "--port",
               port.c_str(), "--user", kUser, "--password-file", password_file_.c_str(), nullptr);
      ::_exit(127);
    }
    ready_ =
        WaitFor([&] { return ReadAll(root_ + "/server.log").find("READY") != std::string::npos; },
                std::chrono::seconds(20));
  }
  ~GitServer() {
    if (ssh_pid_ > 0) {
      ::kill(ssh_pid_, SIGTERM);
      ::waitpid(ssh_pid_, nullptr, 0);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  bool ok() const { return ok_ && ready_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/multi.git"; }
  void SetPassword(const std::string& password) {
    std::ofstream(password_file_, std::ios::trunc) << password << "\n";
  }
  // Commits `content` to `path` on `branch` (made from main when new) and pushes it.
  bool Commit(const std::string& branch, const std::string& path, const std::string& content) {
    std::string git = "git -c user.email=t@example.com -c user.name=test";
    if (Sh("cd '" + work_ + "' && (git checkout -q " + branch +
           " 2>/dev/null || git checkout -q -b " + branch + " main)") != 0) {
      return false;
    }
    std::ofstream(work_ + "/" + path, std::ios::trunc) << content;
    return Sh("cd '" + work_ + "' && git add -A && " + git + " commit -qm change && git push -q '" +
              root_ + "/repos/multi.git' " + branch + " && git checkout -q main") == 0;
  }
  // sshd on a free loopback port with a throw-away host key, accepting the key at client_key()
  // for the current user. Needs openssh-server and /run/sshd (made here when missing).
  bool StartSsh() {
    ssh_port_ = FreePort();
    std::string dir = root_ + "/ssh";
    if (Sh("mkdir -p '" + dir + "' /run/sshd && ssh-keygen -q -t ed25519 -N '' -f '" + dir +
           "/host_key' && ssh-keygen -q -t ed25519 -N '' -f '" + dir +
           "/client_key' && ssh-keygen -q -t ed25519 -N '' -f '" + dir + "/other_key' && cp '" +
           dir + "/client_key.pub' '" + dir + "/authorized_keys'") != 0) {
      return false;
    }
    std::ofstream(dir + "/sshd_config")
        << "Port " << ssh_port_ << "\nListenAddress 127.0.0.1\nHostKey " << dir
        << "/host_key\nAuthorizedKeysFile " << dir << "/authorized_keys\nPidFile " << dir
        << "/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        << "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n";
    ssh_pid_ = ::fork();
    if (ssh_pid_ == 0) {
      std::string log = dir + "/sshd.log";
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::string config = dir + "/sshd_config";
      ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", config.c_str(), nullptr);
      ::_exit(127);
    }
    return WaitFor(
        [&] { return ReadAll(dir + "/sshd.log").find("Server listening") != std::string::npos; },
        std::chrono::seconds(20));
  }
  std::string ssh_url() const {
    const char* user = std::getenv("USER");
    return "ssh://" + std::string(user && *user ? user : "root") +
           "@127.0.0.1:" + std::to_string(ssh_port_) + root_ + "/repos/multi.git";
  }
  std::string client_key() const { return ReadAll(root_ + "/ssh/client_key"); }
  std::string other_key() const { return ReadAll(root_ + "/ssh/other_key"); }
  std::string Head(const std::string& branch) {
    std::string out = root_ + "/head";
    Sh("git --git-dir='" + root_ + "/repos/multi.git' rev-parse " + branch + " > '" + out + "'");
    std::string sha = ReadAll(out);
    while (!sha.empty() && (sha.back() == '\n')) sha.pop_back();
    return sha;
  }

 private:
  std::string root_, work_, password_file_;
  int port_ = 0;
  pid_t pid_ = -1;
  int ssh_port_ = 0;
  pid_t ssh_pid_ = -1;
  bool ok_ = false;
  bool ready_ = false;
};

class ProjectsTest : public SluiceTest {
 protected:
  void SetUp() override {
    git_ = std::make_unique<GitServer>();
    ASSERT_TRUE(git_->ok()) << "the Git server did not start (python3, git http-backend)";
    SluiceTest::SetUp();
    team_ = admin().Get("/api/v1/teams").json()["items"][0]["id"];
  }
  void TearDown() override {
    SluiceTest::TearDown();
    git_.reset();
  }
  Json ProjectBody(const std::string& name) {
    return {{"team_id", team_},
            {"name", name},
            {"git_url", git_->url()},
            {"ref", "main"},
            {"credentials", {{"username", kUser}, {"password", kPassword}}}};
  }
  // Starts a build and waits for its end; answers the build.
  Json BuildAndWait(int64_t project) {
    HttpResult queued =
        admin().Post("/api/v1/projects/" + std::to_string(project) + "/builds", Json::object());
    EXPECT_EQ(queued.status, 202) << queued.body;
    return WaitBuild(queued.json().value("id", int64_t{0}));
  }
  Json WaitBuild(int64_t build) {
    Json done;
    EXPECT_TRUE(WaitFor(
        [&] {
          done = admin().Get("/api/v1/builds/" + std::to_string(build)).json();
          std::string state = done.value("state", "");
          return state != "PENDING" && state != "RUNNING" && !state.empty();
        },
        std::chrono::minutes(5)))
        << done.dump();
    return done;
  }
  std::string Log(int64_t build) {
    return admin().Get("/api/v1/builds/" + std::to_string(build) + "/log").body;
  }
  int64_t ProjectCount() {
    return admin().Get("/api/v1/projects").json().value("total", int64_t{-1});
  }

  std::unique_ptr<GitServer> git_;
  int64_t team_ = 0;
};

TEST_F(ProjectsTest, BadInputIsRefusedAndNothingRuns) {
  // An unreachable URL (nothing listens on that port).
  Json body = ProjectBody("p");
  body["git_url"] = "http://127.0.0.1:" + std::to_string(FreePort()) + "/none.git";
  HttpResult unreachable = admin().Post("/api/v1/projects", body);
  EXPECT_EQ(unreachable.status, 422) << unreachable.body;
  EXPECT_EQ(unreachable.error_code(), "GIT_UNREACHABLE") << unreachable.body;
  // A branch that does not exist: the error lists what does.
  body = ProjectBody("p");
  body["ref"] = "no-such-branch";
  HttpResult missing = admin().Post("/api/v1/projects", body);
  EXPECT_EQ(missing.status, 422) << missing.body;
  EXPECT_EQ(missing.error_code(), "GIT_REF_NOT_FOUND") << missing.body;
  EXPECT_NE(missing.body.find("main"), std::string::npos) << missing.body;
  // Shell syntax in build arguments, and options Sluice owns.
  const std::string marker = server_->data_dir() + "/pwned";
  for (const std::string& arg :
       {std::string("; rm -rf /"), "-Dx=$(touch " + marker + ")", std::string("`id`"),
        std::string("-q && touch x"), std::string("--settings=/etc/passwd")}) {
    body = ProjectBody("p");
    body["build_args"] = {"-DskipITs", arg};
    HttpResult injected = admin().Post("/api/v1/projects", body);
    EXPECT_EQ(injected.status, 400) << arg << ": " << injected.body;
    EXPECT_EQ(injected.json()["error"].value("field", ""), "build_args") << injected.body;
    EXPECT_NE(injected.body.find("build_args[1]"), std::string::npos) << injected.body;
  }
  // A password in the URL, an unknown transport, an option-looking URL.
  for (const std::string& url : {std::string("http://alice:pw@127.0.0.1/x.git"),
                                 std::string("ext::sh -c touch% /tmp/x"), std::string("-uhoh")}) {
    body = ProjectBody("p");
    body["git_url"] = url;
    HttpResult refused = admin().Post("/api/v1/projects", body);
    EXPECT_EQ(refused.status, 400) << url << ": " << refused.body;
    EXPECT_EQ(refused.json()["error"].value("field", ""), "git_url") << refused.body;
  }
  EXPECT_EQ(ProjectCount(), 0);
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_FALSE(fs::exists(server_->data_dir() + "/projects/1"));
}

TEST_F(ProjectsTest, BuildArtifactsAndRotatedCredentials) {
  HttpResult created = admin().Post("/api/v1/projects", ProjectBody("multi"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body.find(kPassword), std::string::npos) << "the password is never shown";
  EXPECT_EQ(created.json()["credentials"]["password"], "******");
  EXPECT_EQ(created.json()["credentials"]["username"], kUser);
  int64_t project = created.json()["id"];
  std::string path = "/api/v1/projects/" + std::to_string(project);

  Json refs = admin().Get(path + "/refs").json();
  ASSERT_TRUE(refs["branches"].is_array()) << refs.dump();
  EXPECT_NE(refs["branches"].dump().find("\"main\""), std::string::npos) << refs.dump();

  // ---- the first build: a clone, Maven, the jars of both modules.
  Json first = BuildAndWait(project);
  ASSERT_EQ(first.value("state", ""), "SUCCEEDED") << first.dump() << Log(first["id"]);
  EXPECT_EQ(first.value("commit", ""), git_->Head("main"));
  EXPECT_GT(first.value("duration_ms", 0), 0);
  std::string log = Log(first["id"]);
  EXPECT_NE(log.find("BUILD SUCCESS"), std::string::npos) << log;
  EXPECT_NE(log.find("$ git init"), std::string::npos) << log;
  EXPECT_EQ(log.find(kPassword), std::string::npos) << "the password is never in a log";
  Json artifacts = admin().Get(path + "/artifacts").json();
  ASSERT_EQ(artifacts["items"].size(), 2u) << artifacts.dump();
  EXPECT_EQ(artifacts["items"][0]["module"], "jobs");
  EXPECT_EQ(artifacts["items"][0]["jar"], "jobs-1.0.jar");
  EXPECT_EQ(artifacts["items"][0]["main_class"], "dev.sluice.projects.jobs.Launcher");
  EXPECT_EQ(artifacts["items"][1]["module"], "tools");
  EXPECT_EQ(artifacts["items"][1]["main_class"], "dev.sluice.projects.tools.Tool");
  EXPECT_EQ(artifacts["build_id"], first["id"]);
  EXPECT_EQ(artifacts.dump().find(server_->data_dir()), std::string::npos) << "no paths";

  // ---- incremental log reads
  HttpResult part = admin().Get("/api/v1/builds/" + std::to_string(first["id"].get<int64_t>()) +
                                "/log?offset=10");
  ASSERT_EQ(part.status, 200);
  EXPECT_EQ(part.body, log.substr(10));
  EXPECT_EQ(part.headers["x-log-offset"], std::to_string(log.size()));
  EXPECT_EQ(part.headers["x-build-state"], "SUCCEEDED");

  // ---- a second build reuses the checkout (no new clone); its log is followed live, as
  // server-sent events, from just after it was queued until the stream's `end`.
  HttpResult queued = admin().Post(path + "/builds", Json::object());
  ASSERT_EQ(queued.status, 202) << queued.body;
  int64_t second_id = queued.json()["id"];
  EventStreamReader live(server_->port(),
                         "/api/v1/builds/" + std::to_string(second_id) + "/log?follow=1",
                         admin().token());
  ASSERT_TRUE(live.ReadUntil(
      [](const std::string& text) { return text.find("event: end\ndata: ") != std::string::npos; },
      std::chrono::minutes(5)))
      << live.text();
  EXPECT_NE(live.text().find("text/event-stream"), std::string::npos) << live.text();
  std::vector<Json> pieces = live.Events("log");
  std::string streamed;
  for (const Json& piece : pieces) streamed += piece.value("text", "");
  Json second = admin().Get("/api/v1/builds/" + std::to_string(second_id)).json();
  ASSERT_EQ(second.value("state", ""), "SUCCEEDED") << second.dump();
  EXPECT_EQ(streamed, Log(second_id)) << "the stream carries the whole log, byte for byte";
  EXPECT_GT(pieces.size(), 1u) << "the log arrives as it is written, not at the end";
  ASSERT_EQ(live.Events("end").size(), 1u) << live.text();
  EXPECT_EQ(live.Events("end")[0].value("state", ""), "SUCCEEDED");
  EXPECT_EQ(streamed.find("$ git init"), std::string::npos);
  // The stream ended with the build: nothing more arrives and the server closed it.
  live.ReadUntil([](const std::string&) { return false; }, std::chrono::seconds(10));
  EXPECT_TRUE(live.closed()) << live.text();
  // Resuming from an offset (Last-Event-ID) sends only the rest, then the end.
  EventStreamReader resumed(server_->port(),
                            "/api/v1/builds/" + std::to_string(second_id) + "/log?follow=1",
                            admin().token(), "10");
  ASSERT_TRUE(resumed.ReadUntil(
      [](const std::string& text) { return text.find("event: end\ndata: ") != std::string::npos; },
      std::chrono::seconds(30)))
      << resumed.text();
  std::string rest;
  for (const Json& piece : resumed.Events("log")) rest += piece.value("text", "");
  EXPECT_EQ(rest, streamed.substr(10));

  // ---- the password rotates on the server: authentication failed.
  git_->SetPassword(kNewPassword);
  Json refused = BuildAndWait(project);
  ASSERT_EQ(refused.value("state", ""), "FAILED") << refused.dump();
  EXPECT_EQ(refused["error"].value("code", ""), "GIT_AUTH_FAILED") << refused.dump();
  EXPECT_NE(refused["error"].value("message", "").find("authentication failed"), std::string::npos)
      << refused.dump();
  EXPECT_EQ(Log(refused["id"]).find("BUILD"), std::string::npos) << "Maven never ran";
  // Editing with a wrong password is refused before it is stored.
  HttpResult wrong = admin().Patch(
      path, {{"credentials", {{"username", kUser}, {"password", "still-wrong-password"}}}});
  EXPECT_EQ(wrong.status, 422) << wrong.body;
  EXPECT_EQ(wrong.error_code(), "GIT_AUTH_FAILED");
  HttpResult edited =
      admin().Patch(path, {{"credentials", {{"username", kUser}, {"password", kNewPassword}}}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.body.find(kNewPassword), std::string::npos);
  Json again = BuildAndWait(project);
  EXPECT_EQ(again.value("state", ""), "SUCCEEDED") << again.dump();

  // ---- a compile error on a branch: the compiler's message in the result and the log.
  ASSERT_TRUE(git_->Commit("broken", "jobs/src/main/java/dev/sluice/projects/jobs/Broken.java",
                           "package dev.sluice.projects.jobs;\n"
                           "public final class Broken { int x = undefinedSymbol42; }\n"));
  ASSERT_EQ(admin().Patch(path, {{"ref", "broken"}}).status, 200);
  Json broken = BuildAndWait(project);
  ASSERT_EQ(broken.value("state", ""), "FAILED") << broken.dump();
  EXPECT_EQ(broken["error"].value("code", ""), "BUILD_FAILED");
  std::string message = broken["error"].value("message", "");
  EXPECT_NE(message.find("undefinedSymbol42"), std::string::npos) << message;
  EXPECT_NE(message.find("Broken.java"), std::string::npos) << message;
  EXPECT_NE(Log(broken["id"]).find("cannot find symbol"), std::string::npos);
  EXPECT_EQ(broken.value("commit", ""), git_->Head("broken"));

  // ---- history, newest first; nothing anywhere shows a password.
  Json history = admin().Get(path + "/builds").json();
  EXPECT_EQ(history.value("total", 0), 5) << history.dump();
  EXPECT_EQ(history["items"][0]["id"], broken["id"]);
  EXPECT_EQ(history.dump().find(kPassword), std::string::npos);
  EXPECT_EQ(history.dump().find(kNewPassword), std::string::npos);
  EXPECT_EQ(server_->log().find(kNewPassword), std::string::npos);
  EXPECT_EQ(admin().Get(path).body.find(kNewPassword), std::string::npos);
}

TEST_F(ProjectsTest, KillNineDuringABuildIsInterruptedAndANewBuildRuns) {
  HttpResult created = admin().Post("/api/v1/projects", ProjectBody("multi"));
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t project = created.json()["id"];
  HttpResult queued =
      admin().Post("/api/v1/projects/" + std::to_string(project) + "/builds", Json::object());
  ASSERT_EQ(queued.status, 202) << queued.body;
  int64_t build = queued.json()["id"];
  // Kill while Maven runs: once the build's recorded child is Maven itself (the log says
  // "$ mvn" just before Maven starts, while the row may still name the git step before it).
  int64_t maven_pid = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        maven_pid =
            QueryInt(server_->store_url(),
                     "SELECT COALESCE(pid, 0) FROM builds WHERE id = " + std::to_string(build));
        if (maven_pid <= 0) return false;
        std::ifstream cmdline("/proc/" + std::to_string(maven_pid) + "/cmdline");
        std::string text((std::istreambuf_iterator<char>(cmdline)),
                         std::istreambuf_iterator<char>());
        return text.find("maven") != std::string::npos || text.find("mvn") != std::string::npos;
      },
      std::chrono::minutes(2)))
      << "the running Maven is recorded; log: " << Log(build);
  server_->Kill9();
  EXPECT_EQ(::kill(static_cast<pid_t>(maven_pid), 0), 0) << "Maven outlives a kill -9 of Sluice";
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  Json interrupted = admin().Get("/api/v1/builds/" + std::to_string(build)).json();
  EXPECT_EQ(interrupted.value("state", ""), "INTERRUPTED") << interrupted.dump();
  EXPECT_EQ(interrupted["error"].value("code", ""), "BUILD_INTERRUPTED");
  EXPECT_TRUE(WaitFor([&] { return ::kill(static_cast<pid_t>(maven_pid), 0) != 0; },
                      std::chrono::seconds(20)))
      << "the restart kills the Maven the dead Sluice left running";
  Json next = BuildAndWait(project);
  EXPECT_EQ(next.value("state", ""), "SUCCEEDED") << next.dump() << Log(next["id"]);
}

TEST_F(ProjectsTest, OverSshWithAPrivateKey) {
  ASSERT_TRUE(git_->StartSsh()) << "sshd did not start (openssh-server: scripts/install-deps.sh)";
  Json body = {{"team_id", team_},
               {"name", "over-ssh"},
               {"git_url", git_->ssh_url()},
               {"ref", "main"},
               {"credentials", {{"private_key", git_->other_key()}}}};
  HttpResult refused = admin().Post("/api/v1/projects", body);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.error_code(), "GIT_AUTH_FAILED") << refused.body;
  body["credentials"] = {{"private_key", git_->client_key()}};
  HttpResult created = admin().Post("/api/v1/projects", body);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["credentials"]["private_key"], "******");
  EXPECT_EQ(created.json()["credentials"]["kind"], "ssh_key");
  Json built = BuildAndWait(created.json()["id"]);
  EXPECT_EQ(built.value("state", ""), "SUCCEEDED") << built.dump() << Log(built["id"]);
  EXPECT_EQ(built.value("commit", ""), git_->Head("main"));
  std::string key = git_->client_key();
  std::string key_line = key.substr(key.find('\n') + 1, 40);
  EXPECT_EQ(Log(built["id"]).find(key_line), std::string::npos);
  EXPECT_EQ(admin().Get("/api/v1/projects").body.find(key_line), std::string::npos);
  // The key file lived only for the session: no sluice-git-* folder is left holding it.
  EXPECT_EQ(Sh("grep -rqsF -- '" + key_line + "' /tmp/sluice-git-?????? 2>/dev/null"), 1);
}

// ---- on Flink

class ProjectsFlinkTest : public ProjectsTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void TearDown() override {
    if (server_ && cluster_ != 0) {
      (void)admin().Post("/api/v1/clusters/" + std::to_string(cluster_) + "/stop", nullptr);
    }
    ProjectsTest::TearDown();
  }
  int64_t cluster_ = 0;
};

TEST_P(ProjectsFlinkTest, AProjectJarRunsThroughAGenericEntryClass) {
  ASSERT_FALSE(FlinkHomes().empty()) << "SLUICE_TEST_FLINK_HOMES is not set: run `make test`";
  std::string home = FlinkHomeOfVersion(GetParam());
  ASSERT_FALSE(home.empty()) << "no Flink " << GetParam();
  HttpResult env = admin().Post("/api/v1/flink-envs", {{"name", "flink"}, {"home", home}});
  ASSERT_EQ(env.status, 201) << env.body;
  HttpResult cluster =
      admin().Post("/api/v1/clusters", {{"name", "local"},
                                        {"kind", "managed"},
                                        {"flink_env_id", env.json()["id"]},
                                        {"taskmanagers", 1},
                                        {"config",
                                         {{"taskmanager.numberOfTaskSlots", 2},
                                          {"jobmanager.memory.process.size", "1024m"},
                                          {"taskmanager.memory.process.size", "1280m"}}}});
  ASSERT_EQ(cluster.status, 201) << cluster.body;
  cluster_ = cluster.json()["id"];
  std::string cluster_path = "/api/v1/clusters/" + std::to_string(cluster_);
  ASSERT_EQ(admin().Post(cluster_path + "/start", nullptr).status, 202);

  // Built against the cluster's Flink version, as a user would.
  Json body = ProjectBody("multi");
  body["build_args"] = {"-Dflink.version=" + GetParam()};
  HttpResult created = admin().Post("/api/v1/projects", body);
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t project = created.json()["id"];
  Json built = BuildAndWait(project);
  ASSERT_EQ(built.value("state", ""), "SUCCEEDED") << built.dump() << Log(built["id"]);

  ASSERT_TRUE(
      WaitFor([&] { return admin().Get(cluster_path).json().value("state", "") == "RUNNING"; },
              std::chrono::minutes(3)));
  HttpResult app = admin().Post(
      "/api/v1/apps", {{"name", "counter"},
                       {"team_id", team_},
                       {"kind", "jar"},
                       {"target", {{"mode", "session"}, {"cluster_id", cluster_}}},
                       {"jar",
                        {{"project_artifact",
                          {{"project_id", project}, {"module", "jobs"}, {"jar", "jobs-1.0.jar"}}},
                         {"main_class", "dev.sluice.projects.jobs.Launcher"},
                         {"args", {"dev.sluice.projects.jobs.CountJob", "project-counter"}}}},
                       {"parallelism", 1}});
  ASSERT_EQ(app.status, 201) << app.body;
  int64_t app_id = app.json()["id"];
  std::string app_path = "/api/v1/apps/" + std::to_string(app_id);
  HttpResult deploy = admin().Post(app_path + "/deploy", Json::object());
  ASSERT_EQ(deploy.status, 202) << deploy.body;
  int64_t op = deploy.json()["id"];
  Json done;
  ASSERT_TRUE(WaitFor(
      [&] {
        done = admin().Get("/api/v1/operations/" + std::to_string(op)).json();
        std::string state = done.value("state", "");
        return state == "SUCCEEDED" || state == "FAILED";
      },
      std::chrono::minutes(3)));
  ASSERT_EQ(done.value("state", ""), "SUCCEEDED") << done.dump();
  EXPECT_EQ(done["result"].value("commit", ""), built.value("commit", ""));
  ASSERT_TRUE(WaitFor([&] { return admin().Get(app_path).json().value("state", "") == "RUNNING"; },
                      std::chrono::seconds(90)))
      << admin().Get(app_path).body;
  Json shown = admin().Get(app_path).json();
  EXPECT_EQ(shown.value("commit", ""), built.value("commit", "")) << "the app shows its commit";
  EXPECT_EQ(shown["project_build"].value("build_id", int64_t{0}), built["id"].get<int64_t>());
  (void)admin().Post(app_path + "/stop", Json::object());
}

INSTANTIATE_TEST_SUITE_P(Versions, ProjectsFlinkTest, ::testing::Values("1.20.5", "2.0.2"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return "Flink" + name;
                         });

}  // namespace
}  // namespace sluice::testing
