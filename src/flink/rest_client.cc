#include "flink/rest_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>
#include <utility>

namespace sluice::flink {

namespace {

using std::chrono::milliseconds;

constexpr size_t kMaxReasonBytes = 500;
constexpr size_t kMaxPathIdBytes = 256;

// ---- text helpers

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Text from Flink, made fit for a one-line message: control characters become spaces, and it is
// cut at `max_bytes` on a UTF-8 character boundary (nlohmann refuses to dump broken UTF-8).
std::string Clip(std::string_view text, size_t max_bytes = kMaxReasonBytes) {
  bool clipped = text.size() > max_bytes;
  if (clipped) {
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return clipped ? out + "..." : out;
}

// "org.apache.flink.FooException" and the like: a dotted name without spaces whose last part
// starts with a capital letter.
bool LooksLikeJavaClass(std::string_view text) {
  if (text.empty() || text.find('.') == text.npos) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '$') {
      return false;
    }
  }
  size_t last_dot = text.rfind('.');
  return last_dot + 1 < text.size() && std::isupper(static_cast<unsigned char>(text[last_dot + 1]));
}

// "java.util.concurrent.CompletionException: org.x.RestHandlerException: Job not found" ->
// "Job not found". A line that is only a class name stays as it is.
std::string_view StripJavaClasses(std::string_view line) {
  for (;;) {
    size_t colon = line.find(": ");
    if (colon == line.npos || !LooksLikeJavaClass(line.substr(0, colon))) return line;
    line = Trim(line.substr(colon + 2));
  }
}

std::string SimpleClassName(std::string_view java_class) {
  size_t dot = java_class.rfind('.');
  return std::string(dot == java_class.npos ? java_class : java_class.substr(dot + 1));
}

std::string_view FirstLine(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = Trim(text.substr(start, end == text.npos ? text.npos : end - start));
    if (!line.empty()) return line;
    if (end == text.npos) break;
    start = end + 1;
  }
  return {};
}

// One line saying what a Java stack trace is about: the exception message of its first line, then
// the deepest "Caused by" (usually the real reason: "Could not execute application. (caused by
// ClassNotFoundException: com.example.Main)"). `keep_class` keeps the first line's exception
// class ("java.lang.IllegalStateException: boom"), for texts where it is part of the news.
std::string SummarizeJavaText(std::string_view text, bool keep_class = false) {
  constexpr std::string_view kWrapperStart = "<Exception on server side:";
  text = Trim(text);
  if (text.starts_with(kWrapperStart)) text.remove_prefix(kWrapperStart.size());
  if (size_t end = text.find("End of exception on server side>"); end != text.npos) {
    text = text.substr(0, end);
  }
  std::string_view first = FirstLine(text);
  std::string summary(keep_class ? first : StripJavaClasses(first));

  constexpr std::string_view kCausedBy = "Caused by: ";
  std::string_view deepest_cause;
  for (size_t pos = text.find(kCausedBy); pos != text.npos; pos = text.find(kCausedBy, pos)) {
    pos += kCausedBy.size();
    size_t end = text.find('\n', pos);
    deepest_cause = Trim(text.substr(pos, end == text.npos ? text.npos : end - pos));
  }
  if (!deepest_cause.empty()) {
    std::string cause;
    size_t colon = deepest_cause.find(": ");
    std::string_view head = deepest_cause.substr(0, colon);
    if (LooksLikeJavaClass(head)) {
      std::string_view message = colon == deepest_cause.npos
                                     ? std::string_view()
                                     : StripJavaClasses(deepest_cause.substr(colon + 2));
      cause = message.empty() ? SimpleClassName(head)
                              : SimpleClassName(head) + ": " + std::string(message);
      if (!message.empty() && summary.find(message) != std::string::npos) cause.clear();
    } else {
      cause = std::string(deepest_cause);
      if (summary.find(cause) != std::string::npos) cause.clear();
    }
    if (!cause.empty()) summary = summary.empty() ? cause : summary + " (caused by " + cause + ")";
  }
  return Clip(summary);
}

// ---- checked JSON access: nothing here throws, whatever Flink (or an impostor) sent

