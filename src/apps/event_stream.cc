#include "apps/event_stream.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>

namespace sluice::apps {

namespace {

// How far below the cursor a read looks for events that committed late (see the header).
constexpr int64_t kLookBack = 64;
// At most this many events in one read; the rest come at the next.
constexpr int64_t kBatch = 200;
// A reconnecting client gets at most this many missed events.
constexpr int64_t kReplay = 500;

}  // namespace

AppEventStream::AppEventStream(store::Database& database, ChangeSignal& changed, const Clock& clock,
                               std::vector<int64_t> teams, bool all_teams,
                               std::optional<int64_t> after_id, std::optional<TimePoint> ends_at)
    : database_(database),
      changed_(changed),
      clock_(clock),
      teams_(std::move(teams)),
      all_teams_(all_teams),
      ends_at_(ends_at),
      cursor_(after_id) {}

AppEventStream::~AppEventStream() {
  if (subscription_ != 0) changed_.Unsubscribe(subscription_);
}

void AppEventStream::Start(std::function<void()> wake) {
  subscription_ = changed_.Subscribe(std::move(wake));
}

std::optional<std::string> AppEventStream::Read() {
  TimePoint now = clock_.Now();
  if (ends_at_ && now >= *ends_at_) return std::nullopt;
  std::string out;
  if (!started_) {
    started_ = true;
    // Reconnect after 3 s when the connection drops; the comment makes the headers flush.
    out = "retry: 3000\n: connected\n\n";
  }
  Result<std::string> events = ReadEvents();
  if (!events.ok()) {
    // The store is away for a moment: say nothing now, try again at the next wake or poll.
    spdlog::warn("events stream: {}", events.error().message);
  } else {
    out += *events;
  }
  if (out.empty() && now - last_output_ >= heartbeat_ - std::chrono::milliseconds(50)) {
    out = ": ping\n\n";
  }
  if (!out.empty()) last_output_ = now;
  return out;
}

Result<std::string> AppEventStream::ReadEvents() {
  if (!all_teams_ && teams_.empty()) return std::string();
  std::string teams_filter;
  std::vector<store::Value> params;
  if (!cursor_) {
    SLUICE_ASSIGN_OR_RETURN(store::Rows newest,
                            database_.Query("SELECT MAX(id) AS id FROM app_events", {}));
    cursor_ = newest.empty() || newest.IsNull(0, "id") ? 0 : newest.Int(0, "id");
    replayed_ = true;
    floor_ = *cursor_;
    return std::string();
  }
  int64_t from = std::max<int64_t>(0, *cursor_ - kLookBack);
  params.emplace_back(from);
  if (!all_teams_) {
    for (int64_t team : teams_) {
      teams_filter += teams_filter.empty() ? "?" : ", ?";
      params.emplace_back(team);
    }
    teams_filter = " AND a.team_id IN (" + teams_filter + ")";
  }
  // A first read after a reconnect may be far behind: take the newest kReplay, not the oldest.
  bool replay = !replayed_;
  if (replay) floor_ = *cursor_;
  replayed_ = true;
  params.emplace_back(replay ? kReplay : kBatch);
  std::string sql = fmt::format(
      "SELECT e.id, e.app_id, e.at, e.kind, e.from_state, e.to_state, e.operation_id, e.job_id, "
      "e.cause, a.name, a.team_id, a.state, a.operation_id AS in_flight FROM app_events e JOIN "
      "apps a ON a.id = e.app_id WHERE e.id > ?{} ORDER BY e.id {} LIMIT ?",
      teams_filter, replay ? "DESC" : "ASC");
  SLUICE_ASSIGN_OR_RETURN(store::Rows rows, database_.Query(sql, params));
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) order[i] = replay ? rows.size() - 1 - i : i;
  std::string out;
  for (size_t i : order) {
    int64_t id = rows.Int(i, "id");
    // In the look-back window: sent already, or (on a replay) the client has it.
    if (sent_.count(id) || id <= floor_) continue;
    Json event = {{"id", id},
                  {"app_id", rows.Int(i, "app_id")},
                  {"app", rows.Text(i, "name")},
                  {"team_id", rows.Int(i, "team_id")},
                  {"kind", rows.Text(i, "kind")},
                  {"cause", rows.Text(i, "cause")},
                  {"at", FormatRfc3339(FromUnixMillis(rows.Int(i, "at")))},
                  {"job_id", rows.Text(i, "job_id")},
                  {"state", rows.Text(i, "state")}};
    auto op = rows.OptionalInt(i, "operation_id");
    event["operation_id"] = op ? Json(*op) : Json();
    auto in_flight = rows.OptionalInt(i, "in_flight");
    event["operation_id_in_flight"] = in_flight ? Json(*in_flight) : Json();
    if (event["kind"] == "state") {
      event["from"] = rows.Text(i, "from_state");
      event["to"] = rows.Text(i, "to_state");
    }
    out += fmt::format("id: {}\nevent: app\ndata: {}\n\n", id, event.dump());
    sent_.insert(id);
    cursor_ = std::max(*cursor_, id);
  }
  // Forget what has fallen out of the window.
  while (!sent_.empty() && *sent_.begin() <= *cursor_ - kLookBack) sent_.erase(sent_.begin());
  return out;
}

Result<http::Response> EventStreamAnswer(store::Database& database, ChangeSignal& changed,
                                         const Clock& clock, const http::Request& request,
                                         const system::Principal& principal) {
  std::optional<int64_t> after;
  std::string last = request.Header("last-event-id");
  if (!last.empty()) {
    int64_t id = 0;
    auto [end, ec] = std::from_chars(last.data(), last.data() + last.size(), id);
    if (ec != std::errc() || end != last.data() + last.size() || id < 0) {
      return Error(ErrorCode::INVALID_ARGUMENT, "'Last-Event-ID' must be an event id",
                   "Last-Event-ID");
    }
    after = id;
  }
  std::vector<int64_t> teams;
  for (const auto& [team, role] : principal.roles) teams.push_back(team);
  http::Response response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers.emplace_back("Cache-Control", "no-store");
  // Proxies (nginx) must not buffer the stream.
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream =
      std::make_shared<AppEventStream>(database, changed, clock, std::move(teams),
                                       principal.is_admin, after, principal.token_expires_at);
  return response;
}

}  // namespace sluice::apps
