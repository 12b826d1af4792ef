#include "sql/validator.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "resources/file_hash.h"

namespace sluice::sql {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct RunnerValidatorPool::Process {
  std::mutex mu;  // one request (or start) at a time
  flink::ProcessIdentity identity;
  int port = 0;
  std::string token;
  std::string name;  // for logs and file names
  uint64_t last_used = 0;
  bool started = false;
};

namespace {

std::string RandomToken() {
  unsigned char bytes[24];
  randombytes_buf(bytes, sizeof bytes);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}

std::string JavaBinary(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* home = std::getenv("JAVA_HOME"); home && *home) {
    std::string java = std::string(home) + "/bin/java";
    if (::access(java.c_str(), X_OK) == 0) return java;
  }
  return "java";
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Finding FlinkFinding(int statement_line, std::string message) {
  Finding f;
  f.severity = "error";
  f.code = "flink";
  f.line = statement_line > 0 ? statement_line : 1;
  static const std::regex kPosition(R"([Ll]ine (\d+), column (\d+))");
  std::smatch m;
  if (std::regex_search(message, m, kPosition)) {
    f.line = std::stoi(m[1].str());
    f.column = std::stoi(m[2].str());
  }
  f.message = std::move(message);
  return f;
}

RunnerValidatorPool::RunnerValidatorPool(RunnerValidatorOptions options, http::HttpClient& client)
    : options_(std::move(options)), client_(client) {}

RunnerValidatorPool::~RunnerValidatorPool() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
  StopAll();
}

void RunnerValidatorPool::StopAll() {
  std::vector<std::shared_ptr<Process>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, p] : processes_) all.push_back(p);
  }
  for (auto& p : all) {
    std::lock_guard plock(p->mu);
    if (p->started) (void)flink::TerminateGroup(p->identity, std::chrono::seconds(2));
    p->started = false;
  }
}

size_t RunnerValidatorPool::process_count() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [key, p] : processes_) n += p->started ? 1 : 0;
  return n;
}

