// The Maven resolver with a fake process runner: what it writes for Maven, how it reads Maven's
// answers (real output samples), the cache, and conflict detection.
#include "resources/maven_resolver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "resources/file_hash.h"

namespace sluice::resources {
namespace {

namespace fs = std::filesystem;

MavenCoordinate Coordinate(const std::string& text) { return ParseCoordinate(text).value(); }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << content;
}

// ---- coordinates

TEST(MavenCoordinate, ParsesMavensThreeForms) {
  auto plain = ParseCoordinate(" com.mysql:mysql-connector-j:8.4.0 ");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->group, "com.mysql");
  EXPECT_EQ(plain->artifact, "mysql-connector-j");
  EXPECT_EQ(plain->version, "8.4.0");
  EXPECT_EQ(plain->extension, "jar");
  EXPECT_FALSE(plain->classifier);
  EXPECT_EQ(plain->ToString(), "com.mysql:mysql-connector-j:8.4.0");

  auto zip = ParseCoordinate("org.example:bundle:zip:1.2");
  ASSERT_TRUE(zip.ok());
  EXPECT_EQ(zip->extension, "zip");
  EXPECT_EQ(zip->ToString(), "org.example:bundle:zip:1.2");

  auto tests = ParseCoordinate("org.apache.flink:flink-core:jar:tests:1.20.0");
  ASSERT_TRUE(tests.ok());
  EXPECT_EQ(tests->classifier, "tests");
  EXPECT_EQ(tests->version, "1.20.0");
  EXPECT_EQ(tests->ToString(), "org.apache.flink:flink-core:jar:tests:1.20.0");
  EXPECT_EQ(ParseCoordinate(tests->ToString()).value(), *tests);
}

