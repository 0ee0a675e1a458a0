#include "handlers/health_handler.hpp"

#include "tenantca/version.hpp"

namespace tenantca::handlers {

RouteHandler make_health_handler(std::function<bool()> database_ok) {
  static const std::string ok = std::string(R"({"status":"ok","database":"ok","version":")") + kVersion + "\"}";
  static const std::string down =
      std::string(R"({"status":"unavailable","database":"unreachable","version":")") + kVersion + "\"}";
  return [database_ok = std::move(database_ok)](RequestContext&) {
    HttpResponse r = database_ok() ? json_response(200, ok) : json_response(503, down);
    r.set_header("Cache-Control", "no-store");
    return r;
  };
}

}  // namespace tenantca::handlers
