// libFuzzer target for every parser that sees untrusted bytes: CSR PEM,
// certificate chains, PKCS#12, private keys, base64, OCSP requests (and their
// cache key), pagination cursors, and the policy engine's name normalisation
// and matching, and ACME's JWS, JWK and external account binding.
// The first byte picks the parser. Run with scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/acme/base64url.hpp"
#include "core/acme/eab.hpp"
#include "core/acme/jwk.hpp"
#include "core/acme/jws.hpp"
#include "core/acme/problem.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/pagination.hpp"
#include "core/pki/certs.hpp"
#include "core/pki/csr_fast.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/names.hpp"
#include "core/pki/policy.hpp"
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
    cert = build_ca_cert(
        CaCertSpec{name.get(), key.get(), nullptr, key.get(), 1700000000, 1900000000, 1});
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FixedCa ca;
  if (size < 1) return 0;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 11) {
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
        (void)ocsp_respond(
            input, ca.cert.get(), ca.key.get(), [](const std::string&) { return OcspStatus{}; },
            1800000000, 3600);
        (void)ocsp_cache_key(input);
        break;
      case 6:
        (void)parse_page_request(nullptr, &input);
        break;
      case 7: {
        // Every name type against a restricted and an open policy.
        static const Policy restricted = [] {
          Policy p;
          p.allowed_domains = {"svc.acme.internal"};
          p.denied_domains = {"admin.svc.acme.internal"};
          p.allowed_ip_ranges = {"10.0.0.0/8", "fd00::/8"};
          p.allowed_email_domains = {"acme.example"};
          p.allowed_uri_prefixes = {"spiffe://acme.internal/ns/"};
          p.allow_wildcards = true;
          return p;
        }();
        static const Policy open;
        for (auto type :
             {NameType::dns, NameType::ip, NameType::email, NameType::uri, NameType::common_name}) {
          (void)judge_name(restricted, type, input);
          (void)judge_name(open, type, input);
        }
        (void)parse_ip_range(input);
        break;
      }
      case 8: {
        PolicyPatch patch;
        patch.values.allowed_domains = {input};
        patch.values.allowed_ip_ranges = {input};
        patch.values.allowed_uri_prefixes = {input};
        patch.set = {"allowed_domains", "allowed_ip_ranges", "allowed_uri_prefixes"};
        (void)apply_policy_patch(Policy{}, patch);
        break;
      }
      case 9:
        (void)read_csr_fast(input);  // the decoder-free CSR reader, on raw DER
        break;
      case 10: {
        // An ACME request body: the JWS, its embedded key, its signature, its
        // payload, and (as newAccount would) an external account binding in it.
        auto jws = acme::parse_jws(input);
        (void)acme::base64url_decode(jws.protected_b64);
        if (jws.jwk) {
          auto key = acme::parse_jwk(*jws.jwk);
          acme::verify_jws(jws, key.key.get());
          auto payload = acme::payload_object(jws);
          if (payload.contains("externalAccountBinding")) {
            auto binding =
                acme::parse_external_binding(payload["externalAccountBinding"], jws.url, key);
            acme::check_binding_mac(binding, "0123456789abcdef0123456789abcdef");
          }
        }
        break;
      }
    }
  } catch (const acme::AcmeError&) {
    // ACME refusals (malformed, badSignatureAlgorithm, ...) are expected too.
  } catch (const DomainError&) {
    // Refusals are the expected outcome for garbage.
  } catch (const OpenSslError&) {
  }
  return 0;
}