TEST(MavenCoordinate, RefusesWhatCouldBreakThePomAndNamesThePart) {
  struct Case {
    std::string text;
    std::string needle;
  };
  for (const Case& c : std::vector<Case>{
           {"g:a", "part"},
           {"g:a:b:c:d:e", "part"},
           {"g:a:1.0:tests", "g:a:jar:classifier:v"},
           {"g:a:[1.0,2.0)", "version"},
           {"g:a:${evil}", "version"},
           {"g:<a>:1", "artifact"},
           {"g::1", "artifact"},
           {".g:a:1", "group"},
           {"g:a:jar:te st:1", "classifier"},
           {"g:a:ja\"r:1", "extension"},
       }) {
    auto parsed = ParseCoordinate(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(parsed.error().field, "coordinate");
    EXPECT_NE(parsed.error().message.find(c.needle), std::string::npos)
        << c.text << ": " << parsed.error().message;
  }
}

TEST(MavenCoordinate, ExclusionsAllowWildcards) {
  EXPECT_EQ(ParseExclusion("com.google.protobuf:protobuf-java").value().second, "protobuf-java");
  EXPECT_TRUE(ParseExclusion("*:*").ok());
  EXPECT_TRUE(ParseExclusion("org.slf4j:*").ok());
  for (const char* bad : {"nocolon", "a:b:c", ":a", "a:b c"}) {
    auto parsed = ParseExclusion(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().field, "exclusion");
  }
  MavenCoordinate c = Coordinate("g:a:1");
  c.exclusions.emplace_back("x", "y<z");
  EXPECT_EQ(ValidateCoordinate(c).error().field, "exclusion");
  c = Coordinate("g:a:1");
  c.classifier = "";
  EXPECT_FALSE(ValidateCoordinate(c).ok()) << "a classifier is never empty";
}

// ---- pom, settings, cache key

TEST(MavenPom, ListsEachDependencyWithTypeClassifierAndExclusions) {
  ResolveOptions options;
  options.repository_url = "https://repo.example/maven2?a=1&b=2";
  MavenCoordinate mysql = Coordinate("com.mysql:mysql-connector-j:8.4.0");
  mysql.exclusions.emplace_back("com.google.protobuf", "protobuf-java");
  MavenCoordinate tests = Coordinate("org.apache.flink:flink-core:jar:tests:1.20.0");
  tests.transitive = false;
  std::string pom = BuildPom({mysql, tests}, options);
  EXPECT_NE(pom.find("<packaging>pom</packaging>"), std::string::npos);
  EXPECT_NE(pom.find("<id>sluice</id>"), std::string::npos);
  EXPECT_NE(pom.find("<url>https://repo.example/maven2?a=1&amp;b=2</url>"), std::string::npos)
      << "XML-escaped";
  EXPECT_NE(pom.find("<artifactId>mysql-connector-j</artifactId>"), std::string::npos);
  EXPECT_NE(pom.find("<type>jar</type>"), std::string::npos);
  EXPECT_NE(pom.find("<classifier>tests</classifier>"), std::string::npos);
  EXPECT_NE(
      pom.find("<groupId>com.google.protobuf</groupId><artifactId>protobuf-java</artifactId>"),
      std::string::npos);
  EXPECT_NE(pom.find("<groupId>*</groupId><artifactId>*</artifactId>"), std::string::npos)
      << "non-transitive is the exclusion *:*";

  std::string settings = BuildSettings(options, "/var/m2");
  EXPECT_NE(settings.find("<localRepository>/var/m2</localRepository>"), std::string::npos);
  EXPECT_NE(settings.find("<mirrorOf>*</mirrorOf>"), std::string::npos);
  EXPECT_NE(settings.find("<offline>false</offline>"), std::string::npos);
}

TEST(MavenCacheKey, DependsOnTheAnswerNotOnWhereItIsKept) {
  ResolveOptions options;
  auto a = Coordinate("g:a:1");
  auto b = Coordinate("g:b:2");
  std::string key = CacheKey({a, b}, options);
  EXPECT_EQ(key.size(), 64u);
  ResolveOptions elsewhere = options;
  elsewhere.cache_dir = "/elsewhere";
  elsewhere.local_repository = "/other";
  elsewhere.timeout = std::chrono::seconds(1);
  EXPECT_EQ(CacheKey({a, b}, elsewhere), key);
  ResolveOptions repository = options;
  repository.repository_url = "https://mirror.example/maven2";
  EXPECT_NE(CacheKey({a, b}, repository), key);
  ResolveOptions scopes = options;
  scopes.scopes = {"compile"};
  EXPECT_NE(CacheKey({a, b}, scopes), key);
  auto excluded = a;
  excluded.exclusions.emplace_back("x", "y");
  EXPECT_NE(CacheKey({excluded, b}, options), key);
  auto direct = a;
  direct.transitive = false;
  EXPECT_NE(CacheKey({direct, b}, options), key);
}

// ---- Maven's answers

TEST(MavenDependencyList, ReadsRealOutputOfTheDependencyPlugin) {
  // Written by maven-dependency-plugin 3.8.1 with outputAbsoluteArtifactFilename=true.
  const std::string text =
      "\n"
      "The following files have been resolved:\n"
      "   com.google.protobuf:protobuf-java:jar:3.25.1:compile:/root/.m2/repository/com/google/"
      "protobuf/protobuf-java/3.25.1/protobuf-java-3.25.1.jar -- module protobuf.java (auto)\n"
      "   com.mysql:mysql-connector-j:jar:8.4.0:compile:/root/.m2/repository/com/mysql/"
      "mysql-connector-j/8.4.0/mysql-connector-j-8.4.0.jar -- module mysql.connector.j (auto)\n"
      "   org.apache.flink:flink-core:jar:tests:1.20.0:runtime:/m2/flink-core-1.20.0-tests.jar "
      "(optional)\r\n"
      "\n";
  auto listed = ParseDependencyList(text);
  ASSERT_TRUE(listed.ok()) << listed.error().internal_detail;
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].coordinate.ToString(), "com.google.protobuf:protobuf-java:3.25.1");
  EXPECT_EQ((*listed)[0].scope, "compile");
  EXPECT_EQ((*listed)[0].path,
            "/root/.m2/repository/com/google/protobuf/protobuf-java/3.25.1/"
            "protobuf-java-3.25.1.jar");
  EXPECT_EQ((*listed)[2].coordinate.classifier, "tests");
  EXPECT_EQ((*listed)[2].scope, "runtime");
  EXPECT_EQ((*listed)[2].path, "/m2/flink-core-1.20.0-tests.jar");

  EXPECT_TRUE(ParseDependencyList("\nThe following files have been resolved:\n   none\n")->empty());
  auto broken = ParseDependencyList("The following files have been resolved:\n   what:is:this\n");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::DEPENDENCY_RESOLVE_FAILED);
  EXPECT_NE(broken.error().internal_detail.find("what:is:this"), std::string::npos);
}

