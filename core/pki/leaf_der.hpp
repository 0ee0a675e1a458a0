#pragma once
// End-entity certificates written as DER from pieces, then signed.
//
// Why not OpenSSL's X509 object: building one leaf through X509_set_*,
// X509_add_ext (each copies through an encode/decode round trip), X509_sign
// (encodes the TBSCertificate) and then describing it (decodes the extensions
// again, digests, PEM-writes) cost about three times the ECDSA signature
// itself (profile in docs/performance.md). Here what is the same for every
// leaf of a CA (issuer name, signature algorithm, the constant extensions)
// is encoded once per CA per worker (LeafIssuer, kept in CaMaterial); per
// certificate only the serial, validity, subject, key, SAN, EKU and SKI are
// written, and the record is described from what was written. OpenSSL still
// encodes the names, the key and the SAN, and signs. tests/core/leaf_der_test.cpp
// proves the bytes equal what OpenSSL's X509 API builds for the same input.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/pki/model.hpp"
#include "core/pki/ossl.hpp"
#include "core/pki/policy.hpp"

namespace tenantca::core::pki {

struct LeafIssuer {
  std::string name_der;  // the issuer's subject Name
  Subject name;
  std::string signature_algorithm_der;  // AlgorithmIdentifier of issuer_key's signatures
  // Whole Extension elements.
  std::string basic_constraints;  // critical, CA:FALSE
  std::string key_usage;          // critical, digitalSignature
  std::string key_usage_rsa;      // critical, digitalSignature, keyEncipherment
  std::string authority_key_id;   // keyid of the issuer
  std::string crl_distribution_points;
  std::string authority_info_access;  // OCSP and caIssuers
};

struct LeafUrls {
  std::string crl;
  std::string ocsp;
  std::string ca_issuers;
};

// Throws OpenSslError when an extension cannot be made for this issuer (an
// issuer certificate without a subject key identifier, for one).
std::shared_ptr<const LeafIssuer> make_leaf_issuer(X509* issuer_cert, EVP_PKEY* issuer_key,
                                                   const LeafUrls& urls);

struct LeafToSign {
  const X509_NAME* subject;
  const Sans* sans;
  const X509_PUBKEY* public_key_info;  // copied as encoded
  std::vector<Usage> usages;
  int64_t not_before;
  int64_t not_after;
  // 20 bytes, first in 0x01..0x7f; empty: a fresh random one (159 bits).
  std::string serial;
};

struct SignedLeaf {
  std::string der;
  CertInfo info;  // what describe() reads from `der`
};

// `sign_template` (signing_template(issuer_key), may be null) is copied for the
// signature instead of setting one up.
SignedLeaf sign_leaf_der(const LeafIssuer& issuer, const LeafToSign& leaf, EVP_PKEY* issuer_key,
                         const EVP_MD_CTX* sign_template);

// A serial as sign_leaf_der makes them: 20 random bytes, positive, full length.
std::string random_serial_bytes();

}  // namespace tenantca::core::pki
