#pragma once
// ACME resources (RFC 8555 section 7.1) as tenantca stores them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tenantca::core::acme {

struct Identifier {
  std::string type;   // dns | ip
  std::string value;  // normalised; a wildcard keeps its "*."
  bool operator==(const Identifier&) const = default;
};

struct EabKey {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string kid;
  std::string sealed_hmac_key;  // under the KEK
  std::string kek_id;
  int64_t created_us = 0;
  std::optional<int64_t> used_us;
  std::optional<std::string> account_id;
};

struct Account {
  std::string id;
  std::string tenant_id;
  std::string ca_id;
  std::string thumbprint;
  nlohmann::json jwk;
  std::string status = "valid";  // valid | deactivated | revoked
  nlohmann::json contact = nlohmann::json::array();
  std::string eab_key_id;
  int64_t created_us = 0;
};

struct Challenge {
  std::string id;
  std::string authorization_id;
  std::string type;  // http-01 | dns-01 | tls-alpn-01
  std::string token;
  std::string status = "pending";  // pending | processing | valid | invalid
  std::optional<int64_t> validated_s;
  std::optional<nlohmann::json> error;
  int attempts = 0;
};

struct Authorization {
  std::string id;
  std::string order_id;
  std::string account_id;
  Identifier identifier;  // without "*." (wildcard says so)
  bool wildcard = false;
  std::string status = "pending";  // pending | valid | invalid | deactivated | expired | revoked
  int64_t expires_s = 0;
  std::vector<Challenge> challenges;
};

struct Order {
  std::string id;
  std::string tenant_id;
  std::string ca_id;
  std::string account_id;
  std::string status = "pending";  // pending | ready | processing | valid | invalid
  int64_t expires_s = 0;
  std::vector<Identifier> identifiers;
  std::optional<nlohmann::json> error;
  std::optional<std::string> certificate_id;
  std::vector<std::string> authorization_ids;
};

// A challenge claimed for validation, with what validating it needs.
struct ValidationJob {
  Challenge challenge;
  Identifier identifier;   // the name validated (no "*.")
  std::string thumbprint;  // the account key's
  std::string order_id;
  std::string account_id;
  std::string tenant_id;
};

// What validating found: ok, or the problem to record.
struct ValidationResult {
  bool ok = false;
  std::string problem_type;  // connection, unauthorized, dns, incorrectResponse, tls, ...
  std::string detail;
  bool retryable = false;  // a network failure: try again before giving up
};

}  // namespace tenantca::core::acme
