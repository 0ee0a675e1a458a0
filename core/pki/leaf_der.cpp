#include "core/pki/leaf_der.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/sha.h>

#include "core/pki/certs.hpp"
#include "core/pki/der.hpp"
#include "core/pki/keys.hpp"
#include "core/random.hpp"

namespace tenantca::core::pki {
namespace {

std::string extension_der(X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtPtr ext(
      check_ptr(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()), "X509V3_EXT_conf_nid"));
  return der_of(ext.get(), i2d_X509_EXTENSION);
}

// Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }
std::string extension(std::string_view oid_der, std::string_view value) {
  std::string body(oid_der);
  der::append_tlv(body, 0x04, value);
  std::string out;
  der::append_tlv(out, 0x30, body);
  return out;
}

// id-ce-extKeyUsage and the two purposes a leaf may carry.
constexpr char kEkuOid[] = "\x06\x03\x55\x1d\x25";
constexpr char kServerAuth[] = "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x01";
constexpr char kClientAuth[] = "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x02";
constexpr char kSkiOid[] = "\x06\x03\x55\x1d\x0e";

std::string extended_key_usage(const std::vector<Usage>& usages) {
  std::string purposes;
  for (Usage u : usages)
    purposes.append(u == Usage::server_auth ? kServerAuth : kClientAuth, sizeof kServerAuth - 1);
  std::string value;
  der::append_tlv(value, 0x30, purposes);
  return extension({kEkuOid, sizeof kEkuOid - 1}, value);
}

// RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
std::string subject_key_id(const X509_PUBKEY* key) {
  const unsigned char* bits = nullptr;
  int len = 0;
  check(X509_PUBKEY_get0_param(nullptr, &bits, &len, nullptr, key) == 1, "X509_PUBKEY_get0_param");
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(bits, static_cast<std::size_t>(len), md);
  std::string value;
  der::append_tlv(value, 0x04, {reinterpret_cast<const char*>(md), sizeof md});
  return extension({kSkiOid, sizeof kSkiOid - 1}, value);
}

std::string signature_algorithm(EVP_PKEY* key) {
  EvpMdCtxPtr ctx(check_ptr(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  const EVP_MD* md = signing_digest(key);
  EVP_PKEY_CTX* pctx = nullptr;
  check(EVP_DigestSignInit_ex(ctx.get(), &pctx, md ? EVP_MD_get0_name(md) : nullptr, nullptr,
                              nullptr, key, nullptr) == 1,
        "EVP_DigestSignInit_ex");
  unsigned char aid[128];
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, sizeof aid),
      OSSL_PARAM_construct_end()};
  check(EVP_PKEY_CTX_get_params(pctx, params) == 1 && params[0].return_size > 0 &&
            params[0].return_size <= sizeof aid,
        "signature algorithm identifier");
  return {reinterpret_cast<const char*>(aid), params[0].return_size};
}

std::string signature_over(const std::string& tbs, EVP_PKEY* key, const EVP_MD_CTX* tmpl) {
  const EvpMdCtxPtr ctx = signing_context(key, tmpl);
  std::string sig(static_cast<std::size_t>(EVP_PKEY_get_size(key)), '\0');
  std::size_t len = sig.size();
  check(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size()) == 1,
        "EVP_DigestSign");
  sig.resize(len);
  return sig;
}

std::string pem_of(const std::string& der) {
  const std::string b64 = base64_encode(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  out.reserve(b64.size() + b64.size() / 64 + 64);
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out.push_back('\n');
  }
  out += "-----END CERTIFICATE-----\n";
  return out;
}

std::string serial_to_hex(const std::string& serial) {
  std::string hex = hex_lower(reinterpret_cast<const unsigned char*>(serial.data()), serial.size());
  const auto first = hex.find_first_not_of('0');
  return first == std::string::npos ? "0" : hex.substr(first);
}

}  // namespace

std::string random_serial_bytes() {
  std::string b(20, '\0');
  core::identifier_random_bytes(reinterpret_cast<unsigned char*>(b.data()), b.size());
  b[0] = static_cast<char>(b[0] & 0x7f);  // positive
  if (b[0] == 0) b[0] = 0x01;             // keep the full length: at least 153 random bits
  return b;
}

