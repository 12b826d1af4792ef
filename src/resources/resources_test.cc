// The resources area: the multipart reader (with hostile input), the secret box, variable
// expansion and masking, and the routes through the dispatcher with a real SQLite store.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/secret_box.h"
#include "resources/file_hash.h"
#include "resources/multipart.h"
#include "resources/resources_module.h"
#include "resources/variables.h"
#include "system/system_test_fixture.h"

namespace sluice::resources {
namespace {

namespace fs = std::filesystem;
using system::testing::Answer;

// ---- multipart

std::string Part(const std::string& name, const std::string& content,
                 const std::string& filename = "", const std::string& boundary = "XyZ") {
  std::string out = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
  if (!filename.empty()) out += "; filename=\"" + filename + "\"";
  out += "\r\n";
  if (!filename.empty()) out += "Content-Type: application/java-archive\r\n";
  return out + "\r\n" + content + "\r\n";
}

TEST(ResourceMultipart, ReadsTheBoundaryFromTheContentType) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=XyZ").value(), "XyZ");
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data;boundary=\"a b:c\"").value(), "a b:c");
  EXPECT_EQ(MultipartBoundary("multipart/form-data; charset=utf-8; boundary=----x").value(),
            "----x");
  EXPECT_EQ(MultipartBoundary("application/json").error().code, ErrorCode::UNSUPPORTED_MEDIA_TYPE);
  EXPECT_EQ(MultipartBoundary("").error().code, ErrorCode::UNSUPPORTED_MEDIA_TYPE);
  for (const char* bad :
       {"multipart/form-data", "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=\"unterminated",
        "multipart/form-data; boundary=a; boundary=b", "multipart/form-data; boundary=a{b}",
        "multipart/form-data; "
        "boundary=0123456789012345678901234567890123456789012345678901234567890123456789x"}) {
    auto boundary = MultipartBoundary(bad);
    ASSERT_FALSE(boundary.ok()) << bad;
    EXPECT_EQ(boundary.error().code, ErrorCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(boundary.error().field, "Content-Type");
  }
}

