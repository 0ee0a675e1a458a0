#pragma once
// One LISTEN connection per worker for the notifications other workers and
// instances send through PostgreSQL (db/migrations/0003, 0001): cache
// invalidations and read-your-own-writes pins. Subscribers are told when the
// connection is up (from then on they hear about every change) and when it
// is lost (they may have missed some: caches must be bypassed until it is
// back). Reconnects every 2 s.
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace tenantca::db {

class ChangeListener {
 public:
  using OnNotify = std::function<void(const std::string& payload)>;
  using OnConnection = std::function<void(bool listening)>;

  explicit ChangeListener(std::string conninfo);
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
  std::vector<Subscription> subscriptions_;
  std::vector<OnConnection> connection_callbacks_;
  std::atomic<bool> listening_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tenantca::db
