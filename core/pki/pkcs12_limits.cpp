#include "core/pki/pkcs12_limits.hpp"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "core/errors.hpp"

namespace tenantca::core::pki {
namespace {

constexpr int kMaxBagDepth = 3;

[[noreturn]] void too_costly(const std::string& what) {
  ERR_clear_error();
  throw_invalid("The PKCS#12 file is refused: " + what + ".");
}

long read_count(const ASN1_INTEGER* n) {
  // ASN1_INTEGER_get answers -1 for values that do not fit a long.
  const long v = n == nullptr ? 1 : ASN1_INTEGER_get(n);
  return v <= 0 ? -1 : v;
}

void check_count(long count, const char* where) {
  if (count < 0 || count > kMaxPkcs12Iterations) {
    too_costly(std::string("its ") + where + " iteration count " +
               (count < 0 ? std::string("is invalid or huge") : std::to_string(count)) +
               " exceeds " + std::to_string(kMaxPkcs12Iterations));
  }
}

// The iteration count of a PKCS#5 v1/PKCS#12 PBE or of PBES2 with PBKDF2.
void check_pbe(const X509_ALGOR* alg, const char* where) {
  if (alg == nullptr) too_costly(std::string("its ") + where + " has no algorithm");
  const ASN1_OBJECT* oid = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&oid, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE) too_costly(std::string("its ") + where + " has no PBE parameters");
  ASN1_TYPE param{};
  param.type = V_ASN1_SEQUENCE;
  param.value.sequence = const_cast<ASN1_STRING*>(static_cast<const ASN1_STRING*>(pval));
  if (OBJ_obj2nid(oid) == NID_pbes2) {
    std::unique_ptr<PBE2PARAM, Deleter<PBE2PARAM_free>> pbe2(
        static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), &param)));
    if (!pbe2 || pbe2->keyfunc == nullptr ||
        OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2 ||
        pbe2->keyfunc->parameter == nullptr) {
      too_costly(std::string("its ") + where + " uses a key derivation other than PBKDF2");
    }
    std::unique_ptr<PBKDF2PARAM, Deleter<PBKDF2PARAM_free>> kdf(static_cast<PBKDF2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
    if (!kdf) too_costly(std::string("its ") + where + " has unreadable PBKDF2 parameters");
    check_count(read_count(kdf->iter), where);
    return;
  }
  std::unique_ptr<PBEPARAM, Deleter<PBEPARAM_free>> pbe(
      static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), &param)));
  if (!pbe) too_costly(std::string("its ") + where + " has unreadable PBE parameters");
  check_count(read_count(pbe->iter), where);
}

void check_bags(const STACK_OF(PKCS12_SAFEBAG) * bags, int depth) {
  if (depth > kMaxBagDepth) too_costly("its bags are nested too deeply");
  for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    switch (PKCS12_SAFEBAG_get_nid(bag)) {
      case NID_pkcs8ShroudedKeyBag: {
        const X509_ALGOR* alg = nullptr;
        X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
        check_pbe(alg, "key encryption");
        break;
      }
      case NID_safeContentsBag:
        check_bags(PKCS12_SAFEBAG_get0_safes(bag), depth + 1);
        break;
      default:
        break;
    }
  }
}

struct SafebagStackFree {
  void operator()(STACK_OF(PKCS12_SAFEBAG) * s) const {
    sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free);
  }
};
struct Pkcs7StackFree {
  void operator()(STACK_OF(PKCS7) * s) const { sk_PKCS7_pop_free(s, PKCS7_free); }
};

}  // namespace

void check_pkcs12_costs(PKCS12* p12, const std::string& password) {
  if (PKCS12_mac_present(p12) == 1) {
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
    check_count(read_count(iter), "MAC");
  }
  std::unique_ptr<STACK_OF(PKCS7), Pkcs7StackFree> safes(PKCS12_unpack_authsafes(p12));
  if (!safes) too_costly("its contents cannot be read");
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), SafebagStackFree> bags;
    switch (OBJ_obj2nid(p7->type)) {
      case NID_pkcs7_data:
        bags.reset(PKCS12_unpack_p7data(p7));
        break;
      case NID_pkcs7_encrypted:
        if (p7->d.encrypted == nullptr || p7->d.encrypted->enc_data == nullptr)
          too_costly("its encrypted contents are unreadable");
        check_pbe(p7->d.encrypted->enc_data->algorithm, "content encryption");
        // Bounded now; a wrong password is reported by PKCS12_parse.
        bags.reset(
            PKCS12_unpack_p7encdata(p7, password.c_str(), static_cast<int>(password.size())));
        break;
      default:
        too_costly("it holds contents of an unsupported type");
    }
    if (bags) check_bags(bags.get(), 0);
  }
  ERR_clear_error();
}

}  // namespace tenantca::core::pki
