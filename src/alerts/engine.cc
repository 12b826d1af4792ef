#include "alerts/engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <sstream>

namespace sluice::alerts {

namespace {

// A query whose rows are not needed, as a Status.
Status Exec(Result<store::Rows> rows) {
  if (!rows.ok()) return std::move(rows).error();
  return Status::Ok();
}

const std::vector<std::string> kBoolRules = {"failed", "lost", "cancelled", "restarts_exhausted",
                                             "cluster"};
// Rules with settings, off unless set: read by the job watcher (job_watcher.h).
const std::vector<std::string> kObjectRules = {"checkpoint_failures", "checkpoint_stale",
                                               "flink_restarts"};

Error RulesInvalid(const std::string& field, std::string message) {
  return Error(ErrorCode::ALERT_RULES_INVALID, std::move(message), field);
}

Json ParseOr(const std::string& text, Json fallback) {
  if (text.empty()) return fallback;
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() || parsed.is_null() ? fallback : parsed;
}

std::string FirstLines(const std::string& text, int lines, size_t max_chars = 1200) {
  std::istringstream in(text);
  std::string line, out;
  for (int i = 0; i < lines && std::getline(in, line); ++i) {
    if (!out.empty()) out += "\n";
    out += line;
  }
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

std::string Time(int64_t ms) { return FormatRfc3339(FromUnixMillis(ms)); }

std::vector<int64_t> Ids(const Json& value) {
  std::vector<int64_t> out;
  if (!value.is_array()) return out;
  for (const Json& id : value) {
    if (id.is_number_integer()) out.push_back(id.get<int64_t>());
  }
  return out;
}

bool Enabled(const Json& rules, const std::string& rule) {
  return !rules.is_object() || !rules.contains(rule) || !rules[rule].is_boolean() ||
         rules[rule].get<bool>();
}

}  // namespace

namespace {

// One integer field of an object rule, in [low, high].
Result<int64_t> RuleInt(const Json& rule, const std::string& rule_name, const std::string& key,
                        int64_t low, int64_t high, int64_t fallback) {
  const std::string field = fmt::format("rules.{}.{}", rule_name, key);
  if (!rule.contains(key)) return fallback;
  const Json& value = rule[key];
  if (!value.is_number_integer() || value.get<int64_t>() < low || value.get<int64_t>() > high) {
    return RulesInvalid(field,
                        fmt::format("'{}' must be a whole number from {} to {}", field, low, high));
  }
  return value.get<int64_t>();
}

Status OnlyKeys(const Json& rule, const std::string& rule_name,
                const std::vector<std::string>& keys) {
  for (const auto& [key, value] : rule.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string known;
      for (const std::string& k : keys) known += (known.empty() ? "" : ", ") + k;
      return RulesInvalid(fmt::format("rules.{}.{}", rule_name, key.substr(0, 40)),
                          fmt::format("'rules.{}' has no field '{}' (known: {})", rule_name,
                                      key.substr(0, 40), known));
    }
  }
  return Status::Ok();
}

// false (off), true (on with the defaults) or an object of its fields; answers false or the
// object with every field.
Result<Json> ValidateObjectRule(const std::string& name, const Json& value) {
  if (value.is_boolean() && !value.get<bool>()) return Json(false);
  Json rule = value.is_boolean() ? Json::object() : value;
  if (!rule.is_object()) {
    return RulesInvalid("rules." + name,
                        fmt::format("'rules.{}' must be false, true (the defaults) or an object "
                                    "of its settings",
                                    name));
  }
  if (name == "checkpoint_failures") {
    SLUICE_RETURN_IF_ERROR(OnlyKeys(rule, name, {"failures", "window_minutes", "action"}));
    SLUICE_ASSIGN_OR_RETURN(int64_t failures, RuleInt(rule, name, "failures", 1, 1000, 3));
    SLUICE_ASSIGN_OR_RETURN(int64_t window, RuleInt(rule, name, "window_minutes", 1, 1440, 10));
    std::string action = "alert";
    if (rule.contains("action")) {
      if (!rule["action"].is_string() ||
          (rule["action"] != "alert" && rule["action"] != "restart")) {
        return Error(ErrorCode::RESTART_POLICY_INVALID,
                     "'rules.checkpoint_failures.action' is \"alert\" or \"restart\" (cancel "
                     "the job and deploy it again from its newest checkpoint or savepoint)",
                     "rules.checkpoint_failures.action");
      }
      action = rule["action"].get<std::string>();
    }
    return Json{{"failures", failures}, {"window_minutes", window}, {"action", action}};
  }
  if (name == "checkpoint_stale") {
    SLUICE_RETURN_IF_ERROR(OnlyKeys(rule, name, {"minutes"}));
    SLUICE_ASSIGN_OR_RETURN(int64_t minutes, RuleInt(rule, name, "minutes", 1, 10080, 30));
    return Json{{"minutes", minutes}};
  }
  // flink_restarts
  SLUICE_RETURN_IF_ERROR(OnlyKeys(rule, name, {"restarts", "window_minutes"}));
  SLUICE_ASSIGN_OR_RETURN(int64_t restarts, RuleInt(rule, name, "restarts", 0, 1000, 3));
  SLUICE_ASSIGN_OR_RETURN(int64_t window, RuleInt(rule, name, "window_minutes", 1, 1440, 10));
  return Json{{"restarts", restarts}, {"window_minutes", window}};
}

}  // namespace

Result<Json> ValidateRules(const Json& rules, bool partial) {
  if (rules.is_null() && partial) return Json();
  if (!rules.is_object()) {
    return RulesInvalid("rules", "'rules' must be an object of rule: setting");
  }
  Json out = Json::object();
  for (const auto& [name, value] : rules.items()) {
    const bool object_rule =
        std::find(kObjectRules.begin(), kObjectRules.end(), name) != kObjectRules.end();
    if (!object_rule && std::find(kBoolRules.begin(), kBoolRules.end(), name) == kBoolRules.end()) {
      return RulesInvalid("rules." + name.substr(0, 40),
                          fmt::format("there is no alert rule '{}' (known: failed, lost, "
                                      "cancelled, restarts_exhausted, cluster, "
                                      "checkpoint_failures, checkpoint_stale, flink_restarts)",
                                      name.substr(0, 40)));
    }
    if (object_rule) {
      SLUICE_ASSIGN_OR_RETURN(out[name], ValidateObjectRule(name, value));
      continue;
    }
    if (!value.is_boolean()) {
      return RulesInvalid("rules." + name, fmt::format("'rules.{}' must be true or false", name));
    }
    out[name] = value;
  }
  if (!partial) {
    for (const std::string& name : kBoolRules) {
      if (!out.contains(name)) out[name] = true;
    }
    for (const std::string& name : kObjectRules) {
      if (!out.contains(name)) out[name] = false;
    }
  }
  return out;
}

std::optional<CheckpointFailuresRule> CheckpointFailuresOf(const Json& rules) {
  if (!rules.is_object() || !rules.contains("checkpoint_failures")) return std::nullopt;
  auto rule = ValidateObjectRule("checkpoint_failures", rules["checkpoint_failures"]);
  if (!rule.ok() || !rule->is_object()) return std::nullopt;
  return CheckpointFailuresRule{(*rule)["failures"].get<int64_t>(),
                                (*rule)["window_minutes"].get<int64_t>(),
                                (*rule)["action"] == "restart"};
}

std::optional<int64_t> CheckpointStaleMinutesOf(const Json& rules) {
  if (!rules.is_object() || !rules.contains("checkpoint_stale")) return std::nullopt;
  auto rule = ValidateObjectRule("checkpoint_stale", rules["checkpoint_stale"]);
  if (!rule.ok() || !rule->is_object()) return std::nullopt;
  return (*rule)["minutes"].get<int64_t>();
}

std::optional<FlinkRestartsRule> FlinkRestartsOf(const Json& rules) {
  if (!rules.is_object() || !rules.contains("flink_restarts")) return std::nullopt;
  auto rule = ValidateObjectRule("flink_restarts", rules["flink_restarts"]);
  if (!rule.ok() || !rule->is_object()) return std::nullopt;
  return FlinkRestartsRule{(*rule)["restarts"].get<int64_t>(),
                           (*rule)["window_minutes"].get<int64_t>()};
}

Result<Json> ValidateMaintenance(const Json& windows) {
  if (windows.is_null()) return Json::array();
  if (!windows.is_array() || windows.size() > 50) {
    return RulesInvalid("maintenance",
                        "'maintenance' must be a list of at most 50 {\"from\", \"until\"} windows");
  }
  Json out = Json::array();
  for (size_t i = 0; i < windows.size(); ++i) {
    const Json& w = windows[i];
    std::string field = fmt::format("maintenance[{}]", i);
    if (!w.is_object() || !w.contains("from") || !w.contains("until") || !w["from"].is_string() ||
        !w["until"].is_string()) {
      return RulesInvalid(field, fmt::format("'{}' must be {{\"from\": time, \"until\": time, "
                                             "\"note\"?: text}} with RFC 3339 times",
                                             field));
    }
    auto from = ParseRfc3339(w["from"].get<std::string>());
    auto until = ParseRfc3339(w["until"].get<std::string>());
    if (!from || !until) {
      return RulesInvalid(field, fmt::format("'{}' has a time that is not RFC 3339 (e.g. "
                                             "2026-12-01T22:00:00Z)",
                                             field));
    }
    if (*until <= *from) {
      return RulesInvalid(field, fmt::format("'{}' ends before it starts", field));
    }
    for (const auto& [key, value] : w.items()) {
      if (key != "from" && key != "until" && key != "note") {
        return RulesInvalid(
            field, fmt::format("'{}' has an unknown field '{}'", field, key.substr(0, 40)));
      }
    }
    std::string note =
        w.contains("note") && w["note"].is_string() ? w["note"].get<std::string>() : "";
    if (note.size() > 256) return RulesInvalid(field + ".note", "'note' is at most 256 characters");
    out.push_back(
        {{"from", FormatRfc3339(*from)}, {"until", FormatRfc3339(*until)}, {"note", note}});
  }
  return out;
}

AlertEngine::AlertEngine(store::Database& database, const Clock& clock, ChannelService& channels,
                         Sender& sender, Redeployer& redeployer, AlertOptions options)
    : database_(database),
      clock_(clock),
      channels_(channels),
      sender_(sender),
      redeployer_(redeployer),
      options_(std::move(options)) {}

AlertEngine::~AlertEngine() { Stop(); }

// ---- cursors

Result<int64_t> AlertEngine::Cursor(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT position FROM alert_cursors WHERE name = ?", {name}));
  if (!rows.empty()) return rows.Int(0, "position");
  // A new Sluice (or one that had no alerts before): start from now, not from old history.
  SLUICE_ASSIGN_OR_RETURN(store::Rows max,
                          database_.Query(fmt::format("SELECT MAX(id) AS m FROM {}", name)));
  int64_t position = max.OptionalInt(0, "m").value_or(0);
  SLUICE_RETURN_IF_ERROR(
      database_.Query("INSERT INTO alert_cursors (name, position, updated_at) VALUES (?, ?, ?)",
                      {name, position, Now()}));
  return position;
}

Status AlertEngine::SetCursor(const std::string& name, int64_t position) {
  return Exec(
      database_.Query("UPDATE alert_cursors SET position = ?, updated_at = ? WHERE name = ?",
                      {position, Now(), name}));
}

Result<bool> AlertEngine::Handled(const std::string& source) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows restarts,
      database_.Query("SELECT id FROM app_restarts WHERE source = ?", {source}));
  if (!restarts.empty()) return true;
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows alerts,
      database_.Query("SELECT id FROM alerts WHERE source = ? LIMIT 1", {source}));
  return !alerts.empty();
}

