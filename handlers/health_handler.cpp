#include "handlers/health_handler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "tenantca/version.hpp"

namespace tenantca::handlers {

RouteHandler make_health_handler(std::function<bool()> database_ok) {
  static const std::string ok =
      std::string(R"({"status":"ok","database":"ok","version":")") + kVersion + "\"}";
  static const std::string down =
      std::string(R"({"status":"unavailable","database":"unreachable","version":")") + kVersion +
      "\"}";
  return [database_ok = std::move(database_ok)](RequestContext&) {
    HttpResponse r = database_ok() ? json_response(200, ok) : json_response(503, down);
    r.set_header("Cache-Control", "no-store");
    return r;
  };
}

RouteHandler make_test_sleep_handler() {
  return [](RequestContext& ctx) {
    auto it = ctx.request.query.find("ms");
    long ms = it == ctx.request.query.end() ? 0 : std::strtol(it->second.c_str(), nullptr, 10);
    ms = std::clamp(ms, 0L, 600000L);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return json_response(200, "{\"slept_ms\":" + std::to_string(ms) + "}");
  };
}

}  // namespace tenantca::handlers
