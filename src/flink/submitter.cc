#include "flink/submitter.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/log.h"
#include "flink/process.h"

namespace sluice::flink {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSubmittedLine = "Job has been submitted with JobID ";
constexpr std::string_view kExceptionHeader = "The program finished with the following exception:";
constexpr std::string_view kCausedBy = "Caused by: ";
constexpr size_t kMaxReasonChars = 600;
constexpr size_t kTailBytes = 8 * 1024;

// Options the submitter sets itself: a dynamic property would silently override them (the last
// -D wins), sending the job elsewhere or making the CLI wait for the job to end.
constexpr std::string_view kReservedProperties[] = {"rest.address", "rest.port", "execution.target",
                                                    "execution.attached"};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(Trim(text.substr(0, end)));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// "org.apache.flink.client.program.ProgramInvocationException: The main method..." -> "The main
// method...". Only a dotted Java class name followed by ": " is removed.
std::string_view WithoutExceptionClass(std::string_view line) {
  size_t colon = line.find(": ");
  if (colon == std::string_view::npos) return line;
  std::string_view name = line.substr(0, colon);
  size_t last_dot = name.rfind('.');
  if (last_dot == std::string_view::npos || last_dot + 1 >= name.size()) return line;
  if (!std::isupper(static_cast<unsigned char>(name[last_dot + 1]))) return line;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '$') {
      return line;
    }
  }
  return line.substr(colon + 2);
}

// Stack frames, "... 9 more", and what the JVM or logging say that is never the reason.
bool IsNoise(std::string_view line) {
  return line.empty() || StartsWith(line, "at ") ||
         (StartsWith(line, "... ") && line.ends_with(" more")) || StartsWith(line, "SLF4J") ||
         StartsWith(line, "log4j:") || StartsWith(line, "WARNING:") || StartsWith(line, "----") ||
         StartsWith(line, "Use the help option");
}

bool ReadsLikeAnError(std::string_view line) {
  for (std::string_view word :
       {"Exception", "Error", "error", "Could not", "could not", "Cannot", "cannot", "failed",
        "Failed", "does not exist", "not found", "Unrecognized", "refused"}) {
    if (Contains(line, word)) return true;
  }
  return false;
}

std::string Clip(std::string text, size_t max) {
  if (text.size() <= max) return text;
  text.resize(max);
  return text + "...";
}

// The end of the output, starting at a line boundary when one is near.
std::string Tail(const std::string& output, size_t bytes) {
  if (output.size() <= bytes) return output;
  size_t start = output.size() - bytes;
  size_t newline = output.find('\n', start);
  if (newline != std::string::npos && newline + 1 < output.size()) start = newline + 1;
  return output.substr(start);
}

// Whether a shell would take `arg` as one word unchanged.
bool IsShellSafe(std::string_view arg) {
  if (arg.empty()) return false;
  return std::all_of(arg.begin(), arg.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("-_./=:,+@%", c) != nullptr;
  });
}

std::string ShellQuote(std::string_view arg) {
  if (IsShellSafe(arg)) return std::string(arg);
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

constexpr std::string_view kMask = "******";

// "-Dname=" for "-Dname=value" (also "--name=value", "-name=value") when the name is secret, else
// nullopt.
std::optional<std::string_view> SecretAssignmentPrefix(std::string_view arg) {
  if (!StartsWith(arg, "-")) return std::nullopt;
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  if (!IsSecretName(arg.substr(0, eq))) return std::nullopt;
  return arg.substr(0, eq + 1);
}

Status AppendToFile(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error(ErrorCode::INTERNAL, "cannot write the start log", "",
                 path + ": " + std::strerror(errno));
  }
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return Error(ErrorCode::INTERNAL, "cannot write the start log", "",
                   path + ": " + std::strerror(err));
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::Ok();
}

Error Invalid(std::string message, std::string field) {
  return Error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(field));
}

