#include "handlers/pki_requests.hpp"

#include <charconv>

#include "core/errors.hpp"
#include "core/pki/ossl.hpp"
#include "core/text.hpp"
#include "core/uuid.hpp"
#include "handlers/common.hpp"

namespace tenantca::handlers {
namespace {

using namespace core::pki;

Subject read_subject(JsonFields obj, bool require_cn) {
  Subject s;
  s.common_name = require_cn ? obj.required_string("common_name", 64)
                             : obj.optional_string("common_name", 64).value_or("");
  s.organization = obj.optional_string("organization", 64).value_or("");
  s.organizational_unit = obj.optional_string("organizational_unit", 64).value_or("");
  s.country = obj.optional_string("country", 2).value_or("");
  s.state = obj.optional_string("state", 128).value_or("");
  s.locality = obj.optional_string("locality", 128).value_or("");
  obj.reject_unknown();
  if (require_cn && s.common_name.empty())
    core::throw_invalid("Field '" + obj.field("common_name") + "' must not be empty.");
  if (!s.country.empty() &&
      (s.country.size() != 2 || !std::isupper(static_cast<unsigned char>(s.country[0])) ||
       !std::isupper(static_cast<unsigned char>(s.country[1])))) {
    core::throw_invalid("Field '" + obj.field("country") +
                        "' must be a two-letter upper-case country code.");
  }
  return s;
}

KeySpec read_key(JsonFields obj) {
  KeySpec k;
  const std::string type = obj.required_string("type", 16);
  const auto t = parse_key_type(type);
  if (!t) core::throw_invalid("Field '" + obj.field("type") + "' must be ec, rsa or ed25519.");
  k.type = *t;
  if (k.type == KeyType::ec) {
    k.curve = obj.optional_string("curve", 16).value_or("P-256");
    if (k.curve != "P-256" && k.curve != "P-384")
      core::throw_invalid("Field '" + obj.field("curve") + "' must be P-256 or P-384.");
  } else if (k.type == KeyType::rsa) {
    k.bits = static_cast<int>(obj.optional_int("bits", 2048, 4096).value_or(2048));
    if (k.bits != 2048 && k.bits != 3072 && k.bits != 4096)
      core::throw_invalid("Field '" + obj.field("bits") + "' must be 2048, 3072 or 4096.");
  }
  obj.reject_unknown();
  return k;
}

// A policy object as an RFC 7396 merge patch; its values are normalised and
// checked by the policy engine when applied.
PolicyPatch read_policy_patch(JsonFields obj) {
  PolicyPatch patch;
  Policy& v = patch.values;
  auto list = [&](const char* name, std::vector<std::string>& into, std::size_t max_items) {
    if (obj.take_null(name)) {
      patch.reset.insert(name);
    } else if (auto items = obj.optional_string_array(name, max_items)) {
      for (const auto& item : *items) {
        if (item.size() > 2048)
          core::throw_invalid("Field '" + obj.field(name) +
                              "' has an item longer than 2048 characters.");
      }
      into = *items;
      patch.set.insert(name);
    }
  };
  auto flag = [&](const char* name, bool& into) {
    if (obj.take_null(name)) {
      patch.reset.insert(name);
    } else if (auto b = obj.optional_bool(name)) {
      into = *b;
      patch.set.insert(name);
    }
  };
  list("allowed_domains", v.allowed_domains, 200);
  list("denied_domains", v.denied_domains, 200);
  flag("allow_subdomains", v.allow_subdomains);
  flag("allow_wildcards", v.allow_wildcards);
  flag("allow_ip_sans", v.allow_ip_sans);
  list("allowed_ip_ranges", v.allowed_ip_ranges, 200);
  list("allowed_email_domains", v.allowed_email_domains, 200);
  list("allowed_uri_prefixes", v.allowed_uri_prefixes, 200);
  list("allowed_subject_fields", v.allowed_subject_fields, 5);
  flag("name_constraints", v.name_constraints);
  if (obj.take_null("max_validity_days")) {
    patch.reset.insert("max_validity_days");
  } else if (auto days = obj.optional_int("max_validity_days", 1, 36500)) {
    v.max_validity_days = static_cast<int>(*days);
    patch.set.insert("max_validity_days");
  }
  if (obj.take_null("key_types")) {
    patch.reset.insert("key_types");
  } else if (auto kts = obj.optional_string_array("key_types", 3)) {
    v.key_types.clear();
    for (const auto& k : *kts) {
      auto t = parse_key_type(k);
      if (!t)
        core::throw_invalid("Field '" + obj.field("key_types") + "' has an unknown key type: '" +
                            k + "'.");
      v.key_types.push_back(*t);
    }
    patch.set.insert("key_types");
  }
  obj.reject_unknown();
  return patch;
}

std::string required_uuid_field(JsonFields& body, const std::string& name) {
  const std::string v = body.required_string(name, 64);
  if (!core::is_uuid(v)) core::throw_invalid("Field '" + body.field(name) + "' must be a UUID.");
  return core::to_lower_ascii(v);
}

std::vector<Usage> read_usage(JsonFields& body) {
  auto list = body.optional_string_array("usage", 2);
  if (!list) return {Usage::server_auth};
  std::vector<Usage> out;
  for (const auto& u : *list) {
    if (u == "server_auth")
      out.push_back(Usage::server_auth);
    else if (u == "client_auth")
      out.push_back(Usage::client_auth);
    else
      core::throw_invalid("Field 'usage' accepts server_auth and client_auth, got '" + u + "'.");
  }
  if (out.empty()) core::throw_invalid("Field 'usage' must not be empty.");
  return out;
}

std::string read_base64_field(JsonFields& body, const std::string& name) {
  const std::string text = body.required_string(name, 1 << 20);
  auto bytes = base64_decode(text);
  if (!bytes || bytes->empty()) core::throw_invalid("Field '" + name + "' is not valid base64.");
  return *bytes;
}

std::string normalize_serial(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      core::throw_invalid("Query parameter 'serial' must be hexadecimal.");
    out.push_back(core::to_lower_ascii(c));
  }
  const auto first = out.find_first_not_of('0');
  return first == std::string::npos ? (out.empty() ? "" : "0") : out.substr(first);
}

const std::string* query(const RequestContext& ctx, const char* name) {
  auto it = ctx.request.query.find(name);
  return it == ctx.request.query.end() ? nullptr : &it->second;
}

std::string required_name(JsonFields& body) {
  std::string name = body.required_string("name", 128);
  if (name.empty()) core::throw_invalid("Field 'name' must not be empty.");
  return name;
}

}  // namespace

