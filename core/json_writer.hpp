#pragma once
// JSON written straight into a string, for the few documents built on every
// request (the group-commit batch of issued certificates). nlohmann::json
// builds a tree of std::map nodes first and then serialises it, measured at
// ~6% of an issuance's CPU for the batch alone; this writes the same text in
// one pass. Strings are escaped as RFC 8259 requires; text that is not
// well-formed UTF-8 is refused (std::invalid_argument), as nlohmann refuses it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tenantca::core {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& number(int64_t value);
  JsonWriter& null();
  // A value that is already JSON text (from a serialiser), copied as is.
  JsonWriter& raw(std::string_view json);
  JsonWriter& strings(const std::vector<std::string>& values);
  // The same, in one call per member.
  JsonWriter& member(std::string_view name, std::string_view value) {
    return key(name).string(value);
  }

 private:
  void before_value();
  void quoted(std::string_view s);

  std::string& out_;
  // Per open container: whether it has a member yet (a comma is due).
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

}  // namespace tenantca::core
