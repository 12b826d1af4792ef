// Fakes for the command-line client's unit tests: an HTTP client answering from a table of
// canned responses and recording every request, and a console with scripted input.
#pragma once

#include <deque>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/console.h"
#include "http/client.h"

namespace sluice::cli {

class FakeHttpClient final : public http::HttpClient {
 public:
  // Answers `method` on `path` (the URL's path, without scheme, host or query) with `status`
  // and `body`. A later On() for the same method and path replaces the earlier one.
  void On(const std::string& method, const std::string& path, int status, std::string body,
          std::map<std::string, std::string> headers = {}) {
    http::ClientResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    routes_[method + " " + path] = std::move(response);
  }
  // Every request fails as if the server could not be connected to.
  void SetUnreachable(std::string reason) { unreachable_ = std::move(reason); }

  http::ClientResult Send(const http::ClientRequest& request) override {
    requests_.push_back(request);
    if (!unreachable_.empty()) {
      return http::ClientFailure{http::ClientFailure::Kind::kCouldNotConnect, unreachable_};
    }
    auto it = routes_.find(request.method + " " + PathOf(request.url));
    if (it != routes_.end()) return it->second;
    http::ClientResponse missing;
    missing.status = 404;
    missing.body =
        R"({"error":{"code":"ROUTE_NOT_FOUND","number":1003,"message":"no such route","request_id":"fake-404"}})";
    return missing;
  }

  const std::vector<http::ClientRequest>& requests() const { return requests_; }
  const http::ClientRequest& last() const { return requests_.back(); }

  // "http://h:1/api/v1/x?y=1" -> "/api/v1/x"
  static std::string PathOf(const std::string& url) {
    size_t start = url.find("://");
    start = url.find('/', start == std::string::npos ? 0 : start + 3);
    if (start == std::string::npos) return "/";
    size_t end = url.find('?', start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  // "http://h:1/api/v1/x?y=1" -> "y=1"
  static std::string QueryOf(const std::string& url) {
    size_t q = url.find('?');
    return q == std::string::npos ? "" : url.substr(q + 1);
  }
  // The value of header `name` in `request`, or "" when absent.
  static std::string Header(const http::ClientRequest& request, const std::string& name) {
    for (const auto& [n, v] : request.headers) {
      if (n == name) return v;
    }
    return "";
  }

 private:
  std::map<std::string, http::ClientResponse> routes_;
  std::vector<http::ClientRequest> requests_;
  std::string unreachable_;
};

class FakeConsole final : public Console {
 public:
  std::ostream& out() override { return out_; }
  std::ostream& err() override { return err_; }
  bool Interactive() override { return interactive; }
  ApiResult<std::string> ReadStdin() override { return stdin_text; }
  ApiResult<std::string> Prompt(std::string_view prompt, bool secret) override {
    prompts.emplace_back(std::string(prompt), secret);
    if (answers.empty()) return ApiError::Usage("no input");
    std::string answer = answers.front();
    answers.pop_front();
    return answer;
  }

  std::string Out() const { return out_.str(); }
  std::string Err() const { return err_.str(); }

  bool interactive = false;
  std::string stdin_text;
  std::deque<std::string> answers;                    // typed at prompts, in order
  std::vector<std::pair<std::string, bool>> prompts;  // (prompt, secret) as asked

 private:
  std::ostringstream out_;
  std::ostringstream err_;
};

}  // namespace sluice::cli
