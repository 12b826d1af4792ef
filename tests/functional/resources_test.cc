// Resources against the real server: uploaded jars (multipart, body limits, permissions), team
// variables with a secret that never shows up in an answer or the log, and dependency resolution
// with the real Maven against Maven Central (reachable here and in CI).
#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "fixture.h"
#include "resources/maven_resolver.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kBoundary[] = "sluice-test-boundary-7d1f";
constexpr uint64_t kUploadLimit = 4 << 20;  // larger than the server's 1 MiB body limit

// A real jar: a zip made by Python's zipfile with one class-like entry of `size` random bytes.
std::string MakeJar(const fs::path& dir, size_t size = 64) {
  fs::create_directories(dir);
  std::mt19937 rng(static_cast<unsigned>(size));
  std::string content(size, '\0');
  for (char& c : content) c = static_cast<char>(rng());
  std::ofstream(dir / "Udf.class", std::ios::binary) << content;
  std::string command = "cd '" + dir.string() + "' && python3 -m zipfile -c lib.jar Udf.class";
  EXPECT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(dir / "lib.jar", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string FormField(const std::string& name, const std::string& value) {
  return std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name +
         "\"\r\n\r\n" + value + "\r\n";
}
std::string FormFile(const std::string& file_name, const std::string& content) {
  return std::string("--") + kBoundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file_name +
         "\"\r\nContent-Type: application/java-archive\r\n\r\n" + content + "\r\n";
}
std::string FormEnd() { return std::string("--") + kBoundary + "--\r\n"; }

// POSTs JSON with a long timeout (the harness client gives up after 10 s; a first Maven run may
// take longer).
HttpResult PostSlowly(const std::string& url, const std::string& token, const Json& body) {
  CURL* curl = curl_easy_init();
  HttpResult result;
  std::string text = body.dump();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(text.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 600L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* out) {
        static_cast<std::string*>(out)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.transport_error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return result;
}

class Resources : public SluiceTest {
 protected:
  ServerOptions Options() override {
    ServerOptions options;
    options.extra_env["SLUICE_MAX_UPLOAD_BYTES"] = std::to_string(kUploadLimit);
    return options;
  }
  void SetUp() override {
    SluiceTest::SetUp();
    if (HasFatalFailure()) return;
    work_ = fs::path(::testing::TempDir()) / ("sluice-resources-ft-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    team_ = CreateTeam("data");
    other_team_ = CreateTeam("other");
    int64_t dev = CreateUser("dev");
    AddMember(team_, dev, "developer");
    int64_t viewer = CreateUser("viewer");
    AddMember(team_, viewer, "viewer");
  }
  void TearDown() override {
    SluiceTest::TearDown();
    fs::remove_all(work_);
  }

  HttpResult Upload(HttpClient& client, const std::string& body) {
    return client.Raw(
        "POST", "/api/v1/resources", body,
        {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}});
  }
  HttpResult UploadJar(HttpClient& client, int64_t team, const std::string& file_name,
                       const std::string& content) {
    return Upload(client, FormField("team_id", std::to_string(team)) +
                              FormFile(file_name, content) + FormEnd());
  }
  int64_t StoredFiles() {
    int64_t n = 0;
    std::error_code ec;
    fs::path root = fs::path(server_->data_dir()) / "resources";
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_regular_file()) ++n;
    }
    return n;
  }

  fs::path work_;
  int64_t team_ = 0;
  int64_t other_team_ = 0;
};

TEST_F(Resources, UploadListReadAndDeleteAJar) {
  std::string jar = MakeJar(work_ / "small");
  HttpClient dev = LoggedIn("dev");
  HttpResult uploaded = UploadJar(dev, team_, "udf-functions-1.0.jar", jar);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  Json resource = uploaded.json();
  int64_t id = resource["id"].get<int64_t>();
  EXPECT_EQ(resource["team_id"], team_);
  EXPECT_EQ(resource["file_name"], "udf-functions-1.0.jar");
  EXPECT_EQ(resource["size"], jar.size());
  EXPECT_EQ(resource["sha256"].get<std::string>().size(), 64u);
  fs::path stored = fs::path(server_->data_dir()) / "resources" / std::to_string(team_) /
                    std::to_string(id) / "udf-functions-1.0.jar";
  ASSERT_TRUE(fs::exists(stored));
  EXPECT_EQ(fs::file_size(stored), jar.size());

  HttpClient viewer = LoggedIn("viewer");
  HttpResult list = viewer.Get("/api/v1/resources?team_id=" + std::to_string(team_));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["total"], 1);
  EXPECT_EQ(list.json()["items"][0]["sha256"], resource["sha256"]);
  HttpResult got = viewer.Get("/api/v1/resources/" + std::to_string(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["name"], "udf-functions-1.0.jar");
  HttpResult file = viewer.Get("/api/v1/resources/" + std::to_string(id) + "/file");
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body, jar);

  EXPECT_EQ(viewer.Delete("/api/v1/resources/" + std::to_string(id)).status, 403);
  EXPECT_EQ(dev.Delete("/api/v1/resources/" + std::to_string(id)).status, 204);
  EXPECT_EQ(dev.Get("/api/v1/resources/" + std::to_string(id)).status, 404);
  EXPECT_FALSE(fs::exists(stored));
  EXPECT_EQ(QueryInt(server_->store_url(),
                     "SELECT COUNT(*) FROM audit_log WHERE action IN ('resource.upload', "
                     "'resource.delete')"),
            3);
}

