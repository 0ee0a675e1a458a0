#pragma once
#include <string>

namespace tenantca::daemon {

// Writes the pid at construction (atomically, via rename) and removes the
// file at destruction if it still holds our pid. An empty path does nothing.
class PidFile {
 public:
  explicit PidFile(std::string path);
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

 private:
  std::string path_;
};

}  // namespace tenantca::daemon
