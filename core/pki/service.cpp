#include "core/pki/service.hpp"

#include <openssl/err.h>
#include <openssl/pkcs12.h>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/pki/certs.hpp"
#include "core/pki/json.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/policy.hpp"
#include "core/time_format.hpp"
#include "core/uuid.hpp"

namespace tenantca::core::pki {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kBackdate = 60;  // tolerate clock skew of relying parties

std::string aad_for(const std::string& ca_id) {
  return "tenantca/ca-key/v1:" + ca_id;
}

AuditEvent audit_event(const Actor& actor, const std::string& tenant_id, std::string action,
                       std::string target_type, std::string target_id,
                       const nlohmann::json& detail) {
  return make_audit_event(actor, tenant_id, std::move(action), std::move(target_type),
                          std::move(target_id), detail.dump());
}

CaRecord require_ca(PkiTx& tx, const std::string& tenant_id, const std::string& ca_id,
                    bool lock = false) {
  auto ca = tx.find_ca(tenant_id, ca_id, lock);
  if (!ca) throw_not_found("No CA with id " + ca_id + ".");
  return *ca;
}

// A CA signs only while enabled and within its own validity.
void require_usable(const CaRecord& ca, int64_t now) {
  if (ca.disabled) throw_conflict("CA " + ca.id + " is disabled and issues nothing.");
  if (now < ca.cert.not_before) {
    throw_conflict("CA " + ca.id + " is not valid before " + format_rfc3339(ca.cert.not_before) +
                   " and issues nothing yet.");
  }
  if (now >= ca.cert.not_after) {
    throw_conflict("CA " + ca.id + " expired at " + format_rfc3339(ca.cert.not_after) +
                   " and issues nothing.");
  }
}

}  // namespace

PkiService::PkiService(PkiStore& store, const Kek* kek, const Clock& clock, PkiSettings settings)
    : store_(store),
      generate_leaf_key_([](const KeySpec& spec) { return generate_key(spec); }),
      kek_(kek),
      clock_(clock),
      settings_(std::move(settings)),
      revocation_(settings_.cache_limits) {}

const Kek& PkiService::require_kek() const {
  if (kek_ == nullptr) {
    throw DomainError(ErrorCode::unavailable,
                      "CA keys cannot be used: the server has no key-encryption key configured.",
                      "security.kek_file is not set");
  }
  return *kek_;
}

void PkiService::seal_key(CaRecord& ca, EVP_PKEY* key) const {
  const Kek& kek = require_kek();
  ca.key_ciphertext = wrap_private_key(key, kek, aad_for(ca.id));
  ca.key_kek_id = kek.id;
}

const Kek* PkiService::kek_for(const std::string& kek_id) const {
  if (kek_ != nullptr && kek_->id == kek_id) return kek_;
  for (const Kek* k : previous_keks_) {
    if (k != nullptr && k->id == kek_id) return k;
  }
  return nullptr;
}

EvpPkeyPtr PkiService::ca_key(const CaRecord& ca) const {
  require_kek();
  const Kek* kek = kek_for(ca.key_kek_id);
  if (kek == nullptr) {
    throw DomainError(ErrorCode::unavailable, "This CA's key is not available on this server.",
                      "CA " + ca.id + " key is sealed under KEK " + ca.key_kek_id +
                          ", which is not loaded (security.kek_file, security.previous_kek_files)");
  }
  return unwrap_private_key(ca.key_ciphertext, *kek, aad_for(ca.id));
}

int PkiService::rewrap_ca_keys(const Actor& actor) {
  const Kek& current = require_kek();
  int count = 0;
  store_.transact("cas.rewrap", [&](PkiTx& tx) {
    count = 0;
    for (CaRecord ca : tx.lock_all_cas()) {
      if (ca.key_kek_id == current.id) continue;
      const std::string from = ca.key_kek_id;
      auto key = ca_key(ca);  // throws when its KEK is not loaded: nothing is written
      seal_key(ca, key.get());
      tx.update_ca_key(ca);
      tx.audit(audit_event(actor, ca.tenant_id, "ca.key_rewrap", "ca", ca.id,
                           {{"from_kek", from}, {"to_kek", current.id}}));
      ++count;
    }
  });
  return count;
}

