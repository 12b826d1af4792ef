#include "system/credentials.h"

#include <gtest/gtest.h>

#include <set>

namespace sluice::system {
namespace {

TEST(Passwords, HashIsArgon2idSaltedAndVerifies) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horsf", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  auto again = HashPassword("correct horse");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*hash, *again) << "a fresh salt each time";
}

TEST(Passwords, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_FALSE(VerifyPassword("x", "x"));
  EXPECT_FALSE(VerifyPassword("x", "$argon2id$garbage"));
  EXPECT_FALSE(VerifyPassword("x", std::string(500, '$')));
}

TEST(Passwords, PolicyIsEightTo256Characters) {
  EXPECT_EQ(CheckPasswordPolicy("1234567").error().code, ErrorCode::WEAK_PASSWORD);
  EXPECT_EQ(CheckPasswordPolicy("").error().field, "password");
  EXPECT_EQ(CheckPasswordPolicy("short", "new_password").error().field, "new_password");
  EXPECT_TRUE(CheckPasswordPolicy("12345678").ok());
  EXPECT_TRUE(CheckPasswordPolicy(std::string(256, 'a')).ok());
  EXPECT_EQ(CheckPasswordPolicy(std::string(257, 'a')).error().code, ErrorCode::WEAK_PASSWORD);
  // The message never echoes the password.
  EXPECT_EQ(CheckPasswordPolicy("hunter2").error().message.find("hunter2"), std::string::npos);
}

TEST(Tokens, HavePrefix256RandomBitsAndOnlyTheirHashIsKept) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    NewToken token = GenerateToken(i % 2 ? TokenKind::kApi : TokenKind::kSession);
    EXPECT_EQ(token.secret.substr(0, 4), i % 2 ? "slt_" : "sls_");
    EXPECT_EQ(token.secret.size(), 4u + 43u) << "32 bytes in unpadded base64url";
    EXPECT_EQ(token.secret.find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 4),
              std::string::npos);
    EXPECT_EQ(token.hash, HashToken(token.secret));
    EXPECT_EQ(token.hash.size(), 64u);
    EXPECT_EQ(token.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(token.prefix, token.secret.substr(0, 8));
    EXPECT_TRUE(seen.insert(token.secret).second);
  }
  // SHA-256("abc"), a published test vector.
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Passwords, GeneratedOnesHaveTheLengthAndAnUnambiguousAlphabet) {
  std::string password = GeneratePassword();
  EXPECT_EQ(password.size(), 20u);
  EXPECT_EQ(password.find_first_of("0O1lI"), std::string::npos);
  EXPECT_NE(GeneratePassword(), password);
  EXPECT_TRUE(CheckPasswordPolicy(password).ok());
}

}  // namespace
}  // namespace sluice::system
