#pragma once
// Self-pipe signal delivery: handlers only write the signal number to a
// non-blocking pipe; the owning loop polls the read end and acts.
#include <initializer_list>
#include <vector>

namespace tenantca::daemon {

class SignalPipe {
 public:
  // Installs handlers for `signals` (SA_RESTART) writing into a fresh pipe.
  explicit SignalPipe(std::initializer_list<int> signals);
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  int read_fd() const { return fds_[0]; }
  // Waits up to timeout_ms for signals; returns those received, in order.
  std::vector<int> wait(int timeout_ms);
  // Restores default dispositions and closes the pipe (after fork, in a child
  // that installs its own).
  void release();

 private:
  int fds_[2] = {-1, -1};
  std::vector<int> signals_;
};

}  // namespace tenantca::daemon