std::vector<std::string> PkiService::unsealable_cas() {
  std::vector<std::string> out;
  for (const auto& ca : store_.all_cas()) {
    try {
      (void)ca_key(ca);
    } catch (const std::exception&) {
      out.push_back(ca.tenant_id + "/" + ca.name + " (" + ca.id + ", sealed under KEK " +
                    ca.key_kek_id + ")");
    }
  }
  return out;
}

std::shared_ptr<const CaMaterial> PkiService::material(const CaRecord& ca) {
  if (auto m = materials_.find(ca.id)) return m;
  auto fresh = std::make_shared<CaMaterial>();
  fresh->cert = read_cert_pem(ca.cert.pem);
  check(fresh->cert != nullptr, "CA certificate unreadable");
  fresh->key = ca_key(ca);
  fresh->sign_template = signing_template(fresh->key.get());
  const std::string base = settings_.public_url + "/pki/" + ca.id;
  try {
    fresh->leaf_issuer = make_leaf_issuer(fresh->cert.get(), fresh->key.get(),
                                          {base + "/crl", base + "/ocsp", base + "/ca.crt"});
  } catch (const OpenSslError& e) {
    fresh->leaf_issuer_error = e.what();  // CRLs and OCSP still work for such a CA
  }
  return materials_.insert(ca.id, std::move(fresh));
}

CaRecord PkiService::create_ca(const std::string& tenant_id, CreateCaRequest req,
                               const Actor& actor) {
  require_kek();  // fail before generating anything when no KEK is configured
  const int64_t now = clock_.now_seconds();
  const Policy policy = apply_policy_patch(Policy{}, req.policy);
  auto key = generate_key(req.key);
  auto name = make_name(req.subject);
  CaRecord out;
  store_.transact("cas.create", [&](PkiTx& tx) {
    CaRecord ca;
    ca.id = new_uuid();
    ca.tenant_id = tenant_id;
    ca.name = req.name;
    ca.type = req.type;
    ca.policy = policy;
    CaCertSpec spec{name.get(),
                    key.get(),
                    nullptr,
                    key.get(),
                    now - kBackdate,
                    0,
                    req.max_path_length,
                    policy.name_constraints ? &policy : nullptr};
    std::optional<CaRecord> parent;
    std::shared_ptr<const CaMaterial> parent_material;
    int64_t days = req.validity_days.value_or(req.type == "root" ? 3650 : 1825);
    spec.not_after = now + days * kDay;
    if (req.type == "intermediate") {
      parent = require_ca(tx, tenant_id, *req.parent_ca_id);
      require_usable(*parent, now);
      if (parent->cert.path_length && *parent->cert.path_length < 1) {
        throw DomainError(ErrorCode::policy_violation,
                          "The parent CA's path length (0) does not allow intermediates.");
      }
      if (parent->cert.path_length) {
        const int max_child = *parent->cert.path_length - 1;
        if (spec.path_length && *spec.path_length > max_child) {
          throw DomainError(ErrorCode::policy_violation, "max_path_length " +
                                                             std::to_string(*spec.path_length) +
                                                             " exceeds what the parent allows (" +
                                                             std::to_string(max_child) + ").");
        }
        if (!spec.path_length) spec.path_length = max_child;
      }
      if (spec.not_after > parent->cert.not_after) {
        if (req.validity_days) {
          throw DomainError(ErrorCode::policy_violation, "validity_days " + std::to_string(days) +
                                                             " would end after the parent CA.");
        }
        spec.not_after = parent->cert.not_after;
      }
      parent_material = material(*parent);
      spec.issuer_cert = parent_material->cert.get();
      spec.issuer_key = parent_material->key.get();
      ca.parent_ca_id = parent->id;
    }
    auto cert = build_ca_cert(spec);
    ca.cert = describe(cert.get());
    seal_key(ca, key.get());
    tx.insert_ca(ca);
    tx.audit(audit_event(actor, tenant_id, "ca.create", "ca", ca.id,
                         {{"name", ca.name},
                          {"type", ca.type},
                          {"serial", ca.cert.serial_hex},
                          {"key_type", ca.cert.key_type}}));
    out = ca;
  });
  return out;
}