Status Validate(const SubmitRequest& request) {
  std::error_code ec;
  if (request.flink_home.empty() || !fs::is_directory(request.flink_home, ec)) {
    return Invalid("the Flink home is not a folder: " + request.flink_home, "flink_home");
  }
  fs::path cli = fs::path(request.flink_home) / "bin" / "flink";
  if (!fs::is_regular_file(cli, ec) || ::access(cli.c_str(), X_OK) != 0) {
    return Invalid("the Flink home has no executable bin/flink: " + request.flink_home,
                   "flink_home");
  }
  if (!request.config_dir.empty() && !fs::is_directory(request.config_dir, ec)) {
    return Invalid("the Flink configuration folder does not exist: " + request.config_dir,
                   "config_dir");
  }
  if (request.rest_address.empty() ||
      std::any_of(request.rest_address.begin(), request.rest_address.end(),
                  [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
    return Invalid("the JobManager's REST address is missing or malformed", "rest_address");
  }
  if (request.rest_port < 1 || request.rest_port > 65535) {
    return Invalid("the JobManager's REST port must be between 1 and 65535", "rest_port");
  }
  if (request.jar_path.empty() || !fs::is_regular_file(request.jar_path, ec)) {
    return Invalid("the job's JAR file does not exist: " + request.jar_path, "jar_path");
  }
  if (request.parallelism && *request.parallelism < 1) {
    return Invalid("the parallelism must be at least 1", "parallelism");
  }
  if (request.savepoint_path && request.savepoint_path->empty()) {
    return Invalid("the savepoint path is empty", "savepoint_path");
  }
  if (request.timeout.count() <= 0) {
    return Invalid("the submission timeout must be positive", "timeout");
  }
  for (const auto& [key, value] : request.dynamic_properties) {
    if (Trim(key).empty() || key.find('=') != std::string::npos) {
      return Invalid("a Flink property has an empty or malformed name", "dynamic_properties");
    }
    for (std::string_view reserved : kReservedProperties) {
      if (key == reserved) {
        return Invalid("the property " + key + " is set by Sluice and cannot be overridden",
                       "dynamic_properties");
      }
    }
  }
  return Status::Ok();
}

std::string Seconds(std::chrono::milliseconds ms) {
  auto tenths = (ms.count() + 50) / 100;
  std::string text = std::to_string(tenths / 10);
  if (tenths % 10 != 0) text += "." + std::to_string(tenths % 10);
  return text + " s";
}

}  // namespace

bool IsSecretName(std::string_view name) {
  std::string lower = Lower(name);
  for (std::string_view word : {"password", "secret", "token", "key"}) {
    if (Contains(lower, word)) return true;
  }
  return false;
}

std::string MaskCommandLine(const std::vector<std::string>& argv) {
  std::string line;
  bool mask_next = false;
  for (const auto& arg : argv) {
    std::string shown;
    if (mask_next) {
      shown = std::string(kMask);
      mask_next = false;
    } else if (auto prefix = SecretAssignmentPrefix(arg)) {
      shown = ShellQuote(*prefix) + std::string(kMask);  // not quoted: nobody should paste it
    } else {
      shown = ShellQuote(arg);
      // "--password VALUE": an option (not a negative number, not "-D") with a secret name.
      mask_next = StartsWith(arg, "-") && arg.size() > 1 &&
                  !std::isdigit(static_cast<unsigned char>(arg[1])) && !StartsWith(arg, "-D") &&
                  arg.find('=') == std::string::npos && IsSecretName(arg);
    }
    if (!line.empty()) line += ' ';
    line += shown;
  }
  return line;
}

std::string ParseSubmittedJobId(std::string_view output) {
  size_t at = output.find(kSubmittedLine);
  while (at != std::string_view::npos) {
    std::string_view id = output.substr(at + kSubmittedLine.size(), 32);
    if (id.size() == 32 &&
        std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isxdigit(c) != 0; })) {
      return Lower(id);
    }
    at = output.find(kSubmittedLine, at + 1);
  }
  return "";
}

std::string SubmitFailureReason(std::string_view output) {
  std::vector<std::string_view> lines = Lines(output);
  std::string_view headline;
  std::string_view root;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (headline.empty() && Contains(lines[i], kExceptionHeader)) {
      for (size_t j = i + 1; j < lines.size(); ++j) {
        if (!IsNoise(lines[j])) {
          headline = WithoutExceptionClass(lines[j]);
          break;
        }
      }
    }
    if (StartsWith(lines[i], kCausedBy)) root = lines[i].substr(kCausedBy.size());
  }
  // Flink's wrapper around an exception thrown by the job's main() (the SQL runner's reasons
  // start after it) says nothing the user needs.
  constexpr std::string_view kMainMethodPrefix = "The main method caused an error: ";
  if (StartsWith(headline, kMainMethodPrefix)) headline.remove_prefix(kMainMethodPrefix.size());
  std::string reason;
  if (!headline.empty() && !root.empty()) {
    // The root cause adds nothing when the headline already ends with its message.
    reason = headline.ends_with(WithoutExceptionClass(root))
                 ? std::string(headline)
                 : std::string(headline) + " Cause: " + std::string(root);
  } else if (!headline.empty()) {
    reason = headline;
  } else if (!root.empty()) {
    reason = root;
  } else {
    std::string_view last;
    for (std::string_view line : lines) {
      if (IsNoise(line)) continue;
      if (ReadsLikeAnError(line)) {
        reason = line;
        break;
      }
      last = line;
    }
    if (reason.empty()) reason = last;
  }
  // Clipped before redaction too: the redaction's regular expressions are quadratic on long lines.
  return Clip(RedactSecrets(Clip(reason, 2 * kMaxReasonChars)), kMaxReasonChars);
}

