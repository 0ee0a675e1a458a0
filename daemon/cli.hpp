#pragma once

namespace tenantca::daemon {

// The command line: serve, migrate, operator-key create, check-config, version.
int run_cli(int argc, char** argv);

}  // namespace tenantca::daemon
