#include "alerts/alerts_module.h"

#include <fmt/format.h>

#include <filesystem>

#include "alerts/restarter.h"
#include "http/answers.h"
#include "resources/api_helpers.h"
#include "system/authorizer.h"
#include "system/route_table.h"

namespace sluice::alerts {

using system::Action;
using system::Authorize;
using system::Principal;

namespace {

// A query whose rows are not needed, as a Status.
Status Exec(Result<store::Rows> rows) {
  if (!rows.ok()) return std::move(rows).error();
  return Status::Ok();
}

Json ParseOr(const std::string& text, Json fallback) {
  if (text.empty()) return fallback;
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() || parsed.is_null() ? fallback : parsed;
}

std::string Time(int64_t ms) { return FormatRfc3339(FromUnixMillis(ms)); }
Json OptTime(const std::optional<int64_t>& ms) { return ms ? Json(Time(*ms)) : Json(); }
Json OptInt(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(); }

Error AppNotFound(int64_t id) {
  return Error(ErrorCode::APP_NOT_FOUND, fmt::format("no application with id {}", id));
}

}  // namespace

AlertsModule::AlertsModule(store::Database& database, const Clock& clock, apps::AppsModule& apps,
                           AlertsModuleOptions options, std::unique_ptr<Sender> sender,
                           std::unique_ptr<Redeployer> redeployer,
                           std::unique_ptr<FlinkJobReader> reader)
    : database_(database),
      clock_(clock),
      apps_(apps),
      sender_(std::move(sender)),
      redeployer_(std::move(redeployer)),
      reader_(std::move(reader)) {
  if (!sender_) sender_ = std::make_unique<CurlSender>(options.sender);
  if (!redeployer_) {
    redeployer_ = std::make_unique<AppsRedeployer>(database, apps.operations(), apps.journal(),
                                                   [&apps] { apps.WakeOperations(); });
  }
  secrets_ = std::make_unique<SecretKeeper>(
      (std::filesystem::path(options.data_dir) / "secret.key").string());
  channels_ = std::make_unique<ChannelService>(database, clock, *secrets_, *sender_,
                                               options.engine.public_url);
  engine_ = std::make_unique<AlertEngine>(database, clock, *channels_, *sender_, *redeployer_,
                                          options.engine);
  if (!reader_) reader_ = std::make_unique<GatewayJobReader>(apps.gateway());
  watcher_ =
      std::make_unique<JobWatcher>(database, clock, *engine_, *reader_, options.engine.watch);
  watcher_->set_masker([&apps](int64_t app_id, std::string text) {
    return apps.actions().MaskForApp(app_id, std::move(text));
  });
}

AlertsModule::~AlertsModule() { Stop(); }

void AlertsModule::Start() {
  if (!subscription_) {
    AlertEngine* engine = engine_.get();
    subscription_ = apps_.journal().changed().Subscribe([engine] { engine->Wake(); });
  }
  engine_->Start();
  watcher_->Start();
}

void AlertsModule::Stop() {
  if (subscription_) {
    apps_.journal().changed().Unsubscribe(subscription_);
    subscription_ = 0;
  }
  watcher_->Stop();
  engine_->Stop();
}

Result<int64_t> AlertsModule::AppTeam(int64_t app_id, const Principal& principal, Action action) {
  SLUICE_ASSIGN_OR_RETURN(store::Rows rows,
                          database_.Query("SELECT team_id FROM apps WHERE id = ?", {app_id}));
  if (rows.empty()) return AppNotFound(app_id);
  int64_t team_id = rows.Int(0, "team_id");
  SLUICE_RETURN_IF_ERROR(Authorize(principal, action, team_id, AppNotFound(app_id)));
  return team_id;
}

AlertsModule::Answer AlertsModule::Alerts(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::vector<store::Value> params;
  SLUICE_ASSIGN_OR_RETURN(auto where, resources::TeamScope(principal, request, params));
  if (!where) return http::Ok({{"items", Json::array()}, {"total", 0}});
  std::string filter = *where;
  if (auto app = request.Query("app_id")) {
    char* end = nullptr;
    long long id = std::strtoll(app->c_str(), &end, 10);
    if (app->empty() || *end != '\0' || id <= 0) {
      return Error(ErrorCode::INVALID_ARGUMENT, "'app_id' must be an application id", "app_id");
    }
    filter += " AND app_id = ?";
    params.emplace_back(static_cast<int64_t>(id));
  }
  if (auto state = request.Query("state")) {
    static const std::vector<std::string> kStates = {"PENDING", "DELIVERED", "FAILED", "SILENCED",
                                                     "SUPPRESSED"};
    if (std::find(kStates.begin(), kStates.end(), *state) == kStates.end()) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   "'state' is PENDING, DELIVERED, FAILED, SILENCED or SUPPRESSED", "state");
    }
    filter += " AND state = ?";
    params.emplace_back(*state);
  }
  if (auto rule = request.Query("rule")) {
    filter += " AND rule = ?";
    params.emplace_back(*rule);
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM alerts" + filter, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id, team_id, app_id, cluster_id, channel_id, rule, facts, state, "
                      "attempts, next_attempt_at, last_error, created_at, delivered_at FROM "
                      "alerts" +
                          filter + " ORDER BY id DESC LIMIT ? OFFSET ?",
                      params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    Json facts = ParseOr(rows.Text(i, "facts"), Json::object());
    std::string state = rows.Text(i, "state");
    items.push_back({{"id", rows.Int(i, "id")},
                     {"team_id", rows.Int(i, "team_id")},
                     {"app_id", OptInt(rows.OptionalInt(i, "app_id"))},
                     {"cluster_id", OptInt(rows.OptionalInt(i, "cluster_id"))},
                     {"channel_id", rows.Int(i, "channel_id")},
                     {"rule", rows.Text(i, "rule")},
                     {"title", facts.value("title", "")},
                     {"summary", facts.value("summary", "")},
                     {"facts", facts},
                     {"state", state},
                     {"attempts", rows.Int(i, "attempts")},
                     {"next_attempt_at",
                      state == "PENDING" ? Json(Time(rows.Int(i, "next_attempt_at"))) : Json()},
                     {"last_error", rows.Text(i, "last_error")},
                     {"created_at", Time(rows.Int(i, "created_at"))},
                     {"delivered_at", OptTime(rows.OptionalInt(i, "delivered_at"))}});
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

AlertsModule::Answer AlertsModule::GetTeamSettings(http::Request& request,
                                                   const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(
      Authorize(principal, Action::kView, team_id, resources::TeamHidden(team_id)));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT rules, channel_ids FROM alert_settings WHERE scope = 'team' AND "
                      "scope_id = ?",
                      {team_id}));
  SLUICE_ASSIGN_OR_RETURN(
      Json rules,
      ValidateRules(rows.empty() ? Json::object() : ParseOr(rows.Text(0, "rules"), Json::object()),
                    false));
  return http::Ok(
      {{"team_id", team_id},
       {"rules", rules},
       {"channel_ids",
        rows.empty() ? Json::array() : ParseOr(rows.Text(0, "channel_ids"), Json::array())}});
}

