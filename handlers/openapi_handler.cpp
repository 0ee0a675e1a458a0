#include "handlers/health_handler.hpp"

namespace tenantca::embedded {
const char* openapi_yaml();
}

namespace tenantca::handlers {

RouteHandler make_openapi_handler() {
  return [](RequestContext&) {
    HttpResponse r;
    r.content_type = "application/yaml";
    r.body = embedded::openapi_yaml();
    return r;
  };
}

}  // namespace tenantca::handlers
