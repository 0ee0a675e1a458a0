#pragma once
// Byte-safe ASCII text helpers. std::tolower on a plain char is undefined for
// bytes >= 0x80 (negative values), and user input carries such bytes.
#include <string>
#include <string_view>
#include <vector>

namespace tenantca::core {

constexpr char to_lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string to_lower_ascii(std::string_view s);
bool iequals_ascii(std::string_view a, std::string_view b);
// The value with control and non-ASCII bytes shown as \xNN, for error
// messages that name what a client sent.
// "a, b,,c" -> {"a", "b", "c"}: items split on commas, blanks trimmed, empty ones dropped.
std::vector<std::string> split_list(std::string_view text);
// Bytes 0x21-0x7e only.
bool visible_ascii(std::string_view s);
// Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF) with no
// C0 control bytes or DEL.
bool valid_utf8_text(std::string_view s);
// Well-formed UTF-8 (control characters allowed).
bool valid_utf8(std::string_view s);
std::string printable(std::string_view s, std::size_t max_len = 256);

}  // namespace tenantca::core