// What Maven 3.8.7 printed (with -q) for an artifact Maven Central does not have, colour codes and
// all.
constexpr char kNotFoundOutput[] =
    "\x1b[0m\x1b[0m[ERROR] Failed to execute goal on project resolve: Could not resolve "
    "dependencies for project dev.sluice.resolve:resolve:pom:1: Could not find artifact "
    "dev.sluice:no-such-artifact:jar:1.0 in sluice (https://repo.maven.apache.org/maven2) -> "
    "[Help 1]\n"
    "[ERROR] \n"
    "[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.\n"
    "[ERROR] Re-run Maven using the -X switch to enable full debug logging.\n"
    "[ERROR] \n"
    "[ERROR] For more information about the errors and possible solutions, please read the "
    "following articles:\n"
    "[ERROR] [Help 1] "
    "http://cwiki.apache.org/confluence/display/MAVEN/DependencyResolutionException\n";

TEST(MavenFailure, NamesTheMissingArtifactAndTheRepository) {
  Error error = MavenFailureError(kNotFoundOutput, 1, kMavenCentral);
  EXPECT_EQ(error.code, ErrorCode::DEPENDENCY_NOT_FOUND);
  EXPECT_NE(error.message.find("dev.sluice:no-such-artifact:jar:1.0"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find(kMavenCentral), std::string::npos) << error.message;
  EXPECT_EQ(error.internal_detail, kNotFoundOutput);
}

TEST(MavenFailure, ReadsEveryWayMavenSaysNotFound) {
  // Maven 3.9: several at once, each tagged.
  Error several = MavenFailureError(
      "[ERROR] Failed to execute goal on project resolve: Could not resolve dependencies for "
      "project dev.sluice.resolve:resolve:pom:1: The following artifacts could not be resolved: "
      "a.b:c:jar:1.0 (absent), d.e:f:jar:2.0 (absent): Could not find artifact a.b:c:jar:1.0 in "
      "sluice (https://repo.maven.apache.org/maven2) -> [Help 1]\n",
      1, kMavenCentral);
  EXPECT_EQ(several.code, ErrorCode::DEPENDENCY_NOT_FOUND);
  EXPECT_NE(several.message.find("a.b:c:jar:1.0, d.e:f:jar:2.0"), std::string::npos)
      << several.message;
  Error cached = MavenFailureError(
      "[ERROR] Failure to find x.y:z:jar:3 in https://repo.example was cached in the local "
      "repository\n",
      1, "https://repo.example");
  EXPECT_EQ(cached.code, ErrorCode::DEPENDENCY_NOT_FOUND);
  EXPECT_NE(cached.message.find("x.y:z:jar:3"), std::string::npos);
  Error was_not = MavenFailureError(
      "[ERROR] x.y:w:pom:4 was not found in https://repo.example during a previous attempt.\n", 1,
      "https://repo.example");
  EXPECT_EQ(was_not.code, ErrorCode::DEPENDENCY_NOT_FOUND);
  EXPECT_NE(was_not.message.find("x.y:w:pom:4"), std::string::npos) << was_not.message;
}

TEST(MavenFailure, OtherFailuresQuoteTheTellingLineWithoutBoilerplate) {
  Error transfer = MavenFailureError(
      "[ERROR] Failed to execute goal on project resolve: Could not resolve dependencies for "
      "project dev.sluice.resolve:resolve:pom:1: The following artifacts could not be resolved: "
      "a.b:c:jar:1.0: Could not transfer artifact a.b:c:jar:1.0 from/to sluice "
      "(https://127.0.0.1:9/): Connection refused -> [Help 1]\n[ERROR] \n[ERROR] Re-run Maven "
      "using the -X switch to enable full debug logging.\n",
      1, "https://127.0.0.1:9/");
  EXPECT_EQ(transfer.code, ErrorCode::DEPENDENCY_RESOLVE_FAILED) << "unreachable is not missing";
  EXPECT_EQ(transfer.message.rfind("Maven failed: Could not resolve dependencies", 0), 0u)
      << transfer.message;
  EXPECT_NE(transfer.message.find("Connection refused"), std::string::npos);
  EXPECT_EQ(transfer.message.find("[Help"), std::string::npos);
  EXPECT_EQ(transfer.message.find("Failed to execute goal"), std::string::npos);

  Error plugin = MavenFailureError(
      "[ERROR] Plugin org.apache.maven.plugins:maven-dependency-plugin:3.8.1 or one of its "
      "dependencies could not be resolved: Failed to read artifact descriptor -> [Help 1]\n",
      1, kMavenCentral);
  EXPECT_EQ(plugin.code, ErrorCode::DEPENDENCY_RESOLVE_FAILED);
  EXPECT_NE(plugin.message.find("maven-dependency-plugin"), std::string::npos);

  Error silent = MavenFailureError("", 137, kMavenCentral);
  EXPECT_EQ(silent.code, ErrorCode::DEPENDENCY_RESOLVE_FAILED);
  EXPECT_NE(silent.message.find("137"), std::string::npos);
}

// ---- the resolver with a fake Maven

class MavenResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("sluice-maven-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "m2");
    options_.cache_dir = (dir_ / "cache").string();
    options_.local_repository = (dir_ / "m2").string();
    WriteAll(dir_ / "m2/mysql-connector-j-8.4.0.jar", "PK mysql bytes");
    WriteAll(dir_ / "m2/protobuf-java-3.25.1.jar", "PK protobuf bytes");
    WriteAll(dir_ / "m2/other/protobuf-java-3.25.1.jar", "PK a second one");
    WriteAll(dir_ / "m2/junit-4.13.jar", "PK test scope");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A runner that "resolves" by writing `listing` as deps.txt (with $M2 replaced), and records
  // what it was asked to run.
  ProcessRunner Fake(std::string listing, int exit_code = 0, std::string output = "") {
    return [this, listing, exit_code, output](
               const flink::SpawnSpec& spec, std::chrono::milliseconds timeout,
               const std::atomic<bool>*) -> Result<flink::RunResult> {
      ++runs_;
      last_spec_ = spec;
      last_timeout_ = timeout;
      pom_ = ReadAll(fs::path(spec.working_dir) / "pom.xml");
      settings_ = ReadAll(fs::path(spec.working_dir) / "settings.xml");
      std::string text = listing;
      for (size_t at; (at = text.find("$M2")) != std::string::npos;) {
        text.replace(at, 3, (dir_ / "m2").string());
      }
      if (exit_code == 0) WriteAll(fs::path(spec.working_dir) / "deps.txt", text);
      flink::RunResult result;
      result.exit_code = exit_code;
      result.output = output;
      return result;
    };
  }

  static constexpr char kListing[] =
      "\nThe following files have been resolved:\n"
      "   com.mysql:mysql-connector-j:jar:8.4.0:compile:$M2/mysql-connector-j-8.4.0.jar -- module "
      "x\n"
      "   com.google.protobuf:protobuf-java:jar:3.25.1:compile:$M2/protobuf-java-3.25.1.jar\n";

  fs::path dir_;
  ResolveOptions options_;
  int runs_ = 0;
  flink::SpawnSpec last_spec_;
  std::chrono::milliseconds last_timeout_{0};
  std::string pom_;
  std::string settings_;
};

TEST_F(MavenResolverTest, RunsMavenOnceAndAnswersTheSameRequestFromTheCache) {
  MvnResolver resolver("/opt/maven/bin/mvn", Fake(kListing));
  auto first = resolver.Resolve({Coordinate("com.mysql:mysql-connector-j:8.4.0")}, options_);
  ASSERT_TRUE(first.ok()) << first.error().message << first.error().internal_detail;
  EXPECT_EQ(runs_, 1);
  EXPECT_FALSE(first->from_cache);
  ASSERT_EQ(first->artifacts.size(), 2u);
  // Sorted by group: protobuf first.
  EXPECT_EQ(first->artifacts[0].coordinate.artifact, "protobuf-java");
  EXPECT_FALSE(first->artifacts[0].direct);
  EXPECT_TRUE(first->artifacts[1].direct);
  EXPECT_EQ(first->artifacts[1].path, first->folder + "/mysql-connector-j-8.4.0.jar");
  EXPECT_EQ(ReadAll(first->artifacts[1].path), "PK mysql bytes") << "a copy in the cache";
  EXPECT_EQ(first->artifacts[1].size, 14u);
  EXPECT_EQ(first->artifacts[1].sha256, Sha256Hex("PK mysql bytes"));
  EXPECT_EQ(first->folder, (fs::absolute(options_.cache_dir) / first->cache_key).string());

  // What Maven was told.
  ASSERT_GE(last_spec_.argv.size(), 2u);
  EXPECT_EQ(last_spec_.argv[0], "/opt/maven/bin/mvn");
  auto has = [&](const std::string& arg) {
    return std::find(last_spec_.argv.begin(), last_spec_.argv.end(), arg) != last_spec_.argv.end();
  };
  for (const char* arg :
       {"-B", "-q", "-U", "-C", "-DincludeScope=runtime", "-DoutputAbsoluteArtifactFilename=true",
        "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:list"}) {
    EXPECT_TRUE(has(arg)) << arg;
  }
  EXPECT_EQ(last_timeout_, options_.timeout);
  EXPECT_NE(pom_.find("<artifactId>mysql-connector-j</artifactId>"), std::string::npos);
  EXPECT_NE(settings_.find("<localRepository>" + (dir_ / "m2").string()), std::string::npos);

  // The same request in another order with a duplicate: from the cache, Maven not run.
  auto again = resolver.Resolve({Coordinate("com.mysql:mysql-connector-j:8.4.0"),
                                 Coordinate("com.mysql:mysql-connector-j:8.4.0")},
                                options_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(runs_, 1);
  EXPECT_TRUE(again->from_cache);
  EXPECT_EQ(again->cache_key, first->cache_key);
  ASSERT_EQ(again->artifacts.size(), 2u);
  EXPECT_EQ(again->artifacts[1].path, first->artifacts[1].path);
  EXPECT_EQ(again->artifacts[1].sha256, first->artifacts[1].sha256);
  EXPECT_TRUE(again->artifacts[1].direct);

  // No work folders are left behind.
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(options_.cache_dir)) {
    ++entries;
    EXPECT_EQ(entry.path().filename().string().rfind(".tmp", 0), std::string::npos);
  }
  EXPECT_EQ(entries, 1);

  // refresh runs Maven again; a damaged cache (a file gone) too.
  ResolveOptions refresh = options_;
  refresh.refresh = true;
  ASSERT_TRUE(resolver.Resolve({Coordinate("com.mysql:mysql-connector-j:8.4.0")}, refresh).ok());
  EXPECT_EQ(runs_, 2);
  fs::remove(first->artifacts[0].path);
  auto repaired = resolver.Resolve({Coordinate("com.mysql:mysql-connector-j:8.4.0")}, options_);
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(runs_, 3);
  EXPECT_TRUE(fs::exists(repaired->artifacts[0].path));
}

TEST_F(MavenResolverTest, SnapshotsAreAlwaysResolvedAfresh) {
  MvnResolver resolver("mvn", Fake(kListing));
  ASSERT_TRUE(resolver.Resolve({Coordinate("com.example:lib:1.0-SNAPSHOT")}, options_).ok());
  ASSERT_TRUE(resolver.Resolve({Coordinate("com.example:lib:1.0-SNAPSHOT")}, options_).ok());
  EXPECT_EQ(runs_, 2);
}

TEST_F(MavenResolverTest, KeepsOnlyTheWantedScopesAndRenamesClashingFiles) {
  MvnResolver resolver(
      "mvn",
      Fake("The following files have been resolved:\n"
           "   com.google.protobuf:protobuf-java:jar:3.25.1:compile:$M2/protobuf-java-3.25.1.jar\n"
           "   org.other:protobuf-java:jar:3.25.1:runtime:$M2/other/protobuf-java-3.25.1.jar\n"
           "   junit:junit:jar:4.13:test:$M2/junit-4.13.jar\n"));
  auto resolved =
      resolver.Resolve({Coordinate("com.google.protobuf:protobuf-java:3.25.1")}, options_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  ASSERT_EQ(resolved->artifacts.size(), 2u) << "the test scope is left out";
  EXPECT_EQ(fs::path(resolved->artifacts[0].path).filename(),
            "com.google.protobuf-protobuf-java-3.25.1.jar");
  EXPECT_EQ(fs::path(resolved->artifacts[1].path).filename(), "org.other-protobuf-java-3.25.1.jar");
  EXPECT_EQ(ReadAll(resolved->artifacts[1].path), "PK a second one");

  ResolveOptions compile_only = options_;
  compile_only.scopes = {"compile"};
  auto compile =
      resolver.Resolve({Coordinate("com.google.protobuf:protobuf-java:3.25.1")}, compile_only);
  ASSERT_TRUE(compile.ok());
  EXPECT_EQ(compile->artifacts.size(), 1u);
}

TEST_F(MavenResolverTest, RefusesBadRequestsWithoutRunningMaven) {
  MvnResolver resolver("mvn", Fake(kListing));
  auto expect = [&](const std::vector<MavenCoordinate>& coordinates, const ResolveOptions& options,
                    ErrorCode code, const std::string& field) {
    auto resolved = resolver.Resolve(coordinates, options);
    ASSERT_FALSE(resolved.ok()) << field;
    EXPECT_EQ(resolved.error().code, code) << resolved.error().message;
    EXPECT_EQ(resolved.error().field, field) << resolved.error().message;
  };
  expect({}, options_, ErrorCode::DEPENDENCY_INVALID, "coordinates");
  MavenCoordinate bad = Coordinate("g:a:1");
  bad.version = "1.0</version><evil/>";
  expect({bad}, options_, ErrorCode::DEPENDENCY_INVALID, "coordinates");
  for (const char* url : {"ftp://repo.example", "https://user:pw@repo.example",
                          "https://repo.example/${x}", "https://repo example", ""}) {
    ResolveOptions o = options_;
    o.repository_url = url;
    expect({Coordinate("g:a:1")}, o, ErrorCode::DEPENDENCY_INVALID, "repository_url");
  }
  ResolveOptions no_cache = options_;
  no_cache.cache_dir = "";
  expect({Coordinate("g:a:1")}, no_cache, ErrorCode::DEPENDENCY_INVALID, "cache_dir");
  ResolveOptions scope = options_;
  scope.scopes = {"test"};
  expect({Coordinate("g:a:1")}, scope, ErrorCode::DEPENDENCY_INVALID, "scopes");
  ResolveOptions timeout = options_;
  timeout.timeout = std::chrono::milliseconds(0);
  expect({Coordinate("g:a:1")}, timeout, ErrorCode::DEPENDENCY_INVALID, "timeout");
  expect({Coordinate("g:a:1"), Coordinate("g:a:2")}, options_, ErrorCode::DEPENDENCY_CONFLICT,
         "coordinates");
  MavenCoordinate excluded = Coordinate("g:a:1");
  excluded.exclusions.emplace_back("x", "y");
  expect({Coordinate("g:a:1"), excluded}, options_, ErrorCode::DEPENDENCY_CONFLICT, "coordinates");
  EXPECT_EQ(runs_, 0);
  EXPECT_TRUE(resolver.Resolve({Coordinate("g:a:1"), Coordinate("g:a:jar:tests:2")}, options_).ok())
      << "another classifier is another artifact";
}

TEST_F(MavenResolverTest, MapsMavensFailures) {
  {
    MvnResolver resolver("mvn", Fake("", 1, kNotFoundOutput));
    auto resolved = resolver.Resolve({Coordinate("dev.sluice:no-such-artifact:1.0")}, options_);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().code, ErrorCode::DEPENDENCY_NOT_FOUND);
    EXPECT_NE(resolved.error().message.find("dev.sluice:no-such-artifact:jar:1.0"),
              std::string::npos);
  }
  {
    MvnResolver resolver("mvn",
                         [](const flink::SpawnSpec&, std::chrono::milliseconds,
                            const std::atomic<bool>*) -> Result<flink::RunResult> {
                           flink::RunResult result;
                           result.timed_out = true;
                           result.output = "[INFO] Downloading...";
                           return result;
                         });
    auto resolved = resolver.Resolve({Coordinate("g:a:1")}, options_);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().code, ErrorCode::DEPENDENCY_TIMEOUT);
  }
  {
    MvnResolver resolver("mvn",
                         [](const flink::SpawnSpec&, std::chrono::milliseconds,
                            const std::atomic<bool>*) -> Result<flink::RunResult> {
                           flink::RunResult result;
                           result.cancelled = true;
                           return result;
                         });
    auto resolved = resolver.Resolve({Coordinate("g:a:1")}, options_);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().code, ErrorCode::DEPENDENCY_RESOLVE_FAILED);
    EXPECT_NE(resolved.error().message.find("cancelled"), std::string::npos);
  }
  {
    // The real runner with a Maven that is not installed.
    MvnResolver resolver("/nonexistent/bin/mvn");
    auto resolved = resolver.Resolve({Coordinate("g:a:1")}, options_);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().code, ErrorCode::DEPENDENCY_RESOLVE_FAILED);
    EXPECT_NE(resolved.error().message.find("cannot be started"), std::string::npos);
  }
  {
    MvnResolver resolver("mvn", Fake("The following files have been resolved:\n   garbage\n"));
    auto resolved = resolver.Resolve({Coordinate("g:a:1")}, options_);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().code, ErrorCode::DEPENDENCY_RESOLVE_FAILED);
  }
  // Nothing half-done is cached.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.cache_dir, ec)) {
    ADD_FAILURE() << "left behind: " << entry.path();
  }
}

