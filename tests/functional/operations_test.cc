// Health, metrics, request ids, the OpenAPI document and a clean stop.
#include <signal.h>

#include <atomic>
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
  std::string expected_store = TestDatabaseUrl().empty() ? "sqlite"
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
  for (const auto& result : {client.Get("/healthz"), client.Get("/api/v1/me"),
                             client.Get("/nope"), client.Raw("POST", "/api/v1/auth/login", "{")}) {
    std::string id = result.headers.count("x-request-id") ? result.headers.at("x-request-id") : "";
    EXPECT_FALSE(id.empty()) << result.body;
    if (result.status >= 400) {
      EXPECT_EQ(result.json()["error"]["request_id"], id);
    }
  }
  HttpResult echoed = client.Raw("GET", "/healthz", "", {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(echoed.headers["x-request-id"], "trace-42");
}

TEST_F(Operations, OpenApiDescribesEveryRouteOfTheContract) {
  HttpResult doc = Anonymous().Get("/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  Json paths = doc.json()["paths"];
  const std::vector<std::pair<std::string, std::string>> contract = {
      {"get", "/healthz"},
      {"get", "/readyz"},
      {"get", "/metrics"},
      {"get", "/api/v1/openapi.json"},
      {"post", "/api/v1/auth/login"},
      {"post", "/api/v1/auth/logout"},
      {"get", "/api/v1/me"},
      {"post", "/api/v1/me/password"},
      {"get", "/api/v1/users"},
      {"post", "/api/v1/users"},
      {"get", "/api/v1/users/{id}"},
      {"patch", "/api/v1/users/{id}"},
      {"delete", "/api/v1/users/{id}"},
      {"get", "/api/v1/teams"},
      {"post", "/api/v1/teams"},
      {"get", "/api/v1/teams/{id}"},
      {"patch", "/api/v1/teams/{id}"},
      {"delete", "/api/v1/teams/{id}"},
      {"get", "/api/v1/teams/{id}/members"},
      {"post", "/api/v1/teams/{id}/members"},
      {"patch", "/api/v1/teams/{id}/members/{user_id}"},
      {"delete", "/api/v1/teams/{id}/members/{user_id}"},
      {"get", "/api/v1/tokens"},
      {"post", "/api/v1/tokens"},
      {"delete", "/api/v1/tokens/{id}"},
      {"get", "/api/v1/audit"},
  };
  for (const auto& [method, path] : contract) {
    ASSERT_TRUE(paths.contains(path)) << "missing from the OpenAPI document: " << path;
    ASSERT_TRUE(paths[path].contains(method)) << "missing: " << method << " " << path;
    EXPECT_FALSE(paths[path][method]["summary"].get<std::string>().empty()) << path;
  }
  // And every documented operation is a real route (not a 404).
  for (const auto& [path, operations] : paths.items()) {
    for (const auto& [method, unused] : operations.items()) {
      std::string concrete = path;
      for (const char* param : {"{id}", "{user_id}"}) {
        for (auto pos = concrete.find(param); pos != std::string::npos; pos = concrete.find(param)) {
          concrete.replace(pos, std::strlen(param), "999");
        }
      }
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      HttpResult result = admin().Raw(upper, concrete, upper == "GET" || upper == "DELETE" ? "" : "{}");
      EXPECT_NE(result.error_code(), "ROUTE_NOT_FOUND") << upper << " " << path;
      EXPECT_NE(result.error_code(), "METHOD_NOT_ALLOWED") << upper << " " << path;
    }
  }
}

TEST_F(Operations, SigtermLetsRequestsInFlightFinish) {
  // Logins are slow on purpose (argon2id), which makes them easy to catch in flight.
  constexpr int kLogins = 4;
  std::atomic<int> answered{0};
  std::atomic<int> refused{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  std::string base = server_->base_url();
  for (int i = 0; i < kLogins; ++i) {
    threads.emplace_back([&, base] {
      HttpClient client(base);
      HttpResult login = client.Post(
          "/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
      if (login.status == 200 && login.json().contains("token")) {
        ++answered;
      } else if (login.status == 0) {
        ++refused;  // never reached a handler: the server had stopped accepting
      } else {
        ++wrong;
      }
    });
  }
  HttpClient probe = Anonymous();
  int in_flight_logins = 0;
  bool caught = WaitFor(
      [&] {
        std::string metrics = probe.Get("/metrics").body;
        auto pos = metrics.find("\nsluice_http_requests_in_flight ");
        if (pos == std::string::npos) return false;
        // The scrape itself is one of the requests in flight.
        in_flight_logins = static_cast<int>(std::stod(metrics.substr(pos + 32))) - 1;
        return in_flight_logins >= 1;
      },
      std::chrono::seconds(10));
  ASSERT_TRUE(caught) << "no login was seen in flight";
  ::kill(server_->pid(), SIGTERM);
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(server_->Stop(), 0) << server_->log();
  EXPECT_GE(answered.load(), in_flight_logins)
      << "every login in flight at SIGTERM must be answered";
  EXPECT_EQ(wrong.load(), 0) << "no half answers or errors";
  EXPECT_EQ(answered + refused, kLogins);
  EXPECT_NE(server_->log().find("sluice serve: stopped"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
