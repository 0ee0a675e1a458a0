#include "db/pki_store.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/pki/json.hpp"
#include "core/random.hpp"
#include "db/certificate_sql.hpp"
#include "db/statement.hpp"
#include "db/tenancy_store.hpp"

namespace tenantca::db {
namespace {

using core::pki::CaRecord;
using core::pki::CertRecord;

// ---- SQL ---------------------------------------------------------------
#define CA_COLUMNS                                                                          \
  "id::text, tenant_id::text, name, type, coalesce(parent_ca_id::text, ''), serial, "       \
  "subject::text, "                                                                         \
  "issuer::text, floor(extract(epoch FROM not_before))::bigint, floor(extract(epoch FROM "  \
  "not_after))::bigint, "                                                                   \
  "key_type, coalesce(path_length, -1), self_signed, fingerprint_sha256, certificate_pem, " \
  "encode(key_ciphertext, 'hex'), key_kek_id, policy::text, disabled, "                     \
  "(extract(epoch FROM created_at) * 1000000)::bigint, revision, acme::text"

#define CERT_COLUMNS                                                                               \
  "id::text, tenant_id::text, coalesce(ca_id::text, ''), source, serial, subject::text, "          \
  "issuer::text, "                                                                                 \
  "sans::text, floor(extract(epoch FROM not_before))::bigint, floor(extract(epoch FROM "           \
  "not_after))::bigint, "                                                                          \
  "key_type, fingerprint_sha256, certificate_pem, chain_pem, "                                     \
  "coalesce(floor(extract(epoch FROM revoked_at))::bigint, -1), coalesce(revocation_reason, ''), " \
  "(extract(epoch FROM created_at) * 1000000)::bigint"

// Lookups by primary key are prepared once per connection (a generic plan
// is right for them); the filtered lists are planned per call with the
// actual values.
constexpr Sql kSelectCa{
    "cas.get", "SELECT " CA_COLUMNS " FROM cas WHERE id = $1::uuid AND tenant_id = $2::uuid", true};
constexpr Sql kSelectCaForUpdate{
    "cas.get_for_update",
    "SELECT " CA_COLUMNS " FROM cas WHERE id = $1::uuid AND tenant_id = $2::uuid FOR UPDATE", true};
// Public endpoints address a CA by its unguessable id alone.
constexpr Sql kSelectCaPublic{"cas.get_public",
                              "SELECT " CA_COLUMNS " FROM cas WHERE id = $1::uuid", true};
constexpr Sql kListCas{"cas.list", "SELECT " CA_COLUMNS
                                   " FROM cas WHERE tenant_id = $1::uuid "
                                   "AND (created_at, id) < (timestamptz 'epoch' + $2::bigint * "
                                   "interval '1 microsecond', $3::uuid) "
                                   "ORDER BY created_at DESC, id DESC LIMIT $4::int"};
constexpr Sql kInsertCa{
    "cas.insert",
    "INSERT INTO cas (id, tenant_id, name, type, parent_ca_id, serial, subject, issuer, "
    "not_before, not_after, key_type, path_length, self_signed, fingerprint_sha256, "
    "certificate_pem, key_ciphertext, key_kek_id, policy) "
    "VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid, $6, $7::jsonb, $8::jsonb, "
    "to_timestamp($9::bigint), to_timestamp($10::bigint), $11, $12::int, $13::boolean, $14, $15, "
    "$16::bytea, $17, $18::jsonb)"};
constexpr Sql kInsertCrlRow{"ca_crls.insert", "INSERT INTO ca_crls (ca_id) VALUES ($1::uuid)"};
constexpr Sql kAllCas{"cas.all", "SELECT " CA_COLUMNS " FROM cas ORDER BY created_at"};
constexpr Sql kAllCasForUpdate{"cas.all_for_update",
                               "SELECT " CA_COLUMNS " FROM cas ORDER BY created_at FOR UPDATE"};
constexpr Sql kUpdateCaKey{
    "cas.update_key",
    "UPDATE cas SET key_ciphertext = $1::bytea, key_kek_id = $2 WHERE id = $3::uuid"};
constexpr Sql kUpdateCa{
    "cas.update",
    "UPDATE cas SET policy = $1::jsonb, disabled = $2::boolean, acme = $5::jsonb "
    "WHERE id = $3::uuid AND tenant_id = $4::uuid"};

constexpr Sql kSelectCert{
    "certificates.get",
    "SELECT " CERT_COLUMNS " FROM certificates WHERE id = $1::uuid AND tenant_id = $2::uuid", true};
constexpr Sql kSelectCertForUpdate{
    "certificates.get_for_update",
    "SELECT " CERT_COLUMNS
    " FROM certificates WHERE id = $1::uuid AND tenant_id = $2::uuid FOR UPDATE",
    true};
constexpr Sql kRevokeCert{
    "certificates.revoke",
    "UPDATE certificates SET revoked_at = to_timestamp($1::bigint), revocation_reason = $2 "
    "WHERE id = $3::uuid AND tenant_id = $4::uuid AND revoked_at IS NULL"};
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
constexpr Sql kListCerts{
    "certificates.list",
    "SELECT " CERT_COLUMNS
    " FROM certificates WHERE tenant_id = $1::uuid AND $7 = '' " CERT_LIST_FILTERS};
// With a DNS name the planner underestimates how rare a name is and walks
// the tenant's whole list in order (70 ms at 200k); the GIN index first,
// then the rest, is ~0.1 ms.
constexpr Sql kListCertsByDnsName{
    "certificates.list_by_dns_name",
    "WITH named AS MATERIALIZED (SELECT id FROM certificates WHERE dns_names @> ARRAY[$7::text]) "
    "SELECT " CERT_COLUMNS
    " FROM certificates WHERE tenant_id = $1::uuid AND id IN (SELECT id FROM "
    "named) " CERT_LIST_FILTERS};

constexpr Sql kInvalidateCrl{"ca_crls.invalidate",
                             "UPDATE ca_crls SET valid = false WHERE ca_id = $1::uuid"};
// CRL rows come back in binary (ResultFormat::binary): numbers are cast to
// text, the DER is raw bytea.
#define CRL_COLUMNS                                                                       \
  "crl_number::text, coalesce(floor(extract(epoch FROM next_update))::bigint, 0)::text, " \
  "valid::int::text, coalesce(der, ''::bytea)"
constexpr Sql kLockCrl{"ca_crls.lock",
                       "SELECT " CRL_COLUMNS " FROM ca_crls WHERE ca_id = $1::uuid FOR UPDATE"};
constexpr Sql kSelectCrl{"ca_crls.get",
                         "SELECT " CRL_COLUMNS " FROM ca_crls WHERE ca_id = $1::uuid"};
constexpr Sql kCrlState{
    "ca_crls.state",
    "SELECT crl_number, coalesce(floor(extract(epoch FROM next_update))::bigint, "
    "0), (valid AND der IS NOT NULL) FROM ca_crls WHERE ca_id = $1::uuid"};
constexpr Sql kStoreCrl{
    "ca_crls.store",
    "UPDATE ca_crls SET crl_number = $1::bigint, der = $2::bytea, "
    "this_update = to_timestamp($3::bigint), "
    "next_update = to_timestamp($4::bigint), valid = true WHERE ca_id = $5::uuid"};
// One row for the whole list: fetching 100k rows one by one costs more than
// building the CRL.
constexpr Sql kRevokedEntries{
    "certificates.revoked_entries",
    "SELECT coalesce(string_agg(serial || ' ' || floor(extract(epoch FROM revoked_at))::bigint || "
    "' ' || revocation_reason, E'\\n'), '') FROM certificates WHERE ca_id = $1::uuid AND "
    "revoked_at IS NOT NULL"};
// OCSP answers this once per request: prepared.
constexpr Sql kStatusBySerial{"certificates.status_by_serial",
                              "SELECT coalesce(floor(extract(epoch FROM revoked_at))::bigint, -1), "
                              "coalesce(revocation_reason, '') "
                              "FROM certificates WHERE ca_id = $1::uuid AND serial = $2",
                              true};

// ---- mapping ---------------------------------------------------------------
// PostgreSQL's encode(..., 'hex') output: trusted, lower case, even length.
std::string from_hex(const std::string& hex) {
  const auto digit = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(digit(hex[2 * i]) * 16 + digit(hex[2 * i + 1]));
  }
  return out;
}

CaRecord ca_from(const Row& r) {
  CaRecord c;
  c.id = r.text(0);
  c.tenant_id = r.text(1);
  c.name = r.text(2);
  c.type = r.text(3);
  if (auto p = r.text(4); !p.empty()) c.parent_ca_id = p;
  c.cert.serial_hex = r.text(5);
  c.cert.subject = core::pki::subject_from_json(nlohmann::json::parse(r.text(6)));
  c.cert.issuer = core::pki::subject_from_json(nlohmann::json::parse(r.text(7)));
  c.cert.not_before = r.int64(8);
  c.cert.not_after = r.int64(9);
  c.cert.key_type = r.text(10);
  if (int pl = r.int32(11); pl >= 0) c.cert.path_length = pl;
  c.cert.is_ca = true;
  c.cert.self_signed = r.flag(12);
  c.cert.fingerprint_sha256 = r.text(13);
  c.cert.pem = r.text(14);
  c.key_ciphertext = from_hex(r.text(15));
  c.key_kek_id = r.text(16);
  c.policy = core::pki::policy_from_json(nlohmann::json::parse(r.text(17)));
  c.disabled = r.flag(18);
  c.created_us = r.int64(19);
  c.revision = r.int64(20);
  c.acme = core::pki::acme_settings_from_json(nlohmann::json::parse(r.text(21)));
  return c;
}

CertRecord cert_from(const Row& r) {
  CertRecord c;
  c.id = r.text(0);
  c.tenant_id = r.text(1);
  if (auto ca = r.text(2); !ca.empty()) c.ca_id = ca;
  c.source = r.text(3);
  c.cert.serial_hex = r.text(4);
  c.cert.subject = core::pki::subject_from_json(nlohmann::json::parse(r.text(5)));
  c.cert.issuer = core::pki::subject_from_json(nlohmann::json::parse(r.text(6)));
  c.cert.sans = core::pki::sans_from_json(nlohmann::json::parse(r.text(7)));
  c.cert.not_before = r.int64(8);
  c.cert.not_after = r.int64(9);
  c.cert.key_type = r.text(10);
  c.cert.fingerprint_sha256 = r.text(11);
  c.cert.pem = r.text(12);
  c.chain_pem = r.text(13);
  if (int64_t at = r.int64(14); at >= 0) {
    c.revoked_at = at;
    c.revocation_reason = core::pki::parse_revocation_reason(r.text(15));
  }
  c.created_us = r.int64(16);
  return c;
}

// From a binary result (CRL_COLUMNS).
core::pki::StoredCrl crl_from(const Row& r) {
  core::pki::StoredCrl c;
  c.crl_number = std::stoll(r.text(0));
  c.next_update = std::stoll(r.text(1));
  c.der = r.text(3);
  c.valid = r.text(2) == "1" && !c.der.empty();
  return c;
}

// "serial epoch reason" lines of kRevokedEntries.
std::vector<core::pki::RevokedEntry> parse_revoked_entries(const std::string& all) {
  std::vector<core::pki::RevokedEntry> out;
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

std::optional<CaRecord> select_ca(soci::session& s, const std::string& tenant_id,
                                  const std::string& ca_id) {
  return run(s, kSelectCa, {ca_id, tenant_id}).map_first(ca_from);
}

class SqlPkiTx final : public core::pki::PkiTx {
 public:
  explicit SqlPkiTx(soci::session& s) : s_(s) {}

  std::optional<CaRecord> find_ca(const std::string& tenant_id, const std::string& ca_id,
                                  bool lock) override {
    return run(s_, lock ? kSelectCaForUpdate : kSelectCa, {ca_id, tenant_id}).map_first(ca_from);
  }

  void insert_ca(const CaRecord& ca) override {
    const auto pl = ca.cert.path_length;
    try {
      run(s_, kInsertCa,
          {ca.id, ca.tenant_id, ca.name, ca.type, ca.parent_ca_id, ca.cert.serial_hex,
           core::pki::to_json(ca.cert.subject).dump(), core::pki::to_json(ca.cert.issuer).dump(),
           ca.cert.not_before, ca.cert.not_after, ca.cert.key_type,
           pl ? Param(*pl) : Param(std::optional<std::string>()), ca.cert.self_signed,
           ca.cert.fingerprint_sha256, ca.cert.pem, Param::bytes(ca.key_ciphertext), ca.key_kek_id,
           core::pki::to_json(ca.policy).dump()});
    } catch (const DbError& e) {
      if (is_unique_violation(e))
        core::throw_conflict("A CA named '" + ca.name + "' already exists in this tenant.");
      throw;
    }
    run(s_, kInsertCrlRow, {ca.id});
  }

  std::vector<CaRecord> lock_all_cas() override {
    return run(s_, kAllCasForUpdate).map_rows(ca_from);
  }
  void update_ca_key(const CaRecord& ca) override {
    run(s_, kUpdateCaKey, {Param::bytes(ca.key_ciphertext), ca.key_kek_id, ca.id});
  }

  void update_ca(const CaRecord& ca) override {
    run(s_, kUpdateCa,
        {core::pki::to_json(ca.policy).dump(), ca.disabled, ca.id, ca.tenant_id,
         core::pki::to_json(ca.acme).dump()});
  }

  void insert_certificate(const CertRecord& c) override {
    try {
      run(s_, kInsertCertificate, certificate_params(c));
    } catch (const DbError& e) {
      if (is_unique_violation(e))
        core::throw_conflict("This certificate is already in the inventory.");
      throw;
    }
  }

  std::optional<CertRecord> find_certificate(const std::string& tenant_id, const std::string& id,
                                             bool lock) override {
    return run(s_, lock ? kSelectCertForUpdate : kSelectCert, {id, tenant_id}).map_first(cert_from);
  }

  void mark_revoked(const std::string& tenant_id, const std::string& id, int64_t at,
                    core::pki::RevocationReason reason) override {
    run(s_, kRevokeCert, {at, core::pki::revocation_reason_name(reason), id, tenant_id});
  }

  void invalidate_crl(const std::string& ca_id) override { run(s_, kInvalidateCrl, {ca_id}); }

  void audit(const core::AuditEvent& event) override { insert_audit(s_, event); }

  core::pki::StoredCrl lock_crl(const std::string& ca_id) override {
    auto crl = run(s_, kLockCrl, {ca_id}, ResultFormat::binary).map_first(crl_from);
    if (!crl) core::throw_not_found("No such CA.");
    return *crl;
  }

  std::vector<core::pki::RevokedEntry> revoked_entries(const std::string& ca_id) override {
    return parse_revoked_entries(run(s_, kRevokedEntries, {ca_id}).row(0).text(0));
  }

  void store_crl(const std::string& ca_id, const core::pki::StoredCrl& crl,
                 int64_t this_update) override {
    run(s_, kStoreCrl,
        {crl.crl_number, Param::bytes(crl.der), this_update, crl.next_update, ca_id});
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
  db_.with_session("cas.get_for_issuance",
                   [&](soci::session& s) { out = select_ca(s, tenant_id, ca_id); });
  return out;
}

bool SqlPkiStore::insert_issued(const CertRecord& cert, const core::AuditEvent& event,
                                int64_t ca_revision) {
  return writer_.write(cert, event, ca_revision);
}

std::optional<CaRecord> SqlPkiStore::find_ca_public(const std::string& ca_id) {
  std::optional<CaRecord> out;
  db_.read(
      "cas.get_public",
      [&](soci::session& s) { out = run(s, kSelectCaPublic, {ca_id}).map_first(ca_from); },
      [&] { return out.has_value(); });
  return out;
}

std::optional<core::pki::StoredCrl> SqlPkiStore::stored_crl(const std::string& ca_id) {
  std::optional<core::pki::StoredCrl> out;
  db_.read(
      "crl.get",
      [&](soci::session& s) {
        out = run(s, kSelectCrl, {ca_id}, ResultFormat::binary).map_first(crl_from);
      },
      [&] { return out.has_value(); });
  return out;
}

std::optional<core::pki::StoredCrl> SqlPkiStore::crl_state(const std::string& ca_id) {
  std::optional<core::pki::StoredCrl> out;
  db_.read(
      "crl.state",
      [&](soci::session& s) {
        out = run(s, kCrlState, {ca_id}).map_first([](const Row& r) {
          core::pki::StoredCrl c;
          c.crl_number = r.int64(0);
          c.next_update = r.int64(1);
          c.valid = r.flag(2);
          return c;
        });
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
        const auto r = run(s, kStatusBySerial, {ca_id, serial_hex});
        if (r.empty()) return;  // never issued by this CA: unknown
        const int64_t revoked_at = r.row(0).int64(0);
        if (revoked_at >= 0) {
          out.kind = core::pki::OcspStatus::Kind::revoked;
          out.revoked_at = revoked_at;
          out.reason = core::pki::parse_revocation_reason(r.row(0).text(1))
                           .value_or(core::pki::RevocationReason::unspecified);
        } else {
          // An expired certificate is still "good" in OCSP terms (RFC 6960 2.2): not revoked.
          out.kind = core::pki::OcspStatus::Kind::good;
        }
      },
      [&] { return out.kind != core::pki::OcspStatus::Kind::unknown; });
  return out;
}

core::Page<CaRecord> SqlPkiStore::list_cas(const std::string& tenant_id,
                                           const core::PageRequest& page) {
  std::vector<CaRecord> rows;
  db_.read("cas.list", [&](soci::session& s) {
    rows = run(s, kListCas, page_params({tenant_id}, page)).map_rows(ca_from);
  });
  return core::make_page(std::move(rows), page.limit, [](const CaRecord& c) {
    return std::pair<int64_t, std::string>(c.created_us, c.id);
  });
}

std::optional<CaRecord> SqlPkiStore::get_ca(const std::string& tenant_id,
                                            const std::string& ca_id) {
  std::optional<CaRecord> out;
  db_.read(
      "cas.get", [&](soci::session& s) { out = select_ca(s, tenant_id, ca_id); },
      [&] { return out.has_value(); });
  return out;
}

core::Page<CertRecord> SqlPkiStore::list_certificates(const std::string& tenant_id,
                                                      const core::pki::CertificateFilter& f,
                                                      const core::PageRequest& page, int64_t now) {
  std::vector<CertRecord> rows;
  db_.read("certificates.list", [&](soci::session& s) {
    rows = run(s, f.dns_name.empty() ? kListCerts : kListCertsByDnsName,
               page_params({tenant_id, f.ca_id, f.status, now, f.expiring_within_days,
                            f.common_name, f.dns_name, f.serial},
                           page))
               .map_rows(cert_from);
  });
  return core::make_page(std::move(rows), page.limit, [](const CertRecord& c) {
    return std::pair<int64_t, std::string>(c.created_us, c.id);
  });
}

std::optional<CertRecord> SqlPkiStore::get_certificate(const std::string& tenant_id,
                                                       const std::string& id) {
  std::optional<CertRecord> out;
  db_.read(
      "certificates.get",
      [&](soci::session& s) {
        out = run(s, kSelectCert, {id, tenant_id}).map_first(cert_from);
      },
      [&] { return out.has_value(); });
  return out;
}

std::vector<CaRecord> SqlPkiStore::all_cas() {
  std::vector<CaRecord> out;
  db_.with_session("cas.all", [&](soci::session& s) { out = run(s, kAllCas).map_rows(ca_from); });
  return out;
}

}  // namespace tenantca::db
