#include "daemon/metrics.hpp"

#include <fmt/format.h>

#include "tenantca/version.hpp"

namespace tenantca::daemon {

namespace {
// One metric without labels: its HELP and TYPE lines, then its value.
template <typename Value>
void metric(std::string& out, const char* name, const char* type, const char* help, Value value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}
}  // namespace

std::string render_metrics(WorkerTable& table, bool database_ok) {
  auto& c = table.counters();
  std::string out;
  out +=
      "# HELP tenantca_http_responses_total HTTP responses sent by all workers of this instance, "
      "by status class.\n";
  out += "# TYPE tenantca_http_responses_total counter\n";
  uint64_t total = 0;
  for (int cls = 1; cls <= 5; ++cls) {
    const uint64_t n = c.responses_by_class[cls].load();
    total += n;
    out += fmt::format("tenantca_http_responses_total{{code=\"{}xx\"}} {}\n", cls, n);
  }
  out += "# HELP tenantca_http_request_duration_seconds Time spent in request handlers.\n";
  out += "# TYPE tenantca_http_request_duration_seconds summary\n";
  out += fmt::format("tenantca_http_request_duration_seconds_sum {:.6f}\n",
                     static_cast<double>(c.duration_us_sum.load()) / 1e6);
  out += fmt::format("tenantca_http_request_duration_seconds_count {}\n", total);
  int by_state[5] = {0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < WorkerTable::kSlots; ++i) {
    const int st = table.slot(i).state.load();
    if (st > 0 && st < 5) ++by_state[st];
  }
  out +=
      "# HELP tenantca_workers Worker processes of this instance, by state.\n# TYPE "
      "tenantca_workers gauge\n";
  const char* names[5] = {"", "booting", "ready", "draining", "retiring"};
  for (int st = 1; st < 5; ++st)
    out += fmt::format("tenantca_workers{{state=\"{}\"}} {}\n", names[st], by_state[st]);
  metric(out, "tenantca_worker_starts_total", "counter",
         "Workers started since the master started.", c.worker_starts.load());
  out +=
      "# HELP tenantca_worker_ends_total Worker processes that ended, by how (graceful: a clean "
      "exit when asked).\n"
      "# TYPE tenantca_worker_ends_total counter\n";
  for (int i = 0; i < 6; ++i) {
    out += fmt::format("tenantca_worker_ends_total{{how=\"{}\"}} {}\n", kWorkerEndNames[i],
                       c.worker_ends[i].load());
  }
  out +=
      "# HELP tenantca_worker_kills_total Signals the master sent to end a worker, by reason "
      "(SIGABRT for the "
      "heartbeat and boot timeouts, SIGKILL after abort_grace or graceful_timeout).\n"
      "# TYPE tenantca_worker_kills_total counter\n";
  for (int i = 0; i < 4; ++i) {
    out += fmt::format("tenantca_worker_kills_total{{reason=\"{}\"}} {}\n", kWorkerKillNames[i],
                       c.worker_kills[i].load());
  }
  metric(out, "tenantca_database_up", "gauge",
         "Whether the database answered the health probe recently.", database_ok ? 1 : 0);
  out +=
      "# HELP tenantca_rate_limit_decisions_total Rate-limit decisions, by the store that made "
      "them "
      "(shared: Redis; local_fallback: this instance's table while Redis was unreachable).\n"
      "# TYPE tenantca_rate_limit_decisions_total counter\n";
  out += fmt::format("tenantca_rate_limit_decisions_total{{store=\"shared\"}} {}\n",
                     c.rate_limit.shared_decisions.load());
  out += fmt::format("tenantca_rate_limit_decisions_total{{store=\"local_fallback\"}} {}\n",
                     c.rate_limit.fallback_decisions.load());
  if (const int up = c.rate_limit.shared_store_up.load(); up >= 0) {
    metric(out, "tenantca_rate_limit_shared_store_up", "gauge",
           "Whether Redis answered the last rate-limit request.", up);
  }
  out +=
      "# HELP tenantca_database_reads_total Lag-tolerant reads, by the pool that answered them.\n"
      "# TYPE tenantca_database_reads_total counter\n";
  out += fmt::format("tenantca_database_reads_total{{pool=\"replica\"}} {}\n",
                     c.reads.replica_reads.load());
  out += fmt::format("tenantca_database_reads_total{{pool=\"primary\"}} {}\n",
                     c.reads.primary_reads.load());
  metric(out, "tenantca_database_replica_fallbacks_total", "counter",
         "Reads sent to the replica that the primary answered (replica unreachable, or the row not "
         "replayed yet).",
         c.reads.replica_fallbacks.load());
  metric(
      out, "tenantca_database_replica_lag_milliseconds", "gauge",
      "Replication lag the read-replica probe last measured (-1: no replica, or not measured yet).",
      c.reads.replica_lag_ms.load());
  metric(out, "tenantca_database_replica_lag_refusals_total", "counter",
         "Replica probes that found the lag above database.replica_max_lag_ms (reads then go to "
         "the primary).",
         c.reads.replica_lag_refusals.load());
  metric(out, "tenantca_database_slow_operations_total", "counter",
         "Database operations that took database.slow_query_ms or longer.",
         c.database.slow_operations.load());
  metric(out, "tenantca_database_statement_timeouts_total", "counter",
         "Statements cancelled by database.statement_timeout (answered 503).",
         c.database.statement_timeouts.load());
  const auto& ib = c.issuance_batches;
  metric(out, "tenantca_issuance_batches_total", "counter",
         "Transactions that stored issued certificates (group commit: one per batch).",
         ib.batches.load());
  metric(out, "tenantca_issuance_batch_items_total", "counter",
         "Issued certificates written through batches.", ib.items.load());
  metric(out, "tenantca_issuance_batch_largest", "gauge", "Largest batch written so far.",
         ib.largest_batch.load());
  out +=
      "# HELP tenantca_issuance_batch_wait_seconds_total Time issuances waited for their batch to "
      "start (summed over items).\n# TYPE tenantca_issuance_batch_wait_seconds_total counter\n";
  out += fmt::format("tenantca_issuance_batch_wait_seconds_total {:.6f}\n",
                     static_cast<double>(ib.wait_us_sum.load()) / 1e6);
  metric(out, "tenantca_issuance_batch_splits_total", "counter",
         "Batches that failed and were retried item by item (one bad item fails alone).",
         ib.split_retries.load());
  if (auto* queue = table.commit_queue()) {
    metric(out, "tenantca_issuance_queue_depth", "gauge",
           "Issuances of this instance's workers waiting for a batch to take them (a depth that "
           "stays up means the database writes slower than requests arrive).",
           static_cast<uint64_t>(queue->queued()));
  }
  metric(out, "tenantca_database_pool_exhausted_total", "counter",
         "Requests answered 503 because no pooled database session was free within "
         "database.lease_timeout_ms.",
         c.database.pool_exhausted.load());
  out +=
      "# HELP tenantca_cache_lookups_total Lookups in the workers' caches, by cache and result "
      "(hit; miss: read "
      "from the database; bypass: not consulted because the change listener was down).\n"
      "# TYPE tenantca_cache_lookups_total counter\n";
  out +=
      "# HELP tenantca_cache_invalidations_total Invalidations the workers' caches received "
      "(revocations, key and tenant changes).\n"
      "# TYPE tenantca_cache_invalidations_total counter\n";
  const std::pair<const char*, const core::CacheStats*> caches[] = {{"auth", &c.auth_cache},
                                                                    {"ocsp", &c.ocsp_cache},
                                                                    {"status", &c.status_cache},
                                                                    {"crl", &c.crl_cache}};
  for (const auto& [name, s] : caches) {
    out += fmt::format("tenantca_cache_lookups_total{{cache=\"{}\",result=\"hit\"}} {}\n", name,
                       s->hits.load());
    out += fmt::format("tenantca_cache_lookups_total{{cache=\"{}\",result=\"miss\"}} {}\n", name,
                       s->misses.load());
    out += fmt::format("tenantca_cache_lookups_total{{cache=\"{}\",result=\"bypass\"}} {}\n", name,
                       s->bypasses.load());
    out += fmt::format("tenantca_cache_invalidations_total{{cache=\"{}\"}} {}\n", name,
                       s->invalidations.load());
  }
  out +=
      "# HELP tenantca_change_listener_heartbeats_total Heartbeats of the workers' LISTEN "
      "connections, by result "
      "(missed: the connection was dropped and its caches bypassed until a new one listened).\n"
      "# TYPE tenantca_change_listener_heartbeats_total counter\n";
  out += fmt::format("tenantca_change_listener_heartbeats_total{{result=\"received\"}} {}\n",
                     c.listener.heartbeats_received.load());
  out += fmt::format("tenantca_change_listener_heartbeats_total{{result=\"missed\"}} {}\n",
                     c.listener.heartbeats_missed.load());
  metric(out, "tenantca_change_listener_connects_total", "counter",
         "LISTEN connections established (caches trusted from then on).",
         c.listener.connects.load());
  metric(out, "tenantca_change_listener_disconnects_total", "counter",
         "LISTEN connections lost or dropped (caches bypassed until the next connect).",
         c.listener.disconnects.load());
  metric(out, "tenantca_acme_validation_wakeups_total", "counter",
         "ACME validation loops woken by a posted challenge (tenantca_acme notifications heard, "
         "one per worker).",
         c.listener.acme_wakeups.load());
  out +=
      "# HELP tenantca_reloads_total Configuration reloads (SIGHUP) by result (rejected: the new "
      "configuration was invalid and the running one was kept).\n"
      "# TYPE tenantca_reloads_total counter\n";
  for (int i = 0; i < 2; ++i) {
    out += fmt::format("tenantca_reloads_total{{result=\"{}\"}} {}\n", kReloadResultNames[i],
                       c.reloads[i].load());
  }
  metric(out, "tenantca_generation", "gauge",
         "Worker generation now serving (one more per finished reload).", c.generation.load());
  metric(out, "tenantca_upgrades_refused_total", "counter",
         "Binary upgrades (SIGUSR2) refused because the new binary failed its checks; the running "
         "binary kept serving.",
         c.upgrades_refused.load());
  out +=
      "# HELP tenantca_worker_request_limit The smallest and largest max_requests limit (with "
      "jitter) a worker drew.\n# TYPE tenantca_worker_request_limit gauge\n";
  out += fmt::format("tenantca_worker_request_limit{{bound=\"min\"}} {}\n",
                     c.request_limit_min.load());
  out += fmt::format("tenantca_worker_request_limit{{bound=\"max\"}} {}\n",
                     c.request_limit_max.load());
  out +=
      "# HELP tenantca_build_info Version of the running binary.\n# TYPE tenantca_build_info "
      "gauge\n";
  out += fmt::format("tenantca_build_info{{version=\"{}\"}} 1\n", kVersion);
  return out;
}

}  // namespace tenantca::daemon
