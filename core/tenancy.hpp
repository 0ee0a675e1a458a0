#pragma once
// Tenancy domain: tenants, API keys, audit events, and their validation rules.
#include <cstdint>
#include <optional>
#include <string>

#include "core/api_key.hpp"
#include "core/principal.hpp"

namespace tenantca::core {

struct RateLimitSpec {
  int requests_per_second = 0;
  int burst = 0;
};

struct Tenant {
  std::string id;
  std::string name;
  RateLimitSpec rate_limit;
  bool disabled = false;
  int64_t created_us = 0;
};

struct ApiKeyInfo {
  std::string id;
  std::optional<std::string> tenant_id;
  std::string name;
  Role role = Role::reader;
  int64_t created_us = 0;
};

// What authentication needs about a key, as stored.
struct KeyRecord {
  std::string id;
  std::optional<std::string> tenant_id;
  Role role = Role::reader;
  SecretHash secret_hash{};
  bool tenant_disabled = false;
  RateLimitSpec tenant_rate_limit;
};

struct AuditEvent {
  std::string id;
  std::optional<std::string> tenant_id;
  int64_t time_us = 0;
  std::string actor_key_id;
  std::string action;
  std::string target_type;
  std::string target_id;
  std::string request_id;
  std::string detail_json = "{}";
  std::string actor_account_id;  // an ACME account (then actor_key_id is empty)
};

// Who did it, for audit rows written beside each change.
struct Actor {
  std::string key_id{};      // an API key, or
  std::string account_id{};  // an ACME account
  std::string request_id{};
  std::string client_address{};  // recorded in the audit event's detail when known
};

// A new audit event by `actor` (fresh id; time is set by the database).
AuditEvent make_audit_event(const Actor& actor, std::optional<std::string> tenant_id,
                            std::string action, std::string target_type, std::string target_id,
                            std::string detail_json);

// 1-64 characters of [a-z0-9-].
bool valid_tenant_name(const std::string& name);
std::string role_name(Role r);
// Tenant roles only (owner, issuer, reader); nullopt for anything else.
std::optional<Role> parse_tenant_role(const std::string& s);
Role parse_stored_role(const std::string& s);

}  // namespace tenantca::core
