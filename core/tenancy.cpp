#include "core/tenancy.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/uuid.hpp"

namespace tenantca::core {

AuditEvent make_audit_event(const Actor& actor, std::optional<std::string> tenant_id,
                            std::string action, std::string target_type, std::string target_id,
                            std::string detail_json) {
  AuditEvent e;
  e.id = new_uuid();
  e.tenant_id = std::move(tenant_id);
  e.actor_key_id = actor.key_id;
  e.actor_account_id = actor.account_id;
  e.action = std::move(action);
  e.target_type = std::move(target_type);
  e.target_id = std::move(target_id);
  e.request_id = actor.request_id;
  e.detail_json = std::move(detail_json);
  if (!actor.client_address.empty()) {
    auto detail = nlohmann::json::parse(e.detail_json, nullptr, false);
    if (detail.is_object()) {
      detail["client_address"] = actor.client_address;
      e.detail_json = detail.dump();
    }
  }
  return e;
}

bool valid_tenant_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string role_name(Role r) {
  switch (r) {
    case Role::operator_:
      return "operator";
    case Role::owner:
      return "owner";
    case Role::issuer:
      return "issuer";
    case Role::reader:
      return "reader";
  }
  return "reader";
}

std::optional<Role> parse_tenant_role(const std::string& s) {
  if (s == "owner") return Role::owner;
  if (s == "issuer") return Role::issuer;
  if (s == "reader") return Role::reader;
  return std::nullopt;
}

Role parse_stored_role(const std::string& s) {
  if (s == "operator") return Role::operator_;
  if (auto r = parse_tenant_role(s)) return *r;
  throw std::runtime_error("unknown stored role: " + s);
}

}  // namespace tenantca::core
