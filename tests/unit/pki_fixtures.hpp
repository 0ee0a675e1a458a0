#pragma once
// A self-signed CA for unit tests that build certificates and CRLs.
#include <string>

#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"

namespace tenantca::test {

struct TestCa {
  core::pki::EvpPkeyPtr key;
  core::pki::X509Ptr cert;
};

inline TestCa make_test_ca(const std::string& common_name, core::pki::KeySpec spec = {}) {
  using namespace core::pki;
  TestCa ca;
  ca.key = generate_key(spec);
  Subject subject;
  subject.common_name = common_name;
  auto name = make_name(subject);
  ca.cert = build_ca_cert(
      CaCertSpec{name.get(), ca.key.get(), nullptr, ca.key.get(), 1600000000, 2000000000, 0});
  return ca;
}

}  // namespace tenantca::test
