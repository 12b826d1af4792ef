// The job watcher: the rules that need a look inside a running job (checkpoint_failures,
// checkpoint_stale, flink_restarts; engine.h has their settings).
//
// The tracker reads each cluster once per cycle (GET /jobs/overview for all its jobs:
// architecture decision 5) and stays that way. This watcher is separate and modest: every
// `AlertOptions::watch` (5 s by default) it reads, only for RUNNING apps that have one of these
// rules on, Flink's
//   GET /jobs/{id}/checkpoints         counts, latest completed/failed, `history` (status,
//                                      trigger_timestamp, failure_message): the checkpoint rules;
//   GET /jobs/{id}/checkpoints/config  `interval`, once per job: checkpoint_stale only applies to
//                                      jobs with periodic checkpointing on;
//   GET /jobs/{id}/exceptions          `exceptionHistory.entries[].timestamp`: one entry per
//                                      failure Flink restarted from (flink_restarts).
// All of these exist on Flink 1.20 and 2.0 alike. Flink keeps the last `web.checkpoints.history`
// (10) checkpoints and `web.exception-history-size` (16) failures: thresholds above those need
// them raised in the cluster's configuration.
//
// Conditions go to AlertEngine::RaiseCondition (channels, maintenance, one alert per quiet time)
// and, for checkpoint_failures with "action": "restart", AlertEngine::StartCheckpointRestart.
// A cluster that does not answer is skipped for that pass (the tracker makes it LOST).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "alerts/engine.h"
#include "apps/job_gateway.h"
#include "common/clock.h"
#include "common/result.h"
#include "flink/rest_client.h"
#include "http/client.h"
#include "store/database.h"

namespace sluice::alerts {

// Flink's REST reads the watcher needs (a fake in unit tests).
class FlinkJobReader {
 public:
  virtual ~FlinkJobReader() = default;
  virtual Result<flink::CheckpointStats> Checkpoints(int64_t cluster_id,
                                                     const std::string& job_id) = 0;
  virtual Result<flink::JobExceptionHistory> Exceptions(int64_t cluster_id,
                                                        const std::string& job_id) = 0;
  // The job's periodic checkpoint interval in ms; nullopt when periodic checkpointing is off.
  virtual Result<std::optional<int64_t>> CheckpointInterval(int64_t cluster_id,
                                                            const std::string& job_id) = 0;
};

// The real reader: the apps' JobGateway (its REST clients, JobManager HA) for checkpoints and
// exceptions; GET /jobs/{id}/checkpoints/config at the address that answered last.
class GatewayJobReader final : public FlinkJobReader {
 public:
  explicit GatewayJobReader(apps::JobGateway& gateway) : gateway_(gateway) {}
  Result<flink::CheckpointStats> Checkpoints(int64_t cluster_id,
                                             const std::string& job_id) override;
  Result<flink::JobExceptionHistory> Exceptions(int64_t cluster_id,
                                                const std::string& job_id) override;
  Result<std::optional<int64_t>> CheckpointInterval(int64_t cluster_id,
                                                    const std::string& job_id) override;

 private:
  apps::JobGateway& gateway_;
  http::CurlHttpClient http_;
};

class JobWatcher {
 public:
  // All references must outlive the watcher.
  JobWatcher(store::Database& database, const Clock& clock, AlertEngine& engine,
             FlinkJobReader& reader, std::chrono::milliseconds every);
  ~JobWatcher();

  // Masks an app's secrets in text read from Flink (its exception and checkpoint failure
  // messages) before it goes into an alert. Without one, text is used as Flink gave it.
  using Masker = std::function<std::string(int64_t app_id, std::string text)>;
  void set_masker(Masker masker) { masker_ = std::move(masker); }

  // One look at every RUNNING app with a watched rule on; answers how many jobs were read.
  Result<int> Pass();
  // The worker "alerts-watch": Pass every `every`.
  void Start();
  void Stop();

 private:
  Status Watch(const AppAlertContext& app, const std::string& job_id);
  int64_t Now() const { return ToUnixMillis(clock_.Now()); }

  store::Database& database_;
  const Clock& clock_;
  AlertEngine& engine_;
  FlinkJobReader& reader_;
  std::chrono::milliseconds every_;
  std::map<std::string, std::optional<int64_t>> intervals_;  // job id -> checkpoint interval
  Masker masker_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace sluice::alerts
