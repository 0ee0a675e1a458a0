#include "db/change_listener.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>

#include "db/pq.hpp"
#include "db/statement.hpp"

namespace tenantca::db {

ChangeListener::ChangeListener(std::string conninfo, ListenerStats* stats)
    : conninfo_(std::move(conninfo)), stats_(stats) {}

namespace {
void count(std::atomic<uint64_t> ListenerStats::*field, ListenerStats* stats) {
  if (stats != nullptr) (stats->*field).fetch_add(1, std::memory_order_relaxed);
}
void listen(PGconn* conn, const std::string& channel) {
  const std::string text = "LISTEN " + channel;
  run(conn, Sql{"listen", text.c_str()});
}
}  // namespace

ChangeListener::~ChangeListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ChangeListener::subscribe(std::string channel, OnNotify on_notify) {
  subscriptions_.push_back({std::move(channel), std::move(on_notify)});
}

void ChangeListener::on_connection(OnConnection callback) {
  connection_callbacks_.push_back(std::move(callback));
}

void ChangeListener::start() {
  thread_ = std::thread([this] { loop(); });
}

void ChangeListener::set_listening(bool up) {
  listening_ = up;
  for (const auto& cb : connection_callbacks_) cb(up);
}

void ChangeListener::loop() {
  using Clock = std::chrono::steady_clock;
  // A channel of this connection's own: its heartbeat wakes nobody else.
  const std::string heartbeat = "tenantca_hb_" + std::to_string(::getpid()) + "_" +
                                std::to_string(reinterpret_cast<std::uintptr_t>(this) & 0xffffff);
  while (!stop_) {
    PgConn conn;
    try {
      conn = pq_connect(conninfo_);
      // Channel names are our own constants, never user input.
      for (const auto& s : subscriptions_) listen(conn.get(), s.channel);
      listen(conn.get(), heartbeat);
    } catch (const std::exception& e) {
      spdlog::warn(
          "change listener: cannot listen for other instances' changes, caches bypassed: {}",
          e.what());
      for (int i = 0; i < 20 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // From here on nothing is missed; subscribers drop what may be stale.
    count(&ListenerStats::connects, stats_);
    set_listening(true);
    auto sent_at = Clock::now() - kHeartbeatInterval;
    bool awaiting = false;
    while (!stop_) {
      const auto now = Clock::now();
      if (awaiting && now - sent_at > kHeartbeatTimeout) {
        count(&ListenerStats::heartbeats_missed, stats_);
        spdlog::warn(
            "change listener: no heartbeat back in {} ms; reconnecting, caches bypassed meanwhile",
            kHeartbeatTimeout.count());
        break;
      }
      if (!awaiting && now - sent_at >= kHeartbeatInterval) {
        if (PQsendQuery(conn.get(), ("NOTIFY " + heartbeat).c_str()) != 1) break;
        sent_at = now;
        awaiting = true;
      }
      pollfd pfd{PQsocket(conn.get()), POLLIN, 0};
      const int rc = ::poll(&pfd, 1, 200);
      if (rc < 0) continue;
      if (rc > 0 && !PQconsumeInput(conn.get())) break;
      if (PQstatus(conn.get()) != CONNECTION_OK) break;
      while (PQisBusy(conn.get()) == 0) {  // the heartbeat's own command result
        PGresult* r = PQgetResult(conn.get());
        if (r == nullptr) break;
        PQclear(r);
      }
      while (PGnotify* n = PQnotifies(conn.get())) {
        const std::string payload = n->extra ? n->extra : "";
        if (heartbeat == n->relname) {
          awaiting = false;
          count(&ListenerStats::heartbeats_received, stats_);
        }
        for (const auto& s : subscriptions_) {
          if (s.channel == n->relname) s.on_notify(payload);
        }
        PQfreemem(n);
      }
    }
    set_listening(false);
    if (!stop_) {
      count(&ListenerStats::disconnects, stats_);
      spdlog::warn("change listener: connection lost; caches bypassed until it is back");
    }
  }
}

}  // namespace tenantca::db