CaRecord PkiService::import_ca(const std::string& tenant_id, ImportCaRequest req,
                               const Actor& actor) {
  require_kek();  // fail before parsing anything when no KEK is configured
  if (req.policy.set.count("name_constraints") && req.policy.values.name_constraints) {
    throw_invalid(
        "Field 'policy.name_constraints' applies to CAs created here; an imported CA certificate "
        "is used as it is.");
  }
  const Policy policy = apply_policy_patch(Policy{}, req.policy);
  X509Ptr cert;
  EvpPkeyPtr key;
  if (!req.pkcs12_der.empty()) {
    auto p12 = parse_pkcs12(req.pkcs12_der, req.password);
    if (!p12.key) throw_invalid("The PKCS#12 file holds no private key.");
    cert = std::move(p12.cert);
    key = std::move(p12.key);
  } else {
    cert = read_cert_pem(req.certificate_pem);
    if (!cert) throw_invalid("Field 'certificate_pem' is not a PEM certificate.");
    key = read_private_key_pem(req.private_key_pem);
    if (!key) throw_invalid("Field 'private_key_pem' is not an unencrypted PEM private key.");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw_invalid("The private key does not match the certificate.");
  }
  CertInfo info = describe(cert.get());
  if (!info.is_ca)
    throw_invalid("The certificate is not a CA certificate (basicConstraints CA:TRUE is missing).");
  if (info.not_after < clock_.now_seconds()) throw_invalid("The CA certificate has expired.");
  CaRecord out;
  store_.transact("cas.import", [&](PkiTx& tx) {
    CaRecord ca;
    ca.id = new_uuid();
    ca.tenant_id = tenant_id;
    ca.name = req.name;
    ca.type = "imported";
    ca.cert = info;
    ca.policy = policy;
    seal_key(ca, key.get());
    tx.insert_ca(ca);
    tx.audit(audit_event(actor, tenant_id, "ca.import", "ca", ca.id,
                         {{"name", ca.name},
                          {"serial", info.serial_hex},
                          {"fingerprint_sha256", info.fingerprint_sha256}}));
    out = ca;
  });
  return out;
}

CaRecord PkiService::update_ca(const std::string& tenant_id, const std::string& ca_id,
                               const PolicyPatch& policy, std::optional<bool> disabled,
                               const Actor& actor, const std::optional<AcmeCaSettings>& acme) {
  if (acme) {
    for (const auto& c : acme->challenges) {
      if (c != "http-01" && c != "dns-01" && c != "tls-alpn-01")
        throw_invalid("Field 'acme.challenges': unknown challenge type '" + c +
                      "' (http-01, dns-01, tls-alpn-01).");
    }
    if (acme->enabled && acme->challenges.empty())
      throw_invalid("Field 'acme.challenges': ACME needs at least one challenge type.");
  }
  if (policy.set.count("name_constraints") || policy.reset.count("name_constraints")) {
    throw_invalid(
        "Field 'policy.name_constraints' can only be set when the CA is created (it is part of its "
        "certificate).");
  }
  CaRecord out;
  store_.transact("cas.update", [&](PkiTx& tx) {
    CaRecord ca = require_ca(tx, tenant_id, ca_id, true);
    nlohmann::json changes = nlohmann::json::object();
    if (!policy.empty()) {
      ca.policy = apply_policy_patch(ca.policy, policy);
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& f : policy.set) fields.push_back(f);
      for (const auto& f : policy.reset) fields.push_back(f);
      changes["policy"] = fields;
    }
    if (disabled) {
      ca.disabled = *disabled;
      changes["disabled"] = *disabled;
    }
    if (acme) {
      ca.acme = *acme;
      changes["acme"] = to_json(*acme);
    }
    tx.update_ca(ca);
    tx.audit(audit_event(actor, tenant_id, "ca.update", "ca", ca.id, changes));
    out = ca;
  });
  return out;
}

