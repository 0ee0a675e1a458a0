#include "core/acme/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "core/acme/base64url.hpp"
#include "core/acme/problem.hpp"

namespace tenantca::core::acme {
namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, pki::Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, pki::Deleter<OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, pki::Deleter<EVP_PKEY_CTX_free>>;

[[noreturn]] void bad_key(const std::string& detail) {
  throw AcmeError("badPublicKey", detail, 400);
}

std::string member(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string())
    malformed(std::string("JWK member \"") + name + "\" missing");
  return it->get<std::string>();
}

std::string decoded(const nlohmann::json& jwk, const char* name) {
  auto bytes = base64url_decode(member(jwk, name));
  if (!bytes) malformed(std::string("JWK member \"") + name + "\" is not base64url");
  return *bytes;
}

pki::EvpPkeyPtr from_params(const char* type, OSSL_PARAM* params) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    bad_key("the key's parameters do not make a public key");
  }
  return pki::EvpPkeyPtr(raw);
}

pki::EvpPkeyPtr ec_key(const std::string& curve, const std::string& x, const std::string& y) {
  const std::size_t len = curve == "P-256" ? 32 : 48;
  if (x.size() != len || y.size() != len) malformed("EC coordinates have the wrong length");
  std::string point = "\x04" + x + y;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  const char* group = curve == "P-256" ? "prime256v1" : "secp384r1";
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    throw std::runtime_error("OSSL_PARAM_BLD");
  }
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  auto key = from_params("EC", params.get());
  // fromdata does not check that the point is on the curve.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    bad_key("the EC point is not on the curve");
  }
  return key;
}

pki::EvpPkeyPtr rsa_key(const std::string& n, const std::string& e) {
  if (n.empty() || n[0] == '\0') malformed("RSA modulus has a leading zero");
  const std::size_t bits = n.size() * 8;
  if (bits < 2048 || bits > 8192) bad_key("RSA account keys must have 2048 to 8192 bits");
  if (e != std::string("\x01\x00\x01", 3)) bad_key("RSA account keys must use the exponent 65537");
  pki::BignumPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                                static_cast<int>(n.size()), nullptr));
  pki::BignumPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                                static_cast<int>(e.size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    throw std::runtime_error("OSSL_PARAM_BLD");
  }
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("RSA", params.get());
}

std::string raw_public(EVP_PKEY* key, const char* name) {
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, name, nullptr, 0, &len) != 1) return {};
  std::string out(len, '\0');
  EVP_PKEY_get_octet_string_param(key, name, reinterpret_cast<unsigned char*>(out.data()), len,
                                  &len);
  out.resize(len);
  return out;
}

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return {};
  pki::BignumPtr owned(bn);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

std::string jwk_thumbprint(const nlohmann::json& members) {
  // nlohmann's object keeps keys sorted: dump() is the RFC 7638 form.
  const std::string canonical = members.dump();
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), md);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), sizeof md));
}

Jwk parse_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) malformed("the JWK is not a JSON object");
  Jwk out;
  out.kty = member(jwk, "kty");
  if (out.kty == "EC") {
    out.curve = member(jwk, "crv");
    if (out.curve != "P-256" && out.curve != "P-384")
      bad_key("EC account keys must use P-256 or P-384, not " + out.curve);
    out.key = ec_key(out.curve, decoded(jwk, "x"), decoded(jwk, "y"));
    out.members = {
        {"crv", out.curve}, {"kty", "EC"}, {"x", member(jwk, "x")}, {"y", member(jwk, "y")}};
  } else if (out.kty == "RSA") {
    out.key = rsa_key(decoded(jwk, "n"), decoded(jwk, "e"));
    out.members = {{"e", member(jwk, "e")}, {"kty", "RSA"}, {"n", member(jwk, "n")}};
  } else if (out.kty == "OKP") {
    out.curve = member(jwk, "crv");
    if (out.curve != "Ed25519") bad_key("OKP account keys must use Ed25519, not " + out.curve);
    const std::string x = decoded(jwk, "x");
    if (x.size() != 32) malformed("Ed25519 key has the wrong length");
    out.key.reset(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
    if (!out.key) bad_key("not an Ed25519 public key");
    out.members = {{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", member(jwk, "x")}};
  } else {
    bad_key("unsupported key type " + out.kty + " (EC, RSA or OKP)");
  }
  if (jwk.contains("d") || jwk.contains("p") || jwk.contains("q"))
    malformed("the JWK holds private key material");
  out.thumbprint = jwk_thumbprint(out.members);
  return out;
}

nlohmann::json jwk_of(EVP_PKEY* key) {
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_EC) {
    const int bits = EVP_PKEY_get_bits(key);
    const std::size_t len = bits > 256 ? 48 : 32;
    const std::string point = raw_public(key, OSSL_PKEY_PARAM_PUB_KEY);
    if (point.size() != 1 + 2 * len) return nullptr;
    return {{"crv", bits > 256 ? "P-384" : "P-256"},
            {"kty", "EC"},
            {"x", base64url_encode(point.substr(1, len))},
            {"y", base64url_encode(point.substr(1 + len, len))}};
  }
  if (id == EVP_PKEY_RSA) {
    return {{"e", base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_E))},
            {"kty", "RSA"},
            {"n", base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_N))}};
  }
  if (id == EVP_PKEY_ED25519) {
    std::string raw(32, '\0');
    std::size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1)
      return nullptr;
    return {{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", base64url_encode(raw)}};
  }
  return nullptr;
}

}  // namespace tenantca::core::acme
