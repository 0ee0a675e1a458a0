// The decoder-free CSR reader accepts and refuses exactly what OpenSSL's
// X509_REQ_verify does, and reads the same names and key facts, over every
// key type the key floor allows and corrupted signatures and contents.
#include "core/pki/csr_fast.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"

namespace tenantca::core::pki {
namespace {

std::string make_csr_der(EVP_PKEY* key, const EVP_MD* md) {
  X509ReqPtr req(X509_REQ_new());
  Subject s;
  s.common_name = "web.svc.acme.internal";
  s.organization = "Acme";
  auto name = make_name(s);
  X509_REQ_set_subject_name(req.get(), name.get());
  X509_REQ_set_pubkey(req.get(), key);
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                          "DNS:web.svc.acme.internal,IP:10.1.2.3,email:ops@acme.example");
  sk_X509_EXTENSION_push(exts, san);
  X509_REQ_add_extensions(req.get(), exts);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  EXPECT_GT(X509_REQ_sign(req.get(), key, md), 0);
  return der_of(req.get(), i2d_X509_REQ);
}

bool openssl_verifies(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    ERR_clear_error();
    return false;
  }
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  const bool ok = pub != nullptr && X509_REQ_verify(req.get(), pub) == 1;
  ERR_clear_error();
  return ok;
}

struct KeyCase {
  const char* label;
  KeySpec spec;
  bool sha384;
};

TEST(CsrFast, AgreesWithOpenSslOnValidAndCorruptedCsrs) {
  const KeyCase cases[] = {
      {"EC P-256", KeySpec{KeyType::ec, "P-256", 0}, false},
      {"EC P-384", KeySpec{KeyType::ec, "P-384", 0}, true},
      {"RSA 2048", KeySpec{KeyType::rsa, "", 2048}, false},
      {"RSA 3072", KeySpec{KeyType::rsa, "", 3072}, true},
      {"RSA 4096", KeySpec{KeyType::rsa, "", 4096}, false},
      {"Ed25519", KeySpec{KeyType::ed25519, "", 0}, false},
  };
  for (const auto& c : cases) {
    auto key = generate_key(c.spec);
    const EVP_MD* md = c.spec.type == KeyType::ed25519 ? nullptr
                       : c.sha384                      ? EVP_sha384()
                                                       : EVP_sha256();
    const std::string der = make_csr_der(key.get(), md);
    auto fast = read_csr_fast(der);
    ASSERT_TRUE(fast) << c.label << ": handled by the decoder-free path";
    EXPECT_TRUE(fast->signature_valid) << c.label;
    EXPECT_TRUE(openssl_verifies(der)) << c.label;
    // The same facts as the OpenSSL path.
    const KeyFacts slow = key_facts(key.get());
    EXPECT_EQ(fast->key.type, slow.type) << c.label;
    EXPECT_EQ(fast->key.curve, slow.curve) << c.label;
    EXPECT_EQ(fast->key.bits, slow.bits) << c.label;
    EXPECT_EQ(fast->key.rsa_exponent_65537, slow.rsa_exponent_65537) << c.label;
    EXPECT_EQ(fast->subject_fields.common_name, "web.svc.acme.internal") << c.label;
    EXPECT_EQ(fast->subject_fields.organization, "Acme") << c.label;
    EXPECT_EQ(fast->sans.dns, std::vector<std::string>{"web.svc.acme.internal"}) << c.label;
    EXPECT_EQ(fast->sans.ip, std::vector<std::string>{"10.1.2.3"}) << c.label;
    EXPECT_EQ(fast->sans.email, std::vector<std::string>{"ops@acme.example"}) << c.label;
    // The key info it builds encodes the same SubjectPublicKeyInfo, byte for byte.
    ASSERT_TRUE(fast->public_key_info) << c.label;
    EXPECT_EQ(der_of(fast->public_key_info.get(), i2d_X509_PUBKEY), der_of(key.get(), i2d_PUBKEY))
        << c.label;

    // Corruptions: the last byte of the signature, a byte of the subject.
    for (std::size_t offset : {der.size() - 1, der.find("web.svc") + 1}) {
      std::string bad = der;
      bad[offset] = static_cast<char>(bad[offset] ^ 0x01);
      const bool openssl = openssl_verifies(bad);
      bool fast_ok = false;
      try {
        auto f = read_csr_fast(bad);
        fast_ok = f && f->signature_valid;
        if (!f) fast_ok = openssl;  // not handled here: the OpenSSL path decides
      } catch (const std::exception&) {
        fast_ok = false;
      }
      EXPECT_FALSE(openssl) << c.label << " corrupted at " << offset;
      EXPECT_EQ(fast_ok, openssl) << c.label << " corrupted at " << offset;
    }
  }
}

TEST(CsrFast, LeavesWhatItDoesNotHandleToOpenSsl) {
  EvpPkeyPtr k1(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
  ASSERT_TRUE(k1);
  EXPECT_FALSE(read_csr_fast(make_csr_der(k1.get(), EVP_sha256()))) << "other curves";
  auto rsa = generate_key(KeySpec{KeyType::rsa, "", 2048});
  EXPECT_FALSE(read_csr_fast(make_csr_der(rsa.get(), EVP_sha1()))) << "SHA-1 signatures";
  EXPECT_THROW(read_csr_fast("not a CSR"), std::exception);
  EXPECT_THROW(read_csr_fast(std::string("\x30\x03\x02\x01\x00", 5)), std::exception);
}

TEST(CsrFast, ParseCsrTakesTheFastPathAndStillRefusesBadSignatures) {
  auto key = generate_key(KeySpec{});
  const std::string der = make_csr_der(key.get(), EVP_sha256());
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio(bio.get(), "CERTIFICATE REQUEST", "",
                reinterpret_cast<const unsigned char*>(der.data()), static_cast<long>(der.size()));
  const std::string pem = bio_to_string(bio.get());
  const auto parsed = parse_csr(pem);
  EXPECT_EQ(parsed.public_key, nullptr) << "no decoded key: the fast path was taken";
  EXPECT_EQ(parsed.key.curve, "prime256v1");
  std::string bad = der;
  bad.back() = static_cast<char>(bad.back() ^ 1);
  BioPtr bad_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio(bad_bio.get(), "CERTIFICATE REQUEST", "",
                reinterpret_cast<const unsigned char*>(bad.data()), static_cast<long>(bad.size()));
  EXPECT_THROW(parse_csr(bio_to_string(bad_bio.get())), std::exception);
}

}  // namespace
}  // namespace tenantca::core::pki
