#include "db/health_probe.hpp"

#include <libpq-fe.h>
#include <poll.h>

namespace tenantca::db {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Waits for the socket of `conn` with a deadline; false on timeout.
bool wait_socket(PGconn* conn, bool for_write, int64_t deadline_ms) {
  const int64_t left = deadline_ms - now_ms();
  if (left <= 0) return false;
  pollfd pfd{PQsocket(conn), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  return ::poll(&pfd, 1, static_cast<int>(left)) > 0;
}

}  // namespace

HealthProbe::HealthProbe(std::string conninfo, std::chrono::milliseconds interval,
                         std::chrono::milliseconds query_timeout)
    : conninfo_(std::move(conninfo)), interval_(interval), query_timeout_(query_timeout) {
  thread_ = std::thread([this] { loop(); });
}

HealthProbe::~HealthProbe() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (conn_) PQfinish(static_cast<PGconn*>(conn_));
}

bool HealthProbe::database_ok() const {
  const int64_t last = last_ok_ms_.load();
  // Fresh enough: two intervals plus the probe's own timeout.
  return last > 0 && now_ms() - last <= 2 * interval_.count() + query_timeout_.count();
}

void HealthProbe::loop() {
  while (!stop_) {
    if (probe_once()) last_ok_ms_ = now_ms();
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, interval_, [this] { return stop_.load(); });
  }
}

bool HealthProbe::probe_once() {
  const int64_t deadline = now_ms() + query_timeout_.count();
  auto* conn = static_cast<PGconn*>(conn_);
  auto drop = [&] {
    if (conn) PQfinish(conn);
    conn_ = conn = nullptr;
    return false;
  };
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    drop();
    conn = PQconnectStart(conninfo_.c_str());
    conn_ = conn;
    if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) return drop();
    for (;;) {
      const auto st = PQconnectPoll(conn);
      if (st == PGRES_POLLING_OK) break;
      if (st == PGRES_POLLING_FAILED) return drop();
      if (!wait_socket(conn, st == PGRES_POLLING_WRITING, deadline)) return drop();
    }
  }
  if (!PQsendQuery(conn, "SELECT 1")) return drop();
  bool ok = false;
  for (;;) {
    while (PQflush(conn) == 1) {
      if (!wait_socket(conn, true, deadline)) return drop();
    }
    if (!PQconsumeInput(conn)) return drop();
    if (PQisBusy(conn)) {
      if (!wait_socket(conn, false, deadline)) return drop();  // a hung server: give up on this connection
      continue;
    }
    PGresult* r = PQgetResult(conn);
    if (r == nullptr) break;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) ok = true;
    PQclear(r);
  }
  return ok ? true : drop();
}

}  // namespace tenantca::db
