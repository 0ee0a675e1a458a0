#pragma once
// One parser per request of the PKI endpoints: the JSON body (or query
// string) of a request into the typed request of core's PkiService. Strict:
// unknown fields, wrong types and out-of-range values are invalid_request
// naming the field. Unit-tested without the router (tests/unit/pki_requests_test.cpp).
#include <optional>

#include "core/pki/service.hpp"
#include "core/pki/store.hpp"
#include "handlers/json_body.hpp"
#include "handlers/request_context.hpp"

namespace tenantca::handlers {

core::pki::CreateCaRequest parse_create_ca_request(JsonFields& body);
core::pki::ImportCaRequest parse_import_ca_request(JsonFields& body);
struct CaUpdateRequest {
  core::pki::PolicyPatch policy;
  std::optional<bool> disabled;
  std::optional<core::pki::AcmeCaSettings> acme;
};
CaUpdateRequest parse_ca_update_request(JsonFields& body);
core::pki::IssueRequest parse_issue_request(JsonFields& body);
core::pki::ImportCertificateRequest parse_import_certificate_request(JsonFields& body);
core::pki::RevocationReason parse_revoke_request(JsonFields& body);
std::optional<int> parse_renew_request(JsonFields& body);  // validity_days
core::pki::CertificateFilter parse_certificate_filter(const RequestContext& ctx);
// GET /pki/{ca_id}/ca.crt?format=der|pem: true for PEM.
bool parse_ca_certificate_format(const RequestContext& ctx);

}  // namespace tenantca::handlers