TEST(ResourceMultipart, SplitsPartsWithNamesFileNamesAndBinaryContent) {
  // Content may hold what looks like a delimiter but is not one (not followed by CRLF or "--").
  const char raw[] = "PK\x03\x04\0\r\n--XyZnot-a-boundary\r\n";
  std::string binary(raw, sizeof raw - 1);
  std::string body = "preamble to ignore\r\n" + Part("team_id", "7") +
                     Part("file", binary, "my \\\"job\\\".jar") + "--XyZ--\r\nepilogue";
  auto parts = ParseMultipart(body, "XyZ");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "team_id");
  EXPECT_EQ((*parts)[0].body, "7");
  EXPECT_FALSE((*parts)[0].filename);
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "my \"job\".jar");
  EXPECT_EQ((*parts)[1].content_type, "application/java-archive");
  EXPECT_EQ((*parts)[1].body, binary) << "NULs, CRLF and boundary look-alikes are content";
  auto empty = ParseMultipart("--XyZ--", "XyZ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ResourceMultipart, RefusesMalformedBodiesNamingTheProblem) {
  std::string good = Part("team_id", "7") + "--XyZ--\r\n";
  struct Case {
    std::string body;
    std::string needle;
  };
  std::vector<Case> cases = {
      {"", "never appears"},
      {"no boundary here", "never appears"},
      {Part("team_id", "7"), "closing boundary"},
      {good.substr(0, good.size() - 12), "closing boundary"},
      {"--XyZ", "truncated"},
      {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"", "never end"},
      {"--XyZ\r\n\r\nvalue\r\n--XyZ--", "Content-Disposition"},
      {"--XyZ\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--XyZ--", "Content-Disposition"},
      {"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--", "form-data"},
      {"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", "no name"},
      {"--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--", "no name"},
      {"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--", "parameters"},
      {"--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nv\r\n--XyZ--", "two names"},
      {"--XyZ\r\nno colon\r\n\r\nv\r\n--XyZ--", "no name"},
      {"--XyZ\r\nContent-Disposition: form-data; name=a\r\n folded\r\n\r\nv\r\n--XyZ--", "folded"},
      {"--XyZjunk\r\n", "line break"},
      {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n" + std::string(10000, 'x') +
           "\r\n\r\nv\r\n--XyZ--",
       "longer than"},
      {"--XyZ\r\n" + std::string(100000, 'h'), "longer than"},
  };
  std::string many;
  for (int i = 0; i < 17; ++i) many += Part("f" + std::to_string(i), "v");
  cases.push_back({many + "--XyZ--", "more than 16 parts"});
  for (const Case& c : cases) {
    auto parts = ParseMultipart(c.body, "XyZ");
    ASSERT_FALSE(parts.ok()) << c.body.substr(0, 80);
    EXPECT_EQ(parts.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(parts.error().field, "body");
    EXPECT_NE(parts.error().message.find(c.needle), std::string::npos)
        << c.body.substr(0, 80) << " -> " << parts.error().message;
  }
}

TEST(ResourceMultipart, NeverReadsPastTheBodyOnAnyPrefix) {
  // Every prefix of a valid body is refused or parsed, never a crash (run under ASan in CI).
  std::string body = Part("team_id", "7") + Part("file", "PK\x03\x04 data", "a.jar") + "--XyZ--";
  for (size_t n = 0; n < body.size(); ++n) {
    auto parts = ParseMultipart(std::string_view(body).substr(0, n), "XyZ");
    EXPECT_FALSE(parts.ok() && parts->size() == 2) << n;
  }
  EXPECT_TRUE(ParseMultipart(body, "XyZ").ok());
}

// ---- file names and jars

TEST(ResourceFileName, SanitisesAndRefusesWhatIsNotAJarName) {
  EXPECT_EQ(SanitizeFileName("mysql-connector-j-8.4.0.jar").value(), "mysql-connector-j-8.4.0.jar");
  EXPECT_EQ(SanitizeFileName("../../etc/evil.jar").value(), "evil.jar");
  EXPECT_EQ(SanitizeFileName("C:\\Users\\me\\my job (1).JAR").value(), "my_job__1_.JAR");
  EXPECT_EQ(SanitizeFileName("..hidden.jar").value(), "hidden.jar");
  EXPECT_EQ(SanitizeFileName("bundle.zip").value(), "bundle.zip");
  for (const char* bad : {"", "..", "notes.txt", ".jar", "a/b/", "x.jar/"}) {
    auto name = SanitizeFileName(bad);
    ASSERT_FALSE(name.ok()) << bad;
    EXPECT_EQ(name.error().code, ErrorCode::RESOURCE_INVALID);
    EXPECT_EQ(name.error().field, "file");
  }
  EXPECT_FALSE(SanitizeFileName(std::string(300, 'a') + ".jar").ok());
  EXPECT_TRUE(LooksLikeJar(std::string("PK\x03\x04", 4) + std::string(40, 'x')));
  EXPECT_FALSE(LooksLikeJar("PK\x05\x06 an empty zip is no jar"));
  EXPECT_FALSE(LooksLikeJar("<html>"));
}

// ---- secret box

class ResourceSecretBox : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("sluice-secretbox-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ResourceSecretBox, CreatesAPrivateKeyOnceAndSealsRoundTrip) {
  std::string key = (dir_ / "secret.key").string();
  auto box = SecretBox::OpenOrCreate(key);
  ASSERT_TRUE(box.ok()) << box.error().internal_detail;
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  std::string sealed = (*box)->Seal("jdbc-password");
  EXPECT_TRUE(SecretBox::LooksSealed(sealed));
  EXPECT_EQ(sealed.find("jdbc-password"), std::string::npos);
  EXPECT_NE((*box)->Seal("jdbc-password"), sealed) << "a fresh nonce each time";
  EXPECT_EQ((*box)->Unseal(sealed).value(), "jdbc-password");
  EXPECT_EQ((*box)->Unseal((*box)->Seal("")).value(), "");

  // The same key is read back by a second open (another start of the server), and a key file
  // left readable by others is made private again.
  ::chmod(key.c_str(), 0644);
  auto again = SecretBox::OpenOrCreate(key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Unseal(sealed).value(), "jdbc-password");
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Another key, damage and garbage are refused, with nothing of the secret in the message.
  auto other = SecretBox::OpenOrCreate((dir_ / "other.key").string());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->Unseal(sealed).ok());
  std::string damaged = sealed;
  damaged[damaged.size() - 3] = damaged[damaged.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE((*box)->Unseal(damaged).ok());
  EXPECT_FALSE((*box)->Unseal("plain").ok());
  EXPECT_FALSE((*box)->Unseal("sb1:!!!").ok());
  EXPECT_FALSE((*box)->Unseal("sb1:").ok());
}

TEST_F(ResourceSecretBox, NeverOverwritesAKeyFileOfTheWrongSize) {
  std::string key = (dir_ / "secret.key").string();
  std::ofstream(key) << "short";
  auto box = SecretBox::OpenOrCreate(key);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code, ErrorCode::INTERNAL);
  std::ifstream in(key);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "short");
}