PkiService::LeafPlan PkiService::plan_leaf(const CaRecord& ca, Subject subject, Sans sans,
                                           const KeyFacts& key, std::optional<int> validity_days,
                                           std::vector<Usage> usages) const {
  const int64_t now = clock_.now_seconds();
  require_usable(ca, now);
  apply_name_policy(ca.policy, subject, sans);
  if (sans.empty() && subject.common_name.empty()) {
    throw_invalid("The certificate needs a common name or at least one subject alternative name.");
  }
  enforce_key_policy(ca.policy, key);
  const int64_t days = validity_days.value_or(std::min(90, ca.policy.max_validity_days));
  int64_t not_after = now + days * kDay;
  if (!validity_days && not_after > ca.cert.not_after)
    not_after = ca.cert.not_after;  // a default never outlives the CA
  enforce_validity(ca.policy, days, not_after, ca.cert.not_after);
  return LeafPlan{std::move(subject), std::move(sans), now - kBackdate, not_after,
                  std::move(usages)};
}

CertRecord PkiService::sign_leaf(const CaRecord& ca, const LeafPlan& plan, EVP_PKEY* public_key,
                                 const X509_PUBKEY* public_key_info) {
  auto signer = material(ca);
  if (!signer->leaf_issuer) throw OpenSslError(signer->leaf_issuer_error);
  auto subject = make_name(plan.subject);
  X509_PUBKEY* encoded = nullptr;  // a generated key: encoded here
  if (public_key_info == nullptr) {
    check(X509_PUBKEY_set(&encoded, public_key) == 1, "X509_PUBKEY_set");
    public_key_info = encoded;
  }
  std::unique_ptr<X509_PUBKEY, Deleter<X509_PUBKEY_free>> owned(encoded);
  auto leaf = sign_leaf_der(*signer->leaf_issuer,
                            {subject.get(),
                             &plan.sans,
                             public_key_info,
                             plan.usages,
                             plan.not_before,
                             plan.not_after,
                             {}},
                            signer->key.get(), signer->sign_template.get());
  CertRecord rec;
  rec.id = new_uuid();
  rec.tenant_id = ca.tenant_id;
  rec.ca_id = ca.id;
  rec.source = "issued";
  rec.cert = std::move(leaf.info);
  return rec;
}

Issued PkiService::issue(const std::string& tenant_id, IssueRequest req, const Actor& actor) {
  std::optional<ParsedCsr> csr;
  if (!req.csr_pem.empty()) {
    csr = parse_csr(req.csr_pem);
    req.subject = csr->subject_fields;
    req.sans = csr->sans;
  }
  const KeyFacts key = csr ? csr->key : key_facts(*req.key);
  // The CA row comes from this worker's cache when it can; the statement
  // that stores the certificate refuses it if the CA changed since (its
  // revision), and then the CA is read afresh and the leaf planned again. A
  // refusal is never based on a cached row either: it is re-checked against
  // a fresh one. One round trip per issuance, shared with concurrent ones
  // (group commit).
  bool fresh = false;
  for (int attempt = 1;; ++attempt) {
    const bool from_cache = !fresh;
    const auto ca = issuing_ca(tenant_id, req.ca_id, fresh);
    LeafPlan plan;
    try {
      plan = plan_leaf(*ca, req.subject, req.sans, key, req.validity_days, req.usages);
    } catch (const DomainError&) {
      if (!from_cache) throw;
      fresh = true;
      continue;
    }
    Issued out;
    if (csr) {
      out.certificate = sign_leaf(*ca, plan, csr->public_key.get(), csr->public_key_info);
    } else {
      // Generated only now: a request the CA refuses costs no key generation.
      auto generated = generate_leaf_key_(*req.key);
      out.private_key_pem = private_key_pem(generated.get());
      out.certificate = sign_leaf(*ca, plan, generated.get(), nullptr);
    }
    const bool stored = store_.insert_issued(
        out.certificate,
        audit_event(actor, tenant_id, "certificate.issue", "certificate", out.certificate.id,
                    {{"ca_id", ca->id},
                     {"serial", out.certificate.cert.serial_hex},
                     {"common_name", out.certificate.cert.subject.common_name},
                     {"from_csr", csr.has_value()}}),
        ca->revision);
    if (stored) return out;
    fresh = true;
    // Changed again while we signed: something keeps rewriting it; let the client retry.
    if (attempt >= 3) throw_conflict("The CA is being changed; retry the request.");
  }
}

