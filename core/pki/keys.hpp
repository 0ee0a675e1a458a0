#pragma once
// Key generation, encoding, and CA key protection at rest (AES-256-GCM under
// the key-encryption key; the CA id is authenticated data, so a ciphertext
// cannot be moved to another CA's row).
#include <string>

#include "core/kek.hpp"
#include "core/pki/model.hpp"
#include "core/pki/ossl.hpp"
#include "core/pki/policy.hpp"

namespace tenantca::core::pki {

EvpPkeyPtr generate_key(const KeySpec& spec);
// "ec" | "rsa" | "ed25519" | "other"
std::string key_type_of(EVP_PKEY* key);
// The same from the encoded key's algorithm, without decoding the key.
std::string key_type_of(const X509_PUBKEY* key);
// What the policy engine needs to know of a key: of a decoded key, and of
// one about to be generated (so nothing is generated that would be refused).
KeyFacts key_facts(EVP_PKEY* key);
KeyFacts key_facts(const KeySpec& spec);
std::string private_key_pem(EVP_PKEY* key);
// PEM private key (PKCS#8 or traditional); nullptr when it cannot be read.
EvpPkeyPtr read_private_key_pem(const std::string& pem);

std::string wrap_private_key(EVP_PKEY* key, const Kek& kek, const std::string& aad);
// AES-256-GCM under the KEK: nonce || ciphertext || tag, bound to `aad`.
std::string seal_bytes(const std::string& plain, const Kek& kek, const std::string& aad);
// The plain bytes, or OpenSslError when they do not authenticate.
std::string open_sealed(const std::string& blob, const Kek& kek, const std::string& aad);
EvpPkeyPtr unwrap_private_key(const std::string& blob, const Kek& kek, const std::string& aad);

}  // namespace tenantca::core::pki
