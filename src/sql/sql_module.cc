#include "sql/sql_module.h"

#include <set>

#include "http/answers.h"
#include "resources/variables.h"
#include "sql/complete.h"
#include "sql/migrate.h"

namespace sluice::sql {

using system::Principal;

struct SqlService::Context {
  std::string sql;
  std::optional<int64_t> team_id;
  std::optional<ValidationTarget> target;
  std::vector<std::string> secrets;  // values to mask in Flink's answers
  Json body;
};

namespace {

const Json kFindingSchema = {
    {"type", "object"},
    {"properties",
     {{"severity", {{"type", "string"}, {"enum", {"error", "warning", "info"}}}},
      {"message", {{"type", "string"}}},
      {"line", {{"type", "integer"}}},
      {"column", {{"type", "integer"}}},
      {"code", {{"type", "string"}}}}}};

Json RequestSchema(bool position) {
  Json props = {{"sql", {{"type", "string"}}},
                {"app_id", {{"type", "integer"}}},
                {"flink_env_id", {{"type", "integer"}}},
                {"team_id", {{"type", "integer"}}},
                {"dependencies", {{"type", "object"}}}};
  if (position)
    props["position"] = {
        {"type", "object"},
        {"properties", {{"line", {{"type", "integer"}}}, {"column", {{"type", "integer"}}}}}};
  return {{"type", "object"}, {"properties", props}, {"required", {"sql"}}};
}

Json FindingsJson(const std::vector<Finding>& findings) {
  Json out = Json::array();
  for (const auto& f : findings) out.push_back(FindingToJson(f));
  return out;
}

}  // namespace

SqlService::SqlService(flink::FlinkEnvs& envs, apps::AppService* apps, apps::DeployInputs* inputs,
                       Validator* validator)
    : envs_(envs), apps_(apps), inputs_(inputs), validator_(validator) {}

Result<SqlService::Context> SqlService::Resolve(const Json& body, const Principal& principal,
                                                bool need_flink) {
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(
      body, {"sql", "app_id", "flink_env_id", "team_id", "dependencies", "position"}));
  Context c;
  c.body = body;
  SLUICE_ASSIGN_OR_RETURN(c.sql, RequireString(body, "sql"));
  if (c.sql.size() > kMaxScriptBytes)
    return Error(ErrorCode::INVALID_ARGUMENT, "sql is larger than 1 MiB", "sql");
  SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> app_id, OptionalInt(body, "app_id"));
  SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> env_id, OptionalInt(body, "flink_env_id"));
  SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> team_id, OptionalInt(body, "team_id"));
  Json dependencies = body.contains("dependencies") ? body["dependencies"] : Json();
  if (!dependencies.is_null() && !dependencies.is_object())
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "dependencies must be an object {\"maven\": [...], \"resources\": [...]}",
                 "dependencies");
  if (app_id) {
    if (!apps_) return Error(ErrorCode::INVALID_ARGUMENT, "app_id is not supported here", "app_id");
    SLUICE_ASSIGN_OR_RETURN(apps::AppService::DraftSpec draft, apps_->Draft(*app_id, principal));
    if (draft.kind != "sql")
      return Error(ErrorCode::INVALID_ARGUMENT,
                   "app " + std::to_string(*app_id) + " is not a SQL app", "app_id");
    c.team_id = draft.team_id;
    if (!env_id && draft.spec.contains("flink_env_id") &&
        draft.spec["flink_env_id"].is_number_integer())
      env_id = draft.spec["flink_env_id"].get<int64_t>();
    if (dependencies.is_null() && draft.spec.contains("dependencies"))
      dependencies = draft.spec["dependencies"];
  } else if (team_id) {
    SLUICE_RETURN_IF_ERROR(
        system::Authorize(principal, system::Action::kView, *team_id,
                          Error(ErrorCode::TEAM_NOT_FOUND,
                                "no team with id " + std::to_string(*team_id), "team_id")));
    c.team_id = team_id;
  }
  if (env_id) {
    SLUICE_ASSIGN_OR_RETURN(flink::FlinkEnv env, envs_.Get(*env_id));
    ValidationTarget target;
    target.flink_home = env.home;
    target.flink_version = env.version;
    bool has_deps = dependencies.is_object() &&
                    ((dependencies.contains("maven") && !dependencies["maven"].empty()) ||
                     (dependencies.contains("resources") && !dependencies["resources"].empty()));
    if (has_deps) {
      if (!inputs_ || !c.team_id)
        return Error(ErrorCode::INVALID_ARGUMENT,
                     "dependencies need an app_id or a team_id to be resolved in", "dependencies");
      SLUICE_ASSIGN_OR_RETURN(target.jars,
                              inputs_->DependencyJars(*c.team_id, dependencies, nullptr));
    }
    c.target = std::move(target);
  } else if (need_flink) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "validation needs the Flink version: give app_id or flink_env_id", "flink_env_id");
  }
  return c;
}

