#include "core/shared_commit_queue.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>
#include <stdexcept>
#include <utility>

#include "core/process_event.hpp"

namespace tenantca::core {
namespace {

enum SlotState : uint32_t { kFree = 0, kQueued = 1, kTaken = 2, kDone = 3 };

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

bool process_gone(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH;
}

void copy_text(char* to, std::size_t capacity, std::string_view from) {
  const std::size_t n = std::min(from.size(), capacity - 1);
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

}  // namespace

struct SharedCommitQueue::State {
  // Everything else about an item; ~16 KiB apart, so never scanned.
  struct Slot {
    uint64_t batch;  // the batch that took it
    int64_t queued_ns;
    int32_t code;
    uint32_t key_length;
    uint32_t payload_length;
    char detail[kDetailBytes];
    char key[kKeyBytes];
    ProcessEvent wake;  // its caller sleeps here
    char payload[kPayloadBytes];
  };

  pthread_mutex_t mutex;     // process-shared, robust
  ProcessEvent arrived;      // a leader waiting for its batch to fill
  bool filling;              // ... is waiting there
  ProcessEvent writer_wake;  // idle Writer threads (any process) sleep here
  int64_t leader_timeout_ns;
  bool writing;
  pid_t leader;
  uint64_t batch;  // the batch being written (when writing)
  int64_t batch_started_ns;
  uint64_t next_ticket;
  uint64_t next_batch;
  pid_t writer[kMaxWriters];  // processes with a running Writer; 0: free
  // What the queue is scanned for, packed: a few cache lines for all slots.
  uint32_t state[kSlots];
  pid_t owner[kSlots];
  uint64_t ticket[kSlots];  // arrival order
  Slot slots[kSlots];
};

namespace {

using State = SharedCommitQueue::State;

// Robust locking: a process that died holding the mutex leaves it
// "owner dead"; the state it guards is only ever changed field by field, so
// it is marked consistent and used.
class Lock {
 public:
  explicit Lock(State& s) : s_(s) { recover(pthread_mutex_lock(&s_.mutex)); }
  ~Lock() { pthread_mutex_unlock(&s_.mutex); }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
  // Waits on `event` until woken or `wait` passed (or spuriously).
  void wait(ProcessEvent& event, std::chrono::nanoseconds wait) {
    const uint32_t seen = event.generation();
    unlock();
    event.wait(seen, wait);
    relock();
  }
  // Lets go while a batch is written (its taken slots are the leader's).
  void unlock() { pthread_mutex_unlock(&s_.mutex); }
  void relock() { recover(pthread_mutex_lock(&s_.mutex)); }

