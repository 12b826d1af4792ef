#include <gtest/gtest.h>

#include "http/dispatcher.h"
#include "http/router.h"

namespace sluice::http {
namespace {

Request Make(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/api/v1/teams/{id}", {"a team", "people"}, [](Request& r) {
      return JsonResponse(200, {{"id", r.path_params.at("id")}});
    });
    router_.Add("GET", "/api/v1/teams/mine", {"my teams", "people"}, [](Request&) {
      return JsonResponse(200, {{"mine", true}});
    });
    router_.Add("DELETE", "/api/v1/teams/{id}", {"delete", "people"},
                [](Request&) { return JsonResponse(204, nullptr); });
    router_.Add("GET", "/boom", {"throws", "test"},
                [](Request&) -> Response { throw std::runtime_error("secret internals"); });
  }
  Router router_;
  Metrics metrics_;
};

TEST_F(DispatcherTest, RoutesWithParamsAndPrefersLiterals) {
  Dispatcher dispatcher(router_, metrics_);
  Request a = Make("GET", "/api/v1/teams/42");
  Response ra = dispatcher.Dispatch(a);
  EXPECT_EQ(ra.status, 200);
  EXPECT_EQ(Json::parse(ra.body)["id"], "42");
  Request b = Make("GET", "/api/v1/teams/mine");
  EXPECT_EQ(Json::parse(dispatcher.Dispatch(b).body)["mine"], true);
}

TEST_F(DispatcherTest, UnknownRouteIsJson404AndWrongMethodIsJson405) {
  Dispatcher dispatcher(router_, metrics_);
  Request missing = Make("GET", "/api/v1/nothing");
  Response r404 = dispatcher.Dispatch(missing);
  EXPECT_EQ(r404.status, 404);
  EXPECT_EQ(Json::parse(r404.body)["error"]["code"], "ROUTE_NOT_FOUND");
  Request wrong = Make("PUT", "/api/v1/teams/3");
  Response r405 = dispatcher.Dispatch(wrong);
  EXPECT_EQ(r405.status, 405);
  auto body = Json::parse(r405.body);
  EXPECT_EQ(body["error"]["code"], "METHOD_NOT_ALLOWED");
  EXPECT_EQ(body["error"]["number"], 1004);
  bool has_allow = false;
  for (auto& [name, value] : r405.headers) has_allow |= name == "Allow";
  EXPECT_TRUE(has_allow);
}

TEST_F(DispatcherTest, ExceptionsBecomeA500WithoutInternals) {
  Dispatcher dispatcher(router_, metrics_);
  Request boom = Make("GET", "/boom");
  Response response = dispatcher.Dispatch(boom);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("secret internals"), std::string::npos);
  EXPECT_EQ(Json::parse(response.body)["error"]["request_id"], boom.request_id);
}

TEST_F(DispatcherTest, RequestIdIsKeptWhenWellFormedAndReplacedOtherwise) {
  Dispatcher dispatcher(router_, metrics_);
  Request good = Make("GET", "/api/v1/teams/1");
  good.headers["x-request-id"] = "abc-123";
  dispatcher.Dispatch(good);
  EXPECT_EQ(good.request_id, "abc-123");
  Request bad = Make("GET", "/api/v1/teams/1");
  bad.headers["x-request-id"] = "<script>\n";
  Response response = dispatcher.Dispatch(bad);
  EXPECT_NE(bad.request_id, "<script>\n");
  EXPECT_EQ(bad.request_id.size(), 16u);
  bool echoed = false;
  for (auto& [name, value] : response.headers)
    echoed |= name == "X-Request-Id" && value == bad.request_id;
  EXPECT_TRUE(echoed);
}

TEST_F(DispatcherTest, MetricsCountByRoutePatternAndStatus) {
  Dispatcher dispatcher(router_, metrics_);
  for (int i = 0; i < 3; ++i) {
    Request r = Make("GET", "/api/v1/teams/" + std::to_string(i + 1));
    dispatcher.Dispatch(r);
  }
  std::string text = metrics_.Render();
  EXPECT_NE(text.find("sluice_http_requests_total{method=\"GET\",route=\"/api/v1/teams/{id}\","
                      "status=\"200\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sluice_http_request_duration_seconds_count{method=\"GET\",route=\"/api/"
                      "v1/teams/{id}\"} 3"),
            std::string::npos);
}

TEST(Router, OpenApiDescribesEveryRoute) {
  Router router;
  router.Add("GET", "/a/{id}", {"get a", "t"}, [](Request&) { return Response{}; });
  router.Add("POST", "/a", {"make a", "t"}, [](Request&) { return Response{}; });
  Json doc = BuildOpenApi(router, "1.0");
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"]["/a/{id}"].contains("get"));
  EXPECT_TRUE(doc["paths"]["/a"].contains("post"));
  EXPECT_EQ(doc["paths"]["/a/{id}"]["get"]["parameters"][0]["name"], "id");
}

TEST(Message, PathIdAndPageRejectBadInput) {
  Request r;
  r.path_params["id"] = "12abc";
  EXPECT_FALSE(PathId(r, "id").ok());
  r.path_params["id"] = "-1";
  EXPECT_FALSE(PathId(r, "id").ok());
  r.path_params["id"] = "12";
  EXPECT_EQ(PathId(r, "id").value(), 12);
  r.query["limit"] = "0";
  EXPECT_FALSE(ReadPage(r).ok());
  r.query["limit"] = "1' OR '1'='1";
  EXPECT_EQ(ReadPage(r).error().field, "limit");
  r.query["limit"] = "20";
  r.query["offset"] = "40";
  EXPECT_EQ(ReadPage(r)->limit, 20);
  EXPECT_EQ(ReadPage(r)->offset, 40);
}

TEST(Message, QueryStringDecoding) {
  auto q = ParseQueryString("a=1&b=x%20y&c=a+b&d");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->at("b"), "x y");
  EXPECT_EQ(q->at("c"), "a b");
  EXPECT_EQ(q->at("d"), "");
  EXPECT_FALSE(ParseQueryString("a=%zz").has_value());
}

}  // namespace
}  // namespace sluice::http