Status AlertEngine::Follow() {
  std::lock_guard lock(follow_mutex_);
  // App state changes.
  SLUICE_ASSIGN_OR_RETURN(int64_t app_cursor, Cursor("app_events"));
  int64_t low = std::max<int64_t>(0, app_cursor - options_.reread_window);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows events,
      database_.Query("SELECT id, app_id, at, from_state, to_state, operation_id, cause FROM "
                      "app_events WHERE id > ? AND kind = 'state' ORDER BY id LIMIT 2000",
                      {low}));
  int64_t newest = app_cursor;
  for (size_t i = 0; i < events.size(); ++i) {
    int64_t id = events.Int(i, "id");
    newest = std::max(newest, id);
    if (seen_app_events_.count(id)) continue;
    Status handled = HandleAppEvent(id, events.Int(i, "app_id"), events.Text(i, "from_state"),
                                    events.Text(i, "to_state"), events.Text(i, "cause"),
                                    events.OptionalInt(i, "operation_id"), events.Int(i, "at"));
    if (!handled.ok()) {
      // Not marked seen: tried again at the next pass.
      spdlog::warn("alerts: app event {}: {}", id, handled.error().message);
      continue;
    }
    seen_app_events_.insert(id);
  }
  if (newest != app_cursor) SLUICE_RETURN_IF_ERROR(SetCursor("app_events", newest));
  seen_app_events_.erase(seen_app_events_.begin(),
                         seen_app_events_.lower_bound(newest - options_.reread_window));

  // Cluster state changes.
  SLUICE_ASSIGN_OR_RETURN(int64_t cluster_cursor, Cursor("cluster_events"));
  low = std::max<int64_t>(0, cluster_cursor - options_.reread_window);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows changes,
      database_.Query("SELECT id, cluster_id, at, to_state, detail FROM cluster_events WHERE id > "
                      "? ORDER BY id LIMIT 2000",
                      {low}));
  newest = cluster_cursor;
  for (size_t i = 0; i < changes.size(); ++i) {
    int64_t id = changes.Int(i, "id");
    newest = std::max(newest, id);
    if (seen_cluster_events_.count(id)) continue;
    Status handled =
        HandleClusterEvent(id, changes.Int(i, "cluster_id"), changes.Text(i, "to_state"),
                           changes.Text(i, "detail"), changes.Int(i, "at"));
    if (!handled.ok()) {
      spdlog::warn("alerts: cluster event {}: {}", id, handled.error().message);
      continue;
    }
    seen_cluster_events_.insert(id);
  }
  if (newest != cluster_cursor) SLUICE_RETURN_IF_ERROR(SetCursor("cluster_events", newest));
  seen_cluster_events_.erase(seen_cluster_events_.begin(),
                             seen_cluster_events_.lower_bound(newest - options_.reread_window));
  return Status::Ok();
}

