#pragma once
#include <chrono>
#include <cstdint>

namespace tenantca::core {

// Injected wherever time matters (validity, CRL/OCSP updates, expiry), so
// tests can pin it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_seconds() const = 0;
  // Milliseconds, for what must increase faster than seconds (CRL numbers).
  virtual int64_t now_millis() const { return now_seconds() * 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t now_seconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t now_millis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace tenantca::core
