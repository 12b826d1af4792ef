// CurlHttpClient against a real HTTP server on 127.0.0.1 (the project's own http::Server): request
// shapes, multipart uploads, and the three kinds of failure callers act on.
#include "http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>

#include "http/dispatcher.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"

namespace sluice::http {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// What the server saw of the last request.
struct Seen {
  std::mutex mu;
  int count = 0;
  Request last;
};

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/echo", {"echo", "test", false}, [this](Request& r) {
      Record(r);
      Json headers = Json::object();
      for (const auto& [name, value] : r.headers) headers[name] = value;
      Response response = JsonResponse(200, {{"method", r.method}, {"headers", headers}});
      response.headers.emplace_back("X-Custom", "first");
      response.headers.emplace_back("X-Custom", "second");
      return response;
    });
    for (const char* method : {"POST", "PATCH", "DELETE", "PUT"}) {
      router_.Add(method, "/echo", {"echo", "test", false}, [this](Request& r) {
        Record(r);
        return TextResponse(201, r.method + ":" + r.body);
      });
    }
    router_.Add("POST", "/upload", {"upload", "test", false}, [this](Request& r) {
      Record(r);
      return JsonResponse(200, {{"status", "success"}});
    });
    router_.Add("GET", "/big", {"big", "test", false},
                [](Request&) { return TextResponse(200, std::string(1000, 'x')); });
    router_.Add("POST", "/slow", {"slow", "test", false}, [this](Request& r) {
      Record(r);
      // Held until the test has seen the client give up; bounded so a failing test cannot hang.
      release_.wait_for(std::chrono::seconds(10));
      return TextResponse(200, "late");
    });
    release_ = release_promise_.get_future().share();

    dispatcher_ = std::make_unique<Dispatcher>(router_, metrics_);
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<Server>(options, *dispatcher_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());

    std::string pattern = (fs::temp_directory_path() / "sluice-http-client-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override {
    Release();
    server_->Stop(std::chrono::seconds(5));
    fs::remove_all(dir_);
  }

  void Record(const Request& r) {
    std::lock_guard lock(seen_.mu);
    ++seen_.count;
    seen_.last = r;
  }
  int SeenCount() {
    std::lock_guard lock(seen_.mu);
    return seen_.count;
  }
  Request LastSeen() {
    std::lock_guard lock(seen_.mu);
    return seen_.last;
  }
  void Release() {
    if (!released_) {
      released_ = true;
      release_promise_.set_value();
    }
  }

  ClientRequest Make(std::string method, std::string path) {
    ClientRequest request;
    request.method = std::move(method);
    request.url = base_ + path;
    return request;
  }

  Router router_;
  Metrics metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::string base_;
  fs::path dir_;
  Seen seen_;
  std::promise<void> release_promise_;
  std::shared_future<void> release_;
  bool released_ = false;
};

// A port on 127.0.0.1 that refuses connections: bound (so nothing else takes it) but not listening.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      socklen_t len = sizeof addr;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin_port);
    }
  }
  ~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(CurlHttpClientTest, GetAnswersStatusBodyAndLowerCaseHeaders) {
  CurlHttpClient client;
  ClientRequest request = Make("GET", "/echo?x=1");
  request.headers.emplace_back("Accept", "application/json");
  ClientResult answer = client.Send(request);
  ASSERT_TRUE(answer.ok()) << answer.failure().message;
  EXPECT_EQ(answer->status, 200);
  Json body = Json::parse(answer->body);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["headers"]["accept"], "application/json");
  EXPECT_EQ(body["headers"]["user-agent"], "sluice/" SLUICE_VERSION);
  EXPECT_EQ(answer->headers.at("content-type"), "application/json");
  EXPECT_EQ(answer->headers.at("x-custom"), "second");  // the last value wins
  EXPECT_EQ(LastSeen().Query("x"), "1");
}

