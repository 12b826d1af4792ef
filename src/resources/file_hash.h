// SHA-256 of files and byte strings (libsodium), as lowercase hex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::resources {

struct FileDigest {
  uint64_t size = 0;
  std::string sha256;  // 64 lowercase hex digits
};

// Reads the file in blocks. INTERNAL (path in internal_detail) when it cannot be read.
Result<FileDigest> Sha256OfFile(const std::string& path);
// The digest of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace sluice::resources
