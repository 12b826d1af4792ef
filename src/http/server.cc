#include "http/server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <limits>
#include <mutex>
#include <set>

#include "http/parse.h"

namespace sluice::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

}  // namespace

struct Server::Impl {
  ServerOptions options;
  const Dispatcher& dispatcher;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  std::atomic<int> streams{0};  // streamed answers still open
  uint16_t bound_port = 0;
  bool started = false;
  bool stopped = false;
  std::mutex sessions_mu;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;

  Impl(ServerOptions o, const Dispatcher& d) : options(std::move(o)), dispatcher(d) {}
  void Accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) client_ip_ = endpoint.address().to_string();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Closes the connection if it is waiting for a request or streaming (called on stop).
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->body_stream_) return self->EndStream();
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  // The header first: the route it names decides how large the body may be (uploads may be
  // larger than the server's limit; see RouteDoc::max_body_bytes).
  void Read() {
    parser_.emplace();
    body_limit_ = server_.options.max_body_bytes;
    // Beast compares Content-Length with the limit while it parses the header; OnHeader does it
    // once the route (and so the limit) is known.
    // (Not boost::none: Beast 1.81 compares the length with the optional, and any length is
    // larger than none.)
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    parser_->header_limit(16 * 1024);
    stream_.expires_after(first_request_ ? server_.options.read_timeout
                                         : server_.options.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    const auto& header = parser_->get();
    std::string_view target(header.target().data(), header.target().size());
    std::string path(target.substr(0, target.find('?')));
    if (auto decoded = PercentDecode(path, false)) path = *decoded;
    std::string_view method(header.method_string().data(), header.method_string().size());
    body_limit_ = server_.dispatcher.BodyLimit(method, path, server_.options.max_body_bytes);
    if (auto length = parser_->content_length(); length && *length > body_limit_) {
      first_request_ = false;
      return WriteError(
          Error(ErrorCode::BODY_TOO_LARGE,
                "the request body is larger than " + std::to_string(body_limit_) + " bytes"));
    }
    // Chunked bodies are counted against it as they arrive.
    parser_->body_limit(body_limit_);
    if (body_limit_ != server_.options.max_body_bytes) {
      // A large upload may take longer than one ordinary request.
      stream_.expires_after(server_.options.read_timeout * 10);
    }
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    first_request_ = false;
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      return WriteError(
          Error(ErrorCode::BODY_TOO_LARGE,
                "the request body is larger than " + std::to_string(body_limit_) + " bytes"));
    }
    if (ec) {
      return WriteError(Error(ErrorCode::INVALID_ARGUMENT, "malformed HTTP request"));
    }
    busy_ = true;
    ++server_.in_flight;
    // Handlers may block on the store; each connection has its own strand and the pool has
    // several threads, so one slow request does not hold up the others.
    auto raw = parser_->release();
    bool keep_alive = raw.keep_alive() && !server_.stopping.load();
    Request request = FromBeast(raw, client_ip_);
    Response response = server_.dispatcher.Dispatch(request);
    bool head = raw.method() == bhttp::verb::head;
    // in_flight drops only once the response is written, so a graceful stop waits for it.
    Write(std::move(response), keep_alive, raw.version(), head, /*counted=*/true);
  }

  void WriteError(const Error& error) {
    Response response = ErrorResponse(error, NewRequestId());
    busy_ = true;
    Write(std::move(response), false, 11, false, /*counted=*/false);
  }

  void Write(Response response, bool keep_alive, unsigned version, bool head, bool counted) {
    if (response.stream && !head) {
      return WriteStreamHeader(std::move(response), version, counted);
    }
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version);
    message->set(bhttp::field::server, "sluice");
    message->set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->keep_alive(keep_alive);
    size_t length = response.body.size();
    if (!head) message->body() = std::move(response.body);
    message->content_length(length);
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_write(
        stream_, *message,
        [self = shared_from_this(), message, keep_alive, counted](beast::error_code ec, size_t) {
          self->busy_ = false;
          if (counted) --self->server_.in_flight;
          if (ec || !keep_alive || self->server_.stopping.load()) {
            return self->Close();
          }
          self->Read();
        });
  }

  // A streamed answer: the header with chunked encoding, then chunks as the stream has them. The
  // connection is not reused afterwards. It no longer counts as in flight once the header is out,
  // so a graceful stop does not wait for streams (it ends them).
  void WriteStreamHeader(Response response, unsigned version, bool counted) {
    body_stream_ = std::move(response.stream);
    auto header = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(response.status), version);
    header->set(bhttp::field::server, "sluice");
    header->set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) header->set(name, value);
    header->keep_alive(false);
    header->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*header);
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), header, serializer, counted](beast::error_code ec, size_t) {
          if (counted) --self->server_.in_flight;
          ++self->server_.streams;
          self->stream_counted_ = true;
          if (ec || !self->body_stream_ || self->server_.stopping.load()) return self->EndStream();
          std::weak_ptr<Session> weak = self;
          auto executor = self->stream_.get_executor();
          self->body_stream_->Start([weak, executor] {
            asio::post(executor, [weak] {
              if (auto session = weak.lock()) session->StreamNext();
            });
          });
          self->WatchForHangUp();
          self->StreamNext();
        });
  }

  // A client of a stream sends nothing more: a completed read means it hung up (or broke the
  // protocol); either way the stream ends now rather than at the next failed write.
  void WatchForHangUp() {
    stream_.socket().async_read_some(
        asio::buffer(hang_up_probe_),
        [self = shared_from_this()](beast::error_code, size_t) { self->EndStream(); });
  }

  void StreamNext() {
    if (!body_stream_ || writing_) return;
    std::optional<std::string> piece = body_stream_->Read();
    if (!piece) {
      writing_ = true;
      stream_.expires_after(server_.options.read_timeout);
      asio::async_write(stream_, bhttp::make_chunk_last(),
                        [self = shared_from_this()](beast::error_code, size_t) {
                          self->writing_ = false;
                          self->EndStream();
                        });
      return;
    }
    if (piece->empty()) {
      idle_timer_.expires_after(body_stream_->idle_poll());
      idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->StreamNext();
      });
      return;
    }
    writing_ = true;
    auto bytes = std::make_shared<std::string>(std::move(*piece));
    stream_.expires_after(server_.options.read_timeout);
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(*bytes)),
                      [self = shared_from_this(), bytes](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        // Ended (stop, hang-up) while this chunk was being written.
                        if (ec || !self->body_stream_) return self->EndStream();
                        self->StreamNext();
                      });
  }

  void EndStream() {
    idle_timer_.cancel();
    // Destroying the stream lets go of what it follows; wakes that are still queued find no
    // stream and do nothing.
    body_stream_.reset();
    if (stream_counted_) {
      stream_counted_ = false;
      --server_.streams;
    }
    if (!writing_) Close();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string client_ip_;
  bool first_request_ = true;
  bool busy_ = false;
  uint64_t body_limit_ = 0;
  // Streaming (ResponseStream) only.
  std::shared_ptr<ResponseStream> body_stream_;
  asio::steady_timer idle_timer_{stream_.get_executor()};
  bool writing_ = false;
  bool stream_counted_ = false;
  std::array<char, 1> hang_up_probe_{};
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping.load()) return;
    if (!ec) {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      {
        std::lock_guard lock(sessions_mu);
        for (auto it = sessions.begin(); it != sessions.end();) {
          it = it->expired() ? sessions.erase(it) : std::next(it);
        }
        sessions.insert(session);
      }
      session->Start();
    } else if (ec != asio::error::operation_aborted) {
      spdlog::warn("http: accept failed: {}", ec.message());
    }
    if (!stopping.load()) Accept();
  });
}

Server::Server(ServerOptions options, const Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher)) {}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

Status Server::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "cannot listen on '" + impl_->options.host + "': not an IP address", "listen");
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(ErrorCode::UNAVAILABLE,
                 "cannot listen on " + impl_->options.host + ":" +
                     std::to_string(impl_->options.port) + ": " + ec.message(),
                 "listen");
  }
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  int threads = std::max(1, impl_->options.threads);
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->started = true;
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->bound_port; }

int Server::in_flight() const { return impl_->in_flight.load(); }

void Server::Stop(std::chrono::milliseconds grace) {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping.store(true);
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  {
    std::lock_guard lock(impl_->sessions_mu);
    for (const auto& weak : impl_->sessions) {
      if (auto session = weak.lock()) session->CloseIfIdle();
    }
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  // Streams end as soon as their sessions see the stop (CloseIfIdle above).
  while ((impl_->in_flight.load() > 0 || impl_->streams.load() > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->ioc.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace sluice::http
