#include "daemon/pid_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace tenantca::daemon {

PidFile::PidFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error(fmt::format("cannot write pid file {}", path_));
    out << ::getpid() << "\n";
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    throw std::runtime_error(fmt::format("cannot write pid file {}", path_));
  }
}

PidFile::~PidFile() {
  if (path_.empty()) return;
  std::ifstream in(path_);
  long pid = 0;
  if (in >> pid && pid == ::getpid()) std::remove(path_.c_str());
}

}  // namespace tenantca::daemon