// ---- rules

Result<Json> AlertEngine::TeamRules(int64_t team_id, std::vector<int64_t>* channel_ids) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT rules, channel_ids FROM alert_settings WHERE scope = 'team' AND "
                      "scope_id = ?",
                      {team_id}));
  if (rows.empty()) return Json::object();
  if (channel_ids) *channel_ids = Ids(ParseOr(rows.Text(0, "channel_ids"), Json::array()));
  return ParseOr(rows.Text(0, "rules"), Json::object());
}

Status AlertEngine::HandleAppEvent(int64_t event_id, int64_t app_id, const std::string& from,
                                   const std::string& to, const std::string& cause,
                                   std::optional<int64_t> operation_id, int64_t at) {
  std::string rule;
  if (to == "FAILED") {
    rule = "failed";
  } else if (to == "LOST") {
    rule = "lost";
  } else if (to == "CANCELED" && !operation_id) {
    rule = "cancelled";
  } else {
    return Status::Ok();
  }
  const std::string source = fmt::format("app-event:{}", event_id);
  SLUICE_ASSIGN_OR_RETURN(bool handled, Handled(source));
  if (handled) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows apps,
      database_.Query("SELECT a.id, a.team_id, a.name, a.state, a.restart_policy, "
                      "a.alert_channel_ids, a.cluster_id, a.web_url, a.last_error, "
                      "a.state_changed_at, a.operation_id, t.name AS team FROM apps a JOIN teams t "
                      "ON t.id = a.team_id WHERE a.id = ?",
                      {app_id}));
  if (apps.empty()) return Status::Ok();  // deleted since
  const int64_t team_id = apps.Int(0, "team_id");
  const std::string name = apps.Text(0, "name");
  const Json policy = ParseOr(apps.Text(0, "restart_policy"), Json());
  std::vector<int64_t> channels = Ids(ParseOr(apps.Text(0, "alert_channel_ids"), Json::array()));
  std::vector<int64_t> team_channels;
  SLUICE_ASSIGN_OR_RETURN(Json rules, TeamRules(team_id, &team_channels));
  if (channels.empty()) channels = team_channels;
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows settings,
      database_.Query("SELECT rules, maintenance FROM alert_settings WHERE scope = 'app' AND "
                      "scope_id = ?",
                      {app_id}));
  bool silenced = false;
  const int64_t now = Now();
  if (!settings.empty()) {
    Json overrides = ParseOr(settings.Text(0, "rules"), Json::object());
    for (const auto& [key, value] : overrides.items()) rules[key] = value;
    for (const Json& window : ParseOr(settings.Text(0, "maintenance"), Json::array())) {
      auto start = ParseRfc3339(window.value("from", ""));
      auto end = ParseRfc3339(window.value("until", ""));
      if (start && end && now >= ToUnixMillis(*start) && now < ToUnixMillis(*end)) silenced = true;
    }
  }

  Json facts = {
      {"rule", rule}, {"app", name},       {"app_id", app_id}, {"team", apps.Text(0, "team")},
      {"state", to},  {"since", Time(at)}, {"at", Time(now)}};
  if (!options_.public_url.empty()) {
    facts["sluice_url"] = fmt::format("{}/apps/{}", options_.public_url, app_id);
  }
  if (!apps.Text(0, "web_url").empty()) facts["flink_url"] = apps.Text(0, "web_url");

  if (rule == "failed") {
    std::string exception = FirstLines(apps.Text(0, "last_error"), 8);
    if (!exception.empty()) facts["exception"] = exception;
    const int64_t max_restarts =
        policy.is_object() ? policy.value("max_restarts", int64_t{0}) : int64_t{0};
    if (max_restarts > 0) {
      const int64_t window_ms = policy.value("window_minutes", int64_t{60}) * 60'000;
      SLUICE_ASSIGN_OR_RETURN(
          store::Rows made,
          database_.Query("SELECT COUNT(*) AS n FROM app_restarts WHERE app_id = ? AND "
                          "created_at >= ? AND state <> 'SKIPPED' AND source NOT LIKE "
                          "'checkpoint:%'",
                          {app_id, now - window_ms}));
      const int64_t used = made.Int(0, "n");
      facts["restart"] = used;
      facts["max_restarts"] = max_restarts;
      if (used < max_restarts) {
        int64_t delay = options_.restart_backoff.count();
        for (int64_t i = 0; i < used && delay < options_.restart_backoff_max.count(); ++i) {
          delay *= 2;
        }
        delay = std::min<int64_t>(delay, options_.restart_backoff_max.count());
        const int64_t attempt = used + 1;
        const std::string detail =
            fmt::format("restart {} of {} (within {} minutes) scheduled in {} ms after FAILED: {}",
                        attempt, max_restarts, window_ms / 60'000, delay, cause);
        SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
          SLUICE_RETURN_IF_ERROR(c.Query(
              "INSERT INTO app_restarts (app_id, source, attempt, max_restarts, state, due_at, "
              "detail, created_at) VALUES (?, ?, ?, ?, 'WAITING', ?, ?, ?)",
              {app_id, source, attempt, max_restarts, now + delay, detail, now}));
          return Exec(c.Query(
              "INSERT INTO app_events (app_id, at, kind, from_state, to_state, cause) VALUES (?, "
              "?, 'restart', '', '', ?)",
              {app_id, now, detail}));
        }));
        spdlog::info("alerts: app {} ({}): {}", app_id, name, detail);
        {
          std::lock_guard lock(mutex_);
          rules_woken_ = true;
        }
        rules_wakeup_.notify_all();
        return Status::Ok();
      }
      rule = "restarts_exhausted";
      facts["rule"] = rule;
      facts["title"] =
          fmt::format("{} FAILED: restarts used up ({} of {})", name, used, max_restarts);
      facts["summary"] = fmt::format(
          "application {} failed again after {} automatic restarts within {} minutes; Sluice "
          "does not restart it any more. {}",
          name, used, window_ms / 60'000, cause);
    } else {
      facts["title"] = fmt::format("{} FAILED", name);
      facts["summary"] = fmt::format("application {} failed: {}", name, cause);
    }
  } else if (rule == "lost") {
    facts["title"] = fmt::format("{} LOST", name);
    facts["summary"] =
        fmt::format("Sluice cannot see the job of application {} (was {}): {}", name, from, cause);
  } else {
    facts["title"] = fmt::format("{} cancelled outside Sluice", name);
    facts["summary"] =
        fmt::format("the job of application {} was cancelled, not by Sluice: {}", name, cause);
  }
  if (!Enabled(rules, rule)) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(int pending, Raise(team_id, app_id, apps.OptionalInt(0, "cluster_id"),
                                             rule, source, facts, channels, silenced));
  (void)pending;
  return Status::Ok();
}

