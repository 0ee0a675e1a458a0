#pragma once
// X.509 certificates and CSRs: parsing, description and building, with the
// extensions RFC 5280 asks of CA and end-entity certificates.
#include <string>
#include <vector>

#include "core/pki/model.hpp"
#include "core/pki/ossl.hpp"
#include "core/pki/policy.hpp"

namespace tenantca::core::pki {

X509NamePtr make_name(const Subject& s);
Subject subject_of(const X509_NAME* name);

X509Ptr read_cert_pem(const std::string& pem);  // nullptr when none
std::vector<X509Ptr> read_cert_chain_pem(
    const std::string& pem);  // every CERTIFICATE block, in order
std::string cert_pem(X509* cert);
std::string cert_der(X509* cert);
CertInfo describe(X509* cert);
// The GENERAL_NAMES of a subjectAltName extension; throws invalid_request for an
// IP address OpenSSL cannot read.
GeneralNamesPtr general_names(const Sans& sans);
// The names of a subjectAltName extension (nullptr: none).
Sans sans_of(const GENERAL_NAMES* gens);
// Lower-case hex without leading zeros: the form stored and compared everywhere.
std::string serial_hex(const ASN1_INTEGER* serial);

struct ParsedCsr {
  X509ReqPtr request;  // owns public_key_info (OpenSSL path)
  X509NamePtr subject;
  Subject subject_fields;
  Sans sans;
  EvpPkeyPtr public_key;  // null on the decoder-free path (core/pki/csr_fast.hpp)
  const X509_PUBKEY* public_key_info = nullptr;  // the CSR's SubjectPublicKeyInfo, as sent
  std::unique_ptr<X509_PUBKEY, Deleter<X509_PUBKEY_free>>
      owned_public_key_info;  // decoder-free path
  KeyFacts key;               // what the policy engine judges
};
// Throws DomainError(invalid_csr) when unreadable or its signature does not verify.
ParsedCsr parse_csr(const std::string& pem);

struct Pkcs12Contents {
  EvpPkeyPtr key;  // may be null
  X509Ptr cert;
  X509StackPtr chain;  // may be null
};
// Throws DomainError(invalid_request) for anything that is not a PKCS#12
// file openable with `password` and holding a certificate.
Pkcs12Contents parse_pkcs12(const std::string& der, const std::string& password);

// A fresh positive serial of 159 random bits.
Asn1IntegerPtr random_serial();

struct CaCertSpec {
  X509_NAME* subject;
  EVP_PKEY* subject_key;        // the CA's key (public part is certified)
  X509* issuer_cert = nullptr;  // nullptr: self-signed root
  EVP_PKEY* issuer_key;         // the signer (== subject_key for a root)
  int64_t not_before;
  int64_t not_after;
  std::optional<int> path_length;
  const Policy* name_constraints =
      nullptr;  // when set: a critical nameConstraints extension from it
};
X509Ptr build_ca_cert(const CaCertSpec& spec);

// A DigestSign context for `key` with its digest (signing_digest), to be
// copied for each signature; null if this key's provider cannot copy one.
EvpMdCtxPtr signing_template(EVP_PKEY* key);
// A DigestSign context ready for one signature with `key`: a copy of `tmpl`
// (signing_template, may be null) when it copies, else one set up afresh.
EvpMdCtxPtr signing_context(EVP_PKEY* key, const EVP_MD_CTX* tmpl);

// The digest to sign with for a key (none for Ed25519).
const EVP_MD* signing_digest(EVP_PKEY* key);

}  // namespace tenantca::core::pki