 private:
  void recover(int rc) {
    if (rc == EOWNERDEAD) pthread_mutex_consistent(&s_.mutex);
  }
  State& s_;
};

// Indices of the queued slots, oldest first, at most `limit`.
std::vector<std::size_t> oldest_queued(const State& s, std::size_t limit) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < SharedCommitQueue::kSlots; ++i) {
    if (s.state[i] == kQueued) out.push_back(i);
  }
  std::sort(out.begin(), out.end(),
            [&](std::size_t a, std::size_t b) { return s.ticket[a] < s.ticket[b]; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::size_t queued_count(const State& s) {
  return static_cast<std::size_t>(std::count(std::begin(s.state), std::end(s.state), kQueued));
}

// Wakes the caller who should lead next (the oldest waiting), if any.
void wake_next_leader(State& s) {
  const auto next = oldest_queued(s, 1);
  if (!next.empty()) s.slots[next[0]].wake.notify_one();
}

bool writer_running(const State& s) {
  return std::any_of(std::begin(s.writer), std::end(s.writer),
                     [](pid_t pid) { return pid != 0 && !process_gone(pid); });
}

// Nobody writes now. If items wait, the Writers lead next (all idle ones are
// woken, the first to take the lock leads: a broadcast cannot be swallowed
// by a waiter whose process died); without a running Writer, the oldest
// caller.
void end_leadership(State& s) {
  s.writing = false;
  s.leader = 0;
  if (queued_count(s) == 0) return;
  if (writer_running(s)) {
    s.writer_wake.notify_all();
  } else {
    wake_next_leader(s);
  }
}

// A batch whose leader is gone (or has held it past the timeout) ends here:
// its items' outcome is unknown.
void abandon_batch_if_leader_lost(State& s) {
  if (!s.writing) return;
  if (!process_gone(s.leader) && now_ns() - s.batch_started_ns < s.leader_timeout_ns) return;
  for (std::size_t i = 0; i < SharedCommitQueue::kSlots; ++i) {
    auto& slot = s.slots[i];
    if (s.state[i] == kTaken && slot.batch == s.batch) {
      s.state[i] = kDone;
      slot.code = SharedCommitQueue::kLeaderLost;
      copy_text(slot.detail, sizeof slot.detail, "the writing process was lost");
      slot.wake.notify_one();
    }
  }
  end_leadership(s);
}

// Writes one batch as this process: takes the oldest queued items, lets go
// of the lock while `write` runs, posts each item's outcome and wakes its
// caller. Called and returns with the lock held. True if this process still
// leads afterwards (the batch was not given up on as lost meanwhile).
bool write_batch(State& s, Lock& lock, const GroupCommitOptions& options,
                 const SharedCommitQueue::Write& write, GroupCommitStats* stats) {
  const std::size_t max_batch = std::max<std::size_t>(options.max_batch, 1);
  s.writing = true;
  s.leader = ::getpid();
  s.batch = ++s.next_batch;
  s.batch_started_ns = now_ns();  // the leader's time starts now, waiting to fill included
  const uint64_t batch = s.batch;
  if (options.max_wait.count() > 0) {
    const std::size_t n = queued_count(s);
    if (n > 1 && n < max_batch) {
      s.filling = true;
      lock.wait(s.arrived, options.max_wait);
      s.filling = false;
    }
  }
  const std::vector<std::size_t> taken = oldest_queued(s, max_batch);
  for (std::size_t i : taken) {
    s.state[i] = kTaken;
    s.slots[i].batch = batch;
  }
  s.batch_started_ns = now_ns();
  const int64_t started = s.batch_started_ns;
  // Taken slots are left alone by everyone else until their outcome is
  // posted, so they are read without the lock.
  lock.unlock();
  std::vector<SharedCommitQueue::Job> jobs;
  jobs.reserve(taken.size());
  uint64_t waited_us = 0;
  for (std::size_t i : taken) {
    const State::Slot& slot = s.slots[i];
    jobs.push_back(SharedCommitQueue::Job{{slot.key, slot.key_length},
                                          {slot.payload, slot.payload_length},
                                          SharedCommitQueue::kWriteThrew,
                                          {}});
    waited_us += static_cast<uint64_t>((started - slot.queued_ns) / 1000);
  }
  if (stats != nullptr) stats->record(jobs.size(), waited_us);
  try {
    write(jobs);
  } catch (...) {
    for (auto& job : jobs) {
      job.code = SharedCommitQueue::kWriteThrew;
      job.detail = "the batch could not be written";
    }
  }
  lock.relock();
  for (std::size_t k = 0; k < taken.size(); ++k) {
    const std::size_t i = taken[k];
    State::Slot& slot = s.slots[i];
    // Not ours any more if the batch was abandoned as lost meanwhile.
    if (s.state[i] != kTaken || slot.batch != batch) continue;
    s.state[i] = kDone;
    slot.code = jobs[k].code;
    copy_text(slot.detail, sizeof slot.detail, jobs[k].detail);
    slot.wake.notify_one();
  }
  return s.writing && s.batch == batch;
}

// A free slot's index, or -1.
int claim_slot(State& s) {
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < SharedCommitQueue::kSlots; ++i) {
      if (s.state[i] == kFree) return static_cast<int>(i);
    }
    // Outcomes nobody will read: their callers' processes are gone.
    for (std::size_t i = 0; i < SharedCommitQueue::kSlots; ++i) {
      if (s.state[i] == kDone && process_gone(s.owner[i])) s.state[i] = kFree;
    }
  }
  return -1;
}

}  // namespace

SharedCommitQueue* SharedCommitQueue::create(std::chrono::milliseconds leader_timeout) {
  const std::size_t bytes = sizeof(State);
  void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap of the shared commit queue failed");
  auto* s = static_cast<State*>(mem);  // zero-filled by mmap
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&s->mutex, &attr);
  pthread_mutexattr_destroy(&attr);
  s->leader_timeout_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(leader_timeout).count();
  auto* queue = new SharedCommitQueue();
  queue->state_ = s;
  queue->bytes_ = bytes;
  return queue;
}

