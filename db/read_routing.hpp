#pragma once
// Which reads may go to the read replica.
//
// A request's handler runs start to finish on one thread, so the dispatcher
// opens a ReplicaReadScope for it: reads that tolerate lag (Database::read)
// use the replica only inside a scope that allows it. Writes, and reads made
// by a tenant that wrote recently (read-your-own-writes), stay on the primary.
//
// RecentWrites remembers, per tenant, when it last wrote through this
// instance; it lives in shared memory mapped before fork(), so a write served
// by one worker pins the tenant's next reads in every worker of the instance.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tenantca::db {

// Where reads went, for /metrics (instance-wide, in shared memory).
struct ReadStats {
  std::atomic<uint64_t> replica_reads{0};
  std::atomic<uint64_t> primary_reads{0};
  std::atomic<uint64_t> replica_fallbacks{
      0};  // replica failed or lacked the row; answered by the primary
  std::atomic<int64_t> replica_lag_ms{-1};  // as the last probe measured it; -1: never measured
  std::atomic<uint64_t> replica_lag_refusals{0};  // probes that found the lag above the limit
};

class ReplicaReadScope {
 public:
  explicit ReplicaReadScope(bool allowed);
  ~ReplicaReadScope();
  ReplicaReadScope(const ReplicaReadScope&) = delete;
  ReplicaReadScope& operator=(const ReplicaReadScope&) = delete;
  // False outside any scope: background work and CLI commands read the primary.
  static bool allowed();

 private:
  bool previous_;
};

class RecentWrites {
 public:
  // Direct-mapped by a hash of the tenant id, without the id itself: two
  // tenants sharing a slot only pin each other (a primary read too many),
  // never unpin.
  static constexpr std::size_t kSlots = 8192;
  static std::shared_ptr<RecentWrites> map_shared();

  void note_write(const std::string& tenant_id, int64_t now_ms);
  bool wrote_since(const std::string& tenant_id, int64_t since_ms) const;

 private:
  std::atomic<int64_t> last_write_ms_[kSlots];
};

}  // namespace tenantca::db
