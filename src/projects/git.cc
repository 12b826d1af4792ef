#include "projects/git.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include "http/answers.h"
#include "resources/variables.h"

namespace sluice::projects {

namespace fs = std::filesystem;

namespace {

Error Invalid(std::string_view field, std::string message) {
  return Error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::string(field));
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Writes `content` to a new file with `mode` (O_EXCL: the folder is ours alone).
Status WritePrivateFile(const std::string& path, std::string_view content, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return Error(ErrorCode::INTERNAL, "cannot prepare the Git credentials", "", path);
  }
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ::close(fd);
      return Error(ErrorCode::INTERNAL, "cannot prepare the Git credentials", "", path);
    }
    written += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);
  ::close(fd);
  return Status::Ok();
}

// The few lines of git's output that say what went wrong ("fatal: ...", "remote: ...").
std::string Gist(std::string_view output) {
  std::istringstream lines{std::string(output)};
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    if (StartsWith(line, "fatal:") || StartsWith(line, "error:") || StartsWith(line, "remote:") ||
        line.find("Permission denied") != std::string::npos ||
        line.find("Host key verification failed") != std::string::npos ||
        line.find("Could not resolve") != std::string::npos ||
        line.find("Connection refused") != std::string::npos) {
      if (!out.empty()) out += " | ";
      out += line;
      if (out.size() > 600) break;
    }
  }
  if (out.empty()) {
    std::string_view tail = output.size() > 300 ? output.substr(output.size() - 300) : output;
    out = std::string(tail);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

Status ValidateGitUrl(std::string_view url) {
  constexpr std::string_view kField = "git_url";
  if (url.empty() || url.size() > 2048) {
    return Invalid(kField, "field 'git_url' must be a Git URL of at most 2048 characters");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Invalid(kField, "field 'git_url' holds whitespace or a control character");
    }
  }
  if (url.front() == '-') return Invalid(kField, "field 'git_url' must not start with '-'");
  const std::string text(url);
  static const std::regex kScheme(R"(^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$)");
  std::smatch m;
  if (std::regex_match(text, m, kScheme)) {
    std::string scheme = m[1].str();
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "https" && scheme != "http" && scheme != "ssh" && scheme != "git" &&
        scheme != "file") {
      return Invalid(kField, fmt::format("field 'git_url' uses the unsupported scheme '{}': use "
                                         "https, http, ssh, git or file",
                                         http::Echo(scheme)));
    }
    std::string rest = m[2].str();
    std::string authority = rest.substr(0, rest.find('/'));
    size_t at = authority.rfind('@');
    if (at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos) {
      return Invalid(kField,
                     "field 'git_url' holds a password (user:password@): give it in "
                     "'credentials' instead, where it is stored encrypted");
    }
    if (scheme != "file" && (authority.empty() || authority.substr(at + 1).empty())) {
      return Invalid(kField, "field 'git_url' has no host");
    }
    return Status::Ok();
  }
  if (url.front() == '/') return Status::Ok();  // a local repository
  if (url.find("::") != std::string_view::npos) {
    return Invalid(kField, "field 'git_url' names a transport Sluice does not allow");
  }
  // scp-like: [user@]host:path
  static const std::regex kScp(R"(^([A-Za-z0-9._~-]+@)?[A-Za-z0-9._-]+:[^:].*$)");
  if (std::regex_match(text, kScp)) return Status::Ok();
  return Invalid(kField,
                 "field 'git_url' must be an https://, http://, ssh://, git:// or file:// URL, "
                 "user@host:path, or an absolute path");
}

Status ValidateRef(std::string_view ref) {
  constexpr std::string_view kField = "ref";
  if (ref.empty() || ref.size() > 255) {
    return Invalid(kField, "field 'ref' must be a branch, tag or commit of 1 to 255 characters");
  }
  static const std::regex kRef(R"(^[A-Za-z0-9_][A-Za-z0-9_./+-]*$)");
  std::string text(ref);
  if (!std::regex_match(text, kRef) || text.find("..") != std::string::npos ||
      text.find("//") != std::string::npos || text.back() == '/' || text.back() == '.' ||
      (text.size() >= 5 && text.compare(text.size() - 5, 5, ".lock") == 0)) {
    return Invalid(kField, fmt::format("field 'ref' is not a valid branch or tag name: '{}'",
                                       http::Echo(ref)));
  }
  return Status::Ok();
}

