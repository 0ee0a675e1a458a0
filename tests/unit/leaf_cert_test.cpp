// Copying an encoded public key into a certificate (the fast path) must
// certify exactly the key the slow path certifies, for every key type.
#include <gtest/gtest.h>

#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"
#include "pki_fixtures.hpp"

using namespace tenantca::core::pki;

TEST(LeafCert, CopiedPublicKeyInfoCertifiesTheSameKey) {
  auto [ca_key, ca] = tenantca::test::make_test_ca("Leaf test CA");
  Subject subject;
  subject.common_name = "leaf.example";
  auto name = make_name(subject);
  for (KeySpec spec : {KeySpec{KeyType::ec, "P-256", 0}, KeySpec{KeyType::ec, "P-384", 0},
                       KeySpec{KeyType::rsa, "", 2048}, KeySpec{KeyType::ed25519, "", 0}}) {
    auto key = generate_key(spec);
    LeafCertSpec leaf{name.get(),
                      {},
                      key.get(),
                      nullptr,
                      {Usage::server_auth},
                      ca.get(),
                      ca_key.get(),
                      1700000000,
                      1710000000,
                      "http://x/crl",
                      "http://x/ocsp",
                      "http://x/ca.crt"};
    auto slow = build_leaf_cert(leaf);
    leaf.public_key_info = X509_get_X509_PUBKEY(slow.get());
    auto built = build_leaf_cert(leaf);
    // What a client sees: the certificate parsed from its DER.
    const std::string der = cert_der(built.get());
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509Ptr fast(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(fast) << key_type_name(spec.type);
    EvpPkeyPtr certified(X509_get_pubkey(fast.get()));
    ASSERT_TRUE(certified) << key_type_name(spec.type);
    EXPECT_EQ(EVP_PKEY_eq(certified.get(), key.get()), 1) << key_type_name(spec.type);
    EXPECT_EQ(X509_verify(fast.get(), ca_key.get()), 1) << key_type_name(spec.type);
    EXPECT_EQ(describe(built.get()).key_type,
              key_type_name(spec.type));  // in memory, without a decoded key
  }
}
