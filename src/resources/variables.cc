#include "resources/variables.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "http/answers.h"
#include "resources/api_helpers.h"
#include "system/authorizer.h"
#include "system/people_api.h"
#include "system/route_table.h"

namespace sluice::resources {

using store::Value;
using system::Action;
using system::Authorize;
using system::Principal;

namespace {

constexpr const char* kColumns =
    "id, team_id, name, value, secret, description, created_at, updated_at";

Error VariableNotFound(int64_t id) {
  return Error(ErrorCode::VARIABLE_NOT_FOUND, fmt::format("no variable with id {}", id));
}

bool NameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool NameChar(char c) { return NameStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; }

// The length of a variable name starting at text[at], 0 when there is none; names are at most 64.
size_t NameLength(std::string_view text, size_t at) {
  if (at >= text.size() || !NameStart(text[at])) return 0;
  size_t end = at + 1;
  while (end < text.size() && NameChar(text[end])) ++end;
  return end - at <= 64 ? end - at : 0;
}

const Json kVariableSchema = {{"type", "object"},
                              {"properties",
                               {{"id", {{"type", "integer"}}},
                                {"team_id", {{"type", "integer"}}},
                                {"name", {{"type", "string"}}},
                                {"value", {{"type", "string"}}},
                                {"secret", {{"type", "boolean"}}},
                                {"description", {{"type", "string"}}},
                                {"created_at", {{"type", "string"}}},
                                {"updated_at", {{"type", "string"}}}}}};

Status ValidateValue(std::string_view value) {
  if (value.size() > kMaxVariableValueBytes) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("field 'value' has more than {} bytes", kMaxVariableValueBytes),
                 "value");
  }
  if (value.find('\0') != std::string_view::npos) {
    return Error(ErrorCode::INVALID_ARGUMENT, "field 'value' holds a NUL character", "value");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateVariableName(std::string_view name, std::string_view field) {
  if (name.empty() || NameLength(name, 0) != name.size()) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("field '{}' must be 1 to 64 characters: a letter or '_' first, then "
                             "letters, digits, '_', '.' or '-'",
                             field),
                 std::string(field));
  }
  return Status::Ok();
}

Result<Expansion> ExpandVariables(std::string_view text, const VariableLookup& lookup) {
  Expansion out;
  out.text.reserve(text.size());
  std::vector<std::string> unknown;
  std::map<std::string, std::optional<VariableValue>> seen;
  int line = 1;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') ++line;
    if (c != '$') {
      out.text.push_back(c);
      ++i;
      continue;
    }
    // "$${name}" is the escape: it stands for a literal "${name}".
    if (i + 1 < text.size() && text[i + 1] == '$' && i + 2 < text.size() && text[i + 2] == '{') {
      size_t length = NameLength(text, i + 3);
      if (length > 0 && i + 3 + length < text.size() && text[i + 3 + length] == '}') {
        out.text.append(text.substr(i + 1, length + 3));
        i += length + 4;
        continue;
      }
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      size_t length = NameLength(text, i + 2);
      if (length > 0 && i + 2 + length < text.size() && text[i + 2 + length] == '}') {
        std::string name(text.substr(i + 2, length));
        auto found = seen.find(name);
        if (found == seen.end()) found = seen.emplace(name, lookup(name)).first;
        if (!found->second) {
          unknown.push_back(fmt::format("${{{}}} on line {}", name, line));
        } else {
          out.text += found->second->value;
          if (std::find(out.used.begin(), out.used.end(), name) == out.used.end()) {
            out.used.push_back(name);
            if (found->second->secret) out.secrets.push_back(found->second->value);
          }
        }
        i += length + 3;
        continue;
      }
    }
    out.text.push_back(c);
    ++i;
  }
  if (!unknown.empty()) {
    std::string list;
    for (size_t k = 0; k < unknown.size() && k < 10; ++k) list += (k ? ", " : "") + unknown[k];
    if (unknown.size() > 10) list += fmt::format(" and {} more", unknown.size() - 10);
    return Error(
        ErrorCode::VARIABLE_UNKNOWN,
        fmt::format("unknown variable{} {}: define {} in the team's variables or write "
                    "$${{name}} for a literal ${{name}}",
                    unknown.size() > 1 ? "s" : "", list, unknown.size() > 1 ? "them" : "it"),
        "variables");
  }
  return out;
}

