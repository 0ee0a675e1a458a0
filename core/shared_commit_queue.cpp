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
  struct Slot {
    uint32_t state;
    pid_t owner;
    uint64_t ticket;  // arrival order
    uint64_t batch;   // the batch that took it
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

// The queued slot that arrived first, or nullptr.
State::Slot* first_queued(State& s) {
  State::Slot* first = nullptr;
  for (auto& slot : s.slots) {
    if (slot.state == kQueued && (first == nullptr || slot.ticket < first->ticket)) first = &slot;
  }
  return first;
}

// A batch whose leader is gone (or has held it past the timeout) ends here:
// its items' outcome is unknown.
void abandon_batch_if_leader_lost(State& s) {
  if (!s.writing) return;
  if (!process_gone(s.leader) && now_ns() - s.batch_started_ns < s.leader_timeout_ns) return;
  for (auto& slot : s.slots) {
    if (slot.state == kTaken && slot.batch == s.batch) {
      slot.state = kDone;
      slot.code = SharedCommitQueue::kLeaderLost;
      copy_text(slot.detail, sizeof slot.detail, "the writing process was lost");
      pthread_cond_signal(&slot.wake);
    }
  }
  s.writing = false;
  s.leader = 0;
  if (auto* next = first_queued(s)) pthread_cond_signal(&next->wake);
}

State::Slot* claim_slot(State& s) {
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& slot : s.slots) {
      if (slot.state == kFree) return &slot;
    }
    // Outcomes nobody will read: their callers' processes are gone.
    for (auto& slot : s.slots) {
      if (slot.state == kDone && process_gone(slot.owner)) slot.state = kFree;
    }
  }
  return nullptr;
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
      std::count_if(std::begin(state_->slots), std::end(state_->slots),
                    [](const State::Slot& slot) { return slot.state == kQueued; }));
}

std::optional<SharedCommitQueue::Outcome> SharedCommitQueue::submit(
    std::string_view key, std::string_view payload, const GroupCommitOptions& options,
    const Write& write, GroupCommitStats* stats) {
  if (key.size() >= kKeyBytes || payload.size() > kPayloadBytes) return std::nullopt;
  State& s = *state_;
  const std::size_t max_batch = std::max<std::size_t>(options.max_batch, 1);
  Lock lock(s);
  State::Slot* mine = claim_slot(s);
  if (mine == nullptr) return std::nullopt;
  mine->state = kQueued;
  mine->owner = ::getpid();
  mine->ticket = s.next_ticket++;
  mine->batch = 0;
  mine->queued_ns = now_ns();
  mine->code = kWriteThrew;
  mine->detail[0] = '\0';
  std::memcpy(mine->key, key.data(), key.size());
  mine->key_length = static_cast<uint32_t>(key.size());
  std::memcpy(mine->payload, payload.data(), payload.size());
  mine->payload_length = static_cast<uint32_t>(payload.size());
  pthread_cond_signal(&s.arrived);

  for (;;) {
    if (mine->state == kDone) {
      Outcome out{mine->code, mine->detail};
      mine->state = kFree;
      return out;
    }
    if (s.writing) {
      abandon_batch_if_leader_lost(s);
      if (s.writing) lock.wait(mine->wake, std::chrono::milliseconds(100));
      continue;
    }
    // Lead: take the oldest queued items (this one among them, unless more
    // than max_batch arrived before it), write them, post their outcomes.
    s.writing = true;
    s.leader = ::getpid();
    s.batch = ++s.next_batch;
    const uint64_t batch = s.batch;
    if (options.max_wait.count() > 0) {
      const auto waiting = [&] {
        return static_cast<std::size_t>(
            std::count_if(std::begin(s.slots), std::end(s.slots),
                          [](const State::Slot& slot) { return slot.state == kQueued; }));
      };
      const std::size_t n = waiting();
      if (n > 1 && n < max_batch) lock.wait(s.arrived, options.max_wait);
    }
    std::vector<State::Slot*> taken;
    while (taken.size() < max_batch) {
      State::Slot* next = first_queued(s);
      if (next == nullptr) break;
      next->state = kTaken;
      next->batch = batch;
      taken.push_back(next);
    }
    s.batch_started_ns = now_ns();
    const int64_t started = s.batch_started_ns;
    // Taken slots are left alone by everyone else until their outcome is
    // posted, so they are read without the lock.
    pthread_mutex_unlock(&s.mutex);
    std::vector<Job> jobs;
    jobs.reserve(taken.size());
    uint64_t waited_us = 0;
    for (auto* slot : taken) {
      jobs.push_back(Job{
          {slot->key, slot->key_length}, {slot->payload, slot->payload_length}, kWriteThrew, {}});
      waited_us += static_cast<uint64_t>((started - slot->queued_ns) / 1000);
    }
    if (stats != nullptr) {
      stats->batches.fetch_add(1, std::memory_order_relaxed);
      stats->items.fetch_add(jobs.size(), std::memory_order_relaxed);
      stats->wait_us_sum.fetch_add(waited_us, std::memory_order_relaxed);
      uint64_t seen = stats->largest_batch.load(std::memory_order_relaxed);
      while (jobs.size() > seen && !stats->largest_batch.compare_exchange_weak(seen, jobs.size())) {
      }
    }
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
    for (std::size_t i = 0; i < taken.size(); ++i) {
      State::Slot* slot = taken[i];
      // Not ours any more if the batch was abandoned as lost meanwhile.
      if (slot->state != kTaken || slot->batch != batch) continue;
      slot->state = kDone;
      slot->code = jobs[i].code;
      copy_text(slot->detail, sizeof slot->detail, jobs[i].detail);
      pthread_cond_signal(&slot->wake);
    }
    if (s.writing && s.batch == batch) {
      s.writing = false;
      s.leader = 0;
      if (auto* next = first_queued(s)) pthread_cond_signal(&next->wake);
    }
  }
}

}  // namespace tenantca::core
