#pragma once
// Reading a CSR without OpenSSL 3.0's key decoders. d2i_X509_REQ decodes the
// SubjectPublicKeyInfo through OSSL_DECODER_CTX_new_for_pkey, measured as most
// of the CPU a CSR costs (docs/pitfalls.md). Here the DER is walked by hand,
// the key is built through paths that skip the decoder (a cached EC_GROUP per
// curve, d2i_RSAPublicKey, a raw Ed25519 key), and the signature is checked
// over the CertificationRequestInfo bytes as sent. Anything this path does not
// handle (other curves, RSA-PSS, SHA-1, ...) answers nullopt and the caller
// uses the OpenSSL path, so both accept and refuse exactly the same CSRs
// (tests/core/csr_fast_test.cpp compares them).
#include <optional>
#include <string>

#include "core/pki/model.hpp"
#include "core/pki/ossl.hpp"
#include "core/pki/policy.hpp"

namespace tenantca::core::pki {

using X509PubkeyPtr = std::unique_ptr<X509_PUBKEY, Deleter<X509_PUBKEY_free>>;

struct FastCsr {
  Subject subject_fields;
  Sans sans;
  KeyFacts key;
  // The SubjectPublicKeyInfo as sent, as an X509_PUBKEY that was never decoded
  // (algorithm and key bits only): copied into the certificate.
  X509PubkeyPtr public_key_info;
  bool signature_valid = false;
};

// nullopt: not handled here (use the OpenSSL path). Throws invalid_csr for
// DER that is not a CSR at all.
std::optional<FastCsr> read_csr_fast(const std::string& der);

// The DER inside a PEM "CERTIFICATE REQUEST" block, or nullopt.
std::optional<std::string> csr_pem_to_der(const std::string& pem);

}  // namespace tenantca::core::pki
