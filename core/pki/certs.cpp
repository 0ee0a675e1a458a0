#include "core/pki/certs.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "core/errors.hpp"
#include "core/pki/csr_fast.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/name_constraints.hpp"
#include "core/pki/pkcs12_limits.hpp"
#include "core/random.hpp"
#include "core/text.hpp"

namespace tenantca::core::pki {
namespace {

struct NameField {
  int nid;
  std::string Subject::*field;
};
const NameField kNameFields[] = {
    {NID_countryName, &Subject::country},
    {NID_stateOrProvinceName, &Subject::state},
    {NID_localityName, &Subject::locality},
    {NID_organizationName, &Subject::organization},
    {NID_organizationalUnitName, &Subject::organizational_unit},
    {NID_commonName, &Subject::common_name},
};

int64_t asn1_time_to_epoch(const ASN1_TIME* t) {
  std::tm tm{};
  check(ASN1_TIME_to_tm(t, &tm) == 1, "ASN1_TIME_to_tm");
  return static_cast<int64_t>(timegm(&tm));
}

std::string asn1_string(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

}  // namespace

Sans sans_of(const GENERAL_NAMES* gens) {
  Sans out;
  if (gens == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
    switch (g->type) {
      case GEN_DNS:
        out.dns.push_back(asn1_string(g->d.dNSName));
        break;
      case GEN_EMAIL:
        out.email.push_back(asn1_string(g->d.rfc822Name));
        break;
      case GEN_URI:
        out.uri.push_back(asn1_string(g->d.uniformResourceIdentifier));
        break;
      case GEN_IPADD: {
        const std::string raw = asn1_string(g->d.iPAddress);
        char buf[INET6_ADDRSTRLEN] = {};
        if (raw.size() == 4)
          inet_ntop(AF_INET, raw.data(), buf, sizeof buf);
        else if (raw.size() == 16)
          inet_ntop(AF_INET6, raw.data(), buf, sizeof buf);
        if (buf[0]) out.ip.emplace_back(buf);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

namespace {

void add_conf_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtPtr ext(
      check_ptr(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()), "X509V3_EXT_conf_nid"));
  check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

}  // namespace

GeneralNamesPtr general_names(const Sans& sans) {
  GeneralNamesPtr gens(check_ptr(sk_GENERAL_NAME_new_null(), "sk_GENERAL_NAME_new_null"));
  auto push_ia5 = [&](int type, const std::string& v) {
    GENERAL_NAME* g = check_ptr(GENERAL_NAME_new(), "GENERAL_NAME_new");
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, v.data(), static_cast<int>(v.size()));
    GENERAL_NAME_set0_value(g, type, s);
    sk_GENERAL_NAME_push(gens.get(), g);
  };
  for (const auto& d : sans.dns) push_ia5(GEN_DNS, d);
  for (const auto& ip : sans.ip) {
    ASN1_OCTET_STRING* o = a2i_IPADDRESS(ip.c_str());
    if (o == nullptr)
      throw DomainError(ErrorCode::invalid_request, "Not an IP address: '" + ip + "'.");
    GENERAL_NAME* g = check_ptr(GENERAL_NAME_new(), "GENERAL_NAME_new");
    GENERAL_NAME_set0_value(g, GEN_IPADD, o);
    sk_GENERAL_NAME_push(gens.get(), g);
  }
  for (const auto& e : sans.email) push_ia5(GEN_EMAIL, e);
  for (const auto& u : sans.uri) push_ia5(GEN_URI, u);
  return gens;
}

namespace {

void set_validity(X509* cert, int64_t not_before, int64_t not_after) {
  check(ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before)) != nullptr,
        "notBefore");
  check(ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_after)) != nullptr,
        "notAfter");
}

void sign(X509* cert, EVP_PKEY* key) {
  check(X509_sign(cert, key, signing_digest(key)) > 0, "X509_sign");
}

}  // namespace

const EVP_MD* signing_digest(EVP_PKEY* key) {
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_ED25519) return nullptr;
  if (id == EVP_PKEY_EC && EVP_PKEY_get_bits(key) > 256) return EVP_sha384();
  return EVP_sha256();
}

X509NamePtr make_name(const Subject& s) {
  X509NamePtr name(check_ptr(X509_NAME_new(), "X509_NAME_new"));
  for (const auto& f : kNameFields) {
    const std::string& v = s.*(f.field);
    if (v.empty()) continue;
    check(X509_NAME_add_entry_by_NID(name.get(), f.nid, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(v.data()),
                                     static_cast<int>(v.size()), -1, 0) == 1,
          "X509_NAME_add_entry_by_NID");
  }
  return name;
}