TEST_F(CurlHttpClientTest, BodiesAndMethodsAreSentAsGiven) {
  CurlHttpClient client(CurlHttpClientOptions{.user_agent = "sluice-test/1"});
  ClientRequest post = Make("POST", "/echo");
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = R"({"a":1})";
  ClientResult posted = client.Send(post);
  ASSERT_TRUE(posted.ok()) << posted.failure().message;
  EXPECT_EQ(posted->status, 201);
  EXPECT_EQ(posted->body, R"(POST:{"a":1})");
  EXPECT_EQ(LastSeen().Header("content-type"), "application/json");
  EXPECT_EQ(LastSeen().Header("user-agent"), "sluice-test/1");
  // curl would otherwise ask "Expect: 100-continue" for larger bodies and wait.
  EXPECT_EQ(LastSeen().Header("expect"), "");

  for (const char* method : {"PATCH", "DELETE"}) {
    ClientResult answer = client.Send(Make(method, "/echo"));
    ASSERT_TRUE(answer.ok()) << answer.failure().message;
    EXPECT_EQ(answer->body, std::string(method) + ":");
  }
}

TEST_F(CurlHttpClientTest, ErrorStatusesAreAnswersNotFailures) {
  CurlHttpClient client;
  ClientResult answer = client.Send(Make("GET", "/no-such-route"));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 404);
}

