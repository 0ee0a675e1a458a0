#include "handlers/acme_handlers.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/acme/problem.hpp"
#include "core/errors.hpp"
#include "core/time_format.hpp"
#include "handlers/common.hpp"
#include "handlers/json_body.hpp"

namespace tenantca::handlers {
namespace {

using core::acme::AcmeError;
using core::acme::AcmeReply;
using core::acme::AcmeService;

HttpResponse acme_problem(const std::string& type, const std::string& detail, int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = nlohmann::json{
      {"type", "urn:ietf:params:acme:error:" + type},
      {"detail", detail},
      {"status",
       status}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse from_reply(const AcmeReply& reply) {
  HttpResponse r;
  r.status = reply.status;
  if (!reply.pem.empty()) {
    r.content_type = "application/pem-certificate-chain";
    r.body = reply.pem;
  } else if (!reply.body.is_null()) {
    r.content_type = "application/json";
    r.body = reply.body.dump();
  }
  if (!reply.location.empty()) r.set_header("Location", reply.location);
  for (const auto& link : reply.links) r.set_header("Link", link);
  if (reply.retry_after_s > 0) r.set_header("Retry-After", std::to_string(reply.retry_after_s));
  return r;
}

// Runs one ACME use case and shapes its answer: the problem types of RFC
// 8555 for every refusal (never a 500 for bad input), a fresh nonce, the
// directory link, no caching.
HttpResponse acme_answer(AcmeService& acme, RequestContext& ctx, bool with_nonce,
                         const std::function<AcmeReply()>& use_case) {
  HttpResponse r;
  try {
    r = from_reply(use_case());
  } catch (const AcmeError& e) {
    r = acme_problem(e.type(), e.what(), e.status());
  } catch (const core::DomainError& e) {
    if (!e.internal().empty()) spdlog::warn("request {}: acme: {}", ctx.request_id, e.internal());
    const int status = core::error_http_status(e.code());
    r = acme_problem(status == 503   ? "serverInternal"
                     : status == 429 ? "rateLimited"
                     : status >= 500 ? "serverInternal"
                                     : "malformed",
                     e.public_detail(), status);
  } catch (const std::exception& e) {
    spdlog::error("request {}: acme: unexpected error: {}", ctx.request_id, e.what());
    r = acme_problem("serverInternal", "An internal error occurred; it has been logged.", 500);
  }
  if (with_nonce) {
    try {
      r.set_header("Replay-Nonce", acme.new_nonce());
    } catch (const std::exception& e) {
      spdlog::warn("request {}: acme: no nonce for the answer: {}", ctx.request_id, e.what());
    }
  }
  if (!ctx.params.empty()) {
    r.set_header("Link", "<" + acme.base_url(ctx.params[0]) + "/directory>;rel=\"index\"");
  }
  r.set_header("Cache-Control", "no-store");
  return r;
}

// The URL the JWS must name. Of the query only the cursor of a "next" link
// is understood; the URL is rebuilt from it exactly as that link gave it.
std::string url_of(const AcmeDeps& deps, const RequestContext& ctx) {
  const std::string* cursor = query_param(ctx, "cursor");
  return deps.public_url + ctx.request.path + (cursor ? "?cursor=" + *cursor : "");
}

// ---- ACME endpoints, one named handler each ---------------------------------------

HttpResponse directory(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, false, [&] { return d.service->directory(ctx.params[0]); });
}

HttpResponse new_nonce(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    d.service->require_acme_ca(ctx.params[0]);
    AcmeReply r;
    r.status = ctx.request.method == "HEAD" ? 200 : 204;  // RFC 8555 7.2
    return r;
  });
}

HttpResponse new_account(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->new_account(ctx.params[0], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse account(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->account(ctx.params[0], ctx.params[1], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse account_orders(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->account_orders(ctx.params[0], ctx.params[1], url_of(d, ctx), ctx.request.body,
                                     query_param(ctx, "cursor"));
  });
}

HttpResponse new_order(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->new_order(ctx.params[0], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse order(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->order(ctx.params[0], ctx.params[1], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse finalize(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->finalize(ctx.params[0], ctx.params[1], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse authorization(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->authorization(ctx.params[0], ctx.params[1], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse challenge(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->challenge(ctx.params[0], ctx.params[1], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse certificate(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->certificate(ctx.params[0], ctx.params[1], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse revoke_certificate(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->revoke_certificate(ctx.params[0], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse key_change(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, true, [&] {
    return d.service->key_change(ctx.params[0], url_of(d, ctx), ctx.request.body);
  });
}

HttpResponse renewal_info(AcmeDeps& d, RequestContext& ctx) {
  return acme_answer(*d.service, ctx, false,
                     [&] { return d.service->renewal_info(ctx.params[0], ctx.params[1]); });
}

// ---- REST administration ------------------------------------------------------------

nlohmann::json eab_key_json(const core::acme::EabKey& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"kid", k.kid},
          {"created_at", core::format_rfc3339_us(k.created_us)},
          {"used_at", k.used_us ? nlohmann::json(core::format_rfc3339_us(*k.used_us))
                                : nlohmann::json(nullptr)},
          {"account_id", k.account_id ? nlohmann::json(*k.account_id) : nlohmann::json(nullptr)}};
}

nlohmann::json account_json(const core::acme::Account& a) {
  return {
      {"id", a.id},
      {"ca_id", a.ca_id},
      {"status", a.status},
      {"contact", a.contact},
      {"eab_key_id", a.eab_key_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.eab_key_id)},
      {"created_at", core::format_rfc3339_us(a.created_us)}};
}

HttpResponse create_eab_key(AcmeDeps& d, RequestContext& ctx) {
  auto body = JsonFields::from_body(ctx.request);
  const std::string name = body.required_string("name", 100);
  body.reject_unknown();
  const auto created = d.service->create_eab_key(tenant_of(ctx), name, actor_of(ctx));
  auto j = eab_key_json(created.key);
  j["hmac_key"] = created.hmac_key;  // shown once
  auto r = json_ok(201, j);
  r.set_header("Location", "/api/v1/acme/eab-keys/" + created.key.id);
  r.set_header("Cache-Control", "no-store");
  return r;
}

HttpResponse list_eab_keys(AcmeDeps& d, RequestContext& ctx) {
  return page_response(d.service->list_eab_keys(tenant_of(ctx), page_request(ctx)), eab_key_json);
}

HttpResponse delete_eab_key(AcmeDeps& d, RequestContext& ctx) {
  d.service->delete_eab_key(tenant_of(ctx), uuid_param(ctx, 0), actor_of(ctx));
  HttpResponse r;
  r.status = 204;
  return r;
}

HttpResponse list_accounts(AcmeDeps& d, RequestContext& ctx) {
  return page_response(d.service->list_accounts(tenant_of(ctx), page_request(ctx)), account_json);
}

HttpResponse deactivate_account(AcmeDeps& d, RequestContext& ctx) {
  return json_ok(200, account_json(d.service->deactivate_account(tenant_of(ctx), uuid_param(ctx, 0),
                                                                 actor_of(ctx))));
}

}  // namespace

void add_acme_routes(Router& router, AcmeDeps deps) {
  auto shared = std::make_shared<AcmeDeps>(std::move(deps));
  constexpr const char* jose = "application/jose+json";
  constexpr const char* json = "application/json";
  // The ACME and ACME administration routes, one line each.
  static const RouteRow<AcmeDeps> routes[] = {
      {"GET", "/acme/{ca_id}/directory", Access::public_, directory, json},
      {"GET", "/acme/{ca_id}/new-nonce", Access::public_, new_nonce, json},
      {"POST", "/acme/{ca_id}/new-account", Access::public_, new_account, jose},
      {"POST", "/acme/{ca_id}/account/{id}", Access::public_, account, jose},
      {"POST", "/acme/{ca_id}/account/{id}/orders", Access::public_, account_orders, jose},
      {"POST", "/acme/{ca_id}/new-order", Access::public_, new_order, jose},
      {"POST", "/acme/{ca_id}/order/{id}", Access::public_, order, jose},
      {"POST", "/acme/{ca_id}/order/{id}/finalize", Access::public_, finalize, jose},
      {"POST", "/acme/{ca_id}/authz/{id}", Access::public_, authorization, jose},
      {"POST", "/acme/{ca_id}/challenge/{id}", Access::public_, challenge, jose},
      {"POST", "/acme/{ca_id}/certificate/{id}", Access::public_, certificate, jose},
      {"POST", "/acme/{ca_id}/revoke-cert", Access::public_, revoke_certificate, jose},
      {"POST", "/acme/{ca_id}/key-change", Access::public_, key_change, jose},
      {"GET", "/acme/{ca_id}/renewal-info/{id}", Access::public_, renewal_info, json},
      {"POST", "/api/v1/acme/eab-keys", Access::tenant_owner, create_eab_key, json},
      {"GET", "/api/v1/acme/eab-keys", Access::tenant_owner, list_eab_keys, json},
      {"DELETE", "/api/v1/acme/eab-keys/{id}", Access::tenant_owner, delete_eab_key, json},
      {"GET", "/api/v1/acme/accounts", Access::tenant_reader, list_accounts, json},
      {"POST", "/api/v1/acme/accounts/{id}/deactivate", Access::tenant_owner, deactivate_account,
       json},
  };
  add_route_table(router, shared, routes);
}

}  // namespace tenantca::handlers
