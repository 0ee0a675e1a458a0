#include "core/process_event.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <ctime>

namespace tenantca::core {
namespace {

// Not FUTEX_PRIVATE_FLAG: the word is shared with other processes.
long futex(uint32_t* word, int op, uint32_t value, const timespec* timeout) {
  return ::syscall(SYS_futex, word, op, value, timeout, nullptr, 0);
}

}  // namespace

uint32_t ProcessEvent::generation() const {
  return std::atomic_ref<uint32_t>(word_).load(std::memory_order_acquire);
}

void ProcessEvent::wait(uint32_t seen, std::chrono::nanoseconds timeout) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const timespec relative{static_cast<time_t>(secs.count()),
                          static_cast<long>((timeout - secs).count())};
  // Returns at once if the word is no longer `seen` (a notify came first).
  futex(&word_, FUTEX_WAIT, seen, &relative);
}

void ProcessEvent::notify_one() {
  std::atomic_ref<uint32_t>(word_).fetch_add(1, std::memory_order_release);
  futex(&word_, FUTEX_WAKE, 1, nullptr);
}

void ProcessEvent::notify_all() {
  std::atomic_ref<uint32_t>(word_).fetch_add(1, std::memory_order_release);
  futex(&word_, FUTEX_WAKE, INT_MAX, nullptr);
}

}  // namespace tenantca::core
