// The Writer of the shared group-commit queue (core/shared_commit_queue.hpp):
// a batch that ends with items queued is followed by the Writer's batches,
// back to back, not by a woken caller; a lone caller still writes its own
// item; a Writer that stops, or whose process is gone, leaves the queue to
// the callers again; a Writer in one process writes the items of another.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/shared_commit_queue.hpp"

using tenantca::core::GroupCommitOptions;
using tenantca::core::SharedCommitQueue;

namespace {

bool wait_until(const std::function<bool()>& ok) {
  for (int i = 0; i < 1500; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Which thread wrote each batch, in order. While holding, batch n (from 1)
// waits until release(n); `during(n)` runs at the start of batch n.
class Recorder {
 public:
  explicit Recorder(bool hold) : released_(hold ? 0 : 1 << 30) {}
  SharedCommitQueue::Write write(int code) {
    return [this, code](std::vector<SharedCommitQueue::Job>& jobs) {
      int n = 0;
      {
        std::lock_guard<std::mutex> g(mutex_);
        writers_.push_back(std::this_thread::get_id());
        sizes_.push_back(static_cast<int>(jobs.size()));
        n = static_cast<int>(writers_.size());
      }
      if (during) during(n);
      while (released_.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      for (auto& job : jobs) job.code = code;
    };
  }
  void release(int through) { released_ = through; }
  int batches() {
    std::lock_guard<std::mutex> g(mutex_);
    return static_cast<int>(writers_.size());
  }
  std::vector<std::thread::id> writers() {
    std::lock_guard<std::mutex> g(mutex_);
    return writers_;
  }
  std::vector<int> sizes() {
    std::lock_guard<std::mutex> g(mutex_);
    return sizes_;
  }
  std::function<void(int)> during;

 private:
  std::atomic<int> released_;
  std::mutex mutex_;
  std::vector<std::thread::id> writers_;
  std::vector<int> sizes_;
};

// Callers on their own threads; each records its thread id and outcome code.
class Callers {
 public:
  void add(SharedCommitQueue& queue, const std::string& key, SharedCommitQueue::Write write) {
    threads_.emplace_back([this, &queue, key, write] {
      {
        std::lock_guard<std::mutex> g(mutex_);
        ids_.push_back(std::this_thread::get_id());
      }
      auto out = queue.submit(key, key, GroupCommitOptions{}, write);
      std::lock_guard<std::mutex> g(mutex_);
      codes_.push_back(out ? out->code : -100);
    });
  }
  void join() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  bool is_caller(std::thread::id id) {
    std::lock_guard<std::mutex> g(mutex_);
    for (auto c : ids_) {
      if (c == id) return true;
    }
    return false;
  }
  std::vector<int> codes() {
    std::lock_guard<std::mutex> g(mutex_);
    return codes_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> ids_;
  std::vector<int> codes_;
};

// A caller's batch is being written (the first `rec` sees, held until
// released) and `n` more callers queue behind it.
void queue_behind_a_held_batch(SharedCommitQueue& queue, Callers& callers, Recorder& rec, int n) {
  callers.add(queue, "first", rec.write(7));
  ASSERT_TRUE(wait_until([&] { return rec.batches() == 1; }));
  for (int i = 0; i < n; ++i) callers.add(queue, "queued" + std::to_string(i), rec.write(7));
  ASSERT_TRUE(wait_until([&] { return queue.queued() == static_cast<std::size_t>(n); }));
}

}  // namespace

TEST(SharedCommitWriter, ALoneCallerWritesItsOwnItem) {
  auto* queue = SharedCommitQueue::create();
  Recorder rec(false);
  {
    SharedCommitQueue::Writer writer(*queue, GroupCommitOptions{}, rec.write(5));
    auto out = queue->submit("alone", "x", GroupCommitOptions{}, rec.write(7));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->code, 7);  // this thread's write function, not the Writer's
    ASSERT_EQ(rec.batches(), 1);
    EXPECT_EQ(rec.writers()[0], std::this_thread::get_id());
  }
  SharedCommitQueue::destroy(queue);
}

TEST(SharedCommitWriter, ItemsQueuedBehindABatchAreWrittenByTheWriterBackToBack) {
  auto* queue = SharedCommitQueue::create();
  Recorder rec(true);
  Callers callers;
  {
    SharedCommitQueue::Writer writer(*queue, GroupCommitOptions{.max_batch = 3}, rec.write(5));
    ASSERT_NO_FATAL_FAILURE(queue_behind_a_held_batch(*queue, callers, rec, 6));
    rec.release(3);
    callers.join();
  }
  const auto writers = rec.writers();
  ASSERT_EQ(writers.size(), 3u);
  EXPECT_TRUE(callers.is_caller(writers[0]));
  EXPECT_FALSE(callers.is_caller(writers[1])) << "a caller was woken to write the next batch";
  EXPECT_EQ(writers[2], writers[1]) << "the Writer handed its next batch over";
  EXPECT_EQ(rec.sizes(), (std::vector<int>{1, 3, 3}));
  int by_writer = 0;
  for (int code : callers.codes()) by_writer += code == 5 ? 1 : 0;
  EXPECT_EQ(by_writer, 6);
  SharedCommitQueue::destroy(queue);
}

TEST(SharedCommitWriter, AWriterStoppingWhileWritingLeavesTheRestToTheCallers) {
  auto* queue = SharedCommitQueue::create();
  Recorder rec(true);
  Callers callers;
  auto writer =
      std::make_unique<SharedCommitQueue::Writer>(*queue, GroupCommitOptions{}, rec.write(5));
  rec.during = [&](int n) {
    if (n == 2) writer->stop();  // the Writer's batch: told to stop meanwhile
  };
  ASSERT_NO_FATAL_FAILURE(queue_behind_a_held_batch(*queue, callers, rec, 1));
  rec.release(1);
  ASSERT_TRUE(wait_until([&] { return rec.batches() == 2; }));
  for (int i = 0; i < 3; ++i) callers.add(*queue, "after" + std::to_string(i), rec.write(7));
  ASSERT_TRUE(wait_until([&] { return queue->queued() == 3; }));
  rec.release(3);
  callers.join();
  writer.reset();
  const auto writers = rec.writers();
  ASSERT_EQ(writers.size(), 3u);
  EXPECT_FALSE(callers.is_caller(writers[1]));
  EXPECT_TRUE(callers.is_caller(writers[2])) << "the stopped Writer wrote on, or nobody led";
  const auto codes = callers.codes();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 7), 4);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 5), 1);
  SharedCommitQueue::destroy(queue);
}

