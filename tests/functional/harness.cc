#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

extern char** environ;
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "store/database.h"

namespace sluice::testing {

Json HttpResult::json() const { return Json::parse(body, nullptr, false); }

std::string HttpResult::error_code() const {
  Json parsed = json();
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object() &&
      parsed["error"].contains("code")) {
    return parsed["error"]["code"].get<std::string>();
  }
  return "";
}

namespace {

void GlobalCurlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(value.begin());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * count;
}

}  // namespace

HttpClient::HttpClient(std::string base_url) : base_url_(std::move(base_url)) {
  GlobalCurlInit();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResult HttpClient::Raw(const std::string& method, const std::string& path,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  HttpResult result;
  std::string url = base_url_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  struct curl_slist* list = nullptr;
  bool has_auth = headers.count("Authorization") > 0;
  if (!token_.empty() && !has_auth) {
    list = curl_slist_append(list, ("Authorization: Bearer " + token_).c_str());
  }
  bool has_type = headers.count("Content-Type") > 0;
  if (!has_type) list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.transport_error = curl_easy_strerror(rc);
    // A server that answers early (413) and closes may make the send fail; keep its answer.
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 0) result.status = status;
  }
  curl_slist_free_all(list);
  return result;
}

HttpResult HttpClient::Get(const std::string& path) { return Raw("GET", path, ""); }
HttpResult HttpClient::Delete(const std::string& path) { return Raw("DELETE", path, ""); }
HttpResult HttpClient::Post(const std::string& path, const Json& body) {
  return Raw("POST", path, body.is_null() ? "" : body.dump());
}
HttpResult HttpClient::Patch(const std::string& path, const Json& body) {
  return Raw("PATCH", path, body.dump());
}

std::string TestDatabaseUrl() {
  const char* url = std::getenv("SLUICE_TEST_DB_URL");
  return url != nullptr ? url : "";
}

void ResetDatabase() {
  std::string url = TestDatabaseUrl();
  if (url.empty()) return;
  auto db = store::OpenDatabase(url);
  if (!db.ok()) {
    throw std::runtime_error("cannot open the test database " + url + ": " + db.error().message +
                             " " + db.error().internal_detail);
  }
  if ((*db)->dialect() == store::Dialect::kPostgres) {
    Status status = (*db)->Transaction([](store::Connection& c) -> Status {
      return c.ExecScript("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
    });
    if (!status.ok()) {
      throw std::runtime_error("cannot reset PostgreSQL: " + status.error().internal_detail);
    }
    return;
  }
  if ((*db)->dialect() != store::Dialect::kMysql) {
    throw std::runtime_error("SLUICE_TEST_DB_URL is neither PostgreSQL nor MySQL: " + url);
  }
  // One connection for all of it: FOREIGN_KEY_CHECKS is per session.
  Status status = (*db)->Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(store::Rows tables,
                            c.Query("SELECT table_name AS t FROM information_schema.tables "
                                    "WHERE table_schema = DATABASE()"));
    SLUICE_RETURN_IF_ERROR(c.ExecScript("SET FOREIGN_KEY_CHECKS = 0"));
    for (size_t i = 0; i < tables.size(); ++i) {
      std::string name = tables.Text(i, "t");
      if (name.find('`') != std::string::npos) {
        return Error(ErrorCode::INTERNAL, "unexpected table name", "", name);
      }
      SLUICE_RETURN_IF_ERROR(c.ExecScript("DROP TABLE IF EXISTS `" + name + "`"));
    }
    return c.ExecScript("SET FOREIGN_KEY_CHECKS = 1");
  });
  if (!status.ok()) {
    throw std::runtime_error("cannot reset MySQL: " + status.error().message + " " +
                             status.error().internal_detail);
  }
}

int64_t QueryInt(const std::string& url, const std::string& sql) {
  auto db = store::OpenDatabase(url);
  if (!db.ok()) throw std::runtime_error("cannot open " + url + ": " + db.error().message);
  auto rows = (*db)->Query(sql);
  if (!rows.ok()) {
    throw std::runtime_error("query failed: " + sql + ": " + rows.error().internal_detail);
  }
  if (rows->size() == 0 || rows->rows[0].empty()) throw std::runtime_error("no rows: " + sql);
  const store::Value& value = rows->rows[0][0];
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  if (const auto* text = std::get_if<std::string>(&value)) return std::stoll(*text);
  throw std::runtime_error("not an integer: " + sql);
}

EventStreamReader::EventStreamReader(int port, const std::string& path, const std::string& token,
                                     const std::string& last_event_id) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                        token + "\r\nAccept: text/event-stream\r\n";
  if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
  request += "\r\n";
  (void)::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

