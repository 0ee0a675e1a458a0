#pragma once
// Method + path-pattern routing ("/api/v1/tenants/{id}"), with 404 for an
// unknown path and 405 (with Allow) for a known path and another method.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "handlers/request_context.hpp"

namespace tenantca::handlers {

using RouteHandler = std::function<HttpResponse(RequestContext&)>;

struct Route {
  std::string method;
  std::string pattern;
  Access access;
  RouteHandler handler;
  std::string body_media_type;        // what a request body must be sent as
  std::vector<std::string> segments;  // pattern split once, at registration
};

class Router {
 public:
  void add(std::string method, std::string pattern, Access access, RouteHandler handler,
           std::string body_media_type = "application/json");

  struct Match {
    const Route* route = nullptr;      // set when found
    std::vector<std::string> params;   // values of {placeholders}, in order
    std::vector<std::string> allowed;  // methods of the path, when route is null
  };
  Match match(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// One row of a module's route table: its handlers take what the module
// shares (`Deps`: a service, or a struct of them) and the request.
template <typename Deps>
struct RouteRow {
  const char* method;
  const char* pattern;
  Access access;
  HttpResponse (*handler)(Deps&, RequestContext&);
  const char* body_media_type;
};

// Adds every row; `deps` (a pointer or shared_ptr) outlives the router.
template <typename Deps, typename DepsPtr, std::size_t N>
void add_route_table(Router& router, DepsPtr deps, const RouteRow<Deps> (&rows)[N]) {
  for (const auto& r : rows) {
    router.add(
        r.method, r.pattern, r.access,
        [deps, h = r.handler](RequestContext& ctx) { return h(*deps, ctx); }, r.body_media_type);
  }
}

}  // namespace tenantca::handlers