namespace {

Result<Json> ReadChannelIds(store::Database& database, const Json& value, int64_t team_id) {
  if (!value.is_array() || value.size() > 50) {
    return Error(ErrorCode::INVALID_ARGUMENT, "'channel_ids' must be a list of channel ids",
                 "channel_ids");
  }
  for (const Json& id : value) {
    if (!id.is_number_integer()) {
      return Error(ErrorCode::INVALID_ARGUMENT, "'channel_ids' must be a list of channel ids",
                   "channel_ids");
    }
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows rows,
        database.Query("SELECT id FROM alert_channels WHERE id = ? AND team_id = ?",
                       {id.get<int64_t>(), team_id}));
    if (rows.empty()) {
      return Error(
          ErrorCode::ALERT_CHANNEL_NOT_FOUND,
          fmt::format("team {} has no alert channel with id {}", team_id, id.get<int64_t>()),
          "channel_ids");
    }
  }
  return value;
}

Status Upsert(store::Database& database, const std::string& scope, int64_t scope_id,
              const Json& rules, const Json& channel_ids, const Json& maintenance, int64_t now) {
  return database.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(
        c.Query("DELETE FROM alert_settings WHERE scope = ? AND scope_id = ?", {scope, scope_id}));
    return Exec(
        c.Query("INSERT INTO alert_settings (scope, scope_id, rules, channel_ids, maintenance, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                {scope, scope_id, rules.dump(), channel_ids.dump(), maintenance.dump(), now}));
  });
}

}  // namespace

AlertsModule::Answer AlertsModule::PutTeamSettings(http::Request& request,
                                                   const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(
      Authorize(principal, Action::kEdit, team_id, resources::TeamHidden(team_id)));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"rules", "channel_ids"}));
  SLUICE_ASSIGN_OR_RETURN(Json rules, ValidateRules(body.value("rules", Json::object()), false));
  SLUICE_ASSIGN_OR_RETURN(
      Json channels, ReadChannelIds(database_, body.value("channel_ids", Json::array()), team_id));
  SLUICE_RETURN_IF_ERROR(Upsert(database_, "team", team_id, rules, channels, Json::array(),
                                ToUnixMillis(clock_.Now())));
  return http::Ok({{"team_id", team_id}, {"rules", rules}, {"channel_ids", channels}},
                  fmt::format("team:{}:alert-settings", team_id), team_id);
}

