// A CA created with name_constraints carries its policy into its
// certificate: real relying-party verifiers (openssl verify -x509_strict and
// GnuTLS certtool) accept a leaf inside and refuse one outside, signed with
// the CA's key directly so that the policy engine is out of the way.
#include "core/pki/name_constraints.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/leaf_der.hpp"

namespace tenantca::core::pki {
namespace {

struct Run {
  int status;
  std::string output;
};
Run run(const std::string& cmd) {
  Run r{-1, {}};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) r.output += buf;
  r.status = pclose(p);
  return r;
}

class NameConstraintsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nc-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    policy_.allowed_domains = {"svc.acme.internal"};
    policy_.denied_domains = {"admin.svc.acme.internal"};
    policy_.allowed_ip_ranges = {"10.0.0.0/8"};
    ca_key_ = generate_key(KeySpec{});
    Subject s;
    s.common_name = "Constrained Root";
    auto name = make_name(s);
    ca_ = build_ca_cert(CaCertSpec{name.get(), ca_key_.get(), nullptr, ca_key_.get(), now() - 60,
                                   now() + 86400, 0, &policy_});
    write("ca.pem", cert_pem(ca_.get()));
  }
  void TearDown() override { (void)run("rm -rf " + dir_); }
  static int64_t now() { return static_cast<int64_t>(time(nullptr)); }
  void write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ + "/" + file) << text;
  }
  std::string leaf(const std::string& file, const std::string& cn, Sans sans) {
    Subject s;
    s.common_name = cn;
    auto name = make_name(s);
    auto key = generate_key(KeySpec{});
    X509Ptr holder(X509_new());
    X509_set_pubkey(holder.get(), key.get());
    auto issuer = make_leaf_issuer(ca_.get(), ca_key_.get(),
                                   {"http://x/crl", "http://x/ocsp", "http://x/ca.crt"});
    auto cert = sign_leaf_der(*issuer,
                              {name.get(),
                               &sans,
                               X509_get_X509_PUBKEY(holder.get()),
                               {Usage::server_auth},
                               now() - 60,
                               now() + 3600,
                               {}},
                              ca_key_.get(), nullptr);
    write(file, cert.info.pem);
    return dir_ + "/" + file;
  }
  bool openssl_accepts(const std::string& path) {
    return run("openssl verify -x509_strict -CAfile " + dir_ + "/ca.pem " + path).status == 0;
  }
  bool gnutls_accepts(const std::string& path) {
    const auto r =
        run("certtool --verify --load-ca-certificate " + dir_ + "/ca.pem --infile " + path);
    return r.status == 0 &&
           r.output.find("Chain verification output: Verified") != std::string::npos;
  }

  std::string dir_;
  Policy policy_;
  EvpPkeyPtr ca_key_;
  X509Ptr ca_;
};

TEST_F(NameConstraintsTest, ExtensionIsCriticalAndBuiltFromThePolicy) {
  const auto r = run("openssl x509 -in " + dir_ + "/ca.pem -noout -ext nameConstraints");
  EXPECT_NE(r.output.find("critical"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DNS:svc.acme.internal"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DNS:admin.svc.acme.internal"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("IP:10.0.0.0/255.0.0.0"), std::string::npos) << r.output;
}

TEST_F(NameConstraintsTest, RelyingPartiesAcceptALeafInside) {
  Sans sans;
  sans.dns = {"web.svc.acme.internal"};
  sans.ip = {"10.1.2.3"};
  const auto path = leaf("inside.pem", "web.svc.acme.internal", sans);
  EXPECT_TRUE(openssl_accepts(path));
  EXPECT_TRUE(gnutls_accepts(path));
}

TEST_F(NameConstraintsTest, RelyingPartiesRefuseLeavesOutside) {
  struct Outside {
    const char* file;
    const char* cn;
    Sans sans;
  };
  Sans foreign_dns;
  foreign_dns.dns = {"www.google.com"};
  Sans denied;
  denied.dns = {"x.admin.svc.acme.internal"};
  Sans foreign_ip;
  foreign_ip.dns = {"web.svc.acme.internal"};
  foreign_ip.ip = {"8.8.8.8"};
  Sans email;
  email.dns = {"web.svc.acme.internal"};
  email.email = {"ceo@bank.example"};
  for (const auto& o : {Outside{"dns.pem", "www.google.com", foreign_dns},
                        Outside{"denied.pem", "x.admin.svc.acme.internal", denied},
                        Outside{"ip.pem", "web.svc.acme.internal", foreign_ip},
                        Outside{"email.pem", "web.svc.acme.internal", email}}) {
    const auto path = leaf(o.file, o.cn, o.sans);
    EXPECT_FALSE(openssl_accepts(path)) << o.file;
    EXPECT_FALSE(gnutls_accepts(path)) << o.file;
  }
  // No SAN at all: OpenSSL checks a host-like CN against the DNS constraints.
  const auto cn_only = leaf("cn.pem", "www.google.com", Sans{});
  EXPECT_FALSE(openssl_accepts(cn_only));
}

}  // namespace
}  // namespace tenantca::core::pki
