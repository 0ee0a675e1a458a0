#include "db/pki_store.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/pki/json.hpp"
#include "core/random.hpp"
#include "db/prepared.hpp"
#include "db/tenancy_store.hpp"

namespace tenantca::db {
namespace {

using core::pki::CaRecord;
using core::pki::CertRecord;

// ---- SQL ---------------------------------------------------------------
#define CA_COLUMNS                                                                               \
  "id::text, tenant_id::text, name, type, coalesce(parent_ca_id::text, ''), serial, "            \
  "subject::text, "                                                                              \
  "issuer::text, floor(extract(epoch FROM not_before))::bigint, floor(extract(epoch FROM "       \
  "not_after))::bigint, "                                                                        \
  "key_type, coalesce(path_length, -1), self_signed::int, fingerprint_sha256, certificate_pem, " \
  "encode(key_ciphertext, 'hex'), key_kek_id, policy::text, disabled::int, "                     \
  "(extract(epoch FROM created_at) * 1000000)::bigint"

#define CERT_COLUMNS                                                                               \
  "id::text, tenant_id::text, coalesce(ca_id::text, ''), source, serial, subject::text, "          \
  "issuer::text, "                                                                                 \
  "sans::text, floor(extract(epoch FROM not_before))::bigint, floor(extract(epoch FROM "           \
  "not_after))::bigint, "                                                                          \
  "key_type, fingerprint_sha256, certificate_pem, chain_pem, "                                     \
  "coalesce(floor(extract(epoch FROM revoked_at))::bigint, -1), coalesce(revocation_reason, ''), " \
  "(extract(epoch FROM created_at) * 1000000)::bigint"

// Reads of CA and certificate rows go through libpq in one round trip each
// (PQexecParams, planned with the actual values); SOCI's prepare/execute
// took three and re-parsed the text every time (46% of the CPU in a profile
// of GET /api/v1/cas). They share the row mappers below through PgRow.
constexpr const char* kSelectCa =
    "SELECT " CA_COLUMNS " FROM cas WHERE id = $1::uuid AND tenant_id = $2::uuid";
constexpr const char* kSelectCaForUpdate =
    "SELECT " CA_COLUMNS " FROM cas WHERE id = $1::uuid AND tenant_id = $2::uuid FOR UPDATE";
// Public endpoints address a CA by its unguessable id alone.
constexpr const char* kSelectCaPublic = "SELECT " CA_COLUMNS " FROM cas WHERE id = $1::uuid";
constexpr const char* kListCas = "SELECT " CA_COLUMNS
                                 " FROM cas WHERE tenant_id = $1::uuid "
                                 "AND (created_at, id) < (timestamptz 'epoch' + $2::bigint * "
                                 "interval '1 microsecond', $3::uuid) "
                                 "ORDER BY created_at DESC, id DESC LIMIT $4::int";
constexpr const char* kInsertCa =
    "INSERT INTO cas (id, tenant_id, name, type, parent_ca_id, serial, subject, issuer, "
    "not_before, not_after, "
    "key_type, path_length, self_signed, fingerprint_sha256, certificate_pem, key_ciphertext, "
    "key_kek_id, policy) "
    "VALUES (CAST(:id AS uuid), CAST(:tid AS uuid), :name, :type, CAST(NULLIF(:parent, '') AS "
    "uuid), :serial, "
    "CAST(:subject AS jsonb), CAST(:issuer AS jsonb), to_timestamp(:nb), to_timestamp(:na), :kt, "
    "NULLIF(:pl, -1), (:ss = 1), :fp, :pem, decode(:key, 'hex'), :kek, CAST(:policy AS jsonb)) "
    "RETURNING (extract(epoch FROM created_at) * 1000000)::bigint";
constexpr const char* kInsertCrlRow = "INSERT INTO ca_crls (ca_id) VALUES (CAST(:id AS uuid))";
constexpr const char* kAllCas = "SELECT " CA_COLUMNS " FROM cas ORDER BY created_at";
constexpr const char* kAllCasForUpdate =
    "SELECT " CA_COLUMNS " FROM cas ORDER BY created_at FOR UPDATE";
constexpr const char* kUpdateCaKey =
    "UPDATE cas SET key_ciphertext = decode(:key, 'hex'), key_kek_id = :kek WHERE id = CAST(:id AS "
    "uuid)";
constexpr const char* kUpdateCa =
    "UPDATE cas SET policy = CAST(:policy AS jsonb), disabled = (:disabled = 1) "
    "WHERE id = CAST(:id AS uuid) AND tenant_id = CAST(:tid AS uuid)";

// Prepared once per connection (libpq).
#define CERT_INSERT                                                                                \
  "INSERT INTO certificates (id, tenant_id, ca_id, source, serial, subject, issuer, common_name, " \
  "sans, dns_names, "                                                                              \
  "not_before, not_after, key_type, fingerprint_sha256, certificate_pem, chain_pem) "              \
  "VALUES ($1::uuid, $2::uuid, NULLIF($3, '')::uuid, $4, $5, $6::jsonb, $7::jsonb, $8, "           \
  "$9::jsonb, "                                                                                    \
  "ARRAY(SELECT jsonb_array_elements_text($9::jsonb -> 'dns')), to_timestamp($10::bigint), "       \
  "to_timestamp($11::bigint), "                                                                    \
  "$12, $13, $14, $15)"
constexpr const char* kInsertCert = CERT_INSERT;
// Issuance: the certificate and its audit event in one statement, so one
// round trip and atomic without BEGIN/COMMIT.
constexpr const char* kIssueCert =
    "WITH cert AS (" CERT_INSERT
    " RETURNING tenant_id) "
    "INSERT INTO audit_events (id, tenant_id, actor_key_id, action, target_type, target_id, "
    "request_id, detail) "
    "SELECT $16::uuid, tenant_id, $17::uuid, $18, $19, $20, $21, $22::jsonb FROM cert";
constexpr const char* kSelectCert =
    "SELECT " CERT_COLUMNS " FROM certificates WHERE id = $1::uuid AND tenant_id = $2::uuid";
constexpr const char* kSelectCertForUpdate =
    "SELECT " CERT_COLUMNS
    " FROM certificates WHERE id = $1::uuid AND tenant_id = $2::uuid FOR UPDATE";
constexpr const char* kRevokeCert =
    "UPDATE certificates SET revoked_at = to_timestamp(:at), revocation_reason = :reason "
    "WHERE id = CAST(:id AS uuid) AND tenant_id = CAST(:tid AS uuid) AND revoked_at IS NULL";
// Every filter is optional ('' or -1: off). Planned per call with the
// actual values, so each filter uses its index (tests/integration/
// test_inventory_plans.sh checks the plans at 400k certificates).
#define CERT_LIST_FILTERS                                                                      \
  "AND ($2 = '' OR ca_id = NULLIF($2, '')::uuid) "                                             \
  "AND ($3 = '' OR ($3 = 'revoked' AND revoked_at IS NOT NULL) "                               \
  "     OR ($3 = 'valid' AND revoked_at IS NULL AND not_after >= to_timestamp($4::bigint)) "   \
  "     OR ($3 = 'expired' AND revoked_at IS NULL AND not_after < to_timestamp($4::bigint))) " \
  "AND ($5::int < 0 OR (revoked_at IS NULL AND not_after >= to_timestamp($4::bigint) "         \
  "     AND not_after <= to_timestamp($4::bigint) + $5::int * interval '1 day')) "             \
  "AND ($6 = '' OR common_name = $6) "                                                         \
  "AND ($8 = '' OR serial = $8) "                                                              \
  "AND (created_at, id) < (timestamptz 'epoch' + $9::bigint * interval '1 microsecond', "      \
  "$10::uuid) "                                                                                \
  "ORDER BY created_at DESC, id DESC LIMIT $11::int"
constexpr const char* kListCerts =
    "SELECT " CERT_COLUMNS
    " FROM certificates WHERE tenant_id = $1::uuid AND $7 = '' " CERT_LIST_FILTERS;
// With a DNS name the planner underestimates how rare a name is and walks
// the tenant's whole list in order (70 ms at 200k); the GIN index first,
// then the rest, is ~0.1 ms.
constexpr const char* kListCertsByDnsName =
    "WITH named AS MATERIALIZED (SELECT id FROM certificates WHERE dns_names @> ARRAY[$7::text]) "
    "SELECT " CERT_COLUMNS
    " FROM certificates WHERE tenant_id = $1::uuid AND id IN (SELECT id FROM "
    "named) " CERT_LIST_FILTERS;

constexpr const char* kInvalidateCrl =
    "UPDATE ca_crls SET valid = false WHERE ca_id = CAST(:id AS uuid)";
// CRL rows travel through libpq in binary (see db/prepared.hpp): numbers are
// cast to text, the DER is raw bytea.
constexpr const char* kLockCrl =
    "SELECT crl_number::text, coalesce(floor(extract(epoch FROM next_update))::bigint, 0)::text, "
    "valid::int::text, "
    "coalesce(der, ''::bytea) FROM ca_crls WHERE ca_id = $1::uuid FOR UPDATE";
constexpr const char* kSelectCrl =
    "SELECT crl_number::text, coalesce(floor(extract(epoch FROM next_update))::bigint, 0)::text, "
    "valid::int::text, "
    "coalesce(der, ''::bytea) FROM ca_crls WHERE ca_id = $1::uuid";
constexpr const char* kCrlState =
    "SELECT crl_number, coalesce(floor(extract(epoch FROM next_update))::bigint, 0), (valid AND "
    "der IS NOT NULL)::int "
    "FROM ca_crls WHERE ca_id = CAST(:id AS uuid)";
constexpr const char* kStoreCrl =
    "UPDATE ca_crls SET crl_number = $1::bigint, der = $2, this_update = to_timestamp($3::bigint), "
    "next_update = to_timestamp($4::bigint), valid = true WHERE ca_id = $5::uuid";
// One row for the whole list: fetching 100k rows one by one through SOCI
// costs more than building the CRL.
constexpr const char* kRevokedEntries =
    "SELECT coalesce(string_agg(serial || ' ' || floor(extract(epoch FROM revoked_at))::bigint || "
    "' ' || "
    "revocation_reason, E'\\n'), '') FROM certificates WHERE ca_id = CAST(:id AS uuid) AND "
    "revoked_at IS NOT NULL";
// Prepared (libpq): OCSP answers this once per request.
constexpr const char* kStatusBySerial =
    "SELECT coalesce(floor(extract(epoch FROM revoked_at))::bigint, -1), "
    "coalesce(revocation_reason, '') "
    "FROM certificates WHERE ca_id = $1::uuid AND serial = $2";

// ---- mapping ---------------------------------------------------------------
int hex_digit(char c) {
  return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
std::string from_hex(
    const std::string& hex) {  // PostgreSQL's encode(..., 'hex') output: trusted, lower case
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(hex_digit(hex[2 * i]) * 16 + hex_digit(hex[2 * i + 1]));
  }
  return out;
}
std::string to_hex(const std::string& bin) {
  return core::to_hex(reinterpret_cast<const unsigned char*>(bin.data()), bin.size());
}

CaRecord ca_from(const PgRow& r) {
  CaRecord c;
  c.id = r.get<std::string>(0);
  c.tenant_id = r.get<std::string>(1);
  c.name = r.get<std::string>(2);
  c.type = r.get<std::string>(3);
  if (auto p = r.get<std::string>(4); !p.empty()) c.parent_ca_id = p;
  c.cert.serial_hex = r.get<std::string>(5);
  c.cert.subject = core::pki::subject_from_json(nlohmann::json::parse(r.get<std::string>(6)));
  c.cert.issuer = core::pki::subject_from_json(nlohmann::json::parse(r.get<std::string>(7)));
  c.cert.not_before = r.get<long long>(8);
  c.cert.not_after = r.get<long long>(9);
  c.cert.key_type = r.get<std::string>(10);
  if (int pl = r.get<int>(11); pl >= 0) c.cert.path_length = pl;
  c.cert.is_ca = true;
  c.cert.self_signed = r.get<int>(12) != 0;
  c.cert.fingerprint_sha256 = r.get<std::string>(13);
  c.cert.pem = r.get<std::string>(14);
  c.key_ciphertext = from_hex(r.get<std::string>(15));
  c.key_kek_id = r.get<std::string>(16);
  c.policy = core::pki::policy_from_json(nlohmann::json::parse(r.get<std::string>(17)));
  c.disabled = r.get<int>(18) != 0;
  c.created_us = r.get<long long>(19);
  return c;
}

CertRecord cert_from(const PgRow& r) {
  CertRecord c;
  c.id = r.get<std::string>(0);
  c.tenant_id = r.get<std::string>(1);
  if (auto ca = r.get<std::string>(2); !ca.empty()) c.ca_id = ca;
  c.source = r.get<std::string>(3);
  c.cert.serial_hex = r.get<std::string>(4);
  c.cert.subject = core::pki::subject_from_json(nlohmann::json::parse(r.get<std::string>(5)));
  c.cert.issuer = core::pki::subject_from_json(nlohmann::json::parse(r.get<std::string>(6)));
  c.cert.sans = core::pki::sans_from_json(nlohmann::json::parse(r.get<std::string>(7)));
  c.cert.not_before = r.get<long long>(8);
  c.cert.not_after = r.get<long long>(9);
  c.cert.key_type = r.get<std::string>(10);
  c.cert.fingerprint_sha256 = r.get<std::string>(11);
  c.cert.pem = r.get<std::string>(12);
  c.chain_pem = r.get<std::string>(13);
  if (long long at = r.get<long long>(14); at >= 0) {
    c.revoked_at = at;
    c.revocation_reason = core::pki::parse_revocation_reason(r.get<std::string>(15));
  }
  c.created_us = r.get<long long>(16);
  return c;
}

// By primary key: prepared once per connection (a generic plan is right).
std::optional<CaRecord> select_ca(soci::session& s, const char* name, const char* sql,
                                  const std::string& id, const std::string* tenant) {
  std::vector<std::string> params{id};
  if (tenant) params.push_back(*tenant);
  auto r = exec_prepared(s, name, sql, params);
  if (PQntuples(r.get()) != 1) return std::nullopt;
  return ca_from(PgRow(r.get(), 0));
}

std::optional<CertRecord> select_certificate(soci::session& s, const char* sql,
                                             const std::string& id, const std::string& tenant) {
  auto r = exec_params(s, sql, {{id}, {tenant}}, false);
  if (PQntuples(r.get()) != 1) return std::nullopt;
  return cert_from(PgRow(r.get(), 0));
}

std::string field(const PGresult* r, int col) {
  return std::string(PQgetvalue(r, 0, col), static_cast<std::size_t>(PQgetlength(r, 0, col)));
}

core::pki::StoredCrl crl_from(const PGresult* r) {
  core::pki::StoredCrl c;
  c.crl_number = std::stoll(field(r, 0));
  c.next_update = std::stoll(field(r, 1));
  c.der = field(r, 3);
  c.valid = field(r, 2) == "1" && !c.der.empty();
  return c;
}

// $1..$15 of CERT_INSERT.
std::vector<std::string> cert_params(const CertRecord& c) {
  return {c.id,
          c.tenant_id,
          c.ca_id.value_or(""),
          c.source,
          c.cert.serial_hex,
          core::pki::to_json(c.cert.subject).dump(),
          core::pki::to_json(c.cert.issuer).dump(),
          c.cert.subject.common_name,
          core::pki::to_json(c.cert.sans).dump(),
          std::to_string(c.cert.not_before),
          std::to_string(c.cert.not_after),
          c.cert.key_type,
          c.cert.fingerprint_sha256,
          c.cert.pem,
          c.chain_pem};
}

class SqlPkiTx final : public core::pki::PkiTx {
 public:
  explicit SqlPkiTx(soci::session& s) : s_(s) {}

