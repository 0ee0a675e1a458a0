// core/process_event.hpp: a wake-up between processes. A notify between
// reading the generation and waiting is not lost, and a waiter killed while
// asleep does not stop later notifies from returning and waking the others
// (the way glibc's process-shared condition variables hang).
#include "core/process_event.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <new>
#include <thread>

using tenantca::core::ProcessEvent;

namespace {

struct Shared {
  ProcessEvent event;
  std::atomic<int> asleep{0};
  std::atomic<uint32_t> armed{0};  // a waiter's generation + 1, set just before it waits
};

Shared* shared_memory() {
  void* mem =
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return new (mem) Shared{};
}

bool wait_until(const std::function<bool()>& ok) {
  for (int i = 0; i < 1500; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST(ProcessEvent, ANotifyBeforeTheWaitIsNotLost) {
  Shared* s = shared_memory();
  const uint32_t seen = s->event.generation();
  s->event.notify_one();
  const auto start = std::chrono::steady_clock::now();
  s->event.wait(seen, std::chrono::seconds(30));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(ProcessEvent, AWaiterKilledAsleepJamsNothing) {
  Shared* s = shared_memory();
  const pid_t child = fork();
  if (child == 0) {
    for (;;) {
      const uint32_t seen = s->event.generation();
      s->asleep = 1;
      s->event.wait(seen, std::chrono::seconds(60));
    }
  }
  ASSERT_TRUE(wait_until([&] { return s->asleep.load() == 1; }));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  // A live waiter in another thread, woken by notify_all, over and over.
  std::atomic<int> woken{0};
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    while (!done) {
      const uint32_t seen = s->event.generation();
      s->armed = seen + 1;
      s->event.wait(seen, std::chrono::seconds(60));
      ++woken;
    }
  });
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_until([&] { return s->armed.load() == s->event.generation() + 1; }));
    const int before = woken.load();
    std::atomic<bool> returned{false};
    std::thread notifier([&] {
      s->event.notify_all();
      returned = true;
    });
    ASSERT_TRUE(wait_until([&] { return returned.load(); })) << "notify_all hung";
    notifier.join();
    ASSERT_TRUE(wait_until([&] { return woken.load() > before; })) << "the live waiter slept on";
  }
  done = true;
  s->event.notify_all();
  waiter.join();
}

TEST(ProcessEvent, WakesAWaiterInAnotherProcess) {
  Shared* s = shared_memory();
  const pid_t child = fork();
  if (child == 0) {
    const uint32_t seen = s->event.generation();
    s->armed = seen + 1;
    s->event.wait(seen, std::chrono::seconds(60));
    _exit(s->event.generation() != seen ? 0 : 1);
  }
  ASSERT_TRUE(wait_until([&] { return s->armed.load() == s->event.generation() + 1; }));
  const auto start = std::chrono::steady_clock::now();
  s->event.notify_one();
  int status = 0;
  ASSERT_TRUE(wait_until([&] { return waitpid(child, &status, WNOHANG) == child; }))
      << "the other process slept on";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}