Status AlertEngine::HandleClusterEvent(int64_t event_id, int64_t cluster_id, const std::string& to,
                                       const std::string& detail, int64_t at) {
  if (to != "LOST" && to != "FAILED") return Status::Ok();
  const std::string source = fmt::format("cluster-event:{}", event_id);
  SLUICE_ASSIGN_OR_RETURN(bool handled, Handled(source));
  if (handled) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows cluster,
      database_.Query("SELECT name, web_url FROM clusters WHERE id = ?", {cluster_id}));
  if (cluster.empty()) return Status::Ok();
  const std::string name = cluster.Text(0, "name");
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows teams,
      database_.Query("SELECT a.team_id, t.name AS team, COUNT(*) AS n FROM apps a JOIN teams t "
                      "ON t.id = a.team_id WHERE a.cluster_id = ? AND a.job_id <> '' AND a.state "
                      "NOT IN ('NEW', 'FINISHED', 'CANCELED', 'FAILED') GROUP BY a.team_id, t.name",
                      {cluster_id}));
  int64_t total = 0;
  for (size_t i = 0; i < teams.size(); ++i) total += teams.Int(i, "n");
  for (size_t i = 0; i < teams.size(); ++i) {
    const int64_t team_id = teams.Int(i, "team_id");
    std::vector<int64_t> channels;
    SLUICE_ASSIGN_OR_RETURN(Json rules, TeamRules(team_id, &channels));
    if (!Enabled(rules, "cluster")) continue;
    Json facts = {{"rule", "cluster"},
                  {"title", fmt::format("cluster {} {} ({} jobs affected)", name, to, total)},
                  {"summary", fmt::format("the Flink cluster {} is {}: {}; {} of this team's "
                                          "jobs ({} in all) run there",
                                          name, to, detail, teams.Int(i, "n"), total)},
                  {"team", teams.Text(i, "team")},
                  {"cluster", name},
                  {"affected_jobs", total},
                  {"state", to},
                  {"since", Time(at)},
                  {"at", Time(Now())}};
    if (!cluster.Text(0, "web_url").empty()) facts["flink_url"] = cluster.Text(0, "web_url");
    if (!options_.public_url.empty()) {
      facts["sluice_url"] = fmt::format("{}/clusters/{}", options_.public_url, cluster_id);
    }
    SLUICE_ASSIGN_OR_RETURN(int pending, Raise(team_id, std::nullopt, cluster_id, "cluster", source,
                                               facts, channels, false));
    (void)pending;
  }
  return Status::Ok();
}