// ---- conflicts

TEST(MavenJarIdentity, ReadsArtifactAndVersionFromFileNames) {
  struct Case {
    const char* file;
    const char* artifact;
    const char* version;
  };
  for (const Case& c : std::vector<Case>{
           {"flink-connector-jdbc-3.3.0-1.20.jar", "flink-connector-jdbc", "3.3.0-1.20"},
           {"log4j-1.2-api-2.17.1.jar", "log4j-1.2-api", "2.17.1"},
           {"guava-32.1.2-jre.jar", "guava", "32.1.2-jre"},
           {"maven-assembly-plugin-2.2-beta-5.jar", "maven-assembly-plugin", "2.2-beta-5"},
           {"/some/folder/mysql-connector-j-8.0.33.jar", "mysql-connector-j", "8.0.33"},
           {"spring-core-5.3.9.RELEASE.jar", "spring-core", "5.3.9.RELEASE"},
           {"flink-sql-connector-kafka-3.2.0-1.19.jar", "flink-sql-connector-kafka", "3.2.0-1.19"},
           {"lib-1.0-SNAPSHOT.jar", "lib", "1.0-SNAPSHOT"},
       }) {
    auto identity = IdentifyJarByFileName(c.file, "src");
    ASSERT_TRUE(identity) << c.file;
    EXPECT_EQ(identity->artifact, c.artifact) << c.file;
    EXPECT_EQ(identity->version, c.version) << c.file;
    EXPECT_EQ(identity->group, "");
    EXPECT_EQ(identity->source, "src");
  }
  EXPECT_FALSE(IdentifyJarByFileName("my-job.jar", "x"));
  EXPECT_FALSE(IdentifyJarByFileName("udfs.jar", "x"));
}

