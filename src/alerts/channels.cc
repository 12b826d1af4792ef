#include "alerts/channels.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <filesystem>

#include "alerts/render.h"
#include "http/answers.h"
#include "resources/api_helpers.h"
#include "system/authorizer.h"
#include "system/people_api.h"
#include "system/route_table.h"

namespace sluice::alerts {

using system::Action;
using system::Authorize;
using system::Principal;

namespace {

constexpr const char* kColumns =
    "id, team_id, name, kind, config, description, created_at, updated_at";

const std::vector<std::string> kKinds = {"email", "lark", "dingtalk", "wecom", "slack", "webhook"};

Error Invalid(const std::string& field, std::string message) {
  return Error(ErrorCode::ALERT_CHANNEL_INVALID, std::move(message), field);
}

Error NotFound(int64_t id) {
  return Error(ErrorCode::ALERT_CHANNEL_NOT_FOUND, fmt::format("no alert channel with id {}", id));
}

// The secret fields of a kind (header values of a webhook are secret too).
std::vector<std::string> SecretFields(const std::string& kind) {
  if (kind == "email") return {"password"};
  if (kind == "lark" || kind == "dingtalk" || kind == "webhook") return {"url", "secret"};
  return {"url"};
}

struct UrlParts {
  std::string scheme;
  std::string host;
  bool has_user = false;
};

// Parses with libcurl's URL parser. nullopt when it is not a URL.
std::optional<UrlParts> ParseUrl(const std::string& text) {
  if (text.empty() || text.size() > 2048) return std::nullopt;
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20) return std::nullopt;
  }
  CURLU* url = curl_url();
  if (!url) return std::nullopt;
  std::optional<UrlParts> out;
  if (curl_url_set(url, CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* user = nullptr;
    if (curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
      out = UrlParts{scheme, host, curl_url_get(url, CURLUPART_USER, &user, 0) == CURLUE_OK};
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
  }
  curl_url_cleanup(url);
  if (out && out->host.empty()) return std::nullopt;
  return out;
}

std::string MaskUrl(const std::string& text) {
  auto parts = ParseUrl(text);
  if (!parts) return kMasked;
  return fmt::format("{}://{}/{}", parts->scheme, parts->host, kMasked);
}

Result<std::string> StringField(const Json& config, const std::string& name, bool required,
                                size_t max = 1024) {
  const std::string field = "config." + name;
  if (!config.contains(name) || config[name].is_null()) {
    if (required) return Invalid(field, fmt::format("'{}' is required", field));
    return std::string();
  }
  if (!config[name].is_string()) return Invalid(field, fmt::format("'{}' must be a string", field));
  std::string value = config[name].get<std::string>();
  if (required && value.empty()) return Invalid(field, fmt::format("'{}' is empty", field));
  if (value.size() > max) {
    return Invalid(field, fmt::format("'{}' is longer than {} characters", field, max));
  }
  if (value.find('\0') != std::string::npos || value.find('\n') != std::string::npos ||
      value.find('\r') != std::string::npos) {
    return Invalid(field, fmt::format("'{}' holds a control character", field));
  }
  return value;
}

Status ValidateWebUrl(const std::string& url, const std::string& kind) {
  auto parts = ParseUrl(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    return Invalid("config.url",
                   fmt::format("'config.url' is not a valid http(s) URL for a {} channel; give the "
                               "webhook address the {} tool shows, e.g. https://host/path",
                               kind, kind));
  }
  if (parts->has_user) {
    return Invalid("config.url", "'config.url' must not carry a user name or password");
  }
  return Status::Ok();
}

bool LooksLikeAddress(const std::string& text) {
  auto at = text.find('@');
  return at != std::string::npos && at > 0 && at + 1 < text.size() &&
         text.find_first_of(" \t\r\n<>,;") == std::string::npos;
}

}  // namespace

Result<Json> ValidateChannelConfig(const std::string& kind, const Json& given, const Json* stored) {
  if (!given.is_object()) return Invalid("config", "'config' must be an object");
  Json config = given;
  // Secrets sent back masked (or left out) keep their stored values.
  if (stored) {
    for (const std::string& name : SecretFields(kind)) {
      bool masked = config.contains(name) && config[name].is_string() &&
                    config[name].get<std::string>().find(kMasked) != std::string::npos;
      if ((masked || !config.contains(name)) && stored->contains(name)) {
        config[name] = (*stored)[name];
      }
    }
    if (kind == "webhook" && config.contains("headers") && config["headers"].is_object() &&
        stored->contains("headers")) {
      for (auto& [name, value] : config["headers"].items()) {
        if (value == kMasked && (*stored)["headers"].contains(name)) {
          value = (*stored)["headers"][name];
        }
      }
    }
  }
  std::vector<std::string> allowed = {"template"};
  if (kind == "email") {
    allowed.insert(allowed.end(),
                   {"smtp_url", "tls", "username", "password", "from", "to", "ca_file"});
  } else if (kind == "lark" || kind == "dingtalk") {
    allowed.insert(allowed.end(), {"url", "secret"});
  } else if (kind == "webhook") {
    allowed.insert(allowed.end(), {"url", "headers", "secret"});
  } else {
    allowed.push_back("url");
  }
  for (const auto& [name, value] : config.items()) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (size_t i = 0; i < allowed.size(); ++i) list += (i ? ", " : "") + allowed[i];
      return Invalid("config." + name, fmt::format("a {} channel has no setting 'config.{}' "
                                                   "(it takes {})",
                                                   kind, http::Echo(name), list));
    }
  }
  if (kind == "email") {
    SLUICE_ASSIGN_OR_RETURN(std::string url, StringField(config, "smtp_url", true));
    auto parts = ParseUrl(url);
    if (!parts || (parts->scheme != "smtp" && parts->scheme != "smtps")) {
      return Invalid("config.smtp_url",
                     "'config.smtp_url' must be smtp://host:port (STARTTLS or plain) or "
                     "smtps://host:port (TLS)");
    }
    if (parts->has_user) {
      return Invalid("config.smtp_url",
                     "'config.smtp_url' must not hold the login: use 'username' and 'password'");
    }
    SLUICE_ASSIGN_OR_RETURN(std::string tls, StringField(config, "tls", false));
    if (tls.empty()) tls = parts->scheme == "smtps" ? "tls" : "starttls";
    if (tls != "starttls" && tls != "tls" && tls != "none") {
      return Invalid("config.tls", "'config.tls' is \"starttls\", \"tls\" or \"none\"");
    }
    if ((tls == "tls") != (parts->scheme == "smtps")) {
      return Invalid("config.tls",
                     "'config.tls' \"tls\" goes with an smtps:// URL, \"starttls\" and \"none\" "
                     "with smtp://");
    }
    config["tls"] = tls;
    SLUICE_ASSIGN_OR_RETURN(std::string username, StringField(config, "username", false));
    SLUICE_ASSIGN_OR_RETURN(std::string password, StringField(config, "password", false));
    if (!password.empty() && username.empty()) {
      return Invalid("config.username", "'config.password' needs 'config.username'");
    }
    SLUICE_ASSIGN_OR_RETURN(std::string from, StringField(config, "from", true));
    if (!LooksLikeAddress(from)) {
      return Invalid("config.from", "'config.from' is not an email address");
    }
    if (!config.contains("to") || !config["to"].is_array() || config["to"].empty() ||
        config["to"].size() > 50) {
      return Invalid("config.to", "'config.to' must be a list of 1 to 50 email addresses");
    }
    for (const Json& to : config["to"]) {
      if (!to.is_string() || !LooksLikeAddress(to.get<std::string>())) {
        return Invalid("config.to",
                       fmt::format("'config.to' holds {}, which is not an email "
                                   "address",
                                   http::Echo(to.is_string() ? to.get<std::string>() : to.dump())));
      }
    }
    if (config.contains("ca_file")) {
      SLUICE_ASSIGN_OR_RETURN(std::string ca, StringField(config, "ca_file", true));
      std::error_code ec;
      if (!std::filesystem::is_regular_file(ca, ec)) {
        return Invalid("config.ca_file", "'config.ca_file' is not a readable file on the server");
      }
    }
  } else {
    SLUICE_ASSIGN_OR_RETURN(std::string url, StringField(config, "url", true, 2048));
    SLUICE_RETURN_IF_ERROR(ValidateWebUrl(url, kind));
    if (config.contains("secret")) {
      SLUICE_ASSIGN_OR_RETURN(std::string secret, StringField(config, "secret", false, 256));
      (void)secret;
    }
    if (config.contains("headers")) {
      const Json& headers = config["headers"];
      if (!headers.is_object() || headers.size() > 20) {
        return Invalid("config.headers",
                       "'config.headers' must be an object of at most 20 name: value strings");
      }
      for (const auto& [name, value] : headers.items()) {
        bool name_ok = !name.empty() && name.size() <= 64 &&
                       name.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "0123456789-_") == std::string::npos;
        if (!name_ok) {
          return Invalid(
              "config.headers",
              fmt::format("'config.headers' has an invalid header name {}", http::Echo(name)));
        }
        if (!value.is_string() || value.get<std::string>().size() > 4096 ||
            value.get<std::string>().find_first_of("\r\n") != std::string::npos) {
          return Invalid("config.headers",
                         fmt::format("'config.headers.{}' must be one line of text", name));
        }
      }
    }
  }
  if (config.contains("template")) {
    const Json& tmpl = config["template"];
    if (!tmpl.is_object()) {
      return Error(ErrorCode::ALERT_TEMPLATE_INVALID,
                   "'config.template' must be {\"title\"?: text, \"text\"?: text}",
                   "config.template");
    }
    for (const auto& [name, value] : tmpl.items()) {
      if ((name != "title" && name != "text") || !value.is_string()) {
        return Error(ErrorCode::ALERT_TEMPLATE_INVALID,
                     fmt::format("'config.template' takes only \"title\" and \"text\" strings, "
                                 "not {}",
                                 http::Echo(name)),
                     "config.template." + name);
      }
      SLUICE_RETURN_IF_ERROR(ValidateTemplate(value.get<std::string>(), "config.template." + name));
    }
  }
  return config;
}