Status ValidateBuildArgs(const Json& args) {
  constexpr std::string_view kField = "build_args";
  if (!args.is_array() || args.size() > 64) {
    return Invalid(kField, "field 'build_args' must be an array of at most 64 Maven arguments");
  }
  static const std::regex kPlain(R"(^[A-Za-z0-9_.:=,/+@-]+$)");
  static const std::vector<std::string> kOwned = {
      "-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-l", "--log-file"};
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].is_string()) {
      return Invalid(kField, fmt::format("build_args[{}] must be a string", i));
    }
    std::string arg = args[i].get<std::string>();
    if (arg.empty() || arg.size() > 512 || !std::regex_match(arg, kPlain)) {
      return Invalid(kField,
                     fmt::format("build_args[{}] '{}' is not a plain Maven argument: use options "
                                 "such as -Pprofile, -Dkey=value or -pl module (letters, digits "
                                 "and - _ . : = , / + @ only; nothing is passed to a shell)",
                                 i, http::Echo(arg)));
    }
    for (const std::string& owned : kOwned) {
      if (arg == owned || StartsWith(arg, owned + "=")) {
        return Invalid(kField, fmt::format("build_args[{}] '{}' is set by Sluice (use "
                                           "'maven_settings' for a settings.xml)",
                                           i, http::Echo(arg)));
      }
    }
    if (StartsWith(arg, "-Dmaven.repo.local")) {
      return Invalid(kField,
                     fmt::format("build_args[{}]: the Maven repository is set by Sluice", i));
    }
  }
  return Status::Ok();
}

std::string MaskUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t start = scheme + 3;
  size_t end = url.find('/', start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  size_t colon = authority.find(':');
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, start + colon + 1));
  out += "******";
  out += url.substr(start + at);
  return out;
}

Error ClassifyGitFailure(std::string_view output, std::string_view action, std::string_view url) {
  const std::string shown = MaskUrl(url);
  const std::string gist = Gist(output);
  auto has = [&](std::string_view needle) { return output.find(needle) != std::string_view::npos; };
  if (has("Authentication failed") || has("could not read Username") ||
      has("could not read Password") || has("Permission denied") ||
      has("Invalid username or password") || has("HTTP Basic: Access denied") ||
      has("The requested URL returned error: 401") ||
      has("The requested URL returned error: 403") || has("Host key verification failed")) {
    return Error(ErrorCode::GIT_AUTH_FAILED,
                 fmt::format("Git authentication failed for {} while {}: check the project's "
                             "credentials ({})",
                             shown, action, gist),
                 "credentials");
  }
  if (has("Could not resolve host") || has("Connection refused") || has("Failed to connect") ||
      has("Connection timed out") || has("Could not read from remote repository") ||
      has("does not appear to be a git repository") || has("not found") ||
      has("No route to host") || has("unable to access")) {
    return Error(
        ErrorCode::GIT_UNREACHABLE,
        fmt::format("the Git repository {} cannot be reached while {}: {}", shown, action, gist),
        "git_url");
  }
  return Error(ErrorCode::GIT_FAILED, fmt::format("git failed while {}: {}", action, gist));
}

RemoteRefs ParseLsRemote(std::string_view output) {
  RemoteRefs refs;
  std::istringstream lines{std::string(output)};
  std::string line;
  while (std::getline(lines, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos || tab < 7) continue;
    std::string sha = line.substr(0, tab);
    std::string name = line.substr(tab + 1);
    bool peeled = name.size() > 3 && name.compare(name.size() - 3, 3, "^{}") == 0;
    if (peeled) name.resize(name.size() - 3);
    if (StartsWith(name, "refs/heads/")) {
      if (!refs.commits.count(name)) refs.branches.push_back(name.substr(11));
    } else if (StartsWith(name, "refs/tags/")) {
      if (!refs.commits.count(name)) refs.tags.push_back(name.substr(10));
    } else {
      continue;
    }
    // The peeled line (a tag's commit) wins over the tag object.
    if (peeled || !refs.commits.count(name)) refs.commits[name] = sha;
  }
  return refs;
}

std::vector<std::string> GitBaseArgs() {
  return {"git",           "-c", "credential.helper=",       "-c", "protocol.ext.allow=never", "-c",
          "core.askPass=", "-c", "advice.detachedHead=false"};
}

