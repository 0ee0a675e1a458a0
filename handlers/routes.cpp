#include "handlers/routes.hpp"

#include "handlers/health_handler.hpp"
#include "handlers/pki_handlers.hpp"
#include "handlers/tenancy_handlers.hpp"

namespace tenantca::handlers {

Router build_router(const RouteDeps& deps) {
  Router router;
  router.add("GET", "/api/v1/health", Access::public_, make_health_handler(deps.database_ok));
  router.add("GET", "/api/v1/openapi.yaml", Access::public_, make_openapi_handler());
  add_tenancy_routes(router, TenancyDeps{deps.database, deps.default_rate_limit});
  add_pki_routes(router, PkiDeps{deps.database, deps.pki});
  if (deps.metrics_enabled) {
    router.add("GET", "/metrics", Access::public_, [text = deps.metrics_text](RequestContext&) {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = text ? text() : std::string();
      return r;
    });
  }
  if (deps.test_sleep_endpoint) router.add("GET", "/api/v1/_test/sleep", Access::public_, make_test_sleep_handler());
  return router;
}

}  // namespace tenantca::handlers
