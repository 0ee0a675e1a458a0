#pragma once
// Group commit: callers that arrive while a batch is being written wait, and
// go together in the next one, so N concurrent issuances cost one
// transaction instead of N. No timer is involved by default: a lone caller
// finds nobody writing and writes at once (no added latency), and a batch
// forms only from callers that would otherwise have queued for the database.
//
// The first waiting caller becomes the leader: it takes up to max_batch
// queued items, runs `write` for them outside the lock, marks them done, and
// hands leadership to the next waiter. `write` reports each item's outcome
// (an exception_ptr per item), so one bad item fails alone.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace tenantca::core {

// For /metrics; may live in memory shared by the workers of an instance.
struct GroupCommitStats {
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> items{0};
  std::atomic<uint64_t> largest_batch{0};
  std::atomic<uint64_t> wait_us_sum{0};    // callers' time from submit to their batch's start
  std::atomic<uint64_t> split_retries{0};  // batches that failed and were retried item by item

  // One batch of `size` items whose callers waited `waited_us` in all.
  void record(std::size_t size, uint64_t waited_us) {
    batches.fetch_add(1, std::memory_order_relaxed);
    items.fetch_add(size, std::memory_order_relaxed);
    wait_us_sum.fetch_add(waited_us, std::memory_order_relaxed);
    uint64_t seen = largest_batch.load(std::memory_order_relaxed);
    while (size > seen && !largest_batch.compare_exchange_weak(seen, size)) {
    }
  }
};

struct GroupCommitOptions {
  std::size_t max_batch = 64;
  // When a leader finds others already queued (the system is busy), it may
  // wait this long for the batch to fill before writing. 0: never waits.
  std::chrono::microseconds max_wait{0};
};

template <typename Item>
class GroupCommit {
 public:
  struct Entry {
    Item* item;
    std::exception_ptr error;  // set by `write` for an item that failed
    bool done = false;
    std::chrono::steady_clock::time_point queued_at;
    // Its caller sleeps on this one: a finished batch wakes only its own
    // callers and the next leader, not every waiting thread.
    std::condition_variable wake;
  };
  // Writes every entry of the batch; sets `error` on the entries that failed.
  // An exception thrown out of `write` fails the whole batch.
  using Write = std::function<void(std::vector<Entry*>& batch)>;

  GroupCommit(GroupCommitOptions options, Write write, GroupCommitStats* stats = nullptr)
      : options_(options), write_(std::move(write)), stats_(stats) {
    if (options_.max_batch == 0) options_.max_batch = 1;
  }

  // Blocks until the item's batch was written; rethrows the item's failure.
  void submit(Item& item) {
    Entry entry;
    entry.item = &item;
    entry.queued_at = std::chrono::steady_clock::now();
    if (options_.max_batch == 1) {
      // Batching off: every caller writes its own, concurrently.
      std::vector<Entry*> alone{&entry};
      note(alone);
      write_(alone);
      if (entry.error) std::rethrow_exception(entry.error);
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    queue_.push_back(&entry);
    arrived_.notify_one();
    while (!entry.done) {
      if (writing_) {
        entry.wake.wait(lock);
        continue;
      }
      lead(lock);
    }
    if (entry.error) std::rethrow_exception(entry.error);
  }

  // Items waiting for a batch (not the ones being written).
  std::size_t queued() {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
  }

 private:
  void lead(std::unique_lock<std::mutex>& lock) {
    writing_ = true;
    if (options_.max_wait.count() > 0 && queue_.size() > 1 && queue_.size() < options_.max_batch) {
      arrived_.wait_for(lock, options_.max_wait,
                        [this] { return queue_.size() >= options_.max_batch; });
    }
    const std::size_t n = std::min(queue_.size(), options_.max_batch);
    std::vector<Entry*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    note(batch);
    try {
      write_(batch);
    } catch (...) {
      const auto error = std::current_exception();
      for (auto* e : batch) {
        if (!e->error) e->error = error;
      }
    }
    lock.lock();
    writing_ = false;
    for (auto* e : batch) {
      e->done = true;
      e->wake.notify_one();
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();  // the next leader
  }

  void note(const std::vector<Entry*>& batch) {
    if (stats_ == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    uint64_t waited = 0;
    for (const auto* e : batch) {
      waited += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - e->queued_at).count());
    }
    stats_->record(batch.size(), waited);
  }

  GroupCommitOptions options_;
  Write write_;
  GroupCommitStats* stats_;
  std::mutex mutex_;
  std::condition_variable arrived_;  // (a leader waiting for its batch to fill)
  std::deque<Entry*> queue_;
  bool writing_ = false;
};

}  // namespace tenantca::core
