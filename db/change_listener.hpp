#pragma once
// One LISTEN connection per worker for the notifications other workers and
// instances send through PostgreSQL (db/migrations/0003, 0001): cache
// invalidations and read-your-own-writes pins. Subscribers are told when the
// connection is up (from then on they hear about every change) and when it
// is lost (they may have missed some: caches must be bypassed until it is
// back). Reconnects every 2 s.
//
// A connection can also go quiet without failing (a hung backend, a dropped
// route): the listener proves it is alive with a heartbeat, a NOTIFY on a
// channel of its own sent through the same connection every 2 s, which must
// come back within 5 s; when one does not, the connection is dropped (caches
// bypassed) and made anew.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace tenantca::db {

// For /metrics, shared by the workers of an instance.
struct ListenerStats {
  std::atomic<uint64_t> heartbeats_received{0};
  std::atomic<uint64_t> heartbeats_missed{0};
  std::atomic<uint64_t> connects{0};
  std::atomic<uint64_t> disconnects{0};
  std::atomic<uint64_t> acme_wakeups{0};  // tenantca_acme notifications heard
};

class ChangeListener {
 public:
  using OnNotify = std::function<void(const std::string& payload)>;
  using OnConnection = std::function<void(bool listening)>;

  static constexpr std::chrono::milliseconds kHeartbeatInterval{2000};
  static constexpr std::chrono::milliseconds kHeartbeatTimeout{5000};

  explicit ChangeListener(std::string conninfo, ListenerStats* stats = nullptr);
  ~ChangeListener();
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

  // Before start() only. Channel names are fixed identifiers from our code.
  void subscribe(std::string channel, OnNotify on_notify);
  void on_connection(OnConnection callback);
  void start();
  bool listening() const { return listening_; }

 private:
  void loop();
  void set_listening(bool up);

  struct Subscription {
    std::string channel;
    OnNotify on_notify;
  };
  std::string conninfo_;
  ListenerStats* stats_;
  std::vector<Subscription> subscriptions_;
  std::vector<OnConnection> connection_callbacks_;
  std::atomic<bool> listening_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tenantca::db
