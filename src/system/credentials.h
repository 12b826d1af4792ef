// Password hashing (argon2id) and bearer tokens: the only place secrets are made or checked.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::system {

// WEAK_PASSWORD unless 8 to 256 characters.
Status CheckPasswordPolicy(std::string_view password, std::string_view field = "password");

// An argon2id hash string (libsodium crypto_pwhash_str, interactive limits), salt included.
// INTERNAL only when the machine is out of memory.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash`. False for a malformed hash (e.g. a seeded test user).
bool VerifyPassword(std::string_view password, const std::string& hash);

// Spends the same time as VerifyPassword against a real hash, for unknown user names, so the
// answer time does not reveal whether a name exists.
void VerifyAgainstDummyHash(std::string_view password);

enum class TokenKind { kSession, kApi };
std::string_view TokenKindName(TokenKind kind);  // "session" | "api"

struct NewToken {
  std::string secret;  // "sls_..." or "slt_...": shown to the user once, never stored
  std::string hash;    // lower-case hex SHA-256 of the secret: what the store keeps
  std::string prefix;  // the first 8 characters, to tell tokens apart in lists
};

// 256 random bits, base64url, with the kind's prefix.
NewToken GenerateToken(TokenKind kind);
// Hex SHA-256 of a presented token.
std::string HashToken(std::string_view secret);

// A random password of `length` characters from an unambiguous alphabet.
std::string GeneratePassword(size_t length = 20);

}  // namespace sluice::system
