#pragma once
// Strict reading of JSON request bodies: wrong types, missing required
// fields and unknown fields are 400 invalid_request naming the field.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "handlers/http_types.hpp"

namespace tenantca::handlers {

class JsonFields {
 public:
  // Parses the request body (an empty body counts as {}).
  static JsonFields from_body(const HttpRequest& request);
  JsonFields(const nlohmann::json& object, std::string path);

  std::string required_string(const std::string& name, std::size_t max_len = 1024);
  std::optional<std::string> optional_string(const std::string& name, std::size_t max_len = 1024);
  std::optional<bool> optional_bool(const std::string& name);
  std::optional<int64_t> optional_int(const std::string& name, int64_t lo, int64_t hi);
  int64_t required_int(const std::string& name, int64_t lo, int64_t hi);
  std::optional<JsonFields> optional_object(const std::string& name);
  JsonFields required_object(const std::string& name);
  std::optional<std::vector<std::string>> optional_string_array(const std::string& name,
                                                                std::size_t max_items = 100);
  bool has(const std::string& name) const;
  // True (and the field counts as read) when the field is present with null:
  // a merge patch's "back to the default".
  bool take_null(const std::string& name);
  // Call last: rejects any field nobody asked for.
  void reject_unknown() const;
  const std::string& path() const { return path_; }
  std::string field(const std::string& name) const {
    return path_.empty() ? name : path_ + "." + name;
  }

 private:
  const nlohmann::json* get(const std::string& name);
  nlohmann::json object_;
  std::string path_;
  std::set<std::string> seen_;
};

}  // namespace tenantca::handlers
