// BuildLogStream: the server-sent events of a build's log, read from a real file with a fake
// build and clock: pieces with their offsets, whole lines while running, the end event after
// the last byte, wakes from the signals, resuming at an offset, heartbeats and the token's end.
#include "projects/build_log_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/json.h"

namespace sluice::projects {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One server-sent event as parsed from the stream's text.
struct Event {
  std::string id;
  std::string name;
  std::string data;
};

// Parses events (blank-line separated); comments and `retry:` lines are kept in `comments`.
std::vector<Event> Parse(const std::string& text, std::vector<std::string>* comments = nullptr) {
  std::vector<Event> events;
  Event current;
  bool any = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) {
      if (any) events.push_back(current);
      current = {};
      any = false;
    } else if (line[0] == ':' || line.rfind("retry:", 0) == 0) {
      if (comments) comments->push_back(line);
    } else if (line.rfind("id: ", 0) == 0) {
      current.id = line.substr(4);
      any = true;
    } else if (line.rfind("event: ", 0) == 0) {
      current.name = line.substr(7);
      any = true;
    } else if (line.rfind("data: ", 0) == 0) {
      current.data += line.substr(6);
      any = true;
    }
  }
  return events;
}

std::string LogText(const Event& event) {
  return Json::parse(event.data).at("text").get<std::string>();
}

class BuildLogStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-build-log-stream-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "build.log").string();
    build_.id = 7;
    build_.project_id = 3;
    build_.state = "RUNNING";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Append(const std::string& text) {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << text;
  }
  std::unique_ptr<BuildLogStream> Make(int64_t offset = 0,
                                       std::optional<TimePoint> ends_at = std::nullopt) {
    auto stream = std::make_unique<BuildLogStream>(
        path_, offset,
        [this]() -> Result<Build> {
          ++reads_;
          return build_;
        },
        written_, finished_, clock_, ends_at);
    stream->Start([this] { ++wakes_; });
    return stream;
  }

  fs::path dir_;
  std::string path_;
  Build build_;
  ChangeSignal written_;
  ChangeSignal finished_;
  FakeClock clock_;
  std::atomic<int> wakes_{0};
  int reads_ = 0;
};

TEST_F(BuildLogStreamTest, SendsTheLogInPiecesWithOffsetsThenEndsAfterTheBuild) {
  auto stream = Make();
  std::vector<std::string> comments;
  std::optional<std::string> first = stream->Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(Parse(*first, &comments).empty());  // no log yet
  EXPECT_EQ(comments, (std::vector<std::string>{"retry: 3000", ": connected"}));

  Append("[INFO] Scanning\n[INFO] Build");  // the second line is still being written
  std::vector<Event> events = Parse(stream->Read().value());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "log");
  EXPECT_EQ(LogText(events[0]), "[INFO] Scanning\n");
  EXPECT_EQ(events[0].id, "16");

  Append("ing jar\n");
  events = Parse(stream->Read().value());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(LogText(events[0]), "[INFO] Building jar\n");
  EXPECT_EQ(events[0].id, std::to_string(16 + 20));

  // The build ends with a last line that has no line end: it is sent whole, then the end.
  Append("[sluice] done");
  build_.state = "SUCCEEDED";
  finished_.Notify();
  events = Parse(stream->Read().value());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(LogText(events[0]), "[sluice] done");
  EXPECT_EQ(events[1].name, "end");
  Json end = Json::parse(events[1].data);
  EXPECT_EQ(end.at("state"), "SUCCEEDED");
  EXPECT_EQ(end.at("id"), 7);
  EXPECT_FALSE(stream->Read().has_value());
}

TEST_F(BuildLogStreamTest, TheSignalsWakeTheConnection) {
  auto stream = Make();
  (void)stream->Read();
  int before = wakes_;
  written_.Notify();
  EXPECT_EQ(wakes_, before + 1);
  finished_.Notify();
  EXPECT_EQ(wakes_, before + 2);
  stream.reset();
  written_.Notify();  // unsubscribed with the stream
  EXPECT_EQ(wakes_, before + 2);
}

TEST_F(BuildLogStreamTest, ReadsTheStateOnlyWhenToldOrEverySecond) {
  auto stream = Make();
  (void)stream->Read();
  EXPECT_EQ(reads_, 1);  // the first read looks
  Append("a\n");
  (void)stream->Read();
  (void)stream->Read();
  EXPECT_EQ(reads_, 1);  // log writes alone do not ask the store
  clock_.Advance(1s);
  (void)stream->Read();
  EXPECT_EQ(reads_, 2);  // a build run elsewhere is noticed within a second
  finished_.Notify();
  (void)stream->Read();
  EXPECT_EQ(reads_, 3);
}

TEST_F(BuildLogStreamTest, AnEndedBuildsLongLogIsSentWholeBeforeTheEnd) {
  std::string line(1000, 'x');
  line += '\n';
  std::string log;
  while (log.size() < BuildLogStream::kMaxPiece + 5000) log += line;
  Append(log);
  build_.state = "FAILED";
  auto stream = Make();
  std::string received;
  bool ended = false;
  for (int i = 0; i < 10 && !ended; ++i) {
    std::optional<std::string> piece = stream->Read();
    if (!piece) break;
    for (const Event& event : Parse(*piece)) {
      if (event.name == "log") received += LogText(event);
      if (event.name == "end") {
        ended = true;
        EXPECT_EQ(Json::parse(event.data).at("state"), "FAILED");
      }
    }
  }
  EXPECT_TRUE(ended);
  EXPECT_EQ(received, log);
}

TEST_F(BuildLogStreamTest, ResumesAtAnOffset) {
  Append("first\nsecond\n");
  auto stream = Make(6);
  std::vector<Event> events = Parse(stream->Read().value());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(LogText(events[0]), "second\n");
  EXPECT_EQ(events[0].id, "13");
}

TEST_F(BuildLogStreamTest, SaysPingWhenIdleAndEndsWithTheToken) {
  auto stream = Make(0, clock_.Now() + 40s);
  (void)stream->Read();
  EXPECT_EQ(stream->Read().value(), "");
  clock_.Advance(15s);
  EXPECT_EQ(stream->Read().value(), ": ping\n\n");
  clock_.Advance(30s);
  EXPECT_FALSE(stream->Read().has_value());
}

TEST_F(BuildLogStreamTest, ABadLastEventIdIsRefused) {
  http::Request request;
  request.headers["last-event-id"] = "twelve";
  auto answer = BuildLogStreamAnswer(
      request, path_, 0, [this]() -> Result<Build> { return build_; }, written_, finished_, clock_,
      std::nullopt);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(answer.error().field, "Last-Event-ID");
}

TEST_F(BuildLogStreamTest, LastEventIdSetsTheOffset) {
  Append("first\nsecond\n");
  http::Request request;
  request.headers["last-event-id"] = "6";
  auto answer = BuildLogStreamAnswer(
      request, path_, 0, [this]() -> Result<Build> { return build_; }, written_, finished_, clock_,
      std::nullopt);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->content_type, "text/event-stream; charset=utf-8");
  ASSERT_NE(answer->stream, nullptr);
  answer->stream->Start([] {});
  std::vector<Event> events = Parse(answer->stream->Read().value());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(LogText(events[0]), "second\n");
}

}  // namespace
}  // namespace sluice::projects
