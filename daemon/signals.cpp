#include "daemon/signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

namespace tenantca::daemon {
namespace {

volatile sig_atomic_t g_write_fd = -1;

extern "C" void on_signal(int sig) {
  const int saved = errno;
  const unsigned char b = static_cast<unsigned char>(sig);
  if (g_write_fd >= 0) {
    [[maybe_unused]] ssize_t n =
        ::write(g_write_fd, &b, 1);  // a full pipe drops the byte: the signal is pending anyway
  }
  errno = saved;
}

}  // namespace

SignalPipe::SignalPipe(std::initializer_list<int> signals) : signals_(signals) {
  if (::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  g_write_fd = fds_[1];
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : signals_) ::sigaction(s, &sa, nullptr);
}

SignalPipe::~SignalPipe() {
  release();
}

void SignalPipe::release() {
  if (fds_[0] < 0) return;
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int s : signals_) ::sigaction(s, &sa, nullptr);
  if (g_write_fd == fds_[1]) g_write_fd = -1;
  ::close(fds_[0]);
  ::close(fds_[1]);
  fds_[0] = fds_[1] = -1;
}

std::vector<int> SignalPipe::wait(int timeout_ms) {
  std::vector<int> out;
  pollfd pfd{fds_[0], POLLIN, 0};
  if (::poll(&pfd, 1, timeout_ms) <= 0) return out;
  unsigned char buf[64];
  for (;;) {
    const ssize_t n = ::read(fds_[0], buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) out.push_back(buf[i]);
  }
  return out;
}

}  // namespace tenantca::daemon
