#include "system/credentials.h"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace sluice::system {
namespace {

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

std::string ToHex(const unsigned char* data, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}

}  // namespace

Status CheckPasswordPolicy(std::string_view password, std::string_view field) {
  if (password.size() < 8 || password.size() > 256) {
    return Error(ErrorCode::WEAK_PASSWORD, "the password must have 8 to 256 characters",
                 std::string(field));
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Error(ErrorCode::INTERNAL, "could not hash the password", "",
                 "crypto_pwhash_str failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  EnsureSodium();
  if (hash.size() >= crypto_pwhash_STRBYTES || hash.rfind("$argon2", 0) != 0) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void VerifyAgainstDummyHash(std::string_view password) {
  static const std::string dummy = HashPassword("dummy-password-for-timing").value();
  (void)VerifyPassword(password, dummy);
}

std::string_view TokenKindName(TokenKind kind) {
  return kind == TokenKind::kSession ? "session" : "api";
}

NewToken GenerateToken(TokenKind kind) {
  EnsureSodium();
  unsigned char random[32];
  randombytes_buf(random, sizeof(random));
  char encoded[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof(encoded), random, sizeof(random),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  NewToken token;
  token.secret = std::string(kind == TokenKind::kSession ? "sls_" : "slt_") + encoded;
  token.hash = HashToken(token.secret);
  token.prefix = token.secret.substr(0, 8);
  sodium_memzero(random, sizeof(random));
  return token;
}

std::string HashToken(std::string_view secret) {
  EnsureSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return ToHex(digest, sizeof(digest));
}

std::string GeneratePassword(size_t length) {
  EnsureSodium();
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    out.push_back(kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))]);
  }
  return out;
}

}  // namespace sluice::system
