#include "daemon/config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

using namespace tenantca::daemon;

TEST(Config, PrecedenceIsDefaultFileEnvFlag) {
  const std::string path = ::testing::TempDir() + "/cfg_test.toml";
  std::ofstream(path) << "workers = 3\nthreads = 5\n[database]\npool_size = 7\n";
  ::setenv("TENANTCA_THREADS", "6", 1);
  Config c = load_config(path, true, {{"database.pool_size", "9"}});
  ::unsetenv("TENANTCA_THREADS");
  EXPECT_EQ(c.workers, 3);
  EXPECT_EQ(c.threads, 6);
  EXPECT_EQ(c.database_pool_size, 9);
  EXPECT_EQ(c.graceful_timeout_s, 30);
  EXPECT_EQ(c.timeout_s, 120);
}

TEST(Config, ErrorsNameTheSetting) {
  try {
    load_config("", false, {{"bind", "localhost"}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'bind'"), std::string::npos);
  }
  EXPECT_THROW(load_config("", false, {{"workers", "-1"}}), ConfigError);
  EXPECT_THROW(load_config("", false, {{"log.format", "xml"}}), ConfigError);
  EXPECT_THROW(load_config("", false, {{"no.such", "1"}}), ConfigError);
}

TEST(Config, DefaultWorkersFollowCpuCount) {
  Config c;
  // The formula against the machine's own count, read independently of the code under test.
  const long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_EQ(c.effective_workers(), 2 * cpus + 1);
  c.workers = 5;
  EXPECT_EQ(c.effective_workers(), 5) << "an explicit count wins";
}

TEST(Config, MasksPasswords) {
  EXPECT_EQ(mask_conninfo("postgresql://u:pw@h/db"), "postgresql://u:****@h/db");
  EXPECT_EQ(mask_conninfo("host=h password=pw user=u"), "host=h password=**** user=u");
  EXPECT_EQ(mask_conninfo("postgresql://h/db?password=pw&x=1"),
            "postgresql://h/db?password=****&x=1");
}

TEST(Config, CheckConfigPrintsValidTomlThatReadsBack) {
  const Config c = load_config("", false,
                               {{"workers", "5"},
                                {"public_url", "https://ca.example/x"},
                                {"metrics.bind", "127.0.0.1:9100"},
                                {"log.file", "/var/log/a \"b\".log"}});
  const std::string text = describe_config(c);
  toml::table parsed;
  try {
    parsed = toml::parse(text);
  } catch (const toml::parse_error& e) {
    FAIL() << "check-config output is not TOML: " << e.description() << "\n" << text;
  }
  EXPECT_EQ(parsed["workers"].value<int64_t>(), 5);
  EXPECT_EQ(parsed["public_url"].value<std::string>(), "https://ca.example/x");
  EXPECT_EQ(parsed["metrics"]["bind"].value<std::string>(), "127.0.0.1:9100");
  EXPECT_EQ(parsed["log"]["file"].value<std::string>(), "/var/log/a \"b\".log");
  // Each table appears once.
  std::size_t pos = 0;
  int metrics_headers = 0;
  while ((pos = text.find("[metrics]", pos)) != std::string::npos) {
    ++metrics_headers;
    ++pos;
  }
  EXPECT_EQ(metrics_headers, 1);
}