TEST_F(Resources, UploadsLargerThanTheServerLimitFitTheirOwnRouteOnly) {
  std::string jar = MakeJar(work_ / "big", 2 << 20);
  ASSERT_GT(jar.size(), 1u << 20);
  HttpResult uploaded = UploadJar(admin(), team_, "big-1.0.jar", jar);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body << uploaded.transport_error;
  EXPECT_EQ(uploaded.json()["size"], jar.size());
  // Past the upload limit: 413, nothing stored.
  std::string too_big = MakeJar(work_ / "bigger", kUploadLimit + 1024);
  HttpResult refused = UploadJar(admin(), team_, "bigger-1.0.jar", too_big);
  EXPECT_EQ(refused.status, 413) << refused.body << refused.transport_error;
  // Other routes keep the server's 1 MiB limit.
  HttpResult other = admin().Raw("POST", "/api/v1/teams", std::string(2 << 20, 'a'));
  EXPECT_EQ(other.status, 413);
  EXPECT_EQ(Anonymous().Get("/readyz").status, 200);
  EXPECT_EQ(admin().Get("/api/v1/resources").json()["total"], 1);
}

TEST_F(Resources, BadUploadsAre400AndStoreNothing) {
  std::string jar = MakeJar(work_ / "small");
  HttpClient dev = LoggedIn("dev");
  std::string team = std::to_string(team_);
  struct Case {
    std::string what;
    std::string body;
    std::string content_type;
    long status;
  };
  std::string multipart = std::string("multipart/form-data; boundary=") + kBoundary;
  std::vector<Case> cases = {
      {"no boundary", FormField("team_id", team) + FormFile("a.jar", jar) + FormEnd(),
       "multipart/form-data", 400},
      {"truncated", (FormField("team_id", team) + FormFile("a.jar", jar)).substr(0, 200), multipart,
       400},
      {"huge part headers",
       std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; " +
           std::string(20000, 'x') + "\r\n\r\n" + jar + "\r\n" + FormEnd(),
       multipart, 400},
      {"not multipart", "{\"team_id\": 1}", "application/json", 415},
      {"not a jar",
       FormField("team_id", team) + FormFile("a.jar", "just some text, no zip") + FormEnd(),
       multipart, 400},
      {"not a jar name", FormField("team_id", team) + FormFile("a.exe", jar) + FormEnd(), multipart,
       400},
      {"no file", FormField("team_id", team) + FormEnd(), multipart, 400},
      {"no team", FormFile("a.jar", jar) + FormEnd(), multipart, 400},
  };
  for (const Case& c : cases) {
    HttpResult result =
        dev.Raw("POST", "/api/v1/resources", c.body, {{"Content-Type", c.content_type}});
    EXPECT_EQ(result.status, c.status) << c.what << ": " << result.body;
    EXPECT_FALSE(result.json()["error"]["message"].get<std::string>().empty()) << c.what;
  }
  // A path in the file name is cut off, never followed.
  HttpResult traversal = UploadJar(dev, team_, "../../../../tmp/evil.jar", jar);
  ASSERT_EQ(traversal.status, 201) << traversal.body;
  EXPECT_EQ(traversal.json()["file_name"], "evil.jar");
  EXPECT_EQ(StoredFiles(), 1);
  EXPECT_EQ(admin().Get("/api/v1/resources").json()["total"], 1);
}