void SharedCommitQueue::destroy(SharedCommitQueue* queue) {
  if (queue == nullptr) return;
  ::munmap(queue->state_, queue->bytes_);
  delete queue;
}

std::size_t SharedCommitQueue::queued() {
  Lock lock(*state_);
  return queued_count(*state_);
}

std::optional<SharedCommitQueue::Outcome> SharedCommitQueue::submit(
    std::string_view key, std::string_view payload, const GroupCommitOptions& options,
    const Write& write, GroupCommitStats* stats) {
  if (key.size() >= kKeyBytes || payload.size() > kPayloadBytes) return std::nullopt;
  State& s = *state_;
  Lock lock(s);
  const int index = claim_slot(s);
  if (index < 0) return std::nullopt;
  const auto me = static_cast<std::size_t>(index);
  State::Slot& mine = s.slots[me];
  s.state[me] = kQueued;
  s.owner[me] = ::getpid();
  s.ticket[me] = s.next_ticket++;
  mine.batch = 0;
  mine.queued_ns = now_ns();
  mine.code = kWriteThrew;
  mine.detail[0] = '\0';
  std::memcpy(mine.key, key.data(), key.size());
  mine.key_length = static_cast<uint32_t>(key.size());
  std::memcpy(mine.payload, payload.data(), payload.size());
  mine.payload_length = static_cast<uint32_t>(payload.size());
  if (s.filling) s.arrived.notify_one();

  for (;;) {
    if (s.state[me] == kDone) {
      Outcome out{mine.code, mine.detail};
      s.state[me] = kFree;
      return out;
    }
    if (s.writing) {
      abandon_batch_if_leader_lost(s);
      if (s.writing) lock.wait(mine.wake, std::chrono::milliseconds(100));
      continue;
    }
    // Nobody writes: lead with the oldest queued items (this one among them,
    // unless more than max_batch arrived before it).
    if (write_batch(s, lock, options, write, stats)) end_leadership(s);
  }
}

SharedCommitQueue::Writer::Writer(SharedCommitQueue& queue, GroupCommitOptions options, Write write,
                                  GroupCommitStats* stats)
    : queue_(queue), options_(options), write_(std::move(write)), stats_(stats) {
  {
    State& s = *queue_.state_;
    Lock lock(s);
    for (std::size_t i = 0; i < kMaxWriters && registered_ < 0; ++i) {
      if (s.writer[i] == 0 || process_gone(s.writer[i])) {
        s.writer[i] = ::getpid();
        registered_ = static_cast<int>(i);
      }
    }
  }
  // Unregistered (every entry taken) it still writes when woken; callers
  // just do not count on it.
  thread_ = std::thread([this] { run(); });
}

SharedCommitQueue::Writer::~Writer() {
  stop();
  thread_.join();
}

void SharedCommitQueue::Writer::stop() {
  stopping_ = true;
  // Under the lock: the thread either has not checked `stopping_` yet or
  // already sleeps, so the wake-up cannot be missed.
  State& s = *queue_.state_;
  Lock lock(s);
  if (registered_ >= 0 && s.writer[registered_] == ::getpid()) s.writer[registered_] = 0;
  s.writer_wake.notify_all();
}

void SharedCommitQueue::Writer::run() {
  State& s = *queue_.state_;
  Lock lock(s);
  while (!stopping_) {
    if (s.writing || queued_count(s) == 0) {
      lock.wait(s.writer_wake, std::chrono::milliseconds(100));
      continue;
    }
    // Batch after batch while items keep coming: no hand-off, no wake-up.
    bool leading = write_batch(s, lock, options_, write_, stats_);
    while (leading && !stopping_ && queued_count(s) > 0) {
      leading = write_batch(s, lock, options_, write_, stats_);
    }
    if (leading) end_leadership(s);
  }
}

}  // namespace tenantca::core
