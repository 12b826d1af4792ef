// Secrets at rest: libsodium's crypto_secretbox (XSalsa20-Poly1305) with one 32-byte key kept in a
// file of the data folder (`<data_dir>/secret.key`, mode 0600, created on first use).
//
// Used for whatever Sluice must store but never show: secret team variables, Git credentials,
// alert channel secrets. Sealed text is "sb1:" + base64(nonce || ciphertext), so it fits in a TEXT
// column and a later scheme can use another prefix. Losing the key file makes every sealed value
// unreadable: back it up with the database (docs/operations.md).
//
// Thread-safe once constructed (the key is only read).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  using Key = std::array<unsigned char, kKeyBytes>;

  // Reads the key at `key_path`; when the file does not exist, creates it (O_EXCL, mode 0600, 32
  // random bytes, fsync) so two processes starting at once agree on one key. INTERNAL (path and
  // reason in internal_detail) when the file cannot be made or read, or does not hold exactly 32
  // bytes: an existing key file is never overwritten. An existing file readable by others is made
  // 0600.
  static Result<std::unique_ptr<SecretBox>> OpenOrCreate(const std::string& key_path);

  explicit SecretBox(const Key& key);
  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  // Encrypts with a fresh random nonce: the same plaintext seals differently each time.
  std::string Seal(std::string_view plaintext) const;
  // Decrypts what Seal made with this key. INTERNAL (the reason only in internal_detail) for text
  // that is not sealed, is damaged, or was sealed with another key.
  Result<std::string> Unseal(std::string_view sealed) const;
  // Whether `text` has the shape of sealed text (the prefix); says nothing about the key.
  static bool LooksSealed(std::string_view text);

 private:
  Key key_;
};

}  // namespace sluice
