// EC_KEY, RSA and ECDSA_verify are deprecated in OpenSSL 3 but are exactly
// the decoder-free paths we want (docs/pitfalls.md).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "core/pki/csr_fast.hpp"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <mutex>

#include "core/errors.hpp"
#include "core/pki/certs.hpp"

namespace tenantca::core::pki {
namespace {

// One DER element: tag, and where its header and content are.
struct Tlv {
  unsigned char tag = 0;
  const unsigned char* start = nullptr;  // header
  const unsigned char* content = nullptr;
  std::size_t length = 0;
  std::size_t total() const { return static_cast<std::size_t>(content - start) + length; }
};

// Reads one element at p (within end); nullopt on anything malformed
// (indefinite or overlong lengths, truncation).
std::optional<Tlv> read_tlv(const unsigned char* p, const unsigned char* end) {
  if (p >= end || end - p < 2) return std::nullopt;
  Tlv t;
  t.start = p;
  t.tag = *p++;
  if ((t.tag & 0x1f) == 0x1f) return std::nullopt;  // high tag numbers: not in a CSR
  std::size_t len = *p++;
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0 || n > 4 || static_cast<std::size_t>(end - p) < n) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | *p++;
    if (len < 0x80) return std::nullopt;  // not DER
  }
  if (static_cast<std::size_t>(end - p) < len) return std::nullopt;
  t.content = p;
  t.length = len;
  return t;
}

[[noreturn]] void not_a_csr() {
  throw DomainError(ErrorCode::invalid_csr,
                    "Field 'csr_pem' is not a PEM certificate signing request.");
}

const EVP_MD* fetched(const char* name) {
  // Fetched once: implicit fetches cost a property lookup on every use.
  static std::once_flag once;
  static EVP_MD* sha256 = nullptr;
  static EVP_MD* sha384 = nullptr;
  static EVP_MD* sha512 = nullptr;
  std::call_once(once, [] {
    sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
    sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  });
  if (std::strcmp(name, "SHA256") == 0) return sha256;
  if (std::strcmp(name, "SHA384") == 0) return sha384;
  return sha512;
}

const EC_GROUP* group_for(int nid) {
  static std::once_flag once;
  static EC_GROUP* p256 = nullptr;
  static EC_GROUP* p384 = nullptr;
  std::call_once(once, [] {
    p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    p384 = EC_GROUP_new_by_curve_name(NID_secp384r1);
  });
  if (nid == NID_X9_62_prime256v1) return p256;
  if (nid == NID_secp384r1) return p384;
  return nullptr;
}

struct Digest {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  int nid = NID_undef;
};

std::optional<Digest> digest_of(const unsigned char* data, std::size_t len, int md_nid) {
  const char* name = md_nid == NID_sha256   ? "SHA256"
                     : md_nid == NID_sha384 ? "SHA384"
                     : md_nid == NID_sha512 ? "SHA512"
                                            : nullptr;
  if (name == nullptr) return std::nullopt;
  Digest d;
  d.nid = md_nid;
  if (EVP_Digest(data, len, d.bytes, &d.length, fetched(name), nullptr) != 1) return std::nullopt;
  return d;
}

// An X509_PUBKEY from its parts (algorithm, parameters, key bits), which
// OpenSSL keeps encoded: nothing is decoded until someone asks for the key.
X509PubkeyPtr spki_from_parts(const ASN1_OBJECT* algorithm, int param_type, void* param,
                              const unsigned char* key, std::size_t key_len) {
  X509PubkeyPtr pub(X509_PUBKEY_new());
  auto* bits = static_cast<unsigned char*>(OPENSSL_memdup(key, key_len));
  ASN1_OBJECT* oid = OBJ_dup(algorithm);
  if (!pub || bits == nullptr || oid == nullptr ||
      X509_PUBKEY_set0_param(pub.get(), oid, param_type, param, bits, static_cast<int>(key_len)) !=
          1) {
    OPENSSL_free(bits);
    ASN1_OBJECT_free(oid);
    if (param_type == V_ASN1_OBJECT) ASN1_OBJECT_free(static_cast<ASN1_OBJECT*>(param));
    return nullptr;
  }
  return pub;
}

}  // namespace

std::optional<std::string> csr_pem_to_der(const std::string& pem) {
  auto bio = memory_bio(pem);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  const std::string label = name;
  std::optional<std::string> out;
  if ((label == "CERTIFICATE REQUEST" || label == "NEW CERTIFICATE REQUEST") && header[0] == '\0') {
    out = std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len));
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  return out;
}

