// The real Maven against Maven Central (needs `mvn` and the network to repo.maven.apache.org).
// Excluded from the unit stage (*Live*); the test runner has a stage for MavenLive*.
//
// Maven's local repository is the user's (~/.m2/repository), as in production, so a second run
// of the suite downloads nothing; the cache folder is fresh for each test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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
