#include "web/static_site.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>

#include "http/dispatcher.h"

namespace sluice::web {
namespace {

namespace fs = std::filesystem;

std::string Gunzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

std::string Header(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("sluice-web-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "dist";
    index_ =
        "<!doctype html><html><body><div id=root></div>" + std::string(600, ' ') + "</body></html>";
    script_ = "console.log('" + std::string(2000, 'x') + "');";
    Write(root_ / "index.html", index_);
    Write(root_ / "assets" / "index-BB3olXVb.js", script_);
    Write(root_ / "favicon.svg", "<svg/>");
    Write(root_ / ".hidden", "secret");
    Write(base_ / "secret.txt", "outside the root");
    fs::create_symlink(base_ / "secret.txt", root_ / "escape.txt");
    auto site = StaticSite::Open(root_);
    ASSERT_TRUE(site.ok()) << site.error().message;
    site_ = std::move(*site);
  }
  void TearDown() override { fs::remove_all(base_); }

  http::Response Get(std::string path, std::string accept_encoding = "") {
    http::Request request;
    request.method = "GET";
    request.path = std::move(path);
    if (!accept_encoding.empty()) request.headers["accept-encoding"] = accept_encoding;
    return site_->Serve(request);
  }

  fs::path base_, root_;
  std::string index_, script_;
  std::unique_ptr<StaticSite> site_;
};

TEST(SafeRelativePath, MapsPlainPathsAndTheRoot) {
  EXPECT_EQ(SafeRelativePath("/"), "index.html");
  EXPECT_EQ(SafeRelativePath(""), "index.html");
  EXPECT_EQ(SafeRelativePath("/assets/index-abc.js"), "assets/index-abc.js");
  EXPECT_EQ(SafeRelativePath("//assets///a.js"), "assets/a.js");
  EXPECT_EQ(SafeRelativePath("/apps/7/versions"), "apps/7/versions");
}

TEST(SafeRelativePath, RefusesEverythingThatCouldLeaveTheFolder) {
  const std::vector<std::string_view> refused = {
      "/..",       "/../etc/passwd", "/assets/../../secret",
      "/a/./b",    "/.git/config",   "/.env",
      "/a\\..\\b", "/..\\secret",    std::string_view("/a\0b", 4),
      "/a\nb",     "/C:/x",          "/..."};
  for (std::string_view path : refused) {
    EXPECT_EQ(SafeRelativePath(path), std::nullopt) << path;
  }
}

TEST(StaticSiteHeaders, HashedAssetsAndTypes) {
  EXPECT_TRUE(IsHashedAsset("assets/index-BB3olXVb.js"));
  EXPECT_TRUE(IsHashedAsset("assets/mantine-a-UfZQKb.css"));
  EXPECT_TRUE(IsHashedAsset("assets/index--Z45G2Y2.js"));  // the hash starts with '-'
  EXPECT_TRUE(IsHashedAsset("assets/index-Durw7_Ph.css"));
  EXPECT_FALSE(IsHashedAsset("assets/index-short.js"));
  EXPECT_FALSE(IsHashedAsset("assets/-BB3olXVb.js"));
  EXPECT_FALSE(IsHashedAsset("index.html"));
  EXPECT_FALSE(IsHashedAsset("assets/logo.svg"));
  EXPECT_FALSE(IsHashedAsset("favicon-BB3olXVb.svg"));
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("assets/a-1.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("assets/a-1.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
}

TEST(StaticSiteHeaders, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.0, *"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
}

TEST_F(StaticSiteTest, ServesIndexWithRevalidation) {
  http::Response response = Get("/");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-cache");
  EXPECT_EQ(response.body, index_);
  EXPECT_EQ(Header(response, "Content-Encoding"), "");
}

TEST_F(StaticSiteTest, ClientRoutesGetIndexButMissingFilesAre404) {
  for (const char* path : {"/apps", "/apps/7/versions", "/admin/users"}) {
    http::Response response = Get(path);
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.body, index_) << path;
    EXPECT_EQ(Header(response, "Cache-Control"), "no-cache") << path;
  }
  EXPECT_EQ(Get("/assets/missing-12345678.js").status, 404);
  EXPECT_EQ(Get("/missing.png").status, 404);
}

TEST_F(StaticSiteTest, HashedAssetsAreImmutableAndGzipped) {
  http::Response plain = Get("/assets/index-BB3olXVb.js");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(plain, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Header(plain, "Vary"), "Accept-Encoding");
  EXPECT_EQ(plain.body, script_);

  http::Response gzipped = Get("/assets/index-BB3olXVb.js", "gzip, deflate, br");
  EXPECT_EQ(Header(gzipped, "Content-Encoding"), "gzip");
  EXPECT_LT(gzipped.body.size(), script_.size() / 10);
  EXPECT_EQ(Gunzip(gzipped.body), script_);

  EXPECT_EQ(Header(Get("/assets/index-BB3olXVb.js", "gzip;q=0"), "Content-Encoding"), "");
}

TEST_F(StaticSiteTest, PrefersAPrecompressedFile) {
  Write(root_ / "assets" / "index-BB3olXVb.js.gz", Gzip("precompressed"));
  // Not older than the file it compresses.
  fs::last_write_time(root_ / "assets" / "index-BB3olXVb.js.gz",
                      fs::last_write_time(root_ / "assets" / "index-BB3olXVb.js"));
  auto site = StaticSite::Open(root_);
  ASSERT_TRUE(site.ok());
  http::Request request;
  request.method = "GET";
  request.path = "/assets/index-BB3olXVb.js";
  request.headers["accept-encoding"] = "gzip";
  EXPECT_EQ(Gunzip((*site)->Serve(request).body), "precompressed");
}

TEST_F(StaticSiteTest, SmallFilesAreNotCompressed) {
  http::Response response = Get("/favicon.svg", "gzip");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "image/svg+xml");
  EXPECT_EQ(Header(response, "Content-Encoding"), "");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-cache");
  EXPECT_EQ(response.body, "<svg/>");
}

TEST_F(StaticSiteTest, NeverReadsOutsideTheFolder) {
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/.hidden", "/escape.txt",
                           "/%2e%2e/secret.txt"}) {
    http::Response response = Get(path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body.find("outside the root"), std::string::npos) << path;
    EXPECT_EQ(response.body.find("secret"), std::string::npos) << path;
  }
}