std::string Mask(std::string_view text, const std::vector<std::string>& secrets) {
  std::vector<std::string_view> sorted;
  for (const auto& s : secrets) {
    if (!s.empty()) sorted.push_back(s);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool masked = false;
    for (std::string_view secret : sorted) {
      if (text.compare(i, secret.size(), secret) == 0) {
        out += kMaskedValue;
        i += secret.size();
        masked = true;
        break;
      }
    }
    if (!masked) out.push_back(text[i++]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

struct VariableService::Row {
  int64_t id = 0;
  int64_t team_id = 0;
  std::string name;
  std::string stored_value;  // sealed when secret
  bool secret = false;
  std::string description;
  int64_t created_at = 0;
  int64_t updated_at = 0;

  // Never holds a secret's value.
  Json ToJson() const {
    return {{"id", id},
            {"team_id", team_id},
            {"name", name},
            {"value", secret ? std::string(kMaskedValue) : stored_value},
            {"secret", secret},
            {"description", description},
            {"created_at", FormatRfc3339(FromUnixMillis(created_at))},
            {"updated_at", FormatRfc3339(FromUnixMillis(updated_at))}};
  }
};

VariableService::VariableService(store::Database& database, const Clock& clock,
                                 std::string key_path)
    : database_(database), clock_(clock), key_path_(std::move(key_path)) {}

Result<const SecretBox*> VariableService::Box() {
  std::lock_guard lock(box_mu_);
  if (!box_) {
    SLUICE_ASSIGN_OR_RETURN(box_, SecretBox::OpenOrCreate(key_path_));
  }
  return static_cast<const SecretBox*>(box_.get());
}

Result<VariableService::Row> VariableService::Load(int64_t id, const Principal& principal,
                                                   Action action) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM variables WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return VariableNotFound(id);
  Row row;
  row.id = rows.Int(0, "id");
  row.team_id = rows.Int(0, "team_id");
  SLUICE_RETURN_IF_ERROR(Authorize(principal, action, row.team_id, VariableNotFound(id)));
  row.name = rows.Text(0, "name");
  row.stored_value = rows.Text(0, "value");
  row.secret = rows.Int(0, "secret") != 0;
  row.description = rows.Text(0, "description");
  row.created_at = rows.Int(0, "created_at");
  row.updated_at = rows.Int(0, "updated_at");
  return row;
}

Result<Expansion> VariableService::Expand(int64_t team_id, std::string_view text) {
  // One query for the team's variables; most texts use a few of them, but a team has few too.
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT name, value, secret FROM variables WHERE team_id = ?", {team_id}));
  std::map<std::string, std::pair<std::string, bool>> stored;
  for (size_t i = 0; i < rows.size(); ++i) {
    stored[rows.Text(i, "name")] = {rows.Text(i, "value"), rows.Int(i, "secret") != 0};
  }
  std::optional<Error> failure;
  auto lookup = [&](const std::string& name) -> std::optional<VariableValue> {
    auto found = stored.find(name);
    if (found == stored.end()) return std::nullopt;
    if (!found->second.second) return VariableValue{found->second.first, false};
    auto box = Box();
    if (!box.ok()) {
      failure = box.error();
      return VariableValue{"", true};
    }
    auto plain = (*box)->Unseal(found->second.first);
    if (!plain.ok()) {
      failure =
          Error(ErrorCode::INTERNAL,
                fmt::format("the secret variable '{}' cannot be read; set its value again", name),
                "variables", plain.error().internal_detail);
      return VariableValue{"", true};
    }
    return VariableValue{std::move(plain).value(), true};
  };
  auto expanded = ExpandVariables(text, lookup);
  if (failure) return *failure;
  return expanded;
}

VariableService::Answer VariableService::List(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::vector<Value> params;
  SLUICE_ASSIGN_OR_RETURN(auto where, TeamScope(principal, request, params));
  if (!where) return http::Ok({{"items", Json::array()}, {"total", 0}});
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM variables" + *where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM variables{} ORDER BY team_id, name LIMIT ? "
                                  "OFFSET ?",
                                  kColumns, *where),
                      params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    Row row;
    row.id = rows.Int(i, "id");
    row.team_id = rows.Int(i, "team_id");
    row.name = rows.Text(i, "name");
    row.secret = rows.Int(i, "secret") != 0;
    if (!row.secret) row.stored_value = rows.Text(i, "value");
    row.description = rows.Text(i, "description");
    row.created_at = rows.Int(i, "created_at");
    row.updated_at = rows.Int(i, "updated_at");
    items.push_back(row.ToJson());
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

VariableService::Answer VariableService::Create(http::Request& request,
                                                const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"team_id", "name", "value", "secret", "description"}));
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, RequireInt(body, "team_id"));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kEdit, team_id, TeamHidden(team_id)));
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name"));
  SLUICE_RETURN_IF_ERROR(ValidateVariableName(name));
  SLUICE_ASSIGN_OR_RETURN(std::string value, RequireString(body, "value"));
  SLUICE_RETURN_IF_ERROR(ValidateValue(value));
  SLUICE_ASSIGN_OR_RETURN(auto secret, OptionalBool(body, "secret"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  std::string stored = value;
  if (secret.value_or(false)) {
    SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
    stored = box->Seal(value);
  }
  int64_t now = ToUnixMillis(clock_.Now());
  auto inserted = database_.Query(
      "INSERT INTO variables (team_id, name, value, secret, description, created_by, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {team_id, name, stored, int64_t{secret.value_or(false) ? 1 : 0}, description.value_or(""),
       principal.user_id, now, now});
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(ErrorCode::VARIABLE_EXISTS,
                   fmt::format("team {} has a variable named '{}' already", team_id, name), "name");
    }
    if (inserted.error().code == ErrorCode::STORE_CONSTRAINT_VIOLATION) return TeamHidden(team_id);
    return std::move(inserted).error();
  }
  int64_t id = inserted->Int(0, "id");
  SLUICE_ASSIGN_OR_RETURN(Row row, Load(id, principal, Action::kView));
  return http::Created(row.ToJson(), fmt::format("variable:{}", id), team_id);
}

