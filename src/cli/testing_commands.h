// The fixture of the client commands' unit tests (commands_test.cc, flink_commands_test.cc):
// runs `sluice ARGS...` through ClientCommands with a FakeHttpClient, a FakeConsole, a FakeClock
// (sleeps advance it) and a private config folder.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/credentials_file.h"
#include "cli/testing_fakes.h"
#include "common/clock.h"
#include "common/json.h"

namespace sluice::cli {

inline constexpr const char* kServer = "http://sluice.test:8765";
inline constexpr const char* kSavedToken = "sls_saved-session-secret";

// An API error body as the server sends it.
inline std::string ErrorBody(const std::string& code, const std::string& message,
                             const std::string& request_id) {
  return Json{
      {"error", {{"code", code}, {"number", 1}, {"message", message}, {"request_id", request_id}}}}
      .dump();
}

class CliCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-cli-cmd-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    env_["SLUICE_CONFIG_DIR"] = (dir_ / "cfg").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `sluice ARGS...` and answers the exit code.
  int Run(std::vector<std::string> args) {
    console_ = std::make_unique<FakeConsole>();
    console_->interactive = interactive_;
    console_->stdin_text = stdin_;
    console_->answers = answers_;
    CLI::App app{"test", "sluice"};
    app.require_subcommand(1);
    auto env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    auto sleep = [this](std::chrono::milliseconds duration) {
      sleeps_.push_back(duration);
      clock_.Advance(duration);
      if (on_sleep_) on_sleep_();
    };
    ClientCommands commands(ClientDeps{&transport_, console_.get(), &clock_, env, sleep});
    commands.Register(app);
    std::vector<const char*> argv = {"sluice"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return ExitForParseError(app, e, console_->out(), console_->err());
    }
    return commands.exit_code();
  }

  std::filesystem::path CredentialsFile() const { return dir_ / "cfg" / "credentials.json"; }
  void SaveLogin(std::string server = kServer, std::string expires = "2026-11-25T12:00:00.000Z") {
    ASSERT_TRUE(SaveCredentials(CredentialsFile(), {server, kSavedToken, "admin", expires}).ok());
  }
  std::string Out() const { return console_->Out(); }
  std::string Err() const { return console_->Err(); }
  std::string Auth(size_t i) const {
    return FakeHttpClient::Header(transport_.requests().at(i), "Authorization");
  }

  FakeHttpClient transport_;
  std::unique_ptr<FakeConsole> console_;
  FakeClock clock_{*ParseRfc3339("2026-11-25T00:00:00Z")};
  std::map<std::string, std::string> env_;
  bool interactive_ = false;
  std::string stdin_;
  std::deque<std::string> answers_;
  std::filesystem::path dir_;
  std::vector<std::chrono::milliseconds> sleeps_;  // every wait between polls, in order
  std::function<void()> on_sleep_;                 // runs after each wait
};

}  // namespace sluice::cli
