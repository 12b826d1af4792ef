// GET /api/v1/builds/{id}/log?follow=1: a build's log as server-sent events, live while the build
// runs, ending when the build has ended and the whole log has been sent.
//
// The stream is:
//   retry: 3000            (once, first)
//   : connected            (once: the headers are out, the client is following)
//   id: <offset>           (the byte offset just after this piece of the log)
//   event: log
//   data: {"text": "..."}  (the log's bytes from the previous offset, as a JSON string)
//   ...
//   event: end
//   data: <the build's API object>   (after the last log piece; then the stream ends)
// While the build runs, pieces end at a line's end (so a character is never split); the rest is
// sent once the build has ended. A client that reconnects sends `Last-Event-ID` (the offset) and
// gets the log from there. Idle streams carry `: ping` every 15 s.
//
// Woken by `written` (the build wrote to its log) and `finished` (a build ended); without a
// wake (a build run by another Sluice process) the log file and the build's state are read again
// every second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/change_signal.h"
#include "common/clock.h"
#include "common/result.h"
#include "http/message.h"
#include "projects/builds.h"

namespace sluice::projects {

class BuildLogStream final : public http::ResponseStream {
 public:
  // Reads the build again (its state decides the end).
  using BuildReader = std::function<Result<Build>()>;

  // `log_path`: the build's log (it may not exist yet). `offset`: the first byte to send.
  // `ends_at`: when the caller's token expires (the stream ends then), if it does.
  // Everything given must outlive the stream.
  BuildLogStream(std::string log_path, int64_t offset, BuildReader read_build,
                 ChangeSignal& written, ChangeSignal& finished, const Clock& clock,
                 std::optional<TimePoint> ends_at = std::nullopt);
  ~BuildLogStream() override;

  void Start(std::function<void()> wake) override;
  std::optional<std::string> Read() override;
  std::chrono::milliseconds idle_poll() const override { return std::chrono::seconds(1); }

  // At most this many log bytes in one event.
  static constexpr size_t kMaxPiece = 256 * 1024;

 private:
  // Appends the log from offset_ (up to kMaxPiece; whole lines unless `all`) as one event.
  // Answers whether the log was read to its current end.
  bool AppendLog(std::string& out, bool all);

  std::string log_path_;
  int64_t offset_;
  BuildReader read_build_;
  ChangeSignal& written_;
  ChangeSignal& finished_;
  const Clock& clock_;
  std::optional<TimePoint> ends_at_;
  int written_subscription_ = 0;
  int finished_subscription_ = 0;
  // Set by `finished`'s listener (any thread): read the build's state at the next Read.
  std::shared_ptr<std::atomic<bool>> finish_signalled_ = std::make_shared<std::atomic<bool>>(true);
  bool started_ = false;
  bool ended_ = false;
  TimePoint last_state_check_{};
  TimePoint last_output_{};
};

// The answer for GET /api/v1/builds/{id}/log?follow=1 (Last-Event-ID overrides `offset`).
// INVALID_ARGUMENT when Last-Event-ID is not an offset.
Result<http::Response> BuildLogStreamAnswer(const http::Request& request, std::string log_path,
                                            int64_t offset, BuildLogStream::BuildReader read_build,
                                            ChangeSignal& written, ChangeSignal& finished,
                                            const Clock& clock, std::optional<TimePoint> ends_at);

}  // namespace sluice::projects
