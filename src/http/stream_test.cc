// Streamed answers (ResponseStream) through the real http::Server on 127.0.0.1, read by a plain
// socket so that every byte on the wire can be checked: chunked framing, wake-ups from another
// thread, the end of a stream, a client hanging up, and a stop while streams are open.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "http/dispatcher.h"
#include "http/router.h"
#include "http/server.h"

namespace sluice::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// What the test pushes, the server reads; its wake is kept so that the test can call it.
struct Feed {
  std::mutex mutex;
  std::deque<std::string> pieces;
  bool ended = false;
  std::function<void()> wake;
  std::atomic<int> reads{0};
  std::atomic<bool> destroyed{false};

  void Push(std::string piece) {
    std::function<void()> wake_now;
    {
      std::lock_guard lock(mutex);
      pieces.push_back(std::move(piece));
      wake_now = wake;
    }
    if (wake_now) wake_now();
  }
  void End() {
    std::function<void()> wake_now;
    {
      std::lock_guard lock(mutex);
      ended = true;
      wake_now = wake;
    }
    if (wake_now) wake_now();
  }
};

class FeedStream final : public ResponseStream {
 public:
  explicit FeedStream(std::shared_ptr<Feed> feed) : feed_(std::move(feed)) {}
  ~FeedStream() override { feed_->destroyed = true; }
  void Start(std::function<void()> wake) override {
    std::lock_guard lock(feed_->mutex);
    feed_->wake = std::move(wake);
  }
  std::optional<std::string> Read() override {
    ++feed_->reads;
    std::lock_guard lock(feed_->mutex);
    if (!feed_->pieces.empty()) {
      std::string piece = std::move(feed_->pieces.front());
      feed_->pieces.pop_front();
      return piece;
    }
    if (feed_->ended) return std::nullopt;
    return std::string();
  }
  std::chrono::milliseconds idle_poll() const override { return 10min; }

 private:
  std::shared_ptr<Feed> feed_;
};

template <typename Predicate>
bool PollUntil(Predicate predicate, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    feed_ = std::make_shared<Feed>();
    router_.Add("GET", "/stream", {"a stream", "test"}, [this](Request&) {
      Response response;
      response.content_type = "text/event-stream";
      response.headers.emplace_back("Cache-Control", "no-store");
      response.stream = std::make_shared<FeedStream>(feed_);
      return response;
    });
    dispatcher_ = std::make_unique<Dispatcher>(router_, metrics_);
    ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<Server>(options, *dispatcher_);
    ASSERT_TRUE(server_->Start().ok());
  }

  // Connects and sends the request; the socket is left open for reading.
  void Connect() {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    std::string request = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(socket_, asio::buffer(request));
  }

  // Reads until `needle` has arrived (or the server closes, or 5 s pass); answers all read so far.
  std::string ReadUntil(std::string_view needle) {
    socket_.non_blocking(true);
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (received_.find(needle) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      char buffer[4096];
      boost::system::error_code ec;
      size_t n = socket_.read_some(asio::buffer(buffer), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(2ms);
        continue;
      }
      if (ec) {
        closed_by_server_ = true;
        break;
      }
      received_.append(buffer, n);
    }
    return received_;
  }

  Router router_;
  Metrics metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<Feed> feed_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  std::string received_;
  bool closed_by_server_ = false;
};

TEST_F(StreamTest, PiecesGoOutAsChunksWhenTheStreamIsWoken) {
  feed_->Push("data: one\n\n");
  Connect();
  std::string text = ReadUntil("data: one\n\n");
  EXPECT_NE(text.find("HTTP/1.1 200"), std::string::npos) << text;
  EXPECT_NE(text.find("Transfer-Encoding: chunked"), std::string::npos) << text;
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos) << text;
  EXPECT_NE(text.find("Cache-Control: no-store"), std::string::npos) << text;
  // The chunk's size line (11 bytes = 0xb) precedes it.
  EXPECT_NE(text.find("b\r\ndata: one\n\n\r\n"), std::string::npos) << text;
  // Nothing more until woken from another thread; the idle poll is far away.
  ASSERT_TRUE(PollUntil([&] { return feed_->wake != nullptr; }));
  std::thread pusher([&] { feed_->Push("data: two\n\n"); });
  pusher.join();
  text = ReadUntil("data: two\n\n");
  EXPECT_NE(text.find("data: two\n\n"), std::string::npos) << text;
  // A stream does not hold a request slot: a graceful stop need not wait for it.
  EXPECT_EQ(server_->in_flight(), 0);
}

TEST_F(StreamTest, AnEndedStreamSendsTheLastChunkAndCloses) {
  Connect();
  ASSERT_TRUE(PollUntil([&] { return feed_->wake != nullptr; }));
  feed_->Push("data: bye\n\n");
  feed_->End();
  std::string text = ReadUntil("0\r\n\r\n");
  EXPECT_NE(text.find("data: bye\n\n\r\n0\r\n\r\n"), std::string::npos) << text;
  ReadUntil("never arrives");
  EXPECT_TRUE(closed_by_server_);
  EXPECT_TRUE(PollUntil([&] { return feed_->destroyed.load(); }));
}

TEST_F(StreamTest, AClientThatHangsUpEndsTheStreamAtOnce) {
  Connect();
  ASSERT_TRUE(PollUntil([&] { return feed_->wake != nullptr; }));
  socket_.close();
  // Without a write to fail: the server notices the hang-up itself.
  EXPECT_TRUE(PollUntil([&] { return feed_->destroyed.load(); }));
  // A late wake finds nothing and harms nothing.
  feed_->Push("data: late\n\n");
}

TEST_F(StreamTest, StopEndsOpenStreamsWithoutWaitingForThem) {
  Connect();
  ASSERT_TRUE(PollUntil([&] { return feed_->wake != nullptr; }));
  auto before = std::chrono::steady_clock::now();
  server_->Stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_TRUE(feed_->destroyed.load());
}

}  // namespace
}  // namespace sluice::http
