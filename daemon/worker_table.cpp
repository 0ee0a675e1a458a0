#include "daemon/worker_table.hpp"

#include <sys/mman.h>

#include <chrono>
#include <new>
#include <stdexcept>

namespace tenantca::daemon {

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

WorkerTable::WorkerTable() {
  static_assert(std::atomic<int64_t>::is_always_lock_free, "shared atomics must be lock-free");
  void* mem = ::mmap(nullptr, sizeof(WorkerSlot) * kSlots + sizeof(InstanceCounters),
                     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap of the worker table failed");
  slots_ = static_cast<WorkerSlot*>(mem);
  for (std::size_t i = 0; i < kSlots; ++i) new (&slots_[i]) WorkerSlot{};
  counters_ = new (slots_ + kSlots) InstanceCounters{};
  commit_queue_ = core::SharedCommitQueue::create();
}

WorkerTable::~WorkerTable() {
  core::SharedCommitQueue::destroy(commit_queue_);
  ::munmap(slots_, sizeof(WorkerSlot) * kSlots + sizeof(InstanceCounters));
}

int WorkerTable::claim() {
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (slots_[i].state.load() == static_cast<int>(WorkerState::free) &&
        slots_[i].pid.load() == 0) {
      slots_[i].state = static_cast<int>(WorkerState::booting);
      slots_[i].heartbeat_ms = monotonic_ms();
      slots_[i].requests = 0;
      return static_cast<int>(i);
    }
  }
  return -1;
}

void WorkerTable::release(std::size_t i) {
  slots_[i].state = static_cast<int>(WorkerState::free);
  slots_[i].pid = 0;
}

}  // namespace tenantca::daemon
