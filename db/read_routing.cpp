#include "db/read_routing.hpp"

#include <sys/mman.h>

#include <functional>
#include <new>
#include <stdexcept>

namespace tenantca::db {
namespace {
thread_local bool replica_reads_allowed = false;

std::size_t slot_of(const std::string& tenant_id) {
  return std::hash<std::string>{}(tenant_id) % RecentWrites::kSlots;
}
}  // namespace

ReplicaReadScope::ReplicaReadScope(bool allowed) : previous_(replica_reads_allowed) {
  replica_reads_allowed = allowed;
}
ReplicaReadScope::~ReplicaReadScope() {
  replica_reads_allowed = previous_;
}
bool ReplicaReadScope::allowed() {
  return replica_reads_allowed;
}

std::shared_ptr<RecentWrites> RecentWrites::map_shared() {
  void* mem = ::mmap(nullptr, sizeof(RecentWrites), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap of the recent-writes table failed");
  auto* table = new (mem) RecentWrites;  // zero-filled by the kernel: nobody wrote yet
  return std::shared_ptr<RecentWrites>(table,
                                       [](RecentWrites* p) { ::munmap(p, sizeof(RecentWrites)); });
}

void RecentWrites::note_write(const std::string& tenant_id, int64_t now_ms) {
  auto& slot = last_write_ms_[slot_of(tenant_id)];
  int64_t seen = slot.load();
  while (seen < now_ms && !slot.compare_exchange_weak(seen, now_ms)) {
  }
}

bool RecentWrites::wrote_since(const std::string& tenant_id, int64_t since_ms) const {
  const int64_t last = last_write_ms_[slot_of(tenant_id)].load();
  return last != 0 && last >= since_ms;  // 0: no write noted in this slot yet
}

}  // namespace tenantca::db
