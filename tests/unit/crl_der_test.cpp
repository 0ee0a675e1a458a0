// The hand-written revokedCertificates encoding must be byte-for-byte what
// OpenSSL would write, and the spliced, re-signed CRL must parse and verify.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "core/pki/certs.hpp"
#include "core/pki/crl_entries_der.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/revocation.hpp"
#include "pki_fixtures.hpp"

using namespace tenantca::core::pki;

namespace {

// What OpenSSL encodes for one entry, built through its object API.
std::string openssl_entry_der(const RevokedEntry& r) {
  X509RevokedPtr rev(X509_REVOKED_new());
  BIGNUM* raw = nullptr;
  BN_hex2bn(&raw, r.serial_hex.c_str());
  BignumPtr bn(raw);
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  X509_REVOKED_set_serialNumber(rev.get(), serial.get());
  Asn1TimePtr when(ASN1_TIME_set(nullptr, static_cast<time_t>(r.revoked_at)));
  X509_REVOKED_set_revocationDate(rev.get(), when.get());
  if (r.reason != RevocationReason::unspecified) {
    std::unique_ptr<ASN1_ENUMERATED, Deleter<ASN1_ENUMERATED_free>> code(ASN1_ENUMERATED_new());
    ASN1_ENUMERATED_set(code.get(), static_cast<long>(r.reason));
    X509_REVOKED_add1_ext_i2d(rev.get(), NID_crl_reason, code.get(), 0, 0);
  }
  unsigned char* der = nullptr;
  const int n = i2d_X509_REVOKED(rev.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

const std::vector<RevokedEntry> kSamples = {
    {"1", 0, RevocationReason::unspecified},
    {"7f", 1700000000, RevocationReason::key_compromise},
    {"80", 1700000001, RevocationReason::aa_compromise},   // top bit: needs a 0x00 byte
    {"ff00ff", 2524608000, RevocationReason::superseded},  // 2050: GeneralizedTime
    {"123456789abcdef0123456789abcdef0", 946684799, RevocationReason::remove_from_crl},
    {"f23456789abcdef0123456789abcdef012", 1234567890, RevocationReason::certificate_hold},
};

}  // namespace

TEST(CrlDer, EachEntryMatchesOpenSsl) {
  for (const auto& r : kSamples) {
    const std::string ours = encode_revoked_certificates({r});
    const std::string theirs = openssl_entry_der(r);
    ASSERT_GT(ours.size(), theirs.size());
    EXPECT_EQ(ours.substr(ours.size() - theirs.size()), theirs) << r.serial_hex;
  }
}

TEST(CrlDer, SplicedCrlParsesVerifiesAndFindsEveryEntry) {
  for (KeyType type : {KeyType::ec, KeyType::rsa, KeyType::ed25519}) {
    KeySpec spec;
    spec.type = type;
    auto [key, ca] = tenantca::test::make_test_ca("CRL test CA", spec);
    std::vector<RevokedEntry> entries = kSamples;
    for (int i = 0; i < 1000; ++i)
      entries.push_back(
          {"a" + std::to_string(100000 + i), 1700000000 + i, RevocationReason::superseded});
    const std::string der = build_crl_der(ca.get(), key.get(), entries, 42, 1700000000, 1700086400);

    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(crl) << key_type_name(type);
    EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der.data()) + der.size());
    EXPECT_EQ(X509_CRL_verify(crl.get(), key.get()), 1) << key_type_name(type);
    EXPECT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())),
              static_cast<int>(entries.size()));
    for (const auto& r : entries) {
      X509_REVOKED* found = nullptr;
      BIGNUM* raw = nullptr;
      BN_hex2bn(&raw, r.serial_hex.c_str());
      BignumPtr bn(raw);
      Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
      // 2: found, but removeFromCRL means "no longer revoked" (a delta-CRL notion).
      const int want_found = r.reason == RevocationReason::remove_from_crl ? 2 : 1;
      ASSERT_EQ(X509_CRL_get0_by_serial(crl.get(), &found, serial.get()), want_found)
          << r.serial_hex;
      int crit = 0;
      std::unique_ptr<ASN1_ENUMERATED, Deleter<ASN1_ENUMERATED_free>> reason(
          static_cast<ASN1_ENUMERATED*>(
              X509_REVOKED_get_ext_d2i(found, NID_crl_reason, &crit, nullptr)));
      if (r.reason == RevocationReason::unspecified) {
        EXPECT_FALSE(reason);
      } else {
        ASSERT_TRUE(reason);
        EXPECT_EQ(ASN1_ENUMERATED_get(reason.get()), static_cast<long>(r.reason));
      }
      int days = 0, secs = 0;
      Asn1TimePtr want(ASN1_TIME_set(nullptr, static_cast<time_t>(r.revoked_at)));
      ASSERT_EQ(ASN1_TIME_diff(&days, &secs, want.get(), X509_REVOKED_get0_revocationDate(found)),
                1);
      EXPECT_EQ(days * 86400 + secs, 0) << r.serial_hex;
    }
    // The CRL number and AKI written by OpenSSL survive the splice.
    std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>> number(static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr)));
    ASSERT_TRUE(number);
    EXPECT_EQ(ASN1_INTEGER_get(number.get()), 42);
    EXPECT_GE(X509_CRL_get_ext_by_NID(crl.get(), NID_authority_key_identifier, -1), 0);
  }
}

TEST(CrlDer, NoEntriesMeansNoListAtAll) {
  auto [key, ca] = tenantca::test::make_test_ca("Empty");
  const std::string der = build_crl_der(ca.get(), key.get(), {}, 1, 1700000000, 1700086400);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  ASSERT_TRUE(crl);
  EXPECT_EQ(X509_CRL_verify(crl.get(), key.get()), 1);
  EXPECT_EQ(X509_CRL_get_REVOKED(crl.get()), nullptr);
}

TEST(CrlDer, RefusesBadInput) {
  EXPECT_THROW(encode_revoked_certificates({{"xyz", 0, RevocationReason::unspecified}}),
               std::invalid_argument);
  EXPECT_THROW(encode_revoked_certificates({{"", 0, RevocationReason::unspecified}}),
               std::invalid_argument);
  EXPECT_THROW(splice_into_tbs("\x04\x01\x00", "x"), std::invalid_argument);
  EXPECT_THROW(splice_into_tbs(std::string("\x30\x05\x02\x01", 4), "x"), std::invalid_argument);
}
