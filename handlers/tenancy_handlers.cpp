#include "handlers/tenancy_handlers.hpp"

#include "core/errors.hpp"
#include "core/time_format.hpp"
#include "handlers/common.hpp"
#include "handlers/json_body.hpp"

namespace tenantca::handlers {
namespace {

nlohmann::json tenant_json(const core::Tenant& t) {
  return {
      {"id", t.id},
      {"name", t.name},
      {"rate_limit",
       {{"requests_per_second", t.rate_limit.requests_per_second}, {"burst", t.rate_limit.burst}}},
      {"disabled", t.disabled},
      {"created_at", core::format_rfc3339_us(t.created_us)}};
}

nlohmann::json api_key_json(const core::ApiKeyInfo& k) {
  nlohmann::json j = {
      {"id", k.id},
      {"name", k.name},
      {"role", core::role_name(k.role)},
      {"tenant_id", k.tenant_id ? nlohmann::json(*k.tenant_id) : nlohmann::json(nullptr)},
      {"created_at", core::format_rfc3339_us(k.created_us)}};
  return j;
}

nlohmann::json audit_json(const core::AuditEvent& e) {
  nlohmann::json detail = nlohmann::json::parse(e.detail_json, nullptr, false);
  if (detail.is_discarded()) detail = nlohmann::json::object();
  return {{"id", e.id},
          {"time", core::format_rfc3339_us(e.time_us)},
          {"actor_key_id",
           e.actor_key_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.actor_key_id)},
          {"actor_account_id", e.actor_account_id.empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json(e.actor_account_id)},
          {"action", e.action},
          {"target_type", e.target_type},
          {"target_id", e.target_id},
          {"request_id", e.request_id},
          {"detail", detail}};
}

std::string tenant_name(JsonFields& body, bool required) {
  std::optional<std::string> name =
      required ? std::optional(body.required_string("name", 64)) : body.optional_string("name", 64);
  if (name && !core::valid_tenant_name(*name)) {
    core::throw_invalid("Field 'name' must be 1-64 characters of a-z, 0-9 and '-'.");
  }
  return name.value_or("");
}

std::optional<core::RateLimitSpec> rate_limit(JsonFields& body) {
  auto obj = body.optional_object("rate_limit");
  if (!obj) return std::nullopt;
  core::RateLimitSpec r;
  r.requests_per_second = static_cast<int>(obj->required_int("requests_per_second", 1, 1000000));
  r.burst = static_cast<int>(obj->required_int("burst", 1, 1000000));
  obj->reject_unknown();
  return r;
}

struct NewKeyInput {
  std::string name;
  core::Role role;
};

NewKeyInput new_key_input(const RequestContext& ctx) {
  auto body = JsonFields::from_body(ctx.request);
  NewKeyInput in;
  in.name = body.required_string("name", 128);
  if (in.name.empty()) core::throw_invalid("Field 'name' must not be empty.");
  const std::string role = body.required_string("role", 32);
  const auto parsed = core::parse_tenant_role(role);
  if (!parsed) core::throw_invalid("Field 'role' must be one of owner, issuer, reader.");
  in.role = *parsed;
  body.reject_unknown();
  return in;
}

HttpResponse created_key_response(const core::CreatedApiKey& k) {
  nlohmann::json j = api_key_json(k.info);
  j["secret"] = k.token;
  HttpResponse r = json_ok(201, j);
  r.set_header("Cache-Control", "no-store");
  return r;
}

// ---- one named handler per endpoint --------------------------------------------------

HttpResponse create_tenant(const TenancyDeps& deps, RequestContext& ctx) {
  auto body = JsonFields::from_body(ctx.request);
  const std::string name = tenant_name(body, true);
  const auto rate = rate_limit(body).value_or(deps.default_rate_limit);
  body.reject_unknown();
  const auto t = deps.service->create_tenant(name, rate, actor_of(ctx));
  HttpResponse r = json_ok(201, tenant_json(t));
  r.set_header("Location", "/api/v1/tenants/" + t.id);
  return r;
}

HttpResponse list_tenants(const TenancyDeps& deps, RequestContext& ctx) {
  return page_response(deps.service->list_tenants(page_request(ctx)), tenant_json);
}

HttpResponse get_tenant(const TenancyDeps& deps, RequestContext& ctx) {
  return json_ok(200, tenant_json(deps.service->get_tenant(uuid_param(ctx, 0))));
}

HttpResponse update_tenant(const TenancyDeps& deps, RequestContext& ctx) {
  const std::string id = uuid_param(ctx, 0);
  auto body = JsonFields::from_body(ctx.request);
  core::TenantPatch patch;
  if (body.has("name")) patch.name = tenant_name(body, true);
  patch.rate_limit = rate_limit(body);
  patch.disabled = body.optional_bool("disabled");
  body.reject_unknown();
  return json_ok(200, tenant_json(deps.service->update_tenant(id, patch, actor_of(ctx))));
}

HttpResponse create_tenant_key(const TenancyDeps& deps, RequestContext& ctx) {
  const std::string tenant_id = uuid_param(ctx, 0);
  const auto in = new_key_input(ctx);
  return created_key_response(
      deps.service->create_api_key(tenant_id, in.name, in.role, actor_of(ctx)));
}

HttpResponse list_keys(const TenancyDeps& deps, RequestContext& ctx) {
  return page_response(deps.service->list_api_keys(tenant_of(ctx), page_request(ctx)),
                       api_key_json);
}

HttpResponse create_key(const TenancyDeps& deps, RequestContext& ctx) {
  const auto in = new_key_input(ctx);
  return created_key_response(
      deps.service->create_api_key(tenant_of(ctx), in.name, in.role, actor_of(ctx)));
}

HttpResponse delete_key(const TenancyDeps& deps, RequestContext& ctx) {
  deps.service->delete_api_key(tenant_of(ctx), uuid_param(ctx, 0), actor_of(ctx));
  HttpResponse r;
  r.status = 204;
  return r;
}

HttpResponse list_audit_events(const TenancyDeps& deps, RequestContext& ctx) {
  return page_response(deps.service->list_audit_events(tenant_of(ctx), page_request(ctx)),
                       audit_json);
}

}  // namespace

void add_tenancy_routes(Router& router, TenancyDeps deps) {
  using Handler = HttpResponse (*)(const TenancyDeps&, RequestContext&);
  struct TenancyRoute {
    const char* method;
    const char* pattern;
    Access access;
    Handler handler;
  };
  // The tenancy routes, one line each.
  static const TenancyRoute routes[] = {
      {"POST", "/api/v1/tenants", Access::operator_only, create_tenant},
      {"GET", "/api/v1/tenants", Access::operator_only, list_tenants},
      {"GET", "/api/v1/tenants/{id}", Access::operator_only, get_tenant},
      {"PATCH", "/api/v1/tenants/{id}", Access::operator_only, update_tenant},
      {"POST", "/api/v1/tenants/{id}/api-keys", Access::operator_only, create_tenant_key},
      {"GET", "/api/v1/api-keys", Access::tenant_owner, list_keys},
      {"POST", "/api/v1/api-keys", Access::tenant_owner, create_key},
      {"DELETE", "/api/v1/api-keys/{id}", Access::tenant_owner, delete_key},
      {"GET", "/api/v1/audit-events", Access::tenant_owner, list_audit_events},
  };
  for (const auto& r : routes) {
    router.add(r.method, r.pattern, r.access,
               [deps, h = r.handler](RequestContext& ctx) { return h(deps, ctx); });
  }
}

}  // namespace tenantca::handlers
