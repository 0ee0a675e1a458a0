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

namespace tenantca::core {
namespace {

enum SlotState : uint32_t { kFree = 0, kQueued = 1, kTaken = 2, kDone = 3 };

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

timespec deadline_after(std::chrono::nanoseconds d) {
  const int64_t at = now_ns() + d.count();
  return timespec{static_cast<time_t>(at / 1000000000), static_cast<long>(at % 1000000000)};
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
    pthread_cond_t wake;  // its caller sleeps here
    char payload[kPayloadBytes];
  };

  pthread_mutex_t mutex;   // process-shared, robust
  pthread_cond_t arrived;  // a leader waiting for its batch to fill
  int64_t leader_timeout_ns;
  bool writing;
  pid_t leader;
  uint64_t batch;  // the batch being written (when writing)
  int64_t batch_started_ns;
  uint64_t next_ticket;
  uint64_t next_batch;
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
  // Waits on `cond` until woken or `wait` passed.
  void wait(pthread_cond_t& cond, std::chrono::nanoseconds wait) {
    const timespec until = deadline_after(wait);
    recover(pthread_cond_timedwait(&cond, &s_.mutex, &until));
  }

 private:
  void recover(int rc) {
    if (rc == EOWNERDEAD) pthread_mutex_consistent(&s_.mutex);
  }
  State& s_;
};

void init_cond(pthread_cond_t& cond) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&cond, &attr);
  pthread_condattr_destroy(&attr);
}

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

// Wakes the caller who should lead next (the oldest waiting), if any.
void wake_next_leader(State& s) {
  const auto next = oldest_queued(s, 1);
  if (!next.empty()) pthread_cond_signal(&s.slots[next[0]].wake);
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
      pthread_cond_signal(&slot.wake);
    }
  }
  s.writing = false;
  s.leader = 0;
  wake_next_leader(s);
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
  init_cond(s->arrived);
  for (auto& slot : s->slots) init_cond(slot.wake);
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
  return static_cast<std::size_t>(
      std::count(std::begin(state_->state), std::end(state_->state), kQueued));
}

std::optional<SharedCommitQueue::Outcome> SharedCommitQueue::submit(
    std::string_view key, std::string_view payload, const GroupCommitOptions& options,
    const Write& write, GroupCommitStats* stats) {
  if (key.size() >= kKeyBytes || payload.size() > kPayloadBytes) return std::nullopt;
  State& s = *state_;
  const std::size_t max_batch = std::max<std::size_t>(options.max_batch, 1);
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
  pthread_cond_signal(&s.arrived);

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
    // Lead: take the oldest queued items (this one among them, unless more
    // than max_batch arrived before it), write them, post their outcomes.
    s.writing = true;
    s.leader = ::getpid();
    s.batch = ++s.next_batch;
    s.batch_started_ns = now_ns();  // the leader's time starts now, waiting to fill included
    const uint64_t batch = s.batch;
    if (options.max_wait.count() > 0) {
      const auto n =
          static_cast<std::size_t>(std::count(std::begin(s.state), std::end(s.state), kQueued));
      if (n > 1 && n < max_batch) lock.wait(s.arrived, options.max_wait);
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
    pthread_mutex_unlock(&s.mutex);
    std::vector<Job> jobs;
    jobs.reserve(taken.size());
    uint64_t waited_us = 0;
    for (std::size_t i : taken) {
      const State::Slot& slot = s.slots[i];
      jobs.push_back(
          Job{{slot.key, slot.key_length}, {slot.payload, slot.payload_length}, kWriteThrew, {}});
      waited_us += static_cast<uint64_t>((started - slot.queued_ns) / 1000);
    }
    if (stats != nullptr) stats->record(jobs.size(), waited_us);
    try {
      write(jobs);
    } catch (...) {
      for (auto& job : jobs) {
        job.code = kWriteThrew;
        job.detail = "the batch could not be written";
      }
    }
    const int rc = pthread_mutex_lock(&s.mutex);
    if (rc == EOWNERDEAD) pthread_mutex_consistent(&s.mutex);
    for (std::size_t k = 0; k < taken.size(); ++k) {
      const std::size_t i = taken[k];
      State::Slot& slot = s.slots[i];
      // Not ours any more if the batch was abandoned as lost meanwhile.
      if (s.state[i] != kTaken || slot.batch != batch) continue;
      s.state[i] = kDone;
      slot.code = jobs[k].code;
      copy_text(slot.detail, sizeof slot.detail, jobs[k].detail);
      pthread_cond_signal(&slot.wake);
    }
    if (s.writing && s.batch == batch) {
      s.writing = false;
      s.leader = 0;
      wake_next_leader(s);
    }
  }
}

}  // namespace tenantca::core
