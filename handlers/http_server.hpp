#pragma once
// The Pistache adapter: the only file that knows Pistache. It turns Pistache
// requests into HttpRequest, calls the Dispatcher, writes the answer, and
// works around Pistache 0.0.5's traps (docs/pitfalls.md): keep-alive by default,
// no exception may escape to Pistache, close after 413, count in-flight
// requests for a graceful drain.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "handlers/dispatcher.hpp"

namespace tenantca::handlers {

struct ServerHooks {
  std::function<void()> request_started;
  std::function<void(int status)> request_finished;
};

struct ServerOptions {
  std::string host;
  int port = 8080;
  int threads = 4;
  std::size_t max_request_bytes = (1 << 20) + 65536;
  bool access_log = true;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, std::shared_ptr<const Dispatcher> dispatcher,
             ServerHooks hooks);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (SO_REUSEPORT, shared with sibling workers) and serves on
  // background threads. Throws when the address cannot be bound.
  void start();
  // Stops taking new connections: closes this process's listening socket so
  // the kernel migrates its accept queue to sibling listeners
  // (net.ipv4.tcp_migrate_req=1). Answers from now on carry Connection: close.
  void stop_accepting();
  // Requests whose answer is not yet handed to the kernel.
  int in_flight() const;
  // Final stop; call after the drain.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tenantca::handlers
