#include "core/pki/revocation.hpp"

#include <openssl/err.h>

#include <cstdio>

#include "core/pki/certs.hpp"
#include "core/pki/crl_entries_der.hpp"
#include "core/pki/der.hpp"

namespace tenantca::core::pki {
namespace {

Asn1TimePtr asn1_time(int64_t t) {
  return Asn1TimePtr(check_ptr(ASN1_TIME_set(nullptr, static_cast<time_t>(t)), "ASN1_TIME_set"));
}

std::string response_der(OCSP_RESPONSE* resp) {
  return der_of(resp, i2d_OCSP_RESPONSE);
}

std::string status_only(int status) {
  OcspResponsePtr resp(check_ptr(OCSP_response_create(status, nullptr), "OCSP_response_create"));
  return response_der(resp.get());
}

}  // namespace

std::string status_to_text(const OcspStatus& s) {
  if (s.kind == OcspStatus::Kind::good) return "g";
  return "r " + std::to_string(s.revoked_at) + " " + std::to_string(static_cast<int>(s.reason));
}

OcspStatus status_from_text(const std::string& text) {
  OcspStatus s;
  long long at = 0;
  int reason = 0;
  if (text == "g") {
    s.kind = OcspStatus::Kind::good;
  } else if (std::sscanf(text.c_str(), "r %lld %d", &at, &reason) == 2) {
    s.kind = OcspStatus::Kind::revoked;
    s.revoked_at = at;
    s.reason = static_cast<RevocationReason>(reason);
  }
  return s;  // anything else: unknown
}

std::string build_crl_der(X509* ca_cert, EVP_PKEY* ca_key, const std::vector<RevokedEntry>& revoked,
                          int64_t crl_number, int64_t this_update, int64_t next_update) {
  // OpenSSL builds, encodes and signs the CRL without its entries; the
  // entries are then written by hand into its TBSCertList and that is signed
  // (crl_entries_der.hpp says why).
  X509CrlPtr crl(check_ptr(X509_CRL_new(), "X509_CRL_new"));
  check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "CRL version");
  check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_cert)) == 1, "CRL issuer");
  auto last = asn1_time(this_update);
  auto next = asn1_time(next_update);
  check(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1, "lastUpdate");
  check(X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1, "nextUpdate");
  Asn1IntegerPtr number(ASN1_INTEGER_new());
  ASN1_INTEGER_set_int64(number.get(), crl_number);
  check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) == 1, "crlNumber");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca_cert, nullptr, nullptr, crl.get(), 0);
  X509ExtPtr aki(check_ptr(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"), "AKI"));
  check(X509_CRL_add_ext(crl.get(), aki.get(), -1) == 1, "CRL AKI");
  const EVP_MD* md = signing_digest(ca_key);
  check(X509_CRL_sign(crl.get(), ca_key, md) > 0,
        "X509_CRL_sign");  // also fills in the signature algorithm
  if (revoked.empty())
    return der_of(crl.get(), i2d_X509_CRL);  // RFC 5280: no empty revokedCertificates

  const std::string tbs =
      splice_into_tbs(der_of(crl.get(), i2d_re_X509_CRL_tbs), encode_revoked_certificates(revoked));
  EvpMdCtxPtr sign_ctx(check_ptr(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  check(EVP_DigestSignInit(sign_ctx.get(), nullptr, md, nullptr, ca_key) == 1,
        "EVP_DigestSignInit");
  const auto* data = reinterpret_cast<const unsigned char*>(tbs.data());
  std::size_t sig_len = 0;
  check(EVP_DigestSign(sign_ctx.get(), nullptr, &sig_len, data, tbs.size()) == 1,
        "EVP_DigestSign (size)");
  std::string signature(sig_len, '\0');
  check(EVP_DigestSign(sign_ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &sig_len,
                       data, tbs.size()) == 1,
        "EVP_DigestSign");
  signature.resize(sig_len);
  const X509_ALGOR* algorithm = nullptr;
  X509_CRL_get0_signature(crl.get(), nullptr, &algorithm);
  return der::assemble_signed(tbs, der_of(algorithm, i2d_X509_ALGOR), signature);
}

std::optional<std::string> ocsp_cache_key(const std::string& request_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(request_der.data());
  OcspRequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request_der.size())));
  if (!req ||
      p != reinterpret_cast<const unsigned char*>(request_der.data()) + request_der.size() ||
      OCSP_request_onereq_count(req.get()) != 1 ||
      OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1) >= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0));
  ASN1_OBJECT* md_oid = nullptr;
  ASN1_OCTET_STRING* name_hash = nullptr;
  ASN1_OCTET_STRING* key_hash = nullptr;
  ASN1_INTEGER* serial = nullptr;
  if (OCSP_id_get0_info(&name_hash, &md_oid, &key_hash, &serial, id) != 1 || serial == nullptr ||
      md_oid == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  auto hex = [](const ASN1_OCTET_STRING* s) {
    return s == nullptr ? std::string()
                        : hex_lower(ASN1_STRING_get0_data(s),
                                    static_cast<std::size_t>(ASN1_STRING_length(s)));
  };
  return std::to_string(OBJ_obj2nid(md_oid)) + ':' + hex(name_hash) + ':' + hex(key_hash) + ':' +
         serial_hex(serial);
}