Result<int> AlertEngine::Raise(int64_t team_id, std::optional<int64_t> app_id,
                               std::optional<int64_t> cluster_id, const std::string& rule,
                               const std::string& source, const Json& facts,
                               const std::vector<int64_t>& channel_ids, bool silenced) {
  const int64_t now = Now();
  int pending = 0;
  std::set<int64_t> done;
  for (int64_t channel_id : channel_ids) {
    if (!done.insert(channel_id).second) continue;
    // Only the team's own channels.
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows channel,
        database_.Query("SELECT id FROM alert_channels WHERE id = ? AND team_id = ?",
                        {channel_id, team_id}));
    if (channel.empty()) continue;
    std::string state = silenced ? "SILENCED" : "PENDING";
    std::string note = silenced ? "in a maintenance window of the application" : "";
    if (!silenced) {
      // The same condition on the same app (or cluster) alerts again only after the quiet time.
      SLUICE_ASSIGN_OR_RETURN(
          store::Rows recent,
          database_.Query(
              fmt::format("SELECT id FROM alerts WHERE channel_id = ? AND rule = ? AND "
                          "{} = ? AND state IN ('PENDING', 'DELIVERED') AND "
                          "created_at >= ? LIMIT 1",
                          app_id ? "app_id" : "cluster_id"),
              {channel_id, rule, store::Value(app_id ? *app_id : cluster_id.value_or(0)),
               now - options_.quiet.count()}));
      if (!recent.empty()) {
        state = "SUPPRESSED";
        note = fmt::format("the same alert (id {}) was sent less than {} minutes ago",
                           recent.Int(0, "id"), options_.quiet.count() / 60'000);
      }
    }
    auto inserted = database_.Query(
        "INSERT INTO alerts (team_id, app_id, cluster_id, channel_id, rule, source, facts, state, "
        "attempts, next_attempt_at, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, "
        "?, ?)",
        {team_id, app_id ? store::Value(*app_id) : store::Value(),
         cluster_id ? store::Value(*cluster_id) : store::Value(), channel_id, rule, source,
         facts.dump(), state, now, note, now});
    if (!inserted.ok()) {
      if (inserted.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) continue;  // made before
      return std::move(inserted).error();
    }
    if (state == "PENDING") ++pending;
  }
  if (pending > 0) {
    {
      std::lock_guard lock(mutex_);
      delivery_woken_ = true;
    }
    delivery_wakeup_.notify_all();
  }
  return pending;
}

