// The `sluice` command line end to end against a real server: login, whoami, people, tokens,
// errors and exit codes, and the saved credentials file.
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixture.h"

namespace sluice::testing {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

class Cli : public SluiceTest {
 protected:
  void SetUp() override {
    SluiceTest::SetUp();
    config_dir_ = server_->data_dir() + "-cli";
  }
  void TearDown() override {
    std::filesystem::remove_all(config_dir_);
    SluiceTest::TearDown();
  }
  // Runs `sluice ARGS` with a private config folder; `input` goes to stdin.
  CliRun Sluice(const std::string& args, const std::string& input = "",
                const std::string& env = "") {
    std::string command = "printf '%s' '" + input + "' | env -u SLUICE_SERVER -u SLUICE_TOKEN " +
                          "SLUICE_CONFIG_DIR=" + config_dir_ + " " + env + " " + SluiceBinary() +
                          " " + args + " 2>&1";
    CliRun run;
    FILE* pipe = ::popen(command.c_str(), "r");
    std::array<char, 4096> buffer{};
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
      run.out.append(buffer.data(), n);
    int status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }
  std::string config_dir_;
};

TEST_F(Cli, LoginWhoamiPeopleTokensAndLogout) {
  std::string server = "--server " + server_->base_url();
  CliRun before = Sluice("whoami");
  EXPECT_EQ(before.exit_code, 4) << before.out;
  EXPECT_NE(before.out.find("not logged in"), std::string::npos);

  CliRun wrong =
      Sluice("login " + server + " --username admin --password-stdin", "not-the-password\n");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("INVALID_CREDENTIALS"), std::string::npos) << wrong.out;

  CliRun login = Sluice("login " + server + " --username admin --password-stdin",
                        "admin-password-for-tests\n");
  ASSERT_EQ(login.exit_code, 0) << login.out;
  std::string credentials = config_dir_ + "/credentials.json";
  struct stat info {};
  ASSERT_EQ(::stat(credentials.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(login.out.find("sls_"), std::string::npos) << "the token is never printed";

  CliRun whoami = Sluice("whoami");
  EXPECT_EQ(whoami.exit_code, 0) << whoami.out;
  EXPECT_NE(whoami.out.find("admin"), std::string::npos);
  EXPECT_NE(whoami.out.find("default"), std::string::npos);

  EXPECT_EQ(Sluice("user create --username alice --password-stdin", "alice-password-1\n").exit_code,
            0);
  CliRun again = Sluice("user create --username alice --password-stdin", "alice-password-1\n");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("USER_EXISTS"), std::string::npos) << again.out;
  EXPECT_EQ(Sluice("team create analytics --description 'Analytics jobs'").exit_code, 0);
  EXPECT_EQ(Sluice("team member add analytics alice --role developer").exit_code, 0);
  CliRun bad_role = Sluice("team member add analytics alice --role boss");
  EXPECT_EQ(bad_role.exit_code, 2) << bad_role.out;

  CliRun members = Sluice("team member list analytics -o json");
  ASSERT_EQ(members.exit_code, 0) << members.out;
  Json parsed = Json::parse(members.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << members.out;
  EXPECT_EQ(parsed["items"][0]["username"], "alice");
  EXPECT_EQ(parsed["items"][0]["role"], "developer");

  CliRun token = Sluice("token create --name ci --team analytics");
  ASSERT_EQ(token.exit_code, 0) << token.out;
  auto start = token.out.find("slt_");
  ASSERT_NE(start, std::string::npos) << token.out;
  std::string secret = token.out.substr(start, token.out.find_first_of(" \n", start) - start);
  CliRun as_token =
      Sluice("--server " + server_->base_url() + " whoami", "", "SLUICE_TOKEN=" + secret);
  EXPECT_EQ(as_token.exit_code, 0) << as_token.out;
  CliRun forbidden =
      Sluice("user list", "", "SLUICE_SERVER=" + server_->base_url() + " SLUICE_TOKEN=" + secret);
  EXPECT_EQ(forbidden.exit_code, 1) << forbidden.out;
  EXPECT_NE(forbidden.out.find("FORBIDDEN"), std::string::npos);

  CliRun unreachable = Sluice("--server http://127.0.0.1:1 --token x whoami");
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.out;

  // What the CLI did is what the API shows.
  Json teams = admin().Get("/api/v1/teams?q=analytics").json();
  ASSERT_EQ(teams["total"], 1);
  EXPECT_EQ(teams["items"][0]["description"], "Analytics jobs");

  EXPECT_EQ(Sluice("logout").exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(credentials));
  EXPECT_EQ(Sluice("whoami").exit_code, 4);
}

}  // namespace
}  // namespace sluice::testing