std::shared_ptr<const CaRecord> PkiService::issuing_ca(const std::string& tenant_id,
                                                       const std::string& ca_id, bool fresh) {
  const int64_t now_ms = clock_.now_millis();
  if (!fresh) {
    if (auto cached = ca_records_.find(tenant_id, ca_id, now_ms)) return cached;
  } else {
    ca_records_.drop(tenant_id, ca_id);
  }
  auto ca = store_.find_ca(tenant_id, ca_id);
  if (!ca) throw_not_found("No CA with id " + ca_id + ".");
  auto shared = std::make_shared<const CaRecord>(std::move(*ca));
  ca_records_.put(shared, now_ms);
  return shared;
}

CertRecord PkiService::renew(const std::string& tenant_id, const std::string& cert_id,
                             std::optional<int> validity_days, const Actor& actor) {
  CertRecord out;
  store_.transact("certificates.renew", [&](PkiTx& tx) {
    auto old = tx.find_certificate(tenant_id, cert_id, false);
    if (!old) throw_not_found("No certificate with id " + cert_id + ".");
    if (old->source != "issued" || !old->ca_id)
      throw_conflict("Only certificates issued here can be renewed.");
    const int64_t now = clock_.now_seconds();
    if (old->revoked_at)
      throw_conflict(
          "The certificate is revoked; a revoked certificate (and its key) is never renewed.");
    if (old->cert.not_after < now)
      throw_conflict("The certificate has expired; issue a new one instead of renewing it.");
    const CaRecord ca = require_ca(tx, tenant_id, *old->ca_id);
    auto x = read_cert_pem(old->cert.pem);
    EvpPkeyPtr pub(check_ptr(X509_get_pubkey(x.get()), "X509_get_pubkey"));
    std::vector<Usage> usages;
    if (auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
            X509_get_ext_d2i(x.get(), NID_ext_key_usage, nullptr, nullptr))) {
      for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
        const int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
        if (nid == NID_server_auth) usages.push_back(Usage::server_auth);
        if (nid == NID_client_auth) usages.push_back(Usage::client_auth);
      }
      EXTENDED_KEY_USAGE_free(eku);
    }
    if (usages.empty()) usages.push_back(Usage::server_auth);
    // The renewal is judged by the CA's policy of today, like a new request.
    const LeafPlan plan = plan_leaf(ca, old->cert.subject, old->cert.sans, key_facts(pub.get()),
                                    validity_days, usages);
    out = sign_leaf(ca, plan, pub.get(), X509_get_X509_PUBKEY(x.get()));
    tx.insert_certificate(out);
    tx.audit(audit_event(actor, tenant_id, "certificate.renew", "certificate", out.id,
                         {{"renewed_from", old->id}, {"serial", out.cert.serial_hex}}));
  });
  return out;
}

CertRecord PkiService::import_certificate(const std::string& tenant_id,
                                          const ImportCertificateRequest& req, const Actor& actor) {
  std::vector<X509Ptr> chain;
  if (!req.pkcs12_der.empty()) {
    auto p12 = parse_pkcs12(req.pkcs12_der, req.password);  // the key, if any, is dropped here
    chain.push_back(std::move(p12.cert));
    if (p12.chain) {
      while (sk_X509_num(p12.chain.get()) > 0) chain.emplace_back(sk_X509_shift(p12.chain.get()));
    }
  } else {
    chain = read_cert_chain_pem(req.certificate_pem);
    if (chain.empty()) throw_invalid("Field 'certificate_pem' holds no PEM certificate.");
  }
  CertRecord rec;
  rec.id = new_uuid();
  rec.tenant_id = tenant_id;
  rec.source = "imported";
  rec.cert = describe(chain.front().get());
  for (std::size_t i = 1; i < chain.size(); ++i) rec.chain_pem += cert_pem(chain[i].get());
  store_.transact("certificates.import", [&](PkiTx& tx) {
    tx.insert_certificate(rec);
    tx.audit(audit_event(
        actor, tenant_id, "certificate.import", "certificate", rec.id,
        {{"serial", rec.cert.serial_hex}, {"fingerprint_sha256", rec.cert.fingerprint_sha256}}));
  });
  return rec;
}

