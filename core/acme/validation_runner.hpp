#pragma once
// A worker's validation loop: claims due challenges (of any CA, from any
// instance's requests) and proves them, until stopped. Idle, it looks again
// when woken (a challenge was posted: wake(), from a database notification)
// or after `idle` (retries that came due, leases of lost workers); a claimed
// job that this process does not finish (it died) is claimed again by
// someone else once its lease has passed.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/acme/service.hpp"

namespace tenantca::core::acme {

class ValidationRunner {
 public:
  ValidationRunner(AcmeService& service, ChallengeValidator& validator,
                   std::chrono::milliseconds idle,
                   std::function<void(const std::string&)> on_error);
  ~ValidationRunner();
  ValidationRunner(const ValidationRunner&) = delete;
  ValidationRunner& operator=(const ValidationRunner&) = delete;
  void start();
  void stop();
  // Look for due work now (any thread).
  void wake();

 private:
  void loop();
  AcmeService& service_;
  ChallengeValidator& validator_;
  std::chrono::milliseconds idle_;
  std::function<void(const std::string&)> on_error_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace tenantca::core::acme