std::optional<FastCsr> read_csr_fast(const std::string& der) {
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = begin + der.size();
  // CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, signature }
  auto outer = read_tlv(begin, end);
  if (!outer || outer->tag != 0x30 || outer->start + outer->total() != end) not_a_csr();
  const unsigned char* p = outer->content;
  const unsigned char* outer_end = outer->content + outer->length;
  auto info = read_tlv(p, outer_end);
  if (!info || info->tag != 0x30) not_a_csr();
  auto sig_alg = read_tlv(info->start + info->total(), outer_end);
  if (!sig_alg || sig_alg->tag != 0x30) not_a_csr();
  auto sig = read_tlv(sig_alg->start + sig_alg->total(), outer_end);
  if (!sig || sig->tag != 0x03 || sig->length < 1 || sig->content[0] != 0 ||
      sig->start + sig->total() != outer_end) {
    not_a_csr();
  }
  // CertificationRequestInfo ::= SEQUENCE { version, subject, spki, [0] attributes }
  const unsigned char* info_end = info->content + info->length;
  auto version = read_tlv(info->content, info_end);
  if (!version || version->tag != 0x02 || version->length != 1 || version->content[0] != 0)
    not_a_csr();
  auto name = read_tlv(version->start + version->total(), info_end);
  if (!name || name->tag != 0x30) not_a_csr();
  auto spki = read_tlv(name->start + name->total(), info_end);
  if (!spki || spki->tag != 0x30) not_a_csr();
  auto attributes = read_tlv(spki->start + spki->total(), info_end);
  if (!attributes || attributes->tag != 0xa0 || attributes->start + attributes->total() != info_end)
    not_a_csr();

  // SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier { oid, params }, BIT STRING }
  const unsigned char* spki_end = spki->content + spki->length;
  auto key_alg = read_tlv(spki->content, spki_end);
  if (!key_alg || key_alg->tag != 0x30) not_a_csr();
  auto key_bits = read_tlv(key_alg->start + key_alg->total(), spki_end);
  if (!key_bits || key_bits->tag != 0x03 || key_bits->length < 2 || key_bits->content[0] != 0)
    not_a_csr();
  const unsigned char* alg_end = key_alg->content + key_alg->length;
  const unsigned char* q = key_alg->content;
  std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>> key_oid(
      d2i_ASN1_OBJECT(nullptr, &q, alg_end - key_alg->content));
  if (!key_oid) {
    ERR_clear_error();
    not_a_csr();
  }
  const int key_nid = OBJ_obj2nid(key_oid.get());
  const unsigned char* key = key_bits->content + 1;
  const std::size_t key_len = key_bits->length - 1;

  // The signature algorithm (and for ECDSA/RSA its digest).
  const unsigned char* r = sig_alg->content;
  std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>> sig_oid(
      d2i_ASN1_OBJECT(nullptr, &r, static_cast<long>(sig_alg->length)));
  if (!sig_oid) {
    ERR_clear_error();
    not_a_csr();
  }
  int md_nid = NID_undef;
  int pkey_nid = NID_undef;
  if (OBJ_find_sigid_algs(OBJ_obj2nid(sig_oid.get()), &md_nid, &pkey_nid) != 1) return std::nullopt;

  FastCsr out;
  const unsigned char* sig_bytes = sig->content + 1;
  const std::size_t sig_len = sig->length - 1;
  if (key_nid == NID_X9_62_id_ecPublicKey) {
    if (pkey_nid != NID_X9_62_id_ecPublicKey) return std::nullopt;
    std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>> curve(
        d2i_ASN1_OBJECT(nullptr, &q, alg_end - q));
    if (!curve || q != alg_end) {
      ERR_clear_error();
      return std::nullopt;  // explicit parameters and the like: the OpenSSL path judges them
    }
    const EC_GROUP* group = group_for(OBJ_obj2nid(curve.get()));
    if (group == nullptr)
      return std::nullopt;  // other curves: refused by policy, via the OpenSSL path
    std::unique_ptr<EC_KEY, Deleter<EC_KEY_free>> ec(EC_KEY_new());
    if (!ec || EC_KEY_set_group(ec.get(), group) != 1) return std::nullopt;
    EC_KEY* raw = ec.get();
    const unsigned char* point = key;
    if (o2i_ECPublicKey(&raw, &point, static_cast<long>(key_len)) == nullptr) {
      ERR_clear_error();
      return std::nullopt;
    }
    const auto digest = digest_of(info->start, info->total(), md_nid);
    if (!digest) return std::nullopt;
    out.signature_valid = ECDSA_verify(0, digest->bytes, static_cast<int>(digest->length),
                                       sig_bytes, static_cast<int>(sig_len), ec.get()) == 1;
    out.key =
        KeyFacts{"ec", OBJ_nid2sn(OBJ_obj2nid(curve.get())), EC_GROUP_order_bits(group), false};
    out.public_key_info =
        spki_from_parts(key_oid.get(), V_ASN1_OBJECT, OBJ_dup(curve.get()), key, key_len);
  } else if (key_nid == NID_rsaEncryption) {
    if (pkey_nid != NID_rsaEncryption) return std::nullopt;  // RSA-PSS and others: OpenSSL path
    const unsigned char* k = key;
    std::unique_ptr<RSA, Deleter<RSA_free>> rsa(
        d2i_RSAPublicKey(nullptr, &k, static_cast<long>(key_len)));
    if (!rsa) {
      ERR_clear_error();
      return std::nullopt;
    }
    const auto digest = digest_of(info->start, info->total(), md_nid);
    if (!digest) return std::nullopt;
    out.signature_valid = RSA_verify(md_nid, digest->bytes, digest->length, sig_bytes,
                                     static_cast<unsigned int>(sig_len), rsa.get()) == 1;
    out.key =
        KeyFacts{"rsa", "", RSA_bits(rsa.get()), BN_is_word(RSA_get0_e(rsa.get()), RSA_F4) == 1};
    out.public_key_info = spki_from_parts(key_oid.get(), V_ASN1_NULL, nullptr, key, key_len);
  } else if (key_nid == NID_ED25519) {
    if (pkey_nid != NID_ED25519 || key_len != 32 || q != alg_end) return std::nullopt;
    EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key, key_len));
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!pkey || !ctx ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
      ERR_clear_error();
      return std::nullopt;
    }
    out.signature_valid =
        EVP_DigestVerify(ctx.get(), sig_bytes, sig_len, info->start, info->total()) == 1;
    out.key = KeyFacts{"ed25519", "", 256, false};
    out.public_key_info = spki_from_parts(key_oid.get(), V_ASN1_UNDEF, nullptr, key, key_len);
  } else {
    return std::nullopt;
  }
  ERR_clear_error();

  // Subject and the extension request, without touching the key again.
  const unsigned char* n = name->start;
  X509NamePtr subject(d2i_X509_NAME(nullptr, &n, static_cast<long>(name->total())));
  if (!subject) {
    ERR_clear_error();
    not_a_csr();
  }
  const int first_cn = X509_NAME_get_index_by_NID(subject.get(), NID_commonName, -1);
  if (first_cn >= 0 && X509_NAME_get_index_by_NID(subject.get(), NID_commonName, first_cn) >= 0) {
    throw DomainError(ErrorCode::invalid_csr, "The CSR's subject has more than one common name.");
  }
  out.subject_fields = subject_of(subject.get());
  const unsigned char* attrs_end = attributes->content + attributes->length;
  for (const unsigned char* a = attributes->content; a < attrs_end;) {
    auto attr = read_tlv(a, attrs_end);
    if (!attr || attr->tag != 0x30) not_a_csr();
    a = attr->start + attr->total();
    const unsigned char* ap = attr->start;
    std::unique_ptr<X509_ATTRIBUTE, Deleter<X509_ATTRIBUTE_free>> x(
        d2i_X509_ATTRIBUTE(nullptr, &ap, static_cast<long>(attr->total())));
    if (!x) {
      ERR_clear_error();
      not_a_csr();
    }
    if (OBJ_obj2nid(X509_ATTRIBUTE_get0_object(x.get())) != NID_ext_req) continue;
    ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(x.get(), 0);
    if (value == nullptr || value->type != V_ASN1_SEQUENCE) not_a_csr();
    const unsigned char* ep = value->value.sequence->data;
    STACK_OF(X509_EXTENSION)* exts =
        d2i_X509_EXTENSIONS(nullptr, &ep, value->value.sequence->length);
    if (exts == nullptr) {
      ERR_clear_error();
      not_a_csr();
    }
    GeneralNamesPtr gens(
        static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr)));
    out.sans = sans_of(gens.get());
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  if (!out.public_key_info) return std::nullopt;
  ERR_clear_error();
  return out;
}

}  // namespace tenantca::core::pki