// ---- variables

VariableLookup Lookup(std::map<std::string, VariableValue> values) {
  return [values](const std::string& name) -> std::optional<VariableValue> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

TEST(VariableExpand, ReplacesNamesKeepsEscapesAndCollectsSecrets) {
  auto lookup = Lookup({{"db_url", {"jdbc:mysql://db/x", false}},
                        {"db.password", {"s3cr3t", true}},
                        {"nested", {"${db_url}", false}}});
  auto expanded = ExpandVariables(
      "CREATE TABLE t WITH ('url' = '${db_url}', 'password' = '${db.password}');\n"
      "-- $${db_url} stays, $5 and ${ not a var } and ${} and $ too, ${nested} once\n"
      "SELECT '${db.password}'",
      lookup);
  ASSERT_TRUE(expanded.ok()) << expanded.error().message;
  EXPECT_EQ(expanded->text,
            "CREATE TABLE t WITH ('url' = 'jdbc:mysql://db/x', 'password' = 's3cr3t');\n"
            "-- ${db_url} stays, $5 and ${ not a var } and ${} and $ too, ${db_url} once\n"
            "SELECT 's3cr3t'");
  EXPECT_EQ(expanded->used, (std::vector<std::string>{"db_url", "db.password", "nested"}));
  EXPECT_EQ(expanded->secrets, std::vector<std::string>{"s3cr3t"});
}

TEST(VariableExpand, UnknownNamesAreReportedWithTheirLines) {
  auto expanded =
      ExpandVariables("a\n${known}\n  ${missing} ${other}\n", Lookup({{"known", {"v", false}}}));
  ASSERT_FALSE(expanded.ok());
  EXPECT_EQ(expanded.error().code, ErrorCode::VARIABLE_UNKNOWN);
  EXPECT_NE(expanded.error().message.find("${missing} on line 3"), std::string::npos)
      << expanded.error().message;
  EXPECT_NE(expanded.error().message.find("${other} on line 3"), std::string::npos);
  EXPECT_EQ(expanded.error().message.find("known}"), std::string::npos);
}

TEST(VariableMask, MasksEverySecretLongestFirst) {
  EXPECT_EQ(Mask("user=me password=s3cr3t again s3cr3t", {"s3cr3t"}),
            "user=me password=****** again ******");
  EXPECT_EQ(Mask("token abcdef", {"abc", "abcdef"}), "token ******");
  EXPECT_EQ(Mask("nothing here", {""}), "nothing here");
  EXPECT_EQ(Mask("", {"x"}), "");
}

TEST(VariableName, FollowsTheRule) {
  for (const std::string& good : {std::string("a"), std::string("_x"), std::string("db.url"),
                                  std::string("A-b_9"), std::string(64, 'a')}) {
    EXPECT_TRUE(ValidateVariableName(good).ok()) << good;
  }
  for (std::string bad : {std::string(""), std::string("9a"), std::string(".a"), std::string("a b"),
                          std::string("a$"), std::string(65, 'a'), std::string("a}")}) {
    EXPECT_FALSE(ValidateVariableName(bad).ok()) << bad;
  }
}

// ---- the routes

// A resolver that answers from a table, so the dependency routes run without Maven.
class FakeResolver : public MavenResolver {
 public:
  Result<Resolution> Resolve(const std::vector<MavenCoordinate>& coordinates,
                             const ResolveOptions& options) override {
    ++calls;
    last_options = options;
    Resolution resolution;
    for (const auto& c : coordinates) {
      ResolvedArtifact a;
      a.coordinate = c;
      a.coordinate.exclusions.clear();
      a.scope = "compile";
      a.direct = true;
      a.path = options.cache_dir + "/" + c.artifact + "-" + c.version + ".jar";
      a.size = 3;
      resolution.artifacts.push_back(a);
    }
    return resolution;
  }
  int calls = 0;
  ResolveOptions last_options;
};

class ResourceApi : public system::testing::SystemTest {
 protected:
  void SetUp() override {
    SystemTest::SetUp();
    auto resolver = std::make_unique<FakeResolver>();
    resolver_ = resolver.get();
    ResourcesOptions options;
    options.data_dir = dir_.string();
    options.max_upload_bytes = 4096;
    module_resources_ =
        std::make_unique<ResourcesModule>(*db_, clock_, options, std::move(resolver));
    module_resources_->RegisterRoutes(router_, module_->guard());
    team_ = AddTeam("data");
    other_team_ = AddTeam("other");
    int64_t dev = AddUser("dev");
    AddMember(team_, dev, "developer");
    int64_t viewer = AddUser("viewer");
    AddMember(team_, viewer, "viewer");
    dev_ = Login("dev");
    viewer_ = Login("viewer");
  }

  static std::string Jar(const std::string& text = "content") {
    return std::string("PK\x03\x04", 4) + std::string(26, '\0') + text;
  }
  Answer Upload(const std::string& token, int64_t team, const std::string& file_name,
                const std::string& content, const std::string& name = "") {
    std::string body = Part("team_id", std::to_string(team)) +
                       (name.empty() ? "" : Part("name", name)) + Part("file", content, file_name) +
                       "--XyZ--\r\n";
    return Multipart(token, body);
  }
  Answer Multipart(const std::string& token, const std::string& body,
                   const std::string& content_type = "multipart/form-data; boundary=XyZ") {
    http::Request request;
    request.method = "POST";
    request.path = "/api/v1/resources";
    request.body = body;
    request.headers["content-type"] = content_type;
    request.headers["authorization"] = "Bearer " + token;
    http::Response response = dispatcher_->Dispatch(request);
    Answer answer;
    answer.status = response.status;
    answer.body = response.body;
    if (!response.body.empty()) answer.json = Json::parse(response.body, nullptr, false);
    return answer;
  }
  int64_t FilesUnder(const fs::path& path) {
    int64_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(path, ec);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_regular_file()) ++n;
    }
    return n;
  }

  FakeResolver* resolver_ = nullptr;
  std::unique_ptr<ResourcesModule> module_resources_;
  int64_t team_ = 0;
  int64_t other_team_ = 0;
  std::string dev_;
  std::string viewer_;
};

