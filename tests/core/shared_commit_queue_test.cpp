// The group-commit queue shared by the worker processes of an instance
// (core/shared_commit_queue.hpp): items of different processes go in one
// batch, every caller gets its own item's outcome, and a leader that dies
// while writing leaves its items "lost" (never a success) without stopping
// the queue.
#include "core/shared_commit_queue.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using tenantca::core::GroupCommitOptions;
using tenantca::core::GroupCommitStats;
using tenantca::core::SharedCommitQueue;

namespace {

// Counters the children's write functions update: shared memory.
struct Seen {
  std::atomic<int> items;
  std::atomic<int> batches;
  std::atomic<int> mixed_batches;  // batches holding items of two or more processes
};

Seen* shared_seen() {
  void* mem =
      mmap(nullptr, sizeof(Seen), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return new (mem) Seen{};
}

// Waits for a child; -1 if it did not end within `limit`.
int wait_exit(pid_t pid, std::chrono::seconds limit = std::chrono::seconds(15)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

bool wait_until(const std::function<bool()>& ok) {
  for (int i = 0; i < 1500; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The item's key says which process queued it: "pid:n".
SharedCommitQueue::Write counting_write(Seen* seen) {
  return [seen](std::vector<SharedCommitQueue::Job>& jobs) {
    std::string first_owner;
    bool mixed = false;
    for (auto& job : jobs) {
      const std::string owner(job.key.substr(0, job.key.find(':')));
      if (first_owner.empty()) first_owner = owner;
      mixed = mixed || owner != first_owner;
      job.code = 7;  // a writer's own code, passed back as is
      job.detail = std::string(job.payload);
    }
    seen->items += static_cast<int>(jobs.size());
    seen->batches += 1;
    if (mixed) seen->mixed_batches += 1;
  };
}

}  // namespace

TEST(SharedCommitQueue, ThreadsOfOneProcessShareBatchesAndGetTheirOwnOutcome) {
  auto* queue = SharedCommitQueue::create();
  Seen* seen = shared_seen();
  GroupCommitStats stats;
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string key = std::to_string(getpid()) + ":" + std::to_string(t * 100 + i);
        auto out = queue->submit(key, "payload " + key, GroupCommitOptions{}, counting_write(seen),
                                 &stats);
        if (out && out->code == 7 && out->detail == "payload " + key) ++right;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(right.load(), 400);
  EXPECT_EQ(seen->items.load(), 400);
  EXPECT_EQ(stats.items.load(), 400u);
  EXPECT_LE(seen->batches.load(), 400);
  EXPECT_EQ(queue->queued(), 0u);
  SharedCommitQueue::destroy(queue);
}

TEST(SharedCommitQueue, ItemsOfDifferentProcessesGoInOneBatch) {
  auto* queue = SharedCommitQueue::create();
  Seen* seen = shared_seen();
  std::vector<pid_t> children;
  for (int p = 0; p < 4; ++p) {
    const pid_t pid = fork();
    if (pid == 0) {
      // Four threads per process keep items queued while batches commit.
      std::atomic<int> right{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < 100; ++i) {
            const std::string key = std::to_string(getpid()) + ":" + std::to_string(t * 1000 + i);
            auto out = queue->submit(key, key, GroupCommitOptions{},
                                     [&](std::vector<SharedCommitQueue::Job>& jobs) {
                                       // A write slow enough that the other processes queue behind
                                       // it.
                                       std::this_thread::sleep_for(std::chrono::microseconds(300));
                                       counting_write(seen)(jobs);
                                     });
            if (out && out->code == 7 && out->detail == key) ++right;
          }
        });
      }
      for (auto& th : threads) th.join();
      _exit(right.load() == 400 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) EXPECT_EQ(wait_exit(pid, std::chrono::seconds(60)), 0);
  EXPECT_EQ(seen->items.load(), 1600);
  EXPECT_LT(seen->batches.load(), 1600);
  EXPECT_GT(seen->mixed_batches.load(), 0) << seen->batches.load() << " batches";
  SharedCommitQueue::destroy(queue);
}

TEST(SharedCommitQueue, ALeaderKilledWhileWritingLeavesItsItemsLostAndTheQueueWorking) {
  auto* queue = SharedCommitQueue::create();
  int first_writing[2], gate[2], l_writing[2];
  ASSERT_EQ(pipe(first_writing), 0);
  ASSERT_EQ(pipe(gate), 0);
  ASSERT_EQ(pipe(l_writing), 0);
  const auto one_byte = [](int fd) {
    char c = 0;
    return read(fd, &c, 1) == 1;
  };

  // P0 writes a batch and holds it until the test opens the gate.
  const pid_t p0 = fork();
  if (p0 == 0) {
    auto out = queue->submit("p0:1", "x", GroupCommitOptions{},
                             [&](std::vector<SharedCommitQueue::Job>& jobs) {
                               (void)!write(first_writing[1], "w", 1);
                               char c;
                               (void)!read(gate[0], &c, 1);
                               for (auto& job : jobs) job.code = 0;
                             });
    _exit(out && out->code == 0 ? 0 : 1);
  }
  ASSERT_TRUE(one_byte(first_writing[0]));

  // L queues first, so it leads the next batch; its write never returns.
  const pid_t l = fork();
  if (l == 0) {
    (void)queue->submit("l:1", "x", GroupCommitOptions{},
                        [&](std::vector<SharedCommitQueue::Job>&) {
                          (void)!write(l_writing[1], "w", 1);
                          pause();
                        });
    _exit(3);
  }
  ASSERT_TRUE(wait_until([&] { return queue->queued() == 1; }));
  // Y queues behind L: its item goes in L's batch.
  const pid_t y = fork();
  if (y == 0) {
    auto out = queue->submit("y:1", "x", GroupCommitOptions{},
                             [](std::vector<SharedCommitQueue::Job>& jobs) {
                               for (auto& job : jobs) job.code = 0;  // must not be Y's batch
                             });
    _exit(out && out->code == SharedCommitQueue::kLeaderLost ? 0 : 10);
  }
  ASSERT_TRUE(wait_until([&] { return queue->queued() == 2; }));
  ASSERT_EQ(write(gate[1], "g", 1), 1);
  EXPECT_EQ(wait_exit(p0), 0);
  ASSERT_TRUE(one_byte(l_writing[0]));  // L holds Y's item now
  kill(l, SIGKILL);
  waitpid(l, nullptr, 0);
  EXPECT_EQ(wait_exit(y), 0) << "Y's item must come back as lost, not stored";

  // The queue goes on: a new item is written by its own caller.
  auto out = queue->submit("z:1", "x", GroupCommitOptions{},
                           [](std::vector<SharedCommitQueue::Job>& jobs) {
                             for (auto& job : jobs) job.code = 0;
                           });
  ASSERT_TRUE(out);
  EXPECT_EQ(out->code, 0);
  EXPECT_EQ(queue->queued(), 0u);
  SharedCommitQueue::destroy(queue);
}

TEST(SharedCommitQueue, ALeaderHoldingABatchPastTheTimeoutIsGivenUpOn) {
  auto* queue = SharedCommitQueue::create(std::chrono::milliseconds(300));
  int writing[2];
  ASSERT_EQ(pipe(writing), 0);
  const pid_t slow = fork();
  if (slow == 0) {
    (void)queue->submit("s:1", "x", GroupCommitOptions{},
                        [&](std::vector<SharedCommitQueue::Job>& jobs) {
                          (void)!write(writing[1], "w", 1);
                          std::this_thread::sleep_for(std::chrono::seconds(2));
                          for (auto& job : jobs) job.code = 0;  // too late: ignored
                        });
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(writing[0], &c, 1), 1);
  const auto started = std::chrono::steady_clock::now();
  auto out = queue->submit("t:1", "x", GroupCommitOptions{},
                           [](std::vector<SharedCommitQueue::Job>& jobs) {
                             for (auto& job : jobs) job.code = 5;
                           });
  ASSERT_TRUE(out);
  EXPECT_EQ(out->code, 5);  // written by this caller once the slow batch was given up
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(wait_exit(slow), 0);
  SharedCommitQueue::destroy(queue);
}

TEST(SharedCommitQueue, RefusesWhatDoesNotFit) {
  auto* queue = SharedCommitQueue::create();
  const auto never = [](std::vector<SharedCommitQueue::Job>&) { FAIL() << "written"; };
  EXPECT_FALSE(queue->submit("k", std::string(SharedCommitQueue::kPayloadBytes + 1, 'x'),
                             GroupCommitOptions{}, never));
  EXPECT_FALSE(queue->submit(std::string(SharedCommitQueue::kKeyBytes, 'k'), "x",
                             GroupCommitOptions{}, never));
  SharedCommitQueue::destroy(queue);
}
