// The policy engine, table by table: every name type, normalisation, deny
// beats allow, CIDR edges, restricted vs unrestricted CAs. Links tenantca_core only.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/pki/names.hpp"
#include "core/pki/policy.hpp"

namespace tenantca::core::pki {
namespace {

using core::DomainError;
using core::ErrorCode;

struct Case {
  const char* label;
  NameType type;
  std::string value;
  Verdict want;
  std::string normal = {};  // expected normal form, when allowed and given
};

// A restricted web CA, as in the issue: svc.acme.internal and below.
Policy web() {
  Policy p;
  p.allowed_domains = {"svc.acme.internal"};
  p.denied_domains = {"admin.svc.acme.internal"};
  p.allow_ip_sans = true;
  p.allowed_ip_ranges = {"10.0.0.0/8", "192.168.1.0/24", "fd00::/8", "2001:db8::1/128"};
  return p;
}
Policy web_with_wildcards() {
  Policy p = web();
  p.allow_wildcards = true;
  return p;
}
Policy no_subdomains() {
  Policy p;
  p.allowed_domains = {"svc.acme.internal"};
  p.allow_subdomains = false;
  p.allowed_email_domains = {"acme.example"};
  return p;
}
Policy spiffe() {
  Policy p;
  p.allowed_uri_prefixes = {"spiffe://acme.internal/ns/pay/", "https://id.acme.example/users"};
  return p;
}
Policy mail() {
  Policy p;
  p.allowed_email_domains = {"acme.example"};
  p.denied_domains = {"evil.acme.example"};
  return p;
}
Policy open_ca() {
  return Policy{};
}
Policy open_with_deny() {
  Policy p;
  p.denied_domains = {"google.com", "bank.example"};
  p.allow_wildcards = true;
  return p;
}
Policy no_ip() {
  Policy p;
  p.allow_ip_sans = false;
  return p;
}
Policy ip_only() {
  Policy p;
  p.allowed_ip_ranges = {"0.0.0.0/0"};
  return p;
}

constexpr auto A = Verdict::allowed;
constexpr auto M = Verdict::malformed;
constexpr auto R = Verdict::refused;
constexpr auto D = NameType::dns;
constexpr auto I = NameType::ip;
constexpr auto E = NameType::email;
constexpr auto U = NameType::uri;
constexpr auto C = NameType::common_name;

void run(const Policy& p, const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    const auto j = judge_name(p, c.type, c.value);
    EXPECT_EQ(static_cast<int>(j.verdict), static_cast<int>(c.want))
        << c.label << ": '" << c.value << "' (" << j.reason << ")";
    if (c.want == A && !c.normal.empty()) {
      EXPECT_EQ(j.value, c.normal) << c.label;
    }
    if (c.want != A) {
      EXPECT_FALSE(j.reason.empty()) << c.label << ": a refusal names its rule";
    }
  }
}

TEST(NamePolicy, DnsOnRestrictedWebCa) {
  run(web(),
      {
          {"the allowed domain itself", D, "svc.acme.internal", A},
          {"a subdomain", D, "web.svc.acme.internal", A},
          {"a deep subdomain", D, "a.b.c.svc.acme.internal", A},
          {"upper case is lowered", D, "WEB.SVC.Acme.Internal", A, "web.svc.acme.internal"},
          {"one trailing dot dropped", D, "web.svc.acme.internal.", A, "web.svc.acme.internal"},
          {"two trailing dots", D, "web.svc.acme.internal..", M},
          {"outside", D, "www.google.com", R},
          {"suffix without a dot boundary", D, "evilsvc.acme.internal", R},
          {"allowed domain as a label of another", D, "svc.acme.internal.evil.com", R},
          {"the parent", D, "acme.internal", R},
          {"denied subdomain beats allow", D, "admin.svc.acme.internal", R},
          {"below a denied subdomain", D, "x.admin.svc.acme.internal", R},
          {"sibling of denied", D, "administrator.svc.acme.internal", A},
          {"wildcard without allow_wildcards", D, "*.svc.acme.internal", R},
          {"empty", D, "", M},
          {"a lone dot", D, ".", M},
          {"leading dot", D, ".svc.acme.internal", M},
          {"empty label", D, "a..svc.acme.internal", M},
          {"NUL inside", D, std::string("web.svc.acme.internal\0.evil.com", 31), M},
          {"NUL at the end", D, std::string("web.svc.acme.internal\0", 22), M},
          {"tab", D, "web\t.svc.acme.internal", M},
          {"newline", D, "web.svc.acme.internal\n", M},
          {"DEL", D, "web\x7f.svc.acme.internal", M},
          {"space", D, "web .svc.acme.internal", M},
          {"U-label (UTF-8) refused", D,
           "b\xc3\xbc"
           "cher.svc.acme.internal",
           M},
          {"A-label accepted", D, "xn--bcher-kva.svc.acme.internal", A},
          {"upper-case A-label lowered", D, "XN--BCHER-KVA.svc.acme.internal", A,
           "xn--bcher-kva.svc.acme.internal"},
          {"empty A-label", D, "xn--.svc.acme.internal", M},
          {"reserved R-LDH label", D, "ab--cd.svc.acme.internal", M},
          {"underscore", D, "_srv.svc.acme.internal", M},
          {"leading hyphen", D, "-web.svc.acme.internal", M},
          {"trailing hyphen", D, "web-.svc.acme.internal", M},
          {"inner hyphen", D, "my-web.svc.acme.internal", A},
          {"63-byte label", D, std::string(63, 'a') + ".svc.acme.internal", A},
          {"64-byte label", D, std::string(64, 'a') + ".svc.acme.internal", M},
          {"over 253 bytes", D,
           std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
               std::string(60, 'd') + ".svc.acme.internal",
           M},
          {"numeric last label", D, "10.1.2.3", M},
          {"percent", D, "web%2e.svc.acme.internal", M},
          {"slash", D, "web/x.svc.acme.internal", M},
          {"at sign", D, "user@svc.acme.internal", M},
      });
}

TEST(NamePolicy, Wildcards) {
  run(web_with_wildcards(),
      {
          {"leftmost whole label", D, "*.api.svc.acme.internal", A},
          {"below a subdomain", D, "*.web.svc.acme.internal", A},
          {"upper-case wildcard name lowered", D, "*.WEB.svc.acme.internal", A,
           "*.web.svc.acme.internal"},
          {"partial leftmost label", D, "w*.svc.acme.internal", M},
          {"suffix wildcard label", D, "*w.svc.acme.internal", M},
          {"wildcard in the middle", D, "web.*.acme.internal", M},
          {"wildcard last", D, "svc.acme.*", M},
          {"double wildcard", D, "*.*.svc.acme.internal", M},
          {"bare star", D, "*", M},
          {"star dot only", D, "*.", M},
          {"wildcard over the tld", D, "*.internal", R},
          {"wildcard tld with trailing dot", D, "*.com.", R},
          {"wildcard that would cover a denied name", D, "*.svc.acme.internal", R},
          {"wildcard directly over denied", D, "*.admin.svc.acme.internal", R},
          {"wildcard outside", D, "*.google.com", R},
          {"wildcard above the allowed domain", D, "*.acme.internal", R},
      });
  Policy p = web_with_wildcards();
  p.allow_subdomains = false;
  run(p, {{"wildcard needs allow_subdomains", D, "*.svc.acme.internal", R},
          {"exact name without subdomains", D, "svc.acme.internal", A},
          {"subdomain without allow_subdomains", D, "web.svc.acme.internal", R}});
  Policy deny_child = web_with_wildcards();
  deny_child.denied_domains = {"pay.svc.acme.internal"};
  run(deny_child, {{"a wildcard that covers a denied child", D, "*.svc.acme.internal", R},
                   {"a wildcard beside it", D, "*.web.svc.acme.internal", A}});
}

TEST(NamePolicy, IpAddresses) {
  run(web(), {
                 {"in 10/8", I, "10.1.2.3", A},
                 {"first of 10/8", I, "10.0.0.0", A},
                 {"last of 10/8", I, "10.255.255.255", A},
                 {"just below 10/8", I, "9.255.255.255", R},
                 {"just above 10/8", I, "11.0.0.0", R},
                 {"first of 192.168.1/24", I, "192.168.1.0", A},
                 {"last of 192.168.1/24", I, "192.168.1.255", A},
                 {"next /24", I, "192.168.2.0", R},
                 {"previous /24", I, "192.168.0.255", R},
                 {"public v4", I, "8.8.8.8", R},
                 {"v6 in fd00::/8", I, "fd12:3456::1", A},
                 {"v6 upper case canonicalised", I, "FD12:3456:0:0:0:0:0:1", A, "fd12:3456::1"},
                 {"v6 outside", I, "fe80::1", R},
                 {"v6 single /128", I, "2001:db8::1", A},
                 {"v6 next to the /128", I, "2001:db8::2", R},
                 {"v4-mapped v6", I, "::ffff:10.1.2.3", M},
                 {"leading zeros", I, "010.1.2.3", M},
                 {"three parts", I, "10.1.2", M},
                 {"not an address", I, "web.svc.acme.internal", M},
                 {"zone id", I, "fe80::1%eth0", M},
                 {"with a prefix", I, "10.0.0.0/8", M},
                 {"empty", I, "", M},
                 {"NUL after", I, std::string("10.1.2.3\0", 9), M},
                 {"octet over 255", I, "10.1.2.256", M},
             });
  run(no_ip(), {{"allow_ip_sans false", I, "10.1.2.3", R}, {"v6 too", I, "::1", R}});
  run(open_ca(), {{"unrestricted: any v4", I, "8.8.8.8", A},
                  {"unrestricted: any v6", I, "2001:4860::8888", A}});
  Policy domains_only;
  domains_only.allowed_domains = {"svc.acme.internal"};
  run(domains_only, {{"restricted with no ranges refuses IPs", I, "10.1.2.3", R}});
  run(ip_only(), {{"0.0.0.0/0 allows any v4", I, "203.0.113.9", A},
                  {"0.0.0.0/0 is not v6", I, "2001:db8::1", R},
                  {"ip-only CA refuses DNS", D, "example.com", R}});
}

TEST(NamePolicy, EmailAddresses) {
  run(mail(), {
                  {"in the domain", E, "alice@acme.example", A},
                  {"domain upper case lowered, local kept", E, "Alice@ACME.Example", A,
                   "Alice@acme.example"},
                  {"trailing dot on the domain", E, "alice@acme.example.", A, "alice@acme.example"},
                  {"subdomain (allow_subdomains)", E, "bob@eu.acme.example", A},
                  {"denied subdomain", E, "eve@evil.acme.example", R},
                  {"other domain", E, "ceo@bank.example", R},
                  {"lookalike suffix", E, "x@notacme.example", R},
                  {"two @", E, "a@b@acme.example", M},
                  {"no @", E, "acme.example", M},
                  {"empty local part", E, "@acme.example", M},
                  {"leading dot local", E, ".a@acme.example", M},
                  {"double dot local", E, "a..b@acme.example", M},
                  {"quoted local", E, "\"a b\"@acme.example", M},
                  {"NUL in local", E, std::string("a\0b@acme.example", 16), M},
                  {"NUL in domain", E, std::string("a@acme.example\0.evil", 20), M},
                  {"UTF-8 local", E, "j\xc3\xb6rg@acme.example", M},
                  {"plus tag", E, "alice+ci@acme.example", A},
                  {"wildcard domain", E, "a@*.acme.example", M},
                  {"65-byte local part", E, std::string(65, 'a') + "@acme.example", M},
                  {"DNS name on an e-mail-only CA", D, "acme.example", R},
                  {"URI on an e-mail-only CA", U, "https://acme.example/", R},
              });
  run(no_subdomains(),
      {{"exact domain only", E, "a@acme.example", A}, {"no subdomain", E, "a@eu.acme.example", R}});
  run(web(), {{"restricted web CA refuses e-mail", E, "ceo@bank.example", R},
              {"even in its own domain", E, "ops@svc.acme.internal", R}});
  run(open_ca(), {{"unrestricted: any e-mail", E, "ceo@bank.example", A}});
  run(open_with_deny(), {{"deny applies to e-mail domains", E, "ceo@bank.example", R}});
}

TEST(NamePolicy, Uris) {
  run(spiffe(), {
                    {"under the prefix", U, "spiffe://acme.internal/ns/pay/sa/api", A},
                    {"scheme and host case-insensitive", U, "SPIFFE://ACME.internal/ns/pay/sa/x", A,
                     "spiffe://acme.internal/ns/pay/sa/x"},
                    {"host with a suffix", U, "spiffe://acme.internal.evil/ns/pay/sa/x", R},
                    {"other namespace", U, "spiffe://acme.internal/ns/admin/sa/x", R},
                    {"path case-sensitive", U, "spiffe://acme.internal/NS/pay/sa/x", R},
                    {"dot-dot escape", U, "spiffe://acme.internal/ns/pay/../admin", M},
                    {"dot segment", U, "spiffe://acme.internal/ns/pay/./x", M},
                    {"encoded dot-dot", U, "spiffe://acme.internal/ns/pay/%2e%2e/admin", M},
                    {"encoded slash", U, "spiffe://acme.internal/ns/pay%2fx", M},
                    {"userinfo trick", U, "spiffe://acme.internal@evil.com/ns/pay/x", M},
                    {"port differs", U, "spiffe://acme.internal:8443/ns/pay/x", R},
                    {"no boundary: prefix without slash", U, "https://id.acme.example/usersx", R},
                    {"boundary: exact path", U, "https://id.acme.example/users", A},
                    {"boundary: child", U, "https://id.acme.example/users/42", A},
                    {"boundary: query", U, "https://id.acme.example/users?id=42", A},
                    {"http vs https", U, "http://id.acme.example/users/42", R},
                    {"no scheme", U, "acme.internal/ns/pay/x", M},
                    {"NUL", U, std::string("spiffe://acme.internal/ns/pay/\0x", 31), M},
                    {"space", U, "spiffe://acme.internal/ns/pay/a b", M},
                    {"backslash", U, "spiffe://acme.internal\\@evil/ns/pay/x", M},
                    {"empty host", U, "spiffe:///ns/pay/x", M},
                    {"bad percent escape", U, "spiffe://acme.internal/ns/pay/%zz", M},
                    {"urn without authority", U, "urn:uuid:123", R},
                    {"workload forgery", U, "spiffe://prod/ns/pay/sa/admin", R},
                    {"DNS on a URI-only CA", D, "acme.internal", R},
                });
  run(open_ca(), {{"unrestricted: any URI", U, "spiffe://prod/ns/pay/sa/admin", A},
                  {"unrestricted: urn", U, "urn:uuid:123", A},
                  {"unrestricted still parses", U, "spiffe://a/../b", M}});
  run(web(), {{"restricted web CA refuses URIs", U, "spiffe://prod/ns/pay/sa/admin", R}});
  run(open_with_deny(), {{"deny applies to URI hosts", U, "https://www.google.com/x", R}});
}

TEST(NamePolicy, CommonNames) {
  run(web(), {
                 {"CN in the allowed domain", C, "web.svc.acme.internal", A},
                 {"CN outside", C, "www.google.com", R},
                 {"CN that is not a name on a restricted CA", C, "Acme Web Server", R},
                 {"CN upper case", C, "WEB.svc.acme.internal", A, "web.svc.acme.internal"},
                 {"CN with NUL", C, std::string("web.svc.acme.internal\0.google.com", 32), M},
                 {"CN denied", C, "admin.svc.acme.internal", R},
                 {"CN IP in range", C, "10.9.8.7", A},
                 {"CN IP out of range", C, "8.8.8.8", R},
                 {"CN wildcard without allow", C, "*.svc.acme.internal", R},
                 {"CN too long", C, std::string(65, 'a'), M},
                 {"empty CN", C, "", A},
             });
  run(open_ca(),
      {
          {"unrestricted: text CN", C, "Acme Web Server", A},
          {"unrestricted: host CN", C, "www.google.com", A},
          {"unrestricted: single label", C, "alice", A},
          {"unrestricted: wildcard CN still needs allow_wildcards", C, "*.example.com", R},
          {"unrestricted: control byte", C,
           "a\x01"
           "b",
           M},
      });
  run(open_with_deny(), {{"deny applies to a host-like CN", C, "www.google.com", R},
                         {"and to a wildcard CN covering it", C, "*.google.com", R}});
  run(no_ip(), {{"IP CN when IPs are off", C, "10.1.2.3", R}});
  run(mail(), {{"an e-mail CA's CN must still be an allowed name", C, "Alice Example", R}});
}

TEST(NamePolicy, UnrestrictedCaAllowsAnyWellFormedName) {
  run(open_ca(), {
                     {"any DNS", D, "www.google.com", A},
                     {"single label", D, "localhost", A},
                     {"wildcard needs allow_wildcards", D, "*.example.com", R},
                     {"malformed still malformed", D, "bad_name!.example", M},
                 });
  run(open_with_deny(), {
                            {"denied exact", D, "google.com", R},
                            {"denied subdomain", D, "mail.google.com", R},
                            {"not denied lookalike", D, "notgoogle.com", A},
                            {"wildcard allowed", D, "*.example.com", A},
                            {"wildcard on denied", D, "*.google.com", R},
                            {"wildcard over a denied child", D, "*.example", R},
                        });
}

TEST(NamePolicy, ApplyAddsTheCnAndDropsSubjectFields) {
  Policy p = web();
  p.allowed_subject_fields = {"organization"};
  Subject s{"WEB.svc.acme.internal", "Acme", "Ops", "US", "CA", "SF"};
  Sans sans;
  sans.dns = {"api.svc.acme.internal", "API.svc.acme.internal."};
  apply_name_policy(p, s, sans);
  EXPECT_EQ(s.common_name, "web.svc.acme.internal");
  EXPECT_EQ(s.organization, "Acme");
  EXPECT_TRUE(s.organizational_unit.empty());
  EXPECT_TRUE(s.country.empty());
  EXPECT_EQ(sans.dns, (std::vector<std::string>{"api.svc.acme.internal", "web.svc.acme.internal"}));

  Subject bad{"www.google.com", "", "", "", "", ""};
  Sans email;
  email.email = {"ops@svc.acme.internal"};
  EXPECT_THROW(apply_name_policy(p, bad, email), DomainError);
  try {
    Subject cn{"www.google.com", "", "", "", "", ""};
    Sans none;
    apply_name_policy(p, cn, none);
    FAIL() << "a CN outside the policy must be refused";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::policy_violation);
    EXPECT_NE(e.public_detail().find("www.google.com"), std::string::npos);
  }
  try {
    Subject cn{"", "", "", "", "", ""};
    Sans malformed;
    malformed.dns = {"bad_name!.svc.acme.internal"};
    apply_name_policy(p, cn, malformed);
    FAIL() << "a malformed name is invalid_request";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_request);
  }
  Sans many;
  for (int i = 0; i < 101; ++i) many.dns.push_back("n" + std::to_string(i) + ".svc.acme.internal");
  Subject none{};
  EXPECT_THROW(apply_name_policy(p, none, many), DomainError);
}

