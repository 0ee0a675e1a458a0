#pragma once
// Shared memory between the master and its workers, mapped by the master
// before it forks: one slot per worker with its state, its heartbeat (the
// time of the oldest unfinished work) and its request count.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tenantca::daemon {

// retiring: the worker wants to be replaced (max_requests); it keeps serving
// until the master has a replacement listening and then tells it to stop.
enum class WorkerState : int { free = 0, booting = 1, ready = 2, draining = 3, retiring = 4 };

struct WorkerSlot {
  std::atomic<int> state;
  std::atomic<int> pid;
  std::atomic<int64_t> heartbeat_ms;  // monotonic clock
  std::atomic<uint64_t> requests;
};

class WorkerTable {
 public:
  static constexpr std::size_t kSlots = 1024;
  WorkerTable();
  ~WorkerTable();
  WorkerTable(const WorkerTable&) = delete;
  WorkerTable& operator=(const WorkerTable&) = delete;

  WorkerSlot& slot(std::size_t i) { return slots_[i]; }
  // A free slot index, or -1.
  int claim();
  void release(std::size_t i);

 private:
  WorkerSlot* slots_;
};

int64_t monotonic_ms();

}  // namespace tenantca::daemon
