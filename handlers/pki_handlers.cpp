#include "handlers/pki_handlers.hpp"

#include <charconv>

#include "core/errors.hpp"
#include "core/pki/json.hpp"
#include "core/pki/ossl.hpp"
#include "core/pki/policy.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/uuid.hpp"
#include "handlers/common.hpp"
#include "handlers/json_body.hpp"
#include "handlers/pki_requests.hpp"

namespace tenantca::handlers {
namespace {

using namespace core::pki;

// ---- JSON out ------------------------------------------------------------------
nlohmann::json ca_json(const CaRecord& ca) {
  return {{"id", ca.id},
          {"name", ca.name},
          {"type", ca.type},
          {"parent_ca_id",
           ca.parent_ca_id ? nlohmann::json(*ca.parent_ca_id) : nlohmann::json(nullptr)},
          {"subject", to_json(ca.cert.subject)},
          {"serial", ca.cert.serial_hex},
          {"not_before", core::format_rfc3339(ca.cert.not_before)},
          {"not_after", core::format_rfc3339(ca.cert.not_after)},
          {"key_type", ca.cert.key_type},
          {"max_path_length",
           ca.cert.path_length ? nlohmann::json(*ca.cert.path_length) : nlohmann::json(nullptr)},
          {"fingerprint_sha256", ca.cert.fingerprint_sha256},
          {"certificate_pem", ca.cert.pem},
          {"policy", to_json(ca.policy)},
          {"disabled", ca.disabled},
          {"acme", to_json(ca.acme)},
          {"created_at", core::format_rfc3339_us(ca.created_us)}};
}

// The certificate resource, written in one pass: it answers every issuance,
// and building an nlohmann tree first cost ~5% of an issuance's worker CPU.
// private_key_pem is given once, at issuance, and never stored.
void write_certificate(core::JsonWriter& w, const CertRecord& c, int64_t now,
                       std::string_view private_key_pem = {}) {
  const auto nullable = [&w](const char* name, const std::optional<std::string>& v) {
    w.key(name);
    if (v) {
      w.string(*v);
    } else {
      w.null();
    }
  };
  w.begin_object().member("id", c.id);
  nullable("ca_id", c.ca_id);
  w.member("source", c.source).member("serial", c.cert.serial_hex);
  w.key("subject");
  write_json(w, c.cert.subject);
  w.key("issuer");
  write_json(w, c.cert.issuer);
  w.key("sans");
  write_json(w, c.cert.sans);
  w.member("not_before", core::format_rfc3339(c.cert.not_before));
  w.member("not_after", core::format_rfc3339(c.cert.not_after));
  w.member("key_type", c.cert.key_type);
  w.member("fingerprint_sha256", c.cert.fingerprint_sha256);
  w.member("status", c.status(now));
  nullable("revoked_at",
           c.revoked_at ? std::optional(core::format_rfc3339(*c.revoked_at)) : std::nullopt);
  nullable("revocation_reason", c.revocation_reason
                                    ? std::optional(revocation_reason_name(*c.revocation_reason))
                                    : std::nullopt);
  w.member("certificate_pem", c.cert.pem);
  w.member("created_at", core::format_rfc3339_us(c.created_us));
  if (!private_key_pem.empty()) w.member("private_key_pem", private_key_pem);
  w.end_object();
}

std::string certificate_json(const CertRecord& c, int64_t now,
                             std::string_view private_key_pem = {}) {
  std::string out;
  out.reserve(2048 + c.cert.pem.size() + private_key_pem.size());
  core::JsonWriter w(out);
  write_certificate(w, c, now, private_key_pem);
  return out;
}

HttpResponse created(const std::string& json_text, const std::string& location) {
  HttpResponse r = json_response(201, json_text);
  r.set_header("Location", location);
  return r;
}

HttpResponse created(const nlohmann::json& body, const std::string& location) {
  return created(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), location);
}

HttpResponse binary(const std::string& content_type, std::string body, const char* cache_control) {
  HttpResponse r;
  r.content_type = content_type;
  r.body = std::move(body);
  r.set_header("Cache-Control", cache_control);
  return r;
}

// ---- one named handler per endpoint: parse, call the service, map -------------------

HttpResponse create_ca(PkiService& pki, RequestContext& ctx) {
  auto body = JsonFields::from_body(ctx.request);
  const auto ca = pki.create_ca(tenant_of(ctx), parse_create_ca_request(body), actor_of(ctx));
  return created(ca_json(ca), "/api/v1/cas/" + ca.id);
}

HttpResponse import_ca(PkiService& pki, RequestContext& ctx) {
  auto body = JsonFields::from_body(ctx.request);
  const auto ca = pki.import_ca(tenant_of(ctx), parse_import_ca_request(body), actor_of(ctx));
  return created(ca_json(ca), "/api/v1/cas/" + ca.id);
}

HttpResponse list_cas(PkiService& pki, RequestContext& ctx) {
  return page_response(pki.list_cas(tenant_of(ctx), page_request(ctx)), ca_json);
}

HttpResponse get_ca(PkiService& pki, RequestContext& ctx) {
  return json_ok(200, ca_json(pki.get_ca(tenant_of(ctx), uuid_param(ctx, 0))));
}

HttpResponse update_ca(PkiService& pki, RequestContext& ctx) {
  const std::string id = uuid_param(ctx, 0);
  auto body = JsonFields::from_body(ctx.request);
  const auto req = parse_ca_update_request(body);
  return json_ok(200, ca_json(pki.update_ca(tenant_of(ctx), id, req.policy, req.disabled,
                                            actor_of(ctx), req.acme)));
}

HttpResponse issue_certificate(PkiService& pki, RequestContext& ctx) {
  auto body = JsonFields::from_body(ctx.request);
  const auto issued = pki.issue(tenant_of(ctx), parse_issue_request(body), actor_of(ctx));
  HttpResponse r = created(certificate_json(issued.certificate, pki.now(), issued.private_key_pem),
                           "/api/v1/certificates/" + issued.certificate.id);
  r.set_header("Cache-Control", "no-store");
  return r;
}

HttpResponse import_certificate(PkiService& pki, RequestContext& ctx) {
  auto body = JsonFields::from_body(ctx.request);
  const auto c =
      pki.import_certificate(tenant_of(ctx), parse_import_certificate_request(body), actor_of(ctx));
  return created(certificate_json(c, pki.now()), "/api/v1/certificates/" + c.id);
}

HttpResponse list_certificates(PkiService& pki, RequestContext& ctx) {
  const auto filter = parse_certificate_filter(ctx);
  const int64_t now = pki.now();
  return page_response(
      pki.list_certificates(tenant_of(ctx), filter, page_request(ctx)),
      [now](core::JsonWriter& w, const CertRecord& c) { write_certificate(w, c, now); });
}

HttpResponse get_certificate(PkiService& pki, RequestContext& ctx) {
  return json_response(
      200, certificate_json(pki.get_certificate(tenant_of(ctx), uuid_param(ctx, 0)), pki.now()));
}

HttpResponse certificate_chain(PkiService& pki, RequestContext& ctx) {
  return binary("application/pem-certificate-chain",
                pki.chain_pem(tenant_of(ctx), uuid_param(ctx, 0)), "no-cache");
}

HttpResponse revoke_certificate(PkiService& pki, RequestContext& ctx) {
  const std::string id = uuid_param(ctx, 0);
  auto body = JsonFields::from_body(ctx.request);
  const auto reason = parse_revoke_request(body);
  return json_response(
      200, certificate_json(pki.revoke(tenant_of(ctx), id, reason, actor_of(ctx)), pki.now()));
}

HttpResponse renew_certificate(PkiService& pki, RequestContext& ctx) {
  const std::string id = uuid_param(ctx, 0);
  auto body = JsonFields::from_body(ctx.request);
  const auto c = pki.renew(tenant_of(ctx), id, parse_renew_request(body), actor_of(ctx));
  return created(certificate_json(c, pki.now()), "/api/v1/certificates/" + c.id);
}

HttpResponse ca_certificate(PkiService& pki, RequestContext& ctx) {
  const std::string id = uuid_param(ctx, 0);
  if (parse_ca_certificate_format(ctx)) {
    return binary("application/x-pem-file", pki.ca_certificate_pem(id), "public, max-age=3600");
  }
  return binary("application/pkix-cert", pki.ca_certificate_der(id), "public, max-age=3600");
}

HttpResponse crl(PkiService& pki, RequestContext& ctx) {
  return binary("application/pkix-crl", pki.crl_der(uuid_param(ctx, 0)), "no-cache");
}

HttpResponse ocsp_post(PkiService& pki, RequestContext& ctx) {
  return binary("application/ocsp-response", pki.ocsp(uuid_param(ctx, 0), ctx.request.body),
                "no-cache");
}

HttpResponse ocsp_get(PkiService& pki, RequestContext& ctx) {
  const std::string id = uuid_param(ctx, 0);
  auto der = base64_decode(url_decode_path(ctx.params.at(1)));
  return binary("application/ocsp-response", pki.ocsp(id, der.value_or(std::string())), "no-cache");
}

}  // namespace

