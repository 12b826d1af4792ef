// The real Maven against Maven Central (needs `mvn` and the network to repo.maven.apache.org).
// Excluded from the unit stage (*Live*); the test runner has a stage for MavenLive*.
//
// Maven's local repository is the user's (~/.m2/repository), as in production, so a second run
// of the suite downloads nothing; the cache folder is fresh for each test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "resources/file_hash.h"
#include "resources/maven_resolver.h"

namespace sluice::resources {
namespace {

namespace fs = std::filesystem;

class MavenLive : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("sluice-maven-live-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    options_.cache_dir = (dir_ / "cache").string();
    options_.timeout = std::chrono::minutes(5);
  }
  void TearDown() override { fs::remove_all(dir_); }

  const ResolvedArtifact* Find(const Resolution& resolution, const std::string& artifact) {
    for (const auto& a : resolution.artifacts) {
      if (a.coordinate.artifact == artifact) return &a;
    }
    return nullptr;
  }

  fs::path dir_;
  ResolveOptions options_;
  MvnResolver resolver_;
};

TEST_F(MavenLive, ResolvesTransitivelyThenAnswersFromTheCache) {
  auto mysql = ParseCoordinate("com.mysql:mysql-connector-j:8.4.0").value();
  auto first = resolver_.Resolve({mysql}, options_);
  ASSERT_TRUE(first.ok()) << first.error().message << "\n" << first.error().internal_detail;
  EXPECT_FALSE(first->from_cache);
  const ResolvedArtifact* connector = Find(*first, "mysql-connector-j");
  ASSERT_NE(connector, nullptr);
  EXPECT_TRUE(connector->direct);
  EXPECT_EQ(connector->coordinate.group, "com.mysql");
  EXPECT_EQ(connector->scope, "compile");
  EXPECT_GT(connector->size, 1'000'000u);
  EXPECT_TRUE(fs::exists(connector->path));
  EXPECT_EQ(connector->path.rfind(first->folder, 0), 0u) << "a copy in the cache folder";
  const ResolvedArtifact* protobuf = Find(*first, "protobuf-java");
  ASSERT_NE(protobuf, nullptr) << "protobuf comes along transitively";
  EXPECT_FALSE(protobuf->direct);
  EXPECT_EQ(protobuf->coordinate.group, "com.google.protobuf");

  auto second = resolver_.Resolve({mysql}, options_);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->cache_key, first->cache_key);
  ASSERT_EQ(second->artifacts.size(), first->artifacts.size());
  for (size_t i = 0; i < first->artifacts.size(); ++i) {
    EXPECT_EQ(second->artifacts[i].path, first->artifacts[i].path);
    EXPECT_EQ(second->artifacts[i].sha256, first->artifacts[i].sha256);
  }
}

TEST_F(MavenLive, AnExclusionLeavesTheLibraryOut) {
  auto mysql = ParseCoordinate("com.mysql:mysql-connector-j:8.4.0").value();
  mysql.exclusions.emplace_back("com.google.protobuf", "protobuf-java");
  auto resolved = resolver_.Resolve({mysql}, options_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message << "\n"
                             << resolved.error().internal_detail;
  EXPECT_NE(Find(*resolved, "mysql-connector-j"), nullptr);
  EXPECT_EQ(Find(*resolved, "protobuf-java"), nullptr);
}

// Sluice's own MySQL dialect for Flink 2.0 (connectors/jdbc-mysql) is on no repository:
// scripts/provision/jdbc-mysql.sh installs it into the local repository (the user's ~/.m2, as
// here), and the resolver finds it there even when the repository cannot be reached (a file URL
// that does not exist), as `make run` and the acceptance test rely on. Its Flink dependencies are
// `provided`, so it comes alone. (Run from the source tree, like every stage.)
TEST_F(MavenLive, SluicesOwnDialectResolvesFromTheLocalRepositoryWithoutTheNetwork) {
  std::string jar;
  FILE* pipe = ::popen("scripts/provision/jdbc-mysql.sh", "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) jar.append(buffer, n);
  ASSERT_EQ(::pclose(pipe), 0) << "scripts/provision/jdbc-mysql.sh failed (run from the repo root)";
  while (!jar.empty() && jar.back() == '\n') jar.pop_back();
  ASSERT_EQ(fs::path(jar).filename(), "sluice-connector-jdbc-mysql-1.0.0-2.0.jar") << jar;
  auto built = Sha256OfFile(jar);
  ASSERT_TRUE(built.ok()) << built.error().message;

  options_.repository_url = "file://" + (dir_ / "no-such-repository").string();
  auto dialect = ParseCoordinate("dev.sluice:sluice-connector-jdbc-mysql:1.0.0-2.0").value();
  auto resolved = resolver_.Resolve({dialect}, options_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message << "\n"
                             << resolved.error().internal_detail;
  ASSERT_EQ(resolved->artifacts.size(), 1u) << "flink-connector-jdbc-core and Flink are provided";
  const ResolvedArtifact& a = resolved->artifacts[0];
  EXPECT_EQ(a.coordinate.group, "dev.sluice");
  EXPECT_TRUE(a.direct);
  EXPECT_EQ(a.sha256, built->sha256) << "the jar jdbc-mysql.sh built";
}

TEST_F(MavenLive, AMissingArtifactIsNotFoundAndNamed) {
  auto missing = ParseCoordinate("dev.sluice.nonexistent:no-such-artifact:1.0").value();
  auto resolved = resolver_.Resolve({missing}, options_);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::DEPENDENCY_NOT_FOUND)
      << resolved.error().message << "\n"
      << resolved.error().internal_detail;
  EXPECT_NE(resolved.error().message.find("dev.sluice.nonexistent:no-such-artifact:jar:1.0"),
            std::string::npos)
      << resolved.error().message;
}

}  // namespace
}  // namespace sluice::resources
