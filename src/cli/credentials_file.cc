#include "cli/credentials_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sluice::cli {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> NonEmpty(const EnvLookup& env, const char* name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

ApiError FileError(std::string_view what, const fs::path& path, int err) {
  return ApiError::Local(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
}

// Creates `dir` and missing parents with mode 0700 (existing folders are left as they are).
ApiStatus MakeFolders(const fs::path& dir) {
  if (dir.empty()) return ApiOk();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return ApiError::Local(fmt::format("{} exists and is not a folder", dir.string()));
    }
    return ApiOk();
  }
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    auto parent = MakeFolders(dir.parent_path());
    if (!parent.ok()) return parent;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return FileError("create the folder", dir, errno);
  }
  return ApiOk();
}

}  // namespace

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

ApiResult<fs::path> CredentialsPath(const EnvLookup& env) {
  if (auto dir = NonEmpty(env, "SLUICE_CONFIG_DIR")) return fs::path(*dir) / "credentials.json";
  if (auto dir = NonEmpty(env, "XDG_CONFIG_HOME")) {
    return fs::path(*dir) / "sluice" / "credentials.json";
  }
  if (auto home = NonEmpty(env, "HOME")) {
    return fs::path(*home) / ".config" / "sluice" / "credentials.json";
  }
  return ApiError::Local(
      "cannot tell where to keep the saved login: set SLUICE_CONFIG_DIR, XDG_CONFIG_HOME or HOME");
}

ApiResult<std::optional<SavedCredentials>> LoadCredentials(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<SavedCredentials>();
    return FileError("read", path, errno);
  }
  struct stat st {};
  bool too_open = ::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0;
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return FileError("read", path, err);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > (1u << 20)) break;  // not ours: the parse below rejects it
  }
  ::close(fd);
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto field = [&](const char* key) -> std::optional<std::string> {
    if (!json.is_object()) return std::nullopt;
    auto it = json.find(key);
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto server = field("server");
  auto token = field("token");
  if (json.is_discarded() || !server || !token || server->empty() || token->empty()) {
    return ApiError::Local(fmt::format(
        "the saved login in {} is damaged; delete the file and run `sluice login`", path.string()));
  }
  SavedCredentials saved;
  saved.server = *server;
  saved.token = *token;
  saved.username = field("username").value_or("");
  saved.expires_at = field("expires_at").value_or("");
  saved.readable_by_others = too_open;
  return std::optional<SavedCredentials>(std::move(saved));
}

ApiStatus SaveCredentials(const fs::path& path, const SavedCredentials& credentials) {
  auto folders = MakeFolders(path.parent_path());
  if (!folders.ok()) return folders;
  Json json = {{"server", credentials.server},
               {"token", credentials.token},
               {"username", credentials.username},
               {"expires_at", credentials.expires_at}};
  std::string text = json.dump(2) + "\n";

  fs::path temp = path;
  temp += fmt::format(".tmp.{}", ::getpid());
  ::unlink(temp.c_str());  // a leftover of a crashed run
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return FileError("create", temp, errno);
  auto fail = [&](std::string_view what) {
    int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return FileError(what, temp, err);
  };
  // The umask may only remove bits, but be explicit: owner read and write, nobody else.
  if (::fchmod(fd, 0600) != 0) return fail("set the mode of");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("write");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return FileError("write", temp, err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return FileError("replace", path, err);
  }
  return ApiOk();
}

ApiResult<bool> RemoveCredentials(const fs::path& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return FileError("delete", path, errno);
}

}  // namespace sluice::cli
