#include "db/health_probe.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>

#include <new>
#include <stdexcept>

namespace tenantca::db {
namespace {

constexpr int64_t kConnectTimeoutMs = 3000;
// After a refused or failed connect, try again soon: during a failover the
// new primary is usually there within a second, and health (hence the load
// balancer) should see it as soon as requests could.
constexpr auto kRetryAfterHardFailure = std::chrono::milliseconds(200);
constexpr int64_t kHungQueryMs = 15000;  // then reconnect: the server may be gone without a FIN

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::shared_ptr<SharedHealth> map_shared_health() {
  void* mem = ::mmap(nullptr, sizeof(SharedHealth), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap of the shared health state failed");
  auto* h = new (mem) SharedHealth{};
  return std::shared_ptr<SharedHealth>(h,
                                       [](SharedHealth* p) { ::munmap(p, sizeof(SharedHealth)); });
}

HealthProbe::HealthProbe(std::string conninfo, std::chrono::milliseconds interval,
                         std::chrono::milliseconds stale_after, SharedHealth* shared,
                         ProbeCheck check)
    : conninfo_(std::move(conninfo)),
      check_(std::move(check)),
      interval_(interval),
      stale_after_(stale_after),
      shared_(shared ? shared : &local_) {
  // Nobody in this instance has an answer yet (first start, or the fresh
  // shared state after an in-place upgrade): get one before listening, so a
  // reachable database is never reported down. Bounded: boot must not hang.
  const int64_t until = now_ms() + 2000;
  while (shared_->last_ok_ms.load() == 0 && shared_->last_hard_failure_ms.load() == 0 &&
         now_ms() < until)
    step();
  thread_ = std::thread([this] { loop(); });
}

HealthProbe::~HealthProbe() {
  stop_ = true;
  thread_.join();
  if (conn_) PQfinish(static_cast<PGconn*>(conn_));
}

bool HealthProbe::database_ok() const {
  const int64_t last = shared_->last_ok_ms.load();
  return last > 0 && shared_->last_hard_failure_ms.load() <= last &&
         now_ms() - last <= stale_after_.count();
}

void HealthProbe::drop(const char* why, bool hard) {
  auto* conn = static_cast<PGconn*>(conn_);
  std::string detail = why;
  if (conn && PQerrorMessage(conn)[0]) detail += std::string(": ") + PQerrorMessage(conn);
  while (!detail.empty() && detail.back() == '\n') detail.pop_back();
  if (conn) PQfinish(conn);
  conn_ = nullptr;
  connecting_ = in_flight_ = false;
  if (hard) shared_->last_hard_failure_ms = now_ms();
  if (!reported_down_) {
    spdlog::warn("{}: {}", check_.name, detail);
    reported_down_ = true;
  }
}

void HealthProbe::loop() {
  while (!stop_) step();
}

// One turn of the probe's state machine; waits at most ~200 ms.
void HealthProbe::step() {
  auto* conn = static_cast<PGconn*>(conn_);
  const int64_t now = now_ms();
  if (conn == nullptr) {
    conn = PQconnectStart(conninfo_.c_str());
    conn_ = conn;
    if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) {
      drop("cannot connect", true);
      std::this_thread::sleep_for(
          std::min<std::chrono::milliseconds>(interval_, kRetryAfterHardFailure));
      return;
    }
    connecting_ = true;
    connect_started_ms_ = now;
  }
  short events = POLLIN;
  if (connecting_) {
    const auto st = PQconnectPoll(conn);
    if (st == PGRES_POLLING_FAILED) {
      drop("cannot connect", true);
      std::this_thread::sleep_for(
          std::min<std::chrono::milliseconds>(interval_, kRetryAfterHardFailure));
      return;
    }
    if (st == PGRES_POLLING_OK) {
      connecting_ = false;
    } else {
      if (now - connect_started_ms_ > kConnectTimeoutMs) {
        drop("connect timed out", false);
        return;
      }
      events = st == PGRES_POLLING_WRITING ? POLLOUT : POLLIN;
    }
  }
  if (!connecting_ && !in_flight_ && now - sent_ms_ >= interval_.count()) {
    if (!PQsendQuery(conn, check_.query.c_str())) {
      drop("connection lost", true);
      return;
    }
    in_flight_ = true;
    sent_ms_ = now;
  }
  if (in_flight_ && now - sent_ms_ > kHungQueryMs) {
    drop("no answer to SELECT 1 for 15 s", false);
    return;
  }
  pollfd pfd{PQsocket(conn), events, 0};
  if (::poll(&pfd, 1, 200) <= 0 || connecting_) return;
  if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
    drop("connection lost", true);
    return;
  }
  while (in_flight_ && !PQisBusy(conn)) {
    PGresult* r = PQgetResult(conn);
    if (r == nullptr) {
      in_flight_ = false;
      break;
    }
    std::string why_not;
    if (PQresultStatus(r) == PGRES_TUPLES_OK &&
        (!check_.accept || (PQntuples(r) == 1 && check_.accept(PQgetvalue(r, 0, 0), why_not)))) {
      shared_->last_ok_ms = now_ms();
      if (reported_down_) spdlog::info("{}: answering again", check_.name);
      reported_down_ = false;
    } else if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      // Reachable but not fit for use (a replica too far behind).
      shared_->last_hard_failure_ms = now_ms();
      if (!reported_down_)
        spdlog::warn("{}: {}", check_.name, why_not.empty() ? "unacceptable answer" : why_not);
      reported_down_ = true;
    }
    PQclear(r);
  }
}

}  // namespace tenantca::db
