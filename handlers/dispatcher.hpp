#pragma once
// Everything between "bytes parsed into an HttpRequest" and "an HttpResponse
// to send", independent of the HTTP library: request ids, routing, body
// limits, media types, authentication, rate limiting and error mapping.
#include <functional>
#include <memory>

#include "core/pki/names.hpp"
#include "handlers/router.hpp"

namespace tenantca::handlers {

// Authenticates and authorizes a request for a route's access level; fills
// ctx.principal and ctx.response_headers or throws a DomainError.
using Authorizer = std::function<void(RequestContext&, Access)>;

// Read-your-own-writes with a read replica: GET requests read from the
// replica (through the read_scope the composition root gives: db's
// ReplicaReadScope) unless their tenant wrote lately;
// public endpoints always may; operators never do (rare, and they expect
// what they just changed). Empty functions: no replica, nothing to decide.
struct ReadRouting {
  std::function<bool(const std::string& tenant_id)> wrote_lately;
  std::function<void(const std::string& tenant_id)> note_write;
  // Opens a scope in which this thread's lag-tolerant reads may (true) or may
  // not (false) use the replica; the scope ends when the returned object does.
  std::function<std::shared_ptr<void>(bool replica_allowed)> read_scope;
};

// Limits public relying-party endpoints (/pki/*) per client address, so a
// flood of (nonce-bearing, freshly signed) OCSP requests from one client
// cannot take every worker's signing CPU. Throws rate_limited.
using PublicLimiter = std::function<void(RequestContext&)>;

struct DispatcherOptions {
  std::size_t max_body_bytes = 1 << 20;
  ReadRouting read_routing{};
  PublicLimiter public_limiter{};
  // Peers whose X-Forwarded-For names the client (server.trusted_proxies).
  std::vector<core::pki::IpRange> trusted_proxies{};
};

class Dispatcher {
 public:
  Dispatcher(Router router, Authorizer authorizer, DispatcherOptions options);
  HttpResponse dispatch(const HttpRequest& request) const;
  const Router& router() const { return router_; }

 private:
  Router router_;
  Authorizer authorizer_;
  DispatcherOptions options_;
};

}  // namespace tenantca::handlers
