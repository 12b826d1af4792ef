// Unit tests of the projects area's pure parts: what a project may hold (URL, ref, Maven
// arguments), masking, git's answers and failures, manifests. The real git, Maven and Git server
// are in tests/functional/projects_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "projects/artifacts.h"
#include "projects/git.h"

namespace sluice::projects {
namespace {

TEST(ProjectsGitTest, UrlsThatMayBeStored) {
  for (const char* url :
       {"https://git.example.com/team/jobs.git", "http://127.0.0.1:8080/x.git",
        "ssh://git@host:2222/team/jobs.git", "git@github.com:team/jobs.git", "/srv/git/jobs.git",
        "file:///srv/git/jobs.git", "https://token@git.example.com/x.git"}) {
    EXPECT_TRUE(ValidateGitUrl(url).ok()) << url;
  }
}

TEST(ProjectsGitTest, UrlsThatAreRefused) {
  for (const char* url :
       {"", "-uupload-pack=touch", "ext::sh -c id", "http://a:secret@host/x", "ftp://host/x.git",
        "https://host/x y", "relative/path", "https://", "fd::3"}) {
    auto status = ValidateGitUrl(url);
    ASSERT_FALSE(status.ok()) << url;
    EXPECT_EQ(status.error().field, "git_url");
  }
  auto with_password = ValidateGitUrl("https://bob:hunter2@host/x.git");
  ASSERT_FALSE(with_password.ok());
  EXPECT_NE(with_password.error().message.find("credentials"), std::string::npos);
  EXPECT_EQ(with_password.error().message.find("hunter2"), std::string::npos);
}

TEST(ProjectsGitTest, Refs) {
  for (const char* ref : {"main", "release/1.2", "v1.0.0", "feature_x-2", "0123abc"}) {
    EXPECT_TRUE(ValidateRef(ref).ok()) << ref;
  }
  for (const char* ref : {"", "-x", "a..b", "a b", "a;b", "$(id)", "x.lock", "a/", "a//b"}) {
    EXPECT_FALSE(ValidateRef(ref).ok()) << ref;
  }
}

TEST(ProjectsGitTest, BuildArgsArePlainMavenArguments) {
  EXPECT_TRUE(ValidateBuildArgs(Json::array()).ok());
  EXPECT_TRUE(ValidateBuildArgs({"-Pprod", "-Dflink.version=2.0.2", "-pl", "jobs,tools", "-am",
                                 "-U", "--also-make", "clean", "-Dx=a/b+c@d:e"})
                  .ok());
  for (const char* arg :
       {"; rm -rf /", "$(id)", "`id`", "a|b", "a&&b", "-Dx=\"y\"", "-Dx='y'", "a b", "x>y",
        "-Da=$HOME", "", "-s", "--settings=/x", "-f", "-l=x", "-Dmaven.repo.local=/tmp"}) {
    auto status = ValidateBuildArgs({"-U", arg});
    ASSERT_FALSE(status.ok()) << arg;
    EXPECT_EQ(status.error().field, "build_args");
    EXPECT_NE(status.error().message.find("build_args[1]"), std::string::npos)
        << status.error().message;
  }
  EXPECT_FALSE(ValidateBuildArgs("-U").ok());
  EXPECT_FALSE(ValidateBuildArgs({1}).ok());
}

TEST(ProjectsGitTest, MaskUrl) {
  EXPECT_EQ(MaskUrl("https://bob:pw@host/x.git"), "https://bob:******@host/x.git");
  EXPECT_EQ(MaskUrl("https://host/x.git"), "https://host/x.git");
  EXPECT_EQ(MaskUrl("https://token@host/x.git"), "https://token@host/x.git");
  EXPECT_EQ(MaskUrl("git@host:x.git"), "git@host:x.git");
}

TEST(ProjectsGitTest, ClassifiesGitFailures) {
  EXPECT_EQ(ClassifyGitFailure("fatal: Authentication failed for 'http://h/x.git/'\n", "fetching",
                               "http://h/x.git")
                .code,
            ErrorCode::GIT_AUTH_FAILED);
  EXPECT_EQ(ClassifyGitFailure("git@h: Permission denied (publickey).\nfatal: Could not read from "
                               "remote repository.\n",
                               "fetching", "git@h:x.git")
                .code,
            ErrorCode::GIT_AUTH_FAILED);
  Error auth = ClassifyGitFailure(
      "fatal: could not read Username for 'http://h': terminal prompts "
      "disabled\n",
      "fetching", "http://h/x.git");
  EXPECT_EQ(auth.code, ErrorCode::GIT_AUTH_FAILED);
  EXPECT_NE(auth.message.find("authentication failed"), std::string::npos);
  EXPECT_EQ(ClassifyGitFailure("fatal: unable to access 'http://h/': Failed to connect to h port "
                               "1: Connection refused\n",
                               "fetching", "http://h/x.git")
                .code,
            ErrorCode::GIT_UNREACHABLE);
  EXPECT_EQ(ClassifyGitFailure("fatal: something else\n", "fetching", "/x").code,
            ErrorCode::GIT_FAILED);
}

TEST(ProjectsGitTest, ParsesLsRemote) {
  RemoteRefs refs = ParseLsRemote(
      "1111111111111111111111111111111111111111\trefs/heads/main\n"
      "2222222222222222222222222222222222222222\trefs/heads/dev\n"
      "3333333333333333333333333333333333333333\trefs/tags/v1\n"
      "4444444444444444444444444444444444444444\trefs/tags/v1^{}\n"
      "5555555555555555555555555555555555555555\tHEAD\n");
  EXPECT_EQ(refs.branches, (std::vector<std::string>{"main", "dev"}));
  EXPECT_EQ(refs.tags, (std::vector<std::string>{"v1"}));
  EXPECT_EQ(refs.commits["refs/tags/v1"], "4444444444444444444444444444444444444444");
  EXPECT_EQ(refs.commits.count("HEAD"), 0u);
}

TEST(ProjectsGitTest, LineMaskerMasksSecretsSplitAcrossChunks) {
  std::string out;
  LineMasker masker({"hunter2"}, [&](std::string_view text) { out += text; });
  masker.Add("user bob password hun");
  EXPECT_EQ(out, "");
  masker.Add("ter2 ok\nnext hunter");
  EXPECT_EQ(out, "user bob password ****** ok\n");
  masker.Add("2");
  masker.Flush();
  EXPECT_EQ(out, "user bob password ****** ok\nnext ******");
}

TEST(ProjectsGitTest, SessionKeepsCredentialsOutOfArgvAndRemovesThem) {
  std::string dir;
  {
    auto session = GitSession::Open({"password", "bob", "s3cret-pw"}, "/tmp/known_hosts");
    ASSERT_TRUE(session.ok());
    const auto& env = (*session)->env();
    ASSERT_TRUE(env.count("GIT_ASKPASS"));
    dir = std::filesystem::path(env.at("GIT_ASKPASS")).parent_path().string();
    EXPECT_EQ(env.at("SLUICE_GIT_PASSWORD"), "s3cret-pw");
    EXPECT_EQ(env.at("GIT_TERMINAL_PROMPT"), "0");
    auto perms = std::filesystem::status(dir).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::others_all, std::filesystem::perms::none);
    for (const std::string& arg : GitBaseArgs()) EXPECT_EQ(arg.find("s3cret"), std::string::npos);
    EXPECT_EQ((*session)->secrets(), std::vector<std::string>{"s3cret-pw"});
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the private folder is removed";

  auto ssh = GitSession::Open({"ssh_key", "",
                               "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAAB\n"
                               "-----END OPENSSH PRIVATE KEY-----\n"},
                              "/tmp/known_hosts");
  ASSERT_TRUE(ssh.ok());
  std::string command = (*ssh)->env().at("GIT_SSH_COMMAND");
  size_t at = command.find(" -i ");
  ASSERT_NE(at, std::string::npos) << command;
  std::string key = command.substr(at + 4);
  auto perms = std::filesystem::status(key).permissions();
  EXPECT_EQ(perms, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ((*ssh)->secrets(), std::vector<std::string>{"AAAAB3NzaC1yc2EAAAADAQABAAAB"});
}

TEST(ProjectsArtifactsTest, ManifestMainClass) {
  EXPECT_EQ(ManifestMainClass("Manifest-Version: 1.0\r\nMain-Class: com.acme.Job\r\n\r\n"),
            "com.acme.Job");
  EXPECT_EQ(ManifestMainClass("Manifest-Version: 1.0\nMain-Class: com.acme.very.long.pack\n"
                              " age.Job\n"),
            "com.acme.very.long.package.Job");
  EXPECT_EQ(ManifestMainClass("Manifest-Version: 1.0\n"), "");
}

TEST(ProjectsArtifactsTest, ScanSkipsSourcesAndNonModules) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("sluice-scan-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "jobs" / "target");
  fs::create_directories(root / "notamodule" / "target");
  std::ofstream(root / "pom.xml") << "<project/>";
  std::ofstream(root / "jobs" / "pom.xml") << "<project/>";
  std::ofstream(root / "jobs" / "target" / "jobs-1.jar") << "not a zip";
  std::ofstream(root / "jobs" / "target" / "jobs-1-sources.jar") << "x";
  std::ofstream(root / "jobs" / "target" / "original-jobs-1.jar") << "x";
  std::ofstream(root / "notamodule" / "target" / "other.jar") << "x";
  auto found = ScanArtifacts(root.string());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].module, "jobs");
  EXPECT_EQ(found[0].jar, "jobs-1.jar");
  EXPECT_EQ(found[0].main_class, "");
  fs::remove_all(root);
}

}  // namespace
}  // namespace sluice::projects
