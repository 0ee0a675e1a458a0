#include "db/read_routing.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

using tenantca::db::RecentWrites;
using tenantca::db::ReplicaReadScope;

TEST(ReplicaReadScope, OnlyInsideAnAllowingScopeAndRestoredAfter) {
  EXPECT_FALSE(ReplicaReadScope::allowed());
  {
    ReplicaReadScope outer(true);
    EXPECT_TRUE(ReplicaReadScope::allowed());
    {
      ReplicaReadScope inner(false);
      EXPECT_FALSE(ReplicaReadScope::allowed());
    }
    EXPECT_TRUE(ReplicaReadScope::allowed());
  }
  EXPECT_FALSE(ReplicaReadScope::allowed());
}

TEST(RecentWrites, PinsTheWriterUntilTheWindowPasses) {
  auto writes = RecentWrites::map_shared();
  EXPECT_FALSE(writes->wrote_since("tenant-a", 0));  // nobody wrote yet
  writes->note_write("tenant-a", 1000);
  EXPECT_TRUE(writes->wrote_since("tenant-a", 1000 - 2000));
  EXPECT_FALSE(writes->wrote_since("tenant-a", 1001));
  writes->note_write("tenant-a", 500);  // an older notification never moves the time back
  EXPECT_TRUE(writes->wrote_since("tenant-a", 1000));
}

TEST(RecentWrites, SeenByEveryProcessOfTheInstance) {
  auto writes = RecentWrites::map_shared();  // mapped before fork, like the master does
  const pid_t child = fork();
  if (child == 0) {
    writes->note_write("tenant-b", 42);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(writes->wrote_since("tenant-b", 42));
}
