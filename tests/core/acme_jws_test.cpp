// The ACME request parsers and verifiers: base64url, JWK (RFC 7517/7638),
// JWS (RFC 8555 6.2) and External Account Binding (7.3.4), table-driven
// where the logic is a rule set.
#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "core/acme/base64url.hpp"
#include "core/acme/eab.hpp"
#include "core/acme/jwk.hpp"
#include "core/acme/jws.hpp"
#include "core/acme/problem.hpp"
#include "core/pki/keys.hpp"

namespace tenantca::core::acme {
namespace {

using pki::EvpPkeyPtr;

std::string b64(const std::string& s) {
  return base64url_encode(s);
}

EvpPkeyPtr key_of(const std::string& type, const std::string& param) {
  if (type == "rsa") return EvpPkeyPtr(EVP_RSA_gen(static_cast<unsigned>(std::stoi(param))));
  pki::KeySpec spec;
  spec.type = *pki::parse_key_type(type);
  if (type == "ec") spec.curve = param;
  return pki::generate_key(spec);
}

// Signs like an ACME client: ECDSA as r || s.
std::string sign(EVP_PKEY* key, const std::string& alg, const std::string& input) {
  const EVP_MD* md = alg == "ES384" ? EVP_sha384() : alg == "EdDSA" ? nullptr : EVP_sha256();
  pki::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key);
  std::size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  if (alg != "ES256" && alg != "ES384") return sig;
  const std::size_t half = alg == "ES384" ? 48 : 32;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string raw(2 * half, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()),
               static_cast<int>(half));
  BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + half,
               static_cast<int>(half));
  ECDSA_SIG_free(es);
  return raw;
}

std::string jws_text(EVP_PKEY* key, const std::string& alg, nlohmann::json header,
                     const std::string& payload) {
  header["alg"] = alg;
  const std::string p = b64(header.dump()), pl = b64(payload);
  return nlohmann::json{
      {"protected", p}, {"payload", pl}, {"signature", b64(sign(key, alg, p + "." + pl))}}
      .dump();
}

std::string type_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AcmeError& e) {
    return e.type();
  }
  return "accepted";
}

TEST(Base64url, RoundTripsAndRefusesWhatIsNotCanonical) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\xff\xfe\x00", 3)}) {
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  for (const char* bad : {"Zg==", "Zm9v+A", "Zm9v/A", "Zm 9v", "Z", "Zh", "Zm9vYh"}) {
    EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
  }
}

TEST(Jwk, Rfc7638ThumbprintExample) {
  const nlohmann::json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
       "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
       "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  EXPECT_EQ(parse_jwk(jwk).thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(Jwk, AcceptsTheSupportedKeysAndTheirOwnThumbprintIsStable) {
  for (const auto& [type, param] : std::vector<std::pair<std::string, std::string>>{
           {"ec", "P-256"}, {"ec", "P-384"}, {"rsa", "2048"}, {"ed25519", ""}}) {
    auto key = key_of(type, param);
    const auto jwk = jwk_of(key.get());
    const auto parsed = parse_jwk(jwk);
    EXPECT_EQ(EVP_PKEY_eq(parsed.key.get(), key.get()), 1) << type << param;
    EXPECT_EQ(parsed.thumbprint, jwk_thumbprint(jwk)) << type << param;
  }
}

TEST(Jwk, RefusesWhatAnAccountKeyMustNotBe) {
  auto p256 = jwk_of(key_of("ec", "P-256").get());
  auto off_curve = p256;
  off_curve["y"] = p256["x"];
  auto p521 = p256;
  p521["crv"] = "P-521";
  auto rsa1024 = jwk_of(key_of("rsa", "1024").get());
  auto with_private = p256;
  with_private["d"] = "AAAA";
  auto short_x = p256;
  short_x["x"] = "AAAA";
  const std::vector<std::pair<nlohmann::json, std::string>> table = {
      {off_curve, "badPublicKey"},
      {p521, "badPublicKey"},
      {rsa1024, "badPublicKey"},
      {{{"kty", "oct"}, {"k", "AAAA"}}, "badPublicKey"},
      {with_private, "malformed"},
      {short_x, "malformed"},
      {nlohmann::json::array(), "malformed"},
      {{{"kty", "EC"}, {"crv", "P-256"}}, "malformed"},
  };
  for (const auto& [jwk, type] : table) {
    EXPECT_EQ(type_of([&] { parse_jwk(jwk); }), type) << jwk.dump();
  }
}

