#pragma once
// What the PKI service needs from storage, as an interface: db/ implements
// it on PostgreSQL; core stays free of SQL.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/pagination.hpp"
#include "core/pki/model.hpp"
#include "core/pki/revocation.hpp"
#include "core/tenancy.hpp"

namespace tenantca::core::pki {

struct StoredCrl {
  std::string der;
  int64_t crl_number = 0;
  int64_t next_update = 0;
  bool valid = false;  // false once a revocation made it stale
};

// One database transaction; every method that takes tenant_id filters on it.
class PkiTx {
 public:
  virtual ~PkiTx() = default;
  virtual std::optional<CaRecord> find_ca(const std::string& tenant_id, const std::string& ca_id,
                                          bool lock) = 0;
  virtual void insert_ca(const CaRecord& ca) = 0;  // DomainError conflict on a duplicate name
  virtual void update_ca(const CaRecord& ca) = 0;  // policy and disabled
  virtual void insert_certificate(
      const CertRecord& cert) = 0;  // DomainError conflict on a duplicate
  virtual std::optional<CertRecord> find_certificate(const std::string& tenant_id,
                                                     const std::string& id, bool lock) = 0;
  virtual void mark_revoked(const std::string& tenant_id, const std::string& id, int64_t at,
                            RevocationReason reason) = 0;
  virtual void invalidate_crl(const std::string& ca_id) = 0;
  virtual void audit(const AuditEvent& event) = 0;
  // CRL regeneration, serialized per CA by a row lock.
  virtual StoredCrl lock_crl(const std::string& ca_id) = 0;
  virtual std::vector<RevokedEntry> revoked_entries(const std::string& ca_id) = 0;
  virtual void store_crl(const std::string& ca_id, const StoredCrl& crl, int64_t this_update) = 0;
  // KEK rotation (every tenant's CAs, locked): each CA's sealed key, and re-sealing one.
  virtual std::vector<CaRecord> lock_all_cas() = 0;
  virtual void update_ca_key(const CaRecord& ca) = 0;  // key_ciphertext and key_kek_id
};

// The inventory filters of GET /api/v1/certificates.
struct CertificateFilter {
  std::string ca_id;   // empty: any
  std::string status;  // "", valid, revoked, expired
  int expiring_within_days = -1;
  std::string common_name;
  std::string dns_name;
  std::string serial;  // lowercase hex without leading zeros
};

class PkiStore {
 public:
  // Every CA of every tenant (the start-time check that each key unseals).
  virtual std::vector<CaRecord> all_cas() = 0;
  // Tenant-scoped inventory reads (lag-tolerant: a read replica may answer).
  virtual Page<CaRecord> list_cas(const std::string& tenant_id, const PageRequest& page) = 0;
  virtual std::optional<CaRecord> get_ca(const std::string& tenant_id,
                                         const std::string& ca_id) = 0;
  virtual Page<CertRecord> list_certificates(const std::string& tenant_id,
                                             const CertificateFilter& filter,
                                             const PageRequest& page, int64_t now) = 0;
  virtual std::optional<CertRecord> get_certificate(const std::string& tenant_id,
                                                    const std::string& id) = 0;

  virtual ~PkiStore() = default;
  virtual void transact(const char* what, const std::function<void(PkiTx&)>& work) = 0;
  // Public endpoints: a CA by id alone (ids are unguessable UUIDs).
  virtual std::optional<CaRecord> find_ca_public(const std::string& ca_id) = 0;
  virtual std::optional<StoredCrl> stored_crl(const std::string& ca_id) = 0;
  // The same without the DER bytes: enough to tell whether a cached copy is current.
  virtual std::optional<StoredCrl> crl_state(const std::string& ca_id) = 0;
  virtual OcspStatus certificate_status(const std::string& ca_id, const std::string& serial_hex,
                                        int64_t now) = 0;
  // Issuance, the hot write: the tenant's CA (from the primary), then the
  // certificate and its audit event stored atomically, only if the CA still
  // has `ca_revision` (false: it changed, nothing was stored). DomainError
  // conflict on a duplicate.
  virtual std::optional<CaRecord> find_ca(const std::string& tenant_id,
                                          const std::string& ca_id) = 0;
  virtual bool insert_issued(const CertRecord& cert, const AuditEvent& event,
                             int64_t ca_revision) = 0;
};

}  // namespace tenantca::core::pki
