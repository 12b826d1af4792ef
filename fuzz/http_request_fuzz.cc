// libFuzzer target: raw request bytes and JSON bodies through the real parser, router and
// handlers (on a throw-away SQLite store). Crashes, sanitizer reports and 500 answers are bugs.
//
// Input layout: the first byte picks the mode.
//   even: the rest is raw HTTP/1.1 request bytes, parsed and dispatched as they are;
//   odd:  the next byte picks a JSON route, the rest is its body, sent with an admin token.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "http/parse.h"
#include "server/application.h"

namespace {

struct Target {
  std::string method;
  std::string path;
};

const std::vector<Target>& JsonTargets() {
  static const std::vector<Target> kTargets = {
      {"POST", "/api/v1/auth/login"},         {"POST", "/api/v1/users"},
      {"PATCH", "/api/v1/users/2"},           {"POST", "/api/v1/teams"},
      {"PATCH", "/api/v1/teams/1"},           {"POST", "/api/v1/teams/1/members"},
      {"PATCH", "/api/v1/teams/1/members/1"}, {"POST", "/api/v1/tokens"},
      {"POST", "/api/v1/me/password"},
  };
  return kTargets;
}

struct World {
  sluice::FakeClock clock;
  std::unique_ptr<sluice::server::Application> app;
  std::string admin_token;

  World() {
    spdlog::set_level(spdlog::level::off);
    sluice::server::ServeConfig config;
    config.data_dir =
        (std::filesystem::temp_directory_path() / ("sluice-fuzz-" + std::to_string(::getpid())))
            .string();
    std::filesystem::remove_all(config.data_dir);
    auto created = sluice::server::Application::Create(config, clock, "fuzz-admin-password");
    if (!created.ok()) {
      std::fprintf(stderr, "fuzz setup failed: %s\n", created.error().message.c_str());
      std::abort();
    }
    app = std::move(created).value();
    sluice::http::Request login;
    login.method = "POST";
    login.path = "/api/v1/auth/login";
    login.body = R"({"username":"admin","password":"fuzz-admin-password"})";
    auto response = app->dispatcher().Dispatch(login);
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (response.status != 200 || !body.contains("token")) {
      std::fprintf(stderr, "fuzz setup: admin login failed: %d\n", response.status);
      std::abort();
    }
    admin_token = body["token"].get<std::string>();
  }
};

World& GetWorld() {
  static World* world = new World();  // never destroyed: libFuzzer exits without unwinding
  return *world;
}

void CheckNoInternalError(const sluice::http::Response& response) {
  if (response.status >= 500 && response.status != 503) {
    std::fprintf(stderr, "handler answered %d: %s\n", response.status, response.body.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& world = GetWorld();
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    auto parsed = sluice::http::ParseRawRequest(input, 1 << 20);
    if (!parsed.ok()) return 0;
    CheckNoInternalError(world.app->dispatcher().Dispatch(*parsed));
    return 0;
  }
  const auto& targets = JsonTargets();
  const Target& target = targets[static_cast<uint8_t>(input[0]) % targets.size()];
  sluice::http::Request request;
  request.method = target.method;
  request.path = target.path;
  request.body = std::string(input.substr(1));
  request.headers["authorization"] = "Bearer " + world.admin_token;
  request.headers["content-type"] = "application/json";
  // Never let the fuzzer lock the admin out or change its password.
  if (target.path == "/api/v1/me/password") return 0;
  CheckNoInternalError(world.app->dispatcher().Dispatch(request));
  return 0;
}
