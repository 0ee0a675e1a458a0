#include "handlers/dispatcher.hpp"

#include <algorithm>

#include "core/client_address.hpp"
#include "core/request_id.hpp"
#include "core/text.hpp"
#include "handlers/problem.hpp"

namespace tenantca::handlers {
namespace {

bool media_type_is(const std::string& value, const std::string& wanted) {
  std::string v = value.substr(0, value.find(';'));
  v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\t'; }),
          v.end());
  return core::to_lower_ascii(v) == wanted;
}

}  // namespace

Dispatcher::Dispatcher(Router router, Authorizer authorizer, DispatcherOptions options)
    : router_(std::move(router)),
      authorizer_(std::move(authorizer)),
      options_(std::move(options)) {}

HttpResponse Dispatcher::dispatch(const HttpRequest& request) const {
  const std::string* client_id = request.header("x-request-id");
  RequestContext ctx{request,
                     core::accept_or_make_request_id(client_id ? *client_id : ""),
                     {},
                     {},
                     {},
                     core::client_address(request.remote, request.header("x-forwarded-for"),
                                          options_.trusted_proxies)};
  HttpResponse response;
  try {
    if (request.body.size() > options_.max_body_bytes) {
      response = problem_response(
          core::ErrorCode::payload_too_large,
          "The request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes.",
          ctx.request_id);
      response.close_connection = true;
    } else {
      auto match = router_.match(request.method, request.path);
      if (match.route == nullptr) {
        if (match.allowed.empty()) {
          response =
              problem_response(core::ErrorCode::not_found, "No such resource.", ctx.request_id);
        } else {
          std::string allow;
          for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
          response = problem_response(
              core::ErrorCode::method_not_allowed,
              "Method " + request.method + " is not allowed here; allowed: " + allow + ".",
              ctx.request_id);
          response.set_header("Allow", allow);
        }
      } else {
        ctx.params = std::move(match.params);
        if (match.route->access != Access::public_) {
          authorizer_(ctx, match.route->access);
        } else if (options_.public_limiter && match.route->pattern.rfind("/pki/", 0) == 0) {
          options_.public_limiter(ctx);
        }
        const std::string* ct = request.header("content-type");
        const std::string& wanted = match.route->body_media_type;
        if (!request.body.empty() && (ct == nullptr || !media_type_is(*ct, wanted))) {
          throw core::DomainError(
              core::ErrorCode::unsupported_media_type,
              "Request bodies here must be sent as Content-Type: " + wanted + ".");
        }
        const bool reading = request.method == "GET" || request.method == "HEAD";
        const auto& routing = options_.read_routing;
        const std::string* tenant =
            ctx.principal && ctx.principal->tenant_id ? &*ctx.principal->tenant_id : nullptr;
        bool replica = false;
        if (reading && routing.wrote_lately) {
          replica = match.route->access == Access::public_ ||
                    (tenant != nullptr && !routing.wrote_lately(*tenant));
        }
        {
          const auto scope = routing.read_scope ? routing.read_scope(replica) : nullptr;
          response = match.route->handler(ctx);
        }
        // Pinned before the answer leaves, so the client's next read cannot overtake it.
        if (!reading && tenant != nullptr && routing.note_write) routing.note_write(*tenant);
      }
    }
  } catch (...) {
    response = problem_from_exception(std::current_exception(), ctx.request_id);
  }
  for (auto& h : ctx.response_headers) response.headers.push_back(h);
  response.set_header("X-Request-Id", ctx.request_id);
  response.client_address = ctx.client_address;
  return response;
}

}  // namespace tenantca::handlers
