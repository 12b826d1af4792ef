// The alerts area wired together: channels (channels.h), the engine with its rules, restart
// policy and outbox (engine.h), the job watcher (job_watcher.h), the restarter over apps/
// (restarter.h), and the routes for the alert history and the alert settings:
//   GET /api/v1/alerts                       history, newest first (?team_id, app_id, state, rule)
//   GET|PUT /api/v1/teams/{id}/alert-settings {"rules": {...}, "channel_ids": [..]}: the team's
//                                            default rules and channels
//   GET|PUT /api/v1/apps/{id}/alert-settings  {"rules": {...} (overrides), "maintenance": [..]}
//   GET /api/v1/apps/{id}/restarts            what the restart policy did, newest first
#pragma once

#include <memory>
#include <string>

#include "alerts/channels.h"
#include "alerts/delivery.h"
#include "alerts/engine.h"
#include "alerts/job_watcher.h"
#include "apps/apps_module.h"
#include "common/clock.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::alerts {

struct AlertsModuleOptions {
  std::string data_dir;  // the secret key at <data_dir>/secret.key
  AlertOptions engine;
  CurlSenderOptions sender;
};

class AlertsModule {
 public:
  // Everything given must outlive the module. `sender`/`redeployer`/`reader` null: the real
  // ones (the reader over the apps' JobGateway).
  AlertsModule(store::Database& database, const Clock& clock, apps::AppsModule& apps,
               AlertsModuleOptions options, std::unique_ptr<Sender> sender = nullptr,
               std::unique_ptr<Redeployer> redeployer = nullptr,
               std::unique_ptr<FlinkJobReader> reader = nullptr);
  ~AlertsModule();

  // Follows the apps' journal and starts the workers.
  void Start();
  void Stop();
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  AlertEngine& engine() { return *engine_; }
  ChannelService& channels() { return *channels_; }
  JobWatcher& watcher() { return *watcher_; }

 private:
  using Answer = Result<http::Response>;
  Answer Alerts(http::Request& request, const system::Principal& principal);
  Answer GetTeamSettings(http::Request& request, const system::Principal& principal);
  Answer PutTeamSettings(http::Request& request, const system::Principal& principal);
  Answer GetAppSettings(http::Request& request, const system::Principal& principal);
  Answer PutAppSettings(http::Request& request, const system::Principal& principal);
  Answer Restarts(http::Request& request, const system::Principal& principal);
  Result<int64_t> AppTeam(int64_t app_id, const system::Principal& principal,
                          system::Action action);

  store::Database& database_;
  const Clock& clock_;
  apps::AppsModule& apps_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<Redeployer> redeployer_;
  std::unique_ptr<SecretKeeper> secrets_;
  std::unique_ptr<ChannelService> channels_;
  std::unique_ptr<AlertEngine> engine_;
  std::unique_ptr<FlinkJobReader> reader_;
  std::unique_ptr<JobWatcher> watcher_;
  int subscription_ = 0;
};

}  // namespace sluice::alerts
