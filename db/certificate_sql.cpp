#include "db/certificate_sql.hpp"

#include <nlohmann/json.hpp>

#include "core/pki/json.hpp"

namespace tenantca::db {

#define CERT_INSERT                                                                                \
  "INSERT INTO certificates (id, tenant_id, ca_id, source, serial, subject, issuer, common_name, " \
  "sans, dns_names, not_before, not_after, key_type, fingerprint_sha256, certificate_pem, "        \
  "chain_pem) "                                                                                    \
  "VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::jsonb, $7::jsonb, $8, $9::jsonb, "            \
  "ARRAY(SELECT jsonb_array_elements_text($9::jsonb -> 'dns')), to_timestamp($10::bigint), "       \
  "to_timestamp($11::bigint), $12, $13, $14, $15)"

const Sql kInsertCertificate{"certificates.insert", CERT_INSERT, true};

// Issuance: certificates and their audit events, many per statement (group
// commit), each stored only if its CA still has the revision the
// certificate was planned with and is enabled; returns the ids stored.
// json_to_recordset reads the rows straight from one text parameter: no
// array literals to escape, however many rows.
const Sql kIssueCertificates{
    "certificates.issue",
    "WITH rows AS MATERIALIZED ("
    "  SELECT * FROM json_to_recordset($1::json) AS r(id uuid, tenant_id uuid, ca_id uuid, "
    "  ca_revision bigint, source text, serial text, subject jsonb, issuer jsonb, "
    "  common_name text, sans jsonb, not_before bigint, not_after bigint, key_type text, "
    "  fingerprint_sha256 text, certificate_pem text, chain_pem text, audit_id uuid, "
    "  actor_key_id uuid, actor_account_id uuid, action text, target_type text, target_id text, "
    "request_id text, "
    "  detail jsonb)), "
    "cert AS ("
    "  INSERT INTO certificates (id, tenant_id, ca_id, source, serial, subject, issuer, "
    "  common_name, sans, dns_names, not_before, not_after, key_type, fingerprint_sha256, "
    "  certificate_pem, chain_pem) "
    "  SELECT r.id, r.tenant_id, r.ca_id, r.source, r.serial, r.subject, r.issuer, "
    "  r.common_name, r.sans, ARRAY(SELECT jsonb_array_elements_text(r.sans -> 'dns')), "
    "  to_timestamp(r.not_before), to_timestamp(r.not_after), r.key_type, "
    "  r.fingerprint_sha256, r.certificate_pem, r.chain_pem FROM rows r "
    "  WHERE EXISTS (SELECT 1 FROM cas c WHERE c.id = r.ca_id AND c.tenant_id = r.tenant_id "
    "  AND c.revision = r.ca_revision AND NOT c.disabled) "
    "  RETURNING id), "
    "audit AS ("
    "  INSERT INTO audit_events (id, tenant_id, actor_key_id, actor_account_id, action, "
    "  target_type, target_id, request_id, detail) "
    "  SELECT r.audit_id, r.tenant_id, r.actor_key_id, r.actor_account_id, r.action, "
    "  r.target_type, r.target_id, "
    "  r.request_id, r.detail FROM rows r JOIN cert c ON c.id = r.id) "
    "SELECT id::text FROM cert",
    true};

std::vector<Param> certificate_params(const core::pki::CertRecord& c) {
  return {c.id,
          c.tenant_id,
          c.ca_id,
          c.source,
          c.cert.serial_hex,
          core::pki::to_json(c.cert.subject).dump(),
          core::pki::to_json(c.cert.issuer).dump(),
          c.cert.subject.common_name,
          core::pki::to_json(c.cert.sans).dump(),
          c.cert.not_before,
          c.cert.not_after,
          c.cert.key_type,
          c.cert.fingerprint_sha256,
          c.cert.pem,
          c.chain_pem};
}

namespace {
void id_or_null(core::JsonWriter& w, const char* name, const std::string& id) {
  w.key(name);
  if (id.empty()) {
    w.null();
  } else {
    w.string(id);
  }
}
}  // namespace

namespace {
void write_row(core::JsonWriter& w, const IssueRow& row) {
  const auto* c = row.cert;
  const auto* e = row.event;
  w.begin_object();
  w.member("id", c->id).member("tenant_id", c->tenant_id);
  id_or_null(w, "ca_id", c->ca_id.value_or(""));
  w.key("ca_revision").number(row.ca_revision);
  w.member("source", c->source).member("serial", c->cert.serial_hex);
  w.key("subject");
  core::pki::write_json(w, c->cert.subject);
  w.key("issuer");
  core::pki::write_json(w, c->cert.issuer);
  w.member("common_name", c->cert.subject.common_name);
  w.key("sans");
  core::pki::write_json(w, c->cert.sans);
  w.key("not_before").number(c->cert.not_before).key("not_after").number(c->cert.not_after);
  w.member("key_type", c->cert.key_type);
  w.member("fingerprint_sha256", c->cert.fingerprint_sha256);
  w.member("certificate_pem", c->cert.pem).member("chain_pem", c->chain_pem);
  w.member("audit_id", e->id);
  id_or_null(w, "actor_key_id", e->actor_key_id);
  id_or_null(w, "actor_account_id", e->actor_account_id);
  w.member("action", e->action).member("target_type", e->target_type);
  w.member("target_id", e->target_id).member("request_id", e->request_id);
  // The audit detail is JSON already (written by nlohmann in core).
  w.key("detail").raw(e->detail_json.empty() ? "null" : e->detail_json);
  w.end_object();
}
}  // namespace

std::string issue_row_json(const IssueRow& row) {
  std::string out;
  out.reserve(3072);
  core::JsonWriter w(out);
  write_row(w, row);
  return out;
}

std::string issue_batch_json(const std::vector<std::string_view>& row_jsons) {
  std::string out = "[";
  for (const auto row : row_jsons) {
    if (out.size() > 1) out.push_back(',');
    out.append(row);
  }
  out.push_back(']');
  return out;
}

}  // namespace tenantca::db
