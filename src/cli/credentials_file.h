// The saved login of the command-line client: one JSON file holding the server URL, the session
// token, the user name and when the session expires. The file is created with mode 0600 in a
// folder created with mode 0700; the token is never printed or logged.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "cli/api_client.h"

namespace sluice::cli {

struct SavedCredentials {
  std::string server;  // normalized, e.g. "http://127.0.0.1:8765"
  std::string token;   // the secret
  std::string username;
  std::string expires_at;  // RFC 3339, may be empty when the server did not say
  // Not saved: set by LoadCredentials when the file's mode lets others read it.
  bool readable_by_others = false;
};

// Reads an environment variable; nullopt when unset. Injected so tests control the environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment.
std::optional<std::string> ProcessEnv(const std::string& name);

// Where the file lives: $SLUICE_CONFIG_DIR/credentials.json, else
// $XDG_CONFIG_HOME/sluice/credentials.json, else $HOME/.config/sluice/credentials.json
// (empty variables count as unset). kLocal error when none of them is set.
ApiResult<std::filesystem::path> CredentialsPath(const EnvLookup& env);

// Reads the file. nullopt when it does not exist; kLocal error when it cannot be read or is not
// the expected JSON (the message names the file and never quotes its content).
ApiResult<std::optional<SavedCredentials>> LoadCredentials(const std::filesystem::path& path);

// Replaces the file atomically: writes a temporary file created with open(O_CREAT|O_EXCL, 0600)
// and fchmod(0600) beside it, fsyncs it and renames it over `path`. Missing parent folders are
// created with mode 0700. kLocal error on failure.
ApiStatus SaveCredentials(const std::filesystem::path& path, const SavedCredentials& credentials);

// Deletes the file; true when there was one.
ApiResult<bool> RemoveCredentials(const std::filesystem::path& path);

}  // namespace sluice::cli
