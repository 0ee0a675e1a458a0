#pragma once
// An in-memory PkiStore for service tests: the same contract as db/'s, no SQL.
#include <map>

#include "core/errors.hpp"
#include "core/pki/store.hpp"

namespace tenantca::test {

class FakePkiStore final : public core::pki::PkiStore, private core::pki::PkiTx {
 public:
  std::map<std::string, core::pki::CaRecord> cas;
  std::map<std::string, core::pki::CertRecord> certs;
  std::vector<core::AuditEvent> audit_events;

  void transact(const char*, const std::function<void(core::pki::PkiTx&)>& work) override {
    // All or nothing, like a transaction.
    auto cas_before = cas;
    auto certs_before = certs;
    auto audit_before = audit_events;
    try {
      work(*this);
    } catch (...) {
      cas = cas_before;
      certs = certs_before;
      audit_events = audit_before;
      throw;
    }
  }
  std::optional<core::pki::CaRecord> find_ca_public(const std::string& id) override {
    auto it = cas.find(id);
    return it == cas.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<core::pki::StoredCrl> stored_crl(const std::string&) override {
    return std::nullopt;
  }
  std::optional<core::pki::StoredCrl> crl_state(const std::string&) override {
    return std::nullopt;
  }
  core::pki::OcspStatus certificate_status(const std::string& ca_id, const std::string& serial,
                                           int64_t) override {
    ++status_reads;
    core::pki::OcspStatus st;
    for (const auto& [id, c] : certs) {
      if (c.ca_id != ca_id || c.cert.serial_hex != serial) continue;
      st.kind =
          c.revoked_at ? core::pki::OcspStatus::Kind::revoked : core::pki::OcspStatus::Kind::good;
      if (c.revoked_at) st.revoked_at = *c.revoked_at;
    }
    return st;
  }
  int status_reads = 0;
  std::optional<core::pki::CaRecord> find_ca(const std::string& tenant,
                                             const std::string& id) override {
    return find_ca(tenant, id, false);
  }
  core::Page<core::pki::CaRecord> list_cas(const std::string& tenant,
                                           const core::PageRequest&) override {
    core::Page<core::pki::CaRecord> p;
    for (const auto& [id, ca] : cas) {
      if (ca.tenant_id == tenant) p.items.push_back(ca);
    }
    return p;
  }
  std::optional<core::pki::CaRecord> get_ca(const std::string& tenant,
                                            const std::string& id) override {
    return find_ca(tenant, id, false);
  }
  core::Page<core::pki::CertRecord> list_certificates(const std::string& tenant,
                                                      const core::pki::CertificateFilter&,
                                                      const core::PageRequest&, int64_t) override {
    core::Page<core::pki::CertRecord> p;
    for (const auto& [id, c] : certs) {
      if (c.tenant_id == tenant) p.items.push_back(c);
    }
    return p;
  }
  std::optional<core::pki::CertRecord> get_certificate(const std::string& tenant,
                                                       const std::string& id) override {
    return find_certificate(tenant, id, false);
  }
  std::vector<core::pki::CaRecord> all_cas() override {
    std::vector<core::pki::CaRecord> out;
    for (const auto& [id, ca] : cas) out.push_back(ca);
    return out;
  }
  bool insert_issued(const core::pki::CertRecord& cert, const core::AuditEvent& event,
                     int64_t ca_revision) override {
    auto ca = cas.find(cert.ca_id.value_or(""));
    if (ca == cas.end() || ca->second.revision != ca_revision) return false;
    certs[cert.id] = cert;
    audit_events.push_back(event);
    return true;
  }

 private:
  std::optional<core::pki::CaRecord> find_ca(const std::string& tenant, const std::string& id,
                                             bool) override {
    auto it = cas.find(id);
    if (it == cas.end() || it->second.tenant_id != tenant) return std::nullopt;
    return it->second;
  }
  // Like the database's trigger: every change bumps the revision.
  void insert_ca(const core::pki::CaRecord& ca) override {
    cas[ca.id] = ca;
    cas[ca.id].revision = 1;
  }
  void update_ca(const core::pki::CaRecord& ca) override { replace_ca(ca); }

 public:
  // A change to the CA, as another worker's would be.
  void replace_ca(const core::pki::CaRecord& ca) {
    const int64_t revision = cas[ca.id].revision;
    cas[ca.id] = ca;
    cas[ca.id].revision = revision + 1;
  }

 private:
  void insert_certificate(const core::pki::CertRecord& cert) override { certs[cert.id] = cert; }
  std::optional<core::pki::CertRecord> find_certificate(const std::string& tenant,
                                                        const std::string& id, bool) override {
    auto it = certs.find(id);
    if (it == certs.end() || it->second.tenant_id != tenant) return std::nullopt;
    return it->second;
  }
  void mark_revoked(const std::string&, const std::string& id, int64_t at,
                    core::pki::RevocationReason reason) override {
    certs[id].revoked_at = at;
    certs[id].revocation_reason = reason;
  }
  void invalidate_crl(const std::string&) override {}
  void audit(const core::AuditEvent& event) override { audit_events.push_back(event); }
  core::pki::StoredCrl lock_crl(const std::string&) override { return {}; }
  std::vector<core::pki::RevokedEntry> revoked_entries(const std::string&) override { return {}; }
  void store_crl(const std::string&, const core::pki::StoredCrl&, int64_t) override {}
  std::vector<core::pki::CaRecord> lock_all_cas() override { return all_cas(); }
  void update_ca_key(const core::pki::CaRecord& ca) override { replace_ca(ca); }
};

class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(int64_t now) : now_(now) {}
  int64_t now_seconds() const override { return now_; }
  void set(int64_t now) { now_ = now; }
  void advance(int64_t seconds) { now_ += seconds; }

 private:
  int64_t now_;
};

}  // namespace tenantca::test
