#include "core/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tenantca::core {
namespace {

using Commit = GroupCommit<int>;

TEST(GroupCommit, ALoneCallerIsWrittenAtOnceInABatchOfOne) {
  GroupCommitStats stats;
  std::vector<std::size_t> sizes;
  Commit commit(
      {64, std::chrono::microseconds(100000)},
      [&](std::vector<Commit::Entry*>& batch) { sizes.push_back(batch.size()); }, &stats);
  int item = 1;
  const auto started = std::chrono::steady_clock::now();
  commit.submit(item);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(sizes, std::vector<std::size_t>{1});
  // The 100 ms window applies only when others are already queued.
  EXPECT_LT(took, std::chrono::milliseconds(50));
  EXPECT_EQ(stats.batches.load(), 1u);
  EXPECT_EQ(stats.items.load(), 1u);
}

TEST(GroupCommit, CallersArrivingDuringAWriteGoTogetherInTheNextBatch) {
  std::promise<void> first_started;
  std::promise<void> release_first;
  auto release = release_first.get_future().share();
  std::mutex m;
  std::vector<std::vector<int>> batches;
  bool first = true;
  Commit commit({64, {}}, [&](std::vector<Commit::Entry*>& batch) {
    std::vector<int> items;
    for (auto* e : batch) items.push_back(*e->item);
    {
      std::lock_guard<std::mutex> lock(m);
      batches.push_back(items);
    }
    if (first) {
      first = false;
      first_started.set_value();
      release.wait();
    }
  });
  int a = 0;
  std::thread leader([&] { commit.submit(a); });
  first_started.get_future().wait();  // batch [0] is being written
  std::vector<int> items{1, 2, 3, 4, 5};
  std::vector<std::thread> followers;
  for (auto& i : items) followers.emplace_back([&, p = &i] { commit.submit(*p); });
  while (commit.queued() < 5) std::this_thread::yield();  // all five wait behind batch [0]
  release_first.set_value();
  leader.join();
  for (auto& t : followers) t.join();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], std::vector<int>{0});
  EXPECT_EQ(batches[1].size(), 5u);
}

TEST(GroupCommit, BatchesNeverExceedTheLimit) {
  std::atomic<std::size_t> largest{0};
  std::atomic<int> written{0};
  Commit commit({3, {}}, [&](std::vector<Commit::Entry*>& batch) {
    if (batch.size() > largest) largest = batch.size();
    written += static_cast<int>(batch.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  std::vector<int> items(40);
  std::vector<std::thread> threads;
  for (auto& i : items) threads.emplace_back([&, p = &i] { commit.submit(*p); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(written.load(), 40);
  EXPECT_LE(largest.load(), 3u);
}

TEST(GroupCommit, AnItemMarkedFailedFailsAloneAndTheOthersSucceed) {
  Commit commit({64, {}}, [&](std::vector<Commit::Entry*>& batch) {
    for (auto* e : batch) {
      if (*e->item == 13) e->error = std::make_exception_ptr(std::runtime_error("duplicate"));
    }
  });
  int bad = 13, good = 7;
  EXPECT_THROW(commit.submit(bad), std::runtime_error);
  EXPECT_NO_THROW(commit.submit(good));
}

TEST(GroupCommit, AWriteThatThrowsFailsEveryItemOfItsBatchAndTheNextBatchStillRuns) {
  int calls = 0;
  Commit commit({64, {}}, [&](std::vector<Commit::Entry*>&) {
    if (++calls == 1) throw std::runtime_error("database unavailable");
  });
  int a = 1, b = 2;
  EXPECT_THROW(commit.submit(a), std::runtime_error);
  EXPECT_NO_THROW(commit.submit(b));
}

TEST(GroupCommit, ABatchLimitOfOneTurnsBatchingOffAndWritesConcurrently) {
  // Each write waits until another one is inside too: only concurrent
  // writers get past it (a serialized committer would time out).
  std::mutex m;
  std::condition_variable cv;
  int inside = 0;
  bool overlapped = false;
  Commit commit({1, {}}, [&](std::vector<Commit::Entry*>& batch) {
    EXPECT_EQ(batch.size(), 1u);
    std::unique_lock<std::mutex> lock(m);
    ++inside;
    cv.notify_all();
    if (cv.wait_for(lock, std::chrono::seconds(5), [&] { return inside >= 2; })) overlapped = true;
  });
  int a = 1, b = 2;
  std::thread first([&] { commit.submit(a); });
  std::thread second([&] { commit.submit(b); });
  first.join();
  second.join();
  EXPECT_TRUE(overlapped) << "two callers wrote at the same time";
}

}  // namespace
}  // namespace tenantca::core