Json MaskChannelConfig(const std::string& kind, const Json& plain) {
  Json out = plain;
  for (const std::string& name : SecretFields(kind)) {
    if (!out.contains(name) || !out[name].is_string() || out[name].get<std::string>().empty()) {
      continue;
    }
    out[name] = name == "url" ? MaskUrl(out[name].get<std::string>()) : std::string(kMasked);
  }
  if (out.contains("headers") && out["headers"].is_object()) {
    for (auto& [name, value] : out["headers"].items()) value = kMasked;
  }
  return out;
}

// ---- SecretKeeper

Result<const SecretBox*> SecretKeeper::Box() {
  std::lock_guard lock(mutex_);
  if (!box_) {
    SLUICE_ASSIGN_OR_RETURN(box_, SecretBox::OpenOrCreate(key_path_));
  }
  return static_cast<const SecretBox*>(box_.get());
}

Result<Json> SecretKeeper::Seal(const std::string& kind, const Json& plain) {
  SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
  Json out = plain;
  for (const std::string& name : SecretFields(kind)) {
    if (out.contains(name) && out[name].is_string() && !out[name].get<std::string>().empty()) {
      out[name] = box->Seal(out[name].get<std::string>());
    }
  }
  if (out.contains("headers") && out["headers"].is_object()) {
    for (auto& [name, value] : out["headers"].items()) value = box->Seal(value.get<std::string>());
  }
  return out;
}

