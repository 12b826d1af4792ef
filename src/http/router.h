// Routes: method + path pattern ("/api/v1/teams/{id}/members/{user_id}") to a handler, each with
// the documentation that the OpenAPI document is generated from, so a route cannot exist without
// being described.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "http/message.h"

namespace sluice::http {

using Handler = std::function<Response(Request&)>;

struct RouteDoc {
  std::string summary;        // one line, shown in the OpenAPI document
  std::string tag;            // groups routes, e.g. "people"
  bool authenticated = true;  // needs a bearer token
  Json request_body;          // JSON schema of the body, or null
  Json response_body;         // JSON schema of the success body, or null
  int success_status = 200;
  std::string response_content_type = "application/json";
  std::vector<std::string> query_params;  // documented query parameters
  // The request body's media type in the OpenAPI document (e.g. "multipart/form-data").
  std::string request_content_type = "application/json";
  // A larger body limit for this route (uploads); 0: the server's limit. The server reads the
  // request line and headers first, finds the route, and only then lets the body grow past its
  // own limit, so every other route keeps answering 413 at the server's limit.
  uint64_t max_body_bytes = 0;
};

struct Route {
  std::string method;
  std::string pattern;
  RouteDoc doc;
  Handler handler;
  std::vector<std::string> segments;  // the pattern split on '/'
};

class Router {
 public:
  // Registers a route. Precondition: no route with the same method and pattern (checked).
  void Add(std::string method, std::string pattern, RouteDoc doc, Handler handler);

  enum class MatchKind { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    MatchKind kind = MatchKind::kNotFound;
    const Route* route = nullptr;               // kFound
    std::map<std::string, std::string> params;  // kFound
    std::vector<std::string> allowed_methods;   // kMethodNotAllowed
  };
  // Finds the route for a request. Literal segments win over {params} at the same position.
  // HEAD matches GET routes.
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// The OpenAPI 3.0 document describing every route of `router`.
Json BuildOpenApi(const Router& router, std::string_view version);

}  // namespace sluice::http
