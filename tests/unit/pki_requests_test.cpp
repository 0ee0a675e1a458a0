// The PKI request parsers, without a router or a server: each body either
// becomes the typed request the service expects or an invalid_request that
// names the field.
#include "handlers/pki_requests.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

using namespace tenantca;
using namespace tenantca::handlers;

namespace {

JsonFields body_of(const std::string& json) {
  HttpRequest r;
  r.body = json;
  return JsonFields::from_body(r);
}

const std::string kCa = "123e4567-e89b-42d3-a456-426614174000";

TEST(PkiRequests, IssueRequestWithAServerKey) {
  auto body =
      body_of(R"({"ca_id":")" + kCa +
              R"(","subject":{"common_name":"a.example"},)"
              R"("sans":{"dns":["a.example"],"ip":["10.0.0.1"]},"key":{"type":"rsa","bits":3072},)"
              R"("validity_days":30,"usage":["client_auth"]})");
  const auto req = parse_issue_request(body);
  EXPECT_EQ(req.ca_id, kCa);
  EXPECT_EQ(req.subject.common_name, "a.example");
  EXPECT_EQ(req.sans.ip, std::vector<std::string>{"10.0.0.1"});
  ASSERT_TRUE(req.key);
  EXPECT_EQ(req.key->bits, 3072);
  EXPECT_EQ(req.validity_days, 30);
  EXPECT_EQ(req.usages, std::vector<core::pki::Usage>{core::pki::Usage::client_auth});
}

TEST(PkiRequests, IssueRequestRefusals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not a uuid", R"({"ca_id":"x","subject":{}})"},
      {"csr with subject", R"({"ca_id":")" + kCa + R"(","csr_pem":"x","subject":{}})"},
      {"unknown field", R"({"ca_id":")" + kCa + R"(","subject":{},"colour":"red"})"},
      {"unknown subject field", R"({"ca_id":")" + kCa + R"(","subject":{"email":"x"}})"},
      {"validity 0", R"({"ca_id":")" + kCa + R"(","subject":{},"validity_days":0})"},
      {"usage", R"({"ca_id":")" + kCa + R"(","subject":{},"usage":["code_signing"]})"},
      {"empty usage", R"({"ca_id":")" + kCa + R"(","subject":{},"usage":[]})"},
      {"rsa 1024", R"({"ca_id":")" + kCa + R"(","subject":{},"key":{"type":"rsa","bits":1024}})"},
      {"curve", R"({"ca_id":")" + kCa + R"(","subject":{},"key":{"type":"ec","curve":"P-521"}})"},
      {"country", R"({"ca_id":")" + kCa + R"(","subject":{"country":"usa"}})"},
      {"sans not an object", R"({"ca_id":")" + kCa + R"(","subject":{},"sans":[]})"},
  };
  for (const auto& [label, json] : cases) {
    try {
      auto body = body_of(json);
      (void)parse_issue_request(body);
      ADD_FAILURE() << label << ": accepted";
    } catch (const core::DomainError& e) {
      EXPECT_EQ(e.code(), core::ErrorCode::invalid_request) << label;
    }
  }
}

TEST(PkiRequests, CaUpdateIsAMergePatch) {
  auto body =
      body_of(R"({"policy":{"max_validity_days":30,"allowed_domains":null},"disabled":false})");
  const auto req = parse_ca_update_request(body);
  EXPECT_TRUE(req.policy.set.count("max_validity_days"));
  EXPECT_EQ(req.policy.values.max_validity_days, 30);
  EXPECT_TRUE(req.policy.reset.count("allowed_domains"));
  EXPECT_FALSE(req.policy.set.count("allow_ip_sans")) << "fields not named are not set";
  EXPECT_EQ(req.disabled, false);
}

TEST(PkiRequests, CreateCaNeedsAParentOnlyForIntermediates) {
  auto root = body_of(R"({"name":"r","type":"root","subject":{"common_name":"R"}})");
  EXPECT_FALSE(parse_create_ca_request(root).parent_ca_id);
  auto orphan = body_of(R"({"name":"i","type":"intermediate","subject":{"common_name":"I"}})");
  EXPECT_THROW(parse_create_ca_request(orphan), core::DomainError);
  auto root_with_parent = body_of(R"({"name":"r","type":"root","parent_ca_id":")" + kCa +
                                  R"(","subject":{"common_name":"R"}})");
  EXPECT_THROW(parse_create_ca_request(root_with_parent), core::DomainError);
}

TEST(PkiRequests, RevokeAndRenew) {
  auto revoke = body_of(R"({"reason":"key_compromise"})");
  EXPECT_EQ(parse_revoke_request(revoke), core::pki::RevocationReason::key_compromise);
  auto empty = body_of("");
  EXPECT_EQ(parse_revoke_request(empty), core::pki::RevocationReason::unspecified);
  auto bad = body_of(R"({"reason":"KeyCompromise"})");
  EXPECT_THROW(parse_revoke_request(bad), core::DomainError);
  auto renew = body_of(R"({"validity_days":7})");
  EXPECT_EQ(parse_renew_request(renew), 7);
}

TEST(PkiRequests, CertificateFilterFromTheQuery) {
  HttpRequest r;
  r.query = {
      {"status", "revoked"}, {"serial", "0A:BC"}, {"dns_name", "WWW.Example"}, {"ca_id", kCa}};
  RequestContext ctx{r, "rid", {}, {}, {}, {}};
  const auto f = parse_certificate_filter(ctx);
  EXPECT_EQ(f.status, "revoked");
  EXPECT_EQ(f.serial, "abc");
  EXPECT_EQ(f.dns_name, "www.example");
  EXPECT_EQ(f.ca_id, kCa);
  HttpRequest bad;
  bad.query = {{"expiring_within_days", "-1"}};
  RequestContext bad_ctx{bad, "rid", {}, {}, {}, {}};
  EXPECT_THROW(parse_certificate_filter(bad_ctx), core::DomainError);
}

}  // namespace