Result<Json> SecretKeeper::Unseal(const std::string& kind, const Json& stored) {
  SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
  Json out = stored;
  auto open = [&](Json& value) -> Status {
    if (!value.is_string() || !SecretBox::LooksSealed(value.get<std::string>())) {
      return Status::Ok();
    }
    auto plain = box->Unseal(value.get<std::string>());
    if (!plain.ok()) {
      return Error(ErrorCode::INTERNAL,
                   "a secret of the alert channel cannot be read (wrong or lost key file): set "
                   "it again",
                   "config", plain.error().internal_detail);
    }
    value = std::move(plain).value();
    return Status::Ok();
  };
  for (const std::string& name : SecretFields(kind)) {
    if (out.contains(name)) SLUICE_RETURN_IF_ERROR(open(out[name]));
  }
  if (out.contains("headers") && out["headers"].is_object()) {
    for (auto& [name, value] : out["headers"].items()) SLUICE_RETURN_IF_ERROR(open(value));
  }
  return out;
}

// ---- ChannelService

ChannelService::ChannelService(store::Database& database, const Clock& clock, SecretKeeper& secrets,
                               Sender& sender, std::string public_url)
    : database_(database),
      clock_(clock),
      secrets_(secrets),
      sender_(sender),
      public_url_(std::move(public_url)) {}

Result<Channel> ChannelService::Load(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM alert_channels WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return NotFound(id);
  Channel channel;
  channel.id = rows.Int(0, "id");
  channel.team_id = rows.Int(0, "team_id");
  channel.name = rows.Text(0, "name");
  channel.kind = rows.Text(0, "kind");
  channel.description = rows.Text(0, "description");
  channel.created_at = rows.Int(0, "created_at");
  channel.updated_at = rows.Int(0, "updated_at");
  Json stored = Json::parse(rows.Text(0, "config"), nullptr, false);
  if (stored.is_discarded()) stored = Json::object();
  SLUICE_ASSIGN_OR_RETURN(channel.config, secrets_.Unseal(channel.kind, stored));
  return channel;
}