Status RunnerValidatorPool::Start(Process& p, const ValidationTarget& target) {
  if (options_.runner_jar.empty())
    return Error(ErrorCode::SQL_VALIDATOR_UNAVAILABLE,
                 "validation by Flink is not available: the server has no SQL runner (runner_jar)");
  std::error_code ec;
  fs::create_directories(options_.work_dir, ec);
  fs::path port_file = fs::path(options_.work_dir) / (p.name + ".port");
  fs::remove(port_file, ec);
  std::string classpath =
      (fs::path(target.flink_home) / "lib" / "*").string() + ":" + options_.runner_jar;
  for (const auto& jar : target.jars) classpath += ":" + jar;
  flink::SpawnSpec spec;
  spec.argv.push_back(JavaBinary(options_.java));
  for (const auto& o : options_.jvm_options) spec.argv.push_back(o);
  spec.argv.insert(spec.argv.end(), {"-cp", classpath, "dev.sluice.runner.SqlRunner", "--serve",
                                     port_file.string()});
  p.token = RandomToken();
  spec.env_overrides["SLUICE_VALIDATOR_TOKEN"] = p.token;
  spec.env_overrides["SLUICE_VALIDATOR_PARENT"] = std::to_string(::getpid());
  spec.env_overrides["FLINK_HOME"] = target.flink_home;
  spec.working_dir = options_.work_dir;
  spec.output_path = (fs::path(options_.work_dir) / (p.name + ".log")).string();
  auto started = flink::Spawn(spec);
  if (!started.ok())
    return Error(ErrorCode::SQL_VALIDATOR_UNAVAILABLE,
                 "the validator for Flink " + target.flink_version +
                     " did not start: " + started.error().message,
                 "", started.error().internal_detail);
  p.identity = *started;
  auto deadline = Clock::now() + options_.start_timeout;
  while (Clock::now() < deadline) {
    if (auto text = ReadFile(port_file)) {
      p.port = std::atoi(text->c_str());
      if (p.port > 0) {
        p.started = true;
        spdlog::info("sql: validator {} for Flink {} ({} jars) listening on 127.0.0.1:{}", p.name,
                     target.flink_version, target.jars.size(), p.port);
        return Status::Ok();
      }
    }
    if (!flink::IsAlive(p.identity)) {
      std::optional<int> code = flink::TryReap(p.identity.pid);
      return Error(ErrorCode::SQL_VALIDATOR_UNAVAILABLE,
                   "the validator for Flink " + target.flink_version + " exited at start (status " +
                       std::to_string(code.value_or(-1)) + "); see " + spec.output_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (void)flink::TerminateGroup(p.identity, std::chrono::seconds(1));
  return Error(ErrorCode::SQL_VALIDATOR_TIMEOUT,
               "the validator for Flink " + target.flink_version + " did not start in time");
}

Result<Json> RunnerValidatorPool::Call(const ValidationTarget& target, const std::string& path,
                                       std::string_view body) {
  std::string key = target.flink_home;
  for (const auto& j : target.jars) key += "\n" + j;
  std::shared_ptr<Process> p;
  std::shared_ptr<Process> evict;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(key);
    if (it == processes_.end()) {
      if (processes_.size() >= options_.max_processes) {
        auto lru = std::min_element(processes_.begin(), processes_.end(), [](auto& a, auto& b) {
          return a.second->last_used < b.second->last_used;
        });
        evict = lru->second;
        processes_.erase(lru);
      }
      auto created = std::make_shared<Process>();
      created->name = "validator-" + resources::Sha256Hex(key).substr(0, 12);
      it = processes_.emplace(key, created).first;
    }
    p = it->second;
    p->last_used = ++use_counter_;
  }
  if (evict) {
    std::lock_guard elock(evict->mu);
    if (evict->started) (void)flink::TerminateGroup(evict->identity, std::chrono::seconds(2));
    evict->started = false;
  }
  std::lock_guard plock(p->mu);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (p->started && !flink::IsAlive(p->identity)) {
      (void)flink::TryReap(p->identity.pid);
      spdlog::warn("sql: validator {} died; starting it again", p->name);
      p->started = false;
    }
    if (!p->started) SLUICE_RETURN_IF_ERROR(Start(*p, target));
    http::ClientRequest request;
    request.method = body.empty() && path == "/factories" ? "GET" : "POST";
    request.url = "http://127.0.0.1:" + std::to_string(p->port) + path;
    request.headers = {{"X-Sluice-Token", p->token}, {"Content-Type", "text/plain; charset=utf-8"}};
    request.body = std::string(body);
    request.timeout = options_.request_timeout;
    http::ClientResult answer = client_.Send(request);
    if (!answer.ok()) {
      if (answer.failure().kind == http::ClientFailure::Kind::kTimeout) {
        // A check that hangs: the JVM is stopped so the next one starts clean.
        (void)flink::TerminateGroup(p->identity, std::chrono::seconds(1));
        p->started = false;
        return Error(ErrorCode::SQL_VALIDATOR_TIMEOUT,
                     "the validator for Flink " + target.flink_version + " did not answer in time");
      }
      if (attempt == 0 && !flink::IsAlive(p->identity)) continue;  // died: start it again
      return Error(ErrorCode::SQL_VALIDATOR_FAILED,
                   "the validator for Flink " + target.flink_version + " did not answer", "",
                   answer.failure().message);
    }
    Json json = Json::parse(answer->body, nullptr, false);
    if (json.is_discarded() || !json.is_object())
      return Error(ErrorCode::SQL_VALIDATOR_FAILED,
                   "the validator gave an answer that is not JSON");
    return json;
  }
  return Error(ErrorCode::SQL_VALIDATOR_FAILED, "the validator did not answer");
}

Result<ValidationResult> RunnerValidatorPool::Check(const ValidationTarget& target,
                                                    std::string_view script, bool explain) {
  SLUICE_ASSIGN_OR_RETURN(Json json, Call(target, explain ? "/explain" : "/validate", script));
  ValidationResult r;
  r.valid = json.value("ok", false);
  r.millis = json.value("millis", int64_t{0});
  if (!r.valid && json.contains("error") && json["error"].is_object()) {
    const Json& e = json["error"];
    r.findings.push_back(
        FlinkFinding(e.value("line", 0), e.value("message", std::string("invalid"))));
  }
  if (json.contains("plans") && json["plans"].is_array())
    for (const Json& p : json["plans"])
      r.plans.push_back({p.value("line", 0), p.value("plan", std::string())});
  return r;
}

std::string RunnerValidatorPool::CatalogKey(const ValidationTarget& target) {
  std::string material = "flink " + target.flink_version + "\n" + target.flink_home + "\n";
  std::vector<std::string> digests;
  for (const auto& jar : target.jars) {
    struct stat st {};
    std::string stamp;
    if (::stat(jar.c_str(), &st) == 0)
      stamp = std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
              std::to_string(st.st_mtim.tv_nsec);
    std::string digest;
    {
      std::lock_guard lock(mu_);
      auto it = jar_digests_.find(jar);
      if (it != jar_digests_.end() && it->second.first == stamp) digest = it->second.second;
    }
    if (digest.empty()) {
      auto d = resources::Sha256OfFile(jar);
      digest = d.ok() ? d->sha256 : "unreadable:" + jar;
      std::lock_guard lock(mu_);
      jar_digests_[jar] = {stamp, digest};
    }
    digests.push_back(digest);
  }
  std::sort(digests.begin(), digests.end());
  for (const auto& d : digests) material += d + "\n";
  return resources::Sha256Hex(material);
}

std::optional<ConnectorCatalog> RunnerValidatorPool::CachedConnectors(
    const ValidationTarget& target) {
  std::string key = CatalogKey(target);
  {
    std::lock_guard lock(mu_);
    auto it = catalogs_.find(key);
    if (it != catalogs_.end()) return it->second;
  }
  fs::path file = fs::path(options_.work_dir) / "connectors" / (key + ".json");
  if (auto text = ReadFile(file)) {
    Json json = Json::parse(*text, nullptr, false);
    if (!json.is_discarded()) {
      auto catalog = ConnectorCatalog::FromJson(json);
      if (catalog.ok()) {
        std::lock_guard lock(mu_);
        catalogs_[key] = *catalog;
        return *catalog;
      }
    }
  }
  return std::nullopt;
}

Result<ConnectorCatalog> RunnerValidatorPool::Connectors(const ValidationTarget& target) {
  if (auto cached = CachedConnectors(target)) return *cached;
  SLUICE_ASSIGN_OR_RETURN(Json json, Call(target, "/factories", ""));
  SLUICE_ASSIGN_OR_RETURN(ConnectorCatalog catalog, ConnectorCatalog::FromJson(json));
  std::string key = CatalogKey(target);
  std::error_code ec;
  fs::path dir = fs::path(options_.work_dir) / "connectors";
  fs::create_directories(dir, ec);
  {
    std::ofstream out(dir / (key + ".json.tmp"), std::ios::binary | std::ios::trunc);
    out << catalog.ToJson().dump();
  }
  fs::rename(dir / (key + ".json.tmp"), dir / (key + ".json"), ec);
  std::lock_guard lock(mu_);
  catalogs_[key] = catalog;
  return catalog;
}

void RunnerValidatorPool::PrefetchConnectors(const ValidationTarget& target) {
  std::string key = target.flink_home;
  for (const auto& j : target.jars) key += "\n" + j;
  std::lock_guard lock(mu_);
  if (options_.runner_jar.empty() || prefetching_.count(key)) return;
  prefetching_.insert(key);
  threads_.emplace_back([this, target, key] {
    auto r = Connectors(target);
    if (!r.ok()) spdlog::warn("sql: reading the connectors failed: {}", r.error().message);
    std::lock_guard done(mu_);
    prefetching_.erase(key);  // a failure is tried again by the next lint
  });
}

}  // namespace sluice::sql