TEST(MavenJarIdentity, ReadsPomProperties) {
  auto identity = ParsePomProperties(
      "#Generated by Maven\n#Tue\nartifactId=mysql-connector-j\ngroupId=com.mysql\r\n"
      "version=8.4.0\n",
      "jar x");
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->group, "com.mysql");
  EXPECT_EQ(identity->artifact, "mysql-connector-j");
  EXPECT_EQ(identity->version, "8.4.0");
  EXPECT_FALSE(ParsePomProperties("groupId=a\nartifactId=b\n", "x"));
}

TEST(MavenConflicts, FindsOneLibraryInTwoVersionsOncePerPair) {
  std::vector<JarIdentity> jars = {
      {"com.mysql", "mysql-connector-j", "8.4.0",
       "Maven: com.mysql:mysql-connector-j:8.4.0 (requested)"},
      {"", "mysql-connector-j", "8.0.33", "uploaded jar mysql-connector-j-8.0.33.jar"},
      {"", "mysql-connector-j", "8.0.33", "uploaded jar copy/mysql-connector-j-8.0.33.jar"},
      {"com.google.protobuf", "protobuf-java", "3.25.1", "Maven"},
      {"org.other", "protobuf-java", "2.0", "Maven"},  // another group: another library
      {"com.google.guava", "guava", "32.1.2-jre", "a"},
      {"com.google.guava", "guava", "32.1.2-jre", "b"},  // the same version: a duplicate
  };
  auto conflicts = FindConflicts(jars);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].group, "com.mysql");
  EXPECT_EQ(conflicts[0].artifact, "mysql-connector-j");
  EXPECT_EQ(conflicts[0].first.version, "8.4.0");
  EXPECT_EQ(conflicts[0].second.version, "8.0.33");
  EXPECT_EQ(conflicts[0].message,
            "two versions of com.mysql:mysql-connector-j: 8.4.0 (Maven: "
            "com.mysql:mysql-connector-j:8.4.0 (requested)) and 8.0.33 (uploaded jar "
            "mysql-connector-j-8.0.33.jar)");
  Error error = ConflictError(conflicts);
  EXPECT_EQ(error.code, ErrorCode::DEPENDENCY_CONFLICT);
  EXPECT_EQ(error.message, conflicts[0].message);

  Resolution resolution;
  ResolvedArtifact a;
  a.coordinate = ParseCoordinate("g:a:1").value();
  a.direct = true;
  resolution.artifacts.push_back(a);
  auto identities = IdentitiesOf(resolution);
  ASSERT_EQ(identities.size(), 1u);
  EXPECT_EQ(identities[0].source, "Maven: g:a:1 (requested)");
}

}  // namespace
}  // namespace sluice::resources
