#include "http/router.h"

#include <stdexcept>

namespace sluice::http {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Scores a match: -1 for no match, else higher for more literal segments (more specific).
int MatchScore(const Route& route, const std::vector<std::string>& parts,
               std::map<std::string, std::string>* params) {
  if (route.segments.size() != parts.size()) return -1;
  int score = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& segment = route.segments[i];
    if (IsParam(segment)) {
      if (params != nullptr) (*params)[segment.substr(1, segment.size() - 2)] = parts[i];
    } else if (segment == parts[i]) {
      score += 1 << (16 - std::min<size_t>(i, 15));
    } else {
      return -1;
    }
  }
  return score;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, RouteDoc doc, Handler handler) {
  for (const Route& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      throw std::logic_error("duplicate route " + method + " " + pattern);
    }
  }
  Route route{std::move(method), std::move(pattern), std::move(doc), std::move(handler), {}};
  route.segments = Split(route.pattern);
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  std::vector<std::string> parts = Split(path);
  Match match;
  int best = -1;
  int best_any_method = -1;
  std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  for (const Route& route : routes_) {
    int score = MatchScore(route, parts, nullptr);
    if (score < 0) continue;
    if (score > best_any_method) {
      best_any_method = score;
      match.allowed_methods.clear();
    }
    if (score == best_any_method) match.allowed_methods.push_back(route.method);
    if (route.method == wanted && score > best) {
      best = score;
      match.route = &route;
    }
  }
  if (match.route != nullptr && best == best_any_method) {
    match.kind = MatchKind::kFound;
    MatchScore(*match.route, parts, &match.params);
    match.allowed_methods.clear();
    return match;
  }
  if (best_any_method >= 0) {
    match.kind = MatchKind::kMethodNotAllowed;
    match.route = nullptr;
    return match;
  }
  match.kind = MatchKind::kNotFound;
  return match;
}

Json BuildOpenApi(const Router& router, std::string_view version) {
  Json paths = Json::object();
  for (const Route& route : router.routes()) {
    Json operation = {{"summary", route.doc.summary},
                      {"tags", Json::array({route.doc.tag})},
                      {"operationId", route.method + " " + route.pattern}};
    Json parameters = Json::array();
    for (const std::string& segment : route.segments) {
      if (IsParam(segment)) {
        parameters.push_back({{"name", segment.substr(1, segment.size() - 2)},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", "string"}}}});
      }
    }
    for (const std::string& name : route.doc.query_params) {
      parameters.push_back({{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    }
    if (!parameters.empty()) operation["parameters"] = parameters;
    if (!route.doc.request_body.is_null()) {
      operation["requestBody"] = {
          {"required", true},
          {"content", {{route.doc.request_content_type, {{"schema", route.doc.request_body}}}}}};
    }
    Json success = {{"description", "success"}};
    if (!route.doc.response_body.is_null()) {
      success["content"] = {
          {route.doc.response_content_type, {{"schema", route.doc.response_body}}}};
    }
    Json responses = {
        {std::to_string(route.doc.success_status), success},
        {"default",
         {{"description", "an error"},
          {"content",
           {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    operation["responses"] = responses;
    if (route.doc.authenticated) {
      operation["security"] = Json::array({{{"bearer", Json::array()}}});
    } else {
      operation["security"] = Json::array();
    }
    std::string lower = route.method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[route.pattern][lower] = operation;
  }
  Json error_schema = {{"type", "object"},
                       {"required", {"error"}},
                       {"properties",
                        {{"error",
                          {{"type", "object"},
                           {"required", {"code", "number", "message", "request_id"}},
                           {"properties",
                            {{"code", {{"type", "string"}}},
                             {"number", {{"type", "integer"}}},
                             {"message", {{"type", "string"}}},
                             {"field", {{"type", "string"}}},
                             {"request_id", {{"type", "string"}}}}}}}}}};
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "Sluice API"}, {"version", std::string(version)}}},
          {"paths", paths},
          {"components",
           {{"schemas", {{"Error", error_schema}}},
            {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace sluice::http