CreateCaRequest parse_create_ca_request(JsonFields& body) {
  CreateCaRequest req;
  req.name = required_name(body);
  req.type = body.required_string("type", 16);
  if (req.type != "root" && req.type != "intermediate")
    core::throw_invalid("Field 'type' must be root or intermediate.");
  if (req.type == "intermediate") {
    req.parent_ca_id = required_uuid_field(body, "parent_ca_id");
  } else if (body.has("parent_ca_id")) {
    core::throw_invalid("Field 'parent_ca_id' is only for intermediate CAs.");
  } else {
    body.optional_string("parent_ca_id");
  }
  req.subject = read_subject(body.required_object("subject"), true);
  if (auto k = body.optional_object("key")) req.key = read_key(*k);
  if (auto v = body.optional_int("validity_days", 1, 36500))
    req.validity_days = static_cast<int>(*v);
  if (auto pl = body.optional_int("max_path_length", 0, 10))
    req.max_path_length = static_cast<int>(*pl);
  if (auto pol = body.optional_object("policy")) req.policy = read_policy_patch(*pol);
  body.reject_unknown();
  return req;
}

ImportCaRequest parse_import_ca_request(JsonFields& body) {
  ImportCaRequest req;
  req.name = required_name(body);
  if (body.has("pkcs12_base64")) {
    req.pkcs12_der = read_base64_field(body, "pkcs12_base64");
    req.password = body.optional_string("password", 1024).value_or("");
  } else {
    req.certificate_pem = body.required_string("certificate_pem", std::size_t{256} * 1024);
    req.private_key_pem = body.required_string("private_key_pem", std::size_t{64} * 1024);
  }
  if (auto pol = body.optional_object("policy")) req.policy = read_policy_patch(*pol);
  body.reject_unknown();
  return req;
}

CaUpdateRequest parse_ca_update_request(JsonFields& body) {
  CaUpdateRequest req;
  if (auto pol = body.optional_object("policy")) req.policy = read_policy_patch(*pol);
  req.disabled = body.optional_bool("disabled");
  if (auto acme = body.optional_object("acme")) {
    core::pki::AcmeCaSettings settings;
    settings.enabled = acme->optional_bool("enabled").value_or(false);
    settings.challenges =
        acme->optional_string_array("challenges").value_or(std::vector<std::string>{});
    acme->reject_unknown();
    req.acme = settings;
  }
  body.reject_unknown();
  return req;
}

