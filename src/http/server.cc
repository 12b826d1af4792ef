#include "http/server.h"

#include <spdlog/spdlog.h>

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

  // Closes the connection if it is waiting for a request (called on stop).
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
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
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->ioc.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace sluice::http