Result<std::unique_ptr<GitSession>> GitSession::Open(const GitCredentials& credentials,
                                                     const std::string& known_hosts) {
  std::unique_ptr<GitSession> session(new GitSession());
  session->env_ = {{"GIT_TERMINAL_PROMPT", "0"},
                   {"GIT_ALLOW_PROTOCOL", "file:git:http:https:ssh"},
                   {"GIT_CONFIG_NOSYSTEM", "1"},
                   {"LC_ALL", "C"}};
  // Without credentials SSH must still not ask anything.
  std::string ssh = "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new";
  if (!known_hosts.empty()) ssh += " -o UserKnownHostsFile=" + known_hosts;
  if (credentials.kind.empty()) {
    session->env_["GIT_SSH_COMMAND"] = ssh;
    return session;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/sluice-git-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return Error(ErrorCode::INTERNAL, "cannot prepare the Git credentials", "", "mkdtemp");
  }
  session->dir_ = buffer.data();
  ::chmod(session->dir_.c_str(), 0700);
  if (credentials.kind == "password") {
    const std::string helper = session->dir_ + "/askpass";
    SLUICE_RETURN_IF_ERROR(
        WritePrivateFile(helper,
                         "#!/bin/sh\n"
                         "case \"$1\" in\n"
                         "  Username*) printf '%s\\n' \"$SLUICE_GIT_USERNAME\" ;;\n"
                         "  *) printf '%s\\n' \"$SLUICE_GIT_PASSWORD\" ;;\n"
                         "esac\n",
                         0700));
    session->env_["GIT_ASKPASS"] = helper;
    session->env_["SLUICE_GIT_USERNAME"] = credentials.username;
    session->env_["SLUICE_GIT_PASSWORD"] = credentials.secret;
    session->env_["GIT_SSH_COMMAND"] = ssh;
    session->secrets_.push_back(credentials.secret);
  } else {
    std::string key = credentials.secret;
    if (key.empty() || key.back() != '\n') key += '\n';
    const std::string key_path = session->dir_ + "/id";
    SLUICE_RETURN_IF_ERROR(WritePrivateFile(key_path, key, 0600));
    session->env_["GIT_SSH_COMMAND"] =
        ssh + " -o IdentitiesOnly=yes -o IdentityAgent=none -i " + key_path;
    std::istringstream lines(key);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.size() >= 16 && line.find("-----") == std::string::npos) {
        session->secrets_.push_back(line);
      }
    }
  }
  return session;
}

GitSession::~GitSession() {
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

Result<RemoteRefs> GitSession::LsRemote(const std::string& url, std::chrono::milliseconds timeout,
                                        const std::atomic<bool>* cancel) {
  flink::SpawnSpec spec;
  spec.argv = GitBaseArgs();
  for (const char* arg : {"ls-remote", "--heads", "--tags"}) spec.argv.emplace_back(arg);
  spec.argv.push_back(url);
  spec.env_overrides = env_;
  spec.new_session = false;
  SLUICE_ASSIGN_OR_RETURN(flink::RunResult run, flink::RunToCompletion(spec, timeout, cancel));
  std::string output = resources::Mask(run.output, secrets_);
  if (run.timed_out) {
    return Error(ErrorCode::GIT_UNREACHABLE,
                 fmt::format("the Git repository {} did not answer within {} s", MaskUrl(url),
                             timeout.count() / 1000),
                 "git_url");
  }
  if (run.cancelled) return Error(ErrorCode::BUILD_CANCELLED, "cancelled");
  if (run.exit_code != 0) return ClassifyGitFailure(output, "listing its branches and tags", url);
  return ParseLsRemote(output);
}

void LineMasker::Add(std::string_view chunk) {
  pending_.append(chunk);
  size_t end = pending_.rfind('\n');
  if (end == std::string::npos) {
    // A line without end that grows large is passed on anyway (masked as it is).
    if (pending_.size() < 64 * 1024) return;
    end = pending_.size() - 1;
  }
  std::string whole = pending_.substr(0, end + 1);
  pending_.erase(0, end + 1);
  sink_(resources::Mask(whole, secrets_));
}

void LineMasker::Flush() {
  if (pending_.empty()) return;
  sink_(resources::Mask(pending_, secrets_));
  pending_.clear();
}

}  // namespace sluice::projects
