// OCSP answers are cached by what is asked (CA, CertID), never by request
// bytes: a request for one serial padded with 1,000 certificates (in its
// optional signature) is the same cache entry as the plain one.
#include <gtest/gtest.h>
#include <openssl/ocsp.h>

#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/revocation.hpp"
#include "core/pki/service.hpp"
#include "fake_pki_store.hpp"

namespace tenantca::core::pki {
namespace {

const std::string kTenant = "11111111-1111-4111-8111-111111111111";

// A request about `serial_hex` under `ca`; padded: signed by `signer`/`signer_key`
// with 1,000 copies of the signer's certificate attached.
std::string request_for(X509* ca, const std::string& serial_hex, bool padded, X509* signer,
                        EVP_PKEY* signer_key, bool nonce = false) {
  OcspRequestPtr req(OCSP_REQUEST_new());
  BIGNUM* bn = nullptr;
  BN_hex2bn(&bn, serial_hex.c_str());
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn, nullptr));
  BN_free(bn);
  OCSP_CERTID* id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(ca),
                                     X509_get0_pubkey_bitstr(ca), serial.get());
  OCSP_request_add0_id(req.get(), id);
  if (nonce) OCSP_request_add1_nonce(req.get(), nullptr, 16);
  if (padded) {
    STACK_OF(X509)* certs = sk_X509_new_null();
    for (int i = 0; i < 1000; ++i) {
      X509_up_ref(signer);
      sk_X509_push(certs, signer);
    }
    EXPECT_EQ(OCSP_request_sign(req.get(), signer, signer_key, EVP_sha256(), certs, 0), 1);
    sk_X509_pop_free(certs, X509_free);
  }
  return der_of(req.get(), i2d_OCSP_REQUEST);
}

TEST(OcspCacheKey, PaddingDoesNotChangeTheKeyNoncesAndGarbageHaveNone) {
  auto key = generate_key(KeySpec{});
  Subject s;
  s.common_name = "OCSP CA";
  auto name = make_name(s);
  auto ca = build_ca_cert(
      CaCertSpec{name.get(), key.get(), nullptr, key.get(), 1700000000, 1900000000, 0});
  const auto plain = request_for(ca.get(), "1234abcd", false, ca.get(), key.get());
  const auto padded = request_for(ca.get(), "1234abcd", true, ca.get(), key.get());
  ASSERT_GT(padded.size(), plain.size() * 100);
  ASSERT_TRUE(ocsp_cache_key(plain));
  EXPECT_EQ(ocsp_cache_key(plain), ocsp_cache_key(padded));
  EXPECT_NE(ocsp_cache_key(plain),
            ocsp_cache_key(request_for(ca.get(), "1234abce", false, ca.get(), key.get())));
  EXPECT_FALSE(ocsp_cache_key(request_for(ca.get(), "1234abcd", false, ca.get(), key.get(), true)))
      << "a nonce is answered afresh";
  EXPECT_FALSE(ocsp_cache_key("garbage"));
  EXPECT_FALSE(ocsp_cache_key(plain + "x")) << "trailing bytes";
}

TEST(OcspCacheKey, APaddedRequestDoesNotGrowTheServiceCache) {
  test::FakePkiStore store;
  test::FakeClock clock(1800000000);
  Kek kek;
  kek.bytes.fill(5);
  kek.id = "k";
  PkiService service(store, &kek, clock, PkiSettings{"http://ca.test", 86400, 3600});
  service.set_change_feed(true);
  Actor actor{"key", "req", {}};
  CreateCaRequest req;
  req.name = "ocsp";
  req.type = "root";
  req.subject.common_name = "OCSP Root";
  const auto ca = service.create_ca(kTenant, req, actor);
  IssueRequest issue;
  issue.ca_id = ca.id;
  issue.subject.common_name = "leaf.example";
  issue.key = KeySpec{};
  const auto leaf = service.issue(kTenant, issue, actor).certificate;
  auto ca_cert = read_cert_pem(ca.cert.pem);
  auto client_key = generate_key(KeySpec{});
  Subject who;
  who.common_name = "client";
  auto who_name = make_name(who);
  auto client = build_ca_cert(CaCertSpec{who_name.get(), client_key.get(), nullptr,
                                         client_key.get(), 1700000000, 1900000000, 0});
  const auto plain =
      request_for(ca_cert.get(), leaf.cert.serial_hex, false, client.get(), client_key.get());
  (void)service.ocsp(ca.id, plain);
  ASSERT_EQ(service.ocsp_cache_entries(), 1U);
  const std::size_t bytes = service.ocsp_cache_bytes();
  for (int i = 0; i < 3; ++i) {
    const auto padded =
        request_for(ca_cert.get(), leaf.cert.serial_hex, true, client.get(), client_key.get());
    (void)service.ocsp(ca.id, padded);
  }
  EXPECT_EQ(service.ocsp_cache_entries(), 1U);
  EXPECT_EQ(service.ocsp_cache_bytes(), bytes);
  EXPECT_LT(bytes, 4096U);
  EXPECT_EQ(store.status_reads, 1) << "the padded requests were answered from the cache";
}

}  // namespace
}  // namespace tenantca::core::pki
