#pragma once
#include "core/tenancy.hpp"
#include "db/database.hpp"
#include "handlers/router.hpp"

namespace tenantca::handlers {

struct TenancyDeps {
  db::Database* database = nullptr;
  core::RateLimitSpec default_rate_limit;
};

// Operator endpoints (tenants and their first keys) and the tenant's own
// api-keys and audit-events endpoints.
void add_tenancy_routes(Router& router, TenancyDeps deps);

}  // namespace tenantca::handlers