TEST_F(ResourceApi, UploadsListsReadsAndDeletesAJar) {
  Answer uploaded = Upload(dev_, team_, "../udf-1.2.0.jar", Jar());
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  int64_t id = uploaded.json["id"].get<int64_t>();
  EXPECT_EQ(uploaded.json["file_name"], "udf-1.2.0.jar");
  EXPECT_EQ(uploaded.json["name"], "udf-1.2.0.jar");
  EXPECT_EQ(uploaded.json["size"], Jar().size());
  EXPECT_EQ(uploaded.json["sha256"], Sha256Hex(Jar()));
  fs::path stored =
      dir_ / "resources" / std::to_string(team_) / std::to_string(id) / "udf-1.2.0.jar";
  EXPECT_TRUE(fs::exists(stored));
  EXPECT_EQ(FilesUnder(dir_ / "resources" / ".incoming"), 0) << "no temporary file left";

  Answer list = Call("GET", "/api/v1/resources?team_id=" + std::to_string(team_), nullptr, viewer_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["total"], 1);
  EXPECT_EQ(list.json["items"][0]["id"], id);
  Answer got = Call("GET", "/api/v1/resources/" + std::to_string(id), nullptr, viewer_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json["used_by"], Json::array());
  Answer file = Call("GET", "/api/v1/resources/" + std::to_string(id) + "/file", nullptr, viewer_);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body, Jar());

  EXPECT_EQ(Upload(dev_, team_, "udf-1.2.0.jar", Jar()).code(), "RESOURCE_EXISTS");
  EXPECT_EQ(Upload(dev_, team_, "udf-1.2.0.jar", Jar(), "second").status, 201);

  EXPECT_EQ(Call("DELETE", "/api/v1/resources/" + std::to_string(id), nullptr, viewer_).status,
            403);
  EXPECT_EQ(Call("DELETE", "/api/v1/resources/" + std::to_string(id), nullptr, dev_).status, 204);
  EXPECT_FALSE(fs::exists(stored.parent_path()));
  EXPECT_EQ(Call("GET", "/api/v1/resources/" + std::to_string(id), nullptr, dev_).code(),
            "RESOURCE_NOT_FOUND");
  EXPECT_EQ(CountRows("audit_log", "action = 'resource.upload'"), 3);
  EXPECT_EQ(CountRows("audit_log", "action = 'resource.delete' AND outcome = 'success'"), 1);
}

