// PkiService use cases over a fake store and a fake clock: lifecycle rules
// (CA disabled, expired, not yet valid; renewal of revoked or expired
// certificates), validity clipping, and no key generated before the checks.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/service.hpp"
#include "fake_pki_store.hpp"

namespace tenantca::core::pki {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kStart = 1800000000;
const std::string kTenant = "11111111-1111-4111-8111-111111111111";

class PkiServiceTest : public ::testing::Test {
 protected:
  PkiServiceTest()
      : clock_(kStart),
        service_(store_, &kek_, clock_, PkiSettings{"http://ca.test", 86400, 3600}) {
    kek_.bytes.fill(7);
    kek_.id = "test";
    service_.set_key_generator([this](const KeySpec& spec) {
      ++keys_generated_;
      return generate_key(spec);
    });
  }
  std::string make_ca(int validity_days, PolicyPatch policy = {}) {
    CreateCaRequest req;
    req.name = "ca-" + std::to_string(store_.cas.size());
    req.type = "root";
    req.subject.common_name = "Test Root";
    req.validity_days = validity_days;
    req.policy = std::move(policy);
    return service_.create_ca(kTenant, req, actor_).id;
  }
  IssueRequest keygen(const std::string& ca, const std::string& cn,
                      std::optional<int> days = std::nullopt) {
    IssueRequest req;
    req.ca_id = ca;
    req.subject.common_name = cn;
    req.key = KeySpec{};
    req.validity_days = days;
    return req;
  }
  static void expect_code(const std::function<void()>& f, ErrorCode code, const char* what) {
    try {
      f();
      ADD_FAILURE() << what << ": no error";
    } catch (const DomainError& e) {
      EXPECT_EQ(e.code(), code) << what << ": " << e.public_detail();
    }
  }