  std::optional<CaRecord> find_ca(const std::string& tenant_id, const std::string& ca_id,
                                  bool lock) override {
    return lock ? select_ca(s_, "tca_ca_get_for_update", kSelectCaForUpdate, ca_id, &tenant_id)
                : select_ca(s_, "tca_ca_get", kSelectCa, ca_id, &tenant_id);
  }

  void insert_ca(const CaRecord& ca) override {
    const std::string parent = ca.parent_ca_id.value_or("");
    const std::string subject = core::pki::to_json(ca.cert.subject).dump();
    const std::string issuer = core::pki::to_json(ca.cert.issuer).dump();
    const long long nb = ca.cert.not_before, na = ca.cert.not_after;
    const int pl = ca.cert.path_length.value_or(-1);
    const int ss = ca.cert.self_signed ? 1 : 0;
    const std::string key = to_hex(ca.key_ciphertext);
    const std::string policy = core::pki::to_json(ca.policy).dump();
    long long created = 0;
    try {
      s_ << kInsertCa, soci::use(ca.id), soci::use(ca.tenant_id), soci::use(ca.name),
          soci::use(ca.type), soci::use(parent), soci::use(ca.cert.serial_hex), soci::use(subject),
          soci::use(issuer), soci::use(nb), soci::use(na), soci::use(ca.cert.key_type),
          soci::use(pl), soci::use(ss), soci::use(ca.cert.fingerprint_sha256),
          soci::use(ca.cert.pem), soci::use(key), soci::use(ca.key_kek_id), soci::use(policy),
          soci::into(created);
    } catch (const soci::soci_error& e) {
      if (is_unique_violation(e))
        core::throw_conflict("A CA named '" + ca.name + "' already exists in this tenant.");
      throw;
    }
    s_ << kInsertCrlRow, soci::use(ca.id);
  }

