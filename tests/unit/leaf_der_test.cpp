// Leaves written as DER by hand (core/pki/leaf_der.hpp) against an oracle
// built through OpenSSL's X509 API from the same input: the TBSCertificate
// bytes must be identical, the signature must verify, and the record must be
// what describe() reads back from the certificate — over every issuer and
// subject key type, subjects full, short and empty, each kind of SAN, every
// EKU combination and both time encodings.
#include "core/pki/leaf_der.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/pki/certs.hpp"
#include "core/pki/der.hpp"
#include "core/pki/keys.hpp"
#include "pki_fixtures.hpp"

using namespace tenantca::core::pki;

namespace {

const LeafUrls kUrls{"http://ca.example/pki/1/crl", "http://ca.example/pki/1/ocsp",
                     "http://ca.example/pki/1/ca.crt"};

void add_text_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  ASSERT_TRUE(ext) << nid << " " << value;
  ASSERT_EQ(X509_add_ext(cert, ext.get(), -1), 1);
}

// The oracle: the leaf every earlier tenantca built, through the X509 API.
X509Ptr oracle(X509* ca, EVP_PKEY* ca_key, const X509_NAME* subject, const Sans& sans,
               EVP_PKEY* key, const std::vector<Usage>& usages, int64_t nb, int64_t na,
               const std::string& serial) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  BignumPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                         static_cast<int>(serial.size()), nullptr));
  Asn1IntegerPtr number(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  X509_set_serialNumber(cert.get(), number.get());
  X509_set_subject_name(cert.get(), subject);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca));
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(nb));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(na));
  X509_set_pubkey(cert.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, cert.get(), nullptr, nullptr, 0);
  add_text_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_text_ext(cert.get(), &ctx, NID_key_usage,
               EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA
                   ? "critical,digitalSignature,keyEncipherment"
                   : "critical,digitalSignature");
  std::string eku;
  for (Usage u : usages)
    eku += std::string(eku.empty() ? "" : ",") +
           (u == Usage::server_auth ? "serverAuth" : "clientAuth");
  if (!eku.empty()) add_text_ext(cert.get(), &ctx, NID_ext_key_usage, eku);
  if (!sans.empty()) {
    auto gens = general_names(sans);
    X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, gens.get(),
                      X509_NAME_entry_count(subject) == 0 ? 1 : 0, X509V3_ADD_DEFAULT);
  }
  add_text_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_text_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  add_text_ext(cert.get(), &ctx, NID_crl_distribution_points, "URI:" + kUrls.crl);
  add_text_ext(cert.get(), &ctx, NID_info_access,
               "OCSP;URI:" + kUrls.ocsp + ",caIssuers;URI:" + kUrls.ca_issuers);
  EXPECT_GT(X509_sign(cert.get(), ca_key, signing_digest(ca_key)), 0);
  return cert;
}

std::string tbs_of(const std::string& cert_der) {
  std::size_t outer = 0, inner = 0;
  const std::size_t h = der::read_header(cert_der, 0, outer);
  const std::size_t h2 = der::read_header(cert_der, h, inner);
  return cert_der.substr(h, h2 + inner);
}

std::vector<std::string> fields(const Subject& s) {
  return {s.country, s.state, s.locality, s.organization, s.organizational_unit, s.common_name};
}

void expect_same(const CertInfo& a, const CertInfo& b, const std::string& what) {
  EXPECT_EQ(a.serial_hex, b.serial_hex) << what;
  EXPECT_EQ(fields(a.subject), fields(b.subject)) << what;
  EXPECT_EQ(fields(a.issuer), fields(b.issuer)) << what;
  EXPECT_EQ(a.sans.dns, b.sans.dns) << what;
  EXPECT_EQ(a.sans.ip, b.sans.ip) << what;
  EXPECT_EQ(a.sans.email, b.sans.email) << what;
  EXPECT_EQ(a.sans.uri, b.sans.uri) << what;
  EXPECT_EQ(a.not_before, b.not_before) << what;
  EXPECT_EQ(a.not_after, b.not_after) << what;
  EXPECT_EQ(a.key_type, b.key_type) << what;
  EXPECT_EQ(a.fingerprint_sha256, b.fingerprint_sha256) << what;
  EXPECT_EQ(a.pem, b.pem) << what;
  EXPECT_EQ(a.is_ca, b.is_ca) << what;
  EXPECT_EQ(a.path_length, b.path_length) << what;
  EXPECT_EQ(a.self_signed, b.self_signed) << what;
}

struct Variant {
  const char* name;
  Subject subject;
  Sans sans;
  std::vector<Usage> usages;
  int64_t not_after;
};

