#include "db/change_listener.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "db/pq.hpp"

namespace tenantca::db {

ChangeListener::ChangeListener(std::string conninfo) : conninfo_(std::move(conninfo)) {}

ChangeListener::~ChangeListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ChangeListener::subscribe(std::string channel, OnNotify on_notify) {
  subscriptions_.push_back({std::move(channel), std::move(on_notify)});
}

void ChangeListener::on_connection(OnConnection callback) { connection_callbacks_.push_back(std::move(callback)); }

void ChangeListener::start() { thread_ = std::thread([this] { loop(); }); }

void ChangeListener::set_listening(bool up) {
  listening_ = up;
  for (const auto& cb : connection_callbacks_) cb(up);
}

void ChangeListener::loop() {
  while (!stop_) {
    PgConn conn;
    try {
      conn = pq_connect(conninfo_);
      for (const auto& s : subscriptions_) pq_exec(conn.get(), ("LISTEN " + s.channel).c_str());
    } catch (const std::exception& e) {
      spdlog::warn("change listener: cannot listen for other instances' changes, caches bypassed: {}", e.what());
      for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // From here on nothing is missed; subscribers drop what may be stale.
    set_listening(true);
    while (!stop_) {
      pollfd pfd{PQsocket(conn.get()), POLLIN, 0};
      const int rc = ::poll(&pfd, 1, 200);
      if (rc < 0) continue;
      if (rc > 0 && !PQconsumeInput(conn.get())) break;
      if (PQstatus(conn.get()) != CONNECTION_OK) break;
      while (PGnotify* n = PQnotifies(conn.get())) {
        const std::string payload = n->extra ? n->extra : "";
        for (const auto& s : subscriptions_) {
          if (s.channel == n->relname) s.on_notify(payload);
        }
        PQfreemem(n);
      }
    }
    set_listening(false);
    if (!stop_) spdlog::warn("change listener: connection lost; caches bypassed until it is back");
  }
}

}  // namespace tenantca::db
