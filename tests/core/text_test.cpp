#include "core/text.hpp"

#include <gtest/gtest.h>

namespace tenantca::core {
namespace {

TEST(Text, LowerCasingIsByteSafe) {
  EXPECT_EQ(to_lower_ascii("WeB.Example"), "web.example");
  EXPECT_EQ(to_lower_ascii("\xC3\x9C"), "\xC3\x9C") << "bytes >= 0x80 are left alone";
  EXPECT_TRUE(iequals_ascii("SPIFFE", "spiffe"));
}

TEST(Text, Utf8Validation) {
  struct Case {
    const char* label;
    std::string text;
    bool ok;
  };
  const Case cases[] = {
      {"ascii", "web server", true},
      {"two-byte", "M\xC3\xBCnchen", true},
      {"three-byte", "\xE2\x82\xAC", true},
      {"four-byte", "\xF0\x9F\x94\x92", true},
      {"lone continuation", "\x80", false},
      {"truncated", "\xE2\x82", false},
      {"overlong slash", "\xC0\xAF", false},
      {"surrogate", "\xED\xA0\x80", false},
      {"past U+10FFFF", "\xF4\x90\x80\x80", false},
      {"invalid lead", "\xFF\xFE", false},
      {"NUL", std::string("a\0b", 3), false},
      {"newline", "a\nb", false},
      {"DEL", "a\x7f", false},
  };
  for (const auto& c : cases) EXPECT_EQ(valid_utf8_text(c.text), c.ok) << c.label;
  EXPECT_TRUE(visible_ascii("a.b-c"));
  EXPECT_FALSE(visible_ascii("a b"));
  EXPECT_EQ(printable(std::string("a\0b\xff", 4)), "a\\x00b\\xff");
}

}  // namespace
}  // namespace tenantca::core