TEST_F(StaticSiteTest, AnswersNotModifiedToItsETag) {
  http::Response first = Get("/");
  std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  http::Request request;
  request.method = "GET";
  request.path = "/apps";
  request.headers["if-none-match"] = etag;
  http::Response again = site_->Serve(request);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(StaticSiteTest, RereadsAChangedFile) {
  EXPECT_EQ(Get("/").body, index_);
  Write(root_ / "index.html", "<html>new build</html>");
  fs::last_write_time(root_ / "index.html",
                      fs::last_write_time(root_ / "index.html") + std::chrono::seconds(5));
  EXPECT_EQ(Get("/").body, "<html>new build</html>");
}

TEST(StaticSiteOpen, NeedsAnIndex) {
  auto missing = StaticSite::Open("/nonexistent/sluice/web");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("holds no index.html"), std::string::npos);
  EXPECT_EQ(missing.error().field, "web_dir");
}

TEST(StaticSiteRouting, OnlyGetAndHeadOutsideTheApi) {
  http::Request request;
  request.method = "GET";
  request.path = "/apps";
  EXPECT_TRUE(StaticSite::Handles(request));
  request.method = "HEAD";
  EXPECT_TRUE(StaticSite::Handles(request));
  request.method = "POST";
  EXPECT_FALSE(StaticSite::Handles(request));
  request.method = "GET";
  for (const char* path : {"/api", "/api/", "/api/v1/nothing", "/api/v2"}) {
    request.path = path;
    EXPECT_FALSE(StaticSite::Handles(request)) << path;
  }
  request.path = "/apiary";
  EXPECT_TRUE(StaticSite::Handles(request));
}

TEST(StaticSiteRouting, DispatcherKeepsJson404ForTheApiAndRoutesFirst) {
  fs::path root = fs::temp_directory_path() / ("sluice-web-dispatch-" + std::to_string(::getpid()));
  Write(root / "index.html", "<html>console</html>");
  auto site = StaticSite::Open(root);
  ASSERT_TRUE(site.ok());
  http::Router router;
  router.Add("GET", "/healthz", {"health", "operations", false}, [](http::Request&) {
    return http::JsonResponse(200, {{"status", "ok"}});
  });
  http::Metrics metrics;
  http::Dispatcher dispatcher(router, metrics);
  const StaticSite* s = site->get();
  dispatcher.SetFallback(&StaticSite::Handles,
                         [s](http::Request& request) { return s->Serve(request); });

  auto get = [&](std::string method, std::string path) {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    return dispatcher.Dispatch(request);
  };
  EXPECT_EQ(get("GET", "/healthz").content_type, "application/json");
  http::Response page = get("GET", "/clusters");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<html>console</html>");
  http::Response api = get("GET", "/api/v1/nothing");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(Json::parse(api.body)["error"]["code"], "ROUTE_NOT_FOUND");
  EXPECT_EQ(get("POST", "/clusters").status, 404);
  fs::remove_all(root);
}

TEST(ResolveWebDir, ConfiguredOffOrFirstCandidateWithAnIndex) {
  fs::path root = fs::temp_directory_path() / ("sluice-web-resolve-" + std::to_string(::getpid()));
  Write(root / "b" / "index.html", "x");
  EXPECT_EQ(ResolveWebDir("/given", {root / "b"}), fs::path("/given"));
  EXPECT_EQ(ResolveWebDir("off", {root / "b"}), std::nullopt);
  EXPECT_EQ(ResolveWebDir("", {root / "a", root / "b"}), root / "b");
  EXPECT_EQ(ResolveWebDir("", {root / "a"}), std::nullopt);
  EXPECT_FALSE(DefaultWebDirs().empty());
  fs::remove_all(root);
}

}  // namespace
}  // namespace sluice::web