const Json* Field(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> StringField(const Json& object, std::string_view key) {
  const Json* value = Field(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::string StringOr(const Json& object, std::string_view key, std::string fallback = {}) {
  return StringField(object, key).value_or(std::move(fallback));
}

std::optional<int64_t> IntField(const Json& object, std::string_view key) {
  const Json* value = Field(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_unsigned()) {
    uint64_t u = value->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    double d = value->get<double>();
    if (!std::isfinite(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

int64_t IntOr(const Json& object, std::string_view key, int64_t fallback) {
  return IntField(object, key).value_or(fallback);
}

std::optional<bool> BoolField(const Json& object, std::string_view key) {
  const Json* value = Field(object, key);
  if (value == nullptr || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

const Json* ArrayField(const Json& object, std::string_view key) {
  const Json* value = Field(object, key);
  return value != nullptr && value->is_array() ? value : nullptr;
}

const Json* ObjectField(const Json& object, std::string_view key) {
  const Json* value = Field(object, key);
  return value != nullptr && value->is_object() ? value : nullptr;
}

std::string Dump(const Json& body) {
  // replace: a program argument with broken UTF-8 must not throw out of the client.
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// ---- addresses

std::string NormalizeBaseUrl(std::string_view url) {
  std::string out(Trim(url));
  if (out.find("://") == std::string::npos) out = "http://" + out;
  while (out.ends_with("/")) out.pop_back();
  return out;
}

// The address as it may appear in a message: without "user:password@".
std::string DisplayAddress(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t authority_start = scheme_end == url.npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find('/', authority_start);
  std::string_view authority = url.substr(
      authority_start, authority_end == url.npos ? url.npos : authority_end - authority_start);
  size_t at = authority.rfind('@');
  if (at == authority.npos) return std::string(url);
  return std::string(url.substr(0, authority_start)) +
         std::string(url.substr(authority_start + at + 1));
}

std::string JoinDisplayAddresses(const std::vector<std::string>& urls) {
  std::string out;
  for (const std::string& url : urls) {
    if (!out.empty()) out += ", ";
    out += DisplayAddress(url);
  }
  return out;
}

bool IsHex32(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

std::string_view FormatName(SavepointFormat format) {
  return format == SavepointFormat::kNative ? "NATIVE" : "CANONICAL";
}

}  // namespace

// ---- validation and Flink's error bodies

Status ValidateJobId(std::string_view id, std::string_view field) {
  if (IsHex32(id)) return Status::Ok();
  return Error(
      ErrorCode::INVALID_ARGUMENT,
      fmt::format("{} must be 32 hexadecimal digits, e.g. 7684be6004e4e955c2a558a9bc463f65", field),
      std::string(field));
}

Status ValidatePathId(std::string_view id, std::string_view field) {
  auto bad = [&](std::string_view why) {
    return Error(ErrorCode::INVALID_ARGUMENT, fmt::format("{} {}", field, why), std::string(field));
  };
  if (id.empty()) return bad("must not be empty");
  if (id.size() > kMaxPathIdBytes)
    return bad(fmt::format("is longer than {} bytes", kMaxPathIdBytes));
  if (id.find('/') != id.npos || id.find('\\') != id.npos)
    return bad("must not contain '/' or '\\'");
  if (id.find("..") != id.npos) return bad("must not contain '..'");
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return bad("must not contain control characters");
    }
  }
  return Status::Ok();
}

std::optional<std::string> FlinkErrorReason(std::string_view body) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  const Json* errors = parsed.is_discarded() ? nullptr : ArrayField(parsed, "errors");
  if (errors == nullptr) return std::nullopt;
  const Json* chosen = nullptr;
  for (const Json& entry : *errors) {
    if (!entry.is_string()) continue;
    if (chosen == nullptr) chosen = &entry;
    // Flink's generic 500 puts this first and the stack trace second.
    if (Trim(entry.get_ref<const std::string&>()) != "Internal server error.") {
      chosen = &entry;
      break;
    }
  }
  if (chosen == nullptr) return std::string("Flink gave no reason");
  std::string summary = SummarizeJavaText(chosen->get_ref<const std::string&>());
  return summary.empty() ? std::string("Flink gave no reason") : summary;
}

// ---- the client

struct FlinkRestClient::Call {
  std::string method = "GET";
  std::string path;  // percent-encoded, with its query
  std::optional<Json> body;
  std::optional<http::UploadFile> upload;
  milliseconds timeout{0};
  bool accept_json = true;
  // What a 404 means for this path. Flink answers 404 "Not found: <uri>" for a path it has no
  // handler for, whatever these say.
  enum class NotFound { kGeneric, kJob, kTrigger } not_found = NotFound::kGeneric;
  std::string job_id;      // for messages, when the call is about a job
  std::string trigger_id;  // for messages, when the call is about a savepoint operation
  std::string what;        // what the call does, for messages: "read the cluster overview"
};

FlinkRestClient::FlinkRestClient(std::vector<std::string> base_urls, http::HttpClient& client,
                                 FlinkRestOptions options)
    : client_(client), options_(std::move(options)) {
  for (const std::string& url : base_urls) {
    std::string normalized = NormalizeBaseUrl(url);
    if (normalized != "http://") base_urls_.push_back(std::move(normalized));
  }
}

std::string FlinkRestClient::active_address() const {
  if (base_urls_.empty()) return "";
  return base_urls_[active_.load() % base_urls_.size()];
}

void FlinkRestClient::Pause(milliseconds duration) const {
  if (duration <= milliseconds(0)) return;
  if (options_.sleep) {
    options_.sleep(duration);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

Result<FlinkRestClient::Answer> FlinkRestClient::Exchange(const Call& call) {
  if (base_urls_.empty()) {
    return Error(ErrorCode::CLUSTER_UNREACHABLE, "no JobManager address is configured");
  }
  http::ClientRequest request;
  request.method = call.method;
  if (call.accept_json) request.headers.emplace_back("Accept", "application/json");
  if (call.body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = Dump(*call.body);
  }
  request.upload = call.upload;
  request.connect_timeout = options_.connect_timeout;
  request.timeout = call.timeout;

  // Only a GET may be sent again after it might have reached Flink: reading twice is harmless,
  // triggering a savepoint or starting a job twice is not.
  const bool resend_after_contact = call.method == "GET";
  const int rounds = resend_after_contact ? 1 + std::max(0, options_.get_retries) : 1;
  const size_t count = base_urls_.size();
  const size_t start = active_.load() % count;
  std::vector<std::string> attempts;  // "address (kind: reason)", for the log
  std::string last_reason;
  bool any_timeout = false;
  milliseconds backoff = options_.retry_backoff;

  for (int round = 0; round < rounds; ++round) {
    if (round > 0) {
      backoff = std::min(backoff, options_.max_retry_backoff);
      Pause(backoff);
      backoff *= 2;  // stays small: clamped again before the next pause
    }
    for (size_t i = 0; i < count; ++i) {
      const size_t index = (start + i) % count;
      const std::string& base = base_urls_[index];
      request.url = base + call.path;
      http::ClientResult sent = client_.Send(request);
      if (sent.ok()) {
        active_.store(index);
        return Answer{std::move(sent).value(), base};
      }
      const http::ClientFailure& failure = sent.failure();
      std::string address = DisplayAddress(base);
      attempts.push_back(fmt::format("{} ({}: {})", address, http::FailureKindName(failure.kind),
                                     failure.message));
      last_reason = failure.message;
      bool timed_out = failure.kind == http::ClientFailure::Kind::kTimeout;
      any_timeout = any_timeout || timed_out;
      if (failure.NothingSent() || resend_after_contact) continue;
      // The request may have reached Flink: do not send it anywhere again.
      std::string detail = fmt::format("{} {}: {}", call.method, call.path, attempts.back());
      if (timed_out) {
        return Error(ErrorCode::CLUSTER_TIMEOUT,
                     fmt::format("the Flink JobManager at {} did not answer in time ({}) when "
                                 "asked to {}; it may have done it: check before trying again",
                                 address, failure.message, call.what),
                     "", detail);
      }
      return Error(ErrorCode::CLUSTER_UNREACHABLE,
                   fmt::format("the connection to the Flink JobManager at {} failed ({}) when "
                               "asked to {}; it may have done it: check before trying again",
                               address, failure.message, call.what),
                   "", detail);
    }
  }
  std::string tried = JoinDisplayAddresses(base_urls_);
  std::string detail = fmt::format("{} {}: ", call.method, call.path);
  for (size_t i = 0; i < attempts.size(); ++i) detail += (i ? "; " : "") + attempts[i];
  if (any_timeout) {
    return Error(ErrorCode::CLUSTER_TIMEOUT,
                 fmt::format("no Flink JobManager answered in time at {} (last error: {})", tried,
                             last_reason),
                 "", detail);
  }
  return Error(
      ErrorCode::CLUSTER_UNREACHABLE,
      fmt::format("cannot reach a Flink JobManager at {} (last error: {})", tried, last_reason), "",
      detail);
}

Error FlinkRestClient::HttpError(const Call& call, const Answer& answer) const {
  const int status = answer.response.status;
  const std::string address = DisplayAddress(answer.address);
  std::optional<std::string> reason = FlinkErrorReason(answer.response.body);
  if (!reason) {
    std::string detail = fmt::format("{} {} -> HTTP {}: {}", call.method, call.path, status,
                                     Clip(answer.response.body, 2000));
    if (status == 502 || status == 503 || status == 504) {
      // A proxy in front of the JobManager speaking for it: the JobManager itself is away.
      return Error(ErrorCode::CLUSTER_UNREACHABLE,
                   fmt::format("the Flink JobManager behind {} is not answering (HTTP {} from "
                               "what is in front of it)",
                               address, status),
                   "", detail);
    }
    return Error(ErrorCode::CLUSTER_NOT_FLINK,
                 fmt::format("{} answered HTTP {} without Flink's error body; is it the REST "
                             "address of a Flink JobManager?",
                             address, status),
                 "", detail);
  }
  std::string full_text;
  Json parsed = Json::parse(answer.response.body, nullptr, false);
  if (const Json* errors = parsed.is_discarded() ? nullptr : ArrayField(parsed, "errors")) {
    for (const Json& entry : *errors) {
      if (!entry.is_string()) continue;
      if (!full_text.empty()) full_text += "\n";
      full_text += entry.get_ref<const std::string&>();
    }
  }
  std::string detail =
      fmt::format("{} {} -> HTTP {}: {}", call.method, call.path, status, full_text);
  const bool no_such_route = reason->starts_with("Not found: /");
  if (status == 404 && !no_such_route && call.not_found == Call::NotFound::kJob) {
    return Error(ErrorCode::FLINK_JOB_NOT_FOUND, fmt::format("Flink has no job {}", call.job_id),
                 "job_id", detail);
  }
  if (status == 404 && !no_such_route && call.not_found == Call::NotFound::kTrigger) {
    return Error(ErrorCode::NOT_FOUND,
                 fmt::format("Flink knows no savepoint operation {} for job {} (unknown, or "
                             "forgotten some minutes after it completed)",
                             call.trigger_id, call.job_id),
                 "trigger_id", detail);
  }
  // Flink registers the /jars handlers only with web.submit.enable (the default): say so.
  std::string hint = no_such_route && call.path.starts_with("/jars")
                         ? " (is web.submit.enable switched off on the cluster?)"
                         : "";
  return Error(ErrorCode::FLINK_REJECTED,
               fmt::format("Flink refused to {} (HTTP {}): {}{}", call.what, status, *reason, hint),
               "", detail);
}

namespace {

Error NotFlink(std::string_view address, std::string_view path, std::string_view why,
               std::string_view body) {
  return Error(ErrorCode::CLUSTER_NOT_FLINK,
               fmt::format("{} answered {} with {}; is it the REST address of a Flink JobManager?",
                           DisplayAddress(address), path, why),
               "", fmt::format("{}: {}", path, Clip(body, 2000)));
}

}  // namespace

Result<FlinkRestClient::JsonAnswer> FlinkRestClient::CallJson(const Call& call) {
  SLUICE_ASSIGN_OR_RETURN(Answer answer, Exchange(call));
  if (answer.response.status < 200 || answer.response.status > 299) {
    return HttpError(call, answer);
  }
  // An empty body (e.g. a 202) is null.
  Json parsed;
  if (!Trim(answer.response.body).empty()) {
    parsed = Json::parse(answer.response.body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      return NotFlink(answer.address, call.path, "a body that is not JSON", answer.response.body);
    }
  }
  return JsonAnswer{std::move(parsed), std::move(answer.address)};
}

Result<std::string> FlinkRestClient::CallText(const Call& call) {
  SLUICE_ASSIGN_OR_RETURN(Answer answer, Exchange(call));
  if (answer.response.status < 200 || answer.response.status > 299) {
    return HttpError(call, answer);
  }
  return std::move(answer.response.body);
}

// ---- the cluster

Result<FlinkConfigInfo> FlinkRestClient::Config() {
  Call call{.path = "/config", .timeout = options_.request_timeout, .what = "read its /config"};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  std::optional<std::string> version = StringField(body, "flink-version");
  if (!version || version->empty()) {
    return NotFlink(answer.address, call.path, "no flink-version", Dump(body));
  }
  FlinkConfigInfo info;
  info.flink_version = *version;
  info.flink_revision = StringOr(body, "flink-revision");
  const Json* features = ObjectField(body, "features");
  info.features = features ? *features : Json::object();
  return info;
}

Result<ClusterOverview> FlinkRestClient::Overview() {
  Call call{.path = "/overview",
            .timeout = options_.request_timeout,
            .what = "read the cluster overview"};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  std::optional<int64_t> taskmanagers = IntField(body, "taskmanagers");
  std::optional<int64_t> slots_total = IntField(body, "slots-total");
  std::optional<int64_t> slots_available = IntField(body, "slots-available");
  std::optional<int64_t> jobs_running = IntField(body, "jobs-running");
  std::optional<std::string> version = StringField(body, "flink-version");
  if (!taskmanagers || !slots_total || !slots_available || !jobs_running || !version) {
    return NotFlink(answer.address, call.path,
                    "an answer without taskmanagers, slots-total, slots-available, jobs-running "
                    "and flink-version",
                    Dump(body));
  }
  ClusterOverview overview;
  overview.taskmanagers = *taskmanagers;
  overview.slots_total = *slots_total;
  overview.slots_available = *slots_available;
  overview.jobs_running = *jobs_running;
  overview.jobs_finished = IntOr(body, "jobs-finished", 0);
  overview.jobs_cancelled = IntOr(body, "jobs-cancelled", 0);
  overview.jobs_failed = IntOr(body, "jobs-failed", 0);
  overview.flink_version = *version;
  return overview;
}

Result<std::map<std::string, std::string>> FlinkRestClient::JobManagerConfig() {
  Call call{.path = "/jobmanager/config",
            .timeout = options_.request_timeout,
            .what = "read the JobManager configuration"};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  if (!body.is_array()) {
    return NotFlink(answer.address, call.path, "something other than a list", Dump(body));
  }
  std::map<std::string, std::string> config;
  for (const Json& entry : body) {
    std::optional<std::string> key = StringField(entry, "key");
    std::optional<std::string> value = StringField(entry, "value");
    if (key && value) config[*key] = *value;
  }
  return config;
}

Result<std::vector<TaskManagerInfo>> FlinkRestClient::TaskManagers() {
  Call call{.path = "/taskmanagers",
            .timeout = options_.request_timeout,
            .what = "list the TaskManagers"};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  const Json* list = ArrayField(body, "taskmanagers");
  if (list == nullptr) {
    return NotFlink(answer.address, call.path, "no taskmanagers list", Dump(body));
  }
  std::vector<TaskManagerInfo> out;
  for (const Json& entry : *list) {
    std::optional<std::string> id = StringField(entry, "id");
    if (!id) continue;
    TaskManagerInfo info;
    info.id = *id;
    info.path = StringOr(entry, "path");
    info.data_port = IntOr(entry, "dataPort", 0);
    info.slots_number = IntOr(entry, "slotsNumber", 0);
    info.free_slots = IntOr(entry, "freeSlots", 0);
    info.last_heartbeat_ms = IntOr(entry, "timeSinceLastHeartbeat", 0);
    out.push_back(std::move(info));
  }
  return out;
}

Status FlinkRestClient::ShutdownCluster() {
  Call call{.method = "DELETE",
            .path = "/cluster",
            .timeout = options_.request_timeout,
            .what = "shut the cluster down"};
  SLUICE_RETURN_IF_ERROR(CallJson(call));
  return Status::Ok();
}

// ---- jobs

namespace {

std::optional<JobSummary> ParseJobSummary(const Json& entry) {
  std::optional<std::string> id = StringField(entry, "jid");
  std::optional<std::string> state = StringField(entry, "state");
  if (!id || !state) return std::nullopt;
  JobSummary job;
  job.id = *id;
  job.name = StringOr(entry, "name");
  job.state = *state;
  job.start_time_ms = IntOr(entry, "start-time", -1);
  job.end_time_ms = IntOr(entry, "end-time", -1);
  job.duration_ms = IntOr(entry, "duration", 0);
  return job;
}

std::string JobPath(const std::string& job_id) { return "/jobs/" + http::PercentEncode(job_id); }

}  // namespace

Result<std::vector<JobSummary>> FlinkRestClient::JobsOverview() {
  Call call{.path = "/jobs/overview", .timeout = options_.request_timeout, .what = "list the jobs"};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  const Json* list = ArrayField(body, "jobs");
  if (list == nullptr) return NotFlink(answer.address, call.path, "no jobs list", Dump(body));
  std::vector<JobSummary> jobs;
  for (const Json& entry : *list) {
    if (std::optional<JobSummary> job = ParseJobSummary(entry)) jobs.push_back(std::move(*job));
  }
  return jobs;
}

Result<JobDetailsInfo> FlinkRestClient::JobDetails(const std::string& job_id) {
  SLUICE_RETURN_IF_ERROR(ValidateJobId(job_id));
  Call call{.path = JobPath(job_id),
            .timeout = options_.request_timeout,
            .not_found = Call::NotFound::kJob,
            .job_id = job_id,
            .what = "describe job " + job_id};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  std::optional<JobSummary> job = ParseJobSummary(body);
  if (!job) return NotFlink(answer.address, call.path, "no jid and state", Dump(body));
  return JobDetailsInfo{std::move(*job), std::move(body)};
}

namespace {

FlinkExceptionEntry ParseExceptionEntry(const Json& entry, bool with_concurrent) {
  FlinkExceptionEntry out;
  out.exception_name = StringOr(entry, "exceptionName");
  out.stacktrace = StringOr(entry, "stacktrace");
  out.timestamp_ms = IntOr(entry, "timestamp", 0);
  out.task_name = StringOr(entry, "taskName");
  // `endpoint` since 1.19; `location` before (same "host:port").
  out.endpoint = StringOr(entry, "endpoint", StringOr(entry, "location"));
  out.task_manager_id = StringOr(entry, "taskManagerId");
  if (const Json* labels = ObjectField(entry, "failureLabels")) {
    for (const auto& [key, value] : labels->items()) {
      if (value.is_string()) out.failure_labels[key] = value.get<std::string>();
    }
  }
  if (out.exception_name.empty()) {
    // Derive it from the first line, "java.lang.RuntimeException: boom".
    std::string_view first = FirstLine(out.stacktrace);
    std::string_view head = first.substr(0, first.find(':'));
    if (LooksLikeJavaClass(head)) out.exception_name = std::string(head);
  }
  if (with_concurrent) {
    if (const Json* concurrent = ArrayField(entry, "concurrentExceptions")) {
      for (const Json& item : *concurrent) {
        if (item.is_object()) out.concurrent_exceptions.push_back(ParseExceptionEntry(item, false));
      }
    }
  }
  return out;
}

// The legacy (1.x only) `all-exceptions` entries: {exception, task, location, timestamp,
// taskManagerId}.
FlinkExceptionEntry ParseLegacyException(const Json& entry) {
  FlinkExceptionEntry out;
  out.stacktrace = StringOr(entry, "exception");
  out.task_name = StringOr(entry, "task");
  out.endpoint = StringOr(entry, "location");
  out.timestamp_ms = IntOr(entry, "timestamp", 0);
  out.task_manager_id = StringOr(entry, "taskManagerId");
  std::string_view first = FirstLine(out.stacktrace);
  std::string_view head = first.substr(0, first.find(':'));
  if (LooksLikeJavaClass(head)) out.exception_name = std::string(head);
  return out;
}

}  // namespace

Result<JobExceptionHistory> FlinkRestClient::JobExceptions(const std::string& job_id,
                                                           int max_exceptions) {
  SLUICE_RETURN_IF_ERROR(ValidateJobId(job_id));
  if (max_exceptions < 1) {
    return Error(ErrorCode::INVALID_ARGUMENT, "max_exceptions must be at least 1",
                 "max_exceptions");
  }
  Call call{.path = fmt::format("{}/exceptions?maxExceptions={}", JobPath(job_id), max_exceptions),
            .timeout = options_.request_timeout,
            .not_found = Call::NotFound::kJob,
            .job_id = job_id,
            .what = "list the exceptions of job " + job_id};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  if (!body.is_object()) {
    return NotFlink(answer.address, call.path, "something other than an object", Dump(body));
  }
  JobExceptionHistory history;
  const Json* exception_history = ObjectField(body, "exceptionHistory");
  if (exception_history != nullptr) {
    // Both 1.x and 2.x send this; it is the one to trust.
    if (const Json* entries = ArrayField(*exception_history, "entries")) {
      for (const Json& entry : *entries) {
        if (entry.is_object()) history.entries.push_back(ParseExceptionEntry(entry, true));
      }
    }
    history.truncated = BoolField(*exception_history, "truncated").value_or(false);
  } else if (const Json* legacy = ArrayField(body, "all-exceptions")) {
    for (const Json& entry : *legacy) {
      if (entry.is_object()) history.entries.push_back(ParseLegacyException(entry));
    }
    history.truncated = BoolField(body, "truncated").value_or(false);
  }
  if (!history.entries.empty()) {
    history.root_cause = history.entries.front().stacktrace;
    history.timestamp_ms = history.entries.front().timestamp_ms;
  }
  // 1.x: the legacy root exception, when the history had nothing (e.g. a very old failure).
  if (history.root_cause.empty()) {
    if (std::optional<std::string> root = StringField(body, "root-exception")) {
      history.root_cause = *root;
      history.timestamp_ms = IntField(body, "timestamp");
    }
  }
  if (history.root_cause.empty()) history.timestamp_ms.reset();
  history.root_cause_summary = SummarizeJavaText(history.root_cause, /*keep_class=*/true);
  return history;
}

namespace {

std::optional<CheckpointInfo> ParseCheckpoint(const Json& latest, std::string_view key,
                                              std::string_view timestamp_key) {
  const Json* entry = ObjectField(latest, key);
  if (entry == nullptr) return std::nullopt;  // null until there is one
  std::optional<int64_t> id = IntField(*entry, "id");
  if (!id) return std::nullopt;
  CheckpointInfo info;
  info.id = *id;
  info.status = StringOr(*entry, "status");
  info.is_savepoint = BoolField(*entry, "is_savepoint").value_or(false);
  info.timestamp_ms = IntOr(*entry, timestamp_key, 0);
  info.external_path = StringOr(*entry, "external_path");
  return info;
}

}  // namespace

Result<CheckpointStats> FlinkRestClient::Checkpoints(const std::string& job_id) {
  SLUICE_RETURN_IF_ERROR(ValidateJobId(job_id));
  Call call{.path = JobPath(job_id) + "/checkpoints",
            .timeout = options_.request_timeout,
            .not_found = Call::NotFound::kJob,
            .job_id = job_id,
            .what = "read the checkpoints of job " + job_id};
  SLUICE_ASSIGN_OR_RETURN(Answer answer, Exchange(call));
  if (answer.response.status == 404) {
    // Flink answers 404 for a job that runs without checkpointing: not an error for the caller.
    std::optional<std::string> reason = FlinkErrorReason(answer.response.body);
    if (reason && reason->find("Checkpointing has not been enabled") != std::string::npos) {
      CheckpointStats stats;
      stats.available = false;
      stats.raw = Json::object();
      return stats;
    }
  }
  if (answer.response.status < 200 || answer.response.status > 299) {
    return HttpError(call, answer);
  }
  Json body = Json::parse(answer.response.body, nullptr, /*allow_exceptions=*/false);
  const Json* counts = body.is_discarded() ? nullptr : ObjectField(body, "counts");
  if (counts == nullptr) {
    return NotFlink(answer.address, call.path, "no checkpoint counts", answer.response.body);
  }
  CheckpointStats stats;
  stats.total = IntOr(*counts, "total", 0);
  stats.in_progress = IntOr(*counts, "in_progress", 0);
  stats.completed = IntOr(*counts, "completed", 0);
  stats.failed = IntOr(*counts, "failed", 0);
  stats.restored = IntOr(*counts, "restored", 0);
  if (const Json* latest = ObjectField(body, "latest")) {
    stats.latest_completed = ParseCheckpoint(*latest, "completed", "trigger_timestamp");
    stats.latest_savepoint = ParseCheckpoint(*latest, "savepoint", "trigger_timestamp");
    stats.latest_failed = ParseCheckpoint(*latest, "failed", "trigger_timestamp");
    stats.restored_from = ParseCheckpoint(*latest, "restored", "restore_timestamp");
  }
  stats.raw = std::move(body);
  return stats;
}

Status FlinkRestClient::CancelJob(const std::string& job_id) {
  SLUICE_RETURN_IF_ERROR(ValidateJobId(job_id));
  Call call{.method = "PATCH",
            .path = JobPath(job_id) + "?mode=cancel",
            .timeout = options_.request_timeout,
            .not_found = Call::NotFound::kJob,
            .job_id = job_id,
            .what = "cancel job " + job_id};
  SLUICE_RETURN_IF_ERROR(CallJson(call));
  return Status::Ok();
}

// ---- savepoints

Result<std::string> FlinkRestClient::PostSavepoint(const std::string& job_id,
                                                   const std::string& path, Json body,
                                                   const std::string& trigger_id,
                                                   const char* what) {
  if (!trigger_id.empty()) {
    // Flink parses it as a TriggerId: 32 hex digits, like a job id.
    SLUICE_RETURN_IF_ERROR(ValidateJobId(trigger_id, "trigger_id"));
    body["triggerId"] = trigger_id;
  }
  Call call{.method = "POST",
            .path = path,
            .body = std::move(body),
            .timeout = options_.request_timeout,
            .not_found = Call::NotFound::kJob,
            .job_id = job_id,
            .what = fmt::format("{} of job {}", what, job_id)};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  std::optional<std::string> request_id = StringField(answer.body, "request-id");
  if (!request_id || !ValidatePathId(*request_id, "request-id").ok()) {
    return NotFlink(answer.address, call.path, "no usable request-id", Dump(answer.body));
  }
  return *request_id;
}

Result<std::string> FlinkRestClient::TriggerSavepoint(const std::string& job_id,
                                                      const std::string& target_dir,
                                                      bool cancel_job, SavepointFormat format,
                                                      const std::string& trigger_id) {
  SLUICE_RETURN_IF_ERROR(ValidateJobId(job_id));
  Json body = {{"cancel-job", cancel_job}, {"formatType", FormatName(format)}};
  // Absent: the cluster's execution.checkpointing.savepoint-dir (state.savepoints.dir <= 1.19).
  if (!target_dir.empty()) body["target-directory"] = target_dir;
  return PostSavepoint(job_id, JobPath(job_id) + "/savepoints", std::move(body), trigger_id,
                       "take a savepoint");
}

Result<std::string> FlinkRestClient::StopWithSavepoint(const std::string& job_id,
                                                       const std::string& target_dir, bool drain,
                                                       SavepointFormat format,
                                                       const std::string& trigger_id) {
  SLUICE_RETURN_IF_ERROR(ValidateJobId(job_id));
  // Note the camelCase: this body differs from the savepoint trigger's.
  Json body = {{"drain", drain}, {"formatType", FormatName(format)}};
  if (!target_dir.empty()) body["targetDirectory"] = target_dir;
  return PostSavepoint(job_id, JobPath(job_id) + "/stop", std::move(body), trigger_id,
                       "stop with a savepoint");
}

Result<SavepointProgress> FlinkRestClient::SavepointStatus(const std::string& job_id,
                                                           const std::string& trigger_id) {
  SLUICE_RETURN_IF_ERROR(ValidateJobId(job_id));
  SLUICE_RETURN_IF_ERROR(ValidatePathId(trigger_id, "trigger_id"));
  Call call{.path = JobPath(job_id) + "/savepoints/" + http::PercentEncode(trigger_id),
            .timeout = options_.request_timeout,
            .not_found = Call::NotFound::kTrigger,
            .job_id = job_id,
            .trigger_id = trigger_id,
            .what = fmt::format("report savepoint {} of job {}", trigger_id, job_id)};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  const Json* status = ObjectField(body, "status");
  std::optional<std::string> id = status ? StringField(*status, "id") : std::nullopt;
  if (!id) return NotFlink(answer.address, call.path, "no status id", Dump(body));
  SavepointProgress progress;
  progress.in_progress = *id == "IN_PROGRESS";
  if (progress.in_progress) return progress;
  const Json* operation = ObjectField(body, "operation");
  if (operation != nullptr) {
    if (const Json* cause = ObjectField(*operation, "failure-cause")) {
      progress.failure_detail = StringOr(*cause, "stack-trace");
      // Versions after 2.0 add a plain `message`; 1.x and 2.0 send the class and the stack trace.
      std::string message = StringOr(*cause, "message");
      if (message.empty()) message = SummarizeJavaText(progress.failure_detail);
      if (message.empty()) message = StringOr(*cause, "class", "unknown failure");
      progress.failure_message = Clip(message);
      return progress;
    }
    progress.location = StringOr(*operation, "location");
  }
  if (progress.location.empty()) {
    progress.failure_message =
        fmt::format("Flink reported the operation as {} without a location", Clip(*id, 40));
  }
  return progress;
}

Result<std::string> FlinkRestClient::WaitForSavepoint(const std::string& job_id,
                                                      const std::string& trigger_id,
                                                      milliseconds timeout,
                                                      milliseconds poll_interval) {
  // A zero interval would spin without the waited time ever growing.
  const milliseconds interval = std::max(poll_interval, milliseconds(10));
  milliseconds waited{0};
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(SavepointProgress progress, SavepointStatus(job_id, trigger_id));
    if (!progress.in_progress) {
      if (progress.succeeded()) return progress.location;
      // A job that ended (or never was) has no JobMaster to take the savepoint.
      if (progress.failure_detail.find("FlinkJobNotFoundException") != std::string::npos) {
        return Error(ErrorCode::FLINK_JOB_NOT_FOUND,
                     fmt::format("Flink has no running job {} to take a savepoint of", job_id),
                     "job_id", progress.failure_detail);
      }
      return Error(
          ErrorCode::FLINK_REJECTED,
          fmt::format("the savepoint of job {} failed: {}", job_id, progress.failure_message), "",
          progress.failure_detail);
    }
    if (waited >= timeout) {
      return Error(ErrorCode::CLUSTER_TIMEOUT,
                   fmt::format("the savepoint {} of job {} did not complete within {} ms; it may "
                               "still complete",
                               trigger_id, job_id, timeout.count()));
    }
    milliseconds pause = std::min(interval, timeout - waited);
    Pause(pause);
    waited += pause;
  }
}

// ---- logs

namespace {

std::optional<std::vector<LogFileInfo>> ParseLogList(const Json& body) {
  const Json* logs = ArrayField(body, "logs");
  if (logs == nullptr) return std::nullopt;
  std::vector<LogFileInfo> out;
  for (const Json& entry : *logs) {
    std::optional<std::string> name = StringField(entry, "name");
    if (!name) continue;
    out.push_back(LogFileInfo{*name, IntOr(entry, "size", 0), IntField(entry, "mtime")});
  }
  return out;
}

}  // namespace

Result<std::vector<LogFileInfo>> FlinkRestClient::JobManagerLogList() {
  Call call{.path = "/jobmanager/logs",
            .timeout = options_.request_timeout,
            .what = "list the JobManager's log files"};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  std::optional<std::vector<LogFileInfo>> logs = ParseLogList(body);
  if (!logs) return NotFlink(answer.address, call.path, "no logs list", Dump(body));
  return std::move(*logs);
}

Result<std::string> FlinkRestClient::JobManagerLog() {
  return CallText(Call{.path = "/jobmanager/log",
                       .timeout = options_.transfer_timeout,
                       .accept_json = false,
                       .what = "send the JobManager's log"});
}

Result<std::string> FlinkRestClient::JobManagerLogFile(const std::string& name) {
  SLUICE_RETURN_IF_ERROR(ValidatePathId(name, "name"));
  return CallText(Call{.path = "/jobmanager/logs/" + http::PercentEncode(name),
                       .timeout = options_.transfer_timeout,
                       .accept_json = false,
                       .what = "send the JobManager's log file " + name});
}

Result<std::vector<LogFileInfo>> FlinkRestClient::TaskManagerLogList(
    const std::string& taskmanager_id) {
  SLUICE_RETURN_IF_ERROR(ValidatePathId(taskmanager_id, "taskmanager_id"));
  Call call{.path = "/taskmanagers/" + http::PercentEncode(taskmanager_id) + "/logs",
            .timeout = options_.request_timeout,
            .what = "list the log files of TaskManager " + taskmanager_id};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  std::optional<std::vector<LogFileInfo>> logs = ParseLogList(body);
  if (!logs) return NotFlink(answer.address, call.path, "no logs list", Dump(body));
  return std::move(*logs);
}

Result<std::string> FlinkRestClient::TaskManagerLog(const std::string& taskmanager_id) {
  SLUICE_RETURN_IF_ERROR(ValidatePathId(taskmanager_id, "taskmanager_id"));
  return CallText(Call{.path = "/taskmanagers/" + http::PercentEncode(taskmanager_id) + "/log",
                       .timeout = options_.transfer_timeout,
                       .accept_json = false,
                       .what = "send the log of TaskManager " + taskmanager_id});
}

// ---- jars

Result<std::string> FlinkRestClient::UploadJar(const std::string& local_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(local_path, ec)) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("the jar {} does not exist or is not a regular file", local_path),
                 "local_path");
  }
  std::string filename = fs::path(local_path).filename().string();
  if (!filename.ends_with(".jar") || filename.size() <= 4) {
    return Error(
        ErrorCode::INVALID_ARGUMENT,
        fmt::format("the jar's file name must end in .jar (Flink refuses others): {}", filename),
        "local_path");
  }
  Call call{
      .method = "POST",
      .path = "/jars/upload",
      .upload = http::UploadFile{"jarfile", local_path, filename, "application/x-java-archive"},
      .timeout = options_.transfer_timeout,
      .what = "take the jar " + filename};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  Json& body = answer.body;
  // {"filename": "/tmp/flink-web-<uuid>/flink-web-upload/<uuid>_job.jar", "status": "success"}
  std::optional<std::string> stored = StringField(body, "filename");
  std::string jar_id;
  if (stored) {
    size_t slash = stored->find_last_of("/\\");
    jar_id = slash == std::string::npos ? *stored : stored->substr(slash + 1);
  }
  if (jar_id.empty() || !ValidatePathId(jar_id, "jar_id").ok()) {
    return NotFlink(answer.address, call.path, "no usable filename", Dump(body));
  }
  return jar_id;
}

Result<std::string> FlinkRestClient::RunJar(const std::string& jar_id,
                                            const RunJarRequest& request) {
  SLUICE_RETURN_IF_ERROR(ValidatePathId(jar_id, "jar_id"));
  Json body = Json::object();
  if (!request.entry_class.empty()) body["entryClass"] = request.entry_class;
  // Never the 1.x `programArgs` string: 2.0 removed it and would reject the whole body.
  if (!request.program_args.empty()) body["programArgsList"] = request.program_args;
  if (request.parallelism) {
    if (*request.parallelism < 1) {
      return Error(ErrorCode::INVALID_ARGUMENT, "parallelism must be at least 1", "parallelism");
    }
    body["parallelism"] = *request.parallelism;
  }
  if (!request.savepoint_path.empty()) {
    body["savepointPath"] = request.savepoint_path;
    body["allowNonRestoredState"] = request.allow_non_restored_state;
  }
  if (!request.flink_configuration.empty()) {
    body["flinkConfiguration"] = request.flink_configuration;
  }
  if (!request.job_id.empty()) {
    SLUICE_RETURN_IF_ERROR(ValidateJobId(request.job_id));
    body["jobId"] = request.job_id;
  }
  Call call{.method = "POST",
            .path = "/jars/" + http::PercentEncode(jar_id) + "/run",
            .body = std::move(body),
            .timeout = options_.run_timeout,
            .what = "run the jar " + jar_id};
  SLUICE_ASSIGN_OR_RETURN(JsonAnswer answer, CallJson(call));
  std::optional<std::string> job_id = StringField(answer.body, "jobid");
  if (!job_id || !IsHex32(*job_id)) {
    return NotFlink(answer.address, call.path, "no usable jobid", Dump(answer.body));
  }
  return *job_id;
}

Status FlinkRestClient::DeleteJar(const std::string& jar_id) {
  SLUICE_RETURN_IF_ERROR(ValidatePathId(jar_id, "jar_id"));
  Call call{.method = "DELETE",
            .path = "/jars/" + http::PercentEncode(jar_id),
            .timeout = options_.request_timeout,
            .what = "delete the jar " + jar_id};
  SLUICE_RETURN_IF_ERROR(CallJson(call));
  return Status::Ok();
}

}  // namespace sluice::flink
