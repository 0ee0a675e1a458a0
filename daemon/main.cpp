#include "daemon/cli.hpp"

int main(int argc, char** argv) {
  return tenantca::daemon::run_cli(argc, argv);
}