std::shared_ptr<const LeafIssuer> make_leaf_issuer(X509* issuer_cert, EVP_PKEY* issuer_key,
                                                   const LeafUrls& urls) {
  auto out = std::make_shared<LeafIssuer>();
  out->name_der = der_of(X509_get_subject_name(issuer_cert), i2d_X509_NAME);
  out->name = subject_of(X509_get_subject_name(issuer_cert));
  out->signature_algorithm_der = signature_algorithm(issuer_key);
  // The AKI reads the issuer certificate; the others depend only on their text.
  X509Ptr subject(check_ptr(X509_new(), "X509_new"));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, subject.get(), nullptr, nullptr, 0);
  out->basic_constraints = extension_der(&ctx, NID_basic_constraints, "critical,CA:FALSE");
  out->key_usage = extension_der(&ctx, NID_key_usage, "critical,digitalSignature");
  out->key_usage_rsa =
      extension_der(&ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  out->authority_key_id = extension_der(&ctx, NID_authority_key_identifier, "keyid:always");
  out->crl_distribution_points =
      extension_der(&ctx, NID_crl_distribution_points, "URI:" + urls.crl);
  out->authority_info_access = extension_der(
      &ctx, NID_info_access, "OCSP;URI:" + urls.ocsp + ",caIssuers;URI:" + urls.ca_issuers);
  return out;
}

SignedLeaf sign_leaf_der(const LeafIssuer& issuer, const LeafToSign& leaf, EVP_PKEY* issuer_key,
                         const EVP_MD_CTX* sign_template) {
  const std::string serial = leaf.serial.empty() ? random_serial_bytes() : leaf.serial;
  check(serial.size() == 20 && serial[0] > 0, "serial");
  const std::string subject_der = der_of(leaf.subject, i2d_X509_NAME);
  const std::string key_der = der_of(leaf.public_key_info, i2d_X509_PUBKEY);
  const std::string key_type = key_type_of(leaf.public_key_info);

  // Extensions in the order every tenantca leaf has carried them.
  std::string exts = issuer.basic_constraints;
  exts += key_type == "rsa" ? issuer.key_usage_rsa : issuer.key_usage;
  if (!leaf.usages.empty()) exts += extended_key_usage(leaf.usages);
  GeneralNamesPtr gens;
  if (leaf.sans != nullptr && !leaf.sans->empty()) {
    gens = general_names(*leaf.sans);
    // With an empty subject the SAN extension must be critical (RFC 5280 4.2.1.6).
    const int critical = X509_NAME_entry_count(leaf.subject) == 0 ? 1 : 0;
    X509ExtPtr san(check_ptr(X509V3_EXT_i2d(NID_subject_alt_name, critical, gens.get()), "SAN"));
    exts += der_of(san.get(), i2d_X509_EXTENSION);
  }
  exts += subject_key_id(leaf.public_key_info);
  exts += issuer.authority_key_id;
  exts += issuer.crl_distribution_points;
  exts += issuer.authority_info_access;

  std::string body("\xa0\x03\x02\x01\x02", 5);  // [0] EXPLICIT version v3
  der::append_tlv(body, 0x02, serial);
  body += issuer.signature_algorithm_der;
  body += issuer.name_der;
  std::string validity;
  der::append_time(validity, leaf.not_before);
  der::append_time(validity, leaf.not_after);
  der::append_tlv(body, 0x30, validity);
  body += subject_der;
  body += key_der;
  std::string ext_seq;
  der::append_tlv(ext_seq, 0x30, exts);
  der::append_tlv(body, 0xa3, ext_seq);  // [3] EXPLICIT extensions
  std::string tbs;
  tbs.reserve(body.size() + 4);
  der::append_tlv(tbs, 0x30, body);

  SignedLeaf out;
  out.der = der::assemble_signed(tbs, issuer.signature_algorithm_der,
                                 signature_over(tbs, issuer_key, sign_template));
  if (subject_der == issuer.name_der) {
    // Self-issued: whether it is also self-signed takes OpenSSL's own check.
    const auto* p = reinterpret_cast<const unsigned char*>(out.der.data());
    X509Ptr cert(check_ptr(d2i_X509(nullptr, &p, static_cast<long>(out.der.size())), "d2i_X509"));
    out.info = describe(cert.get());
    return out;
  }
  CertInfo& info = out.info;
  info.serial_hex = serial_to_hex(serial);
  info.subject = subject_of(leaf.subject);
  info.issuer = issuer.name;
  info.sans = sans_of(gens.get());
  info.not_before = leaf.not_before;
  info.not_after = leaf.not_after;
  info.key_type = key_type;
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(out.der.data()), out.der.size(), md);
  info.fingerprint_sha256 = hex_lower(md, sizeof md);
  info.pem = pem_of(out.der);
  return out;
}

}  // namespace tenantca::core::pki
