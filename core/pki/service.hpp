#pragma once
// The PKI use cases: CAs, issuance, import, revocation, renewal, CRL and
// OCSP. Crypto from core/pki, storage behind PkiStore, time from Clock.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/kek.hpp"
#include "core/negative_cache.hpp"
#include "core/pki/ca_material_cache.hpp"
#include "core/pki/ca_record_cache.hpp"
#include "core/pki/model.hpp"
#include "core/pki/ocsp_cache.hpp"
#include "core/pki/ossl.hpp"
#include "core/pki/policy.hpp"
#include "core/pki/revocation_cache.hpp"
#include "core/pki/store.hpp"
#include "core/tenancy.hpp"

namespace tenantca::core::pki {

struct CreateCaRequest {
  std::string name;
  std::string type;  // root | intermediate
  std::optional<std::string> parent_ca_id;
  Subject subject;
  KeySpec key;
  std::optional<int> validity_days;
  std::optional<int> max_path_length;
  PolicyPatch policy;  // over the defaults
};

struct ImportCaRequest {
  std::string name;
  std::string certificate_pem;
  std::string private_key_pem;
  std::string pkcs12_der;  // when given instead of the PEM pair
  std::string password;
  PolicyPatch policy;  // over the defaults; name_constraints cannot be set
};

struct IssueRequest {
  std::string ca_id;
  std::string csr_pem;  // or subject + sans + key
  Subject subject;
  Sans sans;
  std::optional<KeySpec> key;
  std::optional<int> validity_days;
  std::vector<Usage> usages = {Usage::server_auth};
};

struct Issued {
  CertRecord certificate;
  std::string private_key_pem;  // only for server-generated keys; never stored
};

struct ImportCertificateRequest {
  std::string certificate_pem;  // a chain may follow
  std::string pkcs12_der;
  std::string password;
};

struct PkiSettings {
  std::string public_url;
  int64_t crl_validity_seconds = 24 * 3600;
  int64_t ocsp_validity_seconds = 3600;
  RevocationCacheLimits cache_limits{};
};

class PkiService {
 public:
  PkiService(PkiStore& store, const Kek* kek, const Clock& clock, PkiSettings settings);

  CaRecord create_ca(const std::string& tenant_id, CreateCaRequest req, const Actor& actor);
  CaRecord import_ca(const std::string& tenant_id, ImportCaRequest req, const Actor& actor);
  // `policy` is merged into the CA's policy (RFC 7396).
  // ACME settings: `acme` replaces the CA's when given (challenge types
  // checked: http-01, dns-01, tls-alpn-01; at least one when enabled).
  CaRecord update_ca(const std::string& tenant_id, const std::string& ca_id,
                     const PolicyPatch& policy, std::optional<bool> disabled, const Actor& actor,
                     const std::optional<AcmeCaSettings>& acme = std::nullopt);
  Issued issue(const std::string& tenant_id, IssueRequest req, const Actor& actor);
  CertRecord import_certificate(const std::string& tenant_id, const ImportCertificateRequest& req,
                                const Actor& actor);
  CertRecord revoke(const std::string& tenant_id, const std::string& cert_id,
                    RevocationReason reason, const Actor& actor);
  CertRecord renew(const std::string& tenant_id, const std::string& cert_id,
                   std::optional<int> validity_days, const Actor& actor);
  std::string chain_pem(const std::string& tenant_id, const std::string& cert_id);
  // A CA by id for the public endpoints (and ACME), or not_found; unknown ids
  // are remembered briefly.
  CaRecord public_ca(const std::string& ca_id);

  // Inventory reads of a tenant (not_found for an id the tenant does not have).
  Page<CaRecord> list_cas(const std::string& tenant_id, const PageRequest& page) {
    return store_.list_cas(tenant_id, page);
  }
  CaRecord get_ca(const std::string& tenant_id, const std::string& ca_id);
  Page<CertRecord> list_certificates(const std::string& tenant_id, const CertificateFilter& filter,
                                     const PageRequest& page) {
    return store_.list_certificates(tenant_id, filter, page, now());
  }
  CertRecord get_certificate(const std::string& tenant_id, const std::string& id);