// ---- conditions of running jobs (the job watcher)

Result<AppAlertContext> AlertEngine::AppContext(int64_t app_id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows apps,
      database_.Query("SELECT a.id, a.team_id, a.name, a.state, a.state_changed_at, "
                      "a.alert_channel_ids, a.cluster_id, a.web_url, t.name AS team FROM apps a "
                      "JOIN teams t ON t.id = a.team_id WHERE a.id = ?",
                      {app_id}));
  if (apps.empty()) {
    return Error(ErrorCode::NOT_FOUND, fmt::format("no application with id {}", app_id));
  }
  AppAlertContext app;
  app.app_id = app_id;
  app.team_id = apps.Int(0, "team_id");
  app.name = apps.Text(0, "name");
  app.team = apps.Text(0, "team");
  app.state = apps.Text(0, "state");
  app.state_changed_at = apps.OptionalInt(0, "state_changed_at").value_or(0);
  app.web_url = apps.Text(0, "web_url");
  app.cluster_id = apps.OptionalInt(0, "cluster_id");
  app.channel_ids = Ids(ParseOr(apps.Text(0, "alert_channel_ids"), Json::array()));
  std::vector<int64_t> team_channels;
  SLUICE_ASSIGN_OR_RETURN(app.rules, TeamRules(app.team_id, &team_channels));
  if (!app.rules.is_object()) app.rules = Json::object();
  if (app.channel_ids.empty()) app.channel_ids = team_channels;
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows settings,
      database_.Query("SELECT rules, maintenance FROM alert_settings WHERE scope = 'app' AND "
                      "scope_id = ?",
                      {app_id}));
  const int64_t now = Now();
  if (!settings.empty()) {
    Json overrides = ParseOr(settings.Text(0, "rules"), Json::object());
    for (const auto& [key, value] : overrides.items()) app.rules[key] = value;
    for (const Json& window : ParseOr(settings.Text(0, "maintenance"), Json::array())) {
      auto start = ParseRfc3339(window.value("from", ""));
      auto end = ParseRfc3339(window.value("until", ""));
      if (start && end && now >= ToUnixMillis(*start) && now < ToUnixMillis(*end)) {
        app.silenced = true;
      }
    }
  }
  return app;
}

Result<bool> AlertEngine::RaiseCondition(const AppAlertContext& app, const std::string& rule,
                                         const std::string& source, Json facts) {
  const int64_t now = Now();
  // A continuous condition: one alert per quiet time, not one (SUPPRESSED) per look at it.
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows recent,
      database_.Query("SELECT id FROM alerts WHERE app_id = ? AND rule = ? AND created_at >= ? "
                      "LIMIT 1",
                      {app.app_id, rule, now - options_.quiet.count()}));
  if (!recent.empty()) return false;
  facts["rule"] = rule;
  facts["app"] = app.name;
  facts["app_id"] = app.app_id;
  facts["team"] = app.team;
  facts["state"] = app.state;
  if (app.state_changed_at > 0) facts["since"] = Time(app.state_changed_at);
  facts["at"] = Time(now);
  if (!options_.public_url.empty()) {
    facts["sluice_url"] = fmt::format("{}/apps/{}", options_.public_url, app.app_id);
  }
  if (!app.web_url.empty()) facts["flink_url"] = app.web_url;
  SLUICE_ASSIGN_OR_RETURN(int pending, Raise(app.team_id, app.app_id, app.cluster_id, rule, source,
                                             facts, app.channel_ids, app.silenced));
  spdlog::info("alerts: app {} ({}): {}{}", app.app_id, app.name, facts.value("title", rule),
               app.silenced ? " (silenced: maintenance)" : "");
  (void)pending;
  return true;
}

