#pragma once
// A wake-up between processes that a dead waiter cannot jam.
//
// glibc's process-shared condition variables keep count of their waiters,
// and a broadcast waits until every waiter of the older group has left: a
// waiter killed inside pthread_cond_wait never leaves. Measured: a worker
// SIGKILLed while its thread slept on the commit queue's condition variable
// made every later broadcast hang, so the other workers could not even stop.
// A futex word keeps no such books: waking wakes whoever is asleep on it.
//
// Use: under the lock that guards the condition read `generation()`, unlock,
// wait(seen, timeout), relock, re-check the condition. A notify in between
// changes the word, so the wait returns at once: no wake-up is lost. Waits
// may end early (timeouts, spurious wake-ups); callers loop.
#include <chrono>
#include <cstdint>

namespace tenantca::core {

class ProcessEvent {
 public:
  // Lives in memory shared between processes (zero-filled is ready to use).
  uint32_t generation() const;
  void wait(uint32_t seen, std::chrono::nanoseconds timeout);
  void notify_one();
  void notify_all();

 private:
  mutable uint32_t word_ = 0;  // read through std::atomic_ref
};

}  // namespace tenantca::core