VariableService::Answer VariableService::GetRoute(http::Request& request,
                                                  const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Row row, Load(id, principal, Action::kView));
  return http::Ok(row.ToJson());
}

VariableService::Answer VariableService::Update(http::Request& request,
                                                const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "value", "secret", "description"}));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto value, OptionalString(body, "value"));
  SLUICE_ASSIGN_OR_RETURN(auto secret, OptionalBool(body, "secret"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (name) SLUICE_RETURN_IF_ERROR(ValidateVariableName(*name));
  if (value) SLUICE_RETURN_IF_ERROR(ValidateValue(*value));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  SLUICE_ASSIGN_OR_RETURN(Row row, Load(id, principal, Action::kEdit));
  bool now_secret = secret.value_or(row.secret);
  // Turning a secret into a plain variable would show its value: that needs a new value.
  if (row.secret && !now_secret && !value) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "a secret variable becomes a plain one only with a new 'value'", "value");
  }
  std::string stored = row.stored_value;
  if (value) {
    stored = *value;
    if (now_secret) {
      SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
      stored = box->Seal(*value);
    }
  } else if (now_secret && !row.secret) {
    SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
    stored = box->Seal(row.stored_value);
  }
  int64_t now = ToUnixMillis(clock_.Now());
  auto updated = database_.Query(
      "UPDATE variables SET name = ?, value = ?, secret = ?, description = ?, updated_at = ? "
      "WHERE id = ?",
      {name.value_or(row.name), stored, int64_t{now_secret ? 1 : 0},
       description.value_or(row.description), now, id});
  if (!updated.ok()) {
    if (updated.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(ErrorCode::VARIABLE_EXISTS,
                   fmt::format("team {} has a variable named '{}' already", row.team_id,
                               name.value_or(row.name)),
                   "name");
    }
    return std::move(updated).error();
  }
  SLUICE_ASSIGN_OR_RETURN(row, Load(id, principal, Action::kView));
  return http::Ok(row.ToJson(), fmt::format("variable:{}", id), row.team_id);
}

VariableService::Answer VariableService::Delete(http::Request& request,
                                                const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Row row, Load(id, principal, Action::kEdit));
  SLUICE_RETURN_IF_ERROR(database_.Query("DELETE FROM variables WHERE id = ?", {id}));
  return http::NoContent(fmt::format("variable:{}", id), row.team_id);
}

void VariableService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  system::RouteTable route(router, guard, *this, "variables");
  route("GET", "/api/v1/variables", "variable.list",
        "the variables of the caller's teams (secret values shown as ******)", nullptr,
        http::ListOf(kVariableSchema), 200, &VariableService::List, {"limit", "offset", "team_id"});
  route("POST", "/api/v1/variables", "variable.create",
        "define a team variable, referred to as ${name} in SQL and program arguments",
        http::ObjectWith({{"team_id", "integer"},
                          {"name", "string"},
                          {"value", "string"},
                          {"secret", "boolean"},
                          {"description", "string"}},
                         {"team_id", "name", "value"}),
        kVariableSchema, 201, &VariableService::Create);
  route("GET", "/api/v1/variables/{id}", "variable.get", "a variable (a secret's value masked)",
        nullptr, kVariableSchema, 200, &VariableService::GetRoute);
  route("PATCH", "/api/v1/variables/{id}", "variable.update",
        "rename a variable, change its value, description or secrecy",
        http::ObjectWith({{"name", "string"},
                          {"value", "string"},
                          {"secret", "boolean"},
                          {"description", "string"}}),
        kVariableSchema, 200, &VariableService::Update);
  route("DELETE", "/api/v1/variables/{id}", "variable.delete", "remove a variable", nullptr,
        nullptr, 204, &VariableService::Delete);
}

}  // namespace sluice::resources
