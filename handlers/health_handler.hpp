#pragma once
#include <functional>

#include "handlers/router.hpp"

namespace tenantca::handlers {

// GET /api/v1/health: answers from a cached probe result, never waiting on
// the database, so load-balancer polling stays cheap and bounded.
RouteHandler make_health_handler(std::function<bool()> database_ok);

// GET /api/v1/_test/sleep?ms=N: holds a worker thread for N ms (at most 600000).
// Registered only when the testing.sleep_endpoint setting is on; used to test
// timeouts and graceful drains against the real binary.
RouteHandler make_test_sleep_handler();

// GET /api/v1/openapi.yaml
RouteHandler make_openapi_handler();

}  // namespace tenantca::handlers