struct KeyCase {
  const char* label;
  KeyFacts key;
  bool ok;
};

TEST(KeyFloor, CurvesSizesExponents) {
  const std::vector<KeyCase> cases = {
      {"P-256", {"ec", "prime256v1", 256, false}, true},
      {"P-384", {"ec", "secp384r1", 384, false}, true},
      {"P-521 is not on the list", {"ec", "secp521r1", 521, false}, false},
      {"prime192v1", {"ec", "prime192v1", 192, false}, false},
      {"secp112r1", {"ec", "secp112r1", 112, false}, false},
      {"secp256k1", {"ec", "secp256k1", 256, false}, false},
      {"brainpool", {"ec", "brainpoolP256r1", 256, false}, false},
      {"explicit parameters", {"ec", "", 256, false}, false},
      {"RSA 1024", {"rsa", "", 1024, true}, false},
      {"RSA 2047", {"rsa", "", 2047, true}, false},
      {"RSA 2048", {"rsa", "", 2048, true}, true},
      {"RSA 4096", {"rsa", "", 4096, true}, true},
      {"RSA 8192", {"rsa", "", 8192, true}, true},
      {"RSA 8193", {"rsa", "", 8193, true}, false},
      {"RSA e=3", {"rsa", "", 2048, false}, false},
      {"Ed25519", {"ed25519", "", 253, false}, true},
      {"DSA", {"other", "", 2048, false}, false},
  };
  const Policy p;
  for (const auto& c : cases) {
    if (c.ok) {
      EXPECT_NO_THROW(enforce_key_policy(p, c.key)) << c.label;
    } else {
      try {
        enforce_key_policy(p, c.key);
        ADD_FAILURE() << c.label << " must be refused";
      } catch (const DomainError& e) {
        EXPECT_EQ(e.code(), ErrorCode::policy_violation) << c.label;
      }
    }
  }
  Policy ec_only;
  ec_only.key_types = {KeyType::ec};
  EXPECT_THROW(enforce_key_policy(ec_only, {"rsa", "", 2048, true}), DomainError);
  EXPECT_NO_THROW(enforce_key_policy(ec_only, {"ec", "prime256v1", 256, false}));
}