TEST(SharedCommitWriter, AWriterInAnotherProcessWritesThisProcesssItems) {
  auto* queue = SharedCommitQueue::create();
  auto* stop =
      static_cast<std::atomic<int>*>(mmap(nullptr, sizeof(std::atomic<int>), PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  new (stop) std::atomic<int>(0);
  const pid_t child = fork();
  if (child == 0) {
    {
      SharedCommitQueue::Writer writer(*queue, GroupCommitOptions{},
                                       [](std::vector<SharedCommitQueue::Job>& jobs) {
                                         for (auto& job : jobs) job.code = 9;
                                       });
      stop->store(1);  // running
      while (stop->load() != 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    _exit(0);
  }
  ASSERT_TRUE(wait_until([&] { return stop->load() == 1; }));
  Recorder rec(true);
  Callers callers;
  ASSERT_NO_FATAL_FAILURE(queue_behind_a_held_batch(*queue, callers, rec, 4));
  rec.release(1 << 30);
  callers.join();
  auto codes = callers.codes();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 9), 4);

  // Its process dies with the Writer still in the queue's table: the callers
  // lead again.
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  Recorder after(true);
  Callers more;
  ASSERT_NO_FATAL_FAILURE(queue_behind_a_held_batch(*queue, more, after, 3));
  after.release(1 << 30);
  more.join();
  codes = more.codes();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 7), 4);
  EXPECT_EQ(after.batches(), 2);

  // Its Writer died asleep; waking the Writers must not wait for it.
  std::atomic<bool> stopped{false};
  std::thread([&] {
    SharedCommitQueue::Writer writer(*queue, GroupCommitOptions{}, after.write(7));
    writer.stop();
    stopped = true;
  }).detach();
  ASSERT_TRUE(wait_until([&] { return stopped.load(); })) << "waking the Writers hung";
  SharedCommitQueue::destroy(queue);
}