TEST(Jws, VerifiesEveryAllowedAlgorithm) {
  for (const auto& [type, param, alg] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"ec", "P-256", "ES256"},
                                                                      {"ec", "P-384", "ES384"},
                                                                      {"rsa", "2048", "RS256"},
                                                                      {"ed25519", "", "EdDSA"}}) {
    auto key = key_of(type, param);
    const auto text = jws_text(
        key.get(), alg, {{"nonce", "n1"}, {"url", "https://ca/x"}, {"jwk", jwk_of(key.get())}},
        "{\"a\":1}");
    const auto jws = parse_jws(text);
    EXPECT_EQ(jws.nonce, "n1");
    EXPECT_EQ(jws.url, "https://ca/x");
    EXPECT_NO_THROW(verify_jws(jws, parse_jwk(*jws.jwk).key.get())) << alg;
    EXPECT_EQ(payload_object(jws)["a"], 1);
  }
}

TEST(Jws, RefusesTheWrongShapesWithTheRfcProblemTypes) {
  auto key = key_of("ec", "P-256");
  const nlohmann::json good = {{"nonce", "n"}, {"url", "u"}, {"jwk", jwk_of(key.get())}};
  auto signed_text = jws_text(key.get(), "ES256", good, "{}");
  auto tampered = nlohmann::json::parse(signed_text);
  tampered["payload"] = b64("{\"x\":1}");
  auto extra = nlohmann::json::parse(signed_text);
  extra["header"] = {{"kid", "k"}};
  auto both = good;
  both["kid"] = "https://ca/acct/1";
  auto no_nonce = good;
  no_nonce.erase("nonce");
  auto none = nlohmann::json::parse(signed_text);
  none["protected"] =
      b64(nlohmann::json{{"alg", "none"}, {"nonce", "n"}, {"url", "u"}, {"jwk", jwk_of(key.get())}}
              .dump());
  std::string deep = std::string(200, '[') + std::string(200, ']');
  const std::vector<std::pair<std::string, std::string>> table = {
      {tampered.dump(), "unauthorized"},
      {extra.dump(), "malformed"},
      {jws_text(key.get(), "ES256", both, "{}"), "malformed"},
      {jws_text(key.get(), "ES256", no_nonce, "{}"), "malformed"},
      {none.dump(), "badSignatureAlgorithm"},
      {jws_text(key.get(), "RS256", good, "{}"), "malformed"},  // RS256 with an EC key
      {deep, "malformed"},
      {"not json", "malformed"},
      {"{\"protected\":1,\"payload\":\"\",\"signature\":\"\"}", "malformed"},
      {std::string(kMaxJwsBytes + 1, ' '), "malformed"},
  };
  for (const auto& [text, type] : table) {
    EXPECT_EQ(type_of([&] {
                auto jws = parse_jws(text);
                verify_jws(jws, key.get());
              }),
              type)
        << text.substr(0, 80);
  }
}

TEST(ExternalBinding, BindsOnlyTheAccountKeyWithTheRightMac) {
  auto account = key_of("ec", "P-256");
  const auto account_jwk = parse_jwk(jwk_of(account.get()));
  const std::string hmac_key = new_eab_hmac_key();
  const auto binding = [&](const std::string& url, const nlohmann::json& bound,
                           const std::string& mac_key) {
    const std::string p =
        b64(nlohmann::json{{"alg", "HS256"}, {"kid", "kid-1"}, {"url", url}}.dump());
    const std::string pl = b64(bound.dump());
    const std::string input = p + "." + pl;
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), mac_key.data(), static_cast<int>(mac_key.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    return nlohmann::json{{"protected", p},
                          {"payload", pl},
                          {"signature", b64(std::string(reinterpret_cast<char*>(mac), len))}};
  };
  const std::string url = "https://ca/acme/x/new-account";
  const auto good =
      parse_external_binding(binding(url, jwk_of(account.get()), hmac_key), url, account_jwk);
  EXPECT_EQ(good.kid, "kid-1");
  EXPECT_NO_THROW(check_binding_mac(good, hmac_key));
  EXPECT_EQ(type_of([&] { check_binding_mac(good, new_eab_hmac_key()); }), "unauthorized");
  auto other = key_of("ec", "P-256");
  EXPECT_EQ(type_of([&] {
              parse_external_binding(binding(url, jwk_of(other.get()), hmac_key), url, account_jwk);
            }),
            "unauthorized");
  EXPECT_EQ(type_of([&] {
              parse_external_binding(binding("https://elsewhere", jwk_of(account.get()), hmac_key),
                                     url, account_jwk);
            }),
            "malformed");
}

}  // namespace
}  // namespace tenantca::core::acme
