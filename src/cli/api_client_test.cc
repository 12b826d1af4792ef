#include "cli/api_client.h"

#include <gtest/gtest.h>

#include "cli/testing_fakes.h"

namespace sluice::cli {
namespace {

TEST(CliApiClient, GetSendsBearerTokenAndEncodedQuery) {
  FakeHttpClient transport;
  transport.On("GET", "/api/v1/users", 200, R"({"items":[],"total":0})");
  ApiClient client(transport, "http://sluice:8765", "secret-token");
  auto answer = client.Get("/api/v1/users", {{"q", "a b&c"}, {"limit", "5"}});
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ((*answer)["total"], 0);
  const http::ClientRequest& request = transport.last();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://sluice:8765/api/v1/users?q=a%20b%26c&limit=5");
  EXPECT_EQ(FakeHttpClient::Header(request, "Authorization"), "Bearer secret-token");
  EXPECT_EQ(FakeHttpClient::Header(request, "Accept"), "application/json");
  EXPECT_TRUE(request.body.empty());
}

TEST(CliApiClient, PostSendsJsonAndNoAuthorizationWithoutToken) {
  FakeHttpClient transport;
  transport.On("POST", "/api/v1/auth/login", 200, R"({"token":"t"})");
  ApiClient client(transport, "http://sluice", "");
  ASSERT_TRUE(client.Post("/api/v1/auth/login", {{"username", "u"}}).ok());
  const http::ClientRequest& request = transport.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(FakeHttpClient::Header(request, "Authorization"), "");
  EXPECT_EQ(FakeHttpClient::Header(request, "Content-Type"), "application/json");
  EXPECT_EQ(Json::parse(request.body), Json({{"username", "u"}}));
}

TEST(CliApiClient, PatchAndDeleteUseTheirMethods) {
  FakeHttpClient transport;
  transport.On("PATCH", "/api/v1/teams/3", 200, R"({"id":3})");
  transport.On("DELETE", "/api/v1/teams/3", 204, "");
  ApiClient client(transport, "http://sluice", "t");
  EXPECT_TRUE(client.Patch("/api/v1/teams/3", {{"name", "x"}}).ok());
  EXPECT_EQ(transport.last().method, "PATCH");
  auto deleted = client.Delete("/api/v1/teams/3");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->is_null());  // 204: no body
  EXPECT_EQ(transport.last().method, "DELETE");
}

TEST(CliApiClient, GetTextAnswersTheBodyAsItIsAndErrorsAsApiErrors) {
  FakeHttpClient transport;
  transport.On("GET", "/api/v1/apps/3/logs/start", 200, "not { json\n");
  ApiClient client(transport, "http://sluice", "t");
  auto text = client.GetText("/api/v1/apps/3/logs/start");
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "not { json\n");
  EXPECT_EQ(FakeHttpClient::Header(transport.last(), "Accept"), "text/plain, application/json");
  EXPECT_EQ(FakeHttpClient::Header(transport.last(), "Authorization"), "Bearer t");

  transport.On(
      "GET", "/api/v1/apps/3/logs/start", 404,
      R"({"error":{"code":"APP_LOG_NOT_FOUND","message":"no start log","request_id":"r"}})");
  auto missing = client.GetText("/api/v1/apps/3/logs/start");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "APP_LOG_NOT_FOUND");
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_EQ(missing.error().request_id, "r");

  transport.SetUnreachable("refused");
  auto unreachable = client.GetText("/api/v1/apps/3/logs/start");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().kind, ApiError::Kind::kUnreachable);
}

TEST(CliApiClient, ApiErrorBodyBecomesApiError) {
  FakeHttpClient transport;
  transport.On("GET", "/api/v1/teams/9", 404,
               R"({"error":{"code":"TEAM_NOT_FOUND","number":1203,"message":"no team with id 9",)"
               R"("request_id":"req-1","field":"id"}})");
  ApiClient client(transport, "http://sluice", "t");
  auto answer = client.Get("/api/v1/teams/9");
  ASSERT_FALSE(answer.ok());
  const ApiError& error = answer.error();
  EXPECT_EQ(error.kind, ApiError::Kind::kApi);
  EXPECT_EQ(error.code, "TEAM_NOT_FOUND");
  EXPECT_EQ(error.message, "no team with id 9");
  EXPECT_EQ(error.request_id, "req-1");
  EXPECT_EQ(error.field, "id");
  EXPECT_EQ(error.http_status, 404);
}

TEST(CliApiClient, RequestIdFallsBackToTheHeader) {
  FakeHttpClient transport;
  transport.On("GET", "/api/v1/me", 401,
               R"({"error":{"code":"TOKEN_EXPIRED","message":"the token has expired"}})",
               {{"x-request-id", "hdr-7"}});
  ApiClient client(transport, "http://sluice", "t");
  auto answer = client.Get("/api/v1/me");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().request_id, "hdr-7");
  EXPECT_EQ(answer.error().code, "TOKEN_EXPIRED");
}

TEST(CliApiClient, AnswersThatAreNotTheApiAreBadResponse) {
  FakeHttpClient transport;
  transport.On("GET", "/api/v1/me", 200, "<html>hello</html>");
  transport.On("GET", "/api/v1/users", 502, "<html>Bad Gateway</html>");
  ApiClient client(transport, "http://proxy", "t");
  auto html = client.Get("/api/v1/me");
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.error().code, "BAD_RESPONSE");
  EXPECT_NE(html.error().message.find("is this the URL of a Sluice server"), std::string::npos);
  auto gateway = client.Get("/api/v1/users");
  ASSERT_FALSE(gateway.ok());
  EXPECT_EQ(gateway.error().code, "BAD_RESPONSE");
  EXPECT_EQ(gateway.error().http_status, 502);
  EXPECT_NE(gateway.error().message.find("HTTP 502"), std::string::npos);
}

TEST(CliApiClient, NoAnswerIsUnreachableNamingTheServer) {
  FakeHttpClient transport;
  transport.SetUnreachable("Connection refused");
  ApiClient client(transport, "http://127.0.0.1:9", "very-secret");
  auto answer = client.Get("/api/v1/me");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, ApiError::Kind::kUnreachable);
  EXPECT_EQ(answer.error().message,
            "cannot reach the server at http://127.0.0.1:9: Connection refused");
  EXPECT_EQ(answer.error().message.find("very-secret"), std::string::npos);
}

TEST(CliApiClient, NormalizeServerUrl) {
  EXPECT_EQ(*NormalizeServerUrl("http://h:1/"), "http://h:1");
  EXPECT_EQ(*NormalizeServerUrl("HTTPS://h/api/v1/"), "https://h");
  EXPECT_EQ(*NormalizeServerUrl("127.0.0.1:8765"), "http://127.0.0.1:8765");
  EXPECT_EQ(*NormalizeServerUrl("http://h/sluice"), "http://h/sluice");
  EXPECT_EQ(NormalizeServerUrl("ftp://h").error().kind, ApiError::Kind::kUsage);
  EXPECT_FALSE(NormalizeServerUrl("http://").ok());
  EXPECT_FALSE(NormalizeServerUrl("http://h /x").ok());
}

TEST(CliApiClient, UrlEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UrlEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(UrlEncode("a b/c?d=e"), "a%20b%2Fc%3Fd%3De");
  EXPECT_EQ(UrlEncode("\xC3\xA9"), "%C3%A9");
}

}  // namespace
}  // namespace sluice::cli
