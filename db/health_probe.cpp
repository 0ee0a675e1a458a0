#include "db/health_probe.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

namespace tenantca::db {
namespace {

constexpr int64_t kConnectTimeoutMs = 3000;
constexpr int64_t kHungQueryMs = 15000;  // then reconnect: the server may be gone without a FIN

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

HealthProbe::HealthProbe(std::string conninfo, std::chrono::milliseconds interval, std::chrono::milliseconds stale_after)
    : conninfo_(std::move(conninfo)), interval_(interval), stale_after_(stale_after) {
  // A first answer before the worker listens, so a fresh worker never
  // reports a reachable database as down (bounded: boot must not hang).
  const int64_t until = now_ms() + 2000;
  while (last_ok_ms_.load() == 0 && !hard_failure_.load() && now_ms() < until) step();
  thread_ = std::thread([this] { loop(); });
}

HealthProbe::~HealthProbe() {
  stop_ = true;
  thread_.join();
  if (conn_) PQfinish(static_cast<PGconn*>(conn_));
}

bool HealthProbe::database_ok() const {
  const int64_t last = last_ok_ms_.load();
  return !hard_failure_.load() && last > 0 && now_ms() - last <= stale_after_.count();
}

void HealthProbe::drop(const char* why, bool hard) {
  auto* conn = static_cast<PGconn*>(conn_);
  std::string detail = why;
  if (conn && PQerrorMessage(conn)[0]) detail += std::string(": ") + PQerrorMessage(conn);
  while (!detail.empty() && detail.back() == '\n') detail.pop_back();
  if (conn) PQfinish(conn);
  conn_ = nullptr;
  connecting_ = in_flight_ = false;
  if (hard) hard_failure_ = true;
  if (!reported_down_) {
    spdlog::warn("database health probe: {}", detail);
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
      std::this_thread::sleep_for(interval_);
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
      std::this_thread::sleep_for(interval_);
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
    if (!PQsendQuery(conn, "SELECT 1")) {
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
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      last_ok_ms_ = now_ms();
      hard_failure_ = false;
      if (reported_down_) spdlog::info("database health probe: reachable again");
      reported_down_ = false;
    }
    PQclear(r);
  }
}

}  // namespace tenantca::db
