#pragma once
// The tenancy use cases: tenants, API keys (tenant and operator), the audit
// trail. Validation, change records and audit events live here; storage is
// behind TenancyStore.
#include <optional>
#include <string>
#include <vector>

#include "core/tenancy_store.hpp"

namespace tenantca::core {

struct TenantPatch {
  std::optional<std::string> name;
  std::optional<RateLimitSpec> rate_limit;
  std::optional<bool> disabled;
};

struct CreatedApiKey {
  ApiKeyInfo info;
  std::string token;  // returned once, never stored
};

class TenancyService {
 public:
  explicit TenancyService(TenancyStore& store) : store_(store) {}

  Tenant create_tenant(const std::string& name, RateLimitSpec rate, const Actor& actor);
  Tenant get_tenant(const std::string& id);  // not_found
  Page<Tenant> list_tenants(const PageRequest& page) { return store_.list_tenants(page); }
  Tenant update_tenant(const std::string& id, const TenantPatch& patch, const Actor& actor);

  // A tenant's key (actor set) or an operator key made from the command line
  // (no tenant, no actor: nobody to audit yet).
  CreatedApiKey create_api_key(const std::optional<std::string>& tenant_id, const std::string& name,
                               Role role, const std::optional<Actor>& actor);
  Page<ApiKeyInfo> list_api_keys(const std::string& tenant_id, const PageRequest& page) {
    return store_.list_api_keys(tenant_id, page);
  }
  void delete_api_key(const std::string& tenant_id, const std::string& key_id, const Actor& actor);

  std::vector<ApiKeyInfo> list_operator_keys() { return store_.list_operator_keys(); }
  // Audited with the revoked key as the actor: the command line has no key of its own.
  void revoke_operator_key(const std::string& key_id);

  Page<AuditEvent> list_audit_events(const std::string& tenant_id, const PageRequest& page) {
    return store_.list_audit_events(tenant_id, page);
  }

 private:
  TenancyStore& store_;
};

}  // namespace tenantca::core