EventStreamReader::~EventStreamReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool EventStreamReader::ReadUntil(const std::function<bool(const std::string&)>& done,
                                  std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!done(text_)) {
    if (fd_ < 0 || std::chrono::steady_clock::now() >= until) return false;
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      text_.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      ::close(fd_);
      fd_ = -1;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return true;
}

std::vector<Json> EventStreamReader::Events(const std::string& name) const {
  std::vector<Json> out;
  const std::string marker = "event: " + name + "\ndata: ";
  for (size_t at = text_.find(marker); at != std::string::npos; at = text_.find(marker, at)) {
    at += marker.size();
    size_t end = text_.find('\n', at);
    if (end == std::string::npos) break;  // the rest of this frame has not arrived yet
    Json event = Json::parse(text_.substr(at, end - at), nullptr, false);
    if (!event.is_discarded()) out.push_back(std::move(event));
  }
  return out;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string SluiceBinary() { return SLUICE_BINARY; }

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

SluiceProcess::SluiceProcess(ServerOptions options) : options_(std::move(options)) {
  char pattern[] = "/tmp/sluice-func-XXXXXX";
  char* dir = ::mkdtemp(pattern);
  if (dir == nullptr) throw std::runtime_error("mkdtemp failed");
  data_dir_ = dir;
}

SluiceProcess::~SluiceProcess() {
  admin_.reset();
  if (pid_ > 0) Stop();
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

std::string SluiceProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string SluiceProcess::store_url() const {
  std::string url = TestDatabaseUrl();
  return url.empty() ? "sqlite://" + data_dir_ + "/sluice.db" : url;
}

std::string SluiceProcess::log() const {
  std::ifstream in(data_dir_ + "/server.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {

// The environment of the child, prepared before fork() so the child only calls execve().
std::vector<std::string> ChildEnvironment(const ServerOptions& options) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    auto eq = text.find('=');
    if (eq != std::string::npos) env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  env.erase("SLUICE_ADMIN_PASSWORD");
  if (!options.admin_password.empty()) env["SLUICE_ADMIN_PASSWORD"] = options.admin_password;
  for (const auto& [name, value] : options.extra_env) env[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& text : strings) out.push_back(text.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

bool SluiceProcess::Start(std::string* error) {
  if (pid_ > 0) {
    *error = "already running";
    return false;
  }
  // FreePort() cannot reserve the port; when another process takes it between the probe and the
  // bind, the server exits with "cannot listen" and we try another port.
  for (int attempt = 1;; ++attempt) {
    if (port_ == 0) port_ = FreePort();
    size_t log_before = log().size();
    if (StartOnce(error)) return true;
    bool port_taken = log().find("cannot listen", log_before) != std::string::npos;
    if (!port_taken || attempt == 3) return false;
    port_ = 0;
  }
}

bool SluiceProcess::StartOnce(std::string* error) {
  std::string log_path = data_dir_ + "/server.log";
  std::vector<std::string> args = {SluiceBinary(), "serve",
                                   "--listen",     "127.0.0.1:" + std::to_string(port_),
                                   "--data-dir",   data_dir_};
  if (!TestDatabaseUrl().empty()) {
    args.push_back("--db");
    args.push_back(TestDatabaseUrl());
  }
  for (const auto& arg : options_.extra_args) args.push_back(arg);
  std::vector<std::string> env = ChildEnvironment(options_);
  std::vector<char*> argv = Pointers(args);
  std::vector<char*> envp = Pointers(env);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    *error = "cannot open " + log_path;
    return false;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group: signals to the test runner do not reach it
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::setpgid(pid, pid);  // also from the parent, so Stop() can signal the group at once
  pid_ = pid;
  HttpClient probe(base_url());
  int exit_status = 0;
  bool ready = WaitFor(
      [&] {
        if (::waitpid(pid_, &exit_status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;
        }
        return probe.Get("/readyz").status == 200;
      },
      std::chrono::seconds(20));
  if (pid_ < 0) {
    *error =
        "sluice exited during start (status " + std::to_string(exit_status) + "); log:\n" + log();
    return false;
  }
  if (!ready) {
    *error = "sluice did not become ready within 20 s; log:\n" + log();
    return false;
  }
  return true;
}

int SluiceProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  bool exited =
      WaitFor([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, std::chrono::seconds(20));
  if (!exited) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void SluiceProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  admin_.reset();
}

HttpClient& SluiceProcess::admin() {
  if (!admin_) {
    admin_.emplace(base_url());
    HttpResult login = admin_->Post("/api/v1/auth/login",
                                    {{"username", "admin"}, {"password", options_.admin_password}});
    if (login.status != 200) {
      throw std::runtime_error("admin login failed: " + std::to_string(login.status) + " " +
                               login.body);
    }
    admin_->set_token(login.json()["token"].get<std::string>());
  }
  return *admin_;
}

}  // namespace sluice::testing