Result<Channel> ChannelService::LoadFor(int64_t id, const Principal& principal, Action action) {
  SLUICE_ASSIGN_OR_RETURN(store::Rows rows,
                          database_.Query("SELECT team_id FROM alert_channels WHERE id = ?", {id}));
  if (rows.empty()) return NotFound(id);
  SLUICE_RETURN_IF_ERROR(Authorize(principal, action, rows.Int(0, "team_id"), NotFound(id)));
  return Load(id);
}

Json ChannelService::ToJson(const Channel& channel) {
  return {{"id", channel.id},
          {"team_id", channel.team_id},
          {"name", channel.name},
          {"kind", channel.kind},
          {"config", MaskChannelConfig(channel.kind, channel.config)},
          {"description", channel.description},
          {"created_at", FormatRfc3339(FromUnixMillis(channel.created_at))},
          {"updated_at", FormatRfc3339(FromUnixMillis(channel.updated_at))}};
}

ChannelService::Answer ChannelService::List(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::vector<store::Value> params;
  SLUICE_ASSIGN_OR_RETURN(auto where, resources::TeamScope(principal, request, params));
  if (!where) return http::Ok({{"items", Json::array()}, {"total", 0}});
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM alert_channels" + *where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(
          fmt::format("SELECT id FROM alert_channels{} ORDER BY team_id, name LIMIT ? OFFSET ?",
                      *where),
          params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(Channel channel, Load(rows.Int(i, "id")));
    items.push_back(ToJson(channel));
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

ChannelService::Answer ChannelService::Create(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"team_id", "name", "kind", "config", "description"}));
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, RequireInt(body, "team_id"));
  SLUICE_RETURN_IF_ERROR(
      Authorize(principal, Action::kEdit, team_id, resources::TeamHidden(team_id)));
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name"));
  if (name.empty() || name.size() > 64) {
    return Error(ErrorCode::INVALID_ARGUMENT, "'name' is 1 to 64 characters", "name");
  }
  SLUICE_RETURN_IF_ERROR(system::ValidateText(name, 64, "name"));
  SLUICE_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind"));
  if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    return Invalid("kind", fmt::format("'kind' {} is not one of email, lark, dingtalk, wecom, "
                                       "slack, webhook",
                                       http::Echo(kind)));
  }
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  if (!body.contains("config")) return Invalid("config", "'config' is required");
  SLUICE_ASSIGN_OR_RETURN(Json config, ValidateChannelConfig(kind, body["config"]));
  SLUICE_ASSIGN_OR_RETURN(Json sealed, secrets_.Seal(kind, config));
  int64_t now = ToUnixMillis(clock_.Now());
  auto inserted = database_.Query(
      "INSERT INTO alert_channels (team_id, name, kind, config, description, created_by, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {team_id, name, kind, sealed.dump(), description.value_or(""), principal.user_id, now, now});
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(ErrorCode::ALERT_CHANNEL_EXISTS,
                   fmt::format("team {} has an alert channel named '{}' already", team_id, name),
                   "name");
    }
    if (inserted.error().code == ErrorCode::STORE_CONSTRAINT_VIOLATION) {
      return resources::TeamHidden(team_id);
    }
    return std::move(inserted).error();
  }
  int64_t id = inserted->Int(0, "id");
  SLUICE_ASSIGN_OR_RETURN(Channel channel, Load(id));
  return http::Created(ToJson(channel), fmt::format("alert-channel:{}", id), team_id);
}

ChannelService::Answer ChannelService::Get(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Channel channel, LoadFor(id, principal, Action::kView));
  return http::Ok(ToJson(channel));
}

