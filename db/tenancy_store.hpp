#pragma once
// Tenants, API keys and audit events in PostgreSQL. Every mutation runs in
// one transaction together with its audit row; every tenant-owned query
// filters on tenant_id.
#include <optional>
#include <string>
#include <vector>

#include "core/pagination.hpp"
#include "core/tenancy.hpp"
#include "core/tenancy_store.hpp"
#include "db/database.hpp"

namespace tenantca::db {

// The tenancy storage of core::TenancyService, on PostgreSQL.
class SqlTenancyStore final : public core::TenancyStore {
 public:
  explicit SqlTenancyStore(Database& db) : db_(db) {}
  void transact(const char* what, const std::function<void(core::TenancyTx&)>& work) override;
  std::optional<core::Tenant> find_tenant(const std::string& id) override;
  core::Page<core::Tenant> list_tenants(const core::PageRequest& page) override;
  core::Page<core::ApiKeyInfo> list_api_keys(const std::string& tenant_id,
                                             const core::PageRequest& page) override;
  std::vector<core::ApiKeyInfo> list_operator_keys() override;
  core::Page<core::AuditEvent> list_audit_events(const std::string& tenant_id,
                                                 const core::PageRequest& page) override;

 private:
  Database& db_;
};

// API key lookup for authentication (through db::AuthCache).
std::optional<core::KeyRecord> find_key_record(Database& db, const std::string& key_id);

// The key that audit events made from the command line name as their actor
// (created on first use; never usable: it is deleted and has no secret).
std::string command_line_actor_key(Database& db);

// Writes an audit row inside the caller's transaction.
void insert_audit(soci::session& s, const core::AuditEvent& event);

}  // namespace tenantca::db
