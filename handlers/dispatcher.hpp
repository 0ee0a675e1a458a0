#pragma once
// Everything between "bytes parsed into an HttpRequest" and "an HttpResponse
// to send", independent of the HTTP library: request ids, routing, body
// limits, media types, authentication, rate limiting and error mapping.
#include <functional>

#include "handlers/router.hpp"

namespace tenantca::handlers {

// Authenticates and authorizes a request for a route's access level; fills
// ctx.principal and ctx.response_headers or throws a DomainError.
using Authorizer = std::function<void(RequestContext&, Access)>;

struct DispatcherOptions {
  std::size_t max_body_bytes = 1 << 20;
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