std::vector<std::string> CliSubmitter::BuildCommand(const SubmitRequest& request) {
  std::vector<std::string> argv = {
      (fs::path(request.flink_home) / "bin" / "flink").string(),
      "run",
      "-t",
      "remote",
      "-Drest.address=" + request.rest_address,
      "-Drest.port=" + std::to_string(request.rest_port),
      "-d",
  };
  if (request.parallelism) {
    argv.push_back("-p");
    argv.push_back(std::to_string(*request.parallelism));
  }
  if (request.savepoint_path) {
    argv.push_back("-s");
    argv.push_back(*request.savepoint_path);
    if (request.allow_non_restored_state) argv.push_back("-n");
  }
  for (const auto& [key, value] : request.dynamic_properties) {
    argv.push_back("-D" + key + "=" + value);
  }
  if (!request.main_class.empty()) {
    argv.push_back("-c");
    argv.push_back(request.main_class);
  }
  argv.push_back(request.jar_path);
  argv.insert(argv.end(), request.program_args.begin(), request.program_args.end());
  return argv;
}

Result<SubmitOutcome> CliSubmitter::Submit(const SubmitRequest& request,
                                           const std::atomic<bool>* cancel) {
  SLUICE_RETURN_IF_ERROR(Validate(request));
  const std::string conf_dir = request.config_dir.empty()
                                   ? (fs::path(request.flink_home) / "conf").string()
                                   : request.config_dir;
  SpawnSpec spec;
  spec.argv = BuildCommand(request);
  spec.env_overrides = {{"FLINK_CONF_DIR", conf_dir}, {"FLINK_HOME", request.flink_home}};
  // Set by whoever started Sluice, these would make the CLI take another installation's jars.
  spec.env_removed = {"FLINK_LIB_DIR", "FLINK_OPT_DIR", "FLINK_PLUGINS_DIR", "FLINK_BIN_DIR",
                      "_FLINK_HOME_DETERMINED"};
  spec.output_path = request.log_path;
  spec.new_session =
      true;  // the CLI never gets our terminal's signals, and its group is ours to kill

  auto log = [&](std::string_view text) -> Status {
    if (request.log_path.empty()) return Status::Ok();
    return AppendToFile(request.log_path, text);
  };
  auto stamp = [&] { return FormatRfc3339(clock_.Now()); };
  if (!request.log_path.empty()) {
    std::error_code ec;
    fs::path parent = fs::path(request.log_path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  SLUICE_RETURN_IF_ERROR(log("==> " + stamp() + " sluice: submitting with the Flink CLI\n$ " +
                             "FLINK_CONF_DIR=" + ShellQuote(conf_dir) + " " +
                             MaskCommandLine(spec.argv) + "\n"));

  auto run = RunToCompletion(spec, request.timeout, cancel);
  if (!run.ok()) {
    const Error& error = run.error();
    (void)log("==> " + stamp() + " sluice: could not start the Flink CLI: " + error.message + "\n");
    return Error(ErrorCode::SUBMIT_FAILED, "could not run the Flink CLI: " + error.message, "",
                 error.internal_detail);
  }
  const RunResult& result = *run;
  const std::string tail = Tail(result.output, kTailBytes);
  // The footer starts on a line of its own even when the CLI's last line was cut off.
  const std::string footer =
      (result.output.empty() || result.output.back() == '\n' ? "" : "\n") + std::string("==> ");
  const std::string address = request.rest_address + ":" + std::to_string(request.rest_port);

  if (result.timed_out) {
    (void)log(footer + stamp() + " sluice: the Flink CLI did not finish within " +
              Seconds(request.timeout) + "; its process group was killed\n");
    return Error(ErrorCode::SUBMIT_TIMEOUT,
                 "the Flink CLI did not finish within " + Seconds(request.timeout) +
                     " and was stopped; is the JobManager at " + address + " reachable?",
                 "", tail);
  }
  if (result.cancelled) {
    (void)log(footer + stamp() + " sluice: cancelled; the Flink CLI was stopped\n");
    return Error(ErrorCode::SUBMIT_FAILED, "the submission was cancelled", "", tail);
  }
  std::string job_id = ParseSubmittedJobId(result.output);
  if (result.exit_code == 0 && !job_id.empty()) {
    (void)log(footer + stamp() + " sluice: submitted job " + job_id + "\n");
    return SubmitOutcome{job_id, request.log_path, tail};
  }

  (void)log(footer + stamp() + " sluice: the Flink CLI exited with status " +
            std::to_string(result.exit_code) + (job_id.empty() ? ", no JobID" : "") + "\n");
  std::string reason = SubmitFailureReason(result.output);
  std::string message;
  if (result.exit_code == 0) {
    message = "the Flink CLI finished without submitting a job (it printed no JobID)";
    if (!reason.empty()) message += ": " + reason;
  } else if (!reason.empty()) {
    message = "Flink did not accept the job: " + reason;
  } else {
    message = "the Flink CLI failed with exit status " + std::to_string(result.exit_code) +
              " and printed no reason";
  }
  return Error(ErrorCode::SUBMIT_FAILED, std::move(message), "",
               "exit status " + std::to_string(result.exit_code) + "; output tail:\n" + tail);
}

}  // namespace sluice::flink
