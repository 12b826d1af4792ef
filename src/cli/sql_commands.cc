// The SQL workbench commands of ClientCommands (commands.h): `sluice sql lint|validate|explain|
// migrate FILE` over /api/v1/sql/*. Findings print as FILE:LINE:COLUMN: severity: message [code],
// and a script with an error exits 1, so CI pipelines can check SQL before merging.
#include <fmt/format.h>

#include <fstream>

#include "cli/command_helpers.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace sluice::cli {

namespace {

// Multi-line text from the server (a plan, a diff) made safe line by line.
std::string PrintableLines(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out += Printable(text.substr(start, nl - start)) + "\n";
    start = nl + 1;
  }
  return out;
}

}  // namespace

void ClientCommands::RegisterSql(CLI::App& root) {
  CLI::App* sql = AddCommandGroup(&root, "sql", "check Flink SQL before it runs");
  auto common = [this](CLI::App* cmd) {
    cmd->add_option("FILE", options_.sql_file, "the script (- reads stdin)")->required();
    cmd->add_option("--app", options_.app,
                    "judge it as this app's (id or name): its Flink version, dependencies and "
                    "team variables");
    cmd->add_option("--team", options_.team, "the team of --app, when names repeat");
    cmd->add_option("--env", options_.env, "Flink environment id or name (over the app's)");
  };
  CLI::App* lint = AddCommand(sql, "lint", "instant checks without Flink; exits 1 on an error");
  common(lint);
  lint->callback(Bind(&ClientCommands::SqlLint));
  CLI::App* validate = AddCommand(
      sql, "validate", "parse, validate and plan with Flink itself (no job); exits 1 on an error");
  common(validate);
  validate->callback(Bind(&ClientCommands::SqlValidate));
  CLI::App* explain = AddCommand(sql, "explain", "the optimized plan of each INSERT");
  common(explain);
  explain->callback(Bind(&ClientCommands::SqlExplain));
  CLI::App* migrate = AddCommand(
      sql, "migrate", "rewrite legacy connector.type options; prints the diff and notes");
  common(migrate);
  migrate->add_flag("--in-place", options_.in_place, "write the rewritten script back to FILE");
  migrate->callback(Bind(&ClientCommands::SqlMigrate));
}

ApiStatus ClientCommands::SqlLint() { return SqlCheck("lint"); }
ApiStatus ClientCommands::SqlValidate() { return SqlCheck("validate"); }
ApiStatus ClientCommands::SqlExplain() { return SqlCheck("explain"); }

ApiStatus ClientCommands::SqlCheck(const char* what) {
  const bool migrate = std::string_view(what) == "migrate";
  if (migrate && options_.in_place && options_.sql_file == "-")
    return ApiError::Usage("--in-place needs a FILE, not stdin");
  CLI_ASSIGN_OR_RETURN(text, ReadInputFile(options_.sql_file, "FILE"));
  CLI_ASSIGN_OR_RETURN(client, Connect());
  Json body = {{"sql", text}};
  if (!options_.app.empty()) {
    CLI_ASSIGN_OR_RETURN(app_id, ResolveApp(client, options_.app));
    body["app_id"] = app_id;
  }
  if (!options_.env.empty()) {
    CLI_ASSIGN_OR_RETURN(env_id, ResolveEnv(client, options_.env));
    body["flink_env_id"] = env_id;
  }
  CLI_ASSIGN_OR_RETURN(answer, client.Post(std::string("/api/v1/sql/") + what, body));
  if (JsonOutput()) PrintJson(out(), answer);
  const std::string file = options_.sql_file == "-" ? "<stdin>" : options_.sql_file;
  int errors = 0;
  for (const Json& f : Field(answer, "findings")) {
    std::string severity = StringField(f, "severity");
    if (severity == "error") ++errors;
    if (JsonOutput()) continue;
    std::string column = Field(f, "column").is_number_integer() ? ":" + Text(f, "column") : "";
    out() << fmt::format("{}:{}{}: {}: {} [{}]\n", file, Text(f, "line"), column, severity,
                         Printable(StringField(f, "message")), StringField(f, "code"));
  }
  if (!JsonOutput()) {
    if (std::string_view(what) == "explain") {
      for (const Json& p : Field(answer, "plans"))
        out() << fmt::format("-- plan of the INSERT at line {}\n{}", Text(p, "statement_line"),
                             PrintableLines(StringField(p, "plan")));
    }
    if (migrate) {
      for (const Json& c : Field(answer, "changes")) {
        std::string note = StringField(c, "note");
        if (!note.empty())
          out() << fmt::format("{}:{}: note: {}\n", file, Text(c, "line"), Printable(note));
      }
      std::string diff = StringField(answer, "diff");
      out() << (diff.empty() ? std::string("nothing to migrate\n") : PrintableLines(diff));
    }
    if (std::string_view(what) == "validate" && errors == 0)
      out() << fmt::format("{}: valid for Flink {}\n", file, Text(answer, "flink_version"));
  }
  if (migrate && options_.in_place && Field(answer, "changed") == Json(true)) {
    std::ofstream o(options_.sql_file, std::ios::binary | std::ios::trunc);
    o << StringField(answer, "sql");
    if (!o) return ApiError::Local("cannot write " + options_.sql_file);
    if (!JsonOutput()) out() << "rewrote " << options_.sql_file << "\n";
  }
  if (errors > 0 && !migrate) {
    ApiError e;
    e.kind = ApiError::Kind::kApi;
    e.code = "SQL_FINDINGS";
    e.message = fmt::format("{}: {} error{}", file, errors, errors == 1 ? "" : "s");
    return e;
  }
  return ApiOk();
}

ApiStatus ClientCommands::SqlMigrate() { return SqlCheck("migrate"); }

}  // namespace sluice::cli
