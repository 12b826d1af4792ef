#include "system/system_module.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "system/system_test_fixture.h"

namespace sluice::system {
namespace {

using testing::Answer;

class BootstrapTest : public testing::SystemTest {
 protected:
  bool BootstrapOnSetUp() override { return false; }
  std::filesystem::path PasswordFile() const { return dir_ / "admin-password"; }
};

TEST_F(BootstrapTest, FirstStartGeneratesAPasswordPrintsItOnceAndSavesItOwnerOnly) {
  ::testing::internal::CaptureStdout();
  ASSERT_TRUE(module_->Bootstrap(std::nullopt).ok());
  std::string printed = ::testing::internal::GetCapturedStdout();

  std::ifstream in(PasswordFile());
  std::string password;
  std::getline(in, password);
  EXPECT_EQ(password.size(), 20u);
  EXPECT_NE(printed.find("'admin' with the password: " + password), std::string::npos) << printed;
  struct stat info {};
  ASSERT_EQ(::stat(PasswordFile().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);

  EXPECT_FALSE(Login("admin", password).empty());
  Answer me = Call("GET", "/api/v1/me", nullptr, Login("admin", password));
  EXPECT_TRUE(me.json["is_admin"].get<bool>());
  ASSERT_EQ(me.json["teams"].size(), 1u);
  EXPECT_EQ(me.json["teams"][0]["name"], "default");
  EXPECT_EQ(me.json["teams"][0]["role"], "owner");
}

TEST_F(BootstrapTest, LaterStartsChangeNothing) {
  ::testing::internal::CaptureStdout();
  ASSERT_TRUE(module_->Bootstrap(std::string("first-password")).ok());
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "") << "a given password is not printed";
  EXPECT_FALSE(std::filesystem::exists(PasswordFile()));
  auto hash = db_->Query("SELECT password_hash FROM users WHERE username = 'admin'");

  ::testing::internal::CaptureStdout();
  ASSERT_TRUE(module_->Bootstrap(std::string("second-password")).ok());
  ASSERT_TRUE(module_->Bootstrap(std::nullopt).ok());
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  EXPECT_FALSE(std::filesystem::exists(PasswordFile()));
  EXPECT_EQ(CountRows("users"), 1);
  EXPECT_EQ(CountRows("teams"), 1);
  EXPECT_EQ(CountRows("team_members"), 1);
  auto after = db_->Query("SELECT password_hash FROM users WHERE username = 'admin'");
  EXPECT_EQ(after->Text(0, "password_hash"), hash->Text(0, "password_hash"));
  EXPECT_FALSE(Login("admin", "first-password").empty());
}

TEST_F(BootstrapTest, AWeakGivenPasswordIsRefusedAndCreatesNothing) {
  Status status = module_->Bootstrap(std::string("short"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::WEAK_PASSWORD);
  EXPECT_EQ(status.error().message.find("short"), std::string::npos);
  EXPECT_EQ(CountRows("users"), 0);
}

}  // namespace
}  // namespace sluice::system