TEST(PolicyPatch, MergesNamedFieldsAndResetsNulls) {
  Policy base = web();
  base.max_validity_days = 90;
  PolicyPatch patch;
  patch.values.max_validity_days = 30;
  patch.set.insert("max_validity_days");
  const Policy merged = apply_policy_patch(base, patch);
  EXPECT_EQ(merged.max_validity_days, 30);
  EXPECT_EQ(merged.allowed_domains, base.allowed_domains) << "fields not named keep their value";
  EXPECT_EQ(merged.allowed_ip_ranges, base.allowed_ip_ranges);
  PolicyPatch reset;
  reset.reset = {"allowed_domains", "max_validity_days"};
  const Policy cleared = apply_policy_patch(merged, reset);
  EXPECT_TRUE(cleared.allowed_domains.empty());
  EXPECT_EQ(cleared.max_validity_days, Policy{}.max_validity_days);
  EXPECT_EQ(cleared.denied_domains, base.denied_domains);
}

TEST(PolicyPatch, ValidatesAndNormalisesLists) {
  PolicyPatch p;
  p.values.allowed_domains = {"SVC.Acme.Internal.", "svc.acme.internal"};
  p.values.allowed_ip_ranges = {"10.0.0.0/8", "2001:DB8::/32", "192.168.1.7"};
  p.values.allowed_uri_prefixes = {"SPIFFE://Acme.Internal/ns/"};
  p.set = {"allowed_domains", "allowed_ip_ranges", "allowed_uri_prefixes"};
  const Policy out = apply_policy_patch(Policy{}, p);
  EXPECT_EQ(out.allowed_domains, std::vector<std::string>{"svc.acme.internal"});
  EXPECT_EQ(out.allowed_ip_ranges,
            (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "192.168.1.7/32"}));
  EXPECT_EQ(out.allowed_uri_prefixes, std::vector<std::string>{"spiffe://acme.internal/ns/"});
  for (const char* bad :
       {"10.0.0.1/8", "10.0.0.0/33", "::/129", "10.0.0.0/", "nope", "10.0.0.0/-1"}) {
    PolicyPatch q;
    q.values.allowed_ip_ranges = {bad};
    q.set = {"allowed_ip_ranges"};
    EXPECT_THROW(apply_policy_patch(Policy{}, q), DomainError) << bad;
  }
  for (const char* bad : {"*.acme.internal", "bad_domain", ""}) {
    PolicyPatch q;
    q.values.denied_domains = {bad};
    q.set = {"denied_domains"};
    EXPECT_THROW(apply_policy_patch(Policy{}, q), DomainError) << bad;
  }
  PolicyPatch fields;
  fields.values.allowed_subject_fields = {"email_address"};
  fields.set = {"allowed_subject_fields"};
  EXPECT_THROW(apply_policy_patch(Policy{}, fields), DomainError);
}

// The names tls-alpn-01 sends as SNI for ip identifiers (RFC 8738 section 6).
TEST(ReverseDnsName, OfAddresses) {
  struct ReverseCase {
    const char* address;
    const char* name;
  };
  const ReverseCase cases[] = {
      {"127.0.0.1", "1.0.0.127.in-addr.arpa"},
      {"192.0.2.10", "10.2.0.192.in-addr.arpa"},
      {"0.0.0.0", "0.0.0.0.in-addr.arpa"},
      {"255.255.255.255", "255.255.255.255.in-addr.arpa"},
      // RFC 3596 section 2.5's example address.
      {"4321:0:1:2:3:4:567:89ab",
       "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa"},
      {"::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
      {"2001:DB8::F", "f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
  };
  for (const auto& c : cases) {
    const auto ip = parse_ip(c.address);
    ASSERT_TRUE(ip) << c.address;
    EXPECT_EQ(reverse_dns_name(*ip), c.name) << c.address;
  }
}

}  // namespace
}  // namespace tenantca::core::pki
