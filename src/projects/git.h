// Git for projects: the `git` command run as a child process with an argument list (never a
// shell), credentials handed over without touching argv or the URL:
//  - user and password (or token) for HTTPS: GIT_ASKPASS names a tiny helper script in a private
//    temporary folder (mode 0700) that prints $SLUICE_GIT_USERNAME / $SLUICE_GIT_PASSWORD, which
//    are set only in the child's environment;
//  - a private key for SSH: written 0600 in that folder, used through GIT_SSH_COMMAND with
//    IdentitiesOnly and BatchMode; host keys are trusted on first use into a known_hosts file of
//    the data folder.
// The folder is removed when the GitSession ends. Every run sets GIT_TERMINAL_PROMPT=0 (a missing
// credential fails instead of waiting for a terminal), disables credential helpers, and allows
// only the file, git, http, https and ssh transports (no `ext::`).
//
// The validation functions below decide what a project may hold; they name the field in their
// INVALID_ARGUMENT errors.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "flink/process.h"

namespace sluice::projects {

struct GitCredentials {
  std::string kind;      // "" (none) | "password" | "ssh_key"
  std::string username;  // kind password
  std::string secret;    // the password or token, or the private key (OpenSSH/PEM text)
};

// An HTTPS, HTTP, SSH (ssh://, or scp-like user@host:path), git:// or file:// URL, or an
// absolute local path. Refused: user:password@ in the URL (credentials go in `credentials`), a
// leading '-', whitespace and control characters, other transports (ext::, fd::).
Status ValidateGitUrl(std::string_view url);
// A branch, tag or commit name as git check-ref-format allows, at most 255 bytes.
Status ValidateRef(std::string_view ref);
// Maven arguments: an array of at most 64 strings, each an option (-Pname, -Dkey=value, -pl a,b,
// -U, --also-make...) or a plain word (a module list after -pl, a goal such as `clean`), made of
// letters, digits and - _ . : = , / + @ only. Anything a shell would interpret (; | & $ ` ( ) < >
// quotes, spaces) is refused, with the argument's index in the message; arguments that would
// replace what Sluice controls (-f/--file, -s/--settings, -gs, -l/--log-file, -Dmaven.repo.local)
// too. Maven is run with an argument list anyway: nothing is ever interpreted.
Status ValidateBuildArgs(const Json& args);
// The URL with any user info's password replaced by ******.
std::string MaskUrl(std::string_view url);

// What a failed git run means, from its output: GIT_AUTH_FAILED, GIT_UNREACHABLE or GIT_FAILED,
// with a message naming the (masked) URL and the gist of git's own words (masked by the caller).
Error ClassifyGitFailure(std::string_view output, std::string_view action, std::string_view url);

struct RemoteRefs {
  std::vector<std::string> branches;
  std::vector<std::string> tags;
  std::map<std::string, std::string> commits;  // "refs/heads/main" -> sha
};
// Parses `git ls-remote --heads --tags` output.
RemoteRefs ParseLsRemote(std::string_view output);

// A run of git (or Maven) with the session's environment. Output chunks go to `on_output` as
// they come, already masked line by line (see LineMasker).
class GitSession {
 public:
  // Makes the private folder and writes the helper or the key. `known_hosts`: the file SSH
  // records host keys in. INTERNAL when the folder or files cannot be written.
  static Result<std::unique_ptr<GitSession>> Open(const GitCredentials& credentials,
                                                  const std::string& known_hosts);
  ~GitSession();
  GitSession(const GitSession&) = delete;
  GitSession& operator=(const GitSession&) = delete;

  // Environment for the child: GIT_ASKPASS/GIT_SSH_COMMAND and the credentials, prompts off.
  const std::map<std::string, std::string>& env() const { return env_; }
  // The values to mask in every output (password, key lines).
  const std::vector<std::string>& secrets() const { return secrets_; }

  // `git ls-remote --heads --tags URL`. GIT_* errors as ClassifyGitFailure says; a timeout is
  // GIT_UNREACHABLE.
  Result<RemoteRefs> LsRemote(const std::string& url, std::chrono::milliseconds timeout,
                              const std::atomic<bool>* cancel = nullptr);

 private:
  GitSession() = default;
  std::string dir_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> secrets_;
};

// The fixed options every git invocation starts with (after "git").
std::vector<std::string> GitBaseArgs();

// Masks secrets in output that arrives in chunks: only whole lines are masked and passed on, so a
// secret split between two chunks is still masked. Flush() passes on the last partial line.
class LineMasker {
 public:
  LineMasker(std::vector<std::string> secrets, std::function<void(std::string_view)> sink)
      : secrets_(std::move(secrets)), sink_(std::move(sink)) {}
  void Add(std::string_view chunk);
  void Flush();

 private:
  std::vector<std::string> secrets_;
  std::function<void(std::string_view)> sink_;
  std::string pending_;
};

}  // namespace sluice::projects
