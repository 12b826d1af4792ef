#include "common/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace sluice {
namespace {

constexpr std::string_view kPrefix = "sb1:";

Error KeyError(const std::string& path, const std::string& why) {
  return Error(ErrorCode::INTERNAL, "the secret key of this server cannot be used", "",
               path + ": " + why);
}

}  // namespace

Result<std::unique_ptr<SecretBox>> SecretBox::OpenOrCreate(const std::string& key_path) {
  if (sodium_init() < 0) return KeyError(key_path, "libsodium cannot start");
  Key key{};
  int fd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    randombytes_buf(key.data(), key.size());
    bool written =
        ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    if (!written) {
      // A partial key file would refuse every later start; remove it so the next try makes one.
      ::unlink(key_path.c_str());
      return KeyError(key_path, std::string("cannot write: ") + std::strerror(saved));
    }
    auto box = std::make_unique<SecretBox>(key);
    sodium_memzero(key.data(), key.size());
    return box;
  }
  if (errno != EEXIST)
    return KeyError(key_path, std::string("cannot create: ") + std::strerror(errno));
  fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return KeyError(key_path, std::string("cannot open: ") + std::strerror(errno));
  // A key others can read is no secret: take their access away (the file is ours).
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) ::fchmod(fd, 0600);
  unsigned char buffer[kKeyBytes + 1];
  size_t got = 0;
  while (got < sizeof buffer) {
    ssize_t n = ::read(fd, buffer + got, sizeof buffer - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != kKeyBytes) {
    sodium_memzero(buffer, sizeof buffer);
    return KeyError(key_path, "the key file does not hold exactly 32 bytes");
  }
  std::memcpy(key.data(), buffer, kKeyBytes);
  sodium_memzero(buffer, sizeof buffer);
  auto box = std::make_unique<SecretBox>(key);
  sodium_memzero(key.data(), key.size());
  return box;
}

SecretBox::SecretBox(const Key& key) : key_(key) {
  // Idempotent and thread-safe; Seal's randombytes_buf needs it.
  if (sodium_init() < 0) std::abort();
}

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                 plaintext.size());
  unsigned char* nonce = box.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, key_.data());
  std::string out(sodium_base64_ENCODED_LEN(box.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), box.data(), box.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return std::string(kPrefix) + out;
}

Result<std::string> SecretBox::Unseal(std::string_view sealed) const {
  auto fail = [](const char* why) {
    return Error(ErrorCode::INTERNAL, "a stored secret cannot be read", "", why);
  };
  if (!LooksSealed(sealed)) return fail("not sealed text");
  std::string_view encoded = sealed.substr(kPrefix.size());
  std::vector<unsigned char> box(encoded.size());
  size_t length = 0;
  if (sodium_base642bin(box.data(), box.size(), encoded.data(), encoded.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return fail("bad base64");
  }
  if (length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return fail("too short");
  std::string plaintext(length - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()),
                                 box.data() + crypto_secretbox_NONCEBYTES,
                                 length - crypto_secretbox_NONCEBYTES, box.data(),
                                 key_.data()) != 0) {
    return fail("authentication failed (damaged, or sealed with another key)");
  }
  return plaintext;
}

bool SecretBox::LooksSealed(std::string_view text) {
  return text.substr(0, kPrefix.size()) == kPrefix;
}

}  // namespace sluice
