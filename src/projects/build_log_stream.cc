#include "projects/build_log_stream.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <fstream>

#include "common/error_codes.h"

namespace sluice::projects {

namespace {

constexpr std::chrono::seconds kHeartbeat{15};
// Without a wake, the build's state is read again this often.
constexpr std::chrono::seconds kStateCheck{1};

}  // namespace

BuildLogStream::BuildLogStream(std::string log_path, int64_t offset, BuildReader read_build,
                               ChangeSignal& written, ChangeSignal& finished, const Clock& clock,
                               std::optional<TimePoint> ends_at)
    : log_path_(std::move(log_path)),
      offset_(offset),
      read_build_(std::move(read_build)),
      written_(written),
      finished_(finished),
      clock_(clock),
      ends_at_(ends_at) {}

BuildLogStream::~BuildLogStream() {
  if (written_subscription_ != 0) written_.Unsubscribe(written_subscription_);
  if (finished_subscription_ != 0) finished_.Unsubscribe(finished_subscription_);
}

void BuildLogStream::Start(std::function<void()> wake) {
  written_subscription_ = written_.Subscribe(wake);
  finished_subscription_ = finished_.Subscribe([flag = finish_signalled_, wake] {
    flag->store(true);
    wake();
  });
}

bool BuildLogStream::AppendLog(std::string& out, bool all) {
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return true;  // nothing written yet
  in.seekg(offset_);
  if (!in) return true;
  std::string piece(kMaxPiece, '\0');
  in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
  piece.resize(static_cast<size_t>(in.gcount()));
  bool to_the_end = piece.size() < kMaxPiece;
  if (!all || !to_the_end) {
    // A line still being written (or cut by kMaxPiece) waits for its end, so that a multi-byte
    // character is never split; a piece without any line end is sent whole.
    size_t last_line_end = piece.rfind('\n');
    if (last_line_end != std::string::npos && last_line_end + 1 < piece.size()) {
      piece.resize(last_line_end + 1);
      to_the_end = false;
    }
  }
  if (piece.empty()) return to_the_end;
  offset_ += static_cast<int64_t>(piece.size());
  Json data = {{"text", piece}};
  out += "id: " + std::to_string(offset_) +
         "\nevent: log\ndata: " + data.dump(-1, ' ', false, Json::error_handler_t::replace) +
         "\n\n";
  return to_the_end;
}

std::optional<std::string> BuildLogStream::Read() {
  if (ended_) return std::nullopt;
  TimePoint now = clock_.Now();
  if (ends_at_ && now >= *ends_at_) return std::nullopt;
  std::string out;
  if (!started_) {
    started_ = true;
    // Reconnect after 3 s when the connection drops; the comment makes the headers flush.
    out = "retry: 3000\n: connected\n\n";
  }
  // The state first, then the log: what a build wrote before it ended is then surely read.
  std::optional<Build> ended_build;
  if (finish_signalled_->exchange(false) || now - last_state_check_ >= kStateCheck) {
    last_state_check_ = now;
    Result<Build> build = read_build_();
    if (!build.ok()) {
      spdlog::warn("build log stream: {}", build.error().message);
    } else if (build->Finished()) {
      ended_build = *build;
    }
  }
  bool caught_up = AppendLog(out, ended_build.has_value());
  if (ended_build && caught_up) {
    out += "event: end\ndata: " + ended_build->ToJson().dump() + "\n\n";
    ended_ = true;
  } else if (ended_build) {
    finish_signalled_->store(true);  // more log to send first; check again right after
  }
  if (out.empty() && now - last_output_ >= kHeartbeat - std::chrono::milliseconds(50)) {
    out = ": ping\n\n";
  }
  if (!out.empty()) last_output_ = now;
  return out;
}

Result<http::Response> BuildLogStreamAnswer(const http::Request& request, std::string log_path,
                                            int64_t offset, BuildLogStream::BuildReader read_build,
                                            ChangeSignal& written, ChangeSignal& finished,
                                            const Clock& clock, std::optional<TimePoint> ends_at) {
  std::string last = request.Header("last-event-id");
  if (!last.empty()) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(last.data(), last.data() + last.size(), value);
    if (ec != std::errc() || end != last.data() + last.size() || value < 0) {
      return Error(ErrorCode::INVALID_ARGUMENT, "'Last-Event-ID' must be a byte offset (>= 0)",
                   "Last-Event-ID");
    }
    offset = value;
  }
  http::Response response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers.emplace_back("Cache-Control", "no-store");
  // Proxies (nginx) must not buffer the stream.
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream = std::make_shared<BuildLogStream>(
      std::move(log_path), offset, std::move(read_build), written, finished, clock, ends_at);
  return response;
}

}  // namespace sluice::projects