IssueRequest parse_issue_request(JsonFields& body) {
  IssueRequest req;
  req.ca_id = required_uuid_field(body, "ca_id");
  if (body.has("csr_pem")) {
    req.csr_pem = body.required_string("csr_pem", std::size_t{64} * 1024);
    for (const char* f : {"subject", "sans", "key"}) {
      if (body.has(f))
        core::throw_invalid(std::string("Field '") + f + "' cannot be combined with csr_pem.");
    }
  } else {
    req.subject = read_subject(body.required_object("subject"), false);
    if (auto sans = body.optional_object("sans")) {
      req.sans.dns = sans->optional_string_array("dns").value_or(std::vector<std::string>{});
      req.sans.ip = sans->optional_string_array("ip").value_or(std::vector<std::string>{});
      req.sans.email = sans->optional_string_array("email").value_or(std::vector<std::string>{});
      req.sans.uri = sans->optional_string_array("uri").value_or(std::vector<std::string>{});
      sans->reject_unknown();
    }
    req.key = body.has("key") ? read_key(body.required_object("key")) : KeySpec{};
  }
  if (auto v = body.optional_int("validity_days", 1, 36500))
    req.validity_days = static_cast<int>(*v);
  req.usages = read_usage(body);
  body.reject_unknown();
  return req;
}

ImportCertificateRequest parse_import_certificate_request(JsonFields& body) {
  ImportCertificateRequest req;
  if (body.has("pkcs12_base64")) {
    req.pkcs12_der = read_base64_field(body, "pkcs12_base64");
    req.password = body.optional_string("password", 1024).value_or("");
  } else {
    req.certificate_pem = body.required_string("certificate_pem", std::size_t{512} * 1024);
  }
  body.reject_unknown();
  return req;
}

RevocationReason parse_revoke_request(JsonFields& body) {
  RevocationReason reason = RevocationReason::unspecified;
  if (auto r = body.optional_string("reason", 64)) {
    auto parsed = parse_revocation_reason(*r);
    if (!parsed) {
      core::throw_invalid(
          "Field 'reason' must be an RFC 5280 reason in snake_case (e.g. key_compromise), got '" +
          *r + "'.");
    }
    reason = *parsed;
  }
  body.reject_unknown();
  return reason;
}

std::optional<int> parse_renew_request(JsonFields& body) {
  std::optional<int> days;
  if (auto v = body.optional_int("validity_days", 1, 36500)) days = static_cast<int>(*v);
  body.reject_unknown();
  return days;
}

CertificateFilter parse_certificate_filter(const RequestContext& ctx) {
  CertificateFilter f;
  if (auto v = query(ctx, "ca_id")) {
    if (!core::is_uuid(*v)) core::throw_invalid("Query parameter 'ca_id' must be a UUID.");
    f.ca_id = core::to_lower_ascii(*v);
  }
  if (auto v = query(ctx, "status")) {
    if (*v != "valid" && *v != "revoked" && *v != "expired")
      core::throw_invalid("Query parameter 'status' must be valid, revoked or expired.");
    f.status = *v;
  }
  if (auto v = query(ctx, "expiring_within_days")) {
    int d = -1;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
    if (ec != std::errc() || p != v->data() + v->size() || d < 0 || d > 36500) {
      core::throw_invalid(
          "Query parameter 'expiring_within_days' must be an integer from 0 to 36500.");
    }
    f.expiring_within_days = d;
  }
  if (auto v = text_query(ctx, "common_name", 256, false)) f.common_name = *v;
  if (auto v = text_query(ctx, "dns_name", 256, true)) f.dns_name = core::to_lower_ascii(*v);
  if (auto v = query(ctx, "serial")) f.serial = normalize_serial(*v);
  return f;
}

bool parse_ca_certificate_format(const RequestContext& ctx) {
  const std::string* fmt = query(ctx, "format");
  if (fmt && *fmt != "der" && *fmt != "pem")
    core::throw_invalid("Query parameter 'format' must be der or pem.");
  return fmt && *fmt == "pem";
}

}  // namespace tenantca::handlers