void add_pki_routes(Router& router, PkiDeps deps) {
  // The PKI routes, one line each.
  static const RouteRow<PkiService> routes[] = {
      {"POST", "/api/v1/cas", Access::tenant_owner, create_ca, "application/json"},
      {"POST", "/api/v1/cas/import", Access::tenant_owner, import_ca, "application/json"},
      {"GET", "/api/v1/cas", Access::tenant_reader, list_cas, "application/json"},
      {"GET", "/api/v1/cas/{id}", Access::tenant_reader, get_ca, "application/json"},
      {"PATCH", "/api/v1/cas/{id}", Access::tenant_owner, update_ca, "application/json"},
      {"POST", "/api/v1/certificates", Access::tenant_issuer, issue_certificate,
       "application/json"},
      {"POST", "/api/v1/certificates/import", Access::tenant_issuer, import_certificate,
       "application/json"},
      {"GET", "/api/v1/certificates", Access::tenant_reader, list_certificates, "application/json"},
      {"GET", "/api/v1/certificates/{id}", Access::tenant_reader, get_certificate,
       "application/json"},
      {"GET", "/api/v1/certificates/{id}/pem", Access::tenant_reader, certificate_chain,
       "application/json"},
      {"POST", "/api/v1/certificates/{id}/revoke", Access::tenant_issuer, revoke_certificate,
       "application/json"},
      {"POST", "/api/v1/certificates/{id}/renew", Access::tenant_issuer, renew_certificate,
       "application/json"},
      {"GET", "/pki/{ca_id}/ca.crt", Access::public_, ca_certificate, "application/json"},
      {"GET", "/pki/{ca_id}/crl", Access::public_, crl, "application/json"},
      {"POST", "/pki/{ca_id}/ocsp", Access::public_, ocsp_post, "application/ocsp-request"},
      {"GET", "/pki/{ca_id}/ocsp/{request...}", Access::public_, ocsp_get, "application/json"},
  };
  add_route_table(router, deps.service, routes);
}

}  // namespace tenantca::handlers
