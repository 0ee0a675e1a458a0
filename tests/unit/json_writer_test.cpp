// The one-pass JSON writer (core/json_writer.hpp) against nlohmann: what it
// writes parses back to exactly the values given, for every character class
// RFC 8259 treats specially, and the PKI documents it writes for the
// group-commit batch are the documents to_json() builds.
#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/pki/json.hpp"
#include "db/certificate_sql.hpp"

using tenantca::core::JsonWriter;

TEST(JsonWriter, StringsRoundTripThroughAJsonParser) {
  const std::vector<std::string> values = {"",
                                           "plain",
                                           "quote \" and backslash \\",
                                           "newline\n tab\t cr\r",
                                           std::string("nul \0 bell \x07 esc \x1b", 17),
                                           "del \x7f",
                                           "Ünïcödé ✓ 𝄞",
                                           "-----BEGIN CERTIFICATE-----\nMIIB\n",
                                           "\"at the start",
                                           "at the end\\",
                                           "\n\n\"\\\t",
                                           "a\"b\\c\nd"};
  for (const auto& v : values) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().member("k", v).key("n").number(-42).key("z").null().end_object();
    const auto parsed = nlohmann::json::parse(out);
    EXPECT_EQ(parsed.at("k").get<std::string>(), v) << out;
    EXPECT_EQ(parsed.at("n").get<int64_t>(), -42);
    EXPECT_TRUE(parsed.at("z").is_null());
  }
}

TEST(JsonWriter, NestedContainersGetTheirCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.begin_object().key("a").strings({"x", "y"}).key("b").raw("{\"c\":1}").end_object();
  w.begin_object().end_object();
  w.strings({});
  w.end_array();
  EXPECT_EQ(out, R"([{"a":["x","y"],"b":{"c":1}},{},[]])");
}

TEST(JsonWriter, RefusesTextThatIsNotUtf8) {
  for (const std::string& bad :
       std::vector<std::string>{std::string("\xc3"), std::string("\xc0\xaf"),
                                std::string("\xed\xa0\x80"), std::string("\xff")}) {
    std::string out;
    JsonWriter w(out);
    EXPECT_THROW(w.string(bad), std::invalid_argument);
  }
}

TEST(JsonWriter, PkiDocumentsEqualToJson) {
  using namespace tenantca::core::pki;
  Subject full;
  full.common_name = "api \"x\"";
  full.organization = "Ö";
  full.country = "DE";
  full.locality = "K";
  full.state = "BW";
  full.organizational_unit = "ops";
  Sans sans;
  sans.dns = {"a.example", "b.example"};
  sans.ip = {"10.0.0.1"};
  sans.uri = {"spiffe://x/y"};
  for (const Subject& s : {Subject{}, full}) {
    std::string out;
    JsonWriter w(out);
    write_json(w, s);
    EXPECT_EQ(nlohmann::json::parse(out), to_json(s)) << out;
  }
  for (const Sans& s : {Sans{}, sans}) {
    std::string out;
    JsonWriter w(out);
    write_json(w, s);
    EXPECT_EQ(nlohmann::json::parse(out), to_json(s)) << out;
  }
}

TEST(JsonWriter, IssueBatchCarriesEveryColumn) {
  using namespace tenantca::core;
  pki::CertRecord cert;
  cert.id = "c1";
  cert.tenant_id = "t1";
  cert.ca_id = "ca1";
  cert.source = "issued";
  cert.cert.serial_hex = "7f";
  cert.cert.subject.common_name = "leaf";
  cert.cert.issuer.common_name = "root";
  cert.cert.sans.dns = {"leaf"};
  cert.cert.not_before = 1;
  cert.cert.not_after = 2;
  cert.cert.key_type = "ec";
  cert.cert.fingerprint_sha256 = "ab";
  cert.cert.pem = "PEM\n";
  cert.chain_pem = "CHAIN\n";
  AuditEvent event;
  event.id = "a1";
  event.actor_key_id = "k1";
  event.action = "certificate.issue";
  event.target_type = "certificate";
  event.target_id = "c1";
  event.request_id = "r1";
  event.detail_json = R"({"from_csr":true})";
  const auto rows = nlohmann::json::parse(
      tenantca::db::issue_batch_json({tenantca::db::issue_row_json({&cert, &event, 7}),
                                      tenantca::db::issue_row_json({&cert, &event, 8})}));
  ASSERT_EQ(rows.size(), 2u);
  const nlohmann::json expected = {{"id", "c1"},
                                   {"tenant_id", "t1"},
                                   {"ca_id", "ca1"},
                                   {"ca_revision", 7},
                                   {"source", "issued"},
                                   {"serial", "7f"},
                                   {"subject", pki::to_json(cert.cert.subject)},
                                   {"issuer", pki::to_json(cert.cert.issuer)},
                                   {"common_name", "leaf"},
                                   {"sans", pki::to_json(cert.cert.sans)},
                                   {"not_before", 1},
                                   {"not_after", 2},
                                   {"key_type", "ec"},
                                   {"fingerprint_sha256", "ab"},
                                   {"certificate_pem", "PEM\n"},
                                   {"chain_pem", "CHAIN\n"},
                                   {"audit_id", "a1"},
                                   {"actor_key_id", "k1"},
                                   {"actor_account_id", nullptr},
                                   {"action", "certificate.issue"},
                                   {"target_type", "certificate"},
                                   {"target_id", "c1"},
                                   {"request_id", "r1"},
                                   {"detail", {{"from_csr", true}}}};
  EXPECT_EQ(rows[0], expected);
  EXPECT_EQ(rows[1].at("ca_revision"), 8);
}