Subject subject_of(const X509_NAME* name) {
  Subject s;
  for (const auto& f : kNameFields) {
    const int idx = X509_NAME_get_index_by_NID(name, f.nid, -1);
    if (idx < 0) continue;
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n >= 0) {
      s.*(f.field) = std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
      OPENSSL_free(utf8);
    }
  }
  return s;
}

X509Ptr read_cert_pem(const std::string& pem) {
  auto bio = memory_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return cert;
}

std::vector<X509Ptr> read_cert_chain_pem(const std::string& pem) {
  auto bio = memory_bio(pem);
  std::vector<X509Ptr> out;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  ERR_clear_error();
  return out;
}

std::string cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return bio_to_string(bio.get());
}

std::string cert_der(X509* cert) {
  return der_of(cert, i2d_X509);
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  BignumPtr bn(check_ptr(ASN1_INTEGER_to_BN(serial, nullptr), "serial"));
  char* hex = BN_bn2hex(bn.get());
  std::string s = hex;
  OPENSSL_free(hex);
  s = to_lower_ascii(s);
  // BN_bn2hex pads to whole bytes; the canonical form has no leading zeros.
  if (auto first = s.find_first_not_of('0'); first != std::string::npos) s.erase(0, first);
  return s;
}

CertInfo describe(X509* cert) {
  CertInfo info;
  info.serial_hex = serial_hex(X509_get0_serialNumber(cert));
  info.subject = subject_of(X509_get_subject_name(cert));
  info.issuer = subject_of(X509_get_issuer_name(cert));
  GeneralNamesPtr gens(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  info.sans = sans_of(gens.get());
  info.not_before = asn1_time_to_epoch(X509_get0_notBefore(cert));
  info.not_after = asn1_time_to_epoch(X509_get0_notAfter(cert));
  info.key_type = key_type_of(X509_get_X509_PUBKEY(cert));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  check(X509_digest(cert, EVP_sha256(), md, &len) == 1, "X509_digest");
  info.fingerprint_sha256 = hex_lower(md, len);
  info.pem = cert_pem(cert);
  if (auto* bc = static_cast<BASIC_CONSTRAINTS*>(
          X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr))) {
    info.is_ca = bc->ca != 0;
    if (bc->ca && bc->pathlen) info.path_length = static_cast<int>(ASN1_INTEGER_get(bc->pathlen));
    BASIC_CONSTRAINTS_free(bc);
  }
  info.self_signed = X509_self_signed(cert, 1) == 1;
  ERR_clear_error();
  return info;
}

ParsedCsr parse_csr(const std::string& pem) {
  // Decoder-free first (most of the CPU a CSR costs, docs/pitfalls.md); the
  // OpenSSL path below for anything it does not handle.
  if (auto der = csr_pem_to_der(pem)) {
    if (auto fast = read_csr_fast(*der)) {
      if (!fast->signature_valid)
        throw DomainError(ErrorCode::invalid_csr, "The CSR's signature does not verify.");
      ParsedCsr out;
      out.subject_fields = fast->subject_fields;
      out.sans = std::move(fast->sans);
      out.key = fast->key;
      out.owned_public_key_info = std::move(fast->public_key_info);
      out.public_key_info = out.owned_public_key_info.get();
      return out;
    }
  }
  auto bio = memory_bio(pem);
  X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!req)
    throw DomainError(ErrorCode::invalid_csr,
                      "Field 'csr_pem' is not a PEM certificate signing request.");
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (pub == nullptr)
    throw DomainError(ErrorCode::invalid_csr, "The CSR's public key cannot be read.");
  if (X509_REQ_verify(req.get(), pub) != 1) {
    ERR_clear_error();
    throw DomainError(ErrorCode::invalid_csr, "The CSR's signature does not verify.");
  }
  const X509_NAME* requested = X509_REQ_get_subject_name(req.get());
  const int first_cn = X509_NAME_get_index_by_NID(requested, NID_commonName, -1);
  if (first_cn >= 0 && X509_NAME_get_index_by_NID(requested, NID_commonName, first_cn) >= 0) {
    throw DomainError(ErrorCode::invalid_csr, "The CSR's subject has more than one common name.");
  }
  ParsedCsr out;
  out.subject.reset(
      check_ptr(X509_NAME_dup(X509_REQ_get_subject_name(req.get())), "X509_NAME_dup"));
  out.subject_fields = subject_of(out.subject.get());
  if (STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get())) {
    GeneralNamesPtr gens(
        static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr)));
    out.sans = sans_of(gens.get());
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  EVP_PKEY_up_ref(pub);
  out.public_key.reset(pub);
  out.key = key_facts(pub);
  out.public_key_info = X509_REQ_get_X509_PUBKEY(req.get());
  out.request = std::move(req);
  ERR_clear_error();
  return out;
}

