#include "core/acme/validation_runner.hpp"

namespace tenantca::core::acme {

ValidationRunner::ValidationRunner(AcmeService& service, ChallengeValidator& validator,
                                   std::chrono::milliseconds idle,
                                   std::function<void(const std::string&)> on_error)
    : service_(service), validator_(validator), idle_(idle), on_error_(std::move(on_error)) {}

ValidationRunner::~ValidationRunner() {
  stop();
}

void ValidationRunner::start() {
  thread_ = std::thread([this] { loop(); });
}

void ValidationRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ValidationRunner::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void ValidationRunner::loop() {
  for (;;) {
    bool worked = false;
    try {
      worked = service_.validate_next(validator_);
    } catch (const std::exception& e) {
      if (on_error_) on_error_(e.what());  // the database is away: try again later
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (stop_) return;
    // A wake-up during the look above is not lost: woken_ stays set.
    if (!worked) wake_.wait_for(lock, idle_, [this] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
  }
}

}  // namespace tenantca::core::acme
