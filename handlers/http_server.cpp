#include "handlers/http_server.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>

#include "core/text.hpp"
#include "handlers/problem.hpp"

namespace tenantca::handlers {
namespace {

using namespace Pistache;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string lower(const std::string& s) {
  return core::to_lower_ascii(s);
}

HttpRequest convert(const Http::Request& req) {
  HttpRequest out;
  out.method = Http::methodString(req.method());
  out.path = req.resource();
  for (auto it = req.query().parameters_begin(); it != req.query().parameters_end(); ++it) {
    out.query.emplace(url_decode(it->first), url_decode(it->second));
  }
  // Pistache parses well-known headers into typed objects and keeps the rest raw.
  for (const auto& h : req.headers().list()) {
    std::ostringstream value;
    h->write(value);
    out.headers[lower(h->name())] = value.str();
  }
  for (const auto& [name, raw] : req.headers().rawList()) out.headers[lower(name)] = raw.value();
  out.body = req.body();
  out.remote = req.address().host();
  return out;
}

// Pistache 0.0.5 never writes "raw" response headers, only typed ones: this
// typed header carries any name and value.
class NamedHeader final : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override {
    return std::hash<std::string>{}(name_);
  }
#endif

 private:
  std::string name_;
  std::string value_;
};

void add_header(Http::ResponseWriter& writer, const std::string& name, const std::string& value) {
  writer.headers().add(std::make_shared<NamedHeader>(name, value));
}

}  // namespace

class PistacheHandler final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheHandler)

  PistacheHandler(std::shared_ptr<const Dispatcher> dispatcher, ServerHooks hooks, bool access_log,
                  std::shared_ptr<std::atomic<bool>> draining,
                  std::shared_ptr<std::atomic<int>> handling,
                  std::shared_ptr<std::atomic<int>> unsettled,
                  std::shared_ptr<std::atomic<int64_t>> last_send)
      : dispatcher_(std::move(dispatcher)),
        hooks_(std::move(hooks)),
        access_log_(access_log),
        draining_(std::move(draining)),
        handling_(std::move(handling)),
        unsettled_(std::move(unsettled)),
        last_send_(std::move(last_send)) {}

  // Needed by HTTP_PROTOTYPE's clone(); never used for another endpoint.
  PistacheHandler(const PistacheHandler&) = default;

  void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
    ++*handling_;
    const auto started = std::chrono::steady_clock::now();
    if (hooks_.request_started) hooks_.request_started();
    HttpRequest request;
    HttpResponse response;
    try {
      request = convert(req);
      response = dispatcher_->dispatch(request);
    } catch (...) {
      // Nothing may escape to Pistache: it would send e.what() to the client.
      response = problem_from_exception(std::current_exception(), "unknown");
    }
    if (request.method == "HEAD") response.body.clear();

    // Pistache 0.0.5 answers "Connection: Close" to any request without a
    // Connection header; HTTP/1.1 is keep-alive unless the client said otherwise.
    auto conn = req.headers().tryGet<Http::Header::Connection>();
    const bool client_close = conn ? conn->control() == Http::ConnectionControl::Close
                                   : req.version() == Http::Version::Http10;
    const bool close = client_close || response.close_connection || draining_->load();
    writer.headers().remove<Http::Header::Connection>();
    if (close) writer.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
    for (const auto& [name, value] : response.headers) add_header(writer, name, value);
    if (!response.content_type.empty()) add_header(writer, "Content-Type", response.content_type);

    const int status = response.status;
    if (access_log_) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
      const std::string* rid = nullptr;
      for (const auto& h : response.headers) {
        if (h.first == "X-Request-Id") rid = &h.second;
      }
      spdlog::info("access {} \"{} {}\" {} {}B {:.3f}ms rid={}",
                   response.client_address.empty() ? request.remote : response.client_address,
                   request.method, request.path, status, response.body.size(),
                   static_cast<double>(us) / 1000.0, rid ? *rid : "-");
    }

    auto peer = writer.peer();
    ++*unsettled_;
    last_send_->store(steady_ms());
    auto unsettled = unsettled_;
    const bool shut_after = response.close_connection;
    writer.send(static_cast<Http::Code>(status), response.body)
        .then(
            [unsettled, peer, shut_after](ssize_t) {
              --*unsettled;
              // After a 413 the unread rest of the body must not be parsed as a new request.
              if (shut_after && peer) ::shutdown(peer->fd(), SHUT_RDWR);
            },
            [unsettled](const std::exception_ptr&) { --*unsettled; });
    if (hooks_.request_finished) hooks_.request_finished(status);
    --*handling_;
  }

 private:
  std::shared_ptr<const Dispatcher> dispatcher_;
  ServerHooks hooks_;
  bool access_log_;
  std::shared_ptr<std::atomic<bool>> draining_;
  std::shared_ptr<std::atomic<int>> handling_;
  std::shared_ptr<std::atomic<int>> unsettled_;
  std::shared_ptr<std::atomic<int64_t>> last_send_;
};

