// identifier_random_bytes hands out bytes from a per-thread pool: no two
// draws may repeat, across refills, threads and fork().
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <string>
#include <thread>

#include "core/random.hpp"

namespace tenantca::core {
namespace {

std::string draw16() {
  std::array<unsigned char, 16> b{};
  identifier_random_bytes(b.data(), b.size());
  return to_hex(b.data(), b.size());
}

TEST(IdentifierRandom, DrawsNeverRepeatAcrossRefills) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(draw16());  // ~8 refills of 4 KiB
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(IdentifierRandom, ThreadsDrawDifferentBytes) {
  const std::string here = draw16();
  std::string there;
  std::thread t([&] { there = draw16(); });
  t.join();
  EXPECT_NE(here, there);
}

TEST(IdentifierRandom, LargeDrawsBypassThePool) {
  std::array<unsigned char, 2048> a{}, b{};
  identifier_random_bytes(a.data(), a.size());
  identifier_random_bytes(b.data(), b.size());
  EXPECT_NE(to_hex(a.data(), a.size()), to_hex(b.data(), b.size()));
}

// A worker forked from a process that has a pool must not hand out the bytes
// the parent hands out next (the copied pool is stale in the child).
TEST(IdentifierRandom, ForkedChildDoesNotRepeatTheParent) {
  draw16();  // the parent's pool now holds unused bytes
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string mine = draw16();
    const auto written = write(fds[1], mine.data(), mine.size());
    _exit(written == static_cast<ssize_t>(mine.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string from_child(32, '\0');
  ASSERT_EQ(read(fds[0], from_child.data(), from_child.size()), 32);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(from_child, draw16());
}

}  // namespace
}  // namespace tenantca::core
