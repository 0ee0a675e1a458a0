#pragma once
// Tenants, API keys and audit events in PostgreSQL. Every mutation runs in
// one transaction together with its audit row; every tenant-owned query
// filters on tenant_id.
#include <optional>
#include <string>
#include <vector>

#include "core/pagination.hpp"
#include "core/tenancy.hpp"
#include "db/database.hpp"

namespace tenantca::db {

struct TenantPatch {
  std::optional<std::string> name;
  std::optional<core::RateLimitSpec> rate_limit;
  std::optional<bool> disabled;
};

struct CreatedApiKey {
  core::ApiKeyInfo info;
  std::string token;  // returned once, never stored
};

core::Tenant create_tenant(Database& db, const std::string& name, core::RateLimitSpec rate,
                           const core::Actor& actor);
std::optional<core::Tenant> find_tenant(Database& db, const std::string& id);
core::Page<core::Tenant> list_tenants(Database& db, const core::PageRequest& page);
core::Tenant update_tenant(Database& db, const std::string& id, const TenantPatch& patch,
                           const core::Actor& actor);

// actor is empty for keys made from the command line.
CreatedApiKey create_api_key(Database& db, const std::optional<std::string>& tenant_id,
                             const std::string& name, core::Role role,
                             const std::optional<core::Actor>& actor);
core::Page<core::ApiKeyInfo> list_api_keys(Database& db, const std::string& tenant_id,
                                           const core::PageRequest& page);
void delete_api_key(Database& db, const std::string& tenant_id, const std::string& key_id,
                    const core::Actor& actor);
std::optional<core::KeyRecord> find_key_record(Database& db, const std::string& key_id);

// Operator keys, from the command line: those not revoked, oldest first; and
// revocation (audited with the revoked key as the actor, since the command
// line has no key of its own; every worker drops it through tenantca_auth).
std::vector<core::ApiKeyInfo> list_operator_keys(Database& db);
void revoke_operator_key(Database& db, const std::string& key_id);

core::Page<core::AuditEvent> list_audit_events(Database& db, const std::string& tenant_id,
                                               const core::PageRequest& page);
// Writes an audit row inside the caller's transaction.
void insert_audit(soci::session& s, const core::AuditEvent& event);

}  // namespace tenantca::db
