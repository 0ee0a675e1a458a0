#include "core/tenancy_service.hpp"

#include <nlohmann/json.hpp>

#include "core/api_key.hpp"
#include "core/errors.hpp"
#include "core/uuid.hpp"

namespace tenantca::core {
namespace {

nlohmann::json rate_json(const RateLimitSpec& r) {
  return {{"requests_per_second", r.requests_per_second}, {"burst", r.burst}};
}

AuditEvent event(const Actor& actor, std::optional<std::string> tenant_id, std::string action,
                 std::string target_type, std::string target_id, const nlohmann::json& detail) {
  return make_audit_event(actor, std::move(tenant_id), std::move(action), std::move(target_type),
                          std::move(target_id), detail.dump());
}

}  // namespace

Tenant TenancyService::create_tenant(const std::string& name, RateLimitSpec rate,
                                     const Actor& actor) {
  if (!valid_tenant_name(name))
    throw_invalid("Field 'name' must be 1-64 characters of a-z, 0-9 and '-'.");
  Tenant out;
  store_.transact("tenants.create", [&](TenancyTx& tx) {
    out = tx.insert_tenant(new_uuid(), name, rate);
    tx.audit(event(actor, out.id, "tenant.create", "tenant", out.id,
                   {{"name", name}, {"rate_limit", rate_json(rate)}}));
  });
  return out;
}

Tenant TenancyService::get_tenant(const std::string& id) {
  auto t = store_.find_tenant(id);
  if (!t) throw_not_found("No such tenant.");
  return *t;
}

Tenant TenancyService::update_tenant(const std::string& id, const TenantPatch& patch,
                                     const Actor& actor) {
  if (patch.name && !valid_tenant_name(*patch.name)) {
    throw_invalid("Field 'name' must be 1-64 characters of a-z, 0-9 and '-'.");
  }
  Tenant out;
  store_.transact("tenants.update", [&](TenancyTx& tx) {
    auto current = tx.lock_tenant(id);
    if (!current) throw_not_found("No tenant with id " + id + ".");
    Tenant t = *current;
    // The audit event records what changed, not what was sent.
    nlohmann::json changes = nlohmann::json::object();
    if (patch.name && *patch.name != t.name) {
      changes["name"] = {{"from", t.name}, {"to", *patch.name}};
      t.name = *patch.name;
    }
    if (patch.rate_limit) {
      changes["rate_limit"] = rate_json(*patch.rate_limit);
      t.rate_limit = *patch.rate_limit;
    }
    if (patch.disabled && *patch.disabled != t.disabled) {
      changes["disabled"] = *patch.disabled;
      t.disabled = *patch.disabled;
    }
    tx.update_tenant(t);
    tx.audit(event(actor, t.id, "tenant.update", "tenant", t.id, changes));
    out = t;
  });
  return out;
}

CreatedApiKey TenancyService::create_api_key(const std::optional<std::string>& tenant_id,
                                             const std::string& name, Role role,
                                             const std::optional<Actor>& actor) {
  if (name.empty() || name.size() > 128) throw_invalid("Field 'name' must be 1-128 characters.");
  const NewApiKey key = generate_api_key();
  CreatedApiKey out;
  out.token = key.token;
  out.info.id = key.id;
  out.info.tenant_id = tenant_id;
  out.info.name = name;
  out.info.role = role;
  store_.transact("api_keys.create", [&](TenancyTx& tx) {
    out.info.created_us = tx.insert_api_key(out.info, key.hash);
    if (actor) {
      tx.audit(event(*actor, tenant_id, "api_key.create", "api_key", key.id,
                     {{"name", name}, {"role", role_name(role)}}));
    }
  });
  return out;
}

void TenancyService::delete_api_key(const std::string& tenant_id, const std::string& key_id,
                                    const Actor& actor) {
  store_.transact("api_keys.delete", [&](TenancyTx& tx) {
    auto gone = tx.delete_api_key(tenant_id, key_id);
    if (!gone) throw_not_found("No API key with id " + key_id + ".");
    tx.audit(event(actor, tenant_id, "api_key.delete", "api_key", key_id,
                   {{"name", gone->name}, {"role", role_name(gone->role)}}));
  });
}

void TenancyService::revoke_operator_key(const std::string& key_id) {
  if (!is_uuid(key_id)) throw_invalid("Not a key id: '" + key_id + "'.");
  store_.transact("operator_keys.revoke", [&](TenancyTx& tx) {
    auto gone = tx.revoke_operator_key(key_id);
    if (!gone)
      throw_not_found("No operator key with id " + key_id + " (or it is already revoked).");
    tx.audit(event(Actor{.key_id = key_id, .request_id = "cli"}, std::nullopt,
                   "operator_key.revoke", "api_key", key_id,
                   {{"name", gone->name}, {"via", "command line"}}));
  });
}

}  // namespace tenantca::core