CertRecord PkiService::revoke(const std::string& tenant_id, const std::string& cert_id,
                              RevocationReason reason, const Actor& actor) {
  CertRecord out;
  store_.transact("certificates.revoke", [&](PkiTx& tx) {
    auto cert = tx.find_certificate(tenant_id, cert_id, true);
    if (!cert) throw_not_found("No certificate with id " + cert_id + ".");
    if (cert->revoked_at) throw_conflict("The certificate is already revoked.");
    const int64_t now = clock_.now_seconds();
    tx.mark_revoked(tenant_id, cert_id, now, reason);
    // Constant work per revocation: the CRL is only marked stale here and
    // rebuilt once on the next fetch.
    if (cert->ca_id) tx.invalidate_crl(*cert->ca_id);
    tx.audit(audit_event(
        actor, tenant_id, "certificate.revoke", "certificate", cert_id,
        {{"serial", cert->cert.serial_hex}, {"reason", revocation_reason_name(reason)}}));
    cert->revoked_at = now;
    cert->revocation_reason = reason;
    out = *cert;
  });
  // This worker at once; the others (and other instances) by notification.
  if (out.ca_id) on_revocation_notice(*out.ca_id);
  return out;
}

std::string PkiService::chain_pem(const std::string& tenant_id, const std::string& cert_id) {
  std::string out;
  store_.transact("certificates.chain", [&](PkiTx& tx) {
    auto cert = tx.find_certificate(tenant_id, cert_id, false);
    if (!cert) throw_not_found("No certificate with id " + cert_id + ".");
    out = cert->cert.pem;
    if (cert->source == "imported") {
      for (auto& c : read_cert_chain_pem(cert->chain_pem)) {
        if (!describe(c.get()).self_signed) out += cert_pem(c.get());
      }
      return;
    }
    std::optional<std::string> next = cert->ca_id;
    for (int depth = 0; next && depth < 16; ++depth) {
      auto ca = tx.find_ca(tenant_id, *next, false);
      if (!ca || ca->cert.self_signed) break;  // up to, not including, the root
      out += ca->cert.pem;
      next = ca->parent_ca_id;
    }
  });
  return out;
}

CaRecord PkiService::public_ca(const std::string& ca_id) {
  const int64_t now_ms = clock_.now_seconds() * 1000;
  if (unknown_cas_.recently_missing(ca_id, now_ms)) throw_not_found("No such CA.");
  auto ca = store_.find_ca_public(ca_id);
  if (!ca) {
    unknown_cas_.note_missing(ca_id, now_ms);
    throw_not_found("No such CA.");
  }
  return *ca;
}

CaRecord PkiService::get_ca(const std::string& tenant_id, const std::string& ca_id) {
  auto ca = store_.get_ca(tenant_id, ca_id);
  if (!ca) throw_not_found("No such CA.");
  return *ca;
}

CertRecord PkiService::get_certificate(const std::string& tenant_id, const std::string& id) {
  auto c = store_.get_certificate(tenant_id, id);
  if (!c) throw_not_found("No such certificate.");
  return *c;
}

std::string PkiService::ca_certificate_pem(const std::string& ca_id) {
  return public_ca(ca_id).cert.pem;
}

std::string PkiService::ca_certificate_der(const std::string& ca_id) {
  auto cert = read_cert_pem(ca_certificate_pem(ca_id));
  return cert_der(cert.get());
}

