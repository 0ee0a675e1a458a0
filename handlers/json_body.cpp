#include "handlers/json_body.hpp"

#include <set>
#include <vector>

#include "core/errors.hpp"

namespace tenantca::handlers {

JsonFields JsonFields::from_body(const HttpRequest& request) {
  if (request.body.empty()) return JsonFields(nlohmann::json::object(), "");
  // Strictness beyond RFC 8259's "SHOULD": a repeated key or nesting deeper
  // than any request of ours needs is an error, not "last one wins".
  constexpr int kMaxDepth = 16;
  std::vector<std::set<std::string>> keys;
  bool duplicate = false, too_deep = false;
  std::string duplicate_key;
  auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth > kMaxDepth) too_deep = true;
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second) {
      duplicate = true;
      duplicate_key = parsed.get<std::string>();
    }
    return !(duplicate || too_deep);
  };
  nlohmann::json j = nlohmann::json::parse(request.body, check, false);
  if (duplicate) core::throw_invalid("The request body repeats the key '" + duplicate_key + "'.");
  if (too_deep) core::throw_invalid("The request body is nested too deeply.");
  if (j.is_discarded()) core::throw_invalid("The request body is not valid JSON.");
  if (!j.is_object()) core::throw_invalid("The request body must be a JSON object.");
  return JsonFields(j, "");
}

JsonFields::JsonFields(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {}

bool JsonFields::has(const std::string& name) const {
  return object_.contains(name) && !object_[name].is_null();
}

bool JsonFields::take_null(const std::string& name) {
  auto it = object_.find(name);
  if (it == object_.end() || !it->is_null()) return false;
  seen_.insert(name);
  return true;
}

const nlohmann::json* JsonFields::get(const std::string& name) {
  seen_.insert(name);
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> JsonFields::optional_string(const std::string& name,
                                                       std::size_t max_len) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) core::throw_invalid("Field '" + field(name) + "' must be a string.");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_len)
    core::throw_invalid("Field '" + field(name) + "' is longer than " + std::to_string(max_len) +
                        " characters.");
  return s;
}

std::string JsonFields::required_string(const std::string& name, std::size_t max_len) {
  auto v = optional_string(name, max_len);
  if (!v) core::throw_invalid("Field '" + field(name) + "' is required.");
  return *v;
}

std::optional<bool> JsonFields::optional_bool(const std::string& name) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) core::throw_invalid("Field '" + field(name) + "' must be true or false.");
  return v->get<bool>();
}

std::optional<int64_t> JsonFields::optional_int(const std::string& name, int64_t lo, int64_t hi) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer())
    core::throw_invalid("Field '" + field(name) + "' must be an integer.");
  int64_t x = 0;
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    x = INT64_MAX;
  } else {
    x = v->get<int64_t>();
  }
  if (x < lo || x > hi) {
    core::throw_invalid("Field '" + field(name) + "' must be between " + std::to_string(lo) +
                        " and " + std::to_string(hi) + ".");
  }
  return x;
}

int64_t JsonFields::required_int(const std::string& name, int64_t lo, int64_t hi) {
  auto v = optional_int(name, lo, hi);
  if (!v) core::throw_invalid("Field '" + field(name) + "' is required.");
  return *v;
}

std::optional<JsonFields> JsonFields::optional_object(const std::string& name) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_object()) core::throw_invalid("Field '" + field(name) + "' must be an object.");
  return JsonFields(*v, field(name));
}

JsonFields JsonFields::required_object(const std::string& name) {
  auto v = optional_object(name);
  if (!v) core::throw_invalid("Field '" + field(name) + "' is required.");
  return *v;
}

std::optional<std::vector<std::string>> JsonFields::optional_string_array(const std::string& name,
                                                                          std::size_t max_items) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_array())
    core::throw_invalid("Field '" + field(name) + "' must be an array of strings.");
  if (v->size() > max_items)
    core::throw_invalid("Field '" + field(name) + "' has more than " + std::to_string(max_items) +
                        " items.");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string())
      core::throw_invalid("Field '" + field(name) + "' must be an array of strings.");
    out.push_back(item.get<std::string>());
  }
  return out;
}

void JsonFields::reject_unknown() const {
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!seen_.count(it.key())) core::throw_invalid("Unknown field '" + field(it.key()) + "'.");
  }
}

}  // namespace tenantca::handlers