std::vector<Variant> variants() {
  Subject cn;
  cn.common_name = "leaf.example";
  Subject full;
  full.country = "DE";
  full.state = "Baden-Württemberg";
  full.locality = "Karlsruhe";
  full.organization = "Ünicode GmbH";
  full.organizational_unit = "Platform";
  full.common_name = "api.example.de";
  Sans dns;
  dns.dns = {"leaf.example", "*.leaf.example"};
  Sans all;
  all.dns = {"a.example"};
  all.ip = {"10.1.2.3", "2001:db8::1"};
  all.email = {"ops@example.com"};
  all.uri = {"spiffe://example/ns/a/sa/b"};
  Sans ip_only;
  ip_only.ip = {"192.0.2.7"};
  return {
      {"cn, no SAN, no EKU", cn, {}, {}, 1710000000},
      {"cn, dns, server", cn, dns, {Usage::server_auth}, 1710000000},
      {"full subject, every SAN kind, client+server",
       full,
       all,
       {Usage::client_auth, Usage::server_auth},
       1710000000},
      {"empty subject (critical SAN), server+client",
       {},
       ip_only,
       {Usage::server_auth, Usage::client_auth},
       1710000000},
      {"not after 2051 (GeneralizedTime), client", cn, dns, {Usage::client_auth}, 2557000000},
  };
}

}  // namespace

TEST(LeafDer, SameBytesAsOpenSslsX509ApiForEveryKeyAndShape) {
  const std::vector<std::pair<const char*, KeySpec>> keys = {
      {"P-256", KeySpec{KeyType::ec, "P-256", 0}},
      {"P-384", KeySpec{KeyType::ec, "P-384", 0}},
      {"RSA-2048", KeySpec{KeyType::rsa, "", 2048}},
      {"Ed25519", KeySpec{KeyType::ed25519, "", 0}}};
  std::map<std::string, EvpPkeyPtr> leaf_keys;
  for (const auto& [name, spec] : keys) leaf_keys[name] = generate_key(spec);
  for (const auto& [ca_name, ca_spec] : keys) {
    auto ca = tenantca::test::make_test_ca(std::string("Leaf DER CA ") + ca_name, ca_spec);
    auto issuer = make_leaf_issuer(ca.cert.get(), ca.key.get(), kUrls);
    auto tmpl = signing_template(ca.key.get());  // null for Ed25519: set up per signature
    for (const auto& [leaf_name, leaf_key] : leaf_keys) {
      X509Ptr holder(X509_new());
      ASSERT_EQ(X509_set_pubkey(holder.get(), leaf_key.get()), 1);
      for (const auto& v : variants()) {
        const std::string what = std::string(ca_name) + " signs " + leaf_name + ": " + v.name;
        auto name = make_name(v.subject);
        const std::string serial = random_serial_bytes();
        auto fast = sign_leaf_der(*issuer,
                                  {name.get(), &v.sans, X509_get_X509_PUBKEY(holder.get()),
                                   v.usages, 1700000000, v.not_after, serial},
                                  ca.key.get(), tmpl.get());
        auto slow = oracle(ca.cert.get(), ca.key.get(), name.get(), v.sans, leaf_key.get(),
                           v.usages, 1700000000, v.not_after, serial);
        EXPECT_EQ(tbs_of(fast.der), der_of(slow.get(), i2d_re_X509_tbs)) << what;
        const auto* p = reinterpret_cast<const unsigned char*>(fast.der.data());
        X509Ptr parsed(d2i_X509(nullptr, &p, static_cast<long>(fast.der.size())));
        ASSERT_TRUE(parsed) << what;
        EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(fast.der.data()) + fast.der.size());
        EXPECT_EQ(X509_verify(parsed.get(), ca.key.get()), 1) << what;
        EvpPkeyPtr certified(X509_get_pubkey(parsed.get()));
        ASSERT_TRUE(certified) << what;
        EXPECT_EQ(EVP_PKEY_eq(certified.get(), leaf_key.get()), 1) << what;
        expect_same(fast.info, describe(parsed.get()), what);
      }
    }
  }
}

namespace {

// A leaf for the CA's own public key under `common_name`.
SignedLeaf leaf_of_own_key(const tenantca::test::TestCa& ca, const std::string& common_name) {
  Subject subject;
  subject.common_name = common_name;
  auto name = make_name(subject);
  const Sans none;
  return sign_leaf_der(*make_leaf_issuer(ca.cert.get(), ca.key.get(), kUrls),
                       {name.get(),
                        &none,
                        X509_get_X509_PUBKEY(ca.cert.get()),
                        {Usage::server_auth},
                        1700000000,
                        1710000000,
                        {}},
                       ca.key.get(), nullptr);
}

}  // namespace

TEST(LeafDer, SelfIssuedLeafIsDescribedByOpenSsl) {
  auto ca = tenantca::test::make_test_ca("Self issued");
  // The CA's own key under the CA's own name: the record must say exactly
  // what describe() says of it.
  const auto leaf = leaf_of_own_key(ca, "Self issued");
  const auto* p = reinterpret_cast<const unsigned char*>(leaf.der.data());
  X509Ptr parsed(d2i_X509(nullptr, &p, static_cast<long>(leaf.der.size())));
  ASSERT_TRUE(parsed);
  expect_same(leaf.info, describe(parsed.get()), "self-issued");
}

TEST(LeafDer, SerialsArePositiveFullLengthAndFresh) {
  auto ca = tenantca::test::make_test_ca("Serials");
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    const auto leaf = leaf_of_own_key(ca, "serial.example");
    EXPECT_GE(leaf.info.serial_hex.size(), 39u);  // 20 bytes, first one 0x01..0x7f
    EXPECT_LE(leaf.info.serial_hex.size(), 40u);
    EXPECT_TRUE(seen.insert(leaf.info.serial_hex).second);
  }
}
