// The restart policy's side effects (a deploy; for the checkpoint rule's restart, a cancel first):
// queueing a restart as the same durable deploy operation that `POST /api/v1/apps/{id}/deploy`
// queues (apps/operations.h), so it is a row before it is work, survives a crash, and runs through
// the deploy's own checks (the previous job id is looked up on the cluster first: a job never runs
// twice).
#pragma once

#include <functional>
#include <string>

#include "alerts/engine.h"
#include "apps/journal.h"
#include "apps/operations.h"
#include "store/database.h"

namespace sluice::alerts {

class AppsRedeployer final : public Redeployer {
 public:
  // All references must outlive it; `wake` wakes the operations worker.
  AppsRedeployer(store::Database& database, apps::Operations& operations, apps::Journal& journal,
                 std::function<void()> wake)
      : database_(database), operations_(operations), journal_(journal), wake_(std::move(wake)) {}

  Result<int64_t> Redeploy(int64_t app_id, const std::string& expected_state,
                           const std::string& restore, const std::string& why) override;
  Result<int64_t> Cancel(int64_t app_id, const std::string& expected_state,
                         const std::string& why) override;

 private:
  Result<int64_t> Enqueue(int64_t app_id, const std::string& expected_state,
                          const std::string& kind, const Json& params, const std::string& note);
  store::Database& database_;
  apps::Operations& operations_;
  apps::Journal& journal_;
  std::function<void()> wake_;
};

}  // namespace sluice::alerts