TEST_F(ResourceApi, RefusesBadUploadsAndStoresNothing) {
  EXPECT_EQ(Upload(dev_, team_, "notes.txt", Jar()).code(), "RESOURCE_INVALID");
  EXPECT_EQ(Upload(dev_, team_, "fake.jar", "<html>not a jar</html>").code(), "RESOURCE_INVALID");
  EXPECT_EQ(Upload(dev_, team_, "big.jar", Jar(std::string(5000, 'x'))).code(), "BODY_TOO_LARGE");
  EXPECT_EQ(Upload(viewer_, team_, "a.jar", Jar()).status, 403);
  EXPECT_EQ(Upload(viewer_, other_team_, "a.jar", Jar()).code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(Multipart(dev_, "--XyZ\r\n", "multipart/form-data; boundary=XyZ").status, 400);
  EXPECT_EQ(Multipart(dev_, "{}", "application/json").status, 415);
  EXPECT_EQ(Multipart(dev_, Part("file", Jar(), "a.jar") + "--XyZ--").code(), "INVALID_ARGUMENT")
      << "team_id missing";
  EXPECT_EQ(
      Multipart(dev_, Part("team_id", std::to_string(team_)) + "--XyZ--").json["error"]["field"],
      "file");
  EXPECT_EQ(Multipart(dev_, Part("team_id", "x") + Part("file", Jar(), "a.jar") + "--XyZ--")
                .json["error"]["field"],
            "team_id");
  EXPECT_EQ(Multipart(dev_, Part("team_id", std::to_string(team_)) + Part("what", "1") +
                                Part("file", Jar(), "a.jar") + "--XyZ--")
                .json["error"]["field"],
            "what");
  EXPECT_EQ(CountRows("resources"), 0);
  EXPECT_EQ(FilesUnder(dir_ / "resources"), 0);
}

TEST_F(ResourceApi, AResourceAnAppUsesCannotBeDeleted) {
  Answer uploaded = Upload(dev_, team_, "lib-1.0.jar", Jar());
  ASSERT_EQ(uploaded.status, 201);
  int64_t id = uploaded.json["id"].get<int64_t>();
  Json spec = {{"dependencies", {{"maven", Json::array()}, {"resources", Json::array({id})}}}};
  ASSERT_TRUE(db_->Query("INSERT INTO apps (team_id, name, kind, draft_version, state, created_at, "
                         "updated_at) VALUES (?, 'etl', 'sql', 2, 'NEW', 0, 0)",
                         {team_})
                  .ok());
  // Version 1 (neither draft nor deployed) does not count; version 2 is the draft.
  ASSERT_TRUE(db_->Query("INSERT INTO app_versions (app_id, version, spec, created_at) VALUES "
                         "(1, 1, '{}', 0), (1, 2, ?, 0)",
                         {spec.dump()})
                  .ok());
  Answer refused = Call("DELETE", "/api/v1/resources/" + std::to_string(id), nullptr, dev_);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.code(), "RESOURCE_IN_USE");
  EXPECT_NE(refused.body.find("etl"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/resources/" + std::to_string(id), nullptr, dev_).json["used_by"],
            Json::array({"etl"}));
  // Once the draft no longer lists it, it can go.
  ASSERT_TRUE(db_->Query("UPDATE apps SET draft_version = 1").ok());
  EXPECT_EQ(Call("DELETE", "/api/v1/resources/" + std::to_string(id), nullptr, dev_).status, 204);
}

TEST_F(ResourceApi, OtherTeamsResourcesAreNotFound) {
  Answer uploaded = Upload(AdminToken(), other_team_, "x-1.0.jar", Jar());
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  std::string path = "/api/v1/resources/" + std::to_string(uploaded.json["id"].get<int64_t>());
  EXPECT_EQ(Call("GET", path, nullptr, dev_).code(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(Call("DELETE", path, nullptr, dev_).code(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(Call("GET", "/api/v1/resources", nullptr, dev_).json["total"], 0);
  EXPECT_EQ(Call("GET", "/api/v1/resources", nullptr, AdminToken()).json["total"], 1);
  // The deployer cannot borrow it either.
  auto resolved = module_resources_->dependencies().Resolve(
      team_, {{"resources", Json::array({uploaded.json["id"]})}}, nullptr);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::RESOURCE_NOT_FOUND);
}

TEST_F(ResourceApi, VariablesKeepSecretsSealedAndMasked) {
  Answer plain =
      Call("POST", "/api/v1/variables",
           {{"team_id", team_}, {"name", "db_url"}, {"value", "jdbc:mysql://db/x"}}, dev_);
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(plain.json["value"], "jdbc:mysql://db/x");
  EXPECT_EQ(plain.json["secret"], false);
  Answer secret = Call(
      "POST", "/api/v1/variables",
      {{"team_id", team_}, {"name", "db.password"}, {"value", "hunter2-secret"}, {"secret", true}},
      dev_);
  ASSERT_EQ(secret.status, 201) << secret.body;
  EXPECT_EQ(secret.json["value"], "******");
  EXPECT_EQ(secret.json["secret"], true);
  int64_t secret_id = secret.json["id"].get<int64_t>();
  EXPECT_EQ(CountRows("variables", "value LIKE '%hunter2%'"), 0) << "sealed in the store";
  EXPECT_TRUE(fs::exists(dir_ / "secret.key"));

  Answer list = Call("GET", "/api/v1/variables?team_id=" + std::to_string(team_), nullptr, viewer_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["total"], 2);
  EXPECT_EQ(list.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/variables/" + std::to_string(secret_id), nullptr, viewer_)
                .body.find("hunter2"),
            std::string::npos);

  auto expanded = module_resources_->variables().Expand(
      team_, "url=${db_url} pw=${db.password} literal=$${db_url}");
  ASSERT_TRUE(expanded.ok()) << expanded.error().message;
  EXPECT_EQ(expanded->text, "url=jdbc:mysql://db/x pw=hunter2-secret literal=${db_url}");
  EXPECT_EQ(expanded->secrets, std::vector<std::string>{"hunter2-secret"});
  EXPECT_EQ(Mask(expanded->text, expanded->secrets),
            "url=jdbc:mysql://db/x pw=****** literal=${db_url}");
  auto other = module_resources_->variables().Expand(other_team_, "${db_url}");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::VARIABLE_UNKNOWN)
      << "other teams' variables are unknown";

  // Changes: a new secret value, and a secret turned plain only with a new value.
  std::string path = "/api/v1/variables/" + std::to_string(secret_id);
  EXPECT_EQ(Call("PATCH", path, {{"value", "new-secret-value"}}, dev_).json["value"], "******");
  EXPECT_EQ(module_resources_->variables().Expand(team_, "${db.password}")->text,
            "new-secret-value");
  EXPECT_EQ(Call("PATCH", path, {{"secret", false}}, dev_).json["error"]["field"], "value");
  EXPECT_EQ(Call("PATCH", path, {{"secret", false}, {"value", "public"}}, dev_).json["value"],
            "public");
  EXPECT_EQ(Call("PATCH", path, {{"secret", true}}, dev_).json["value"], "******");
  EXPECT_EQ(module_resources_->variables().Expand(team_, "${db.password}")->text, "public");
  EXPECT_EQ(Call("PATCH", path, {{"value", "x"}}, viewer_).status, 403);

  // Names: the rule, unique per team, free in another team.
  EXPECT_EQ(
      Call("POST", "/api/v1/variables", {{"team_id", team_}, {"name", "9bad"}, {"value", ""}}, dev_)
          .json["error"]["field"],
      "name");
  EXPECT_EQ(Call("POST", "/api/v1/variables",
                 {{"team_id", team_}, {"name", "db_url"}, {"value", ""}}, dev_)
                .code(),
            "VARIABLE_EXISTS");
  EXPECT_EQ(Call("POST", "/api/v1/variables",
                 {{"team_id", other_team_}, {"name", "db_url"}, {"value", ""}}, AdminToken())
                .status,
            201);
  EXPECT_EQ(Call("POST", "/api/v1/variables", {{"team_id", team_}, {"name", "v"}, {"value", "x"}},
                 viewer_)
                .status,
            403);
  EXPECT_EQ(Call("GET", "/api/v1/variables?team_id=" + std::to_string(other_team_), nullptr, dev_)
                .json["total"],
            0);
  EXPECT_EQ(Call("DELETE", path, nullptr, dev_).status, 204);
  EXPECT_EQ(Call("GET", path, nullptr, dev_).code(), "VARIABLE_NOT_FOUND");
  EXPECT_EQ(CountRows("audit_log", "action LIKE 'variable.%'"), 12);
}

TEST_F(ResourceApi, ResolvesDependenciesAndReportsConflicts) {
  Answer uploaded = Upload(dev_, team_, "mysql-connector-j-8.0.33.jar", Jar());
  ASSERT_EQ(uploaded.status, 201);
  int64_t id = uploaded.json["id"].get<int64_t>();
  Json mysql = {{"group", "com.mysql"},
                {"artifact", "mysql-connector-j"},
                {"version", "8.4.0"},
                {"exclusions", Json::array({"com.google.protobuf:protobuf-java"})}};
  Json dependencies = {{"maven", Json::array({mysql})}, {"resources", Json::array({id})}};
  Answer checked = Call("POST", "/api/v1/dependencies/resolve",
                        {{"team_id", team_}, {"dependencies", dependencies}}, dev_);
  ASSERT_EQ(checked.status, 200) << checked.body;
  ASSERT_EQ(checked.json["jars"].size(), 2u);
  EXPECT_EQ(checked.json["jars"][0]["source"], "maven");
  EXPECT_EQ(checked.json["jars"][0]["version"], "8.4.0");
  EXPECT_EQ(checked.json["jars"][1]["source"], "resource");
  EXPECT_EQ(checked.json["jars"][1]["resource_id"], id);
  EXPECT_EQ(checked.json["jars"][1]["version"], "8.0.33");
  EXPECT_EQ(checked.json["ok"], false);
  ASSERT_EQ(checked.json["conflicts"].size(), 1u);
  EXPECT_EQ(checked.json["conflicts"][0]["artifact"], "mysql-connector-j");
  EXPECT_EQ(checked.body.find(dir_.string()), std::string::npos) << "no server paths in answers";
  EXPECT_EQ(resolver_->last_options.cache_dir, (fs::absolute(dir_) / "maven-cache").string());
  EXPECT_EQ(resolver_->last_options.repository_url, kMavenCentral);

  auto resolved = module_resources_->dependencies().Resolve(team_, dependencies, nullptr);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::DEPENDENCY_CONFLICT);
  auto fine = module_resources_->dependencies().Resolve(
      team_,
      {{"maven", Json::array({Json{{"group", "g"}, {"artifact", "a"}, {"version", "1"}}})},
       {"resources", Json::array({id})}},
      nullptr);
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  ASSERT_EQ(fine->jars.size(), 2u);
  EXPECT_EQ(fine->jars[1].path, (fs::absolute(dir_) / "resources" / std::to_string(team_) /
                                 std::to_string(id) / "mysql-connector-j-8.0.33.jar")
                                    .string());

  Json no_version = {{"group", "g"}, {"artifact", "a"}};
  Json property = {{"group", "g"}, {"artifact", "a"}, {"version", "${x}"}};
  Json bad_exclusion = {
      {"group", "g"}, {"artifact", "a"}, {"version", "1"}, {"exclusions", Json::array({"bad"})}};
  std::vector<Json> bads = {Json{{"maven", Json::array({no_version})}},
                            Json{{"maven", Json::array({property})}},
                            Json{{"maven", "x"}},
                            Json{{"resources", Json::array({"x"})}},
                            Json{{"other", 1}},
                            Json{{"maven", Json::array({bad_exclusion})}}};
  for (const Json& bad : bads) {
    Answer refused = Call("POST", "/api/v1/dependencies/resolve",
                          {{"team_id", team_}, {"dependencies", bad}}, dev_);
    EXPECT_EQ(refused.code(), "DEPENDENCY_INVALID") << bad.dump() << refused.body;
  }
  EXPECT_EQ(Call("POST", "/api/v1/dependencies/resolve",
                 {{"team_id", team_}, {"dependencies", dependencies}}, viewer_)
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/dependencies/resolve",
                 {{"team_id", other_team_}, {"dependencies", dependencies}}, dev_)
                .code(),
            "TEAM_NOT_FOUND");
}

TEST_F(ResourceApi, EveryRouteIsInTheOpenApiDocument) {
  Json doc = http::BuildOpenApi(router_, "test");
  for (const char* path :
       {"/api/v1/resources", "/api/v1/resources/{id}", "/api/v1/resources/{id}/file",
        "/api/v1/variables", "/api/v1/variables/{id}", "/api/v1/dependencies/resolve"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
  EXPECT_TRUE(doc["paths"]["/api/v1/resources"]["post"]["requestBody"]["content"].contains(
      "multipart/form-data"));
  // Only the upload route may have a body larger than the server's limit.
  EXPECT_EQ(dispatcher_->BodyLimit("POST", "/api/v1/resources", 1024), 4096u + 64 * 1024);
  EXPECT_EQ(dispatcher_->BodyLimit("GET", "/api/v1/resources", 1024), 1024u);
  EXPECT_EQ(dispatcher_->BodyLimit("POST", "/api/v1/variables", 1024), 1024u);
  EXPECT_EQ(dispatcher_->BodyLimit("POST", "/api/v1/no-such-route", 1024), 1024u);
  EXPECT_EQ(dispatcher_->BodyLimit("POST", "/api/v1/resources", 1 << 20), 1u << 20)
      << "never smaller than the server's";
}

}  // namespace
}  // namespace sluice::resources
