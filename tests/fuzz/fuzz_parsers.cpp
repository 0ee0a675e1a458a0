// libFuzzer target for every parser that sees untrusted bytes: CSR PEM,
// certificate chains, PKCS#12, private keys, base64 and OCSP requests.
// The first byte picks the parser. Run with scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/revocation.hpp"

using namespace tenantca::core;
using namespace tenantca::core::pki;

namespace {
struct FixedCa {
  EvpPkeyPtr key;
  X509Ptr cert;
  FixedCa() {
    key = generate_key(KeySpec{KeyType::ec, "P-256", 0});
    Subject s;
    s.common_name = "Fuzz CA";
    auto name = make_name(s);
    cert = build_ca_cert(CaCertSpec{name.get(), key.get(), nullptr, key.get(), 1700000000, 1900000000, 1});
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FixedCa ca;
  if (size < 1) return 0;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 6) {
      case 0: {
        auto csr = parse_csr(input);
        (void)csr;
        break;
      }
      case 1:
        for (auto& c : read_cert_chain_pem(input)) (void)describe(c.get());
        break;
      case 2: {
        auto p12 = parse_pkcs12(input, "x");
        (void)describe(p12.cert.get());
        break;
      }
      case 3:
        (void)read_private_key_pem(input);
        break;
      case 4:
        (void)base64_decode(input);
        break;
      case 5:
        (void)ocsp_respond(input, ca.cert.get(), ca.key.get(), [](const std::string&) { return OcspStatus{}; },
                           1800000000, 3600);
        break;
    }
  } catch (const DomainError&) {
    // Refusals are the expected outcome for garbage.
  } catch (const OpenSslError&) {
  }
  return 0;
}