Pkcs12Contents parse_pkcs12(const std::string& der, const std::string& password) {
  if (der.size() > kMaxPkcs12Bytes) {
    throw_invalid("PKCS#12 files larger than " + std::to_string(kMaxPkcs12Bytes / 1024) +
                  " KiB are refused.");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) {
    ERR_clear_error();
    throw_invalid("Field 'pkcs12_base64' is not a PKCS#12 file.");
  }
  check_pkcs12_costs(p12.get(), password);
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12.get(), password.c_str(), &key, &cert, &ca) != 1) {
    ERR_clear_error();
    throw_invalid("The PKCS#12 file cannot be opened with this password.");
  }
  Pkcs12Contents out{EvpPkeyPtr(key), X509Ptr(cert), X509StackPtr(ca)};
  if (!out.cert) throw_invalid("The PKCS#12 file holds no certificate.");
  return out;
}

Asn1IntegerPtr random_serial() {
  unsigned char b[20];
  core::identifier_random_bytes(b, sizeof b);
  b[0] &= 0x7f;                // positive
  if (b[0] == 0) b[0] = 0x01;  // keep the full length: at least 153 random bits
  BignumPtr bn(check_ptr(BN_bin2bn(b, sizeof b, nullptr), "BN_bin2bn"));
  return Asn1IntegerPtr(check_ptr(BN_to_ASN1_INTEGER(bn.get(), nullptr), "BN_to_ASN1_INTEGER"));
}

X509Ptr build_ca_cert(const CaCertSpec& spec) {
  X509Ptr cert(check_ptr(X509_new(), "X509_new"));
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  auto serial = random_serial();
  check(X509_set_serialNumber(cert.get(), serial.get()) == 1, "serial");
  check(X509_set_subject_name(cert.get(), spec.subject) == 1, "subject");
  check(X509_set_issuer_name(cert.get(), spec.issuer_cert ? X509_get_subject_name(spec.issuer_cert)
                                                          : spec.subject) == 1,
        "issuer");
  set_validity(cert.get(), spec.not_before, spec.not_after);
  check(X509_set_pubkey(cert.get(), spec.subject_key) == 1, "pubkey");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, spec.issuer_cert ? spec.issuer_cert : cert.get(), cert.get(), nullptr,
                 nullptr, 0);
  std::string bc = "critical,CA:TRUE";
  if (spec.path_length) bc += ",pathlen:" + std::to_string(*spec.path_length);
  add_conf_ext(cert.get(), &ctx, NID_basic_constraints, bc);
  add_conf_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  add_conf_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_conf_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (spec.name_constraints != nullptr) add_name_constraints(cert.get(), *spec.name_constraints);
  sign(cert.get(), spec.issuer_key);
  return cert;
}

namespace {
bool init_signing(EVP_MD_CTX* ctx, EVP_PKEY* key) {
  const EVP_MD* md = signing_digest(key);
  return EVP_DigestSignInit_ex(ctx, nullptr, md ? EVP_MD_get0_name(md) : nullptr, nullptr, nullptr,
                               key, nullptr) == 1;
}
}  // namespace

EvpMdCtxPtr signing_template(EVP_PKEY* key) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || !init_signing(ctx.get(), key)) {
    ERR_clear_error();
    return nullptr;
  }
  // Only worth keeping if it can be copied (EdDSA contexts cannot in 3.0).
  EvpMdCtxPtr probe(EVP_MD_CTX_new());
  if (!probe || EVP_MD_CTX_copy_ex(probe.get(), ctx.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

EvpMdCtxPtr signing_context(EVP_PKEY* key, const EVP_MD_CTX* tmpl) {
  EvpMdCtxPtr ctx(check_ptr(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  if (tmpl != nullptr && EVP_MD_CTX_copy_ex(ctx.get(), tmpl) == 1) return ctx;
  ERR_clear_error();
  check(init_signing(ctx.get(), key), "EVP_DigestSignInit_ex");
  return ctx;
}

}  // namespace tenantca::core::pki