SqlService::Answer SqlService::Lint(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_ASSIGN_OR_RETURN(Context c, Resolve(body, principal, false));
  Analysis analysis = Analyze(c.sql);
  LintOptions options;
  std::optional<ConnectorCatalog> catalog;
  std::vector<Finding> extra;
  if (c.target && validator_) {
    catalog = validator_->CachedConnectors(*c.target);
    if (catalog) {
      options.catalog = &*catalog;
    } else {
      validator_->PrefetchConnectors(*c.target);
      extra.push_back({"info",
                       "connector options are not checked yet: the connectors of Flink " +
                           c.target->flink_version + " and the app's dependencies are being read",
                       1, 0, "connectors-pending"});
    }
  }
  if (c.team_id && inputs_) {
    std::set<std::string> known;
    for (const auto& v : analysis.variables) {
      if (known.count(v.name)) continue;
      if (inputs_->Expand(*c.team_id, "${" + v.name + "}").ok()) known.insert(v.name);
    }
    options.variables = std::move(known);
  }
  std::vector<Finding> findings = sql::Lint(analysis, options);
  findings.insert(findings.end(), extra.begin(), extra.end());
  Json statements = Json::array();
  for (const auto& s : analysis.script.statements)
    statements.push_back({{"kind", StatementKindName(s.kind)},
                          {"first_line", s.first_line},
                          {"last_line", s.last_line},
                          {"in_statement_set", s.in_statement_set}});
  return http::Ok({{"findings", FindingsJson(findings)},
                   {"statements", statements},
                   {"connectors_checked", options.catalog != nullptr}});
}

SqlService::Answer SqlService::Validate(http::Request& request, const Principal& principal,
                                        bool explain) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_ASSIGN_OR_RETURN(Context c, Resolve(body, principal, true));
  if (!validator_)
    return Error(ErrorCode::SQL_VALIDATOR_UNAVAILABLE, "validation by Flink is not configured");
  // The splitter's own errors first: Flink would report them less clearly.
  Analysis analysis = Analyze(c.sql);
  std::vector<Finding> findings;
  for (const auto& e : analysis.script.errors)
    findings.push_back({"error", e.message, e.line, e.column, "syntax"});
  // The script Flink sees has the team's variables replaced (secret values masked in answers).
  std::string script = c.sql;
  if (c.team_id && inputs_) {
    auto expanded = inputs_->Expand(*c.team_id, c.sql);
    if (expanded.ok()) {
      script = expanded->text;
      c.secrets = expanded->secrets;
    } else {
      findings.push_back({"error", expanded.error().message, 1, 0, "unknown-variable"});
    }
  }
  ValidationResult result;
  if (findings.empty()) {
    SLUICE_ASSIGN_OR_RETURN(result, validator_->Check(*c.target, script, explain));
    for (auto& f : result.findings) {
      f.message = resources::Mask(f.message, c.secrets);
      findings.push_back(f);
    }
  }
  Json out = {{"valid", findings.empty()},
              {"findings", FindingsJson(findings)},
              {"flink_version", c.target->flink_version},
              {"millis", result.millis}};
  if (explain) {
    Json plans = Json::array();
    for (const auto& p : result.plans)
      plans.push_back(
          {{"statement_line", p.statement_line}, {"plan", resources::Mask(p.plan, c.secrets)}});
    out["plans"] = plans;
  }
  return http::Ok(out);
}

SqlService::Answer SqlService::Complete(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_ASSIGN_OR_RETURN(Context c, Resolve(body, principal, false));
  if (!body.contains("position") || !body["position"].is_object())
    return Error(ErrorCode::INVALID_ARGUMENT, "position {\"line\", \"column\"} is required",
                 "position");
  SLUICE_ASSIGN_OR_RETURN(int64_t line, RequireInt(body["position"], "line"));
  SLUICE_ASSIGN_OR_RETURN(int64_t column, RequireInt(body["position"], "column"));
  if (line < 1 || column < 1 || line > 1'000'000 || column > 1'000'000)
    return Error(ErrorCode::INVALID_ARGUMENT, "position.line and position.column start at 1",
                 "position");
  std::optional<ConnectorCatalog> catalog;
  if (c.target && validator_) {
    catalog = validator_->CachedConnectors(*c.target);
    if (!catalog) validator_->PrefetchConnectors(*c.target);
  }
  CompletionResult r = sql::Complete(c.sql, static_cast<int>(line), static_cast<int>(column),
                                     catalog ? &*catalog : nullptr);
  return http::Ok(CompletionToJson(r));
}