Result<bool> AlertEngine::StartCheckpointRestart(const AppAlertContext& app,
                                                 const std::string& job_id, const std::string& why,
                                                 int64_t window_ms) {
  const int64_t now = Now();
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows recent,
      database_.Query("SELECT id FROM app_restarts WHERE app_id = ? AND source LIKE "
                      "'checkpoint:%' AND created_at >= ? LIMIT 1",
                      {app.app_id, now - window_ms}));
  if (!recent.empty()) return false;
  const std::string source = "checkpoint:" + job_id;
  const std::string detail = fmt::format("checkpoint restart: {}; cancelling job {}", why, job_id);
  auto inserted = database_.Query(
      "INSERT INTO app_restarts (app_id, source, attempt, max_restarts, state, due_at, detail, "
      "created_at) VALUES (?, ?, 1, 0, 'STOPPING', ?, ?, ?) RETURNING id",
      {app.app_id, source, now, detail, now});
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) return false;  // this job's
    return std::move(inserted).error();
  }
  const int64_t id = inserted->Int(0, "id");
  auto op = redeployer_.Cancel(app.app_id, "RUNNING", "checkpoint restart: " + why);
  if (!op.ok()) {
    SLUICE_RETURN_IF_ERROR(
        database_.Query("UPDATE app_restarts SET state = 'SKIPPED', detail = ? WHERE id = ?",
                        {fmt::format("not restarted: {}", op.error().message), id}));
    spdlog::info("alerts: app {}: checkpoint restart skipped: {}", app.app_id, op.error().message);
    return false;
  }
  SLUICE_RETURN_IF_ERROR(
      database_.Query("UPDATE app_restarts SET operation_id = ?, detail = ? WHERE id = ?",
                      {*op, detail + fmt::format(" (stop operation {})", *op), id}));
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "INSERT INTO app_events (app_id, at, kind, from_state, to_state, cause) VALUES (?, ?, "
      "'restart', '', '', ?)",
      {app.app_id, now, detail}));
  spdlog::info("alerts: app {} ({}): {} (operation {})", app.app_id, app.name, detail, *op);
  return true;
}

Status AlertEngine::ContinueCheckpointRestarts() {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows stopping,
      database_.Query("SELECT r.id, r.app_id, r.detail, a.state, a.operation_id FROM app_restarts "
                      "r JOIN apps a ON a.id = r.app_id WHERE r.state = 'STOPPING' ORDER BY r.id "
                      "LIMIT 100"));
  for (size_t i = 0; i < stopping.size(); ++i) {
    const int64_t id = stopping.Int(i, "id");
    const int64_t app_id = stopping.Int(i, "app_id");
    const std::string state = stopping.Text(i, "state");
    if (stopping.OptionalInt(i, "operation_id")) continue;  // the cancel is still running
    if (state != "CANCELED" && state != "FAILED" && state != "FINISHED") {
      SLUICE_RETURN_IF_ERROR(database_.Query(
          "UPDATE app_restarts SET state = 'SKIPPED', detail = ? WHERE id = ?",
          {fmt::format("not restarted: the job was not stopped (the application is {})", state),
           id}));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows points,
        database_.Query("SELECT id FROM app_savepoints WHERE app_id = ? LIMIT 1", {app_id}));
    const std::string restore = points.empty() ? "none" : "latest";
    const std::string why =
        fmt::format("checkpoint restart by the checkpoint_failures rule (restore {})", restore);
    auto op = redeployer_.Redeploy(app_id, state, restore, why);
    if (op.ok()) {
      SLUICE_RETURN_IF_ERROR(database_.Query(
          "UPDATE app_restarts SET state = 'QUEUED', operation_id = ?, detail = ? WHERE id = ?",
          {*op, why + fmt::format(": deploy operation {}", *op), id}));
      spdlog::info("alerts: app {}: {} (operation {})", app_id, why, *op);
    } else {
      SLUICE_RETURN_IF_ERROR(
          database_.Query("UPDATE app_restarts SET state = 'SKIPPED', detail = ? WHERE id = ?",
                          {fmt::format("not restarted: {}", op.error().message), id}));
    }
  }
  return Status::Ok();
}

// ---- restarts

Result<int> AlertEngine::RunDueRestarts() {
  SLUICE_RETURN_IF_ERROR(ContinueCheckpointRestarts());
  const int64_t now = Now();
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows due,
      database_.Query("SELECT id, app_id, attempt, max_restarts FROM app_restarts WHERE state = "
                      "'WAITING' AND due_at <= ? ORDER BY due_at, id LIMIT 100",
                      {now}));
  int queued = 0;
  for (size_t i = 0; i < due.size(); ++i) {
    const int64_t id = due.Int(i, "id");
    const int64_t app_id = due.Int(i, "app_id");
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows points,
        database_.Query("SELECT id FROM app_savepoints WHERE app_id = ? LIMIT 1", {app_id}));
    const std::string restore = points.empty() ? "none" : "latest";
    const std::string why = fmt::format("restart {} of {} by the restart policy (restore {})",
                                        due.Int(i, "attempt"), due.Int(i, "max_restarts"), restore);
    auto op = redeployer_.Redeploy(app_id, "FAILED", restore, why);
    if (op.ok()) {
      ++queued;
      SLUICE_RETURN_IF_ERROR(database_.Query(
          "UPDATE app_restarts SET state = 'QUEUED', operation_id = ?, detail = ? WHERE id = ?",
          {*op, why + fmt::format(": deploy operation {}", *op), id}));
      spdlog::info("alerts: app {}: {} (operation {})", app_id, why, *op);
    } else {
      SLUICE_RETURN_IF_ERROR(
          database_.Query("UPDATE app_restarts SET state = 'SKIPPED', detail = ? WHERE id = ?",
                          {fmt::format("not restarted: {}", op.error().message), id}));
      spdlog::info("alerts: app {}: restart skipped: {}", app_id, op.error().message);
    }
  }
  return queued;
}

