#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/kek.hpp"
#include "core/request_id.hpp"
#include "core/uuid.hpp"

using namespace tenantca::core;

TEST(Uuid, IsVersion4AndValidates) {
  const auto a = new_uuid();
  EXPECT_TRUE(is_uuid(a));
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, new_uuid());
  EXPECT_FALSE(is_uuid("not-a-uuid"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400"));
  EXPECT_FALSE(is_uuid("123e4567xe89b-12d3-a456-426614174000"));
}

TEST(RequestId, KeepsSaneValuesOnly) {
  EXPECT_EQ(accept_or_make_request_id("abc"), "abc");
  EXPECT_NE(accept_or_make_request_id("has space"), "has space");
  EXPECT_NE(accept_or_make_request_id(std::string(129, 'a')), std::string(129, 'a'));
  EXPECT_EQ(accept_or_make_request_id(std::string(128, 'a')), std::string(128, 'a'));
  EXPECT_EQ(accept_or_make_request_id("").size(), 32u);
}

TEST(Kek, LoadsPrivateWellFormedFilesOnly) {
  const std::string path = ::testing::TempDir() + "/kek_test";
  { std::ofstream(path) << generate_kek_text(); }
  ::chmod(path.c_str(), 0600);
  const Kek k = load_kek_file(path);
  EXPECT_EQ(k.id.size(), 16u);
  ::chmod(path.c_str(), 0640);
  EXPECT_THROW(load_kek_file(path), std::runtime_error);
  { std::ofstream(path) << "c2hvcnQ=\n"; }
  ::chmod(path.c_str(), 0600);
  EXPECT_THROW(load_kek_file(path), std::runtime_error);
  EXPECT_THROW(load_kek_file(path + ".missing"), std::runtime_error);
}
