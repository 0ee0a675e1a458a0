#pragma once
// Group commit across the worker processes of an instance.
//
// core/group_commit.hpp batches the issuances of one worker's threads; with
// several workers each forms its own batches, and the fixed cost of a
// transaction (round trip, executor start, commit and its fdatasync: ~380 µs
// of CPU, docs/performance.md) is paid per worker. This queue lives in memory
// the master maps before forking, so the items of every worker wait in one
// place: the first waiting caller of any worker becomes the leader, takes up
// to max_batch queued items (its own and other workers'), writes them through
// its own database connection and posts each item's outcome back into its
// slot. Items are opaque bytes here (the writer's encoding); outcomes are a
// code and a short text the writer defines, because nothing else can cross a
// process boundary.
//
// A leader that dies while writing (SIGKILL, a crash) leaves its items'
// outcome unknown: waiters notice (the leader's pid is gone, or it has held
// the batch longer than `leader_timeout`), mark those items kLeaderLost (the
// caller answers "retry", never a success) and carry on. A late answer from a
// leader that was only slow is ignored: every batch has its own number.
// Items that do not fit (too big, every slot busy) are refused (nullopt):
// the caller writes them another way.
//
// Under load the batches come back to back, and handing the next one to a
// sleeping caller cost a wake-up each time: ~210 µs of every ~1.9 ms cycle
// on a busy 2-core machine, with nothing written meanwhile. A Writer (one
// thread per worker process) therefore takes over once a batch ends with
// items queued and writes batch after batch while they keep coming; a
// caller that finds nobody writing still writes its own batch at once, so a
// lone request waits for no thread.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/group_commit.hpp"

namespace tenantca::core {

class SharedCommitQueue {
 public:
  static constexpr std::size_t kSlots = 256;
  static constexpr std::size_t kKeyBytes = 64;
  static constexpr std::size_t kPayloadBytes = 16 * 1024;
  static constexpr std::size_t kDetailBytes = 256;
  static constexpr std::size_t kMaxWriters = 256;  // Writer threads the queue knows of
  // Outcome codes the queue itself sets; a writer's own codes are >= 0.
  static constexpr int kLeaderLost = -1;  // the leader died (or hung) while writing it
  static constexpr int kWriteThrew = -2;  // the write function threw for the whole batch

  struct Outcome {
    int code = 0;
    std::string detail;
  };
  struct Job {
    std::string_view key;
    std::string_view payload;
    int code = kWriteThrew;  // the write function sets code (and detail) for every job
    std::string detail;
  };
  using Write = std::function<void(std::vector<Job>& batch)>;

  // Maps the shared memory (anonymous, shared with children forked later).
  // Throws std::runtime_error when it cannot.
  static SharedCommitQueue* create(
      std::chrono::milliseconds leader_timeout = std::chrono::seconds(60));
  static void destroy(SharedCommitQueue* queue);

  // Blocks until the item's batch was written (by this or another process)
  // and returns its outcome; nullopt when the item was not queued.
  std::optional<Outcome> submit(std::string_view key, std::string_view payload,
                                const GroupCommitOptions& options, const Write& write,
                                GroupCommitStats* stats = nullptr);

  // Items waiting for a batch (tests, /metrics).
  std::size_t queued();

  // This process's thread for back-to-back batches (see above). Start one
  // in each process that submits, after fork; it must end (be destroyed)
  // before the queue. Destroying it finishes the batch it is writing and
  // hands what is queued to the waiting callers.
  class Writer {
   public:
    Writer(SharedCommitQueue& queue, GroupCommitOptions options, Write write,
           GroupCommitStats* stats = nullptr);
    ~Writer();  // stop(), then waits for the thread
    // Asks the thread to end after the batch it may be writing; returns at
    // once (callable from any thread, the write function included).
    void stop();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

   private:
    void run();
    SharedCommitQueue& queue_;
    GroupCommitOptions options_;
    Write write_;
    GroupCommitStats* stats_;
    std::atomic<bool> stopping_{false};
    int registered_ = -1;  // this Writer's entry in the queue's table of Writers
    std::thread thread_;
  };

  SharedCommitQueue(const SharedCommitQueue&) = delete;
  SharedCommitQueue& operator=(const SharedCommitQueue&) = delete;

  struct State;  // the shared memory's layout (shared_commit_queue.cpp)

 private:
  SharedCommitQueue() = default;
  ~SharedCommitQueue() = default;
  State* state_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace tenantca::core
