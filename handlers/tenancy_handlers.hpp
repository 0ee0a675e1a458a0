#pragma once
#include "core/tenancy.hpp"
#include "core/tenancy_service.hpp"
#include "handlers/router.hpp"

namespace tenantca::handlers {

struct TenancyDeps {
  core::TenancyService* service = nullptr;
  core::RateLimitSpec default_rate_limit;
};

// Operator endpoints (tenants and their first keys) and the tenant's own
// api-keys and audit-events endpoints.
void add_tenancy_routes(Router& router, TenancyDeps deps);

}  // namespace tenantca::handlers