  std::vector<CaRecord> lock_all_cas() override {
    std::vector<CaRecord> out;
    auto r = exec_params(s_, kAllCasForUpdate, {}, false);
    out.reserve(static_cast<std::size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(ca_from(PgRow(r.get(), i)));
    return out;
  }
  void update_ca_key(const CaRecord& ca) override {
    const std::string key = to_hex(ca.key_ciphertext);
    s_ << kUpdateCaKey, soci::use(key), soci::use(ca.key_kek_id), soci::use(ca.id);
  }

  void update_ca(const CaRecord& ca) override {
    const std::string policy = core::pki::to_json(ca.policy).dump();
    const int disabled = ca.disabled ? 1 : 0;
    s_ << kUpdateCa, soci::use(policy), soci::use(disabled), soci::use(ca.id),
        soci::use(ca.tenant_id);
  }

  void insert_certificate(const CertRecord& c) override {
    try {
      exec_prepared(s_, "tca_cert_insert", kInsertCert, cert_params(c));
    } catch (const soci::soci_error& e) {
      if (is_unique_violation(e))
        core::throw_conflict("This certificate is already in the inventory.");
      throw;
    }
  }

  std::optional<CertRecord> find_certificate(const std::string& tenant_id, const std::string& id,
                                             bool lock) override {
    return select_certificate(s_, lock ? kSelectCertForUpdate : kSelectCert, id, tenant_id);
  }

  void mark_revoked(const std::string& tenant_id, const std::string& id, int64_t at,
                    core::pki::RevocationReason reason) override {
    const long long t = at;
    const std::string name = core::pki::revocation_reason_name(reason);
    s_ << kRevokeCert, soci::use(t), soci::use(name), soci::use(id), soci::use(tenant_id);
  }

  void invalidate_crl(const std::string& ca_id) override { s_ << kInvalidateCrl, soci::use(ca_id); }

  void audit(const core::AuditEvent& event) override { insert_audit(s_, event); }

  core::pki::StoredCrl lock_crl(const std::string& ca_id) override {
    auto r = exec_params(s_, kLockCrl, {{ca_id}}, true);
    if (PQntuples(r.get()) != 1) core::throw_not_found("No such CA.");
    return crl_from(r.get());
  }

  std::vector<core::pki::RevokedEntry> revoked_entries(const std::string& ca_id) override {
    std::vector<core::pki::RevokedEntry> out;
    std::string all;
    s_ << kRevokedEntries, soci::use(ca_id), soci::into(all);
    std::size_t pos = 0;
    while (pos < all.size()) {
      std::size_t end = all.find('\n', pos);
      if (end == std::string::npos) end = all.size();
      const std::size_t a = all.find(' ', pos), b = all.find(' ', a + 1);
      if (a < end && b < end) {
        out.push_back({all.substr(pos, a - pos), std::stoll(all.substr(a + 1, b - a - 1)),
                       core::pki::parse_revocation_reason(all.substr(b + 1, end - b - 1))
                           .value_or(core::pki::RevocationReason::unspecified)});
      }
      pos = end + 1;
    }
    return out;
  }

  void store_crl(const std::string& ca_id, const core::pki::StoredCrl& crl,
                 int64_t this_update) override {
    exec_params(s_, kStoreCrl,
                {{std::to_string(crl.crl_number)},
                 {crl.der, true},
                 {std::to_string(this_update)},
                 {std::to_string(crl.next_update)},
                 {ca_id}},
                false);
  }

 private:
  soci::session& s_;
};

}  // namespace

void SqlPkiStore::transact(const char* what, const std::function<void(core::pki::PkiTx&)>& work) {
  db_.in_transaction(what, [&](soci::session& s) {
    SqlPkiTx tx(s);
    work(tx);
  });
}

std::optional<CaRecord> SqlPkiStore::find_ca(const std::string& tenant_id,
                                             const std::string& ca_id) {
  std::optional<CaRecord> out;
  db_.with_session("cas.get_for_issuance", [&](soci::session& s) {
    out = select_ca(s, "tca_ca_get", kSelectCa, ca_id, &tenant_id);
  });
  return out;
}

void SqlPkiStore::insert_issued(const CertRecord& cert, const core::AuditEvent& event) {
  auto params = cert_params(cert);
  for (const std::string* p : {&event.id, &event.actor_key_id, &event.action, &event.target_type,
                               &event.target_id, &event.request_id, &event.detail_json}) {
    params.push_back(*p);
  }
  try {
    db_.with_session("certificates.issue", [&](soci::session& s) {
      exec_prepared(s, "tca_cert_issue", kIssueCert, params);
    });
  } catch (const soci::soci_error& e) {
    if (is_unique_violation(e))
      core::throw_conflict("This certificate is already in the inventory.");
    throw;
  }
}

std::optional<CaRecord> SqlPkiStore::find_ca_public(const std::string& ca_id) {
  std::optional<CaRecord> out;
  db_.read(
      "cas.get_public",
      [&](soci::session& s) {
        out = select_ca(s, "tca_ca_get_public", kSelectCaPublic, ca_id, nullptr);
      },
      [&] { return out.has_value(); });
  return out;
}

std::optional<core::pki::StoredCrl> SqlPkiStore::stored_crl(const std::string& ca_id) {
  std::optional<core::pki::StoredCrl> out;
  db_.read(
      "crl.get",
      [&](soci::session& s) {
        out.reset();
        auto r = exec_params(s, kSelectCrl, {{ca_id}}, true);
        if (PQntuples(r.get()) == 1) out = crl_from(r.get());
      },
      [&] { return out.has_value(); });
  return out;
}

std::optional<core::pki::StoredCrl> SqlPkiStore::crl_state(const std::string& ca_id) {
  std::optional<core::pki::StoredCrl> out;
  db_.read(
      "crl.state",
      [&](soci::session& s) {
        out.reset();
        soci::row r;
        s << kCrlState, soci::use(ca_id), soci::into(r);
        if (!s.got_data()) return;
        core::pki::StoredCrl c;
        c.crl_number = r.get<long long>(0);
        c.next_update = r.get<long long>(1);
        c.valid = r.get<int>(2) != 0;
        out = c;
      },
      [&] { return out.has_value(); });
  return out;
}

core::pki::OcspStatus SqlPkiStore::certificate_status(const std::string& ca_id,
                                                      const std::string& serial_hex, int64_t) {
  core::pki::OcspStatus out;
  db_.read(
      "ocsp.status",
      [&](soci::session& s) {
        out = core::pki::OcspStatus{};
        auto r = exec_prepared(s, "tca_ocsp_status", kStatusBySerial, {ca_id, serial_hex});
        if (PQntuples(r.get()) != 1) return;  // never issued by this CA: unknown
        const long long revoked_at = std::strtoll(PQgetvalue(r.get(), 0, 0), nullptr, 10);
        if (revoked_at >= 0) {
          out.kind = core::pki::OcspStatus::Kind::revoked;
          out.revoked_at = revoked_at;
          out.reason = core::pki::parse_revocation_reason(PQgetvalue(r.get(), 0, 1))
                           .value_or(core::pki::RevocationReason::unspecified);
        } else {
          // An expired certificate is still "good" in OCSP terms (RFC 6960 2.2): not revoked.
          out.kind = core::pki::OcspStatus::Kind::good;
        }
      },
      [&] { return out.kind != core::pki::OcspStatus::Kind::unknown; });
  return out;
}

std::optional<CaRecord> find_ca(Database& db, const std::string& tenant_id,
                                const std::string& ca_id) {
  std::optional<CaRecord> out;
  db.read(
      "cas.get",
      [&](soci::session& s) { out = select_ca(s, "tca_ca_get", kSelectCa, ca_id, &tenant_id); },
      [&] { return out.has_value(); });
  return out;
}

core::Page<CaRecord> list_cas(Database& db, const std::string& tenant_id,
                              const core::PageRequest& page) {
  std::vector<CaRecord> rows;
  db.read("cas.list", [&](soci::session& s) {
    rows.clear();
    const long long micros = core::bound_micros(page);
    const std::string aid = core::bound_id(page);
    const int lim = page.limit + 1;
    auto r = exec_params(
        s, kListCas, {{tenant_id}, {std::to_string(micros)}, {aid}, {std::to_string(lim)}}, false);
    for (int i = 0; i < PQntuples(r.get()); ++i) rows.push_back(ca_from(PgRow(r.get(), i)));
  });
  return core::make_page(std::move(rows), page.limit, [](const CaRecord& c) {
    return std::pair<int64_t, std::string>(c.created_us, c.id);
  });
}

std::optional<CertRecord> find_certificate(Database& db, const std::string& tenant_id,
                                           const std::string& id) {
  std::optional<CertRecord> out;
  db.read(
      "certificates.get",
      [&](soci::session& s) { out = select_certificate(s, kSelectCert, id, tenant_id); },
      [&] { return out.has_value(); });
  return out;
}

core::Page<CertRecord> list_certificates(Database& db, const std::string& tenant_id,
                                         const CertificateFilter& f, const core::PageRequest& page,
                                         int64_t now) {
  std::vector<CertRecord> rows;
  db.read("certificates.list", [&](soci::session& s) {
    rows.clear();
    const long long micros = core::bound_micros(page);
    const std::string aid = core::bound_id(page);
    const int lim = page.limit + 1;
    const long long n = now;
    const int exp = f.expiring_within_days;
    auto r = exec_params(s, f.dns_name.empty() ? kListCerts : kListCertsByDnsName,
                         {{tenant_id},
                          {f.ca_id},
                          {f.status},
                          {std::to_string(n)},
                          {std::to_string(exp)},
                          {f.common_name},
                          {f.dns_name},
                          {f.serial},
                          {std::to_string(micros)},
                          {aid},
                          {std::to_string(lim)}},
                         false);
    for (int i = 0; i < PQntuples(r.get()); ++i) rows.push_back(cert_from(PgRow(r.get(), i)));
  });
  return core::make_page(std::move(rows), page.limit, [](const CertRecord& c) {
    return std::pair<int64_t, std::string>(c.created_us, c.id);
  });
}

core::Page<CaRecord> SqlPkiStore::list_cas(const std::string& tenant_id,
                                           const core::PageRequest& page) {
  return db::list_cas(db_, tenant_id, page);
}

std::optional<CaRecord> SqlPkiStore::get_ca(const std::string& tenant_id,
                                            const std::string& ca_id) {
  return db::find_ca(db_, tenant_id, ca_id);
}

core::Page<CertRecord> SqlPkiStore::list_certificates(const std::string& tenant_id,
                                                      const core::pki::CertificateFilter& filter,
                                                      const core::PageRequest& page, int64_t now) {
  return db::list_certificates(db_, tenant_id, filter, page, now);
}

std::optional<CertRecord> SqlPkiStore::get_certificate(const std::string& tenant_id,
                                                       const std::string& id) {
  return db::find_certificate(db_, tenant_id, id);
}

std::vector<CaRecord> SqlPkiStore::all_cas() {
  std::vector<CaRecord> out;
  db_.with_session("cas.all", [&](soci::session& s) {
    out.clear();
    auto r = exec_params(s, kAllCas, {}, false);
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(ca_from(PgRow(r.get(), i)));
  });
  return out;
}

}  // namespace tenantca::db
