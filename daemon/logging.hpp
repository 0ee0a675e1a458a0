#pragma once
// Process-wide logging on spdlog: text or JSON lines, to stderr (journald) or a
// file that USR1 reopens for logrotate. Messages never carry secrets: callers
// log key ids, never key material.
#include <string>

namespace tenantca::daemon {

struct LogSettings {
  std::string level = "info";
  std::string format = "text";
  std::string file;  // empty: stderr
  std::string role = "master";
};

void setup_logging(const LogSettings& settings);
// Reopen the log file after logrotate moved it (USR1). Safe to call any time.
void reopen_logs();
// Marks the process ("master", "worker 3") in every line.
void set_log_role(const std::string& role);

}  // namespace tenantca::daemon
