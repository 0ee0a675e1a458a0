#pragma once
// What the tenancy use cases need from storage: db/ implements it on
// PostgreSQL (db/tenancy_store.cpp); core stays free of SQL. Every method
// that takes a tenant_id filters on it.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/pagination.hpp"
#include "core/tenancy.hpp"

namespace tenantca::core {

// One database transaction.
class TenancyTx {
 public:
  virtual ~TenancyTx() = default;
  virtual std::optional<Tenant> lock_tenant(const std::string& id) = 0;
  // Conflict on a duplicate name.
  virtual Tenant insert_tenant(const std::string& id, const std::string& name,
                               RateLimitSpec rate) = 0;
  virtual void update_tenant(const Tenant& tenant) = 0;  // conflict on a duplicate name
  // Stores the key's hash; returns created_us. not_found when the tenant does not exist.
  virtual int64_t insert_api_key(const ApiKeyInfo& key, const SecretHash& hash) = 0;
  // Marks a tenant's key deleted; the key as it was, or nullopt when there is none.
  virtual std::optional<ApiKeyInfo> delete_api_key(const std::string& tenant_id,
                                                   const std::string& key_id) = 0;
  // Marks an operator key revoked; nullopt when there is none (or it is revoked already).
  virtual std::optional<ApiKeyInfo> revoke_operator_key(const std::string& key_id) = 0;
  virtual void audit(const AuditEvent& event) = 0;
};

class TenancyStore {
 public:
  virtual ~TenancyStore() = default;
  virtual void transact(const char* what, const std::function<void(TenancyTx&)>& work) = 0;
  virtual std::optional<Tenant> find_tenant(const std::string& id) = 0;
  virtual Page<Tenant> list_tenants(const PageRequest& page) = 0;
  virtual Page<ApiKeyInfo> list_api_keys(const std::string& tenant_id, const PageRequest& page) = 0;
  virtual std::vector<ApiKeyInfo> list_operator_keys() = 0;
  virtual Page<AuditEvent> list_audit_events(const std::string& tenant_id,
                                             const PageRequest& page) = 0;
};

}  // namespace tenantca::core
