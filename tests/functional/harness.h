// The functional-test harness: starts the real `sluice serve` binary as a child process on a free
// loopback port with a throw-away data folder, waits (polling with a deadline) until /readyz
// answers, and talks HTTP to it.
//
// The store comes from SLUICE_TEST_DB_URL: empty or unset means SQLite in the data folder;
// otherwise a PostgreSQL or MySQL URL that the test run started (scripts/db/*.sh). Tests that use a
// server database reset it before each server start (see ResetDatabase).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

using Json = nlohmann::json;

struct HttpResult {
  long status = 0;  // 0 when the request failed at the transport level
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string transport_error;                 // set when status == 0

  // The parsed body; null JSON when it is not JSON.
  Json json() const;
  // The error code of an API error body ("" when the body is not an error).
  std::string error_code() const;
};

// A minimal blocking HTTP client (libcurl, 10 s timeout per request). Not thread-safe; make one
// per thread.
class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }
  const std::string& base_url() const { return base_url_; }

  HttpResult Get(const std::string& path);
  HttpResult Delete(const std::string& path);
  HttpResult Post(const std::string& path, const Json& body);
  HttpResult Patch(const std::string& path, const Json& body);
  // Sends `body` as is (for malformed JSON, huge bodies, odd methods and headers).
  HttpResult Raw(const std::string& method, const std::string& path, const std::string& body,
                 const std::map<std::string, std::string>& headers = {});

 private:
  std::string base_url_;
  std::string token_;
  void* curl_;
};

struct ServerOptions {
  std::string admin_password = "admin-password-for-tests";
  std::map<std::string, std::string> extra_env;  // e.g. SLUICE_LOGIN_MAX_FAILURES
  std::vector<std::string> extra_args;
};

// One `sluice serve` process. The destructor stops it (SIGTERM, then SIGKILL after a deadline)
// and removes the data folder.
class SluiceProcess {
 public:
  explicit SluiceProcess(ServerOptions options = {});
  ~SluiceProcess();

  // Starts the process and waits until /readyz answers 200 (deadline 20 s). Returns false, with
  // the reason and the server log in `error`, when it exits or the deadline passes.
  bool Start(std::string* error);
  // Sends SIGTERM and waits for exit (deadline 20 s); returns the exit status, -1 on timeout.
  int Stop();
  // SIGKILL, no cleanup: for crash-safety tests. The data folder is kept for a restart.
  void Kill9();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string base_url() const;
  const std::string& data_dir() const { return data_dir_; }
  std::string log() const;  // what the server printed so far (<data_dir>/server.log)
  // The URL of the store this server uses (sqlite://<data_dir>/sluice.db or TestDatabaseUrl()).
  std::string store_url() const;
  // A client logged in as admin (logs in on first use).
  HttpClient& admin();

 private:
  bool StartOnce(std::string* error);

  ServerOptions options_;
  std::string data_dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::optional<HttpClient> admin_;
};

// A server-sent events stream read on a plain socket (so nothing buffers it): GET `path` on
// 127.0.0.1:`port` with the bearer token and, when given, Last-Event-ID.
class EventStreamReader {
 public:
  EventStreamReader(int port, const std::string& path, const std::string& token,
                    const std::string& last_event_id = "");
  ~EventStreamReader();
  EventStreamReader(const EventStreamReader&) = delete;
  EventStreamReader& operator=(const EventStreamReader&) = delete;
  // Reads until `done(everything read so far)` is true, the server closes, or `deadline` passes;
  // answers whether `done` became true.
  bool ReadUntil(const std::function<bool(const std::string&)>& done,
                 std::chrono::milliseconds deadline);
  const std::string& text() const { return text_; }
  // Whether the server closed the connection (seen by a ReadUntil).
  bool closed() const { return fd_ < 0; }
  // The JSON data of every "event: <name>" frame read so far.
  std::vector<Json> Events(const std::string& name) const;
  std::vector<Json> AppEvents() const { return Events("app"); }

 private:
  int fd_ = -1;
  std::string text_;
};

// The database URL under test ("" for SQLite).
std::string TestDatabaseUrl();
// Drops every table in the server database named by TestDatabaseUrl() (no-op for SQLite) so each
// test starts from an empty store.
void ResetDatabase();
// A free TCP port on 127.0.0.1.
int FreePort();
// Path of the built `sluice` binary.
std::string SluiceBinary();
// Runs one query on the database at `url` (the project's store library) and returns the first
// column of the first row as an integer. Throws std::runtime_error on failure.
int64_t QueryInt(const std::string& url, const std::string& sql);
// Polls `condition` every 20 ms until it is true or `deadline` passes.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline);

}  // namespace sluice::testing
