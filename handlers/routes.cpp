#include "handlers/routes.hpp"

#include "handlers/acme_handlers.hpp"
#include "handlers/health_handler.hpp"
#include "handlers/pki_handlers.hpp"
#include "handlers/tenancy_handlers.hpp"

namespace tenantca::handlers {
namespace {

void add_metrics_route(Router& router, std::function<std::string()> metrics_text) {
  router.add("GET", "/metrics", Access::public_, [text = std::move(metrics_text)](RequestContext&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = text ? text() : std::string();
    return r;
  });
}

}  // namespace

Router build_metrics_router(std::function<std::string()> metrics_text) {
  Router router;
  add_metrics_route(router, std::move(metrics_text));
  return router;
}

Router build_router(const RouteDeps& deps) {
  Router router;
  router.add("GET", "/api/v1/health", Access::public_, make_health_handler(deps.database_ok));
  router.add("GET", "/api/v1/openapi.yaml", Access::public_, make_openapi_handler());
  add_tenancy_routes(router, TenancyDeps{deps.tenancy, deps.default_rate_limit});
  add_pki_routes(router, PkiDeps{deps.pki});
  add_acme_routes(router, AcmeDeps{deps.acme, deps.public_url});
  if (deps.metrics_enabled) add_metrics_route(router, deps.metrics_text);
  if (deps.test_sleep_endpoint)
    router.add("GET", "/api/v1/_test/sleep", Access::public_, make_test_sleep_handler());
  return router;
}

}  // namespace tenantca::handlers