  // Public endpoints.
  std::string ca_certificate_der(const std::string& ca_id);
  std::string ca_certificate_pem(const std::string& ca_id);
  std::string crl_der(const std::string& ca_id);
  std::string ocsp(const std::string& ca_id, const std::string& request_der);

  // Change notifications from other workers and instances (ChangeListener):
  // a revocation under `ca_id`, and whether notifications arrive at all
  // (the OCSP answer cache is only used while they do).
  void on_revocation_notice(const std::string& ca_id);
  void set_change_feed(bool listening);

  int64_t now() const { return clock_.now_seconds(); }

  // KEK rotation. Keys sealed under these older KEKs still unseal (kek_ is
  // the current one, used for every new seal).
  void set_previous_keks(std::vector<const Kek*> previous) { previous_keks_ = std::move(previous); }
  // Re-seals every CA key not under the current KEK, in one transaction, with
  // an audit event per CA (actor: the command line's system key). Returns how
  // many were re-sealed.
  int rewrap_ca_keys(const Actor& actor);
  // "tenant-id/name (ca-id): why" for every CA whose key does not unseal
  // with the loaded KEKs; empty when all do.
  std::vector<std::string> unsealable_cas();

  // This worker's OCSP answer cache, for /metrics and tests.
  std::size_t ocsp_cache_entries() { return revocation_.answers().size(); }
  std::size_t ocsp_cache_bytes() { return revocation_.answers().bytes(); }

  // Where server-side leaf keys come from (generate_key by default); a seam
  // for tests that prove nothing is generated for a refused request.
  using KeyGenerator = std::function<EvpPkeyPtr(const KeySpec&)>;
  void set_key_generator(KeyGenerator generator) { generate_leaf_key_ = std::move(generator); }

  // Where the OCSP answer, certificate status and CRL caches count their
  // hits, misses, bypasses and invalidations (/metrics); any may be null.
  void set_cache_stats(CacheStats* ocsp, CacheStats* status, CacheStats* crl) {
    revocation_.answers().set_stats(ocsp);
    revocation_.statuses().set_stats(status);
    revocation_.crls().set_stats(crl);
  }

 private:
  // The CA's parsed certificate and decrypted key (CaMaterialCache).
  std::shared_ptr<const CaMaterial> material(const CaRecord& ca);
  EvpPkeyPtr ca_key(const CaRecord& ca) const;
  // What a leaf will say, after every check of the CA's policy and state;
  // nothing is signed or generated before this passes.
  struct LeafPlan {
    Subject subject;
    Sans sans;
    int64_t not_before = 0;
    int64_t not_after = 0;
    std::vector<Usage> usages;
  };
  LeafPlan plan_leaf(const CaRecord& ca, Subject subject, Sans sans, const KeyFacts& key,
                     std::optional<int> validity_days, std::vector<Usage> usages) const;
  // Builds and signs a planned leaf under `ca`; stores nothing.
  CertRecord sign_leaf(const CaRecord& ca, const LeafPlan& plan, EVP_PKEY* public_key,
                       const X509_PUBKEY* public_key_info);
  // Encrypts `key` under the KEK into ca.key_ciphertext / ca.key_kek_id.
  void seal_key(CaRecord& ca, EVP_PKEY* key) const;
  const Kek& require_kek() const;
  OcspStatus certificate_status(const std::string& ca_id, const std::string& serial, int64_t now);
  // The tenant's CA for issuance: cached, or read afresh (`fresh`), or not_found.
  std::shared_ptr<const CaRecord> issuing_ca(const std::string& tenant_id, const std::string& ca_id,
                                             bool fresh);

  PkiStore& store_;
  KeyGenerator generate_leaf_key_;
  const Kek* kek_;
  std::vector<const Kek*> previous_keks_;
  const Kek* kek_for(const std::string& kek_id) const;
  const Clock& clock_;
  PkiSettings settings_;
  CaMaterialCache materials_;
  CaRecordCache ca_records_;
  RevocationCache revocation_;
  NegativeCache unknown_cas_{10000, 100000};
};

}  // namespace tenantca::core::pki
