#pragma once
// The one policy engine: every name, key and lifetime a certificate carries
// is judged here against its CA's Policy. Anything it cannot judge is refused.
// Malformed input is invalid_request (400); a refusal is policy_violation
// (422); both name the value and the rule.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/pki/model.hpp"

namespace tenantca::core::pki {

enum class NameType { dns, ip, email, uri, common_name };
enum class Verdict { allowed, malformed, refused };

struct NameJudgement {
  Verdict verdict = Verdict::refused;
  std::string value;   // the normal form (when not malformed)
  std::string reason;  // the rule, when not allowed
};

// One name of one type under `policy`. For common_name, `value` is the
// normalised DNS name or IP when the CN is one, else the CN as given.
NameJudgement judge_name(const Policy& policy, NameType type, std::string_view raw);

// Whole-certificate names: normalises `sans` (deduplicated, at most 100) and
// the subject in place, adds a DNS-name or IP CN to the SANs when missing,
// drops subject fields the policy does not list. Throws on the first
// malformed or refused name.
void apply_name_policy(const Policy& policy, Subject& subject, Sans& sans);

// What the key of a certificate is, as far as policy cares.
struct KeyFacts {
  std::string type;   // ec | rsa | ed25519 | other
  std::string curve;  // ec: the group's short name (prime256v1, secp384r1, ...), "" when explicit
                      // parameters
  int bits = 0;
  bool rsa_exponent_65537 = false;
};
// The floor no policy lowers (EC P-256/P-384, RSA 2048-8192 with e=65537,
// Ed25519), then the CA's key_types.
void enforce_key_policy(const Policy& policy, const KeyFacts& key);

// Validity: not past max_validity_days; explicit validity not past the CA.
void enforce_validity(const Policy& policy, int64_t validity_days, int64_t not_after,
                      int64_t ca_not_after);

// A policy as written by a client: lists normalised and checked (invalid_request
// naming `field_prefix`.field), duplicates dropped.
Policy validated_policy(Policy policy, const std::string& field_prefix = "policy");

// An RFC 7396 merge patch of a policy: fields in `set` take their value from
// `values`, fields in `reset` (named with null) go back to their default,
// all others keep theirs.
struct PolicyPatch {
  Policy values;
  std::set<std::string> set;
  std::set<std::string> reset;
  bool empty() const { return set.empty() && reset.empty(); }
};
// The patched policy, validated (invalid_request naming the field).
Policy apply_policy_patch(const Policy& base, const PolicyPatch& patch);

// Subject fields a policy may list in allowed_subject_fields.
bool known_subject_field(std::string_view name);

}  // namespace tenantca::core::pki