std::string ocsp_respond(const std::string& request_der, X509* ca_cert, EVP_PKEY* ca_key,
                         const OcspLookup& lookup, int64_t now, int64_t validity_seconds,
                         bool* repeatable, const EVP_MD_CTX* sign_template) {
  if (repeatable) *repeatable = false;
  const auto* p = reinterpret_cast<const unsigned char*>(request_der.data());
  OcspRequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request_der.size())));
  if (!req ||
      p != reinterpret_cast<const unsigned char*>(request_der.data()) + request_der.size() ||
      OCSP_request_onereq_count(req.get()) < 1 || OCSP_request_onereq_count(req.get()) > 20) {
    ERR_clear_error();
    return status_only(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  }
  OcspBasicRespPtr basic(check_ptr(OCSP_BASICRESP_new(), "OCSP_BASICRESP_new"));
  auto this_update = asn1_time(now);
  auto next_update = asn1_time(now + validity_seconds);
  bool all_known = true;
  for (int i = 0; i < OCSP_request_onereq_count(req.get()); ++i) {
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), i));
    ASN1_OBJECT* md_oid = nullptr;
    ASN1_INTEGER* serial = nullptr;
    OCSP_id_get0_info(nullptr, &md_oid, nullptr, &serial, id);
    const EVP_MD* md = md_oid ? EVP_get_digestbyobj(md_oid) : nullptr;
    OcspStatus status;  // unknown unless the request names this CA
    if (md != nullptr && serial != nullptr) {
      OcspCertIdPtr ours(OCSP_cert_id_new(md, X509_get_subject_name(ca_cert),
                                          X509_get0_pubkey_bitstr(ca_cert), serial));
      if (ours && OCSP_id_issuer_cmp(ours.get(), id) == 0) status = lookup(serial_hex(serial));
    }
    Asn1TimePtr revoked_time;
    int ocsp_status = V_OCSP_CERTSTATUS_UNKNOWN;
    int reason = -1;
    if (status.kind == OcspStatus::Kind::unknown) all_known = false;
    if (status.kind == OcspStatus::Kind::good) ocsp_status = V_OCSP_CERTSTATUS_GOOD;
    if (status.kind == OcspStatus::Kind::revoked) {
      ocsp_status = V_OCSP_CERTSTATUS_REVOKED;
      revoked_time = asn1_time(status.revoked_at);
      reason = static_cast<int>(status.reason);
    }
    check(OCSP_basic_add1_status(basic.get(), id, ocsp_status, reason, revoked_time.get(),
                                 this_update.get(), next_update.get()) != nullptr,
          "OCSP_basic_add1_status");
  }
  OCSP_copy_nonce(basic.get(), req.get());  // echoes the nonce when there is one
  // From a copy of the CA's prepared signing context when there is one:
  // setting a context up per answer (fetching the algorithm, the provider's
  // key context) was ~7% of a signed answer's CPU.
  const EvpMdCtxPtr ctx = signing_context(ca_key, sign_template);
  check(OCSP_basic_sign_ctx(basic.get(), ca_cert, ctx.get(), nullptr, OCSP_NOCERTS) == 1,
        "OCSP_basic_sign_ctx");
  OcspResponsePtr resp(check_ptr(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()),
                                 "OCSP_response_create"));
  if (repeatable)
    *repeatable =
        all_known && OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1) < 0;
  return response_der(resp.get());
}

}  // namespace tenantca::core::pki
