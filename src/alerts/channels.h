// Alert channels: where a team's alerts go. `/api/v1/alert-channels` (CRUD) and
// `POST /api/v1/alert-channels/{id}/test` (sends a test alert now and answers whether the
// receiver took it).
//
// Kinds and their config (secret fields marked *):
//   email     {"smtp_url": "smtp://host:587" | "smtps://host:465", "tls": "starttls" (default) |
//              "tls" | "none", "username"?, "password"*?, "from", "to": [addresses],
//              "ca_file"?}
//   lark      {"url"*, "secret"*?}          Lark/Feishu custom bot (signing secret optional)
//   dingtalk  {"url"*, "secret"*?}          DingTalk custom robot ("加签" secret optional)
//   wecom     {"url"*}                      WeCom group robot
//   slack     {"url"*}                      Slack incoming webhook
//   webhook   {"url"*, "headers"*?: {name: value}, "secret"*?}   generic JSON webhook
// Every kind also takes "template"?: {"title"?, "text"?} (render.h).
//
// Secrets are sealed (common/secret_box.h) in the store and masked in every answer: a URL shows
// only its scheme and host ("https://open.feishu.cn/******"), other secrets "******". A PATCH that
// sends a secret field back masked, or leaves it out, keeps the stored value.
// Validation happens when a channel is saved (ALERT_CHANNEL_INVALID / ALERT_TEMPLATE_INVALID
// naming the field, e.g. "config.url"); reachability when it is tested (ALERT_DELIVERY_FAILED).
// Permissions: viewers of the team list and read; developers and owners create, change, delete
// and test; other teams' channels answer ALERT_CHANNEL_NOT_FOUND.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerts/delivery.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "common/secret_box.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::alerts {

inline constexpr const char* kMasked = "******";

// Checks `config` for `kind` and answers it normalised (defaults filled in). `stored`, when
// given, is the channel's current config in the clear: masked or missing secrets are taken from
// it.
Result<Json> ValidateChannelConfig(const std::string& kind, const Json& config,
                                   const Json* stored = nullptr);
// The config as answers show it.
Json MaskChannelConfig(const std::string& kind, const Json& plain);

struct Channel {
  int64_t id = 0;
  int64_t team_id = 0;
  std::string name;
  std::string kind;
  Json config;  // secrets in the clear
  std::string description;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The key file is opened at first use.
class SecretKeeper {
 public:
  explicit SecretKeeper(std::string key_path) : key_path_(std::move(key_path)) {}
  Result<const SecretBox*> Box();
  // Seals the kind's secret fields / unseals them.
  Result<Json> Seal(const std::string& kind, const Json& plain);
  Result<Json> Unseal(const std::string& kind, const Json& stored);

 private:
  std::string key_path_;
  std::mutex mutex_;
  std::unique_ptr<SecretBox> box_;
};

class ChannelService {
 public:
  // All references must outlive the service. `public_url` goes into test alerts' links.
  ChannelService(store::Database& database, const Clock& clock, SecretKeeper& secrets,
                 Sender& sender, std::string public_url);

  // A channel with its secrets in the clear (for delivery). ALERT_CHANNEL_NOT_FOUND.
  Result<Channel> Load(int64_t id);

  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

 private:
  using Answer = Result<http::Response>;
  Answer List(http::Request& request, const system::Principal& principal);
  Answer Create(http::Request& request, const system::Principal& principal);
  Answer Get(http::Request& request, const system::Principal& principal);
  Answer Update(http::Request& request, const system::Principal& principal);
  Answer Delete(http::Request& request, const system::Principal& principal);
  Answer Test(http::Request& request, const system::Principal& principal);

  Result<Channel> LoadFor(int64_t id, const system::Principal& principal, system::Action action);
  static Json ToJson(const Channel& channel);

  store::Database& database_;
  const Clock& clock_;
  SecretKeeper& secrets_;
  Sender& sender_;
  std::string public_url_;
};

}  // namespace sluice::alerts
