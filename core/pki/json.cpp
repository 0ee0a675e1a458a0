#include "core/pki/json.hpp"

namespace tenantca::core::pki {
namespace {
std::string str(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::vector<std::string> strs(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  std::vector<std::string> out;
  if (it != j.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}
}  // namespace

nlohmann::json to_json(const Subject& s) {
  nlohmann::json j = {{"common_name", s.common_name}};
  if (!s.organization.empty()) j["organization"] = s.organization;
  if (!s.organizational_unit.empty()) j["organizational_unit"] = s.organizational_unit;
  if (!s.country.empty()) j["country"] = s.country;
  if (!s.state.empty()) j["state"] = s.state;
  if (!s.locality.empty()) j["locality"] = s.locality;
  return j;
}

nlohmann::json to_json(const Sans& s) {
  return {{"dns", s.dns}, {"ip", s.ip}, {"email", s.email}, {"uri", s.uri}};
}

void write_json(JsonWriter& w, const Subject& s) {
  w.begin_object().member("common_name", s.common_name);
  if (!s.organization.empty()) w.member("organization", s.organization);
  if (!s.organizational_unit.empty()) w.member("organizational_unit", s.organizational_unit);
  if (!s.country.empty()) w.member("country", s.country);
  if (!s.state.empty()) w.member("state", s.state);
  if (!s.locality.empty()) w.member("locality", s.locality);
  w.end_object();
}

void write_json(JsonWriter& w, const Sans& s) {
  w.begin_object();
  w.key("dns").strings(s.dns).key("ip").strings(s.ip);
  w.key("email").strings(s.email).key("uri").strings(s.uri);
  w.end_object();
}

nlohmann::json to_json(const Policy& p) {
  nlohmann::json kt = nlohmann::json::array();
  for (auto k : p.key_types) kt.push_back(key_type_name(k));
  return {{"allowed_domains", p.allowed_domains},
          {"denied_domains", p.denied_domains},
          {"allow_subdomains", p.allow_subdomains},
          {"allow_wildcards", p.allow_wildcards},
          {"allow_ip_sans", p.allow_ip_sans},
          {"allowed_ip_ranges", p.allowed_ip_ranges},
          {"allowed_email_domains", p.allowed_email_domains},
          {"allowed_uri_prefixes", p.allowed_uri_prefixes},
          {"allowed_subject_fields", p.allowed_subject_fields},
          {"max_validity_days", p.max_validity_days},
          {"key_types", kt},
          {"name_constraints", p.name_constraints}};
}

Subject subject_from_json(const nlohmann::json& j) {
  return Subject{str(j, "common_name"), str(j, "organization"), str(j, "organizational_unit"),
                 str(j, "country"),     str(j, "state"),        str(j, "locality")};
}

Sans sans_from_json(const nlohmann::json& j) {
  return Sans{strs(j, "dns"), strs(j, "ip"), strs(j, "email"), strs(j, "uri")};
}

Policy policy_from_json(const nlohmann::json& j) {
  Policy p;
  p.allowed_domains = strs(j, "allowed_domains");
  p.denied_domains = strs(j, "denied_domains");
  p.allow_subdomains = j.value("allow_subdomains", p.allow_subdomains);
  p.allow_wildcards = j.value("allow_wildcards", p.allow_wildcards);
  p.allow_ip_sans = j.value("allow_ip_sans", p.allow_ip_sans);
  p.allowed_ip_ranges = strs(j, "allowed_ip_ranges");
  p.allowed_email_domains = strs(j, "allowed_email_domains");
  p.allowed_uri_prefixes = strs(j, "allowed_uri_prefixes");
  p.allowed_subject_fields = strs(j, "allowed_subject_fields");
  p.max_validity_days = j.value("max_validity_days", p.max_validity_days);
  p.name_constraints = j.value("name_constraints", p.name_constraints);
  if (j.contains("key_types")) {
    p.key_types.clear();
    for (const auto& s : strs(j, "key_types")) {
      if (auto k = parse_key_type(s)) p.key_types.push_back(*k);
    }
  }
  return p;
}

nlohmann::json to_json(const AcmeCaSettings& a) {
  return {{"enabled", a.enabled}, {"challenges", a.challenges}};
}

AcmeCaSettings acme_settings_from_json(const nlohmann::json& j) {
  AcmeCaSettings a;
  if (!j.is_object()) return a;
  a.enabled = j.value("enabled", false);
  if (j.contains("challenges") && j["challenges"].is_array()) {
    for (const auto& c : j["challenges"]) {
      if (c.is_string()) a.challenges.push_back(c.get<std::string>());
    }
  }
  return a;
}

}  // namespace tenantca::core::pki