ChannelService::Answer ChannelService::Update(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "config", "description"}));
  SLUICE_ASSIGN_OR_RETURN(Channel channel, LoadFor(id, principal, Action::kEdit));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  if (name && (name->empty() || name->size() > 64)) {
    return Error(ErrorCode::INVALID_ARGUMENT, "'name' is 1 to 64 characters", "name");
  }
  if (name) SLUICE_RETURN_IF_ERROR(system::ValidateText(*name, 64, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  Json config = channel.config;
  if (body.contains("config")) {
    SLUICE_ASSIGN_OR_RETURN(config,
                            ValidateChannelConfig(channel.kind, body["config"], &channel.config));
  }
  SLUICE_ASSIGN_OR_RETURN(Json sealed, secrets_.Seal(channel.kind, config));
  auto updated = database_.Query(
      "UPDATE alert_channels SET name = ?, config = ?, description = ?, updated_at = ? WHERE id "
      "= ?",
      {name.value_or(channel.name), sealed.dump(), description.value_or(channel.description),
       ToUnixMillis(clock_.Now()), id});
  if (!updated.ok()) {
    if (updated.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(ErrorCode::ALERT_CHANNEL_EXISTS,
                   fmt::format("team {} has an alert channel named '{}' already", channel.team_id,
                               name.value_or(channel.name)),
                   "name");
    }
    return std::move(updated).error();
  }
  SLUICE_ASSIGN_OR_RETURN(channel, Load(id));
  return http::Ok(ToJson(channel), fmt::format("alert-channel:{}", id), channel.team_id);
}

ChannelService::Answer ChannelService::Delete(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Channel channel, LoadFor(id, principal, Action::kEdit));
  SLUICE_RETURN_IF_ERROR(database_.Query("DELETE FROM alert_channels WHERE id = ?", {id}));
  // Alerts still waiting for it cannot be sent any more.
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "UPDATE alerts SET state = 'FAILED', last_error = 'the channel was deleted' WHERE "
      "channel_id = ? AND state = 'PENDING'",
      {id}));
  return http::NoContent(fmt::format("alert-channel:{}", id), channel.team_id);
}

ChannelService::Answer ChannelService::Test(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Channel channel, LoadFor(id, principal, Action::kEdit));
  auto team = database_.Query("SELECT name FROM teams WHERE id = ?", {channel.team_id});
  std::string team_name = team.ok() && !team->empty() ? team->Text(0, "name") : "";
  const std::string now = FormatRfc3339(clock_.Now());
  Json facts = {{"rule", "test"},
                {"title", fmt::format("Test alert from Sluice: channel {}", channel.name)},
                {"summary", fmt::format("a test of the {} channel '{}', sent by {} at {}",
                                        channel.kind, channel.name, principal.username, now)},
                {"team", team_name},
                {"at", now}};
  if (!public_url_.empty()) facts["sluice_url"] = public_url_;
  Status sent = sender_.Send(channel.kind, channel.config, facts);
  if (!sent.ok()) return sent.error();
  return http::Ok({{"delivered", true}, {"channel_id", id}}, fmt::format("alert-channel:{}", id),
                  channel.team_id);
}

void ChannelService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  const Json schema = {{"type", "object"},
                       {"properties",
                        {{"id", {{"type", "integer"}}},
                         {"team_id", {{"type", "integer"}}},
                         {"name", {{"type", "string"}}},
                         {"kind",
                          {{"type", "string"},
                           {"enum", {"email", "lark", "dingtalk", "wecom", "slack", "webhook"}}}},
                         {"config", {{"type", "object"}}},
                         {"description", {{"type", "string"}}},
                         {"created_at", {{"type", "string"}}},
                         {"updated_at", {{"type", "string"}}}}}};
  system::RouteTable route(router, guard, *this, "alerts");
  route("GET", "/api/v1/alert-channels", "alert-channel.list",
        "the alert channels of the caller's teams (secrets masked)", nullptr, http::ListOf(schema),
        200, &ChannelService::List, {"limit", "offset", "team_id"});
  route("POST", "/api/v1/alert-channels", "alert-channel.create",
        "add an alert channel: email, lark, dingtalk, wecom, slack or webhook",
        http::ObjectWith({{"team_id", "integer"},
                          {"name", "string"},
                          {"kind", "string"},
                          {"config", "object"},
                          {"description", "string"}},
                         {"team_id", "name", "kind", "config"}),
        schema, 201, &ChannelService::Create);
  route("GET", "/api/v1/alert-channels/{id}", "alert-channel.get",
        "an alert channel (secrets masked)", nullptr, schema, 200, &ChannelService::Get);
  route("PATCH", "/api/v1/alert-channels/{id}", "alert-channel.update",
        "change an alert channel (masked secrets sent back are kept)",
        http::ObjectWith({{"name", "string"}, {"config", "object"}, {"description", "string"}}),
        schema, 200, &ChannelService::Update);
  route("DELETE", "/api/v1/alert-channels/{id}", "alert-channel.delete", "remove an alert channel",
        nullptr, nullptr, 204, &ChannelService::Delete);
  route("POST", "/api/v1/alert-channels/{id}/test", "alert-channel.test",
        "send a test alert now; 502 ALERT_DELIVERY_FAILED with the receiver's reason", nullptr,
        http::ObjectWith({{"delivered", "boolean"}, {"channel_id", "integer"}}), 200,
        &ChannelService::Test);
}

}  // namespace sluice::alerts