SqlService::Answer SqlService::Migrate(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_ASSIGN_OR_RETURN(Context c, Resolve(body, principal, false));
  Migration m = sql::Migrate(c.sql);
  Json out = MigrationToJson(m);
  // What the lint still finds in the result (legacy options it could not map, ...).
  out["findings"] = FindingsJson(sql::Lint(Analyze(m.sql), {}));
  return http::Ok(out);
}

void SqlService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  auto route = [&](const char* path, const char* action, const char* summary, Json request_body,
                   Json response_body, system::AnswerHandler handler) {
    http::RouteDoc doc;
    doc.summary = summary;
    doc.tag = "sql";
    doc.request_body = std::move(request_body);
    doc.response_body = std::move(response_body);
    // Checks change nothing, and the console sends them as the user types: not audited.
    router.Add("POST", path, std::move(doc),
               guard.WrapAnswer(action, std::move(handler), system::AuditPolicy::kNever));
  };
  Json findings = {{"type", "array"}, {"items", kFindingSchema}};
  route("/api/v1/sql/lint", "sql.lint",
        "instant checks of a script without Flink (statements, tables, variables, connector "
        "options, legacy options)",
        RequestSchema(false),
        {{"type", "object"},
         {"properties",
          {{"findings", findings},
           {"statements", {{"type", "array"}}},
           {"connectors_checked", {{"type", "boolean"}}}}}},
        [this](http::Request& r, const Principal& p) { return Lint(r, p); });
  route("/api/v1/sql/validate", "sql.validate",
        "parse, validate and plan the script with the app's Flink version and dependencies, "
        "without running it",
        RequestSchema(false),
        {{"type", "object"},
         {"properties",
          {{"valid", {{"type", "boolean"}}},
           {"findings", findings},
           {"flink_version", {{"type", "string"}}},
           {"millis", {{"type", "integer"}}}}}},
        [this](http::Request& r, const Principal& p) { return Validate(r, p, false); });
  route("/api/v1/sql/explain", "sql.explain", "the optimized plan of each INSERT of the script",
        RequestSchema(false),
        {{"type", "object"},
         {"properties",
          {{"valid", {{"type", "boolean"}}},
           {"findings", findings},
           {"plans",
            {{"type", "array"},
             {"items",
              {{"type", "object"},
               {"properties",
                {{"statement_line", {{"type", "integer"}}}, {"plan", {{"type", "string"}}}}}}}}}}}},
        [this](http::Request& r, const Principal& p) { return Validate(r, p, true); });
  route("/api/v1/sql/complete", "sql.complete",
        "completions at a position: keywords, tables, columns, connector options",
        RequestSchema(true),
        {{"type", "object"},
         {"properties", {{"prefix", {{"type", "string"}}}, {"items", {{"type", "array"}}}}}},
        [this](http::Request& r, const Principal& p) { return Complete(r, p); });
  route("/api/v1/sql/migrate", "sql.migrate",
        "rewrite legacy connector.type options to current ones, with a diff and notes",
        RequestSchema(false),
        {{"type", "object"},
         {"properties",
          {{"sql", {{"type", "string"}}},
           {"changes", {{"type", "array"}}},
           {"diff", {{"type", "string"}}},
           {"changed", {{"type", "boolean"}}},
           {"findings", findings}}}},
        [this](http::Request& r, const Principal& p) { return Migrate(r, p); });
}

SqlModule::SqlModule(SqlOptions options, flink::FlinkEnvs& envs, apps::AppService* apps,
                     apps::DeployInputs* inputs)
    : client_(std::make_unique<http::CurlHttpClient>()),
      pool_(std::make_unique<RunnerValidatorPool>(std::move(options.validator), *client_)),
      service_(std::make_unique<SqlService>(envs, apps, inputs, pool_.get())) {}

void SqlModule::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  service_->RegisterRoutes(router, guard);
}

}  // namespace sluice::sql