std::string PkiService::crl_der(const std::string& ca_id) {
  const int64_t now = clock_.now_seconds();
  auto fresh_enough = [&](const StoredCrl& c) {
    return c.valid && c.next_update - now > settings_.crl_validity_seconds / 2;
  };
  // Fastest: this worker's copy without asking the database, while
  // revocations are being heard (RevocationCache).
  if (auto copy = revocation_.crls().usable_copy(ca_id, fresh_enough)) return *copy;
  // Then: the copy when the database says it is still the current one (a
  // small query, no DER transfer), else the stored DER.
  if (auto state = store_.crl_state(ca_id); state && fresh_enough(*state)) {
    if (auto copy = revocation_.crls().confirm(ca_id, state->crl_number, now)) return *copy;
    if (auto stored = store_.stored_crl(ca_id); stored && fresh_enough(*stored)) {
      revocation_.crls().store(ca_id, *stored, now);
      return stored->der;
    }
  }
  auto ca = public_ca(ca_id);
  std::string der;
  store_.transact("crl.regenerate", [&](PkiTx& tx) {
    StoredCrl current = tx.lock_crl(ca_id);  // serializes regeneration per CA
    if (current.valid && current.next_update - now > settings_.crl_validity_seconds / 2) {
      der = current.der;  // another worker rebuilt it while we waited
      return;
    }
    auto signer = material(ca);
    StoredCrl fresh;
    // From the clock (milliseconds), never below the last one plus one: after a
    // restore from an older backup the numbers still increase, so relying
    // parties do not ignore the new CRLs (RFC 5280 5.2.3).
    fresh.crl_number = std::max(current.crl_number + 1, clock_.now_millis());
    fresh.next_update = now + settings_.crl_validity_seconds;
    fresh.der = build_crl_der(signer->cert.get(), signer->key.get(), tx.revoked_entries(ca_id),
                              fresh.crl_number, now - kBackdate, fresh.next_update);
    fresh.valid = true;
    tx.store_crl(ca_id, fresh, now);
    der = fresh.der;
  });
  return der;
}

std::string PkiService::ocsp(const std::string& ca_id, const std::string& request_der) {
  auto signer = materials_.find(ca_id);  // CA rows are never deleted: a cached CA exists
  if (!signer) signer = material(public_ca(ca_id));
  const int64_t now = clock_.now_seconds();
  // Keyed by what is asked (CA, CertID), never by request bytes: padding or
  // a signature in the request cannot grow the cache.
  const auto cache_key = ocsp_cache_key(request_der);
  if (cache_key) {
    if (auto hit = revocation_.answers().find(ca_id, *cache_key, now)) return *hit;
  }
  const uint64_t generation = revocation_.answers().generation();
  bool repeatable = false;
  std::string der = ocsp_respond(
      request_der, signer->cert.get(), signer->key.get(),
      [&](const std::string& serial) { return certificate_status(ca_id, serial, now); }, now,
      settings_.ocsp_validity_seconds, &repeatable, signer->sign_template.get());
  if (repeatable && cache_key)
    revocation_.answers().store(ca_id, *cache_key, der, now,
                                now + settings_.ocsp_validity_seconds / 2, generation);
  return der;
}

// A certificate's revocation status, from this worker's copy when it has a
// current one (good or revoked; never unknown, which issuance may change).
OcspStatus PkiService::certificate_status(const std::string& ca_id, const std::string& serial,
                                          int64_t now) {
  if (auto hit = revocation_.statuses().find(ca_id, serial, now)) return status_from_text(*hit);
  const uint64_t generation = revocation_.statuses().generation();
  const OcspStatus status = store_.certificate_status(ca_id, serial, now);
  if (status.kind != OcspStatus::Kind::unknown)
    revocation_.statuses().store(ca_id, serial, status_to_text(status), now,
                                 now + revocation_.limits().answer_max_age_seconds, generation);
  return status;
}

void PkiService::on_revocation_notice(const std::string& ca_id) {
  revocation_.on_revocation(ca_id, clock_.now_seconds());
}

void PkiService::set_change_feed(bool listening) {
  revocation_.set_listening(listening);
}

}  // namespace tenantca::core::pki