TEST_F(CurlHttpClientTest, MultipartUploadSendsOneFilePartWithItsNameAndType) {
  // Bytes that would break a text-only encoder: NUL, CR LF, and something like a boundary.
  const char raw[] = "PK\x03\x04\0\x01\r\n--boundary-lookalike\r\n\xff\xfe end";
  std::string content(raw, sizeof raw - 1);
  fs::path file = dir_ / "local-name.jar";
  std::ofstream(file, std::ios::binary) << content;

  CurlHttpClient client;
  ClientRequest request = Make("POST", "/upload");
  request.upload = UploadFile{"jarfile", file.string(), "job.jar", "application/x-java-archive"};
  ClientResult answer = client.Send(request);
  ASSERT_TRUE(answer.ok()) << answer.failure().message;
  EXPECT_EQ(answer->status, 200);

  Request seen = LastSeen();
  std::string content_type = seen.Header("content-type");
  ASSERT_TRUE(content_type.starts_with("multipart/form-data; boundary=")) << content_type;
  std::string boundary = content_type.substr(content_type.find('=') + 1);
  EXPECT_EQ(seen.Header("expect"), "");
  const std::string& body = seen.body;
  EXPECT_TRUE(body.starts_with("--" + boundary + "\r\n")) << body;
  EXPECT_NE(body.find("Content-Disposition: form-data; name=\"jarfile\"; filename=\"job.jar\"\r\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("Content-Type: application/x-java-archive\r\n"), std::string::npos) << body;
  // The part's bytes, exactly, between the blank line after its headers and the closing boundary.
  size_t start = body.find("\r\n\r\n");
  ASSERT_NE(start, std::string::npos);
  start += 4;
  size_t end = body.find("\r\n--" + boundary + "--", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(body.substr(start, end - start), content);
  // Exactly one part.
  size_t parts = 0;
  for (size_t at = body.find("--" + boundary); at != std::string::npos;
       at = body.find("--" + boundary, at + 1)) {
    ++parts;
  }
  EXPECT_EQ(parts, 2u);  // the opening delimiter and the closing one
}

TEST_F(CurlHttpClientTest, UploadOfAMissingFileIsAnInvalidRequestAndSendsNothing) {
  CurlHttpClient client;
  ClientRequest request = Make("POST", "/upload");
  request.upload = UploadFile{"jarfile", (dir_ / "absent.jar").string(), "absent.jar",
                              "application/x-java-archive"};
  ClientResult answer = client.Send(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.failure().kind, ClientFailure::Kind::kInvalidRequest);
  EXPECT_TRUE(answer.failure().NothingSent());
  EXPECT_NE(answer.failure().message.find("absent.jar"), std::string::npos);
  EXPECT_EQ(SeenCount(), 0);

  ClientRequest both = Make("POST", "/upload");
  both.body = "x";
  both.upload = UploadFile{"jarfile", (dir_ / "absent.jar").string(), "a.jar", ""};
  EXPECT_EQ(client.Send(both).failure().kind, ClientFailure::Kind::kInvalidRequest);
}

TEST_F(CurlHttpClientTest, RefusedPortIsCouldNotConnectWithoutTheHeadersInTheMessage) {
  RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  CurlHttpClient client;
  ClientRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:" + std::to_string(refusing.port()) + "/api";
  request.headers.emplace_back("Authorization", "Bearer very-secret-token");
  request.body = "password=hunter2";
  ClientResult answer = client.Send(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.failure().kind, ClientFailure::Kind::kCouldNotConnect);
  EXPECT_TRUE(answer.failure().NothingSent());
  EXPECT_FALSE(answer.failure().message.empty());
  EXPECT_EQ(answer.failure().message.find("very-secret-token"), std::string::npos);
  EXPECT_EQ(answer.failure().message.find("hunter2"), std::string::npos);
}

TEST_F(CurlHttpClientTest, NoAnswerInTimeIsATimeoutAndThePerRequestTimeoutWins) {
  // The client's own default (60 s) would make this test hang; the request's 300 ms must apply.
  CurlHttpClient client;
  ClientRequest request = Make("POST", "/slow");
  request.headers.emplace_back("Authorization", "Bearer very-secret-token");
  request.body = "{}";
  request.timeout = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  ClientResult answer = client.Send(request);
  auto took = std::chrono::steady_clock::now() - started;
  Release();
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.failure().kind, ClientFailure::Kind::kTimeout);
  EXPECT_FALSE(answer.failure().NothingSent());  // the server got it: do not resend a POST
  EXPECT_EQ(answer.failure().message, "no answer within 300 ms");
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(SeenCount(), 1);
}

TEST_F(CurlHttpClientTest, AnAnswerOverTheSizeLimitIsAFailure) {
  CurlHttpClient client(CurlHttpClientOptions{.max_response_bytes = 100});
  ClientResult answer = client.Send(Make("GET", "/big"));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.failure().kind, ClientFailure::Kind::kOther);
  EXPECT_EQ(answer.failure().message, "the answer was larger than 100 bytes");
}

TEST_F(CurlHttpClientTest, BadRequestsAreRefusedBeforeAnythingIsSent) {
  CurlHttpClient client;
  ClientRequest injected = Make("GET", "/echo");
  injected.headers.emplace_back("X-Token", "secret\r\nX-Evil: 1");
  ClientResult answer = client.Send(injected);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.failure().kind, ClientFailure::Kind::kInvalidRequest);
  EXPECT_EQ(answer.failure().message.find("secret"), std::string::npos);

  ClientRequest ftp;
  ftp.method = "GET";
  ftp.url = "ftp://127.0.0.1/file";
  EXPECT_EQ(client.Send(ftp).failure().kind, ClientFailure::Kind::kInvalidRequest);
  EXPECT_EQ(SeenCount(), 0);
}

TEST(HttpPercentEncode, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d&e=f"), "a%20b%2Fc%3Fd%26e%3Df");
  EXPECT_EQ(PercentEncode("127.0.0.1:41231-3c5f2a"), "127.0.0.1%3A41231-3c5f2a");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");
}

TEST(HttpFailureKind, NamesAndNothingSent) {
  EXPECT_EQ(FailureKindName(ClientFailure::Kind::kCouldNotConnect), "could not connect");
  EXPECT_EQ(FailureKindName(ClientFailure::Kind::kTimeout), "timeout");
  EXPECT_TRUE((ClientFailure{ClientFailure::Kind::kCouldNotConnect, ""}.NothingSent()));
  EXPECT_TRUE((ClientFailure{ClientFailure::Kind::kInvalidRequest, ""}.NothingSent()));
  EXPECT_FALSE((ClientFailure{ClientFailure::Kind::kTimeout, ""}.NothingSent()));
  EXPECT_FALSE((ClientFailure{ClientFailure::Kind::kOther, ""}.NothingSent()));
}

}  // namespace
}  // namespace sluice::http
