// GET /api/v1/events/stream: the apps' events (state changes, operations requested, finished or
// failed, savepoints) as server-sent events, for the console's live pages.
//
// Each event is `id: <app_events.id>`, `event: app`, and `data:` one JSON object:
//   {"id","app_id","app","team_id","kind","from"?,"to"?,"cause","at","job_id","operation_id",
//    "state","operation_id_in_flight"}
// where `state` and `operation_id_in_flight` are the app's as of reading (so a client may update
// its row without asking again). Only events of the caller's teams are sent (all, for admins).
// A client that reconnects with `Last-Event-ID` gets what it missed (up to 500 events); without
// it the stream starts at the newest event. Idle streams carry a comment every 15 s so that
// proxies and the client see the connection is alive.
//
// The stream follows the app_events table from a cursor, woken by the journal's ChangeSignal.
// Events may commit out of id order (two writers on PostgreSQL), so each read looks back over a
// small window of ids below the cursor and skips those already sent.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "apps/journal.h"
#include "common/clock.h"
#include "http/message.h"
#include "store/database.h"
#include "system/authorizer.h"

namespace sluice::apps {

class AppEventStream final : public http::ResponseStream {
 public:
  // `teams`: the team ids whose events may be sent; empty with `all_teams` for admins.
  // `after_id`: the last event the client has (Last-Event-ID), or nullopt to start at the newest.
  // Everything given must outlive the stream.
  // `ends_at`: when the caller's token expires (the stream ends then), if it does.
  AppEventStream(store::Database& database, ChangeSignal& changed, const Clock& clock,
                 std::vector<int64_t> teams, bool all_teams, std::optional<int64_t> after_id,
                 std::optional<TimePoint> ends_at = std::nullopt);
  ~AppEventStream() override;

  void Start(std::function<void()> wake) override;
  std::optional<std::string> Read() override;
  std::chrono::milliseconds idle_poll() const override { return heartbeat_; }

  // For tests: a shorter heartbeat.
  void set_heartbeat(std::chrono::milliseconds heartbeat) { heartbeat_ = heartbeat; }

 private:
  Result<std::string> ReadEvents();

  store::Database& database_;
  ChangeSignal& changed_;
  const Clock& clock_;
  std::vector<int64_t> teams_;
  bool all_teams_;
  std::optional<TimePoint> ends_at_;
  std::optional<int64_t> cursor_;  // the highest id sent (or seen at start)
  std::set<int64_t> sent_;         // ids sent within the look-back window
  int64_t floor_ = 0;              // ids up to here the client had when the stream began
  int subscription_ = 0;
  bool started_ = false;
  bool replayed_ = false;  // the first read after a reconnect (Last-Event-ID) has happened
  TimePoint last_output_{};
  std::chrono::milliseconds heartbeat_{std::chrono::seconds(15)};
};

// Builds the answer for GET /api/v1/events/stream (auth is the caller's): 400 for a malformed
// Last-Event-ID, otherwise a streamed 200.
Result<http::Response> EventStreamAnswer(store::Database& database, ChangeSignal& changed,
                                         const Clock& clock, const http::Request& request,
                                         const system::Principal& principal);

}  // namespace sluice::apps