struct HttpServer::Impl {
  ServerOptions options;
  std::shared_ptr<const Dispatcher> dispatcher;
  ServerHooks hooks;
  std::unique_ptr<Http::Endpoint> endpoint;
  std::shared_ptr<std::atomic<bool>> draining = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<int>> handling = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> unsettled = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int64_t>> last_send = std::make_shared<std::atomic<int64_t>>(0);
  bool stopped = false;

  // Pistache keeps its listening fd private; find it by shape: a listening
  // TCP socket on our port.
  int find_listen_fd() const {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return -1;
    int found = -1;
    while (dirent* e = ::readdir(dir)) {
      const int fd = std::atoi(e->d_name);
      if (fd <= 2 || fd == ::dirfd(dir)) continue;
      int accepting = 0;
      socklen_t len = sizeof accepting;
      if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting)
        continue;
      sockaddr_storage addr{};
      socklen_t alen = sizeof addr;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
      int port = 0;
      if (addr.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
      if (addr.ss_family == AF_INET6)
        port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
      if (port == options.port) {
        found = fd;
        break;
      }
    }
    ::closedir(dir);
    return found;
  }
};

HttpServer::HttpServer(ServerOptions options, std::shared_ptr<const Dispatcher> dispatcher,
                       ServerHooks hooks)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->dispatcher = std::move(dispatcher);
  impl_->hooks = std::move(hooks);
}

HttpServer::~HttpServer() {
  shutdown();
}

void HttpServer::start() {
  Address addr(impl_->options.host, Port(static_cast<uint16_t>(impl_->options.port)));
  impl_->endpoint = std::make_unique<Http::Endpoint>(addr);
  auto opts = Http::Endpoint::options()
                  .threads(impl_->options.threads)
                  .flags(Tcp::Options::ReuseAddr | Tcp::Options::ReusePort | Tcp::Options::NoDelay)
                  .maxRequestSize(impl_->options.max_request_bytes)
                  .maxResponseSize(64 << 20);
  impl_->endpoint->init(opts);
  impl_->endpoint->setHandler(std::make_shared<PistacheHandler>(
      impl_->dispatcher, impl_->hooks, impl_->options.access_log, impl_->draining, impl_->handling,
      impl_->unsettled, impl_->last_send));
  // serveThreaded() binds; never bind() first (docs/pitfalls.md: orphan listener).
  impl_->endpoint->serveThreaded();
}

void HttpServer::stop_accepting() {
  if (impl_->draining->exchange(true)) return;
  const int fd = impl_->find_listen_fd();
  if (fd < 0) return;
  // Replace the listening socket by an inert one under the same number:
  // the listener is released (its queue migrates to siblings), Pistache's
  // epoll forgets it, and Pistache's later close() hits the placeholder.
  const int inert = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (inert >= 0) {
    ::dup2(inert, fd);
    ::close(inert);
  }
}

int HttpServer::in_flight() const {
  const bool recent_send = steady_ms() - impl_->last_send->load() < 500;
  return impl_->handling->load() + ((impl_->unsettled->load() > 0 && recent_send) ? 1 : 0);
}

void HttpServer::shutdown() {
  if (impl_->endpoint && !impl_->stopped) {
    impl_->stopped = true;
    impl_->endpoint->shutdown();
  }
}

}  // namespace tenantca::handlers
