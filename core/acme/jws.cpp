#include "core/acme/jws.hpp"

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/acme/base64url.hpp"
#include "core/acme/problem.hpp"

namespace tenantca::core::acme {
namespace {

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, pki::Deleter<ECDSA_SIG_free>>;

std::string string_field(const nlohmann::json& o, const char* name, const char* where) {
  auto it = o.find(name);
  if (it == o.end()) malformed(std::string(where) + " has no \"" + name + "\"");
  if (!it->is_string()) malformed(std::string(where) + " \"" + name + "\" is not a string");
  return it->get<std::string>();
}

std::string decode_field(const std::string& value, const char* name) {
  auto bytes = base64url_decode(value);
  if (!bytes) malformed(std::string("JWS \"") + name + "\" is not base64url");
  return *bytes;
}

// JWS ECDSA signatures are r || s, each the curve's size; OpenSSL wants DER.
std::string ecdsa_der(const std::string& raw, std::size_t half) {
  if (raw.size() != 2 * half)
    throw AcmeError("unauthorized", "the signature has the wrong length", 401);
  pki::BignumPtr r(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()),
                             static_cast<int>(half), nullptr));
  pki::BignumPtr s(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + half,
                             static_cast<int>(half), nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
    throw std::runtime_error("ECDSA_SIG");
  // The signature owns r and s now.
  (void)r.release();
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) throw std::runtime_error("i2d_ECDSA_SIG");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

nlohmann::json parse_bounded_json(std::string_view text, const char* what) {
  const auto deep = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth) throw AcmeError("malformed", "JSON nested too deeply", 400);
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), deep);
  } catch (const nlohmann::json::exception&) {
    malformed(std::string(what) + " is not valid JSON");
  }
}

Jws parse_jws(std::string_view body, bool nonce_required) {
  if (body.size() > kMaxJwsBytes) malformed("the request is too large");
  const auto outer = parse_bounded_json(body, "the request body");
  if (!outer.is_object()) malformed("the request body is not a JWS object");
  for (const auto& [key, value] : outer.items()) {
    if (key != "protected" && key != "payload" && key != "signature")
      malformed("the JWS has a member \"" + key +
                "\" (unprotected headers and several signatures are not allowed)");
  }
  Jws jws;
  jws.protected_b64 = string_field(outer, "protected", "the JWS");
  jws.payload_b64 = string_field(outer, "payload", "the JWS");
  jws.signature = decode_field(string_field(outer, "signature", "the JWS"), "signature");
  const auto header =
      parse_bounded_json(decode_field(jws.protected_b64, "protected"), "the protected header");
  if (!header.is_object()) malformed("the protected header is not an object");
  jws.alg = string_field(header, "alg", "the protected header");
  if (jws.alg != "ES256" && jws.alg != "ES384" && jws.alg != "RS256" && jws.alg != "EdDSA" &&
      (nonce_required || jws.alg != "HS256")) {
    throw AcmeError("badSignatureAlgorithm",
                    "the algorithm " + jws.alg + " is not supported (ES256, ES384, RS256, EdDSA)",
                    400);
  }
  if (header.contains("b64") || header.contains("crit"))
    malformed("\"b64\" and \"crit\" are not allowed");
  if (nonce_required) jws.nonce = string_field(header, "nonce", "the protected header");
  jws.url = string_field(header, "url", "the protected header");
  const bool has_jwk = header.contains("jwk"), has_kid = header.contains("kid");
  if (nonce_required && has_jwk == has_kid)
    malformed("the protected header needs exactly one of \"jwk\" and \"kid\"");
  if (has_jwk) jws.jwk = header.at("jwk");
  if (has_kid) jws.kid = string_field(header, "kid", "the protected header");
  jws.payload = decode_field(jws.payload_b64, "payload");
  return jws;
}

void verify_jws(const Jws& jws, EVP_PKEY* key) {
  const std::string input = jws.protected_b64 + "." + jws.payload_b64;
  const int id = EVP_PKEY_get_base_id(key);
  const int bits = EVP_PKEY_get_bits(key);
  const EVP_MD* md = nullptr;
  std::string sig = jws.signature;
  if (jws.alg == "ES256" || jws.alg == "ES384") {
    const bool p384 = jws.alg == "ES384";
    if (id != EVP_PKEY_EC || (bits > 256) != p384)
      malformed(jws.alg + " does not fit the account key");
    md = p384 ? EVP_sha384() : EVP_sha256();
    sig = ecdsa_der(sig, p384 ? 48 : 32);
  } else if (jws.alg == "RS256") {
    if (id != EVP_PKEY_RSA) malformed("RS256 does not fit the account key");
    md = EVP_sha256();
  } else if (jws.alg == "EdDSA") {
    if (id != EVP_PKEY_ED25519) malformed("EdDSA does not fit the account key");
  } else {
    throw AcmeError("badSignatureAlgorithm", "the algorithm " + jws.alg + " is not supported", 400);
  }
  pki::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  ERR_clear_error();
  if (!ok) throw AcmeError("unauthorized", "the JWS signature does not verify", 401);
}

nlohmann::json payload_object(const Jws& jws) {
  auto payload = parse_bounded_json(jws.payload, "the payload");
  if (!payload.is_object()) malformed("the payload is not a JSON object");
  return payload;
}

}  // namespace tenantca::core::acme
