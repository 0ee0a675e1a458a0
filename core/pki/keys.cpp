#include "core/pki/keys.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/random.hpp"

namespace tenantca::core::pki {

EvpPkeyPtr generate_key(const KeySpec& spec) {
  EVP_PKEY* k = nullptr;
  switch (spec.type) {
    case KeyType::ec:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.curve.c_str());
      break;
    case KeyType::rsa:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.bits));
      break;
    case KeyType::ed25519:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  return EvpPkeyPtr(check_ptr(k, "key generation"));
}

std::string key_type_of(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC:
      return "ec";
    case EVP_PKEY_RSA:
      return "rsa";
    case EVP_PKEY_ED25519:
      return "ed25519";
    default:
      return "other";
  }
}

std::string key_type_of(const X509_PUBKEY* key) {
  ASN1_OBJECT* algorithm = nullptr;
  if (key == nullptr || X509_PUBKEY_get0_param(&algorithm, nullptr, nullptr, nullptr, key) != 1)
    return "other";
  switch (OBJ_obj2nid(algorithm)) {
    case NID_X9_62_id_ecPublicKey:
      return "ec";
    case NID_rsaEncryption:
      return "rsa";
    case NID_ED25519:
      return "ed25519";
    default:
      return "other";
  }
}

KeyFacts key_facts(EVP_PKEY* key) {
  KeyFacts k;
  k.type = key_type_of(key);
  k.bits = EVP_PKEY_get_bits(key);
  if (k.type == "ec") {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) k.curve.assign(group, len);
  } else if (k.type == "rsa") {
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(key, "e", &e) == 1) {
      k.rsa_exponent_65537 = BN_is_word(e, RSA_F4) == 1;
      BN_free(e);
    }
  }
  ERR_clear_error();
  return k;
}

KeyFacts key_facts(const KeySpec& spec) {
  KeyFacts k;
  k.type = key_type_name(spec.type);
  if (spec.type == KeyType::ec)
    k.curve = spec.curve == "P-384"   ? "secp384r1"
              : spec.curve == "P-256" ? "prime256v1"
                                      : spec.curve;
  if (spec.type == KeyType::rsa) {
    k.bits = spec.bits;
    k.rsa_exponent_65537 = true;  // what EVP_PKEY_Q_keygen uses
  }
  return k;
}

std::string private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  return bio_to_string(bio.get());
}

EvpPkeyPtr read_private_key_pem(const std::string& pem) {
  auto bio = memory_bio(pem);
  // An empty password callback result: encrypted PEM keys are refused, not prompted for.
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  ERR_clear_error();
  return key;
}

namespace {
constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;

std::string der_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PrivateKey(key, &der);
  check(n > 0, "i2d_PrivateKey");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_clear_free(der, static_cast<std::size_t>(n));
  return out;
}
}  // namespace

std::string seal_bytes(const std::string& plain, const Kek& kek, const std::string& aad) {
  const auto nonce = random_bytes(kNonce);
  EvpCipherCtxPtr ctx(check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  check(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, kek.bytes.data(), nonce.data()) ==
            1,
        "EncryptInit");
  int len = 0;
  check(EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<const unsigned char*>(aad.data()),
                          static_cast<int>(aad.size())) == 1,
        "EncryptUpdate(aad)");
  std::string out(kNonce + plain.size() + kTag, '\0');
  std::copy(nonce.begin(), nonce.end(), out.begin());
  auto* ct = reinterpret_cast<unsigned char*>(out.data() + kNonce);
  check(EVP_EncryptUpdate(ctx.get(), ct, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                          static_cast<int>(plain.size())) == 1,
        "EncryptUpdate");
  int fin = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin) == 1, "EncryptFinal");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                            out.data() + kNonce + plain.size()) == 1,
        "GET_TAG");
  return out;
}

std::string open_sealed(const std::string& blob, const Kek& kek, const std::string& aad) {
  if (blob.size() <= kNonce + kTag) throw OpenSslError("sealed data too short");
  const std::size_t n = blob.size() - kNonce - kTag;
  EvpCipherCtxPtr ctx(check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  check(EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, kek.bytes.data(),
                           reinterpret_cast<const unsigned char*>(blob.data())) == 1,
        "DecryptInit");
  int len = 0;
  check(EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<const unsigned char*>(aad.data()),
                          static_cast<int>(aad.size())) == 1,
        "DecryptUpdate(aad)");
  std::string plain(n, '\0');
  check(EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                          reinterpret_cast<const unsigned char*>(blob.data() + kNonce),
                          static_cast<int>(n)) == 1,
        "DecryptUpdate");
  std::string tag = blob.substr(kNonce + n);
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1, "SET_TAG");
  int fin = 0;
  const bool ok = EVP_DecryptFinal_ex(
                      ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &fin) == 1;
  if (!ok) {
    OPENSSL_cleanse(plain.data(), plain.size());
    throw OpenSslError("sealed data does not authenticate under this key-encryption key");
  }
  return plain;
}

std::string wrap_private_key(EVP_PKEY* key, const Kek& kek, const std::string& aad) {
  std::string plain = der_of(key);
  std::string out = seal_bytes(plain, kek, aad);
  OPENSSL_cleanse(plain.data(), plain.size());
  return out;
}

EvpPkeyPtr unwrap_private_key(const std::string& blob, const Kek& kek, const std::string& aad) {
  std::string plain = open_sealed(blob, kek, aad);
  const auto* p = reinterpret_cast<const unsigned char*>(plain.data());
  EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(plain.size())));
  OPENSSL_cleanse(plain.data(), plain.size());
  return EvpPkeyPtr(check_ptr(key.release(), "d2i_AutoPrivateKey"));
}

}  // namespace tenantca::core::pki