TEST_F(Resources, PermissionsViewersCannotUploadOtherTeamsAreHidden) {
  std::string jar = MakeJar(work_ / "small");
  HttpClient viewer = LoggedIn("viewer");
  HttpResult refused = UploadJar(viewer, team_, "a-1.0.jar", jar);
  EXPECT_EQ(refused.status, 403) << refused.body;
  HttpClient dev = LoggedIn("dev");
  EXPECT_EQ(UploadJar(dev, other_team_, "a-1.0.jar", jar).status, 404);
  HttpResult theirs = UploadJar(admin(), other_team_, "theirs-1.0.jar", jar);
  ASSERT_EQ(theirs.status, 201);
  std::string path = "/api/v1/resources/" + std::to_string(theirs.json()["id"].get<int64_t>());
  EXPECT_EQ(dev.Get(path).status, 404);
  EXPECT_EQ(dev.Get(path).error_code(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(dev.Delete(path).status, 404);
  EXPECT_EQ(dev.Get("/api/v1/resources").json()["total"], 0);
  EXPECT_EQ(StoredFiles(), 1);
}

TEST_F(Resources, VariablesKeepTheirSecretOutOfAnswersAndTheLog) {
  const std::string secret = "pa55-Wörd-only-in-the-store-91c2";
  HttpClient dev = LoggedIn("dev");
  HttpResult plain = dev.Post(
      "/api/v1/variables", {{"team_id", team_}, {"name", "kafka.servers"}, {"value", "k1:9092"}});
  ASSERT_EQ(plain.status, 201) << plain.body;
  HttpResult created =
      dev.Post("/api/v1/variables",
               {{"team_id", team_}, {"name", "db_password"}, {"value", secret}, {"secret", true}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["value"], "******");
  EXPECT_EQ(created.json()["secret"], true);
  int64_t id = created.json()["id"].get<int64_t>();
  std::string path = "/api/v1/variables/" + std::to_string(id);
  std::vector<HttpResult> answers = {created};
  answers.push_back(dev.Get("/api/v1/variables"));
  answers.push_back(dev.Get(path));
  answers.push_back(dev.Patch(path, {{"description", "the warehouse"}}));
  answers.push_back(dev.Patch(path, {{"value", secret + "-v2"}}));
  answers.push_back(LoggedIn("viewer").Get(path));
  answers.push_back(dev.Post("/api/v1/variables",
                             {{"team_id", team_}, {"name", "db_password"}, {"value", secret}}));
  answers.push_back(admin().Get("/api/v1/audit?limit=100"));
  for (const HttpResult& answer : answers) {
    EXPECT_EQ(answer.body.find(secret), std::string::npos) << answer.body;
  }
  EXPECT_EQ(answers[1].json()["total"], 2);
  EXPECT_EQ(answers[2].json()["value"], "******");
  EXPECT_EQ(answers[3].json()["description"], "the warehouse");
  EXPECT_EQ(answers[6].error_code(), "VARIABLE_EXISTS");
  EXPECT_EQ(plain.json()["value"], "k1:9092");
  EXPECT_EQ(LoggedIn("viewer").Patch(path, {{"value", "x"}}).status, 403);
  EXPECT_EQ(dev.Delete(path).status, 204);
  EXPECT_EQ(dev.Get(path).status, 404);
  EXPECT_EQ(server_->log().find(secret), std::string::npos);
  EXPECT_EQ(QueryInt(server_->store_url(),
                     "SELECT COUNT(*) FROM audit_log WHERE action LIKE "
                     "'variable.%'"),
            7);
  struct stat st {};
  std::string key = server_->data_dir() + "/secret.key";
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Needs Maven Central (reachable here and in CI).
TEST_F(Resources, DependencyResolutionWithMavenCentral) {
  std::string jar = MakeJar(work_ / "small");
  HttpClient dev = LoggedIn("dev");
  HttpResult uploaded = UploadJar(dev, team_, "mysql-connector-j-8.0.33.jar", jar);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  int64_t id = uploaded.json()["id"].get<int64_t>();
  HttpResult login =
      Anonymous().Post("/api/v1/auth/login", {{"username", "dev"}, {"password", "password-123"}});
  std::string token = login.json()["token"].get<std::string>();
  std::string url = server_->base_url() + "/api/v1/dependencies/resolve";

  Json mysql = {{"group", "com.mysql"}, {"artifact", "mysql-connector-j"}, {"version", "8.4.0"}};
  HttpResult resolved = PostSlowly(
      url, token, {{"team_id", team_}, {"dependencies", {{"maven", Json::array({mysql})}}}});
  ASSERT_EQ(resolved.status, 200) << resolved.body << resolved.transport_error;
  Json answer = Json::parse(resolved.body);
  EXPECT_EQ(answer["ok"], true);
  bool connector = false, protobuf = false;
  for (const Json& j : answer["jars"]) {
    if (j["artifact"] == "mysql-connector-j")
      connector = j["direct"] == true && j["size"] > 1000000;
    if (j["artifact"] == "protobuf-java") protobuf = j["direct"] == false;
  }
  EXPECT_TRUE(connector) << resolved.body;
  EXPECT_TRUE(protobuf) << "transitive: " << resolved.body;

  // With the uploaded 8.0.33 next to it: a conflict, reported.
  HttpResult conflict = PostSlowly(
      url, token,
      {{"team_id", team_},
       {"dependencies", {{"maven", Json::array({mysql})}, {"resources", Json::array({id})}}}});
  ASSERT_EQ(conflict.status, 200) << conflict.body;
  Json checked = Json::parse(conflict.body);
  EXPECT_EQ(checked["ok"], false);
  EXPECT_EQ(checked["from_cache"], true) << "the same request again is answered from the cache";
  ASSERT_EQ(checked["conflicts"].size(), 1u) << conflict.body;
  EXPECT_NE(checked["conflicts"][0]["message"].get<std::string>().find("8.0.33"),
            std::string::npos);

  Json nothing = {{"group", "dev.sluice.nonexistent"}, {"artifact", "nothing"}, {"version", "1.0"}};
  HttpResult missing = PostSlowly(
      url, token, {{"team_id", team_}, {"dependencies", {{"maven", Json::array({nothing})}}}});
  EXPECT_EQ(missing.status, 422) << missing.body;
  EXPECT_NE(missing.body.find("DEPENDENCY_NOT_FOUND"), std::string::npos) << missing.body;
  EXPECT_NE(missing.body.find("dev.sluice.nonexistent:nothing:jar:1.0"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
