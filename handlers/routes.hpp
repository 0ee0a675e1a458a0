#pragma once
#include <functional>

#include "core/acme/service.hpp"
#include "core/pki/service.hpp"
#include "core/tenancy.hpp"
#include "core/tenancy_service.hpp"
#include "handlers/router.hpp"

namespace tenantca::handlers {

struct RouteDeps {
  core::TenancyService* tenancy = nullptr;
  std::function<bool()> database_ok;
  core::RateLimitSpec default_rate_limit;
  core::pki::PkiService* pki = nullptr;
  core::acme::AcmeService* acme = nullptr;
  std::string public_url;
  bool test_sleep_endpoint = false;
  bool metrics_enabled = true;  // on this router (false when a separate listener serves it)
  std::function<std::string()> metrics_text;
};

// Every route of the API. Building it touches no dependency, so tests can
// list the routes (e.g. against docs/openapi.yaml) with empty deps.
Router build_router(const RouteDeps& deps);

// GET /metrics alone, for a separate metrics listener (metrics.bind).
Router build_metrics_router(std::function<std::string()> metrics_text);

}  // namespace tenantca::handlers
