// Health, metrics, request ids, the OpenAPI document and a clean stop.
#include <signal.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "fixture.h"

namespace sluice::testing {
namespace {

using Operations = SluiceTest;

TEST_F(Operations, HealthReadinessAndMetricsNeedNoToken) {
  HttpClient client = Anonymous();
  HttpResult health = client.Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");
  HttpResult ready = client.Get("/readyz");
  EXPECT_EQ(ready.status, 200);
  std::string expected_store = TestDatabaseUrl().empty()                  ? "sqlite"
                               : TestDatabaseUrl().rfind("mysql", 0) == 0 ? "mysql"
                                                                          : "postgresql";
  EXPECT_EQ(ready.json()["store"], expected_store);
  EXPECT_EQ(admin().Get("/api/v1/me").status, 200);
  HttpResult metrics = client.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers["content-type"].find("text/plain"), std::string::npos);
  for (const char* needle :
       {"sluice_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"} 1",
        "sluice_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/me\",le=",
        "sluice_store_pool_connections{state=\"open\"}", "sluice_http_requests_in_flight"}) {
    EXPECT_NE(metrics.body.find(needle), std::string::npos) << needle << "\n" << metrics.body;
  }
  EXPECT_EQ(client.Get("/api/v1/me").status, 401);
}

TEST_F(Operations, EveryAnswerCarriesARequestId) {
  HttpClient client = Anonymous();
  for (const auto& result : {client.Get("/healthz"), client.Get("/api/v1/me"), client.Get("/nope"),
                             client.Raw("POST", "/api/v1/auth/login", "{")}) {
    std::string id = result.headers.count("x-request-id") ? result.headers.at("x-request-id") : "";
    EXPECT_FALSE(id.empty()) << result.body;
    if (result.status >= 400) {
      EXPECT_EQ(result.json()["error"]["request_id"], id);
    }
  }
  HttpResult echoed = client.Raw("GET", "/healthz", "", {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(echoed.headers["x-request-id"], "trace-42");
}

// Every route of the people API contract (method, path) and whether it needs a token.
struct ContractRoute {
  std::string method;
  std::string path;
  bool authenticated;
};
const std::vector<ContractRoute> kContract = {
    {"get", "/healthz", false},
    {"get", "/readyz", false},
    {"get", "/metrics", false},
    {"get", "/api/v1/openapi.json", false},
    {"post", "/api/v1/auth/login", false},
    {"post", "/api/v1/auth/logout", true},
    {"get", "/api/v1/me", true},
    {"post", "/api/v1/me/password", true},
    {"get", "/api/v1/users", true},
    {"post", "/api/v1/users", true},
    {"get", "/api/v1/users/{id}", true},
    {"patch", "/api/v1/users/{id}", true},
    {"delete", "/api/v1/users/{id}", true},
    {"get", "/api/v1/teams", true},
    {"post", "/api/v1/teams", true},
    {"get", "/api/v1/teams/{id}", true},
    {"patch", "/api/v1/teams/{id}", true},
    {"delete", "/api/v1/teams/{id}", true},
    {"get", "/api/v1/teams/{id}/members", true},
    {"post", "/api/v1/teams/{id}/members", true},
    {"patch", "/api/v1/teams/{id}/members/{user_id}", true},
    {"delete", "/api/v1/teams/{id}/members/{user_id}", true},
    {"get", "/api/v1/tokens", true},
    {"post", "/api/v1/tokens", true},
    {"delete", "/api/v1/tokens/{id}", true},
    {"get", "/api/v1/audit", true},
};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string Concrete(std::string path) {
  for (const char* param : {"{id}", "{user_id}"}) {
    for (auto pos = path.find(param); pos != std::string::npos; pos = path.find(param)) {
      path.replace(pos, std::strlen(param), "1");
    }
  }
  return path;
}

TEST_F(Operations, OpenApiDescribesEveryRouteOfTheContract) {
  HttpResult doc = Anonymous().Get("/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  Json parsed = doc.json();
  ASSERT_TRUE(parsed.is_object()) << doc.body.substr(0, 200);
  EXPECT_TRUE(parsed.contains("openapi"));
  Json paths = parsed.value("paths", Json::object());
  std::vector<std::string> missing;
  std::vector<std::string> without_summary;
  for (const auto& route : kContract) {
    std::string name = Upper(route.method) + " " + route.path;
    if (!paths.contains(route.path) || !paths[route.path].contains(route.method)) {
      missing.push_back(name);
      continue;
    }
    const Json& operation = paths[route.path][route.method];
    if (!operation.contains("summary") || !operation["summary"].is_string() ||
        operation["summary"].get<std::string>().empty()) {
      without_summary.push_back(name);
    }
  }
  auto join = [](const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) text += "\n  " + name;
    return text;
  };
  EXPECT_TRUE(missing.empty()) << "routes missing from the OpenAPI document:" << join(missing);
  EXPECT_TRUE(without_summary.empty()) << "routes without a summary:" << join(without_summary);
  // And every documented operation is a real route (not a 404 or 405).
  for (const auto& [path, operations] : paths.items()) {
    for (const auto& [method, unused] : operations.items()) {
      std::string upper = Upper(method);
      std::string concrete = Concrete(path);
      for (auto pos = concrete.find("/1"); pos != std::string::npos;
           pos = concrete.find("/1", pos + 1)) {
        concrete.replace(pos, 2, "/999");  // an id that does not exist: nothing is changed
      }
      HttpResult result =
          admin().Raw(upper, concrete, upper == "GET" || upper == "DELETE" ? "" : "{}");
      EXPECT_NE(result.error_code(), "ROUTE_NOT_FOUND") << upper << " " << path;
      EXPECT_NE(result.error_code(), "METHOD_NOT_ALLOWED") << upper << " " << path;
    }
  }
}

TEST_F(Operations, EverythingUnderApiV1NeedsATokenExceptLoginAndTheDocument) {
  HttpClient client = Anonymous();
  for (const auto& route : kContract) {
    std::string method = Upper(route.method);
    HttpResult result =
        client.Raw(method, Concrete(route.path), method == "GET" || method == "DELETE" ? "" : "{}");
    if (route.authenticated) {
      EXPECT_EQ(result.status, 401) << method << " " << route.path << ": " << result.body;
      EXPECT_EQ(result.error_code(), "UNAUTHENTICATED") << method << " " << route.path;
    } else {
      EXPECT_NE(result.status, 401) << method << " " << route.path;
      EXPECT_LT(result.status, 500) << method << " " << route.path;
    }
  }
  // Nothing was changed by the refused calls.
  EXPECT_EQ(admin().Get("/api/v1/users").json()["total"], 1);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 1);
  EXPECT_EQ(admin().Get("/api/v1/teams/1/members").json()["total"], 1);
}

TEST_F(Operations, ErrorBodiesFollowTheConvention) {
  HttpClient client = Anonymous();
  std::vector<HttpResult> errors = {
      client.Get("/api/v1/me"),
      client.Get("/api/v1/no-such-route"),
      client.Raw("PUT", "/api/v1/auth/login", "{}"),
      client.Raw("POST", "/api/v1/auth/login", "{"),
      client.Post("/api/v1/auth/login", {{"username", "admin"}}),
      client.Post("/api/v1/auth/login", {{"username", "admin"}, {"password", "wrong-password"}}),
      admin().Get("/api/v1/users/424242"),
  };
  std::set<int64_t> numbers;
  for (const auto& result : errors) {
    ASSERT_GE(result.status, 400) << result.body;
    EXPECT_NE(result.headers.at("content-type").find("application/json"), std::string::npos);
    Json error = result.json()["error"];
    ASSERT_TRUE(error.is_object()) << result.body;
    EXPECT_TRUE(error["code"].is_string()) << result.body;
    EXPECT_TRUE(error["number"].is_number_integer()) << result.body;
    EXPECT_TRUE(error["message"].is_string()) << result.body;
    EXPECT_EQ(error["request_id"], result.headers.at("x-request-id")) << result.body;
    numbers.insert(error["number"].get<int64_t>());
  }
  EXPECT_EQ(numbers.size(), errors.size()) << "each code has its own stable number";
  EXPECT_EQ(errors[4].json()["error"]["field"], "password");
}

TEST_F(Operations, SigtermLetsRequestsInFlightFinish) {
  // Logins are slow on purpose (argon2id), which makes them easy to catch in flight.
  constexpr int kLogins = 6;
  using Clock = std::chrono::steady_clock;
  std::mutex mu;
  std::vector<Clock::time_point> answered_at;  // when each successful login answer arrived
  std::atomic<int> refused{0};
  std::vector<std::string> wrong;
  std::vector<std::thread> threads;
  std::string base = server_->base_url();
  for (int i = 0; i < kLogins; ++i) {
    threads.emplace_back([&, base] {
      HttpClient client(base);
      HttpResult login = client.Post(
          "/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
      std::lock_guard lock(mu);
      if (login.status == 200 && login.json().contains("token")) {
        answered_at.push_back(Clock::now());
      } else if (login.status == 0) {
        ++refused;  // never reached a handler: the server had stopped accepting
      } else {
        wrong.push_back(std::to_string(login.status) + " " + login.body);
      }
    });
  }
  HttpClient probe = Anonymous();
  int in_flight_logins = 0;
  bool caught = WaitFor(
      [&] {
        std::string metrics = probe.Get("/metrics").body;
        const std::string name = "\nsluice_http_requests_in_flight ";
        auto pos = metrics.find(name);
        if (pos == std::string::npos) return false;
        // The scrape itself is one of the requests in flight.
        in_flight_logins = static_cast<int>(std::stod(metrics.substr(pos + name.size()))) - 1;
        return in_flight_logins >= 1;
      },
      std::chrono::seconds(10));
  ASSERT_TRUE(caught) << "no login was seen in flight";
  ::kill(server_->pid(), SIGTERM);
  Clock::time_point signalled = Clock::now();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(server_->Stop(), 0) << server_->log();
  EXPECT_TRUE(wrong.empty()) << "no half answers or errors: " << wrong.front();
  EXPECT_GE(static_cast<int>(answered_at.size()), in_flight_logins)
      << "every login in flight at SIGTERM must be answered";
  int after_signal = 0;
  for (auto at : answered_at) after_signal += at > signalled ? 1 : 0;
  EXPECT_GE(after_signal, 1) << "at least one login was answered after SIGTERM was sent";
  EXPECT_EQ(static_cast<int>(answered_at.size()) + refused.load(), kLogins);
  EXPECT_NE(server_->log().find("sluice serve: stopped"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