// ---- delivery

Result<int> AlertEngine::DeliverDue() {
  std::lock_guard lock(delivery_mutex_);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows due,
      database_.Query("SELECT id FROM alerts WHERE state = 'PENDING' AND next_attempt_at <= ? "
                      "ORDER BY id LIMIT 500",
                      {Now()}));
  std::vector<int64_t> ids;
  for (size_t i = 0; i < due.size(); ++i) ids.push_back(due.Int(i, "id"));
  std::atomic<size_t> next{0};
  std::atomic<int> delivered{0};
  auto work = [&] {
    for (size_t i = next++; i < ids.size(); i = next++) {
      Status sent = DeliverOne(ids[i]);
      if (sent.ok()) ++delivered;
    }
  };
  size_t threads = std::min<size_t>(std::max(1, options_.delivery_threads), ids.size());
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& thread : pool) thread.join();
  }
  return delivered.load();
}

Status AlertEngine::DeliverOne(int64_t alert_id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT channel_id, facts, attempts, created_at FROM alerts WHERE id = ? AND "
                      "state = 'PENDING'",
                      {alert_id}));
  if (rows.empty()) return Error(ErrorCode::NOT_FOUND, "not pending");
  const int64_t attempts = rows.Int(0, "attempts") + 1;
  Status sent = Status::Ok();
  auto channel = channels_.Load(rows.Int(0, "channel_id"));
  if (!channel.ok()) {
    sent = channel.error();
  } else {
    sent = sender_.Send(channel->kind, channel->config,
                        ParseOr(rows.Text(0, "facts"), Json::object()));
  }
  const int64_t now = Now();
  if (sent.ok()) {
    return Exec(database_.Query(
        "UPDATE alerts SET state = 'DELIVERED', attempts = ?, delivered_at = ?, last_error = '' "
        "WHERE id = ?",
        {attempts, now, alert_id}));
  }
  int64_t delay = options_.retry_first.count();
  for (int64_t i = 1; i < attempts && delay < options_.retry_max.count(); ++i) delay *= 2;
  delay = std::min<int64_t>(delay, options_.retry_max.count());
  bool give_up = channel.ok() ? now - rows.Int(0, "created_at") >= options_.give_up.count()
                              : channel.error().code == ErrorCode::ALERT_CHANNEL_NOT_FOUND;
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "UPDATE alerts SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
      {give_up ? "FAILED" : "PENDING", attempts, now + delay, sent.error().message, alert_id}));
  spdlog::info("alerts: alert {} not delivered (attempt {}{}): {}", alert_id, attempts,
               give_up ? ", giving up" : fmt::format(", next in {} ms", delay),
               sent.error().message);
  return sent;
}

// ---- workers

void AlertEngine::Wake() {
  {
    std::lock_guard lock(mutex_);
    rules_woken_ = true;
  }
  rules_wakeup_.notify_all();
}

void AlertEngine::Start() {
  std::lock_guard lock(mutex_);
  if (!workers_.empty()) return;
  stopping_ = false;
  workers_.emplace_back([this] { RulesLoop(); });
  workers_.emplace_back([this] { DeliveryLoop(); });
}

void AlertEngine::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  rules_wakeup_.notify_all();
  delivery_wakeup_.notify_all();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker.join();
}

void AlertEngine::RulesLoop() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      rules_wakeup_.wait_for(lock, options_.poll, [this] { return stopping_ || rules_woken_; });
      if (stopping_) return;
      rules_woken_ = false;
    }
    if (Status followed = Follow(); !followed.ok()) {
      spdlog::warn("alerts: following events: {}", followed.error().message);
    }
    if (auto restarted = RunDueRestarts(); !restarted.ok()) {
      spdlog::warn("alerts: restarts: {}", restarted.error().message);
    }
  }
}

void AlertEngine::DeliveryLoop() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      delivery_wakeup_.wait_for(lock, options_.poll,
                                [this] { return stopping_ || delivery_woken_; });
      if (stopping_) return;
      delivery_woken_ = false;
    }
    if (auto delivered = DeliverDue(); !delivered.ok()) {
      spdlog::warn("alerts: delivery: {}", delivered.error().message);
    }
  }
}

}  // namespace sluice::alerts
