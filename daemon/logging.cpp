#include "daemon/logging.hpp"

#include <fcntl.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

namespace tenantca::daemon {
namespace {

std::string g_role = "master";

// Appends to a file descriptor; reopen() swaps in a new fd for the same path.
// O_APPEND keeps lines from several processes whole.
class ReopenableFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ReopenableFdSink(std::string path) : path_(std::move(path)) { open_locked(); }
  ~ReopenableFdSink() override {
    if (fd_ > 2) ::close(fd_);
  }
  void reopen() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_locked();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    const char* p = buf.data();
    size_t left = buf.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // nowhere left to report a logging failure
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  void flush_() override {}

 private:
  void open_locked() {
    if (path_.empty()) {
      fd_ = STDERR_FILENO;
      return;
    }
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return;  // keep the old fd: better than losing lines
    if (fd_ > 2) ::close(fd_);
    fd_ = fd;
  }
  std::string path_;
  int fd_ = STDERR_FILENO;
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto t = system_clock::to_time_t(msg.time);
    const auto ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(ms));
    nlohmann::json j = {{"time", ts},
                        {"level", spdlog::level::to_string_view(msg.level).data()},
                        {"pid", ::getpid()},
                        {"process", g_role},
                        {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    const std::string line =
        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::shared_ptr<ReopenableFdSink> g_sink;
LogSettings g_settings;

void apply_format() {
  if (g_settings.format == "json") {
    g_sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    g_sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [" + g_role + " %P] %v", spdlog::pattern_time_type::utc));
  }
}

}  // namespace

void setup_logging(const LogSettings& settings) {
  g_settings = settings;
  g_role = settings.role;
  g_sink = std::make_shared<ReopenableFdSink>(settings.file);
  apply_format();
  auto logger = std::make_shared<spdlog::logger>("tenantca", g_sink);
  logger->set_level(spdlog::level::from_str(settings.level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void reopen_logs() {
  if (g_sink) g_sink->reopen();
}

void set_log_role(const std::string& role) {
  g_role = role;
  if (g_sink) apply_format();
}

}  // namespace tenantca::daemon