  test::FakePkiStore store_;
  test::FakeClock clock_;
  Kek kek_;
  PkiService service_;
  Actor actor_{"key-1", "req-1", {}};
  int keys_generated_ = 0;
};

TEST_F(PkiServiceTest, IssuesAndStoresWithAnAuditEvent) {
  const auto ca = make_ca(365);
  const auto issued = service_.issue(kTenant, keygen(ca, "web.example"), actor_);
  EXPECT_EQ(store_.certs.count(issued.certificate.id), 1U);
  EXPECT_EQ(store_.audit_events.back().action, "certificate.issue");
  EXPECT_EQ(issued.certificate.cert.sans.dns, std::vector<std::string>{"web.example"});
  EXPECT_EQ(keys_generated_, 1);
}

TEST_F(PkiServiceTest, NoKeyIsGeneratedForARefusedRequest) {
  PolicyPatch policy;
  policy.values.allowed_domains = {"svc.acme.internal"};
  policy.set = {"allowed_domains"};
  const auto ca = make_ca(365, policy);
  const auto certs_before = store_.certs.size();
  const auto audit_before = store_.audit_events.size();
  expect_code([&] { service_.issue(kTenant, keygen(ca, "www.google.com"), actor_); },
              ErrorCode::policy_violation, "foreign CN");
  expect_code(
      [&] {
        service_.issue(
            kTenant, keygen("22222222-2222-4222-8222-222222222222", "a.svc.acme.internal"), actor_);
      },
      ErrorCode::not_found, "unknown CA");
  expect_code([&] { service_.issue(kTenant, keygen(ca, "a.svc.acme.internal", 400), actor_); },
              ErrorCode::policy_violation, "validity over max");
  IssueRequest weak = keygen(ca, "a.svc.acme.internal");
  weak.key = KeySpec{KeyType::ec, "P-521", 0};
  expect_code([&] { service_.issue(kTenant, weak, actor_); }, ErrorCode::policy_violation,
              "curve off the floor");
  EXPECT_EQ(keys_generated_, 0) << "a refused request costs no key generation";
  EXPECT_EQ(store_.certs.size(), certs_before);
  EXPECT_EQ(store_.audit_events.size(), audit_before);
}

TEST_F(PkiServiceTest, DisabledExpiredAndNotYetValidCasIssueNothing) {
  const auto ca = make_ca(30);
  PolicyPatch none;
  service_.update_ca(kTenant, ca, none, true, actor_);
  expect_code([&] { service_.issue(kTenant, keygen(ca, "a.example"), actor_); },
              ErrorCode::conflict, "disabled CA");
  service_.update_ca(kTenant, ca, none, false, actor_);
  clock_.advance(31 * kDay);
  expect_code([&] { service_.issue(kTenant, keygen(ca, "a.example"), actor_); },
              ErrorCode::conflict, "expired CA");
  clock_.set(kStart - 10 * kDay);
  expect_code([&] { service_.issue(kTenant, keygen(ca, "a.example"), actor_); },
              ErrorCode::conflict, "not-yet-valid CA");
  EXPECT_EQ(keys_generated_, 0);
  clock_.set(kStart + kDay);
  EXPECT_NO_THROW(service_.issue(kTenant, keygen(ca, "a.example"), actor_));
}

TEST_F(PkiServiceTest, RevokedAndExpiredCertificatesAreNotRenewed) {
  const auto ca = make_ca(365);
  const auto a = service_.issue(kTenant, keygen(ca, "a.example", 10), actor_).certificate;
  const auto b = service_.issue(kTenant, keygen(ca, "b.example", 10), actor_).certificate;
  service_.revoke(kTenant, a.id, RevocationReason::key_compromise, actor_);
  const auto certs_before = store_.certs.size();
  expect_code([&] { service_.renew(kTenant, a.id, std::nullopt, actor_); }, ErrorCode::conflict,
              "renew revoked");
  const auto renewed = service_.renew(kTenant, b.id, std::nullopt, actor_);
  EXPECT_EQ(renewed.cert.sans.dns, std::vector<std::string>{"b.example"});
  clock_.advance(11 * kDay);
  expect_code([&] { service_.renew(kTenant, b.id, std::nullopt, actor_); }, ErrorCode::conflict,
              "renew expired");
  EXPECT_EQ(store_.certs.size(), certs_before + 1);
}

TEST_F(PkiServiceTest, DefaultValidityIsClippedToTheCaExplicitIsRefused) {
  const auto ca = make_ca(10);
  const auto leaf = service_.issue(kTenant, keygen(ca, "a.example"), actor_).certificate;
  EXPECT_EQ(leaf.cert.not_after, store_.cas[ca].cert.not_after)
      << "the default 90 days is clipped to the CA's end";
  expect_code([&] { service_.issue(kTenant, keygen(ca, "a.example", 30), actor_); },
              ErrorCode::policy_violation, "explicit validity past the CA");
}

TEST_F(PkiServiceTest, PatchMergesThePolicy) {
  PolicyPatch policy;
  policy.values.allowed_domains = {"svc.acme.internal"};
  policy.values.allow_ip_sans = false;
  policy.set = {"allowed_domains", "allow_ip_sans"};
  const auto ca = make_ca(365, policy);
  PolicyPatch days;
  days.values.max_validity_days = 30;
  days.set = {"max_validity_days"};
  const auto updated = service_.update_ca(kTenant, ca, days, std::nullopt, actor_);
  EXPECT_EQ(updated.policy.max_validity_days, 30);
  EXPECT_EQ(updated.policy.allowed_domains, std::vector<std::string>{"svc.acme.internal"});
  EXPECT_FALSE(updated.policy.allow_ip_sans);
}

// A worker caches CA rows for issuance; a change made elsewhere (another
// worker, another instance) must still apply to the next issuance.
TEST_F(PkiServiceTest, AChangedCaIsReadAfreshBeforeSigningUnderIt) {
  const auto ca = make_ca(365);
  service_.issue(kTenant, keygen(ca, "a.example"), actor_);  // the row is cached now
  const auto stored_before = store_.certs.size();
  // Elsewhere: the policy now allows only svc.internal.
  auto changed = store_.cas[ca];
  changed.policy.allowed_domains = {"svc.internal"};
  store_.replace_ca(changed);
  expect_code([&] { service_.issue(kTenant, keygen(ca, "a.example"), actor_); },
              ErrorCode::policy_violation, "stale cached policy");
  EXPECT_EQ(store_.certs.size(), stored_before) << "nothing stored under the old policy";
  EXPECT_NO_THROW(service_.issue(kTenant, keygen(ca, "b.svc.internal"), actor_));
}

TEST_F(PkiServiceTest, ARefusalIsNeverBasedOnAStaleCachedCa) {
  const auto ca = make_ca(365);
  PolicyPatch none;
  service_.update_ca(kTenant, ca, none, true, actor_);
  expect_code([&] { service_.issue(kTenant, keygen(ca, "a.example"), actor_); },
              ErrorCode::conflict, "disabled CA");  // the disabled row is cached now
  auto enabled = store_.cas[ca];
  enabled.disabled = false;
  store_.replace_ca(enabled);  // re-enabled elsewhere
  EXPECT_NO_THROW(service_.issue(kTenant, keygen(ca, "a.example"), actor_));
}

}  // namespace
}  // namespace tenantca::core::pki
