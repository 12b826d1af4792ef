// One area's authenticated routes, each registered in one call: the method, the path, the audit
// action, the OpenAPI summary and bodies, the success status, the member function that answers,
// and the query parameters it reads. Every area used to build the RouteDoc and wrap its member
// function in a lambda of its own; this is that lambda, once.
//
//   system::RouteTable route(router, guard, *this, "apps");
//   route("POST", "/api/v1/apps/{id}/deploy", "app.deploy", "deploy the app", body_schema,
//         op_schema, 202, &AppService::Deploy);
//
// The member function runs behind ApiGuard::WrapAnswer (authentication, audit of mutations,
// errors answered as values).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "http/message.h"
#include "http/router.h"
#include "system/api_guard.h"

namespace sluice::system {

template <typename Service>
class RouteTable {
 public:
  using Method = Result<http::Response> (Service::*)(http::Request&, const Principal&);

  // `tag` groups the routes in the OpenAPI document. The router, guard and service must outlive
  // the routes.
  RouteTable(http::Router& router, const ApiGuard& guard, Service& service, std::string tag)
      : router_(router), guard_(guard), service_(service), tag_(std::move(tag)) {}

  // A `response_body` of {"type": "string"} is documented as text/plain unless `content_type`
  // names another type.
  void operator()(const char* verb, const char* path, const char* action, const char* summary,
                  Json request_body, Json response_body, int status, Method method,
                  std::vector<std::string> query = {}, const char* content_type = nullptr) const {
    http::RouteDoc doc;
    doc.summary = summary;
    doc.tag = tag_;
    doc.request_body = std::move(request_body);
    doc.response_body = std::move(response_body);
    doc.success_status = status;
    doc.query_params = std::move(query);
    if (content_type != nullptr) {
      doc.response_content_type = content_type;
    } else if (doc.response_body.is_object() && doc.response_body.value("type", "") == "string") {
      doc.response_content_type = "text/plain";
    }
    Service* service = &service_;
    router_.Add(verb, path, std::move(doc),
                guard_.WrapAnswer(
                    action, [service, method](http::Request& request, const Principal& principal) {
                      return (service->*method)(request, principal);
                    }));
  }

 private:
  http::Router& router_;
  const ApiGuard& guard_;
  Service& service_;
  std::string tag_;
};

}  // namespace sluice::system