AlertsModule::Answer AlertsModule::GetAppSettings(http::Request& request,
                                                  const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t app_id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(AppTeam(app_id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT rules, maintenance FROM alert_settings WHERE scope = 'app' AND "
                      "scope_id = ?",
                      {app_id}));
  return http::Ok(
      {{"app_id", app_id},
       {"rules", rows.empty() ? Json::object() : ParseOr(rows.Text(0, "rules"), Json::object())},
       {"maintenance",
        rows.empty() ? Json::array() : ParseOr(rows.Text(0, "maintenance"), Json::array())}});
}

AlertsModule::Answer AlertsModule::PutAppSettings(http::Request& request,
                                                  const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t app_id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, AppTeam(app_id, principal, Action::kEdit));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"rules", "maintenance"}));
  SLUICE_ASSIGN_OR_RETURN(Json rules, ValidateRules(body.value("rules", Json::object()), true));
  if (rules.is_null()) rules = Json::object();
  SLUICE_ASSIGN_OR_RETURN(Json maintenance,
                          ValidateMaintenance(body.value("maintenance", Json::array())));
  SLUICE_RETURN_IF_ERROR(Upsert(database_, "app", app_id, rules, Json::array(), maintenance,
                                ToUnixMillis(clock_.Now())));
  return http::Ok({{"app_id", app_id}, {"rules", rules}, {"maintenance", maintenance}},
                  fmt::format("app:{}:alert-settings", app_id), team_id);
}

AlertsModule::Answer AlertsModule::Restarts(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t app_id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(AppTeam(app_id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id, attempt, max_restarts, state, due_at, operation_id, detail, "
                      "created_at FROM app_restarts WHERE app_id = ? ORDER BY id DESC LIMIT ? "
                      "OFFSET ?",
                      {app_id, page.limit, page.offset}));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM app_restarts WHERE app_id = ?", {app_id}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    items.push_back({{"id", rows.Int(i, "id")},
                     {"attempt", rows.Int(i, "attempt")},
                     {"max_restarts", rows.Int(i, "max_restarts")},
                     {"state", rows.Text(i, "state")},
                     {"due_at", Time(rows.Int(i, "due_at"))},
                     {"operation_id", OptInt(rows.OptionalInt(i, "operation_id"))},
                     {"detail", rows.Text(i, "detail")},
                     {"created_at", Time(rows.Int(i, "created_at"))}});
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

void AlertsModule::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  channels_->RegisterRoutes(router, guard);
  system::RouteTable route(router, guard, *this, "alerts");
  const Json object = {{"type", "object"}};
  route("GET", "/api/v1/alerts", "alert.list",
        "alerts raised, delivered, pending (with attempts and the last error), newest first",
        nullptr, http::ListOf(object), 200, &AlertsModule::Alerts,
        {"limit", "offset", "team_id", "app_id", "state", "rule"});
  route("GET", "/api/v1/teams/{id}/alert-settings", "team.alert-settings.get",
        "the team's default alert rules and channels", nullptr, object, 200,
        &AlertsModule::GetTeamSettings);
  route("PUT", "/api/v1/teams/{id}/alert-settings", "team.alert-settings.put",
        "set the team's default alert rules and channels",
        http::ObjectWith({{"rules", "object"}, {"channel_ids", "array"}}), object, 200,
        &AlertsModule::PutTeamSettings);
  route("GET", "/api/v1/apps/{id}/alert-settings", "app.alert-settings.get",
        "the app's alert rule overrides and maintenance windows", nullptr, object, 200,
        &AlertsModule::GetAppSettings);
  route("PUT", "/api/v1/apps/{id}/alert-settings", "app.alert-settings.put",
        "set the app's alert rule overrides and maintenance windows",
        http::ObjectWith({{"rules", "object"}, {"maintenance", "array"}}), object, 200,
        &AlertsModule::PutAppSettings);
  route("GET", "/api/v1/apps/{id}/restarts", "app.restarts",
        "what the restart policy did for the app, newest first", nullptr, http::ListOf(object), 200,
        &AlertsModule::Restarts, {"limit", "offset"});
}

}  // namespace sluice::alerts
